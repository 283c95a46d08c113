package store

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
)

// TestCopiedTablesAreAll: CopyTo copies every table of the schema but the
// ones it leaves out on purpose, so that a new table cannot be forgotten.
func TestCopiedTablesAreAll(t *testing.T) {
	db, err := Open(context.Background(), "sqlite:"+filepath.Join(t.TempDir(), "m.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var tables []string
	if err := db.x.Select(&tables, `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`); err != nil {
		t.Fatal(err)
	}
	left := []string{"api_sessions", "goose_db_version", "locks"} // session tokens, migrations, leases of running processes
	for _, table := range tables {
		if !slices.Contains(copiedTables, table) && !slices.Contains(left, table) {
			t.Errorf("table %s is neither copied by CopyTo nor left out on purpose", table)
		}
	}
	for _, table := range copiedTables {
		if !slices.Contains(tables, table) {
			t.Errorf("CopyTo copies %s, which the schema lacks", table)
		}
	}
}
