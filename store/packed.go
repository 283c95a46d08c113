package store

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"github.com/jmoiron/sqlx"

	"maksa"
)

// The SQLite driver's cost is per column read: each takes the connection's
// mutex several times (modernc opens every connection fully serialized),
// so for a statement's million entries of nineteen columns the driver
// cost more than SQLite's own work. Queries over many rows therefore read
// them from SQLite packed: one text value per row, the values joined by
// the unit separator (0x1F), split again here. PostgreSQL rows are read
// column by column.
//
// The packed value ends with the byte length of the values as SQLite
// holds them (a NULL's is 0, as format gives it): format's %s ends a value
// at a NUL byte, silently. No value maksa's readers accept holds a control
// character, but one stored by other means (a template, an edit of the
// database) might: a row that does not split into its columns, or whose
// values are not as long as SQLite says, is read again column by column,
// by its key, on the connection the rows come from. (On another, readers
// that each held one of the pool's connections waited for each other's
// forever: TestPackedReadersShareNoConnection.)
const unitSeparator = 0x1F

// fieldRows reads the rows of a query as strings, one per column; NULL is
// "" (SQLite's format gives it so).
type fieldRows struct {
	q      sqlx.QueryerContext // the connection or transaction the rows come from
	conn   *sqlx.Conn          // the connection taken for them from the pool, if one was
	ctx    context.Context
	rows   *sql.Rows
	cols   []string
	one    string // the query that reads one row, column by column, by its key (the first column)
	packed bool
	row    string // the packed row, as the driver made it
	fields []string
	nulls  []sql.NullString // what PostgreSQL rows are scanned into
	ptrs   []any
}

// queryFields runs SELECT cols from [WHERE where] order, with args; cols[0]
// must be an integer key that names a row through from.
func (db *DB) queryFields(ctx context.Context, cols []string, from, where, order string, args ...any) (*fieldRows, error) {
	return db.queryFieldsOn(ctx, db.x, cols, from, where, order, args...)
}

// queryFieldsOn is queryFields on q, the database or a transaction.
func (db *DB) queryFieldsOn(ctx context.Context, q sqlx.QueryerContext, cols []string, from, where, order string, args ...any) (*fieldRows, error) {
	f := &fieldRows{q: q, ctx: ctx, cols: cols, fields: make([]string, len(cols)), packed: db.dialect == SQLite,
		one: db.x.Rebind(`SELECT ` + strings.Join(cols, ", ") + ` ` + from + ` WHERE ` + cols[0] + ` = ?`)}
	list := strings.Join(cols, ", ")
	if f.packed {
		format := "'%d" + strings.Repeat("\x1f%s", len(cols)-1) + "\x1f%d'"
		length := "ifnull(octet_length(" + strings.Join(cols[1:], "), 0) + ifnull(octet_length(") + "), 0)"
		list = "format(" + format + ", " + list + ", " + length + ")"
		if q == sqlx.QueryerContext(db.x) { // a connection of its own, for the rows and their second readings
			conn, err := db.x.Connx(ctx)
			if err != nil {
				return f, err
			}
			f.q, f.conn, q = conn, conn, conn
		}
	} else {
		f.nulls, f.ptrs = make([]sql.NullString, len(cols)), make([]any, len(cols))
		for i := range f.nulls {
			f.ptrs[i] = &f.nulls[i]
		}
	}
	if where != "" {
		where = ` WHERE ` + where
	}
	rows, err := q.QueryContext(ctx, db.x.Rebind(`SELECT `+list+` `+from+where+` `+order), args...)
	f.rows = rows
	if err != nil && f.conn != nil {
		f.conn.Close()
	}
	return f, err
}

// next reads the next row into fields; false at the end or on an error
// (see err).
func (f *fieldRows) next() (bool, error) {
	if !f.rows.Next() {
		return false, f.rows.Err()
	}
	if !f.packed {
		if err := f.rows.Scan(f.ptrs...); err != nil {
			return false, err
		}
		for i, v := range f.nulls {
			f.fields[i] = v.String // NULL is ""
		}
		return true, nil
	}
	if err := f.rows.Scan(&f.row); err != nil { // the driver's own string: not copied again
		return false, err
	}
	if strings.Count(f.row, "\x1f") == len(f.cols) {
		row := f.row // one string for the row; the fields share it
		length := 0
		for i := range f.fields {
			end := strings.IndexByte(row, unitSeparator)
			f.fields[i], row = row[:end], row[end+1:]
			if i > 0 {
				length += end
			}
		}
		if n, err := strconv.Atoi(row); err == nil && n == length {
			return true, nil
		}
	}
	key, _, _ := strings.Cut(f.row, "\x1f")
	nulls, ptrs := make([]sql.NullString, len(f.cols)), make([]any, len(f.cols))
	for i := range nulls {
		ptrs[i] = &nulls[i]
	}
	if err := f.q.QueryRowxContext(f.ctx, f.one, key).Scan(ptrs...); err != nil {
		return false, fmt.Errorf("reading row %s again: %w", key, err)
	}
	for i, v := range nulls {
		f.fields[i] = v.String
	}
	return true, nil
}

