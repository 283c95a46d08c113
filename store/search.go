package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"maksa"
)

// PaymentFilter selects payments. Zero fields select everything.
type PaymentFilter struct {
	Status    string
	Account   string // the debtor account (outgoing) or, with Direction "in", the creditor account
	Direction string // "in", "out" or empty for both
	Creditor  string // part of the creditor's name
	IBAN      string // the creditor account
	From, To  time.Time
	EndToEnd  string
	Batch     int64
	Text      string   // part of a text the payment holds (textColumns), in any case
	Payee     []string // verification of payee outcomes (MTCH, CMTC, NMTC, NOAP, OPTO)
	// Outgoing and Incoming, when set, restrict what is seen to the
	// payments of these debtor accounts and the executed payments to these
	// creditor accounts — a user's access modes.
	Outgoing, Incoming []string
	Restricted         bool
	// Held selects the payments the nightly batch holds back (their
	// client's total was not announced) until an operator releases them.
	Held bool
}

// SearchPayments calls fn for each payment the filter selects, newest
// batch first, in file order within a batch.
func (db *DB) SearchPayments(ctx context.Context, f PaymentFilter, fn func(*maksa.Payment) error) error {
	var where []string
	var args []any
	add := func(cond string, a ...any) {
		where = append(where, cond)
		args = append(args, a...)
	}
	in := func(column string, values []string) string {
		if len(values) == 0 {
			return "1 = 0"
		}
		for _, v := range values {
			args = append(args, v)
		}
		return column + " IN (" + strings.TrimSuffix(strings.Repeat("?,", len(values)), ",") + ")"
	}
	if f.Restricted {
		out := in("debtor_iban", f.Outgoing)
		inc := in("creditor_account", f.Incoming)
		where = append(where, fmt.Sprintf("(%s OR (%s AND status = 'ACSC'))", out, inc))
	}
	switch f.Direction {
	case "out":
		if f.Account != "" {
			add("debtor_iban = ?", f.Account)
		}
		if f.Restricted {
			where = append(where, in("debtor_iban", f.Outgoing))
		}
	case "in":
		add("status = 'ACSC'")
		if f.Account != "" {
			add("creditor_account = ?", f.Account)
		}
		if f.Restricted {
			where = append(where, in("creditor_account", f.Incoming))
		}
	default:
		if f.Account != "" {
			add("(debtor_iban = ? OR creditor_account = ?)", f.Account, f.Account)
		}
	}
	switch f.Status {
	case "":
	case "PDNG", "ACCP": // literally, so that the partial index of the payments at work is used
		add("status = '" + f.Status + "'")
	default:
		add("status = ?", f.Status)
	}
	if len(f.Payee) > 0 {
		where = append(where, in("vop_result", f.Payee))
	}
	if f.Creditor != "" {
		add(db.lower("creditor_name")+" LIKE ?", "%"+strings.ToLower(f.Creditor)+"%")
	}
	if f.IBAN != "" {
		add("creditor_account = ?", f.IBAN)
	}
	if !f.From.IsZero() {
		add("execution_date >= ?", date(f.From))
	}
	if !f.To.IsZero() {
		add("execution_date <= ?", date(f.To))
	}
	if f.EndToEnd != "" {
		add("end_to_end_id = ?", f.EndToEnd)
	}
	if f.Batch != 0 {
		add("batch_id = ?", f.Batch)
	}
	if f.Held {
		add("status IN ('PDNG', 'ACCP') AND note LIKE 'held:%' AND released = 0")
	}
	if f.Text != "" {
		t := "%" + strings.ToLower(f.Text) + "%"
		var like []string
		var likeArgs []any
		for _, col := range textColumns {
			like, likeArgs = append(like, db.lower(col)+" LIKE ?"), append(likeArgs, t)
		}
		add("("+strings.Join(like, " OR ")+")", likeArgs...)
	}
	return db.eachPaymentOf(ctx, readColumns, `FROM payments`, strings.Join(where, " AND "), `ORDER BY batch_id DESC, seq`, args, fn)
}

