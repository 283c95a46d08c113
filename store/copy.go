package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"

	"github.com/jmoiron/sqlx"
)

// copiedTables are the tables CopyTo copies, each after the tables it
// refers to. The leases of running processes (locks) and the API's
// session tokens are not copied: a moved installation starts without
// them, and its users open new sessions.
var copiedTables = []string{
	"settings", "clients", "accounts", "users", "user_keys", "grants", "limit_overrides", "announcements", "templates",
	"batches", "payments", "signature_sets", "set_members", "signatures", "signed_totals", "postings", "day_totals", "sent_files", "report_numbers",
	"watch_claims", "idempotency", "audit_events",
}

// ErrTargetNotEmpty means the database to copy into holds data already.
var ErrTargetNotEmpty = errors.New("the target database is not empty: maksa copies only into a new database")

// TableCount is how many rows one table holds.
type TableCount struct {
	Table string `json:"table"`
	Rows  int64  `json:"rows"`
}

// CopyTo copies every row of db into to, a new maksa database of either
// dialect (migrated, and empty: ErrTargetNotEmpty otherwise), in one
// transaction on to: the installation id (which every signature binds),
// the directory, batches, payments, signatures, the ledger, the sent
// files' numbering, the watcher's claims and the audit chain, unchanged.
// each is told each table as it is copied. It returns each table's rows,
// counted again in to after the commit.
func (db *DB) CopyTo(ctx context.Context, to *DB, each func(TableCount)) ([]TableCount, error) {
	for _, t := range copiedTables {
		var n int64
		if err := to.x.GetContext(ctx, &n, `SELECT COUNT(*) FROM `+t); err != nil {
			return nil, err
		}
		if n > 0 {
			return nil, fmt.Errorf("%w (table %s holds %d rows)", ErrTargetNotEmpty, t, n)
		}
	}
	// One snapshot of every table (the service should be stopped anyway).
	src, err := db.x.BeginTxx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, err
	}
	defer src.Rollback()
	tx, err := to.x.BeginTxx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	for _, t := range copiedTables {
		n, cols, err := copyTable(ctx, src, to, tx, t)
		if err != nil {
			return nil, fmt.Errorf("copying %s: %w", t, err)
		}
		if each != nil {
			each(TableCount{t, n})
		}
		if to.dialect == Postgres && slices.Contains(cols, "id") {
			// The next id of a table whose serial ids were copied follows
			// the largest copied.
			var seq sql.NullString
			if err := tx.GetContext(ctx, &seq, `SELECT pg_get_serial_sequence($1, 'id')`, t); err != nil {
				return nil, fmt.Errorf("numbering %s: %w", t, err)
			}
			if seq.Valid {
				if _, err := tx.ExecContext(ctx, `SELECT setval($1, (SELECT COALESCE(MAX(id), 0) + 1 FROM `+t+`), false)`, seq.String); err != nil {
					return nil, fmt.Errorf("numbering %s: %w", t, err)
				}
			}
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	var out []TableCount
	for _, t := range copiedTables {
		var from, into int64
		if err := db.x.GetContext(ctx, &from, `SELECT COUNT(*) FROM `+t); err != nil {
			return nil, err
		}
		if err := to.x.GetContext(ctx, &into, `SELECT COUNT(*) FROM `+t); err != nil {
			return nil, err
		}
		if from != into {
			return out, fmt.Errorf("table %s: %d rows here, %d in the copy", t, from, into)
		}
		out = append(out, TableCount{t, into})
	}
	return out, nil
}

// copyTable copies one table's rows from the snapshot src into the
// transaction on to: COPY on PostgreSQL, multi-row inserts on SQLite.
func copyTable(ctx context.Context, src *sqlx.Tx, to *DB, tx *sqlx.Tx, table string) (n int64, cols []string, err error) {
	rows, err := src.QueryContext(ctx, `SELECT * FROM `+table)
	if err != nil {
		return 0, nil, err
	}
	defer rows.Close()
	if cols, err = rows.Columns(); err != nil {
		return 0, nil, err
	}
	out, err := newBulk(ctx, tx, to.dialect, table, cols...)
	if err != nil {
		return 0, cols, err
	}
	defer out.close()
	values := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range values {
		ptrs[i] = &values[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return n, cols, err
		}
		if err := out.add(values...); err != nil {
			return n, cols, err
		}
		n++
	}
	if err := rows.Err(); err != nil {
		return n, cols, err
	}
	return n, cols, out.flush()
}
