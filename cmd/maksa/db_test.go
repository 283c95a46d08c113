package main_test

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"maksa/internal/test/testdb"
)

// TestDatabaseCopy moves an installation that has run — payments
// executed, others signed and waiting for their night, others unsigned —
// from SQLite into a new database of each kind, and goes on there: the
// audit chain and the ledger verify, the night verifies the signatures
// made before the move (they bind the installation id, which moved too),
// signing and importing go on with fresh ids, and a second copy into the
// same database is refused.
func TestDatabaseCopy(t *testing.T) {
	for _, b := range testdb.Backends(t) {
		t.Run("to "+b.Name, func(t *testing.T) {
			e := newEnv(t, testdb.Backend{Name: "sqlite", DSN: testdb.SQLite})
			e.mustRun(0, "directory", "apply", repo("testdata/demo/directory.yaml"))
			inbox := filepath.Join(e.home, "inbox", "gramatvediba")
			drop := func(e *env, name string, n int) {
				e.mustRun(0, "dev", "gen", "--count", fmt.Sprint(n), "--message-id", name, "--out", filepath.Join(inbox, name+".xml"))
				e.mustRun(0, "watch", "--once", "--quiet", "200ms")
			}
			sign := func(e *env, user string) {
				e.mustRun(0, "sign", "--confirm-vop", "--user", user, "--key", repo("testdata/demo/keys/"+user+".key"), "--all")
			}
			drop(e, "first", 10)
			sign(e, "anna")
			sign(e, "janis")
			var queue []struct {
				ExecutionDate string `json:"execution_date"`
			}
			drop(e, "second", 5)
			e.runJSON(0, &queue, "queue", "--user", "anna")
			day := queue[0].ExecutionDate
			e.mustRun(0, "batch", "run", "--ahead", "--date", day) // the first file's ten
			sign(e, "anna")
			sign(e, "janis")    // the second file's five: signed here, executed there
			drop(e, "third", 3) // awaits signatures

			target := b.DSN(t)
			r := e.mustRun(0, "db", "copy", "--to", target)
			for _, s := range []string{"payments", "signatures", "postings", "audit_events", "its audit chain verifies"} {
				if !strings.Contains(r.stdout, s) {
					t.Errorf("db copy does not tell %q:\n%s", s, r.stdout)
				}
			}
			if r := e.run("db", "copy", "--to", target); r.code != 2 || !strings.Contains(r.stderr, "not empty") {
				t.Errorf("a second copy into the same database: exit %d, %s", r.code, r.stderr)
			}

			moved := &env{t: t, home: e.home, dsn: target, now: e.now}
			moved.mustRun(0, "audit", "verify")
			moved.mustRun(0, "ledger", "verify")
			var all []map[string]any
			moved.runJSON(0, &all, "payments")
			if len(all) != 18 {
				t.Errorf("%d payments in the copy, want 18", len(all))
			}
			sign(moved, "anna")
			sign(moved, "janis") // the third file's three, signed in the copy
			drop(moved, "fourth", 2)
			var run struct {
				Executed int `json:"executed"`
				Refused  int `json:"refused"`
			}
			moved.runJSON(0, &run, "batch", "run", "--ahead", "--date", day)
			if run.Executed != 8 || run.Refused != 0 {
				t.Errorf("the night in the copy: %+v, want the 5 signed before the move and the 3 signed after executed, none refused", run)
			}
			moved.mustRun(0, "audit", "verify")
			moved.mustRun(0, "ledger", "verify")
		})
	}
}
