package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"maksa"
)

// auditLockKey is the PostgreSQL advisory lock that serialises appends to
// the audit chain.
const auditLockKey = 7312001

// appendAudit adds an event to the hash chain inside tx. details is
// marshalled to JSON. The event's time is the store's clock.
func (db *DB) appendAudit(ctx context.Context, tx *sqlx.Tx, actor, action, object string, details any) error {
	if db.dialect == Postgres {
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, auditLockKey); err != nil {
			return err
		}
	}
	var last struct {
		ID   int64  `db:"id"`
		Hash string `db:"hash"`
	}
	err := tx.GetContext(ctx, &last, `SELECT id, hash FROM audit_events ORDER BY id DESC LIMIT 1`)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	js, err := json.Marshal(details)
	if err != nil {
		return err
	}
	e := maksa.AuditEvent{ID: last.ID + 1, At: db.Now().UTC(), Actor: actor, Action: action, Object: object, Details: string(js), PrevHash: last.Hash}
	e.Hash = e.ComputeHash()
	_, err = tx.ExecContext(ctx, tx.Rebind(`INSERT INTO audit_events (id, at, actor, action, object, details, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
		e.ID, ts(e.At), e.Actor, e.Action, e.Object, e.Details, e.PrevHash, e.Hash)
	return err
}

// Audit appends one event in its own transaction.
func (db *DB) Audit(ctx context.Context, actor, action, object string, details any) error {
	tx, err := db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := db.appendAudit(ctx, tx, actor, action, object, details); err != nil {
		return err
	}
	return tx.Commit()
}

type auditRow struct {
	ID       int64  `db:"id"`
	At       string `db:"at"`
	Actor    string `db:"actor"`
	Action   string `db:"action"`
	Object   string `db:"object"`
	Details  string `db:"details"`
	PrevHash string `db:"prev_hash"`
	Hash     string `db:"hash"`
}

func (r *auditRow) event() maksa.AuditEvent {
	at, _ := time.Parse(time.RFC3339Nano, r.At)
	return maksa.AuditEvent{ID: r.ID, At: at, Actor: r.Actor, Action: r.Action, Object: r.Object, Details: r.Details, PrevHash: r.PrevHash, Hash: r.Hash}
}

// AuditEvents calls fn for each audit event in order.
func (db *DB) AuditEvents(ctx context.Context, fn func(maksa.AuditEvent) error) error {
	rows, err := db.x.QueryxContext(ctx, `SELECT id, at, actor, action, object, details, prev_hash, hash FROM audit_events ORDER BY id`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var r auditRow
		if err := rows.StructScan(&r); err != nil {
			return err
		}
		if err := fn(r.event()); err != nil {
			return err
		}
	}
	return rows.Err()
}

// BrokenChainError names the first audit event that does not fit the chain.
type BrokenChainError struct {
	ID     int64
	Reason string
}

func (e *BrokenChainError) Error() string {
	return fmt.Sprintf("audit event %d: %s", e.ID, e.Reason)
}

// AuditAnchor is an audit event's id and hash (or the first twelve or
// more hex digits of it), noted somewhere outside the database: an
// auditor's file, a ticket, the nightly batch's summary. The chain alone
// cannot show that its newest events were removed, or that someone who
// could write the database rewrote it whole; an anchor noted earlier can.
type AuditAnchor struct {
	ID   int64
	Hash string
}

func (a AuditAnchor) String() string { return fmt.Sprintf("%d:%s", a.ID, a.Hash) }

// ParseAuditAnchor reads an anchor written as ID:HASH.
func ParseAuditAnchor(s string) (AuditAnchor, error) {
	id, hash, ok := strings.Cut(strings.TrimSpace(s), ":")
	n, err := strconv.ParseInt(id, 10, 64)
	if !ok || err != nil || n < 1 || len(hash) < 12 || strings.Trim(strings.ToLower(hash), "0123456789abcdef") != "" {
		return AuditAnchor{}, fmt.Errorf("audit anchor %q is not EVENT-ID:HASH (the hash's first 12 hex digits at least)", s)
	}
	return AuditAnchor{ID: n, Hash: strings.ToLower(hash)}, nil
}

// AuditCheck is what VerifyAudit found: how many events verify, and the
// anchor of the last one.
type AuditCheck struct {
	Checked int
	Last    AuditAnchor
}

// VerifyAudit walks the audit chain, checking it against anchors noted
// earlier. It returns a *BrokenChainError naming the first event that was
// altered, that follows a removed one, that no longer matches its anchor,
// or an anchor's event that is gone from the end of the chain.
func (db *DB) VerifyAudit(ctx context.Context, anchors ...AuditAnchor) (AuditCheck, error) {
	noted := map[int64]string{}
	for _, a := range anchors {
		noted[a.ID] = a.Hash
	}
	var prev maksa.AuditEvent
	var check AuditCheck
	err := db.AuditEvents(ctx, func(e maksa.AuditEvent) error {
		switch {
		case e.ID != prev.ID+1:
			return &BrokenChainError{ID: e.ID, Reason: fmt.Sprintf("follows event %d: events in between were removed", prev.ID)}
		case e.PrevHash != prev.Hash:
			return &BrokenChainError{ID: e.ID, Reason: "previous hash does not match the event before it"}
		case e.ComputeHash() != e.Hash:
			return &BrokenChainError{ID: e.ID, Reason: "content does not match its hash: the event was altered"}
		}
		if hash, ok := noted[e.ID]; ok && !strings.HasPrefix(e.Hash, hash) {
			return &BrokenChainError{ID: e.ID, Reason: "its hash is not the one noted as an anchor: the chain was rewritten"}
		}
		prev = e
		check.Checked++
		check.Last = AuditAnchor{ID: e.ID, Hash: e.Hash}
		return nil
	})
	if err != nil {
		return check, err
	}
	for _, a := range anchors {
		if a.ID > prev.ID {
			return check, &BrokenChainError{ID: a.ID, Reason: fmt.Sprintf("was noted as an anchor, but the chain ends at event %d: events at its end were removed", prev.ID)}
		}
	}
	return check, nil
}

// AuditHead returns the anchor of the newest audit event (zero when there
// is none).
func (db *DB) AuditHead(ctx context.Context) (AuditAnchor, error) {
	var a AuditAnchor
	err := db.x.QueryRowxContext(ctx, `SELECT id, hash FROM audit_events ORDER BY id DESC LIMIT 1`).Scan(&a.ID, &a.Hash)
	if errors.Is(err, sql.ErrNoRows) {
		return AuditAnchor{}, nil
	}
	return a, err
}
