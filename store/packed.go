package store

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// The SQLite driver's cost is per column read: each takes the connection's
// mutex several times (modernc opens every connection fully serialized),
// so for a statement's million entries of nineteen columns the driver
// cost more than SQLite's own work. Queries over many rows therefore read
// them from SQLite packed: one text value per row, the values joined by
// the unit separator (0x1F), split again here. PostgreSQL rows are read
// column by column.
//
// No value maksa stores holds a control character (its readers refuse
// them), but a row written by other means might: a row that does not
// split into its columns is read again column by column, by its key.
const unitSeparator = 0x1F

// fieldRows reads the rows of a query as strings, one per column.
type fieldRows struct {
	db     *DB
	ctx    context.Context
	rows   *sql.Rows
	cols   []string
	one    string // the query that reads one row, column by column, by its key (the first column)
	packed bool
	raw    sql.RawBytes
	fields []string
	ptrs   []any
}

// queryFields runs SELECT cols from+where+order, with args; cols[0] must be
// an integer key that names a row through from.
func (db *DB) queryFields(ctx context.Context, cols []string, from, where, order string, args ...any) (*fieldRows, error) {
	f := &fieldRows{db: db, ctx: ctx, cols: cols, fields: make([]string, len(cols)), packed: db.dialect == SQLite,
		one: db.x.Rebind(`SELECT ` + strings.Join(cols, ", ") + ` ` + from + ` WHERE ` + cols[0] + ` = ?`)}
	list := strings.Join(cols, ", ")
	if f.packed {
		format := "'%d" + strings.Repeat("\x1f%s", len(cols)-1) + "'"
		list = "format(" + format + ", " + list + ")"
	} else {
		f.ptrs = make([]any, len(cols))
		for i := range f.fields {
			f.ptrs[i] = &f.fields[i]
		}
	}
	rows, err := db.x.QueryContext(ctx, db.x.Rebind(`SELECT `+list+` `+from+` WHERE `+where+` `+order), args...)
	f.rows = rows
	return f, err
}

// next reads the next row into fields; false at the end or on an error
// (see err).
func (f *fieldRows) next() (bool, error) {
	if !f.rows.Next() {
		return false, f.rows.Err()
	}
	if !f.packed {
		return true, f.rows.Scan(f.ptrs...)
	}
	if err := f.rows.Scan(&f.raw); err != nil {
		return false, err
	}
	if bytes.Count(f.raw, []byte{unitSeparator}) == len(f.cols)-1 {
		row := string(f.raw) // one string for the row; the fields share it
		for i := range f.fields[:len(f.fields)-1] {
			end := strings.IndexByte(row, unitSeparator)
			f.fields[i], row = row[:end], row[end+1:]
		}
		f.fields[len(f.fields)-1] = row
		return true, nil
	}
	key, _, _ := bytes.Cut(f.raw, []byte{unitSeparator})
	ptrs := make([]any, len(f.cols))
	for i := range f.fields {
		ptrs[i] = &f.fields[i]
	}
	if err := f.db.x.QueryRowContext(f.ctx, f.one, string(key)).Scan(ptrs...); err != nil {
		return false, fmt.Errorf("reading row %s again: %w", key, err)
	}
	return true, nil
}

func (f *fieldRows) close() error { return f.rows.Close() }
