// Package store keeps maksa's state in SQLite (the embedded default) or
// PostgreSQL, through one sqlx code path. A DSN chooses the database:
// "sqlite:PATH" or "postgres://…". Migrations for each dialect are embedded
// and applied on Open. Bulk paths use multi-row inserts on SQLite and COPY on
// PostgreSQL.
package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	_ "github.com/lib/pq" // PostgreSQL driver
	"github.com/pressly/goose/v3"
	"modernc.org/sqlite" // SQLite driver

	"maksa"
)

//go:embed migrations
var migrations embed.FS

func init() {
	sqlx.BindDriver("sqlite", sqlx.QUESTION)
	// SQLite's own lower() folds ASCII only: "ŽAGARS" stays "ŽAGARS", and
	// a search for "žagars" would miss it. unicode_lower folds as
	// PostgreSQL's lower() does in a UTF-8 database.
	err := sqlite.RegisterDeterministicScalarFunction("unicode_lower", 1, func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
		switch v := args[0].(type) {
		case string:
			return strings.ToLower(v), nil
		case []byte:
			return strings.ToLower(string(v)), nil
		default:
			return v, nil
		}
	})
	if err != nil {
		panic(err)
	}
}

// lower is the SQL that folds a text column's case for a search, in every
// script.
func (db *DB) lower(column string) string {
	if db.dialect == SQLite {
		return "unicode_lower(" + column + ")"
	}
	return "LOWER(" + column + ")"
}

// Dialects.
const (
	SQLite   = "sqlite"
	Postgres = "postgres"
)

// DB is an open maksa database.
type DB struct {
	x       *sqlx.DB
	conn    *sqlx.Conn // the connection of a pinned store (Pin)
	dialect string
	// Now is the business clock; every timestamp the store writes comes from it.
	Now maksa.Clock
}

