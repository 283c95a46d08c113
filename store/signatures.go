package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/shopspring/decimal"

	"maksa"
)

// Instance returns the id of this maksa installation (one database), made
// once at random. Signatures bind it, so that they cannot be replayed onto
// another installation.
func (db *DB) Instance(ctx context.Context) (string, error) {
	var b [16]byte
	rand.Read(b[:])
	id := hex.EncodeToString(b[:4]) + "-" + hex.EncodeToString(b[4:6]) + "-" + hex.EncodeToString(b[6:8]) + "-" + hex.EncodeToString(b[8:10]) + "-" + hex.EncodeToString(b[10:])
	if _, err := db.x.ExecContext(ctx, db.x.Rebind(`INSERT INTO settings (key, value) VALUES ('instance', ?) ON CONFLICT (key) DO NOTHING`), id); err != nil {
		return "", err
	}
	err := db.x.GetContext(ctx, &id, `SELECT value FROM settings WHERE key = 'instance'`)
	return id, err
}

// Signature is one stored signature of a payment.
type Signature struct {
	PaymentID   int64     `json:"payment_id"`
	Level       int       `json:"level"`
	UserID      string    `json:"user"`
	Fingerprint string    `json:"key_fingerprint"`
	Value       []byte    `json:"signature"`
	Digest      string    `json:"digest"`
	SignedAt    time.Time `json:"signed_at"`
	// PayeeConfirmed is the verification of payee the signer confirmed
	// explicitly (CMTC, NMTC, NOAP); empty when none needed confirming.
	PayeeConfirmed maksa.PayeeResult `json:"vop_confirmed,omitempty"`
	// SetID names the set signature that signed the payment (Value is
	// then empty); 0 for a signature of the payment alone.
	SetID int64 `json:"set_id,omitempty"`
}

type signatureRow struct {
	PaymentID   int64         `db:"payment_id"`
	Level       int           `db:"level"`
	UserID      string        `db:"user_id"`
	Fingerprint string        `db:"fingerprint"`
	Signature   string        `db:"signature"`
	Digest      string        `db:"digest"`
	SignedAt    string        `db:"signed_at"`
	SignedDay   string        `db:"signed_day"`
	Confirmed   string        `db:"vop_confirmed"`
	SetID       sql.NullInt64 `db:"set_id"`
}

func (r signatureRow) signature() Signature {
	v, _ := base64.StdEncoding.DecodeString(r.Signature)
	var at time.Time
	if r.SignedAt != "" { // read
		at, _ = time.Parse(time.RFC3339Nano, r.SignedAt)
	}
	return Signature{PaymentID: r.PaymentID, Level: r.Level, UserID: r.UserID, Fingerprint: r.Fingerprint, Value: v, Digest: r.Digest, SignedAt: at,
		PayeeConfirmed: maksa.PayeeResult(r.Confirmed), SetID: r.SetID.Int64}
}

// SignState is what deciding on one signature needs, read inside the
// transaction that holds the payment.
type SignState struct {
	Payment    *maksa.Payment
	Account    *maksa.Account
	User       *maksa.User  // nil when unknown; with its keys
	Grant      *maksa.Grant // the user's grant on the debtor account; nil when none
	Signatures []Signature  // the payment's signatures so far, by level
	// SignedToday is what the user signed today on the debtor account.
	SignedToday decimal.Decimal
}

// ErrNotPending means the payment does not await signatures.
var ErrNotPending = errors.New("the payment does not await signatures")

// SignChunk is how many payments one signing transaction holds at most.
const SignChunk = 1000

// SignResult is what SignPayments decided for one payment: what a report
// of it needs (zero when the payment was not found), and the refusal, if
// any. It holds no payment, so that signing many payments stays small.
type SignResult struct {
	PaymentID  int64 // 0 when the payment was not found
	EndToEndID string
	BatchID    int64
	Status     maksa.Status
	Level      int // signatures the payment has now
	Required   int // signatures its account requires
	Found      bool
	Err        error
}

