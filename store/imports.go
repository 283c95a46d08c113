package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	"github.com/shopspring/decimal"

	"maksa"
)

// DuplicateFileError says a file with the same SHA-256 was imported before
// and not rejected whole.
type DuplicateFileError struct {
	BatchID int64
	File    string
}

func (e *DuplicateFileError) Error() string {
	return fmt.Sprintf("the same file was already imported as batch %d (%s)", e.BatchID, e.File)
}

// Import is the one database transaction that stores one file: its batch
// row, its payments (in bulk) and its audit event. Nothing of it is visible
// until Commit; Rollback leaves no trace.
type Import struct {
	db    *DB
	tx    *sqlx.Tx
	batch *maksa.Batch
	rows  *pipeWriter
	done  bool
	same  sameDays // of the accepted payments, for SamePayments
}

// BeginImport starts storing batch b (UserID, FileName, SHA256, Format and
// MessageID set) and returns the importing user's view of the directory,
// read inside the same transaction. On PostgreSQL the accounts the user may
// prepare payments on are locked until the transaction ends, so that two
// files racing for one daily limit or one end-to-end id are decided one
// after the other. Returns *DuplicateFileError when the file was imported
// before.
func (db *DB) BeginImport(ctx context.Context, b *maksa.Batch) (*Import, *maksa.UserView, error) {
	tx, err := db.begin(ctx)
	if err != nil {
		return nil, nil, err
	}
	im := &Import{db: db, tx: tx, batch: b}
	view, err := im.start(ctx)
	if err != nil {
		tx.Rollback()
		return nil, nil, err
	}
	return im, view, nil
}

func (im *Import) start(ctx context.Context) (*maksa.UserView, error) {
	tx, b := im.tx, im.batch
	if im.db.dialect == Postgres {
		if _, err := tx.ExecContext(ctx, `SELECT iban FROM accounts WHERE iban IN (SELECT account_iban FROM grants WHERE user_id = $1) ORDER BY iban FOR UPDATE`, b.UserID); err != nil {
			return nil, err
		}
	}
	var dup struct {
		ID   int64  `db:"id"`
		File string `db:"file_name"`
	}
	err := tx.GetContext(ctx, &dup, tx.Rebind(`SELECT id, file_name FROM batches WHERE sha256 = ? AND status <> 'RJCT'`), b.SHA256)
	switch {
	case err == nil:
		return nil, &DuplicateFileError{BatchID: dup.ID, File: dup.File}
	case !errors.Is(err, sql.ErrNoRows):
		return nil, err
	}
	b.CreatedAt = im.db.Now().UTC()
	// The answers' version: the command's, else the user's, else 0 (the
	// version the file calls for).
	err = tx.QueryRowxContext(ctx, tx.Rebind(`INSERT INTO batches (user_id, client_id, file_name, sha256, format, message_id, declared_txs, declared_ctrl_sum,
		transactions, control_sum, accepted, rejected, status, problems, created_at, answer_version)
		VALUES (?, '', ?, ?, ?, ?, ?, ?, 0, '0', 0, 0, 'RCVD', '[]', ?,
		COALESCE(NULLIF(?, 0), (SELECT pain002_version FROM users WHERE id = ?), 0)) RETURNING id, answer_version`),
		b.UserID, b.FileName, b.SHA256, b.Format, b.MessageID, b.DeclaredTxs, decimalText(b.DeclaredCtrlSum), ts(b.CreatedAt), b.AnswerVersion, b.UserID).
		Scan(&b.ID, &b.AnswerVersion)
	if err != nil {
		if isUniqueViolation(err) {
			return nil, &DuplicateFileError{File: b.FileName}
		}
		return nil, err
	}
	view, err := loadUserView(ctx, tx, b.UserID)
	if err != nil {
		return nil, err
	}
	var rows rowWriter
	if im.db.dialect == Postgres {
		rows, err = newCopyWriter(ctx, tx)
	} else {
		rows, err = newInsertWriter(ctx, tx)
	}
	if err != nil {
		return nil, err
	}
	im.rows = newPipeWriter(ctx, rows)
	return view, nil
}

func decimalText(d *decimal.Decimal) string {
	if d == nil {
		return ""
	}
	return d.String()
}

// Add queues p (Seq, Status and Problems set) for storing in bulk.
func (im *Import) Add(ctx context.Context, p *maksa.Payment) error {
	if p.Status != maksa.RJCT {
		im.same.add(p)
	}
	return im.rows.add(ctx, paymentValues(im.batch, p))
}

