package store

import (
	"context"
	"strings"
	"testing"

	"github.com/jmoiron/sqlx"

	"maksa/internal/testdb"
)

// TestExecutedByID: marking a chunk of payments executed looks them up by
// id. With the status in its WHERE, SQLite chose the status index and read
// every executable payment for each chunk: quadratic in the day's size.
func TestExecutedByID(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, testdb.SQLite(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	q, args, err := sqlx.In(db.markExecutedSQL(), "2026-11-27", []int64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10})
	if err != nil {
		t.Fatal(err)
	}
	rows, err := db.x.QueryContext(ctx, "EXPLAIN QUERY PLAN "+q, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	if got := strings.Join(plan, "; "); !strings.Contains(got, "INTEGER PRIMARY KEY") || strings.Contains(got, "INDEX") {
		t.Errorf("plan %q, want the payments looked up by id", got)
	}
}