// ResultOf is the SignResult of a decided state (nil when the payment was
// not found) and its refusal.
func ResultOf(st *SignState, err error) SignResult {
	if st == nil {
		return SignResult{Err: err}
	}
	return SignResult{PaymentID: st.Payment.ID, EndToEndID: st.Payment.EndToEndID, BatchID: st.Payment.BatchID, Status: st.Payment.Status,
		Level: len(st.Signatures), Required: st.Account.Signatures, Found: true, Err: err}
}

// SignPayments runs decide for each of the payments with the given ids (at
// most SignChunk) in one transaction that holds them (locked on
// PostgreSQL, in id order; the single writer on SQLite), so that two
// signers of one payment are decided one after the other. When decide
// returns a signature, it is stored — the database refuses a second
// signature for one level or by one user — and the payment becomes ACCP
// when its account's levels are complete. A refusal from decide changes
// nothing for that payment. The transaction appends one audit event
// listing what was signed. SignedToday grows with every signature given.
// It returns each payment's result, in the order of ids, once committed.
func (db *DB) SignPayments(ctx context.Context, ids []int64, userID string, day time.Time, decide func(*SignState) (*Signature, error)) ([]SignResult, error) {
	s, err := db.beginSigning(ctx, userID, day)
	if err != nil {
		return nil, err
	}
	defer s.rollback()
	states, err := db.signStates(ctx, s.tx, ids, signColumns, s.accounts)
	if err != nil {
		return nil, err
	}
	results, err := s.decide(ctx, ids, states, decide)
	if err != nil {
		return nil, err
	}
	return results, s.commit(ctx)
}

// signingTx is one signing transaction of a user's: what deciding needs,
// read once, and the signed totals its signatures add.
type signingTx struct {
	db          *DB
	tx          *sqlx.Tx
	userID      string
	day, now    time.Time
	user        *maksa.User
	view        *maksa.UserView
	totals      map[string]int64 // signed on day before, by account, in minor units
	accounts    map[string]*maksa.Account
	signedToday map[string]decimal.Decimal
	added       map[string]decimal.Decimal // signed in this transaction, by account
	inserted    *multiInsert
}

// beginSigning starts a signing transaction of userID's on day: the user,
// their grants and limits, and their signed totals (locked on PostgreSQL).
func (db *DB) beginSigning(ctx context.Context, userID string, day time.Time) (_ *signingTx, err error) {
	tx, err := db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			tx.Rollback()
		}
	}()
	s := &signingTx{db: db, tx: tx, userID: userID, day: day, now: db.Now().UTC(), accounts: map[string]*maksa.Account{},
		signedToday: map[string]decimal.Decimal{}, added: map[string]decimal.Decimal{}}
	if s.user, err = loadDirectoryUser(ctx, tx, userID); err != nil {
		return nil, err
	}
	grants, err := userGrants(ctx, tx, userID)
	if err != nil {
		return nil, err
	}
	overrides, err := limitOverrides(ctx, tx, userID)
	if err != nil {
		return nil, err
	}
	s.view = &maksa.UserView{Grants: grants, Overrides: overrides}
	if s.totals, err = db.lockSignedTotals(ctx, tx, userID, day, grants); err != nil {
		return nil, err
	}
	s.inserted, err = newMultiInsert(ctx, tx, "signatures", "payment_id", "level", "user_id", "fingerprint", "signature", "digest", "signed_at", "signed_day", "vop_confirmed", "set_id")
	return s, err
}

func (s *signingTx) rollback() {
	if s.inserted != nil {
		s.inserted.close()
	}
	s.tx.Rollback()
}

