package store

import (
	"context"
	"encoding/base64"
	"fmt"
	"time"
)

// SignatureSet is one signature over a set of payments (signing/set.go).
type SignatureSet struct {
	ID          int64
	UserID      string
	Fingerprint string // of the directory key that verifies it
	Value       []byte
	Digest      string // the set digest, hex
	Members     int    // how many payments it lists
	CreatedAt   time.Time
}

type setRow struct {
	ID          int64  `db:"id"`
	UserID      string `db:"user_id"`
	Fingerprint string `db:"fingerprint"`
	Signature   string `db:"signature"`
	Digest      string `db:"digest"`
	Members     int    `db:"members"`
	CreatedAt   string `db:"created_at"`
}

// CreateSet stores a set signature and every payment it lists with the
// digest listed (each(yield) gives them in ascending payment id), in one
// transaction, before any payment is signed by it; it returns the set's id.
func (db *DB) CreateSet(ctx context.Context, s *SignatureSet, each func(yield func(paymentID int64, digest string) error) error) (int64, error) {
	tx, err := db.begin(ctx)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	s.CreatedAt = db.Now().UTC()
	err = tx.QueryRowxContext(ctx, tx.Rebind(`INSERT INTO signature_sets (user_id, fingerprint, signature, digest, members, created_at)
		VALUES (?, ?, ?, ?, ?, ?) RETURNING id`), s.UserID, s.Fingerprint, base64.StdEncoding.EncodeToString(s.Value), s.Digest, s.Members, ts(s.CreatedAt)).Scan(&s.ID)
	if err != nil {
		return 0, err
	}
	members, err := newBulk(ctx, tx, db.dialect, "set_members", "set_id", "payment_id", "digest")
	if err != nil {
		return 0, err
	}
	defer members.close()
	if err := each(func(id int64, d string) error { return members.add(s.ID, id, d) }); err != nil {
		return 0, err
	}
	if err := members.flush(); err != nil {
		return 0, err
	}
	if err := db.appendAudit(ctx, tx, s.UserID, "payments.sign_set", fmt.Sprintf("set %d", s.ID),
		map[string]any{"digest": s.Digest, "payments": s.Members, "key": s.Fingerprint}); err != nil {
		return 0, err
	}
	return s.ID, tx.Commit()
}

// Set returns a set signature.
func (db *DB) Set(ctx context.Context, id int64) (*SignatureSet, error) {
	var r setRow
	if err := db.x.GetContext(ctx, &r, db.x.Rebind(`SELECT * FROM signature_sets WHERE id = ?`), id); err != nil {
		return nil, notFound(err, fmt.Sprintf("set %d", id))
	}
	v, _ := base64.StdEncoding.DecodeString(r.Signature)
	at, _ := time.Parse(time.RFC3339Nano, r.CreatedAt)
	return &SignatureSet{ID: r.ID, UserID: r.UserID, Fingerprint: r.Fingerprint, Value: v, Digest: r.Digest, Members: r.Members, CreatedAt: at}, nil
}

// EachSetMember calls fn with each payment a set lists and the digest
// listed, in ascending payment id.
func (db *DB) EachSetMember(ctx context.Context, id int64, fn func(paymentID int64, digest string) error) error {
	rows, err := db.x.QueryContext(ctx, db.x.Rebind(`SELECT payment_id, digest FROM set_members WHERE set_id = ? ORDER BY payment_id`), id)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var pid int64
		var digest string
		if err := rows.Scan(&pid, &digest); err != nil {
			return err
		}
		if err := fn(pid, digest); err != nil {
			return err
		}
	}
	return rows.Err()
}

// SetMismatches returns the payments signed by the set whose signature
// names another digest than the set lists for them (a row changed after
// signing).
func (db *DB) SetMismatches(ctx context.Context, id int64) (map[int64]bool, error) {
	rows, err := db.x.QueryContext(ctx, db.x.Rebind(`SELECT s.payment_id FROM signatures s LEFT JOIN set_members m ON m.set_id = s.set_id AND m.payment_id = s.payment_id
		WHERE s.set_id = ? AND (m.digest IS NULL OR m.digest <> s.digest)`), id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]bool{}
	for rows.Next() {
		var pid int64
		if err := rows.Scan(&pid); err != nil {
			return nil, err
		}
		out[pid] = true
	}
	return out, rows.Err()
}
