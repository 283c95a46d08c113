package main_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"maksa"
	"maksa/internal/test/testdb"
	"maksa/internal/test/testgen"
	"maksa/nightly"
)

// TestLongFileNames: a file whose name is as long as the file system
// allows (255 bytes) is imported by hand and by the watcher, signed and
// executed; its reports are named after the start of its name and a short
// hash, and nothing waits for a database that never went away.
func TestLongFileNames(t *testing.T) {
	for _, b := range testdb.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			e := newSigningEnv(t, b)
			long := strings.Repeat("B", 251) + ".xml"
			path := filepath.Join(e.dir, long)
			if err := os.WriteFile(path, writePain001Bytes(t, testgen.Spec{Count: 1, MessageID: "LONG", Date: date(2026, 11, 27), DebtorIBANs: []string{accountA}}), 0o644); err != nil {
				t.Fatal(err)
			}
			e.mustRun(0, "import", "--user", "prep", "--patience", "2s", path)
			e.mustRun(0, "sign", "--confirm-vop", "--user", "s1b", "--key", e.signers["s1b"].key, "--all")
			e.mustRun(0, "sign", "--confirm-vop", "--user", "s2", "--key", e.signers["s2"].key, "--all")
			e.mustRun(0, "batch", "run", "--ahead", "--date", batchDay, "--patience", "2s")
			base := maksa.ReportBase(long)
			if base == long || len(base)+len(".executed-2026-11-27.pain002.xml") > 255 {
				t.Fatalf("ReportBase(%d bytes) = %d bytes", len(long), len(base))
			}
			for _, report := range []string{base + ".pain002.xml", base + ".2.pain002.xml", base + ".executed-" + batchDay + ".pain002.xml"} {
				if _, err := os.Stat(filepath.Join(e.home, "outbox", "prep", report)); err != nil {
					t.Errorf("no report %s…: %v", report[:20], err)
				}
			}

			watched := strings.Repeat("W", 251) + ".xml"
			inbox := filepath.Join(e.home, "inbox", "prep")
			os.MkdirAll(inbox, 0o755)
			tmp := filepath.Join(e.home, "w.tmp")
			os.WriteFile(tmp, writePain001Bytes(t, testgen.Spec{Count: 2, MessageID: "LONG-W", Date: date(2026, 11, 27), DebtorIBANs: []string{accountA}}), 0o644)
			if err := os.Rename(tmp, filepath.Join(inbox, watched)); err != nil {
				t.Fatal(err)
			}
			e.mustRun(0, "watch", "--once", "--quiet", "200ms", "--patience", "2s")
			if _, err := os.Stat(filepath.Join(e.home, "outbox", "prep", maksa.ReportBase(watched)+".pain002.xml")); err != nil {
				t.Errorf("the watcher wrote no report: %v", err)
			}
			if left := files(t, filepath.Join(e.home, "processing")); len(left) != 0 {
				t.Errorf("left in processing: %d files", len(left))
			}
			archived := files(t, filepath.Join(e.home, "archive"))
			if len(archived) != 1 || filepath.Base(archived[0]) != watched {
				t.Errorf("archived %d files, want the original under its own name", len(archived))
			}
		})
	}
}

func writePain001Bytes(t *testing.T, spec testgen.Spec) []byte {
	var buf bytes.Buffer
	if err := spec.WritePain001(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestReportThatCannotBeWritten: an execution report the file system
// refuses (the user's outbox is no folder) is logged and named in the
// summary; the run, its statements and its clearing file go on.
func TestReportThatCannotBeWritten(t *testing.T) {
	e := newSigningEnv(t, testdb.Backends(t)[0])
	e.importPayments(t, "blocked.xml", date(2026, 11, 27), [2]string{accountA, "10.00"})
	e.mustRun(0, "sign", "--confirm-vop", "--user", "s1b", "--key", e.signers["s1b"].key, "--all")
	e.mustRun(0, "sign", "--confirm-vop", "--user", "s2", "--key", e.signers["s2"].key, "--all")
	outbox := filepath.Join(e.home, "outbox", "prep")
	os.RemoveAll(outbox)
	os.WriteFile(outbox, []byte("not a folder"), 0o644)
	var sum nightly.Summary
	e.runJSON(0, &sum, "batch", "run", "--ahead", "--date", batchDay, "--patience", "2s")
	if sum.Executed != 1 || len(sum.ReportErrors) != 1 || len(sum.Statements) != 1 || len(sum.Files) != 2 {
		t.Errorf("summary %+v: want the payment executed, its statement and clearing file written, one report error", sum)
	}
}
