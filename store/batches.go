package store

import (
	"context"
	"encoding/json"
	"github.com/jmoiron/sqlx"
	"time"

	"github.com/shopspring/decimal"

	"maksa"
)

type batchRow struct {
	ID              int64  `db:"id"`
	UserID          string `db:"user_id"`
	ClientID        string `db:"client_id"`
	FileName        string `db:"file_name"`
	SHA256          string `db:"sha256"`
	Format          string `db:"format"`
	MessageID       string `db:"message_id"`
	DeclaredTxs     string `db:"declared_txs"`
	DeclaredCtrlSum string `db:"declared_ctrl_sum"`
	Transactions    int    `db:"transactions"`
	ControlSum      string `db:"control_sum"`
	Accepted        int    `db:"accepted"`
	Rejected        int    `db:"rejected"`
	Status          string `db:"status"`
	Problems        string `db:"problems"`
	CreatedAt       string `db:"created_at"`
	Settled         string `db:"settled"`
	AnswerVersion   int    `db:"answer_version"`
}

func (r *batchRow) batch() *maksa.Batch {
	b := &maksa.Batch{ID: r.ID, UserID: r.UserID, ClientID: r.ClientID, FileName: r.FileName, SHA256: r.SHA256,
		Format: r.Format, MessageID: r.MessageID, DeclaredTxs: r.DeclaredTxs, Transactions: r.Transactions,
		Accepted: r.Accepted, Rejected: r.Rejected, Status: maksa.Status(r.Status), Settled: maksa.Status(r.Settled), AnswerVersion: r.AnswerVersion}
	if r.DeclaredCtrlSum != "" {
		d, err := decimal.NewFromString(r.DeclaredCtrlSum)
		if err == nil {
			b.DeclaredCtrlSum = &d
		}
	}
	b.ControlSum, _ = decimal.NewFromString(r.ControlSum)
	b.CreatedAt, _ = time.Parse(time.RFC3339Nano, r.CreatedAt)
	_ = json.Unmarshal([]byte(r.Problems), &b.Problems)
	return b
}

// Batch returns the batch with the given id. Returns ErrNotFound if there is none.
func (db *DB) Batch(ctx context.Context, id int64) (*maksa.Batch, error) {
	var r batchRow
	if err := db.x.GetContext(ctx, &r, db.x.Rebind(`SELECT * FROM batches WHERE id = ?`), id); err != nil {
		return nil, notFound(err, "batch")
	}
	return r.batch(), nil
}

// UserBatches returns the user's latest batches, newest first, at most limit.
func (db *DB) UserBatches(ctx context.Context, user string, limit int) ([]*maksa.Batch, error) {
	var rows []batchRow
	if err := db.x.SelectContext(ctx, &rows, db.x.Rebind(`SELECT * FROM batches WHERE user_id = ? ORDER BY id DESC LIMIT ?`), user, limit); err != nil {
		return nil, err
	}
	out := make([]*maksa.Batch, len(rows))
	for i := range rows {
		out[i] = rows[i].batch()
	}
	return out, nil
}

type paymentRow struct {
	ID               int64  `db:"id"`
	BatchID          int64  `db:"batch_id"`
	Seq              int    `db:"seq"`
	UserID           string `db:"user_id"`
	PmtInfID         string `db:"pmt_inf_id"`
	PmtMtd           string `db:"pmt_mtd"`
	InstrID          string `db:"instr_id"`
	EndToEndID       string `db:"end_to_end_id"`
	UETR             string `db:"uetr"`
	DebtorIBAN       string `db:"debtor_iban"`
	DebtorName       string `db:"debtor_name"`
	DebtorBIC        string `db:"debtor_bic"`
	CreditorAccount  string `db:"creditor_account"`
	CreditorIsIBAN   bool   `db:"creditor_is_iban"`
	CreditorName     string `db:"creditor_name"`
	CreditorBIC      string `db:"creditor_bic"`
	CreditorCountry  string `db:"creditor_country"`
	Amount           string `db:"amount"`
	AmountMinor      *int64 `db:"amount_minor"`
	Currency         string `db:"currency"`
	ExecutionDate    string `db:"execution_date"`
	Remittance       string `db:"remittance"`
	Reference        string `db:"reference"`
	Purpose          string `db:"purpose"`
	CategoryPurpose  string `db:"category_purpose"`
	Priority         string `db:"priority"`
	ServiceLevel     string `db:"service_level"`
	ChargeBearer     string `db:"charge_bearer"`
	UltimateDebtor   string `db:"ultimate_debtor"`
	UltimateCreditor string `db:"ultimate_creditor"`
	Position         string `db:"position"`
	Status           string `db:"status"`
	Reasons          string `db:"reasons"`
	ExecutedOn       string `db:"executed_on"`
	Kind             string `db:"kind"`
	CreditorID       string `db:"creditor_id"`
	CreditorAddress  string `db:"creditor_address"`
	Note             string `db:"note"`
	Released         bool   `db:"released"`
	PayeeResult      string `db:"vop_result"`
	PayeeName        string `db:"vop_name"`
	PayeeNote        string `db:"vop_note"`
	SameHash         *int64 `db:"same_hash"` // only because SELECT * reads it: SamePayments queries the column itself
}

// readColumns are every column a payment is read from (not its hash,
// which SamePayments reads itself, nor its amount in minor units).
var readColumns = []string{"id", "batch_id", "seq", "user_id", "pmt_inf_id", "pmt_mtd", "instr_id", "end_to_end_id", "uetr",
	"debtor_iban", "debtor_name", "debtor_bic", "creditor_account", "creditor_is_iban", "creditor_name", "creditor_bic",
	"creditor_country", "amount", "currency", "execution_date", "remittance", "reference", "purpose", "category_purpose",
	"priority", "service_level", "charge_bearer", "ultimate_debtor", "ultimate_creditor", "position", "status", "reasons",
	"executed_on", "kind", "creditor_id", "creditor_address", "note", "released", "amount_minor", "vop_result", "vop_name", "vop_note"}