// prepare completes a state read in this transaction with what deciding
// on it needs: the signer, their grant on the debtor account, and what
// they signed on it today.
func (s *signingTx) prepare(st *SignState) {
	st.User, st.Grant = s.user, s.view.GrantOn(st.Account.IBAN, s.day)
	if _, ok := s.signedToday[st.Account.IBAN]; !ok {
		cur, _ := maksa.LookupCurrency(st.Account.Currency)
		s.signedToday[st.Account.IBAN] = maksa.FromMinorUnits(s.totals[st.Account.IBAN], cur)
	}
	st.SignedToday = s.signedToday[st.Account.IBAN]
}

// signedEntry is one payment of a "payments.sign" audit event; its fields
// are in the order of their names, as a map's would be.
type signedEntry struct {
	Digest       string            `json:"digest,omitempty"`
	Key          string            `json:"key,omitempty"`
	Level        int               `json:"level"`
	Of           int               `json:"of"`
	Payment      int64             `json:"payment"`
	Set          int64             `json:"set,omitempty"` // its key and each payment's digest are the set's (payments.sign_set)
	Status       maksa.Status      `json:"status"`
	VoPConfirmed maksa.PayeeResult `json:"vop_confirmed,omitempty"`
}

// decide runs decide for each of ids (read into states) and writes what
// it signed: the signature rows, the payments whose levels are complete
// (ACCP), and one audit event. It returns each payment's result, in the
// order of ids.
func (s *signingTx) decide(ctx context.Context, ids []int64, states map[int64]*SignState, decide func(*SignState) (*Signature, error)) ([]SignResult, error) {
	results := make([]SignResult, len(ids))
	var signed []signedEntry
	var complete []int64 // the payments whose last level this chunk signed
	for k, id := range ids {
		st := states[id]
		if st == nil {
			results[k] = SignResult{Err: notFound(sql.ErrNoRows, fmt.Sprintf("payment %d", id))}
			continue
		}
		s.prepare(st)
		sig, err := decide(st)
		if err != nil {
			results[k] = ResultOf(st, err)
			continue
		}
		var set any // NULL: a signature of the payment alone
		if sig.SetID != 0 {
			set = sig.SetID
		}
		if err := s.inserted.add(id, sig.Level, s.userID, sig.Fingerprint, base64.StdEncoding.EncodeToString(sig.Value), sig.Digest, ts(s.now), date(s.day), string(sig.PayeeConfirmed), set); err != nil {
			return nil, signedMeanwhile(err)
		}
		sig.PaymentID, sig.SignedAt = id, s.now
		st.Signatures = append(st.Signatures, *sig)
		if sig.Level >= st.Account.Signatures {
			complete = append(complete, id)
			st.Payment.Status = maksa.ACCP
		}
		iban := st.Account.IBAN
		s.signedToday[iban] = s.signedToday[iban].Add(st.Payment.Amount)
		s.added[iban] = s.added[iban].Add(st.Payment.Amount)
		entry := signedEntry{Payment: id, Level: sig.Level, Of: st.Account.Signatures, Status: st.Payment.Status, Set: sig.SetID, VoPConfirmed: sig.PayeeConfirmed}
		if sig.SetID == 0 {
			entry.Key, entry.Digest = sig.Fingerprint, sig.Digest
		}
		signed = append(signed, entry)
		results[k] = ResultOf(st, nil)
	}
	if err := s.inserted.flush(); err != nil {
		return nil, signedMeanwhile(err)
	}
	if len(complete) > 0 {
		q, args, err := sqlx.In(s.db.markSignedSQL(), complete)
		if err != nil {
			return nil, err
		}
		if _, err := s.tx.ExecContext(ctx, s.tx.Rebind(q), args...); err != nil {
			return nil, err
		}
	}
	if len(signed) > 0 {
		if err := s.db.appendAudit(ctx, s.tx, s.userID, "payments.sign", fmt.Sprintf("%d payments", len(signed)), signed); err != nil {
			return nil, err
		}
	}
	return results, nil
}