// Duplicate is a payment that FinishPayments rejected because its
// end-to-end id was already used on its debtor account.
type Duplicate struct {
	Seq        int
	EndToEndID string
	Position   maksa.Position
}

// FinishPayments writes the queued payments and rejects with DU04 every
// accepted payment whose end-to-end id its debtor account already used,
// earlier in this file or in another batch that was not rejected or
// cancelled. NOTPROVIDED, the ISO 20022 word for "no id", is exempt. It
// calls fn with each of those payments, in file order.
//
// "Earlier" is a smaller id: a file's payments are stored in file order,
// and another batch's visible payments are older (imports on one debtor
// account run one after the other: see BeginImport). The indexes end with the
// id (SQLite's row id, a column on PostgreSQL), so a lookup stops before
// the payment's own row instead of reading it from the table: that read,
// at random places of a large table, made most of the checks' cost.
func (im *Import) FinishPayments(ctx context.Context, fn func(Duplicate) error) error {
	if err := im.rows.close(ctx); err != nil {
		return err
	}
	tx := im.tx
	// A chunk at a time, so that a file resent whole (a million DU04) is
	// not held: a chunk's updates cannot change the next chunk's answer,
	// since a payment rejected here repeats an older one still there.
	const chunk = 1000
	var rows []struct {
		ID       int64  `db:"id"`
		Seq      int    `db:"seq"`
		E2E      string `db:"end_to_end_id"`
		Position string `db:"position"`
	}
	for last := 0; ; {
		rows = rows[:0]
		err := tx.SelectContext(ctx, &rows, tx.Rebind(`SELECT p.id, p.seq, p.end_to_end_id, p.position FROM payments p
			WHERE p.batch_id = ? AND p.seq > ? AND p.status = 'PDNG' AND p.end_to_end_id <> 'NOTPROVIDED' AND EXISTS (
				SELECT 1 FROM payments q
				WHERE q.debtor_iban = p.debtor_iban AND q.end_to_end_id = p.end_to_end_id AND q.id < p.id
				  AND q.status NOT IN ('RJCT', 'CANC'))
			ORDER BY p.seq LIMIT ?`), im.batch.ID, last, chunk)
		if err != nil {
			return err
		}
		for _, r := range rows {
			d := Duplicate{Seq: r.Seq, EndToEndID: r.E2E}
			_ = json.Unmarshal([]byte(r.Position), &d.Position)
			if d.Position.XPath != "" {
				d.Position.XPath += "/PmtId/EndToEndId"
			}
			pr := maksa.Problemf(maksa.DU04, d.Position, "end-to-end id %q was already used on this debtor account", r.E2E)
			pr.EndToEndID = r.E2E
			reasons, _ := json.Marshal([]maksa.Problem{*pr})
			if _, err := tx.ExecContext(ctx, tx.Rebind(`UPDATE payments SET status = 'RJCT', reasons = ? WHERE id = ?`), string(reasons), r.ID); err != nil {
				return err
			}
			if err := fn(d); err != nil {
				return err
			}
			last = r.Seq
		}
		if len(rows) < chunk {
			return nil
		}
	}
}

// MessageIDUsed returns the batch that already imported message id msgID
// for client, if any.
func (im *Import) MessageIDUsed(ctx context.Context, client, msgID string) (int64, bool, error) {
	var id int64
	err := im.tx.GetContext(ctx, &id, im.tx.Rebind(`SELECT id FROM batches WHERE client_id = ? AND message_id = ? AND status NOT IN ('RJCT', 'RCVD')`), client, msgID)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	return id, err == nil, err
}

// SetPayees stores the verification of payee of payments of the batch
// decided after they were written (the answers of other banks), by their
// place in the file. Call it after FinishPayments.
func (im *Import) SetPayees(ctx context.Context, checks map[int]maksa.PayeeCheck) error {
	if len(checks) == 0 {
		return nil
	}
	stmt, err := im.tx.PreparexContext(ctx, im.tx.Rebind(`UPDATE payments SET vop_result = ?, vop_name = ?, vop_note = ? WHERE batch_id = ? AND seq = ?`))
	if err != nil {
		return err
	}
	defer stmt.Close()
	for seq, c := range checks {
		if _, err := stmt.ExecContext(ctx, string(c.Result), c.Name, c.Note, im.batch.ID, seq); err != nil {
			return err
		}
	}
	return nil
}

// PaymentIDs calls fn with the stored id of every payment of the batch, in
// file order.
func (im *Import) PaymentIDs(ctx context.Context, fn func(seq int, id int64)) error {
	rows, err := im.tx.QueryContext(ctx, im.tx.Rebind(`SELECT seq, id FROM payments WHERE batch_id = ? ORDER BY seq`), im.batch.ID)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var seq int
		var id int64
		if err := rows.Scan(&seq, &id); err != nil {
			return err
		}
		fn(seq, id)
	}
	return rows.Err()
}

