package soak_test

import (
	"context"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	_ "github.com/lib/pq"  // PostgreSQL driver
	_ "modernc.org/sqlite" // SQLite driver

	"maksa/internal/test/soak"
	"maksa/internal/test/testdb"
)

var cycles = flag.Int("soak.cycles", 6, "kill cycles per database (make soak: 100)")

// TestSoak runs the kill campaign on every database: short in "make test",
// long in "make soak".
func TestSoak(t *testing.T) {
	if testing.Short() {
		t.Skip("SKIP in -short mode: the kill campaign")
	}
	bin := build(t)
	for _, b := range testdb.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			rep, err := soak.Run(context.Background(), soak.Config{Binary: bin, Home: t.TempDir(), DSN: b.DSN(t), Cycles: *cycles, Seed: 1,
				Log: func(format string, args ...any) {
					if os.Getenv("SOAK_VERBOSE") != "" {
						t.Logf(format, args...)
					}
				}})
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%s: %d cycles, %d watched files, %d imported by hand, %d payments, %d kills, %d invariant checks, %d violations", b.Name, rep.Cycles, rep.Files, rep.CLIFiles, rep.Payments, rep.Kills, rep.Checks, len(rep.Violations))
			for _, v := range rep.Violations {
				t.Errorf("violation: %s", v)
			}
		})
	}
}

// build builds the maksa binary the campaigns run.
func build(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "maksa")
	if out, err := exec.Command("go", "build", "-o", bin, "../../../cmd/maksa").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	return bin
}
