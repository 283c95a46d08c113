// Package testdb gives tests real databases: a fresh SQLite file always,
// and a fresh PostgreSQL schema when MAKSA_TEST_POSTGRES names a server.
package testdb

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	_ "github.com/lib/pq"  // PostgreSQL driver
	_ "modernc.org/sqlite" // SQLite driver
)

// EnvPostgres names the PostgreSQL server tests may use.
const EnvPostgres = "MAKSA_TEST_POSTGRES"

// Backend is one database kind a test runs against.
type Backend struct {
	Name string                     // "sqlite" or "postgres"
	DSN  func(tb testing.TB) string // a fresh, empty database
}

// Backends returns SQLite and, when MAKSA_TEST_POSTGRES is set, PostgreSQL.
// It logs clearly that PostgreSQL was skipped otherwise; in CI (CI=true) a
// missing PostgreSQL fails the test instead.
func Backends(tb testing.TB) []Backend {
	tb.Helper()
	out := []Backend{{Name: "sqlite", DSN: SQLite}}
	if os.Getenv(EnvPostgres) != "" {
		out = append(out, Backend{Name: "postgres", DSN: Postgres})
	} else if os.Getenv("CI") != "" {
		tb.Fatalf("%s is not set in CI: the PostgreSQL half of this test would be skipped", EnvPostgres)
	} else {
		tb.Logf("SKIP postgres: %s is not set; ran on SQLite only", EnvPostgres)
	}
	return out
}

// SQLite returns the DSN of a new SQLite file in the test's temp folder.
func SQLite(tb testing.TB) string {
	return "sqlite:" + filepath.Join(tb.TempDir(), "maksa.db")
}

var schemaSeq atomic.Int64

// Postgres returns the DSN of a new, empty schema on the MAKSA_TEST_POSTGRES
// server; the schema is dropped when the test ends.
func Postgres(tb testing.TB) string {
	tb.Helper()
	base := os.Getenv(EnvPostgres)
	if base == "" {
		tb.Skipf("SKIP postgres: %s is not set", EnvPostgres)
	}
	schema := fmt.Sprintf("t_%d_%d_%d", os.Getpid(), time.Now().UnixNano()%1e9, schemaSeq.Add(1))
	db, err := sql.Open("postgres", base)
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	if _, err := db.ExecContext(context.Background(), "CREATE SCHEMA "+schema); err != nil {
		tb.Fatalf("create schema on %s: %v", base, err)
	}
	tb.Cleanup(func() {
		db, err := sql.Open("postgres", base)
		if err == nil {
			db.Exec("DROP SCHEMA " + schema + " CASCADE")
			db.Close()
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		tb.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return strings.Replace(u.String(), "%2C", ",", -1)
}

// Exec runs a statement on the database behind dsn outside maksa, as an
// operator (or an attacker) editing the database by hand would.
func Exec(tb testing.TB, dsn, query string, args ...any) {
	tb.Helper()
	db, query := open(tb, dsn, query)
	defer db.Close()
	if _, err := db.Exec(query, args...); err != nil {
		tb.Fatalf("%s: %v", query, err)
	}
}

// rebind turns ? placeholders into $1, $2, ….
func rebind(q string) string {
	var b strings.Builder
	n := 0
	for _, c := range q {
		if c == '?' {
			n++
			fmt.Fprintf(&b, "$%d", n)
			continue
		}
		b.WriteRune(c)
	}
	return b.String()
}

// Count runs a query returning one integer (a COUNT) outside maksa.
func Count(tb testing.TB, dsn, query string, args ...any) int {
	tb.Helper()
	db, query := open(tb, dsn, query)
	defer db.Close()
	var n int
	if err := db.QueryRow(query, args...).Scan(&n); err != nil {
		tb.Fatalf("%s: %v", query, err)
	}
	return n
}

// Row runs a query outside maksa and scans its first row into dest.
func Row(tb testing.TB, dsn, query string, dest ...any) {
	tb.Helper()
	db, query := open(tb, dsn, query)
	defer db.Close()
	if err := db.QueryRow(query).Scan(dest...); err != nil {
		tb.Fatalf("%s: %v", query, err)
	}
}

// open connects to dsn directly and adapts query's placeholders to it.
func open(tb testing.TB, dsn, query string) (*sql.DB, string) {
	tb.Helper()
	driver, source := "postgres", dsn
	if path, ok := strings.CutPrefix(dsn, "sqlite:"); ok {
		driver, source = "sqlite", path
	}
	db, err := sql.Open(driver, source)
	if err != nil {
		tb.Fatal(err)
	}
	if driver == "postgres" {
		query = rebind(query)
	}
	return db, query
}
