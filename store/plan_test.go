package store

import (
	"context"
	"strings"
	"testing"

	"github.com/jmoiron/sqlx"

	"maksa/internal/test/testdb"
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
	if got := plan(t, db, q, args...); !strings.Contains(got, "INTEGER PRIMARY KEY") || strings.Contains(got, "INDEX") {
		t.Errorf("plan %q, want the payments looked up by id", got)
	}
}

// TestDayQueriesReadTheDay: what the nightly batch asks about one day's
// postings and payments is looked up per account or grant through an
// index, not read from every posting or payment ever stored (without
// statistics, SQLite scanned them).
func TestDayQueriesReadTheDay(t *testing.T) {
	db, err := Open(context.Background(), testdb.SQLite(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for q, index := range map[string]string{accountsWithPostingsSQL: "postings_account_date", executedTotalsSQL: "postings_account_date", limitUsageSQL: "payments_usage"} {
		if got := plan(t, db, q, "2026-11-27"); strings.Contains(got, "SCAN p") || strings.Contains(got, "SCAN e") || !strings.Contains(got, "INDEX "+index+" (") {
			t.Errorf("plan %q, want the day's rows looked up through %s", got, index)
		}
	}
}

// plan is SQLite's query plan of q, its steps joined by "; ".
func plan(t *testing.T, db *DB, q string, args ...any) string {
	t.Helper()
	rows, err := db.x.QueryContext(context.Background(), "EXPLAIN QUERY PLAN "+q, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var steps []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		steps = append(steps, detail)
	}
	return strings.Join(steps, "; ")
}

// TestWorkUsesPartialIndexes: the payments awaiting signatures, those
// awaiting execution and a day's executed ones are found through the
// partial indexes that hold only them (migration 00009), not by reading
// every payment ever stored.
func TestWorkUsesPartialIndexes(t *testing.T) {
	db, err := Open(context.Background(), testdb.SQLite(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, c := range []struct {
		query, index string
		args         []any
	}{
		{dueIDsSQL, "payments_due", []any{"2026-11-27"}},
		{pendingIDsSQL + ` ORDER BY batch_id, seq`, "payments_pending", nil},
		{pendingIDsSQL + ` AND debtor_iban = ? ORDER BY batch_id, seq`, "payments_pending", []any{"LV21TREL9160100000000"}},
		{expiredSQL, "payments_pending", []any{"2026-11-27"}},
		{`SELECT p.id FROM payments p WHERE ` + executedOnWhere, "payments_executed_on", []any{"2026-11-27"}},
	} {
		if got := plan(t, db, c.query, c.args...); !strings.Contains(got, "INDEX "+c.index+" (") {
			t.Errorf("%s: plan %q, want a lookup through %s", c.query, got, c.index)
		}
	}
}
