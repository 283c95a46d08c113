package soak_test

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"maksa/internal/test/testdb"
	"maksa/internal/test/testgen"
)

// TestManyWriters runs three watchers on one database and one inbox while
// 20 users drop 1,000 one-payment files in bursts. Every file must be
// imported exactly once, and each user's daily limit must hold exactly
// although the user's files race for it in three processes: with a limit of
// ten payments, exactly ten pass.
func TestManyWriters(t *testing.T) {
	if testing.Short() {
		t.Skip("SKIP in -short mode: three watchers, 1,000 files")
	}
	const users, perUser, watchers = 20, 50, 3
	bin := build(t)
	for _, b := range testdb.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			home, dsn := t.TempDir(), b.DSN(t)
			maksa := func(args ...string) *exec.Cmd {
				cmd := exec.Command(bin, append([]string{"--home", home, "--db", dsn}, args...)...)
				cmd.Env = append(os.Environ(), "MAKSA_NOW=2026-11-25T10:00:00+02:00")
				return cmd
			}
			var dir strings.Builder
			dir.WriteString("clients: [{id: \"1\", name: K}]\naccounts:\n")
			for u := range users {
				fmt.Fprintf(&dir, "  - {iban: %s, client: \"1\", currency: EUR, balance: \"1000000.00\", signatures: 1}\n", account(u))
			}
			dir.WriteString("users:\n")
			for u := range users {
				fmt.Fprintf(&dir, "  - {id: u%02d, valid_until: 2030-01-01, grants: [{account: %s, modes: [prepare, view_all], payment_limit: \"1000.00\", daily_limit: \"1000.00\"}]}\n", u, account(u))
			}
			os.WriteFile(filepath.Join(home, "directory.yaml"), []byte(dir.String()), 0o644)
			if out, err := maksa("directory", "apply", filepath.Join(home, "directory.yaml")).CombinedOutput(); err != nil {
				t.Fatalf("directory apply: %v\n%s", err, out)
			}
			var procs []*exec.Cmd
			var logs []*bytes.Buffer
			for w := range watchers {
				cmd := maksa("watch", "--quiet", "100ms", "--instance", fmt.Sprintf("w%d", w))
				var log bytes.Buffer
				cmd.Stdout, cmd.Stderr = &log, &log
				if err := cmd.Start(); err != nil {
					t.Fatal(err)
				}
				procs, logs = append(procs, cmd), append(logs, &log)
			}
			defer func() {
				for _, p := range procs {
					p.Process.Signal(syscall.SIGINT)
					p.Wait()
				}
			}()
			// Bursts: every user drops ten files at once, five times.
			for burst := range perUser / 10 {
				for u := range users {
					inbox := filepath.Join(home, "inbox", fmt.Sprintf("u%02d", u))
					os.MkdirAll(inbox, 0o755)
					for i := range 10 {
						f := burst*10 + i
						spec := testgen.Spec{Count: 1, MessageID: fmt.Sprintf("U%02d-F%02d", u, f), Seed: uint64(u*100 + f), DebtorIBANs: []string{account(u)},
							Date: time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC), Amount: 10000}
						var buf bytes.Buffer
						if err := spec.WritePain001(&buf); err != nil {
							t.Fatal(err)
						}
						tmp := filepath.Join(home, "tmp.xml")
						os.WriteFile(tmp, buf.Bytes(), 0o644)
						os.Rename(tmp, filepath.Join(inbox, fmt.Sprintf("f%02d.xml", f)))
					}
				}
				time.Sleep(100 * time.Millisecond)
			}
			deadline := time.Now().Add(5 * time.Minute)
			for testdb.Count(t, dsn, `SELECT COUNT(*) FROM watch_claims WHERE state = 'done'`) < users*perUser {
				if time.Now().After(deadline) {
					for _, l := range logs {
						t.Log(l.String())
					}
					t.Fatalf("after 5 minutes %d of %d files were done", testdb.Count(t, dsn, `SELECT COUNT(*) FROM watch_claims WHERE state = 'done'`), users*perUser)
				}
				time.Sleep(200 * time.Millisecond)
			}
			if n := testdb.Count(t, dsn, `SELECT COUNT(*) FROM batches`); n != users*perUser {
				t.Errorf("%d batches for %d files", n, users*perUser)
			}
			if n := testdb.Count(t, dsn, `SELECT COUNT(*) FROM (SELECT user_id, file_name FROM batches GROUP BY user_id, file_name HAVING COUNT(*) > 1) twice`); n != 0 {
				t.Errorf("%d files imported more than once", n)
			}
			for u := range users {
				if n := testdb.Count(t, dsn, `SELECT COUNT(*) FROM payments WHERE status <> 'RJCT' AND debtor_iban = ?`, account(u)); n != 10 {
					t.Errorf("u%02d: %d payments of EUR 100.00 passed a daily limit of EUR 1000.00, want exactly 10", u, n)
				}
			}
			archived, _ := filepath.Glob(filepath.Join(home, "archive", "*", "*", "*"))
			if len(archived) != users*perUser {
				t.Errorf("%d archived originals for %d files", len(archived), users*perUser)
			}
			t.Logf("%s: %d files by %d watchers, claims per watcher: %d/%d/%d", b.Name, users*perUser, watchers,
				testdb.Count(t, dsn, `SELECT COUNT(*) FROM watch_claims WHERE owner LIKE '%w0%'`),
				testdb.Count(t, dsn, `SELECT COUNT(*) FROM watch_claims WHERE owner LIKE '%w1%'`),
				testdb.Count(t, dsn, `SELECT COUNT(*) FROM watch_claims WHERE owner LIKE '%w2%'`))
		})
	}
}

func account(u int) string { return testgen.IBAN("TREL", int64(9160100000000+u)) }