// Open connects to the database named by dsn and applies pending migrations.
// dsn is "sqlite:PATH", "postgres://…" or "postgresql://…".
func Open(ctx context.Context, dsn string) (*DB, error) {
	const op = "store.Open"
	driver, source, err := parseDSN(dsn)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	if driver == SQLite {
		if err := createSQLite(ctx, strings.TrimPrefix(dsn, "sqlite:")); err != nil {
			return nil, fmt.Errorf("%s: %w", op, err)
		}
	}
	x, err := sqlx.Open(driver, source)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	db := &DB{x: x, dialect: driver, Now: time.Now}
	if driver == SQLite {
		// One writer at a time; readers use WAL snapshots.
		x.SetMaxOpenConns(4)
	}
	if err := x.PingContext(ctx); err != nil {
		x.Close()
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	if err := db.migrate(ctx); err != nil {
		x.Close()
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	return db, nil
}

// PageSize is the page size of a SQLite database maksa creates: 16 KB,
// not SQLite's 4 KB. The pure-Go driver reads and writes the database a
// page per system call; with pages four times larger, signing 1 M
// payments as one set ran 30 % faster and the night's floor (its ledger
// writes alone) 45 % faster, the import and the night about as before
// (docs/performance.md). A database made before keeps its page size.
const PageSize = 16384

// createSQLite makes the SQLite database at path (which may carry "?"
// parameters) when there is none yet, with PageSize pages and in WAL mode:
// the first change to a database fixes its page size, and the driver sets
// WAL mode before any other pragma of the DSN.
func createSQLite(ctx context.Context, path string) error {
	path, _, _ = strings.Cut(path, "?")
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		return nil // there is one, or Open says why it cannot be read
	}
	db, err := sql.Open(SQLite, "file:"+path)
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(1) // both pragmas on the one connection
	if _, err := db.ExecContext(ctx, fmt.Sprintf("PRAGMA page_size = %d", PageSize)); err != nil {
		return err
	}
	_, err = db.ExecContext(ctx, "PRAGMA journal_mode = WAL") // writes the header: the page size is the database's now
	return err
}

func parseDSN(dsn string) (driver, source string, err error) {
	switch {
	case strings.HasPrefix(dsn, "sqlite:"):
		path := strings.TrimPrefix(dsn, "sqlite:")
		if path == "" {
			return "", "", errors.New("sqlite DSN needs a path: sqlite:PATH")
		}
		params := "_pragma=journal_mode(WAL)&_pragma=busy_timeout(30000)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_txlock=immediate"
		if strings.Contains(path, "?") {
			return SQLite, "file:" + path + "&" + params, nil
		}
		return SQLite, "file:" + path + "?" + params, nil
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		return Postgres, dsn, nil
	}
	return "", "", fmt.Errorf("unknown database %q: use sqlite:PATH or postgres://…", dsn)
}

func (db *DB) migrate(ctx context.Context) error {
	p, err := db.migrations()
	if err != nil {
		return err
	}
	_, err = p.Up(ctx)
	return err
}

// migrations is the goose provider of the database's schema migrations.
func (db *DB) migrations() (*goose.Provider, error) {
	dialect := goose.DialectSQLite3
	if db.dialect == Postgres {
		dialect = goose.DialectPostgres
	}
	fsys, err := fs.Sub(migrations, "migrations/"+db.dialect)
	if err != nil {
		return nil, err
	}
	return goose.NewProvider(dialect, db.x.DB, fsys)
}

// Dialect returns SQLite or Postgres.
func (db *DB) Dialect() string { return db.dialect }

// Close closes the database.
func (db *DB) Close() error { return db.x.Close() }

// begin starts a transaction. On SQLite it is an immediate (write) transaction.
// byIDOnly returns column for a condition beside "id IN (…)" that must not
// choose the plan: given ids and a status, SQLite's planner reads every
// payment of that status through the status index, for each chunk of ids
// (the nightly batch of 1 M spent half its time so). A unary plus is
// SQLite's way of saying "no index for this term". PostgreSQL does the
// same when its statistics say the status is rare — as they do after a
// set is signed, until autovacuum comes by: it ANDs the partial status
// index, every payment of that status, with the ids. An expression no
// index holds keeps it to the ids, which its statistics must know
// (analyzeAfterImport): without any, it may read the whole table instead.
func (db *DB) byIDOnly(column string) string {
	if db.dialect == SQLite {
		return "+" + column
	}
	return "(" + column + " || '')"
}

func (db *DB) begin(ctx context.Context) (*sqlx.Tx, error) {
	if db.conn != nil {
		return db.conn.BeginTxx(ctx, nil)
	}
	return db.x.BeginTxx(ctx, nil)
}

// Pin returns the store with its transactions, and RefreshLock, on one
// connection of the pool until release; its other reads still take any.
// For a writer of many transactions in a row, such as the nightly
// batch's: on SQLite a connection keeps its page cache from one
// transaction to the next only when no other connection wrote in
// between, and the pool's connections, taken in turns, each dropped and
// read theirs anew at every chunk of the night (a fifth of its
// execution's time at 1 M payments).
func (db *DB) Pin(ctx context.Context) (pinned *DB, release func() error, err error) {
	c, err := db.x.Connx(ctx)
	if err != nil {
		return nil, nil, err
	}
	p := *db
	p.conn = c
	return &p, c.Close, nil
}

// execer runs a statement outside a transaction: on the pinned
// connection, if any, or the pool.
func (db *DB) execer() sqlx.ExecerContext {
	if db.conn != nil {
		return db.conn
	}
	return db.x
}

// ts formats a timestamp the way the store keeps it: RFC 3339, UTC.
func ts(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// date formats a calendar date.
func date(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(maksa.DateLayout)
}

// parseDate reads a stored date (YYYY-MM-DD); "" (a date not set) and
// anything else is the zero time. Dates are read a million times a night:
// digits are read directly, and time.Parse (which builds an error for
// "") only reads what is not plainly a date.
func parseDate(s string) time.Time {
	if len(s) == len(maksa.DateLayout) && s[4] == '-' && s[7] == '-' {
		y, m, d := number(s[:4]), number(s[5:7]), number(s[8:])
		if t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC); y >= 0 && m > 0 && t.Day() == d && int(t.Month()) == m {
			return t
		}
	}
	if s == "" {
		return time.Time{}
	}
	t, _ := time.Parse(maksa.DateLayout, s)
	return t
}

// number reads decimal digits; -1 when s holds anything else.
func number(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return -1
		}
		n = n*10 + int(s[i]-'0')
	}
	return n
}

// ErrNotFound is returned when the object asked for does not exist.
var ErrNotFound = errors.New("not found")

func notFound(err error, what string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("%s: %w", what, ErrNotFound)
	}
	return err
}