// commit adds what this transaction signed to the signer's totals and
// commits it.
func (s *signingTx) commit(ctx context.Context) error {
	for iban, sum := range s.added {
		cur, _ := maksa.LookupCurrency(s.accounts[iban].Currency)
		_, err := s.tx.ExecContext(ctx, s.tx.Rebind(`INSERT INTO signed_totals (user_id, account_iban, signed_day, amount_minor) VALUES (?, ?, ?, ?)
			ON CONFLICT (user_id, account_iban, signed_day) DO UPDATE SET amount_minor = signed_totals.amount_minor + excluded.amount_minor`),
			s.userID, iban, date(s.day), maksa.MinorUnits(sum, cur))
		if err != nil {
			return err
		}
	}
	return s.tx.Commit()
}

// signedMeanwhile explains a signature the database refused as a second
// one of its level: another signer's, stored since the chunk was read.
func signedMeanwhile(err error) error {
	if isUniqueViolation(err) {
		return fmt.Errorf("a payment of this chunk was signed at the same level by someone else at the same moment: %w", ErrNotPending)
	}
	return err
}

// signState reads, and on PostgreSQL locks, one payment with its account
// (from the cache when read before) and its signatures.
func (db *DB) signState(ctx context.Context, tx *sqlx.Tx, paymentID int64, accounts map[string]*maksa.Account) (*SignState, error) {
	states, err := db.signStates(ctx, tx, []int64{paymentID}, nil, accounts)
	if err != nil {
		return nil, err
	}
	if st := states[paymentID]; st != nil {
		return st, nil
	}
	return nil, notFound(sql.ErrNoRows, fmt.Sprintf("payment %d", paymentID))
}

// signColumns are what deciding on a signature reads of a payment: its
// canonical digest's fields, its status, kind, verification of payee and
// the rest of an outcome — not its position in the file or its reasons,
// which a signature neither needs nor changes (a refusal reads every
// column).
var signColumns = slices.Concat([]string{"id", "batch_id", "seq", "user_id", "pmt_inf_id", "end_to_end_id", "debtor_iban", "debtor_name", "creditor_account", "creditor_is_iban",
	"creditor_name", "creditor_bic", "amount", "currency", "execution_date", "remittance", "status", "kind", "vop_result", "vop_name", "vop_note"}, signedColumns)

// signedColumns are the columns a payment's canonical digest (package
// signing, version 2) reads besides those every reading of a payment to
// sign or execute has: each list of columns a digest is made from holds
// them (TestForwardedFieldsAreSigned signs and executes payments that
// have every one).
var signedColumns = []string{"instr_id", "reference", "purpose", "category_purpose", "creditor_id", "ultimate_debtor", "ultimate_creditor",
	"creditor_address", "creditor_country"}

// qualified returns cols as columns of the table named p.
func qualified(cols []string) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = "p." + c
	}
	return out
}