// close closes the rows and gives their connection back to the pool.
func (f *fieldRows) close() error {
	err := f.rows.Close()
	if f.conn != nil {
		err = cmp.Or(err, f.conn.Close())
	}
	return err
}

// eachPaymentOf calls fn for each payment of SELECT cols from+where+order,
// read through queryFields; cols are columns of paymentRow, the id first,
// each maybe qualified ("p.id").
func (db *DB) eachPaymentOf(ctx context.Context, cols []string, from, where, order string, args []any, fn func(*maksa.Payment) error) error {
	return db.eachPaymentOn(ctx, db.x, cols, from, where, order, args, fn)
}

// eachPaymentOn is eachPaymentOf on q, the database or a transaction.
func (db *DB) eachPaymentOn(ctx context.Context, q sqlx.QueryerContext, cols []string, from, where, order string, args []any, fn func(*maksa.Payment) error) error {
	return db.eachPaymentRow(ctx, q, cols, from, where, order, args, func(r *paymentRow) error { return fn(r.payment()) })
}

// eachPaymentLent is eachPaymentOf, but lends fn one payment, made again
// from each row: fn must not keep it (its values it may). A night's
// files read a million payments each, and a new payment for every row
// was most of what the files allocated.
func (db *DB) eachPaymentLent(ctx context.Context, cols []string, from, where, order string, args []any, fn func(*maksa.Payment) error) error {
	var p maksa.Payment
	return db.eachPaymentRow(ctx, db.x, cols, from, where, order, args, func(r *paymentRow) error {
		r.fill(&p)
		return fn(&p)
	})
}

// eachPaymentRow calls fn with each row of the query (see eachPaymentOf),
// scanned into one paymentRow used again for the next.
func (db *DB) eachPaymentRow(ctx context.Context, q sqlx.QueryerContext, cols []string, from, where, order string, args []any, fn func(*paymentRow) error) error {
	set, err := paymentSetters(cols)
	if err != nil {
		return err
	}
	rows, err := db.queryFieldsOn(ctx, q, cols, from, where, order, args...)
	if err != nil {
		return err
	}
	defer rows.close()
	var r paymentRow // each row sets every column read; the others stay zero
	v := reflect.ValueOf(&r).Elem()
	for {
		ok, err := rows.next()
		if !ok {
			return err
		}
		for i, s := range rows.fields {
			if err := set[i](v, s); err != nil {
				return fmt.Errorf("payment %s, %s: %w", rows.fields[0], cols[i], err)
			}
		}
		if err := fn(&r); err != nil {
			return err
		}
	}
}

// paymentSetters returns, for each column, what sets its paymentRow field
// from its text.
func paymentSetters(cols []string) ([]func(reflect.Value, string) error, error) {
	byTag := map[string]int{}
	t := reflect.TypeFor[paymentRow]()
	for i := range t.NumField() {
		byTag[t.Field(i).Tag.Get("db")] = i
	}
	set := make([]func(reflect.Value, string) error, len(cols))
	for k, col := range cols {
		_, name, _ := strings.Cut(col, ".")
		if name == "" {
			name = col
		}
		i, ok := byTag[name]
		if !ok {
			return nil, fmt.Errorf("store: no payment field for column %s", col)
		}
		switch t.Field(i).Type.Kind() {
		case reflect.String:
			set[k] = func(v reflect.Value, s string) error { v.Field(i).SetString(s); return nil }
		case reflect.Int, reflect.Int64:
			set[k] = func(v reflect.Value, s string) error {
				n, err := strconv.ParseInt(s, 10, 64)
				v.Field(i).SetInt(n)
				return err
			}
		case reflect.Bool: // SQLite keeps 0 or 1, PostgreSQL true or false
			set[k] = func(v reflect.Value, s string) error {
				b, err := strconv.ParseBool(s)
				v.Field(i).SetBool(b)
				return err
			}
		case reflect.Pointer: // a nullable integer: NULL reads as ""
			set[k] = func(v reflect.Value, s string) error {
				if s == "" {
					v.Field(i).SetZero()
					return nil
				}
				n, err := strconv.ParseInt(s, 10, 64)
				v.Field(i).Set(reflect.ValueOf(&n))
				return err
			}
		default:
			return nil, fmt.Errorf("store: payment column %s is not read as text", col)
		}
	}
	return set, nil
}
