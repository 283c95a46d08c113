package store

import (
	"context"
	"encoding/base64"
	"fmt"
	"time"

	"maksa"
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

// SignAsOneSet lists a set and signs it in one transaction, for a signer
// whose key is at hand, so that no payment is read twice: the payments
// awaiting signatures (read a chunk of SignChunk at a time in ascending
// id, locked on PostgreSQL) that pick keeps are the set's members, and
// decide is run for each of them as SignPayments runs it — the signatures
// it gives are set's. Once every payment is listed, seal must fill in
// set's Digest, Value and Members and list the members (each(yield), in
// ascending payment id, with the digests pick saw). The set, its members
// and its signatures are committed together, or nothing is; set.ID is
// known before pick is first called. decided gets each chunk's results,
// in ascending id, once the chunk is decided — before the commit.
func (db *DB) SignAsOneSet(ctx context.Context, set *SignatureSet, day time.Time, pick func(*SignState) bool, decide func(*SignState) (*Signature, error),
	seal func() (members func(yield func(paymentID int64, digest string) error) error, err error), decided func([]SignResult) error) error {
	s, err := db.beginSigning(ctx, set.UserID, day)
	if err != nil {
		return err
	}
	defer s.rollback()
	set.CreatedAt = db.Now().UTC()
	err = s.tx.QueryRowxContext(ctx, s.tx.Rebind(`INSERT INTO signature_sets (user_id, fingerprint, signature, digest, members, created_at)
		VALUES (?, ?, '', '', 0, ?) RETURNING id`), set.UserID, set.Fingerprint, ts(set.CreatedAt)).Scan(&set.ID)
	if err != nil {
		return err
	}
	var pending []int64
	if err := s.tx.SelectContext(ctx, &pending, pendingIDsSQL+` ORDER BY id`); err != nil {
		return err
	}
	for start := 0; start < len(pending); start += SignChunk {
		ids := pending[start:min(start+SignChunk, len(pending))]
		states, err := db.signStates(ctx, s.tx, ids, signColumns, s.accounts)
		if err != nil {
			return err
		}
		var picked []int64
		for _, id := range ids {
			if st := states[id]; st != nil && st.Payment.Status == maksa.PDNG {
				if s.prepare(st); pick(st) {
					picked = append(picked, id)
				}
			}
		}
		results, err := s.decide(ctx, picked, states, decide)
		if err != nil {
			return err
		}
		if err := decided(results); err != nil {
			return err
		}
	}
	listed, err := seal()
	if err != nil {
		return err
	}
	members, err := newBulk(ctx, s.tx, db.dialect, "set_members", "set_id", "payment_id", "digest")
	if err != nil {
		return err
	}
	defer members.close()
	if err := listed(func(id int64, d string) error { return members.add(set.ID, id, d) }); err != nil {
		return err
	}
	if err := members.flush(); err != nil {
		return err
	}
	_, err = s.tx.ExecContext(ctx, s.tx.Rebind(`UPDATE signature_sets SET signature = ?, digest = ?, members = ? WHERE id = ?`),
		base64.StdEncoding.EncodeToString(set.Value), set.Digest, set.Members, set.ID)
	if err != nil {
		return err
	}
	if err := db.appendAudit(ctx, s.tx, set.UserID, "payments.sign_set", fmt.Sprintf("set %d", set.ID),
		map[string]any{"digest": set.Digest, "payments": set.Members, "key": set.Fingerprint}); err != nil {
		return err
	}
	return s.commit(ctx)
}