// signStates reads, and on PostgreSQL locks in id order, the payments with
// the given ids (the columns cols; nil: every column), with their accounts (from the cache
// when read before) and signatures, in two queries. A payment that does
// not exist is missing from the map.
func (db *DB) signStates(ctx context.Context, tx *sqlx.Tx, ids []int64, cols []string, accounts map[string]*maksa.Account) (map[int64]*SignState, error) {
	lock := ""
	if db.dialect == Postgres {
		lock = ` FOR UPDATE`
	}
	var payments []*maksa.Payment
	collect := func(p *maksa.Payment) error {
		payments = append(payments, p)
		return nil
	}
	if cols == nil { // every column
		q, args, err := sqlx.In(`SELECT * FROM payments WHERE id IN (?) ORDER BY id`+lock, ids)
		if err != nil {
			return nil, err
		}
		if err := eachPaymentIn(ctx, tx, tx.Rebind(q), args, collect); err != nil {
			return nil, err
		}
	} else { // read packed on SQLite (see queryFields): a chunk of a set of a million
		args := make([]any, len(ids))
		for i, id := range ids {
			args[i] = id
		}
		where := `id IN (` + strings.TrimSuffix(strings.Repeat("?,", len(ids)), ",") + `)`
		if err := db.eachPaymentOn(ctx, tx, cols, `FROM payments`, where, `ORDER BY id`+lock, args, collect); err != nil {
			return nil, err
		}
	}
	states := make(map[int64]*SignState, len(payments))
	for _, p := range payments { // the accounts not cached are read once the rows are
		st := &SignState{Payment: p, Account: accounts[p.DebtorIBAN]}
		if st.Account == nil {
			var ar accountRow
			if err := tx.GetContext(ctx, &ar, tx.Rebind(`SELECT `+accountColumns+` FROM accounts WHERE iban = ?`), p.DebtorIBAN); err != nil {
				return nil, notFound(err, "account "+p.DebtorIBAN)
			}
			acct := ar.account()
			st.Account, accounts[p.DebtorIBAN] = &acct, &acct
		}
		states[p.ID] = st
	}
	q, args, err := sqlx.In(`SELECT * FROM signatures WHERE payment_id IN (?) ORDER BY payment_id, level`, ids)
	if err != nil {
		return nil, err
	}
	var sigs []signatureRow
	if err := tx.SelectContext(ctx, &sigs, tx.Rebind(q), args...); err != nil {
		return nil, err
	}
	for _, r := range sigs {
		if st := states[r.PaymentID]; st != nil {
			st.Signatures = append(st.Signatures, r.signature())
		}
	}
	return states, nil
}

// userGrants reads a user's grants by account.
func userGrants(ctx context.Context, tx *sqlx.Tx, userID string) (map[string]*maksa.Grant, error) {
	var rows []grantRow
	if err := tx.SelectContext(ctx, &rows, tx.Rebind(`SELECT user_id, account_iban, modes, payment_limit, daily_limit, card_valid_until FROM grants WHERE user_id = ?`), userID); err != nil {
		return nil, err
	}
	out := map[string]*maksa.Grant{}
	for _, r := range rows {
		g := r.grant()
		out[r.AccountIBAN] = &g
	}
	return out, nil
}

// lockSignedTotals returns what the user signed on day, by account, in the
// account currency's minor units. On PostgreSQL the rows of the accounts
// the user holds grants on are created when missing and locked until tx
// ends — in account order, before any payment is locked — so that two
// signing runs of one user check the daily limit one after the other.
func (db *DB) lockSignedTotals(ctx context.Context, tx *sqlx.Tx, userID string, day time.Time, grants map[string]*maksa.Grant) (map[string]int64, error) {
	q := `SELECT account_iban, amount_minor FROM signed_totals WHERE user_id = ? AND signed_day = ? ORDER BY account_iban`
	if db.dialect == Postgres {
		for iban := range grants {
			_, err := tx.ExecContext(ctx, `INSERT INTO signed_totals (user_id, account_iban, signed_day, amount_minor) VALUES ($1, $2, $3, 0) ON CONFLICT DO NOTHING`, userID, iban, date(day))
			if err != nil {
				return nil, err
			}
		}
		q += ` FOR UPDATE`
	}
	var rows []struct {
		Account string `db:"account_iban"`
		Minor   int64  `db:"amount_minor"`
	}
	if err := tx.SelectContext(ctx, &rows, tx.Rebind(q), userID, date(day)); err != nil {
		return nil, err
	}
	totals := map[string]int64{}
	for _, r := range rows {
		totals[r.Account] = r.Minor
	}
	return totals, nil
}

func paymentSignatures(ctx context.Context, q sqlx.QueryerContext, paymentID int64) ([]Signature, error) {
	var rows []signatureRow
	if err := sqlx.SelectContext(ctx, q, &rows, sqlx.Rebind(bindOf(q), `SELECT * FROM signatures WHERE payment_id = ? ORDER BY level`), paymentID); err != nil {
		return nil, err
	}
	out := make([]Signature, len(rows))
	for i, r := range rows {
		out[i] = r.signature()
	}
	return out, nil
}