// outboundColumns are the columns PaymentsCredited reads: what the
// outbound clearing file (pain.001) says about a payment.
var outboundColumns = []string{"p.id", "p.batch_id", "p.pmt_inf_id", "p.pmt_mtd", "p.instr_id", "p.end_to_end_id", "p.uetr", "p.debtor_iban",
	"p.debtor_name", "p.debtor_bic", "p.creditor_account", "p.creditor_is_iban", "p.creditor_name", "p.creditor_bic", "p.creditor_country",
	"p.amount", "p.currency", "p.execution_date", "p.remittance", "p.reference", "p.purpose", "p.category_purpose", "p.priority",
	"p.service_level", "p.charge_bearer", "p.ultimate_debtor", "p.ultimate_creditor", "p.kind", "p.status", "p.reasons", "p.creditor_address"}

// executedColumns are the columns ExecutedOn reads.
var executedColumns = []string{"p.id", "p.batch_id", "p.seq", "p.pmt_inf_id", "p.instr_id", "p.end_to_end_id", "p.uetr", "p.debtor_iban",
	"p.creditor_name", "p.creditor_account", "p.creditor_is_iban", "p.creditor_id", "p.kind", "p.amount", "p.currency", "p.execution_date",
	"p.status", "p.reasons", "p.executed_on", "p.vop_result"}

func (r *paymentRow) payment() *maksa.Payment {
	p := new(maksa.Payment)
	r.fill(p)
	return p
}

// fill makes *p, all of it, the payment of the row.
func (r *paymentRow) fill(p *maksa.Payment) {
	*p = maksa.Payment{ID: r.ID, BatchID: r.BatchID, Seq: r.Seq, PaymentInfoID: r.PmtInfID, PaymentMethod: r.PmtMtd,
		InstructionID: r.InstrID, EndToEndID: r.EndToEndID, UETR: r.UETR, DebtorIBAN: r.DebtorIBAN, DebtorName: r.DebtorName,
		DebtorBIC: r.DebtorBIC, CreditorIBAN: r.CreditorAccount, CreditorIsIBAN: r.CreditorIsIBAN, CreditorName: r.CreditorName,
		CreditorBIC: r.CreditorBIC, AmountText: r.Amount, Currency: r.Currency,
		DateText: r.ExecutionDate, ExecutionDate: parseDate(r.ExecutionDate), Remittance: r.Remittance, Reference: r.Reference,
		Purpose: r.Purpose, CategoryPurpose: r.CategoryPurpose, Priority: r.Priority, ServiceLevel: r.ServiceLevel,
		ChargeBearer: r.ChargeBearer, UltimateDebtor: r.UltimateDebtor, UltimateCreditor: r.UltimateCreditor,
		Status: maksa.Status(r.Status), ExecutedOn: parseDate(r.ExecutedOn), Kind: maksa.Kind(r.Kind), CreditorID: r.CreditorID,
		CreditorAddress: maksa.DecodeAddress(r.CreditorAddress), Note: r.Note, Released: r.Released,
		Payee: maksa.PayeeCheck{Result: maksa.PayeeResult(r.PayeeResult), Name: r.PayeeName, Note: r.PayeeNote}}
	if p.CreditorAddress.Country == "" { // stored apart, and before addresses were structured only there
		p.CreditorAddress.Country = r.CreditorCountry
	}
	p.Amount, _ = decimal.NewFromString(r.Amount)
	p.StoredMinor = r.AmountMinor
	if r.Position != "" { // not every query reads it
		_ = json.Unmarshal([]byte(r.Position), &p.Position)
	}
	if r.Reasons == noReasons { // nearly every payment's: spare the decoder
		p.Problems = []maksa.Problem{}
	} else {
		_ = json.Unmarshal([]byte(r.Reasons), &p.Problems)
	}
}

// eachPaymentIn runs query (rebound for q, a transaction or the database)
// and calls fn with each payment row it returns.
func eachPaymentIn(ctx context.Context, q sqlx.QueryerContext, query string, args []any, fn func(*maksa.Payment) error) error {
	return eachRow(ctx, q, query, args, func(r *paymentRow) error { return fn(r.payment()) })
}

// eachRow runs query on q and calls fn with each row, scanned into one T
// used again for the next: scanning a chunk into a []paymentRow grew the
// slice of large rows again and again (a tenth of the nightly batch's
// reading).
func eachRow[T any](ctx context.Context, q sqlx.QueryerContext, query string, args []any, fn func(*T) error) error {
	rows, err := q.QueryxContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	var r T
	for rows.Next() {
		if err := rows.StructScan(&r); err != nil {
			return err
		}
		if err := fn(&r); err != nil {
			return err
		}
	}
	return rows.Err()
}

// BatchPayments calls fn for each payment of the batch in file order; with
// reported, only for those a status report names: rejected, cancelled,
// changed by maksa (a note, such as a moved execution date), or awaiting
// signatures with a verification of payee a signer must confirm.
func (db *DB) BatchPayments(ctx context.Context, batchID int64, reported bool, fn func(*maksa.Payment) error) error {
	where := `batch_id = ?`
	if reported {
		where += ` AND (status IN ('RJCT', 'CANC') OR note <> '' OR (status = 'PDNG' AND vop_result IN ('CMTC', 'NMTC', 'NOAP')))`
	}
	return db.eachPaymentOf(ctx, readColumns, `FROM payments`, where, `ORDER BY seq`, []any{batchID}, fn)
}
