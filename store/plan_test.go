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

// TestStatusUpdatesByIDOnPostgres: PostgreSQL too marks a chunk of
// payments signed or executed by their ids, whatever its statistics say
// of the statuses. Right after a large import they are those the import
// left (ANALYZE at its end: all awaiting signatures); after the signing,
// before autovacuum came by, they still say so. Planned from them, it
// read a partial status index — every payment of that status — for each
// chunk, ANDed with the ids: signing 200 k payments spent most of its time
// there, and the night of a million payments most of its.
func TestStatusUpdatesByIDOnPostgres(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, testdb.Postgres(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	_, err = db.x.ExecContext(ctx, `INSERT INTO batches (user_id, client_id, file_name, sha256, format, message_id, declared_txs, declared_ctrl_sum,
		transactions, control_sum, accepted, rejected, status, problems, created_at) VALUES ('u', 'c', 'f', 's', 'pain.001.001.03', 'm', '', '', 0, '0', 0, 0, 'ACTC', '[]', '2026-12-04T10:00:00Z')`)
	if err != nil {
		t.Fatal(err)
	}
	_, err = db.x.ExecContext(ctx, `INSERT INTO payments (batch_id, seq, user_id, pmt_inf_id, pmt_mtd, instr_id, end_to_end_id, uetr, debtor_iban, debtor_name,
		debtor_bic, creditor_account, creditor_is_iban, creditor_name, creditor_bic, creditor_country, amount, currency, execution_date, remittance,
		reference, purpose, category_purpose, priority, service_level, charge_bearer, ultimate_debtor, ultimate_creditor, position, status, reasons)
		SELECT (SELECT MIN(id) FROM batches), n, 'u', 'P', 'TRF', '', 'E' || n, '', 'LV21TREL9160100000000', 'D', '', 'LV97HABA0012345678910', 1, 'C', '', 'LV',
			'1.00', 'EUR', '2026-12-07', '', '', '', '', '', '', '', '', '', '{}', 'PDNG', '[]'
		FROM generate_series(1, 100000) AS n`)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.analyzeAfterImport(ctx, 100000); err != nil {
		t.Fatal(err)
	}
	ids := make([]int64, 1000)
	for i := range ids {
		ids[i] = int64(40000 + i)
	}
	explain := func(sql string, args ...any) string {
		q, qargs, err := sqlx.In(sql, args...)
		if err != nil {
			t.Fatal(err)
		}
		var steps []string
		if err := db.x.SelectContext(ctx, &steps, db.x.Rebind("EXPLAIN "+q), qargs...); err != nil {
			t.Fatal(err)
		}
		return strings.Join(steps, "\n")
	}
	byID := func(plan string) bool {
		return strings.Contains(plan, "payments_pkey") && !strings.Contains(plan, "payments_pending") && !strings.Contains(plan, "payments_due")
	}
	if got := explain(db.markSignedSQL(), ids); !byID(got) {
		t.Errorf("marking signed after the import: plan\n%s\nwant the payments looked up by id only", got)
	}
	// The set signed: every payment ACCP, the statistics not told.
	if _, err := db.x.ExecContext(ctx, `UPDATE payments SET status = 'ACCP'`); err != nil {
		t.Fatal(err)
	}
	if got := explain(db.markExecutedSQL(), "2026-12-07", ids); !byID(got) {
		t.Errorf("marking executed after the signing: plan\n%s\nwant the payments looked up by id only", got)
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

// TestExecutedOnInFileOrder: the payments executed on a day, of every
// batch or of one, are read in batch and file order from the index that
// holds them (migration 00020), not sorted afterwards: the night reads a
// million of them for the daily report and again for the execution
// reports.
func TestExecutedOnInFileOrder(t *testing.T) {
	db, err := Open(context.Background(), testdb.SQLite(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for q, args := range map[string][]any{
		`SELECT p.id FROM payments p WHERE ` + executedOnWhere + ` ORDER BY p.batch_id, p.seq`:                    {"2026-11-27"},
		`SELECT p.id FROM payments p WHERE ` + executedOnWhere + ` AND p.batch_id = ? ORDER BY p.batch_id, p.seq`: {"2026-11-27", 7},
	} {
		if got := plan(t, db, q, args...); !strings.Contains(got, "INDEX payments_executed_on (") || strings.Contains(got, "TEMP B-TREE") {
			t.Errorf("%s: plan %q, want the index read in order, nothing sorted", q, got)
		}
	}
}