// PaymentSignatures returns the signatures of a payment, by level.
func (db *DB) PaymentSignatures(ctx context.Context, paymentID int64) ([]Signature, error) {
	return paymentSignatures(ctx, db.x, paymentID)
}

// loadDirectoryUser reads one user with its keys; nil when there is none.
func loadDirectoryUser(ctx context.Context, q sqlx.QueryerContext, userID string) (*maksa.User, error) {
	var users []userRow
	if err := sqlx.SelectContext(ctx, q, &users, sqlx.Rebind(bindOf(q), `SELECT id, name, status, valid_until, ip_allow FROM users WHERE id = ?`), userID); err != nil {
		return nil, err
	}
	if len(users) == 0 {
		return nil, nil
	}
	u := users[0]
	user := &maksa.User{ID: u.ID, Name: u.Name, Status: u.Status, ValidUntil: parseDate(u.ValidUntil)}
	_ = json.Unmarshal([]byte(u.IPAllow), &user.IPAllow)
	var keys []keyRow
	if err := sqlx.SelectContext(ctx, q, &keys, sqlx.Rebind(bindOf(q), `SELECT user_id, fingerprint, pem, revoked FROM user_keys WHERE user_id = ? ORDER BY fingerprint`), userID); err != nil {
		return nil, err
	}
	for _, k := range keys {
		user.Keys = append(user.Keys, maksa.Key{Fingerprint: k.Fingerprint, PEM: k.PEM, Revoked: k.Revoked})
	}
	return user, nil
}

// RejectPayment refuses a payment that awaits signatures on behalf of a
// signer: it becomes RJCT with reason DS02 and the signer's text. check
// decides, in the transaction, whether the user may refuse it.
func (db *DB) RejectPayment(ctx context.Context, paymentID int64, userID, reason string, day time.Time, check func(*SignState) error) (*SignState, error) {
	tx, err := db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	st, err := db.signState(ctx, tx, paymentID, map[string]*maksa.Account{})
	if err != nil {
		return nil, err
	}
	if st.User, err = loadDirectoryUser(ctx, tx, userID); err != nil {
		return nil, err
	}
	grants, err := userGrants(ctx, tx, userID)
	if err != nil {
		return nil, err
	}
	st.Grant = grants[st.Account.IBAN]
	if err := check(st); err != nil {
		return st, err
	}
	p := st.Payment
	p.Reject(maksa.Problemf(maksa.DS02, p.Position, "refused by %s: %s", userID, reason))
	reasons, _ := json.Marshal(p.Problems)
	if _, err := tx.ExecContext(ctx, tx.Rebind(`UPDATE payments SET status = 'RJCT', reasons = ? WHERE id = ?`), string(reasons), paymentID); err != nil {
		return st, err
	}
	if err := db.appendAudit(ctx, tx, userID, "payment.reject", fmt.Sprintf("payment %d", paymentID), map[string]string{"reason": reason}); err != nil {
		return st, err
	}
	return st, tx.Commit()
}

// Payment returns one payment. Returns ErrNotFound if there is none.
func (db *DB) Payment(ctx context.Context, id int64) (*maksa.Payment, error) {
	var r paymentRow
	if err := db.x.GetContext(ctx, &r, db.x.Rebind(`SELECT * FROM payments WHERE id = ?`), id); err != nil {
		return nil, notFound(err, fmt.Sprintf("payment %d", id))
	}
	return r.payment(), nil
}

// BatchPaymentIDs returns the ids of a batch's payments that await
// signatures.
func (db *DB) BatchPaymentIDs(ctx context.Context, batchID int64) ([]int64, error) {
	var ids []int64
	err := db.x.SelectContext(ctx, &ids, db.x.Rebind(`SELECT id FROM payments WHERE batch_id = ? AND status = 'PDNG' ORDER BY seq`), batchID)
	return ids, err
}

// QueueItem is a payment awaiting signatures.
type QueueItem struct {
	Payment  *maksa.Payment
	Required int      // the account's signature levels
	SignedBy []string // users who signed, by level
}

