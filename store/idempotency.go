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

// KeepAnswers is how long the answer to a request with an Idempotency-Key
// is kept: a retry within it gets the answer again; after it the key is
// forgotten and may be used anew.
const KeepAnswers = 7 * 24 * time.Hour

// AbandonAfter is how long a claimed key may stay unanswered: after it,
// the request is taken to have died with its server (which stops writing
// an answer after minutes), and a retry claims the key anew instead of
// being told, for ever, that it is still being answered. Were the first
// request still at work, the store's own guards (a message id imported
// once, DU01; a payment signed once by a user) keep the two from doing
// anything twice.
const AbandonAfter = time.Hour

// ClaimKey reserves the user's idempotency key for a request of scope, or
// returns the answer already recorded under it (Status 0 while the first
// request is still being answered). Claiming forgets the answers older
// than KeepAnswers, of every user.
func (db *DB) ClaimKey(ctx context.Context, user, key, scope string, now time.Time) (*Answer, error) {
	if _, err := db.x.ExecContext(ctx, db.x.Rebind(`DELETE FROM idempotency WHERE created_at < ?`), ts(now.Add(-KeepAnswers))); err != nil {
		return nil, err
	}
	res, err := db.x.ExecContext(ctx, db.x.Rebind(`INSERT INTO idempotency (user_id, key, scope, status, body, created_at) VALUES (?, ?, ?, 0, '', ?)
		ON CONFLICT (user_id, key) DO UPDATE SET scope = excluded.scope, created_at = excluded.created_at
		WHERE idempotency.status = 0 AND idempotency.created_at < ?`), user, key, scope, ts(now), ts(now.Add(-AbandonAfter)))
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