// PaymentPostings returns the ledger postings of a payment.
func (db *DB) PaymentPostings(ctx context.Context, paymentID int64) ([]Posting, error) {
	var rows []struct {
		ID       int64  `db:"id"`
		Account  string `db:"account_iban"`
		Side     string `db:"side"`
		Minor    int64  `db:"amount_minor"`
		Currency string `db:"currency"`
		Booking  string `db:"booking_date"`
		CpIBAN   string `db:"counterparty_iban"`
		CpName   string `db:"counterparty_name"`
	}
	if err := db.x.SelectContext(ctx, &rows, db.x.Rebind(`SELECT id, account_iban, side, amount_minor, currency, booking_date, counterparty_iban, counterparty_name FROM postings WHERE payment_id = ? ORDER BY id`), paymentID); err != nil {
		return nil, err
	}
	out := make([]Posting, len(rows))
	for i, r := range rows {
		cur, _ := maksa.LookupCurrency(r.Currency)
		out[i] = Posting{ID: r.ID, PaymentID: paymentID, Account: r.Account, Side: r.Side, Amount: maksa.FromMinorUnits(r.Minor, cur),
			Currency: r.Currency, BookingDate: parseDate(r.Booking), CounterpartyIBAN: r.CpIBAN, CounterpartyName: r.CpName}
	}
	return out, nil
}

// AuditLatest returns the newest limit audit events of one action, newest
// first.
func (db *DB) AuditLatest(ctx context.Context, action string, limit int) ([]maksa.AuditEvent, error) {
	var rows []auditRow
	if err := db.x.SelectContext(ctx, &rows, db.x.Rebind(`SELECT * FROM audit_events WHERE action = ? ORDER BY id DESC LIMIT ?`), action, limit); err != nil {
		return nil, err
	}
	out := make([]maksa.AuditEvent, len(rows))
	for i, r := range rows {
		out[i] = r.event()
	}
	return out, nil
}

// AuditFor returns the audit events about the given objects, in order.
func (db *DB) AuditFor(ctx context.Context, objects ...string) ([]maksa.AuditEvent, error) {
	if len(objects) == 0 {
		return nil, nil
	}
	args := make([]any, len(objects))
	for i, o := range objects {
		args[i] = o
	}
	var rows []auditRow
	q := `SELECT * FROM audit_events WHERE object IN (` + strings.TrimSuffix(strings.Repeat("?,", len(objects)), ",") + `) ORDER BY id`
	if err := db.x.SelectContext(ctx, &rows, db.x.Rebind(q), args...); err != nil {
		return nil, err
	}
	out := make([]maksa.AuditEvent, len(rows))
	for i, r := range rows {
		out[i] = r.event()
	}
	return out, nil
}

// Levels is how many signatures a payment carries and how many its
// account needs.
type Levels struct {
	Done     int `json:"done"`
	Required int `json:"required"`
}

// SignatureLevels returns the signatures done and needed of each of the
// payments, by id (a payment whose account is gone is left out).
func (db *DB) SignatureLevels(ctx context.Context, ids []int64) (map[int64]Levels, error) {
	out := make(map[int64]Levels, len(ids))
	for start := 0; start < len(ids); start += 500 {
		chunk := ids[start:min(start+500, len(ids))]
		q, args, err := sqlx.In(`SELECT p.id, a.signatures, (SELECT COUNT(*) FROM signatures s WHERE s.payment_id = p.id)
			FROM payments p JOIN accounts a ON a.iban = p.debtor_iban WHERE p.id IN (?)`, chunk)
		if err != nil {
			return nil, err
		}
		rows, err := db.x.QueryContext(ctx, db.x.Rebind(q), args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id int64
			var l Levels
			if err := rows.Scan(&id, &l.Required, &l.Done); err != nil {
				rows.Close()
				return nil, err
			}
			out[id] = l
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// textColumns are what a free-text search looks in: the ids, the names of
// every party, what the payment is for (remittance and creditor
// reference) and the creditor's address.
var textColumns = []string{"end_to_end_id", "instr_id", "creditor_name", "debtor_name", "ultimate_creditor", "ultimate_debtor",
	"remittance", "reference", "creditor_address"}
