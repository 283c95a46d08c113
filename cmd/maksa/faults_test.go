package main_test

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

	"maksa"
	"maksa/importer"
	"maksa/internal/test/testdb"
	"maksa/internal/test/testgen"
	"maksa/signing"
)

// needRoot skips a test that mounts file systems or changes users unless
// it runs as root; in CI (CI set) it fails instead.
func needRoot(t *testing.T, why string) {
	t.Helper()
	if os.Geteuid() == 0 {
		return
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("%s needs root in CI", why)
	}
	t.Skipf("SKIP: %s needs root", why)
}

// TestWatchFullOutbox answers a file while the outbox file system is full:
// the batch is stored once, the original waits in processing/, and when
// space returns the report is written and the original archived — the
// file is neither lost nor imported again.
func TestWatchFullOutbox(t *testing.T) {
	needRoot(t, "mounting a small tmpfs as the outbox")
	e := newEnv(t, testdb.Backends(t)[0])
	e.mustRun(0, "directory", "apply", repo("testdata/demo/directory.yaml"))
	outbox := filepath.Join(e.home, "outbox")
	os.MkdirAll(outbox, 0o755)
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=128k", "tmpfs", outbox).CombinedOutput(); err != nil {
		t.Fatalf("mount: %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", outbox).Run() })
	filler := filepath.Join(outbox, "filler")
	os.WriteFile(filler, make([]byte, 1<<20), 0o644) // fails part way: the disk is full
	w := e.startWatch("--quiet", "200ms", "--rescan", "300ms")
	e.drop("gramatvediba", "pay.xml", "xml", "rename", testgen.Spec{Count: 200, MessageID: "FULL", Date: nov27})
	waitFor(t, 20*time.Second, "the batch to be stored", func() bool {
		return testdb.Count(t, e.dsn, `SELECT COUNT(*) FROM batches`) == 1 && strings.Contains(w.stderr.String(), "no space left")
	})
	time.Sleep(time.Second) // several retries while the disk stays full
	if got := files(t, filepath.Join(e.home, "processing")); len(got) != 1 {
		t.Fatalf("while the outbox is full the original must wait in processing/, found %v", got)
	}
	if got := files(t, filepath.Join(e.home, "archive")); len(got) != 0 {
		t.Fatalf("archived before its report was written: %v", got)
	}
	os.Remove(filler)
	waitFor(t, 20*time.Second, "the report once space returned", func() bool {
		return len(files(t, filepath.Join(e.home, "archive"))) == 1
	})
	w.stop(t)
	checkExactlyOnce(t, e, map[string][]string{"gramatvediba": {"pay.xml"}})
}

// TestWatchUnreadableFile runs the watcher as an unprivileged user over a
// file it may not read: the file is reported in the log, left where it is
// and tried again, never archived or answered as if it were empty; once it
// is readable it is imported — and archived, although it belongs to another
// user, whose files the kernel does not let maksa hard-link.
func TestWatchUnreadableFile(t *testing.T) {
	needRoot(t, "running the watcher as another user")
	e := newEnv(t, testdb.Backends(t)[0])
	e.mustRun(0, "directory", "apply", repo("testdata/demo/directory.yaml"))
	e.drop("gramatvediba", "secret.xml", "xml", "rename", testgen.Spec{Count: 3, MessageID: "PERM", Date: nov27})
	inboxFile := filepath.Join(e.home, "inbox", "gramatvediba", "secret.xml")
	os.Chmod(inboxFile, 0o000)
	// The unprivileged watcher owns the data folder and the database, but
	// not the file.
	owned := []string{e.home}
	if db, ok := strings.CutPrefix(e.dsn, "sqlite:"); ok {
		owned = append(owned, filepath.Dir(db))
	}
	for _, top := range owned {
		for dir := top; strings.HasPrefix(dir, os.TempDir()) && dir != os.TempDir(); dir = filepath.Dir(dir) {
			os.Chmod(dir, 0o755)
		}
		filepath.Walk(top, func(p string, fi os.FileInfo, err error) error {
			if err == nil && p != inboxFile {
				os.Lchown(p, 65534, 65534)
			}
			return nil
		})
	}
	bin := filepath.Join(e.home, "maksa")
	data, _ := os.ReadFile(binary)
	os.WriteFile(bin, data, 0o755)
	w := &watcher{cmd: exec.Command(bin, "--home", e.home, "--db", e.dsn, "watch", "--quiet", "200ms", "--rescan", "300ms")}
	w.cmd.Env = append(os.Environ(), "MAKSA_NOW="+testNow)
	w.cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	w.cmd.Stderr = &w.stderr
	if err := w.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.kill)
	t.Cleanup(func() {
		if t.Failed() {
			t.Log(w.stderr.String())
		}
	})
	waitFor(t, 20*time.Second, "two attempts", func() bool {
		return strings.Count(w.stderr.String(), "permission denied") >= 2
	})
	if _, err := os.Stat(inboxFile); err != nil {
		t.Fatalf("the unreadable file left the inbox: %v", err)
	}
	if got := files(t, filepath.Join(e.home, "archive")); len(got) != 0 {
		t.Fatalf("an unreadable file was archived: %v", got)
	}
	os.Chmod(inboxFile, 0o644)
	waitFor(t, 20*time.Second, "the import once the file is readable", func() bool {
		return len(files(t, filepath.Join(e.home, "archive"))) == 1
	})
	w.stop(t)
	checkExactlyOnce(t, e, map[string][]string{"gramatvediba": {"secret.xml"}})
}

