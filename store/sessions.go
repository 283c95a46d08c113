package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"time"
)

// Session is an API session: who opened it, with which key, and when.
type Session struct {
	UserID      string
	Fingerprint string
	OpenedAt    time.Time
}

func tokenHash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// OpenSession stores a new session token (its hash only).
func (db *DB) OpenSession(ctx context.Context, token, user, fingerprint string, now time.Time) error {
	_, err := db.x.ExecContext(ctx, db.x.Rebind(`INSERT INTO api_sessions (token_hash, user_id, fingerprint, opened_at, last_used) VALUES (?, ?, ?, ?, ?)`),
		tokenHash(token), user, fingerprint, ts(now), ts(now))
	return err
}

// UseSession returns the session of token and marks it used at now,
// unless it was idle longer than idle or opened longer than lifetime ago;
// an expired session is removed. Returns ErrNotFound for an unknown or
// expired token.
func (db *DB) UseSession(ctx context.Context, token string, now time.Time, idle, lifetime time.Duration) (*Session, error) {
	var row struct {
		User        string `db:"user_id"`
		Fingerprint string `db:"fingerprint"`
		Opened      string `db:"opened_at"`
		Last        string `db:"last_used"`
	}
	h := tokenHash(token)
	if err := db.x.GetContext(ctx, &row, db.x.Rebind(`SELECT user_id, fingerprint, opened_at, last_used FROM api_sessions WHERE token_hash = ?`), h); err != nil {
		return nil, notFound(err, "session")
	}
	opened, _ := time.Parse(time.RFC3339Nano, row.Opened)
	last, _ := time.Parse(time.RFC3339Nano, row.Last)
	if now.Sub(last) > idle || now.Sub(opened) > lifetime {
		_, err := db.x.ExecContext(ctx, db.x.Rebind(`DELETE FROM api_sessions WHERE token_hash = ?`), h)
		if err == nil {
			err = ErrNotFound
		}
		return nil, err
	}
	if _, err := db.x.ExecContext(ctx, db.x.Rebind(`UPDATE api_sessions SET last_used = ? WHERE token_hash = ?`), ts(now), h); err != nil {
		return nil, err
	}
	return &Session{UserID: row.User, Fingerprint: row.Fingerprint, OpenedAt: opened}, nil
}

// SessionAlive reports whether the session of token is open at now
// without marking it used: for a page's live updates, which are not the
// user's activity.
func (db *DB) SessionAlive(ctx context.Context, token string, now time.Time, idle, lifetime time.Duration) (bool, error) {
	var row struct {
		Opened string `db:"opened_at"`
		Last   string `db:"last_used"`
	}
	err := db.x.GetContext(ctx, &row, db.x.Rebind(`SELECT opened_at, last_used FROM api_sessions WHERE token_hash = ?`), tokenHash(token))
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	opened, _ := time.Parse(time.RFC3339Nano, row.Opened)
	last, _ := time.Parse(time.RFC3339Nano, row.Last)
	return now.Sub(last) <= idle && now.Sub(opened) <= lifetime, nil
}

// CloseSession removes a session.
func (db *DB) CloseSession(ctx context.Context, token string) error {
	_, err := db.x.ExecContext(ctx, db.x.Rebind(`DELETE FROM api_sessions WHERE token_hash = ?`), tokenHash(token))
	return err
}

// PurgeSessions removes the sessions idle since before idleSince or opened
// before openedSince; it returns how many.
func (db *DB) PurgeSessions(ctx context.Context, idleSince, openedSince time.Time) (int64, error) {
	res, err := db.x.ExecContext(ctx, db.x.Rebind(`DELETE FROM api_sessions WHERE last_used < ? OR opened_at < ?`), ts(idleSince), ts(openedSince))
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
