package store_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"maksa/store"
)

// pageSize reads the page size and journal mode of the SQLite database at
// path.
func pageSize(t *testing.T, path string) (int, string) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var size int
	var mode string
	if err := db.QueryRow("PRAGMA page_size").Scan(&size); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil {
		t.Fatal(err)
	}
	return size, mode
}

// TestNewSQLiteDatabasePageSize: a database maksa creates has PageSize
// pages and WAL mode; one made before with 4 KB pages keeps them, and
// opens and migrates as before.
func TestNewSQLiteDatabasePageSize(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "maksa.db")
	db, err := store.Open(ctx, "sqlite:"+path)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	if size, mode := pageSize(t, path); size != store.PageSize || mode != "wal" {
		t.Errorf("a new database: page size %d, journal mode %s; want %d, wal", size, mode, store.PageSize)
	}

	old := filepath.Join(t.TempDir(), "maksa.db")
	made, err := sql.Open("sqlite", "file:"+old+"?_pragma=journal_mode(WAL)")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := made.Exec("CREATE TABLE before_maksa (x)"); err != nil {
		t.Fatal(err)
	}
	made.Close()
	db, err = store.Open(ctx, "sqlite:"+old)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Directory(ctx); err != nil {
		t.Errorf("a 4 KB database after Open: %v", err)
	}
	db.Close()
	if size, _ := pageSize(t, old); size != 4096 {
		t.Errorf("a database made before: page size %d, want it kept at 4096", size)
	}
}
