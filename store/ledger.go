package store

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/shopspring/decimal"

	"maksa"
)

// ErrLocked means another process holds the lock.
var ErrLocked = errors.New("locked by another process")

// AcquireLock takes the named lock for owner. A lock whose holder has not
// refreshed it (Refresh) for stale is taken over: its holder died. So is one
// whose holder gone reports dead (gone may be nil), and one owner holds
// already. Returns an error
// wrapping ErrLocked, naming the holder, when it is held.
func (db *DB) AcquireLock(ctx context.Context, name, owner string, stale time.Duration, gone func(holder string) bool) error {
	now := db.Now()
	_, err := db.x.ExecContext(ctx, db.x.Rebind(`INSERT INTO locks (name, owner, heartbeat) VALUES (?, ?, ?)`), name, owner, ts(now))
	if err == nil || !isUniqueViolation(err) {
		return err
	}
	var held struct {
		Owner     string `db:"owner"`
		Heartbeat string `db:"heartbeat"`
	}
	if err := db.x.GetContext(ctx, &held, db.x.Rebind(`SELECT owner, heartbeat FROM locks WHERE name = ?`), name); err != nil {
		return err
	}
	beat, _ := time.Parse(time.RFC3339Nano, held.Heartbeat)
	mine := held.Owner == owner // kept by an attempt of this run that lost the database
	if !mine && now.Sub(beat) < stale && (gone == nil || !gone(held.Owner)) {
		return fmt.Errorf("%s is held by %s (last seen %s): %w", name, held.Owner, beat.Format(time.RFC3339), ErrLocked)
	}
	res, err := db.x.ExecContext(ctx, db.x.Rebind(`UPDATE locks SET owner = ?, heartbeat = ? WHERE name = ? AND heartbeat = ?`), owner, ts(now), name, held.Heartbeat)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return fmt.Errorf("%s was just taken by another process: %w", name, ErrLocked)
	}
	return nil
}

// RefreshLock shows that owner still holds the lock.
func (db *DB) RefreshLock(ctx context.Context, name, owner string) error {
	_, err := db.execer().ExecContext(ctx, db.x.Rebind(`UPDATE locks SET heartbeat = ? WHERE name = ? AND owner = ?`), ts(db.Now()), name, owner)
	return err
}

// ReleaseLock gives the lock up.
func (db *DB) ReleaseLock(ctx context.Context, name, owner string) error {
	_, err := db.x.ExecContext(ctx, db.x.Rebind(`DELETE FROM locks WHERE name = ? AND owner = ?`), name, owner)
	return err
}

// executionOrder is the order the nightly batch executes payments in:
// execution date, urgent first, then in the order they were imported.
const executionOrder = `execution_date, CASE WHEN kind = 'urgent' OR priority = 'HIGH' THEN 0 ELSE 1 END, batch_id, seq`

// dueIDsSQL lists the payments due on a day, through the partial index of
// the payments awaiting execution (status = 'ACCP', literally).
const dueIDsSQL = `SELECT id FROM payments WHERE status = 'ACCP' AND execution_date <= ?
	AND (released = 1 OR note NOT LIKE 'held:%') ORDER BY ` + executionOrder

// DueIDs returns the ids of the fully signed payments (ACCP) with an
// execution date on or before day, in execution order — but not those held
// for an unannounced total (note "held: …") that no operator released. The
// batch takes them a chunk at a time with DuePayments: one sort of the
// day's payments instead of one per chunk.
func (db *DB) DueIDs(ctx context.Context, day time.Time) ([]int64, error) {
	var ids []int64
	err := db.x.SelectContext(ctx, &ids, db.x.Rebind(dueIDsSQL), date(day))
	return ids, err
}

// dueColumns are what executing a payment reads: what decides it, what
// its signatures cover and what its postings and a refusal say.
var dueColumns = slices.Concat([]string{"id", "batch_id", "seq", "status", "reasons", "position", "end_to_end_id", "debtor_iban", "debtor_name",
	"creditor_account", "creditor_name", "creditor_bic", "amount", "amount_minor", "currency", "execution_date", "remittance", "kind", "priority", "released"}, signedColumns)

