package main

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"maksa/internal/test/testclock"
)

// TestSmoke runs the whole campaign once on small files: every step, the
// references included, works on a fresh machine. It is not timed.
func TestSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("the bench smoke run builds maksa and runs every step")
	}
	t.Setenv("MAKSA_NOW", testclock.RFC3339())
	cfg := config{dir: t.TempDir(), sizes: []int{2000}, tabular: 500, watchFiles: 3, sign: 500, batch: 2000,
		postgres: os.Getenv("MAKSA_TEST_POSTGRES")}
	if cfg.postgres == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("MAKSA_TEST_POSTGRES is not set in CI: the PostgreSQL import step would be skipped")
		}
		t.Log("SKIP the PostgreSQL import step: MAKSA_TEST_POSTGRES is not set")
	}
	var log strings.Builder
	rows, err := run(cfg, &log)
	if err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	want := []string{"validate", "validate pain.001.001.09 of another program", "import into SQLite", "verification of payee, payees at treasury", "verification of payee, payees at other banks",
		"import CSV", "import XLSX", "watcher", "sign", "sign --all as one set", "nightly batch", "camt.053"}
	if cfg.postgres != "" {
		want = append(want, "import into PostgreSQL", "nightly batch run (PostgreSQL)")
	}
	var table strings.Builder
	printTable(&table, rows)
	for _, step := range want {
		if !strings.Contains(table.String(), "| "+step) {
			t.Errorf("no %q row in\n%s", step, table.String())
		}
	}
	for _, r := range rows {
		if r.count <= 0 || r.wall <= 0 {
			t.Errorf("row %+v measured nothing", r)
		}
	}
	// Each reference the machine has must be in the table; in CI each must be there.
	if !strings.Contains(table.String(), "the ledger's writes alone (floor)") {
		t.Errorf("the night is not compared with its floor:\n%s", table.String())
	}
	var bounds strings.Builder
	printBounds(&bounds, rows)
	if !strings.Contains(bounds.String(), "nightly batch run (SQLite), 2 k:") || !strings.Contains(bounds.String(), "cannot pass") ||
		!strings.Contains(bounds.String(), "Nor can it pass the ledger's writes alone (floor)") {
		t.Errorf("the night's CPU bound is not said:\n%s", bounds.String())
	}
	for tool, ref := range map[string]string{"xmllint": "xmllint --stream", "psql": "psql \\copy"} {
		if tool == "psql" && cfg.postgres == "" {
			continue
		}
		_, missing := exec.LookPath(tool)
		if missing != nil && os.Getenv("CI") != "" {
			t.Errorf("%s is not installed in CI: the %s reference would be skipped", tool, ref)
		}
		if missing == nil && !strings.Contains(table.String(), ref) {
			t.Errorf("%s is installed but no row compares with %s:\n%s", tool, ref, table.String())
		}
	}
	t.Logf("\n%s", table.String())
}
