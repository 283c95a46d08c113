package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"github.com/jmoiron/sqlx"

	"maksa"
)

// Claim states.
const (
	ClaimClaimed  = "claimed"  // owned; the file is being imported
	ClaimImported = "imported" // the batch is stored; reports and archiving remain
	ClaimDone     = "done"
)

// Claim is one watched file on its way from the inbox to the archive.
type Claim struct {
	ID          int64
	UserID      string
	Name        string // the file name in the inbox
	SHA256      string
	Owner       string
	State       string
	Processing  string       // where the file is while it is processed
	Report      string       // the pain.002 file name reserved in outbox/<user>/
	Batch       *maksa.Batch // the outcome, once imported
	Destination string       // where the original went
}

type claimRow struct {
	ID          int64          `db:"id"`
	UserID      string         `db:"user_id"`
	Name        string         `db:"name"`
	SHA256      string         `db:"sha256"`
	Owner       string         `db:"owner"`
	State       string         `db:"state"`
	Processing  string         `db:"processing"`
	Report      sql.NullString `db:"report"`
	Batch       string         `db:"batch"`
	Destination string         `db:"destination"`
	Heartbeat   string         `db:"heartbeat"`
	CreatedAt   string         `db:"created_at"`
	DoneAt      string         `db:"done_at"`
}

func (r *claimRow) claim() *Claim {
	c := &Claim{ID: r.ID, UserID: r.UserID, Name: r.Name, SHA256: r.SHA256, Owner: r.Owner, State: r.State,
		Processing: r.Processing, Report: r.Report.String, Destination: r.Destination}
	if r.Batch != "" {
		c.Batch = &maksa.Batch{}
		_ = json.Unmarshal([]byte(r.Batch), c.Batch)
	}
	return c
}

// ErrClaimed means another unfinished claim holds the file.
var ErrClaimed = errors.New("the file is claimed by another process")

// ClaimFile makes owner the owner of the inbox file name of user with the
// given content. It reserves the file's place in processingDir and the name
// of its pain.002 in the user's outbox: name.pain002.xml, or
// name.<claim>.pain002.xml when that one is taken (taken tells whether a
// report file of that name exists already). Returns ErrClaimed when an
// unfinished claim for the same file exists — another process has it.
func (db *DB) ClaimFile(ctx context.Context, userID, name, sha256, owner, processingDir string, taken func(report string) bool) (*Claim, error) {
	tx, err := db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	now := ts(db.Now())
	var id int64
	err = tx.GetContext(ctx, &id, tx.Rebind(`INSERT INTO watch_claims (user_id, name, sha256, owner, state, processing, batch, destination, heartbeat, created_at, done_at)
		VALUES (?, ?, ?, ?, 'claimed', '', '', '', ?, ?, '') RETURNING id`), userID, name, sha256, owner, now, now)
	if err != nil {
		if isUniqueViolation(err) {
			return nil, ErrClaimed
		}
		return nil, err
	}
	report := maksa.ReportBase(name) + ".pain002.xml"
	var reserved int
	if err := tx.GetContext(ctx, &reserved, tx.Rebind(`SELECT COUNT(*) FROM watch_claims WHERE user_id = ? AND report = ?`), userID, report); err != nil {
		return nil, err
	}
	if reserved > 0 || taken(report) {
		report = fmt.Sprintf("%s.%d.pain002.xml", maksa.ReportBase(name), id)
	}
	processing := filepath.Join(processingDir, fmt.Sprintf("%d-%s", id, maksa.ReportBase(name)))
	if _, err := tx.ExecContext(ctx, tx.Rebind(`UPDATE watch_claims SET report = ?, processing = ? WHERE id = ?`), report, processing, id); err != nil {
		if isUniqueViolation(err) {
			return nil, ErrClaimed // another process reserved the same report name just now: try again later
		}
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return &Claim{ID: id, UserID: userID, Name: name, SHA256: sha256, Owner: owner, State: ClaimClaimed, Processing: processing, Report: report}, nil
}

// markImported records the batch outcome of a claim inside the transaction
// that stored it.
func markImported(ctx context.Context, tx *sqlx.Tx, claim int64, b *maksa.Batch) error {
	if claim == 0 {
		return nil
	}
	js, err := json.Marshal(b)
	if err != nil {
		return err
	}
	res, err := tx.ExecContext(ctx, tx.Rebind(`UPDATE watch_claims SET state = 'imported', batch = ? WHERE id = ? AND state = 'claimed'`), string(js), claim)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return fmt.Errorf("claim %d is no longer being imported", claim)
	}
	return nil
}

// TakeOver gives owner every unfinished claim whose owner has not shown a
// heartbeat for stale (a process that died) and, with restart, every one
// that owner itself held before it started, and returns them.
func (db *DB) TakeOver(ctx context.Context, owner string, stale time.Duration, restart bool) ([]*Claim, error) {
	now := db.Now()
	tx, err := db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	var rows []claimRow
	own := ""
	if restart {
		own = owner
	}
	err = tx.SelectContext(ctx, &rows, tx.Rebind(`SELECT * FROM watch_claims WHERE state <> 'done' AND (owner = ? OR (owner <> ? AND heartbeat < ?)) ORDER BY id`),
		own, owner, ts(now.Add(-stale)))
	if err != nil {
		return nil, err
	}
	var out []*Claim
	for _, r := range rows {
		res, err := tx.ExecContext(ctx, tx.Rebind(`UPDATE watch_claims SET owner = ?, heartbeat = ? WHERE id = ? AND owner = ? AND heartbeat = ?`),
			owner, ts(now), r.ID, r.Owner, r.Heartbeat)
		if err != nil {
			return nil, err
		}
		if n, _ := res.RowsAffected(); n == 1 {
			c := r.claim()
			c.Owner = owner
			out = append(out, c)
		}
	}
	return out, tx.Commit()
}

