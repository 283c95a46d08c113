package store

import (
	"context"
	"database/sql"
	"strings"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// rowsPerInsert is how many rows one INSERT of a multiInsert writes.
const rowsPerInsert = 100

// multiInsert inserts rows into a table inside a transaction,
// rowsPerInsert rows a statement: a full statement is prepared once (one
// statement per row, or preparing each batch again, cost a tenth to a
// third of writing a chunk of postings or signatures). SQLite imports
// write their payments with it too (PostgreSQL's use COPY).
type multiInsert struct {
	ctx     context.Context
	tx      *sqlx.Tx
	table   string
	columns []string
	full    *sql.Stmt
	args    []any
	rows    int
}

func newMultiInsert(ctx context.Context, tx *sqlx.Tx, table string, columns ...string) (*multiInsert, error) {
	m := &multiInsert{ctx: ctx, tx: tx, table: table, columns: columns}
	var err error
	m.full, err = tx.PrepareContext(ctx, tx.Rebind(m.sql(rowsPerInsert)))
	return m, err
}

// sql inserts n rows.
func (m *multiInsert) sql(n int) string {
	row := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(m.columns)), ", ") + "),"
	return `INSERT INTO ` + m.table + ` (` + strings.Join(m.columns, ", ") + `) VALUES ` + strings.TrimSuffix(strings.Repeat(row, n), ",")
}

// add queues one row, its values in the order of the columns, and writes
// the queued rows once there are rowsPerInsert of them.
func (m *multiInsert) add(values ...any) error {
	m.args = append(m.args, values...)
	if m.rows++; m.rows == rowsPerInsert {
		return m.flush()
	}
	return nil
}

// flush writes the queued rows.
func (m *multiInsert) flush() error {
	var err error
	switch m.rows {
	case 0:
		return nil
	case rowsPerInsert:
		_, err = m.full.ExecContext(m.ctx, m.args...)
	default:
		_, err = m.tx.ExecContext(m.ctx, m.tx.Rebind(m.sql(m.rows)), m.args...)
	}
	m.args, m.rows = m.args[:0], 0
	return err
}

func (m *multiInsert) close() { m.full.Close() }

// bulk writes many rows into one table inside a transaction: COPY on
// PostgreSQL, multi-row inserts on SQLite.
type bulk struct {
	add   func(values ...any) error
	flush func() error // write what is queued
	close func()
}

func newBulk(ctx context.Context, tx *sqlx.Tx, dialect, table string, columns ...string) (*bulk, error) {
	if dialect == Postgres {
		stmt, err := tx.PrepareContext(ctx, pq.CopyIn(table, columns...))
		if err != nil {
			return nil, err
		}
		return &bulk{
			add:   func(v ...any) error { _, err := stmt.ExecContext(ctx, v...); return err },
			flush: func() error { _, err := stmt.ExecContext(ctx); return err },
			close: func() { stmt.Close() },
		}, nil
	}
	m, err := newMultiInsert(ctx, tx, table, columns...)
	if err != nil {
		return nil, err
	}
	return &bulk{add: m.add, flush: m.flush, close: m.close}, nil
}