// TestWatchDatabaseOutage takes PostgreSQL away from a running watcher
// while files arrive and brings it back: every file is imported exactly
// once, and the log tells of the outage in two lines.
func TestWatchDatabaseOutage(t *testing.T) {
	proxy, dsn := testdb.NewProxy(t, testdb.Postgres(t))
	e := &env{t: t, home: t.TempDir(), dsn: dsn, now: testNow}
	e.mustRun(0, "directory", "apply", repo("testdata/demo/directory.yaml"))
	w := e.startWatch("--quiet", "200ms", "--rescan", "300ms", "--stale", "3s")
	dropped := map[string][]string{}
	drop := func(from, to int) {
		for i := from; i < to; i++ {
			name := fmt.Sprintf("f%02d.xml", i)
			e.drop("gramatvediba", name, "xml", "rename", testgen.Spec{Count: 5, MessageID: fmt.Sprintf("OUT%d", i), Date: nov27})
			dropped["gramatvediba"] = append(dropped["gramatvediba"], name)
		}
	}
	drop(0, 5)
	waitFor(t, 20*time.Second, "the first files", func() bool { return len(files(t, filepath.Join(e.home, "archive"))) == 5 })
	proxy.Down()
	drop(5, 10)
	time.Sleep(3 * time.Second) // the files wait; attempts fail
	if n := len(files(t, filepath.Join(e.home, "archive"))); n != 5 {
		t.Fatalf("%d files archived while the database was away", n)
	}
	proxy.Up()
	waitFor(t, 30*time.Second, "the files once the database is back", func() bool { return len(files(t, filepath.Join(e.home, "archive"))) == 10 })
	w.stop(t)
	checkExactlyOnce(t, e, dropped)
	log := w.stderr.String()
	if n := strings.Count(log, "database unreachable"); n != 1 {
		t.Errorf("%d 'database unreachable' lines, want 1:\n%s", n, log)
	}
	if n := strings.Count(log, "database reachable again"); n != 1 {
		t.Errorf("%d 'database reachable again' lines, want 1:\n%s", n, log)
	}
}

// TestImportWaitsForTheDatabase: "maksa import" started while PostgreSQL is
// unreachable waits for it (one log line when it goes, one when it is
// back) and then imports the file once.
func TestImportWaitsForTheDatabase(t *testing.T) {
	e, proxy := outageEnv(t)
	file := writePain001(t, testgen.Spec{Count: 5, MessageID: "LATE", Date: nov27})
	proxy.Down()
	e.waitsForTheDatabase(proxy, "import", "--user", "gramatvediba", "--patience", "1m", file)
	if n := testdb.Count(t, e.dsn, `SELECT COUNT(*) FROM batches`); n != 1 {
		t.Errorf("%d batches, want 1", n)
	}
}

// TestImportSurvivesALostCommit: the database commits an import but the
// answer to its COMMIT is lost; maksa import tries again, recognises the
// batch it stored, reports it (not DU01, which would invite a second
// sending of the file) and writes its pain.002 once.
func TestImportSurvivesALostCommit(t *testing.T) {
	e, proxy := outageEnv(t)
	file := writePain001(t, testgen.Spec{Count: 5, MessageID: "LOST", Date: nov27})
	proxy.CutAtCommit("INSERT INTO audit_events")
	var res []importer.Result
	e.runJSON(0, &res, "import", "--user", "gramatvediba", "--patience", "1m", file)
	if len(res) != 1 || res[0].Status != maksa.ACTC || res[0].Accepted != 5 || res[0].BatchID == 0 || len(res[0].Problems) != 0 ||
		len(res[0].Payments) != 5 || res[0].Payments[0].PaymentID == 0 || res[0].Report == "" || len(res[0].Warnings) != 1 {
		t.Fatalf("result %+v", res)
	}
	if n := testdb.Count(t, e.dsn, `SELECT COUNT(*) FROM batches`); n != 1 {
		t.Errorf("%d batches, want 1", n)
	}
	if got := files(t, filepath.Join(e.home, "outbox")); len(got) != 1 {
		t.Errorf("reports %v, want one pain.002", got)
	}
}