// DuePayments returns the payments of ids that are still fully signed
// (ACCP), in the order of ids, with dueColumns.
func (db *DB) DuePayments(ctx context.Context, ids []int64) ([]*maksa.Payment, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	// By id only: with the status in the query, SQLite scans every
	// payment of that status through its index instead (chunk after chunk).
	where, args, err := sqlx.In(`id IN (?)`, ids)
	if err != nil {
		return nil, err
	}
	byID := make(map[int64]*maksa.Payment, len(ids))
	err = db.eachPaymentOf(ctx, dueColumns, `FROM payments`, where, ``, args, func(p *maksa.Payment) error {
		if p.Status == maksa.ACCP {
			byID[p.ID] = p
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := make([]*maksa.Payment, 0, len(byID))
	for _, id := range ids {
		if p := byID[id]; p != nil {
			out = append(out, p)
		}
	}
	return out, nil
}

// Balances returns every account's booked balance now: its opening balance
// plus its postings (their day totals), by IBAN, with the account.
func (db *DB) Balances(ctx context.Context) (map[string]decimal.Decimal, map[string]*maksa.Account, error) {
	var accounts []accountRow
	if err := db.x.SelectContext(ctx, &accounts, `SELECT `+accountColumns+` FROM accounts`); err != nil {
		return nil, nil, err
	}
	balances, byIBAN := map[string]decimal.Decimal{}, map[string]*maksa.Account{}
	for _, r := range accounts {
		a := r.account()
		balances[a.IBAN], byIBAN[a.IBAN] = a.OpeningBalance, &a
	}
	var sums []struct {
		IBAN     string `db:"account_iban"`
		Currency string `db:"currency"`
		Minor    int64  `db:"minor"`
	}
	err := db.x.SelectContext(ctx, &sums, `SELECT account_iban, currency, SUM(net_minor) AS minor FROM day_totals GROUP BY account_iban, currency`)
	for _, s := range sums {
		cur, _ := maksa.LookupCurrency(s.Currency)
		balances[s.IBAN] = balances[s.IBAN].Add(maksa.FromMinorUnits(s.Minor, cur))
	}
	return balances, byIBAN, err
}

// Posting is one side of an executed payment in the ledger.
type Posting struct {
	ID               int64 // 0 in statement entries, which do not need it
	PaymentID        int64
	Account          string
	Side             string // DBIT or CRDT
	Amount           decimal.Decimal
	Currency         string
	BookingDate      time.Time
	CounterpartyIBAN string
	CounterpartyName string
}

// Execution is the nightly batch's decision on one payment: its postings,
// or the problem that refused it.
type Execution struct {
	Payment  *maksa.Payment
	Postings []Posting
	Refusal  *maksa.Problem
}

// Execute stores the decisions on a chunk of payments in one transaction:
// each executed payment's postings with its status ACSC (and their sums
// in the day totals), each refused payment's reason with its status RJCT,
// both marked with the business day.
// A payment that is no longer ACCP (executed by a run that raced this one)
// fails the whole chunk, which then changes nothing.
func (db *DB) Execute(ctx context.Context, day time.Time, chunk []Execution, actor string) error {
	tx, err := db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var executed []int64
	for _, e := range chunk { // the refusals first: on PostgreSQL the postings are one COPY, which nothing may interrupt
		p := e.Payment
		if e.Refusal == nil {
			continue
		}
		p.Reject(e.Refusal)
		js, _ := json.Marshal(p.Problems)
		res, err := tx.ExecContext(ctx, tx.Rebind(`UPDATE payments SET status = 'RJCT', reasons = ?, executed_on = ? WHERE id = ? AND status = 'ACCP'`), string(js), date(day), p.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return fmt.Errorf("payment %d is no longer awaiting execution", p.ID)
		}
	}
	postings, err := newBulk(ctx, tx, db.dialect, "postings", "payment_id", "account_iban", "side", "amount_minor", "currency", "booking_date", "counterparty_iban", "counterparty_name")
	if err != nil {
		return err
	}
	defer postings.close()
	type dayTotal struct{ account, day, currency string }
	net := map[dayTotal]int64{}
	for _, e := range chunk {
		p := e.Payment
		if e.Refusal != nil {
			continue
		}
		executed = append(executed, p.ID)
		for _, post := range e.Postings {
			cur, _ := maksa.LookupCurrency(post.Currency)
			minor := maksa.MinorUnits(post.Amount, cur)
			err := postings.add(p.ID, post.Account, post.Side, minor, post.Currency, date(post.BookingDate), post.CounterpartyIBAN, post.CounterpartyName)
			if err != nil {
				return err
			}
			if post.Side == "DBIT" {
				minor = -minor
			}
			net[dayTotal{post.Account, date(post.BookingDate), post.Currency}] += minor
		}
	}
	if err := postings.flush(); err != nil {
		return err
	}
	keys := slices.SortedFunc(maps.Keys(net), func(a, b dayTotal) int {
		return cmp.Or(strings.Compare(a.account, b.account), strings.Compare(a.day, b.day), strings.Compare(a.currency, b.currency))
	})
	for _, k := range keys { // in one order: no two transactions wait on each other's rows
		minor := net[k]
		_, err := tx.ExecContext(ctx, tx.Rebind(`INSERT INTO day_totals (account_iban, booking_date, currency, net_minor) VALUES (?, ?, ?, ?)
			ON CONFLICT (account_iban, booking_date, currency) DO UPDATE SET net_minor = day_totals.net_minor + excluded.net_minor`), k.account, k.day, k.currency, minor)
		if err != nil {
			return err
		}
	}
	if len(executed) > 0 {
		q, args, err := sqlx.In(db.markExecutedSQL(), date(day), executed)
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, tx.Rebind(q), args...)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != int64(len(executed)) {
			return fmt.Errorf("%d of %d payments are no longer awaiting execution", int64(len(executed))-n, len(executed))
		}
	}
	details := map[string]any{"date": date(day), "executed": len(executed), "refused": len(chunk) - len(executed), "first_payment": chunk[0].Payment.ID, "last_payment": chunk[len(chunk)-1].Payment.ID}
	if err := db.appendAudit(ctx, tx, actor, "batch.execute", "nightly batch "+date(day), details); err != nil {
		return err
	}
	return tx.Commit()
}

// markSignedSQL makes the payments of a list fully signed (ACCP).
func (db *DB) markSignedSQL() string {
	return `UPDATE payments SET status = 'ACCP' WHERE ` + db.byIDOnly("status") + ` = 'PDNG' AND id IN (?)`
}

// markExecutedSQL marks the payments with the given ids (still ACCP)
// executed on a day.
func (db *DB) markExecutedSQL() string {
	return `UPDATE payments SET status = 'ACSC', executed_on = ? WHERE ` + db.byIDOnly("status") + ` = 'ACCP' AND id IN (?)`
}

// Entry is a posting with what a statement says about its payment.
type Entry struct {
	Posting
	Kind           maksa.Kind
	EndToEndID     string
	MessageID      string
	PaymentInfoID  string
	InstructionID  string
	Remittance     string
	DebtorName     string
	DebtorIBAN     string
	CreditorName   string
	CreditorIBAN   string
	UltimateDebtor string
	Payee          maksa.PayeeResult // the verification of payee's outcome, where it applied
	CreditorBIC    string
	CreditorID     string // the creditor's registration number or personal code, as the payer gave it
}

// BalanceBefore returns an account's booked balance at the start of day.
func (db *DB) BalanceBefore(ctx context.Context, iban string, day time.Time) (decimal.Decimal, string, error) {
	var a accountRow
	if err := db.x.GetContext(ctx, &a, db.x.Rebind(`SELECT `+accountColumns+` FROM accounts WHERE iban = ?`), iban); err != nil {
		return decimal.Zero, "", notFound(err, "account "+iban)
	}
	acct := a.account()
	var minor int64
	err := db.x.GetContext(ctx, &minor, db.x.Rebind(`SELECT COALESCE(SUM(net_minor), 0) FROM day_totals WHERE account_iban = ? AND booking_date < ?`), iban, date(day))
	cur, _ := maksa.LookupCurrency(acct.Currency)
	return acct.OpeningBalance.Add(maksa.FromMinorUnits(minor, cur)), acct.Currency, err
}

// Entries calls fn for each posting on the account booked from..to
// (inclusive), in booking order.
func (db *DB) Entries(ctx context.Context, iban string, from, to time.Time, fn func(Entry) error) error {
	return db.EntriesIn(ctx, EntryRange{IBAN: iban, From: from, To: to}, fn)
}

// EntryRange is a run of an account's entries over a period, in booking
// order: all of them, or a part SplitEntries made.
type EntryRange struct {
	IBAN     string
	From, To time.Time // the period, inclusive
	// After and Through, when Through is set, keep only the postings with
	// After < id <= Through: the entries of one statement of a day that
	// has several (see PlanFile).
	After, Through int64
	// The part: from the entry first (when set) up to, not including,
	// the entry end (when set); each is a booking date and posting id.
	first, end *entryKey
}

type entryKey struct {
	Date string `db:"booking_date"`
	ID   int64  `db:"id"`
}

// SplitEntries cuts the account's entries over from..to into at most n
// runs of about equal size, of at least least entries each (one run when
// there are fewer), that follow one another in booking order, to be read
// side by side. Entries booked meanwhile fall into the run their place in
// booking order puts them in (on the period's last day, the last run).
func (db *DB) SplitEntries(ctx context.Context, all EntryRange, n, least int) ([]EntryRange, error) {
	where, args := `FROM postings WHERE account_iban = ? AND booking_date >= ? AND booking_date <= ?`, []any{all.IBAN, date(all.From), date(all.To)}
	if all.Through > 0 {
		where, args = where+` AND id > ? AND id <= ?`, append(args, all.After, all.Through)
	}
	var count int
	if err := db.x.GetContext(ctx, &count, db.x.Rebind(`SELECT COUNT(*) `+where), args...); err != nil {
		return nil, err
	}
	n = min(n, count/max(least, 1))
	if n <= 1 {
		return []EntryRange{all}, nil
	}
	parts := make([]EntryRange, n)
	for i := range parts {
		parts[i] = all
		if i > 0 {
			parts[i].first = parts[i-1].end
		}
		if i < n-1 {
			var end entryKey
			if err := db.x.GetContext(ctx, &end, db.x.Rebind(`SELECT booking_date, id `+where+` ORDER BY booking_date, id LIMIT 1 OFFSET ?`),
				append(args, (i+1)*count/n)...); err != nil {
				return nil, err
			}
			parts[i].end = &end
		}
	}
	return parts, nil
}

// entryColumns are what a statement prints of a posting, read by EntriesIn
// (the posting's id first, see queryFields).
var entryColumns = []string{"e.id", "e.payment_id", "e.side", "e.amount_minor", "e.currency", "e.booking_date", "e.counterparty_iban",
	"e.counterparty_name", "b.message_id", "p.end_to_end_id", "p.pmt_inf_id", "p.instr_id", "p.remittance", "p.debtor_name",
	"p.debtor_iban", "p.creditor_name", "p.creditor_account", "p.kind", "p.ultimate_debtor", "p.vop_result", "p.creditor_bic", "p.creditor_id"}

// EntriesIn calls fn for each entry of the run, in booking order. A
// statement of a day reads a million entries: each row holds only what
// statements print, read packed on SQLite (see queryFields; looking the
// message ids up apart cost a second pass over the entries, more than the
// join).
func (db *DB) EntriesIn(ctx context.Context, r EntryRange, fn func(Entry) error) error {
	where, args := `e.account_iban = ? AND e.booking_date >= ? AND e.booking_date <= ?`, []any{r.IBAN, date(r.From), date(r.To)}
	if r.first != nil {
		where, args = where+` AND (e.booking_date, e.id) >= (?, ?)`, append(args, r.first.Date, r.first.ID)
	}
	if r.end != nil {
		where, args = where+` AND (e.booking_date, e.id) < (?, ?)`, append(args, r.end.Date, r.end.ID)
	}
	if r.Through > 0 {
		where, args = where+` AND e.id > ? AND e.id <= ?`, append(args, r.After, r.Through)
	}
	rows, err := db.queryFields(ctx, entryColumns, `FROM postings e JOIN payments p ON p.id = e.payment_id JOIN batches b ON b.id = p.batch_id`,
		where, `ORDER BY e.booking_date, e.id`, args...)
	if err != nil {
		return err
	}
	defer rows.close()
	var lastBooking string
	var bookingDate time.Time
	for {
		ok, err := rows.next()
		if !ok {
			return err
		}
		f := rows.fields
		if f[5] != lastBooking {
			bookingDate, lastBooking = parseDate(f[5]), f[5]
		}
		paymentID, err1 := strconv.ParseInt(f[1], 10, 64)
		minor, err2 := strconv.ParseInt(f[3], 10, 64)
		if err := cmp.Or(err1, err2); err != nil {
			return fmt.Errorf("posting %s: %w", f[0], err)
		}
		cur, _ := maksa.LookupCurrency(f[4])
		e := Entry{Posting: Posting{PaymentID: paymentID, Account: r.IBAN, Side: f[2], Amount: maksa.FromMinorUnits(minor, cur), Currency: f[4],
			BookingDate: bookingDate, CounterpartyIBAN: f[6], CounterpartyName: f[7]},
			MessageID: f[8], EndToEndID: f[9], PaymentInfoID: f[10], InstructionID: f[11], Remittance: f[12], DebtorName: f[13],
			DebtorIBAN: f[14], CreditorName: f[15], CreditorIBAN: f[16], Kind: maksa.Kind(f[17]), UltimateDebtor: f[18],
			Payee: maksa.PayeeResult(f[19]), CreditorBIC: f[20], CreditorID: f[21]}
		if err := fn(e); err != nil {
			return err
		}
	}
}

// accountsWithPostingsSQL looks each account's postings of a day up
// through the index: a join let SQLite scan every posting ever booked.
const accountsWithPostingsSQL = `SELECT a.iban FROM accounts a
	WHERE EXISTS (SELECT 1 FROM postings p WHERE p.account_iban = a.iban AND p.booking_date = ?) ORDER BY a.iban`

// AccountsWithPostings returns the accounts with postings booked on day, sorted.
func (db *DB) AccountsWithPostings(ctx context.Context, day time.Time) ([]string, error) {
	var ibans []string
	err := db.x.SelectContext(ctx, &ibans, db.x.Rebind(accountsWithPostingsSQL), date(day))
	return ibans, err
}

// AccountIBANs returns every account, sorted.
func (db *DB) AccountIBANs(ctx context.Context) ([]string, error) {
	var ibans []string
	err := db.x.SelectContext(ctx, &ibans, `SELECT iban FROM accounts ORDER BY iban`)
	return ibans, err
}

// NetThrough returns the account's net booked amount on day (credits less
// debits) of the postings with id <= through: what a day's earlier
// statements held.
func (db *DB) NetThrough(ctx context.Context, iban string, day time.Time, through int64) (decimal.Decimal, error) {
	var rows []struct {
		Currency string `db:"currency"`
		Minor    int64  `db:"minor"`
	}
	err := db.x.SelectContext(ctx, &rows, db.x.Rebind(`SELECT currency, COALESCE(SUM(CASE WHEN side = 'CRDT' THEN amount_minor ELSE -amount_minor END), 0) AS minor
		FROM postings WHERE account_iban = ? AND booking_date = ? AND id <= ? GROUP BY currency`), iban, date(day), through)
	net := decimal.Zero
	for _, r := range rows {
		cur, _ := maksa.LookupCurrency(r.Currency)
		net = net.Add(maksa.FromMinorUnits(r.Minor, cur))
	}
	return net, err
}

// CreditedTotalIn counts and sums the credits booked on account on day
// with after < id <= through: for the clearing account, one clearing file's.
func (db *DB) CreditedTotalIn(ctx context.Context, account string, day time.Time, after, through int64) (int, decimal.Decimal, error) {
	var rows []struct {
		Currency string `db:"currency"`
		Count    int    `db:"n"`
		Minor    int64  `db:"minor"`
	}
	err := db.x.SelectContext(ctx, &rows, db.x.Rebind(`SELECT currency, COUNT(*) AS n, COALESCE(SUM(amount_minor), 0) AS minor FROM postings
		WHERE account_iban = ? AND side = 'CRDT' AND booking_date = ? AND id > ? AND id <= ? GROUP BY currency`), account, date(day), after, through)
	count, sum := 0, decimal.Zero
	for _, r := range rows {
		cur, _ := maksa.LookupCurrency(r.Currency)
		count, sum = count+r.Count, sum.Add(maksa.FromMinorUnits(r.Minor, cur))
	}
	return count, sum, err
}

// PaymentsCreditedIn calls fn for each payment whose credit was booked on
// account on day with after < id <= through — for the clearing account, the
// payments of one clearing file — in posting order. fn is lent the
// payment: it must not keep it.
func (db *DB) PaymentsCreditedIn(ctx context.Context, account string, day time.Time, after, through int64, fn func(*maksa.Payment) error) error {
	return db.eachPaymentLent(ctx, outboundColumns, `FROM postings e JOIN payments p ON p.id = e.payment_id`,
		`e.account_iban = ? AND e.side = 'CRDT' AND e.booking_date = ? AND e.id > ? AND e.id <= ?`, `ORDER BY e.id`, []any{account, date(day), after, through}, fn)
}

// BatchRun counts what the nightly batch did with one import batch's
// payments on one day.
type BatchRun struct {
	BatchID  int64 `db:"batch_id"`
	Executed int   `db:"executed"`
	Refused  int   `db:"refused"`
}

// BatchesExecutedOn returns the import batches with payments executed or
// refused on day.
func (db *DB) BatchesExecutedOn(ctx context.Context, day time.Time) ([]BatchRun, error) {
	var out []BatchRun
	err := db.x.SelectContext(ctx, &out, db.x.Rebind(`SELECT batch_id, SUM(CASE WHEN status = 'ACSC' THEN 1 ELSE 0 END) AS executed,
		SUM(CASE WHEN status = 'ACSC' THEN 0 ELSE 1 END) AS refused FROM payments WHERE executed_on = ? AND executed_on <> '' GROUP BY batch_id ORDER BY batch_id`), date(day))
	return out, err
}

// executedOnWhere finds the payments executed or refused on a day; naming
// executed_on as not empty lets the database use its partial index.
const executedOnWhere = `p.executed_on = ? AND p.executed_on <> ''`

// ExecutedOn calls fn for each payment the nightly batch executed or
// refused on day — of one import batch when batch is not 0 — by batch and
// file order. A payment carries what the execution reports, the daily
// report and the cash orders print (executedColumns), not the rest: a
// million payments are read back twice a night, packed on SQLite (see
// queryFields). fn is lent the payment: it must not keep it.
func (db *DB) ExecutedOn(ctx context.Context, day time.Time, batch int64, fn func(*maksa.Payment) error) error {
	where, args := executedOnWhere, []any{date(day)}
	if batch != 0 {
		where, args = where+` AND p.batch_id = ?`, append(args, batch)
	}
	return db.eachPaymentLent(ctx, executedColumns, `FROM payments p`, where, `ORDER BY p.batch_id, p.seq`, args, fn)
}

// CountAwaitingSignature counts the payments AwaitingSignature gives.
func (db *DB) CountAwaitingSignature(ctx context.Context, day time.Time) (int, error) {
	var n int
	err := db.x.GetContext(ctx, &n, db.x.Rebind(`SELECT COUNT(*) FROM payments p JOIN accounts a ON a.iban = p.debtor_iban
		WHERE p.status = 'PDNG' AND p.execution_date <= ?`), date(day))
	return n, err
}

// AwaitingSignature calls fn for each payment due on or before day that
// still awaits signatures, with the levels done and required.
func (db *DB) AwaitingSignature(ctx context.Context, day time.Time, fn func(p *maksa.Payment, done, required int) error) error {
	rows, err := db.x.QueryxContext(ctx, db.x.Rebind(`SELECT p.*, a.signatures AS required, (SELECT COUNT(*) FROM signatures s WHERE s.payment_id = p.id) AS done
		FROM payments p JOIN accounts a ON a.iban = p.debtor_iban WHERE p.status = 'PDNG' AND p.execution_date <= ? ORDER BY p.batch_id, p.seq`), date(day))
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var r struct {
			paymentRow
			Required int `db:"required"`
			Done     int `db:"done"`
		}
		if err := rows.StructScan(&r); err != nil {
			return err
		}
		if err := fn(r.payment(), r.Done, r.Required); err != nil {
			return err
		}
	}
	return rows.Err()
}

// Usage is one user's use of a grant on one execution date.
type Usage struct {
	Grant maksa.Grant
	Used  decimal.Decimal // accepted payments the user prepared for the date
}

// limitUsageSQL sums what each grant's user prepared on its account for a
// day, one grant at a time through the index on user, account and date
// (CROSS JOIN keeps SQLite from choosing the other order): a query over the
// payments alone read every payment ever stored, each night.
const limitUsageSQL = `SELECT g.user_id, g.account_iban AS debtor_iban, p.currency, SUM(p.amount_minor) AS minor FROM grants g CROSS JOIN payments p
	WHERE p.user_id = g.user_id AND p.debtor_iban = g.account_iban AND p.execution_date = ? AND p.status NOT IN ('RJCT', 'CANC')
	AND p.amount_minor IS NOT NULL GROUP BY g.user_id, g.account_iban, p.currency`

// LimitUsage returns, for every grant that prepares payments, what its
// user has prepared for execution on day.
func (db *DB) LimitUsage(ctx context.Context, day time.Time) ([]Usage, error) {
	var grants []grantRow
	if err := db.x.SelectContext(ctx, &grants, `SELECT user_id, account_iban, modes, payment_limit, daily_limit, card_valid_until FROM grants ORDER BY user_id, account_iban`); err != nil {
		return nil, err
	}
	var used []struct {
		User     string `db:"user_id"`
		Account  string `db:"debtor_iban"`
		Currency string `db:"currency"`
		Minor    int64  `db:"minor"`
	}
	if err := db.x.SelectContext(ctx, &used, db.x.Rebind(limitUsageSQL), date(day)); err != nil {
		return nil, err
	}
	sums := map[string]decimal.Decimal{}
	for _, u := range used {
		cur, _ := maksa.LookupCurrency(u.Currency)
		sums[u.User+"/"+u.Account] = sums[u.User+"/"+u.Account].Add(maksa.FromMinorUnits(u.Minor, cur))
	}
	var out []Usage
	for _, r := range grants {
		g := r.grant()
		if g.Has(maksa.ModePrepare) {
			out = append(out, Usage{Grant: g, Used: sums[g.UserID+"/"+g.AccountIBAN]})
		}
	}
	return out, nil
}

// executedTotalsSQL sums each account's euro debits of a day, one account
// at a time through the index on its postings of the day: a join let
// SQLite read every posting ever booked.
const executedTotalsSQL = `SELECT a.client_id, (SELECT SUM(e.amount_minor) FROM postings e
	WHERE e.account_iban = a.iban AND e.booking_date = ? AND e.side = 'DBIT' AND e.currency = 'EUR') AS minor FROM accounts a`

// ExecutedTotals returns, per client, the euro amount its accounts paid
// out on day.
func (db *DB) ExecutedTotals(ctx context.Context, day time.Time) (map[string]decimal.Decimal, error) {
	var rows []struct {
		Client string `db:"client_id"`
		Minor  *int64 `db:"minor"`
	}
	err := db.x.SelectContext(ctx, &rows, db.x.Rebind(executedTotalsSQL), date(day))
	minor := map[string]int64{}
	for _, r := range rows {
		if r.Minor != nil {
			minor[r.Client] += *r.Minor
		}
	}
	out := map[string]decimal.Decimal{}
	eur, _ := maksa.LookupCurrency("EUR")
	for client, m := range minor {
		out[client] = maksa.FromMinorUnits(m, eur)
	}
	return out, err
}
