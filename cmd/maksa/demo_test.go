package main_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"maksa"
	"maksa/internal/test/testclock"
	"maksa/internal/test/testdb"
)

// TestDemoOnAnyDay walks `make run` and the README tour — the demo
// directory, a file `dev gen` dates today, the watcher, two signatures (one
// with anna's X.509 certificate) and the nightly batch of the execution
// day — on the suite's today (MAKSA_TEST_TODAY moves it), in 2031 and on
// the last day of 2099: the demo must not expire.
func TestDemoOnAnyDay(t *testing.T) {
	for _, day := range []time.Time{testclock.Now(), time.Date(2031, 6, 1, 10, 0, 0, 0, testclock.Riga), time.Date(2099, 12, 31, 10, 0, 0, 0, testclock.Riga)} {
		t.Run(day.Format(maksa.DateLayout), func(t *testing.T) {
			e := newEnv(t, testdb.Backend{Name: "sqlite", DSN: testdb.SQLite})
			e.now = day.Format(time.RFC3339)
			e.mustRun(0, "directory", "apply", repo("testdata/demo/directory.yaml"))
			inbox := filepath.Join(e.home, "inbox", "gramatvediba")
			e.mustRun(0, "dev", "gen", "--count", "25", "--out", filepath.Join(inbox, "salaries.xml"))
			e.mustRun(0, "watch", "--once", "--quiet", "200ms")
			report, err := os.ReadFile(filepath.Join(e.home, "outbox", "gramatvediba", "salaries.xml.pain002.xml"))
			if err != nil || !strings.Contains(string(report), "<GrpSts>ACTC</GrpSts>") {
				t.Fatalf("the demo file was not accepted whole (err %v):\n%s", err, report)
			}

			var queue []struct {
				ExecutionDate string `json:"execution_date"`
			}
			e.runJSON(0, &queue, "queue", "--user", "anna")
			want := maksa.Day(day)
			if cal := (maksa.Calendar{}); !cal.WorkingDay(want) {
				want = cal.NextWorkingDay(want)
			}
			if len(queue) != 25 || queue[0].ExecutionDate != want.Format(maksa.DateLayout) {
				t.Fatalf("queue: %d payments, the first for %v; want 25 for %s", len(queue), queue, want.Format(maksa.DateLayout))
			}
			e.mustRun(0, "sign", "--confirm-vop", "--user", "anna", "--key", repo("testdata/demo/keys/anna.key"), "--all")
			e.mustRun(0, "sign", "--confirm-vop", "--user", "janis", "--key", repo("testdata/demo/keys/janis.key"), "--all")

			e.now = time.Date(want.Year(), want.Month(), want.Day(), 20, 0, 0, 0, testclock.Riga).Format(time.RFC3339)
			var run struct {
				Date     string `json:"date"`
				Executed int    `json:"executed"`
			}
			e.runJSON(0, &run, "batch", "run")
			if run.Date != want.Format(maksa.DateLayout) || run.Executed != 25 {
				t.Errorf("batch run: %+v, want 25 executed on %s", run, want.Format(maksa.DateLayout))
			}
		})
	}
}