// pendingIDsSQL lists the payments awaiting signatures, through the
// partial index of those (status = 'PDNG', literally).
const pendingIDsSQL = `SELECT id FROM payments WHERE status = 'PDNG'`

// queueColumnList are the columns of a payment the queue shows (and a
// set of them is digested from).
var queueColumnList = slices.Concat([]string{"p.id", "p.batch_id", "p.status", "p.end_to_end_id", "p.debtor_iban", "p.creditor_name", "p.creditor_account",
	"p.amount", "p.currency", "p.execution_date", "p.kind", "p.vop_result", "p.vop_name", "p.vop_note", "p.creditor_bic", "p.remittance"}, qualified(signedColumns))

// Queue calls fn for every payment awaiting signatures, optionally only
// those of one account, in batch and file order, with the queueColumnList.
func (db *DB) Queue(ctx context.Context, account string, fn func(QueueItem) error) error {
	// The pending ids in order first (one sort), then a chunk at a time by
	// id with the chunk's signatures in one query: memory stays bounded and
	// no chunk sorts the rest again.
	q, args := pendingIDsSQL, []any{}
	if account != "" {
		q, args = q+` AND debtor_iban = ?`, append(args, account)
	}
	var order []int64
	if err := db.x.SelectContext(ctx, &order, db.x.Rebind(q+` ORDER BY batch_id, seq`), args...); err != nil {
		return err
	}
	required := map[string]int{} // each account's signature levels
	rows, err := db.x.QueryContext(ctx, `SELECT iban, signatures FROM accounts`)
	if err != nil {
		return err
	}
	for rows.Next() {
		var iban string
		var n int
		if err := rows.Scan(&iban, &n); err != nil {
			rows.Close()
			return err
		}
		required[iban] = n
	}
	rows.Close()
	const chunk = 1000
	for start := 0; start < len(order); start += chunk {
		ids := order[start:min(start+chunk, len(order))]
		// By id only: with the status in the query, SQLite scans every
		// pending payment through its index instead (chunk after chunk).
		// Read packed (see queryFields): the queue of a million payments.
		inArgs := make([]any, len(ids))
		for i, id := range ids {
			inArgs[i] = id
		}
		byID := make(map[int64]*maksa.Payment, len(ids))
		err := db.eachPaymentOf(ctx, queueColumnList, `FROM payments p`, `p.id IN (`+strings.TrimSuffix(strings.Repeat("?,", len(ids)), ",")+`)`, ``, inArgs,
			func(p *maksa.Payment) error {
				if p.Status == maksa.PDNG {
					byID[p.ID] = p
				}
				return nil
			})
		if err != nil {
			return err
		}
		sigs, err := db.SignaturesOf(ctx, ids)
		if err != nil {
			return err
		}
		for _, id := range ids {
			p, ok := byID[id]
			if !ok {
				continue // signed or refused meanwhile
			}
			it := QueueItem{Payment: p, Required: required[p.DebtorIBAN]}
			for _, s := range sigs[id] {
				it.SignedBy = append(it.SignedBy, s.UserID)
			}
			if err := fn(it); err != nil {
				return err
			}
		}
	}
	return nil
}