// Commit stores the batch's final counts and status, appends the audit
// event, records the outcome on the watcher's claim (when claim is not 0)
// and commits. Returns ErrDuplicateMessage when another transaction
// committed the same message id for the client first.
func (im *Import) Commit(ctx context.Context, actor string, claim int64) error {
	b, tx := im.batch, im.tx
	problems, _ := json.Marshal(nonNilProblems(b.Problems))
	_, err := tx.ExecContext(ctx, tx.Rebind(`UPDATE batches SET client_id = ?, transactions = ?, control_sum = ?, accepted = ?, rejected = ?, status = ?, problems = ? WHERE id = ?`),
		b.ClientID, b.Transactions, b.ControlSum.String(), b.Accepted, b.Rejected, string(b.Status), string(problems), b.ID)
	if err != nil {
		if isUniqueViolation(err) {
			return ErrDuplicateMessage
		}
		return err
	}
	if err := im.db.appendAudit(ctx, tx, actor, "file.import", fmt.Sprintf("batch %d", b.ID), importDetails(b)); err != nil {
		return err
	}
	if err := markImported(ctx, tx, claim, b); err != nil {
		return err
	}
	im.done = true
	if err := tx.Commit(); err != nil {
		return err
	}
	// The import is stored: the statistics are the planner's only (see
	// analyzeAfterImport), and a failure to gather them is no failure of it.
	_ = im.db.analyzeAfterImport(ctx, b.Transactions)
	return nil
}

// analyzeAfterImport has PostgreSQL gather the payments' statistics after
// an import of n payments, when that is many. Until autovacuum does (a
// minute or more later), its planner knows nothing of a table a large
// import has just filled — signing those payments at once, it read a whole
// status index for each chunk (see byIDOnly). SQLite plans without
// statistics.
func (db *DB) analyzeAfterImport(ctx context.Context, n int) error {
	if db.dialect != Postgres || n < analyzedImport {
		return nil
	}
	_, err := db.x.ExecContext(ctx, `ANALYZE payments`)
	return err
}

// analyzedImport is how many payments an import holds at least for the
// statistics to be gathered after it.
const analyzedImport = 10000

// ErrDuplicateMessage means the message id was imported for the client by
// another batch.
var ErrDuplicateMessage = errors.New("message id already imported for this client")

// Rollback abandons the import; nothing of it is stored.
func (im *Import) Rollback() {
	if !im.done {
		if im.rows != nil {
			im.rows.abort()
		}
		im.tx.Rollback()
		im.done = true
	}
}

func importDetails(b *maksa.Batch) map[string]any {
	return map[string]any{
		"file": b.FileName, "sha256": b.SHA256, "format": b.Format, "message_id": b.MessageID,
		"transactions": b.Transactions, "accepted": b.Accepted, "rejected": b.Rejected,
		"control_sum": b.ControlSum.String(), "status": b.Status,
	}
}

func nonNilProblems(p []maksa.Problem) []maksa.Problem {
	if p == nil {
		return []maksa.Problem{}
	}
	return p
}

// RecordRejected stores a batch rejected whole (no payments) with its
// problems and an audit event, so that the rejection is on record, and
// records the outcome on the watcher's claim (when claim is not 0).
func (db *DB) RecordRejected(ctx context.Context, b *maksa.Batch, actor string, claim int64) error {
	tx, err := db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	b.CreatedAt = db.Now().UTC()
	problems, _ := json.Marshal(nonNilProblems(b.Problems))
	err = tx.GetContext(ctx, &b.ID, tx.Rebind(`INSERT INTO batches (user_id, client_id, file_name, sha256, format, message_id, declared_txs, declared_ctrl_sum,
		transactions, control_sum, accepted, rejected, status, problems, created_at, answer_version)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, 'RJCT', ?, ?, ?) RETURNING id`),
		b.UserID, b.ClientID, b.FileName, b.SHA256, b.Format, b.MessageID, b.DeclaredTxs, decimalText(b.DeclaredCtrlSum),
		b.Transactions, b.ControlSum.String(), b.Transactions, string(problems), ts(b.CreatedAt), b.AnswerVersion)
	if err != nil {
		return err
	}
	if err := db.appendAudit(ctx, tx, actor, "file.reject", fmt.Sprintf("batch %d", b.ID), importDetails(b)); err != nil {
		return err
	}
	if err := markImported(ctx, tx, claim, b); err != nil {
		return err
	}
	return tx.Commit()
}

