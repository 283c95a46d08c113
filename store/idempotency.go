package store

import (
	"context"
	"time"
)

// Answer is the answer an API request with an Idempotency-Key got.
type Answer struct {
	Scope  string `db:"scope"`
	Status int    `db:"status"` // 0: still being answered
	Body   string `db:"body"`
}

// ClaimKey reserves the user's idempotency key for a request of scope, or
// returns the answer already recorded under it (Status 0 while the first
// request is still being answered).
func (db *DB) ClaimKey(ctx context.Context, user, key, scope string, now time.Time) (*Answer, error) {
	res, err := db.x.ExecContext(ctx, db.x.Rebind(`INSERT INTO idempotency (user_id, key, scope, status, body, created_at) VALUES (?, ?, ?, 0, '', ?)
		ON CONFLICT (user_id, key) DO NOTHING`), user, key, scope, ts(now))
	if err != nil {
		return nil, err
	}
	if n, err := res.RowsAffected(); err != nil || n == 1 {
		return nil, err
	}
	var a Answer
	err = db.x.GetContext(ctx, &a, db.x.Rebind(`SELECT scope, status, body FROM idempotency WHERE user_id = ? AND key = ?`), user, key)
	return &a, err
}

// RecordAnswer keeps the answer to the request that claimed the key.
func (db *DB) RecordAnswer(ctx context.Context, user, key string, status int, body []byte) error {
	_, err := db.x.ExecContext(ctx, db.x.Rebind(`UPDATE idempotency SET status = ?, body = ? WHERE user_id = ? AND key = ?`), status, string(body), user, key)
	return err
}

// ReleaseKey forgets a claimed key whose request failed on the server's
// side, so that a retry does the work.
func (db *DB) ReleaseKey(ctx context.Context, user, key string) error {
	_, err := db.x.ExecContext(ctx, db.x.Rebind(`DELETE FROM idempotency WHERE user_id = ? AND key = ? AND status = 0`), user, key)
	return err
}