// SettleBatch notes when no payment of a batch awaits signatures any more,
// and returns the batch with its final status (ACCP when every payment
// that was not rejected is signed, PART when some were rejected, RJCT
// when none is left) the first time; nil otherwise.
func (db *DB) SettleBatch(ctx context.Context, batchID int64, actor string) (*maksa.Batch, error) {
	tx, err := db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	var r batchRow
	if err := tx.GetContext(ctx, &r, tx.Rebind(`SELECT * FROM batches WHERE id = ?`), batchID); err != nil {
		return nil, notFound(err, "batch")
	}
	if r.Settled != "" {
		return nil, nil
	}
	var counts []struct {
		Status string `db:"status"`
		N      int    `db:"n"`
	}
	if err := tx.SelectContext(ctx, &counts, tx.Rebind(`SELECT status, COUNT(*) AS n FROM payments WHERE batch_id = ? GROUP BY status`), batchID); err != nil {
		return nil, err
	}
	by := map[string]int{}
	for _, c := range counts {
		by[c.Status] = c.N
	}
	if by["PDNG"] > 0 {
		return nil, nil
	}
	b := r.batch()
	b.Accepted = by["ACCP"] + by["ACSP"] + by["ACSC"]
	b.Rejected = by["RJCT"] + by["CANC"]
	switch {
	case b.Accepted == 0:
		b.Status = maksa.RJCT
	case b.Rejected == 0:
		b.Status = maksa.ACCP
	default:
		b.Status = maksa.PART
	}
	if _, err := tx.ExecContext(ctx, tx.Rebind(`UPDATE batches SET settled = ? WHERE id = ?`), string(b.Status), batchID); err != nil {
		return nil, err
	}
	if err := db.appendAudit(ctx, tx, actor, "batch.settle", fmt.Sprintf("batch %d", batchID), map[string]any{"status": b.Status, "signed": b.Accepted, "rejected": b.Rejected}); err != nil {
		return nil, err
	}
	return b, tx.Commit()
}

// ExpireUnsigned cancels (CANC, DS24) every payment still awaiting
// signatures whose execution date is before cutoff, and returns the
// batches it touched.
func (db *DB) ExpireUnsigned(ctx context.Context, cutoff time.Time, actor string) ([]int64, error) {
	tx, err := db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	var rows []paymentRow
	if err := tx.SelectContext(ctx, &rows, tx.Rebind(expiredSQL), date(cutoff)); err != nil {
		return nil, err
	}
	batches := map[int64]bool{}
	var ids []int64
	for _, r := range rows {
		p := r.payment()
		p.Reject(maksa.Problemf(maksa.DS24, p.Position, "signatures were not complete by %s; the payment is cancelled", cutoff.Format(maksa.DateLayout)))
		reasons, _ := json.Marshal(p.Problems)
		if _, err := tx.ExecContext(ctx, tx.Rebind(`UPDATE payments SET status = 'CANC', reasons = ? WHERE id = ?`), string(reasons), p.ID); err != nil {
			return nil, err
		}
		if !batches[p.BatchID] {
			batches[p.BatchID] = true
			ids = append(ids, p.BatchID)
		}
	}
	if len(rows) > 0 {
		if err := db.appendAudit(ctx, tx, actor, "payments.expire", "unsigned payments", map[string]any{"cancelled": len(rows), "executed_before": date(cutoff)}); err != nil {
			return nil, err
		}
	}
	return ids, tx.Commit()
}

// expiredSQL lists the payments awaiting signatures whose execution date
// is before a day, through the partial index of those.
const expiredSQL = `SELECT * FROM payments WHERE status = 'PDNG' AND execution_date < ? ORDER BY id`

// SignaturesOf returns the signatures of the given payments, by payment and
// level, in one query: who signed at which level with which key, the
// signature (or the set that signed), and the digest signed (what
// verifying them and the signing queue need; not the time).
func (db *DB) SignaturesOf(ctx context.Context, ids []int64) (map[int64][]Signature, error) {
	out := map[int64][]Signature{}
	if len(ids) == 0 {
		return out, nil
	}
	q, args, err := sqlx.In(`SELECT payment_id, level, user_id, fingerprint, signature, digest, set_id FROM signatures WHERE payment_id IN (?) ORDER BY payment_id, level`, ids)
	if err != nil {
		return nil, err
	}
	var rows []signatureRow
	if err := db.x.SelectContext(ctx, &rows, db.x.Rebind(q), args...); err != nil {
		return nil, err
	}
	for _, r := range rows {
		out[r.PaymentID] = append(out[r.PaymentID], r.signature())
	}
	return out, nil
}