// TestBatchAndWatchWaitForTheDatabase: the nightly batch, and the watcher
// started as a service, wait for a database that does not answer yet
// (--patience) instead of failing at once.
func TestBatchAndWatchWaitForTheDatabase(t *testing.T) {
	e, proxy := outageEnv(t)
	proxy.Down()
	e.waitsForTheDatabase(proxy, "batch", "run", "--ahead", "--date", "2026-11-27", "--patience", "1m")
	e.drop("gramatvediba", "pay.xml", "xml", "rename", testgen.Spec{Count: 3, MessageID: "WAITED", Date: nov27})
	proxy.Down()
	e.waitsForTheDatabase(proxy, "watch", "--once", "--patience", "1m")
	if n := testdb.Count(t, e.dsn, `SELECT COUNT(*) FROM batches`); n != 1 {
		t.Errorf("%d batches, want the dropped file's", n)
	}
}

// TestSignWaitsForTheDatabase: maksa sign started while PostgreSQL is
// away waits for it (--patience), says so once, and signs every payment
// once it is back.
func TestSignWaitsForTheDatabase(t *testing.T) {
	e, proxy := outageEnv(t)
	e.mustRun(0, "import", "--user", "liga", writePain001(t, testgen.Spec{Count: 5, MessageID: "TOSIGN", Date: nov27, DebtorIBANs: []string{"LV11TREL9160200000002"}}))
	proxy.Down()
	e.waitsForTheDatabase(proxy, "sign", "--confirm-vop", "--user", "liga", "--key", repo("testdata/demo/keys/liga.key"), "--all", "--patience", "1m")
	if n := testdb.Count(t, e.dsn, `SELECT COUNT(*) FROM signatures WHERE user_id = 'liga'`); n != 5 {
		t.Errorf("%d signatures, want 5", n)
	}
}

// TestSignSetSurvivesALostCommit: a set signed in one transaction whose
// commit reached the database but whose answer was lost is not made again
// (nothing would be left to sign): the set stored is found, and the
// outcomes of the try that committed it are printed.
func TestSignSetSurvivesALostCommit(t *testing.T) {
	e, proxy := outageEnv(t)
	e.mustRun(0, "import", "--user", "liga", writePain001(t, testgen.Spec{Count: 5, MessageID: "SETLOST", Date: nov27, DebtorIBANs: []string{"LV11TREL9160200000002"}}))
	proxy.CutAtCommit("UPDATE signature_sets")
	var outcomes []signing.Outcome
	e.runJSON(0, &outcomes, "sign", "--confirm-vop", "--user", "liga", "--key", repo("testdata/demo/keys/liga.key"), "--all", "--set", "--patience", "1m")
	if len(outcomes) != 5 {
		t.Fatalf("%d outcomes, want 5: %+v", len(outcomes), outcomes)
	}
	for _, o := range outcomes {
		if !o.Signed {
			t.Errorf("not signed: %+v", o)
		}
	}
	if n := testdb.Count(t, e.dsn, `SELECT COUNT(*) FROM signature_sets`); n != 1 {
		t.Errorf("%d sets stored, want 1", n)
	}
	if n := testdb.Count(t, e.dsn, `SELECT COUNT(*) FROM signatures WHERE user_id = 'liga' AND set_id IS NOT NULL`); n != 5 {
		t.Errorf("%d signatures by the set, want 5", n)
	}
}

// outageEnv is the demo directory on PostgreSQL reached through a proxy
// that a test can cut.
func outageEnv(t *testing.T) (*env, *testdb.Proxy) {
	proxy, dsn := testdb.NewProxy(t, testdb.Postgres(t))
	e := &env{t: t, home: t.TempDir(), dsn: dsn, now: testNow}
	e.mustRun(0, "directory", "apply", repo("testdata/demo/directory.yaml"))
	return e, proxy
}

// writePain001 writes the generated file of spec and returns its path.
func writePain001(t *testing.T, spec testgen.Spec) string {
	var buf bytes.Buffer
	if err := spec.WritePain001(&buf); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), spec.MessageID+".xml")
	if err := os.WriteFile(file, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return file
}

// waitsForTheDatabase runs maksa with args while the proxy is down: it must
// still be waiting after 3 seconds, and once the proxy is up, succeed
// with one log line for the outage and one for its end.
func (e *env) waitsForTheDatabase(proxy *testdb.Proxy, args ...string) {
	t := e.t
	t.Helper()
	done := make(chan result, 1)
	go func() { done <- e.run(args...) }()
	time.Sleep(3 * time.Second)
	select {
	case r := <-done:
		t.Fatalf("maksa %s ended while the database was away: exit %d\n%s", args[0], r.code, r.stderr)
	default:
	}
	proxy.Up()
	r := <-done
	if r.code != 0 {
		t.Fatalf("exit %d once the database was back\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	for _, line := range []string{"database unreachable", "database reachable again"} {
		if n := strings.Count(r.stderr, line); n != 1 {
			t.Errorf("%d %q lines, want 1:\n%s", n, line, r.stderr)
		}
	}
}