// RecordDuplicate puts a duplicate file (DU01) on record: an audit event,
// and the outcome on the watcher's claim (when claim is not 0). No batch
// is stored.
func (db *DB) RecordDuplicate(ctx context.Context, b *maksa.Batch, actor string, claim int64) error {
	tx, err := db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	details := map[string]any{"file": b.FileName, "sha256": b.SHA256, "message_id": b.MessageID, "problems": b.Problems}
	if err := db.appendAudit(ctx, tx, actor, "file.duplicate", b.FileName, details); err != nil {
		return err
	}
	if err := markImported(ctx, tx, claim, b); err != nil {
		return err
	}
	return tx.Commit()
}

func isUniqueViolation(err error) bool {
	var pqErr *pq.Error
	if errors.As(err, &pqErr) {
		return pqErr.Code == "23505"
	}
	return strings.Contains(err.Error(), "UNIQUE constraint failed")
}

// loadUserView reads the user, all accounts, the user's grants and the
// user's accepted totals per account and execution date.
func loadUserView(ctx context.Context, q sqlx.QueryerContext, userID string) (*maksa.UserView, error) {
	v := &maksa.UserView{Accounts: map[string]*maksa.Account{}, Grants: map[string]*maksa.Grant{}, Used: map[maksa.DayKey]decimal.Decimal{},
		Overrides: map[maksa.DayKey]maksa.LimitOverride{}, Templates: map[string]*maksa.Template{}}
	var users []userRow
	if err := sqlx.SelectContext(ctx, q, &users, sqlx.Rebind(bindOf(q), `SELECT id, name, status, valid_until, ip_allow FROM users WHERE id = ?`), userID); err != nil {
		return nil, err
	}
	if len(users) == 1 {
		u := users[0]
		v.User = &maksa.User{ID: u.ID, Name: u.Name, Status: u.Status, ValidUntil: parseDate(u.ValidUntil)}
		_ = json.Unmarshal([]byte(u.IPAllow), &v.User.IPAllow)
	}
	var accounts []accountRow
	if err := sqlx.SelectContext(ctx, q, &accounts, `SELECT `+accountColumns+` FROM accounts`); err != nil {
		return nil, err
	}
	for _, a := range accounts {
		acct := a.account()
		v.Accounts[a.IBAN] = &acct
	}
	var grants []grantRow
	if err := sqlx.SelectContext(ctx, q, &grants, sqlx.Rebind(bindOf(q), `SELECT user_id, account_iban, modes, payment_limit, daily_limit, card_valid_until FROM grants WHERE user_id = ?`), userID); err != nil {
		return nil, err
	}
	for _, g := range grants {
		grant := g.grant()
		v.Grants[g.AccountIBAN] = &grant
	}
	var err error
	var used []struct {
		Account  string `db:"debtor_iban"`
		Date     string `db:"execution_date"`
		Currency string `db:"currency"`
		Minor    int64  `db:"minor"`
	}
	if err := sqlx.SelectContext(ctx, q, &used, sqlx.Rebind(bindOf(q), `SELECT debtor_iban, execution_date, currency, SUM(amount_minor) AS minor FROM payments
		WHERE user_id = ? AND status NOT IN ('RJCT', 'CANC') AND amount_minor IS NOT NULL
		GROUP BY debtor_iban, execution_date, currency`), userID); err != nil {
		return nil, err
	}
	for _, u := range used {
		cur, _ := maksa.LookupCurrency(u.Currency)
		key := maksa.DayKey{Account: u.Account, Date: parseDate(u.Date)}
		v.Used[key] = v.Used[key].Add(maksa.FromMinorUnits(u.Minor, cur))
	}
	if v.Overrides, err = limitOverrides(ctx, q, userID); err != nil {
		return nil, err
	}
	clients := map[string]bool{}
	for iban, g := range v.Grants {
		if g.Has(maksa.ModePrepare) && v.Accounts[iban] != nil {
			clients[v.Accounts[iban].ClientID] = true
		}
	}
	var templates []templateRow
	if err := sqlx.SelectContext(ctx, q, &templates, `SELECT client_id, name, fields FROM templates`); err != nil {
		return nil, err
	}
	for _, t := range templates {
		if clients[t.ClientID] {
			v.Templates[t.ClientID+"/"+t.Name] = t.template()
		}
	}
	return v, nil
}

func bindOf(q sqlx.QueryerContext) int {
	if b, ok := q.(interface{ DriverName() string }); ok {
		return sqlx.BindType(b.DriverName())
	}
	return sqlx.QUESTION
}
