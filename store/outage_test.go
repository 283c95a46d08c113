package store_test

import (
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"maksa/store"
)

// TestUnavailable: a lost connection is an outage to wait for; a file name
// too long, a full disk or a missing permission is not (syscall.Errno
// satisfies net.Error, which once made every one of them an outage).
func TestUnavailable(t *testing.T) {
	for err, want := range map[error]bool{
		&net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}:                        true,
		fmt.Errorf("query: %w", &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}): true,
		&fs.PathError{Op: "open", Path: "x", Err: syscall.ENAMETOOLONG}:                        false,
		&os.LinkError{Op: "rename", Old: "a", New: "b", Err: syscall.ENAMETOOLONG}:             false,
		&fs.PathError{Op: "write", Path: "x", Err: syscall.ENOSPC}:                             false,
		&fs.PathError{Op: "write", Path: "x", Err: syscall.EPIPE}:                              false,
		syscall.EACCES:            false,
		errors.New("no such row"): false,
	} {
		if got := store.Unavailable(err); got != want {
			t.Errorf("Unavailable(%v) = %v, want %v", err, got, want)
		}
	}
}

// TestBusySQLiteIsAnOutage: a write refused because another connection
// holds SQLite's write lock past the busy timeout is waited for (the
// watcher retries the file), not taken for a refusal.
func TestBusySQLiteIsAnOutage(t *testing.T) {
	path := filepath.Join(t.TempDir(), "busy.db")
	open := func() *sql.DB {
		db, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(WAL)&_pragma=busy_timeout(0)&_txlock=immediate")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	holder, other := open(), open()
	if _, err := holder.Exec(`CREATE TABLE t (x INTEGER)`); err != nil {
		t.Fatal(err)
	}
	tx, err := holder.Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.Exec(`INSERT INTO t VALUES (1)`); err != nil {
		t.Fatal(err)
	}
	_, err = other.Exec(`INSERT INTO t VALUES (2)`)
	if err == nil {
		t.Fatal("a second writer got through the first one's lock")
	}
	if !store.Unavailable(err) {
		t.Errorf("Unavailable(%v) = false, want true", err)
	}
	if store.Unavailable(fmt.Errorf("insert: %w", errors.New("UNIQUE constraint failed"))) {
		t.Error("a constraint is an outage")
	}
	// The operator reads that the database is busy, not that it is gone.
	var log strings.Builder
	o := &store.Outage{Log: slog.New(slog.NewTextHandler(&log, nil))}
	o.Failed(fmt.Errorf("insert: %w", err))
	o.Failed(err)
	o.Succeeded()
	if got := log.String(); strings.Count(got, "database busy") != 1 || strings.Contains(got, "unreachable") || !strings.Contains(got, "database free again") {
		t.Errorf("log of a busy database:\n%s", got)
	}
	// A lost connection is still an outage, and said so.
	log.Reset()
	o.Failed(&net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED})
	o.Succeeded()
	if got := log.String(); !strings.Contains(got, "database unreachable") || !strings.Contains(got, "database reachable again") {
		t.Errorf("log of a lost database:\n%s", got)
	}
}