// Heartbeat shows that owner is alive and still holds its claims.
func (db *DB) Heartbeat(ctx context.Context, owner string) error {
	_, err := db.x.ExecContext(ctx, db.x.Rebind(`UPDATE watch_claims SET heartbeat = ? WHERE owner = ? AND state <> 'done'`), ts(db.Now()), owner)
	return err
}

// FinishClaim records where the original went and closes the claim.
func (db *DB) FinishClaim(ctx context.Context, id int64, destination string) error {
	_, err := db.x.ExecContext(ctx, db.x.Rebind(`UPDATE watch_claims SET state = 'done', destination = ?, done_at = ? WHERE id = ?`), destination, ts(db.Now()), id)
	return err
}

// DropClaim removes a claim whose file vanished before it was imported.
func (db *DB) DropClaim(ctx context.Context, id int64) error {
	_, err := db.x.ExecContext(ctx, db.x.Rebind(`DELETE FROM watch_claims WHERE id = ? AND state = 'claimed'`), id)
	return err
}

// FileStatus is one processed file, for "maksa status".
type FileStatus struct {
	User        string       `json:"user"`
	File        string       `json:"file"`
	State       string       `json:"state"`
	Status      maksa.Status `json:"status,omitempty"`
	BatchID     int64        `json:"batch_id,omitempty"`
	Accepted    int          `json:"accepted"`
	Rejected    int          `json:"rejected"`
	Report      string       `json:"report,omitempty"`
	Destination string       `json:"destination,omitempty"`
	At          time.Time    `json:"at"`
}

// RecentFiles returns the last n watched files, newest first.
func (db *DB) RecentFiles(ctx context.Context, n int) ([]FileStatus, error) {
	var rows []claimRow
	if err := db.x.SelectContext(ctx, &rows, db.x.Rebind(`SELECT * FROM watch_claims ORDER BY id DESC LIMIT ?`), n); err != nil {
		return nil, err
	}
	out := []FileStatus{}
	for _, r := range rows {
		c := r.claim()
		at, _ := time.Parse(time.RFC3339Nano, r.CreatedAt)
		f := FileStatus{User: c.UserID, File: c.Name, State: c.State, Report: c.Report, Destination: c.Destination, At: at}
		if c.Batch != nil {
			f.Status, f.BatchID, f.Accepted, f.Rejected = c.Batch.Status, c.Batch.ID, c.Batch.Accepted, c.Batch.Rejected
		}
		out = append(out, f)
	}
	return out, nil
}

// Counts returns how many batches and payments are in each status (a
// batch's settled status once it has one), and how many watched files are
// in each claim state.
func (db *DB) Counts(ctx context.Context) (map[string]map[string]int, error) {
	out := map[string]map[string]int{"batches": {}, "payments": {}, "files": {}}
	for kind, q := range map[string]string{
		// A batch's status is its settled one once no payment awaits a
		// signature (ACCP, PART, RJCT), its import status until then.
		"batches":  `SELECT CASE WHEN settled <> '' THEN settled ELSE status END AS s, COUNT(*) FROM batches GROUP BY s`,
		"payments": `SELECT status, COUNT(*) FROM payments GROUP BY status`,
		"files":    `SELECT state, COUNT(*) FROM watch_claims GROUP BY state`,
	} {
		rows, err := db.x.QueryContext(ctx, q)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var k string
			var n int
			if err := rows.Scan(&k, &n); err != nil {
				rows.Close()
				return nil, err
			}
			out[kind][k] = n
		}
		rows.Close()
	}
	return out, nil
}

// Claim returns the claim with the given id. Returns ErrNotFound if there is none.
func (db *DB) Claim(ctx context.Context, id int64) (*Claim, error) {
	var r claimRow
	if err := db.x.GetContext(ctx, &r, db.x.Rebind(`SELECT * FROM watch_claims WHERE id = ?`), id); err != nil {
		return nil, notFound(err, "claim")
	}
	return r.claim(), nil
}

// UserExists reports whether the directory has a user with the given id.
func (db *DB) UserExists(ctx context.Context, id string) (bool, error) {
	var n int
	err := db.x.GetContext(ctx, &n, db.x.Rebind(`SELECT COUNT(*) FROM users WHERE id = ?`), id)
	return n > 0, err
}

// SetDestination records where the original of a claim is being moved.
func (db *DB) SetDestination(ctx context.Context, id int64, destination string) error {
	_, err := db.x.ExecContext(ctx, db.x.Rebind(`UPDATE watch_claims SET destination = ? WHERE id = ?`), destination, id)
	return err
}

// UserByKey returns the user whose directory key (a certificate) has the
// given fingerprint, unless the key is revoked. Returns ErrNotFound when no
// user has it.
func (db *DB) UserByKey(ctx context.Context, fingerprint string) (*maksa.User, error) {
	var id string
	err := db.x.GetContext(ctx, &id, db.x.Rebind(`SELECT user_id FROM user_keys WHERE fingerprint = ? AND revoked = 0`), fingerprint)
	if err != nil {
		return nil, notFound(err, "key")
	}
	u, err := loadDirectoryUser(ctx, db.x, id)
	if err == nil && u == nil {
		return nil, fmt.Errorf("user %s: %w", id, ErrNotFound)
	}
	return u, err
}

// UserByID returns the user with its keys; nil when there is none.
func (db *DB) UserByID(ctx context.Context, id string) (*maksa.User, error) {
	return loadDirectoryUser(ctx, db.x, id)
}
