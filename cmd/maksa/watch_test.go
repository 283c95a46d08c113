package main_test

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"maksa/internal/test/testclock"
	"maksa/internal/test/testdb"
	"maksa/internal/test/testgen"
)

// watcher is a running "maksa watch" process.
type watcher struct {
	cmd    *exec.Cmd
	stderr bytes.Buffer
}

func (e *env) startWatch(args ...string) *watcher {
	e.t.Helper()
	w := &watcher{cmd: exec.Command(binary, append([]string{"--home", e.home, "--db", e.dsn, "watch"}, args...)...)}
	w.cmd.Env = append(os.Environ(), "MAKSA_NOW="+testNow)
	w.cmd.Stderr = &w.stderr
	if err := w.cmd.Start(); err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() {
		if w.cmd.ProcessState == nil {
			w.cmd.Process.Kill()
			w.cmd.Wait()
		}
	})
	return w
}

// stop sends SIGTERM and waits for a clean exit.
func (w *watcher) stop(t *testing.T) {
	t.Helper()
	w.cmd.Process.Signal(syscall.SIGTERM)
	if err := w.cmd.Wait(); err != nil {
		t.Errorf("maksa watch did not stop cleanly: %v\n%s", err, w.stderr.String())
	}
}

// kill sends SIGKILL: the process dies wherever it is.
func (w *watcher) kill() {
	w.cmd.Process.Kill()
	w.cmd.Wait()
}

// drop writes one generated file into the user's inbox. How: "rename"
// writes it elsewhere and renames it in, "slow" writes it in chunks with
// pauses, "direct" writes it in place.
func (e *env) drop(user, name, format, how string, spec testgen.Spec) {
	e.t.Helper()
	var buf bytes.Buffer
	var err error
	switch format {
	case "xml":
		err = spec.WritePain001(&buf)
	case "csv":
		err = spec.WriteCSV(&buf)
	case "xlsx":
		err = spec.WriteXLSX(&buf)
	}
	if err != nil {
		e.t.Fatal(err)
	}
	dir := filepath.Join(e.home, "inbox", user)
	os.MkdirAll(dir, 0o755)
	path := filepath.Join(dir, name)
	switch how {
	case "rename":
		tmp := filepath.Join(e.home, "drop-"+user+"-"+name)
		if err := os.WriteFile(tmp, buf.Bytes(), 0o644); err != nil {
			e.t.Fatal(err)
		}
		if err := os.Rename(tmp, path); err != nil {
			e.t.Fatal(err)
		}
	case "slow":
		f, err := os.Create(path)
		if err != nil {
			e.t.Fatal(err)
		}
		data := buf.Bytes()
		for i := 0; i < 3; i++ {
			f.Write(data[i*len(data)/3 : (i+1)*len(data)/3])
			f.Sync()
			time.Sleep(100 * time.Millisecond)
		}
		f.Close()
	default:
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			e.t.Fatal(err)
		}
	}
}

// files lists the files under dir (recursively), relative to it.
func files(t *testing.T, dir string) []string {
	var out []string
	filepath.Walk(dir, func(path string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			rel, _ := filepath.Rel(dir, path)
			out = append(out, rel)
		}
		return nil
	})
	sort.Strings(out)
	return out
}

// waitFor polls until cond holds or the timeout passes.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func countSuffix(names []string, suffix string) int {
	n := 0
	for _, name := range names {
		if strings.HasSuffix(name, suffix) {
			n++
		}
	}
	return n
}

var nov27 = time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)

// dropMany drops n files of mixed formats from three users, in every way a
// program writes files, and returns their names per user.
func dropMany(e *env, n int) map[string][]string {
	users := []string{"gramatvediba", "anna", "liga"}
	debtor := map[string]string{"gramatvediba": "LV21TREL9160100000000", "anna": "LV91TREL9160100000001", "liga": "LV11TREL9160200000002"}
	formats := []string{"xml", "csv", "xlsx"}
	hows := []string{"rename", "direct", "rename", "slow"}
	dropped := map[string][]string{}
	for i := 0; i < n; i++ {
		user, format, how := users[i%3], formats[i%len(formats)], hows[i%len(hows)]
		if how == "slow" && i%20 != 3 {
			how = "rename" // a few slow writers are enough
		}
		name := fmt.Sprintf("f%03d.%s", i, format)
		spec := testgen.Spec{Count: 3, MessageID: fmt.Sprintf("M%03d", i), Seed: uint64(i), Date: nov27, DebtorIBANs: []string{debtor[user]}, MaxAmount: 1000}
		e.drop(user, name, format, how, spec)
		dropped[user] = append(dropped[user], name)
	}
	return dropped
}

// checkExactlyOnce checks the end state: every dropped file has exactly
// one report and one archived original, and one batch; nothing is left in
// the inbox or the processing area.
func checkExactlyOnce(t *testing.T, e *env, dropped map[string][]string) {
	t.Helper()
	total := 0
	for user, names := range dropped {
		total += len(names)
		outbox := files(t, filepath.Join(e.home, "outbox", user))
		for _, name := range names {
			if !contains(outbox, name+".pain002.xml") {
				t.Errorf("%s/%s has no report", user, name)
			}
		}
		if got := countSuffix(outbox, ".pain002.xml"); got != len(names) {
			t.Errorf("%s: %d reports for %d files: %v", user, got, len(names), outbox)
		}
	}
	archived := files(t, filepath.Join(e.home, "archive"))
	if len(archived) != total {
		t.Errorf("%d originals archived, want %d", len(archived), total)
	}
	if left := files(t, filepath.Join(e.home, "inbox")); len(left) != 0 {
		t.Errorf("files left in the inbox: %v", left)
	}
	if left := files(t, filepath.Join(e.home, "processing")); len(left) != 0 {
		t.Errorf("files left in processing: %v", left)
	}
	if n := testdb.Count(t, e.dsn, `SELECT COUNT(*) FROM batches`); n != total {
		t.Errorf("%d batches, want %d", n, total)
	}
	if n := testdb.Count(t, e.dsn, `SELECT COUNT(*) FROM watch_claims WHERE state = 'done'`); n != total {
		t.Errorf("%d claims done, want %d", n, total)
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func TestWatchManyFiles(t *testing.T) {
	for _, b := range testdb.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			e := newEnv(t, b)
			e.mustRun(0, "directory", "apply", repo("testdata/demo/directory.yaml"))
			w := e.startWatch("--quiet", "300ms", "--rescan", "1s")
			dropped := dropMany(e, 200)
			waitFor(t, 90*time.Second, "200 reports", func() bool {
				return countSuffix(files(t, filepath.Join(e.home, "outbox")), ".pain002.xml") >= 200 &&
					len(files(t, filepath.Join(e.home, "archive"))) >= 200
			})
			w.stop(t)
			checkExactlyOnce(t, e, dropped)
			if n := strings.Count(w.stderr.String(), `msg="file done"`); n != 200 {
				t.Errorf("%d 'file done' log lines, want one per file", n)
			}
		})
	}
}

func TestWatchUnknownUserAndIgnoredFiles(t *testing.T) {
	e := newEnv(t, testdb.Backends(t)[0])
	e.mustRun(0, "directory", "apply", repo("testdata/demo/directory.yaml"))
	spec := testgen.Spec{Count: 2, MessageID: "U", Date: nov27}
	e.drop("stranger", "pay.xml", "xml", "rename", spec)
	e.drop("gramatvediba", ".hidden.xml", "xml", "direct", spec)
	e.drop("gramatvediba", "pay.xml.part", "xml", "direct", spec)
	os.Symlink(repo("testdata/pain001/good-3.xml"), filepath.Join(e.home, "inbox", "gramatvediba", "link.xml"))
	time.Sleep(400 * time.Millisecond)
	e.mustRun(0, "watch", "--once", "--quiet", "300ms")
	if got := files(t, filepath.Join(e.home, "rejected")); strings.Join(got, ",") != "gramatvediba/link.xml,stranger/pay.xml" {
		t.Errorf("rejected = %v", got)
	}
	if got := files(t, filepath.Join(e.home, "inbox")); strings.Join(got, ",") != "gramatvediba/.hidden.xml,gramatvediba/pay.xml.part" {
		t.Errorf("inbox = %v: ignored files must stay", got)
	}
	report, _ := os.ReadFile(filepath.Join(e.home, "outbox", "stranger", "pay.xml.pain002.xml"))
	if !bytes.Contains(report, []byte("<Cd>AG08</Cd>")) {
		t.Errorf("the unknown user's file was not answered with AG08:\n%s", report)
	}
}

// TestWatchCrash kills the watcher with SIGKILL while it imports a large
// file, starts it again, and checks that the end state is as if it had
// never died.
func TestWatchCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("SKIP in -short mode: imports 100,000 payments twice")
	}
	for _, b := range testdb.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			e := newEnv(t, b)
			e.mustRun(0, "directory", "apply", repo("testdata/import/directory.yaml"))
			w := e.startWatch("--quiet", "200ms")
			e.drop("acc", "big.xml", "xml", "rename", testgen.Spec{Count: 100000, MessageID: "BIG", Date: nov27, MaxAmount: 10})
			waitFor(t, 30*time.Second, "the import to start", func() bool {
				return len(files(t, filepath.Join(e.home, "processing"))) == 1
			})
			time.Sleep(300 * time.Millisecond)
			w.kill()
			if n := testdb.Count(t, e.dsn, `SELECT COUNT(*) FROM payments`); n != 0 && n != 100000 {
				t.Fatalf("after the kill %d payments are stored: a half-stored file", n)
			}
			e.mustRun(0, "watch", "--once", "--quiet", "200ms")
			checkExactlyOnce(t, e, map[string][]string{"acc": {"big.xml"}})
			if n := testdb.Count(t, e.dsn, `SELECT COUNT(*) FROM payments`); n != 100000 {
				t.Errorf("%d payments stored, want 100000", n)
			}
		})
	}
}

// TestWatchCrashAfterArchiving puts a finished file back into the state a
// kill leaves between archiving the original (a hard link) and removing it
// from processing/: the next run finishes it with one archived original,
// not a second copy under another name. The kill campaign found this.
func TestWatchCrashAfterArchiving(t *testing.T) {
	e := newEnv(t, testdb.Backends(t)[0])
	e.mustRun(0, "directory", "apply", repo("testdata/demo/directory.yaml"))
	e.drop("gramatvediba", "pay.xml", "xml", "rename", testgen.Spec{Count: 3, MessageID: "ARCH", Date: nov27})
	time.Sleep(300 * time.Millisecond)
	e.mustRun(0, "watch", "--once", "--quiet", "200ms")
	var processing, destination string
	testdb.Row(t, e.dsn, `SELECT processing, destination FROM watch_claims`, &processing, &destination)
	if err := os.Link(destination, processing); err != nil {
		t.Fatal(err)
	}
	testdb.Exec(t, e.dsn, `UPDATE watch_claims SET state = 'imported', heartbeat = '2000-01-01T00:00:00Z'`)
	e.mustRun(0, "watch", "--once", "--quiet", "200ms")
	checkExactlyOnce(t, e, map[string][]string{"gramatvediba": {"pay.xml"}})
}

// TestWatchTwoProcesses runs two watchers on one inbox and one PostgreSQL
// database: between them every file is processed exactly once.
func TestWatchTwoProcesses(t *testing.T) {
	var pg *testdb.Backend
	for _, b := range testdb.Backends(t) {
		if b.Name == "postgres" {
			pg = &b
		}
	}
	if pg == nil {
		t.Skip("SKIP: needs PostgreSQL (MAKSA_TEST_POSTGRES)")
	}
	e := newEnv(t, *pg)
	e.mustRun(0, "directory", "apply", repo("testdata/demo/directory.yaml"))
	w1 := e.startWatch("--quiet", "300ms", "--rescan", "1s", "--instance", "one")
	w2 := e.startWatch("--quiet", "300ms", "--rescan", "1s", "--instance", "two")
	dropped := dropMany(e, 200)
	waitFor(t, 90*time.Second, "200 reports", func() bool {
		return countSuffix(files(t, filepath.Join(e.home, "outbox")), ".pain002.xml") >= 200 &&
			len(files(t, filepath.Join(e.home, "archive"))) >= 200
	})
	time.Sleep(500 * time.Millisecond)
	w1.stop(t)
	w2.stop(t)
	checkExactlyOnce(t, e, dropped)
	one, two := strings.Count(w1.stderr.String(), `msg="file done"`), strings.Count(w2.stderr.String(), `msg="file done"`)
	if one+two != 200 {
		t.Errorf("the processes finished %d + %d files, want 200 in all", one, two)
	}
	t.Logf("instance one processed %d files, instance two %d", one, two)
}

// BenchmarkWatchLatency drops small files one at a time (renamed in) and
// measures the time from the drop to the pain.002 in the outbox.
func BenchmarkWatchLatency(b *testing.B) {
	e := &env{home: b.TempDir(), dsn: testdb.SQLite(b)}
	runIn := func(args ...string) {
		cmd := exec.Command(binary, append([]string{"--home", e.home, "--db", e.dsn}, args...)...)
		cmd.Env = append(os.Environ(), "MAKSA_NOW="+testclock.RFC3339())
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("%v: %v\n%s", args, err, out)
		}
	}
	runIn("directory", "apply", repo("testdata/demo/directory.yaml"))
	w := exec.Command(binary, "--home", e.home, "--db", e.dsn, "watch")
	w.Env = append(os.Environ(), "MAKSA_NOW="+testclock.RFC3339())
	if err := w.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() { w.Process.Signal(syscall.SIGTERM); w.Wait() }()
	os.MkdirAll(filepath.Join(e.home, "inbox", "gramatvediba"), 0o755)
	time.Sleep(300 * time.Millisecond)
	var latencies []time.Duration
	i := 0
	for b.Loop() {
		i++
		var buf bytes.Buffer
		testgen.Spec{Count: 5, MessageID: fmt.Sprintf("LAT%d", i), Seed: uint64(i), Date: testclock.Today()}.WritePain001(&buf)
		tmp := filepath.Join(e.home, fmt.Sprintf("lat%d.xml", i))
		os.WriteFile(tmp, buf.Bytes(), 0o644)
		start := time.Now()
		os.Rename(tmp, filepath.Join(e.home, "inbox", "gramatvediba", filepath.Base(tmp)))
		report := filepath.Join(e.home, "outbox", "gramatvediba", filepath.Base(tmp)+".pain002.xml")
		for {
			if _, err := os.Stat(report); err == nil {
				break
			}
			if time.Since(start) > 10*time.Second {
				b.Fatalf("no report for %s after 10s", tmp)
			}
			time.Sleep(5 * time.Millisecond)
		}
		latencies = append(latencies, time.Since(start))
	}
	sort.Slice(latencies, func(i, j int) bool { return latencies[i] < latencies[j] })
	b.ReportMetric(float64(latencies[len(latencies)/2].Milliseconds()), "median-ms")
	b.ReportMetric(float64(latencies[len(latencies)*99/100].Milliseconds()), "p99-ms")
}

// TestWatchHostileNames drops files the watcher must refuse: a hard link, a
// name with a newline, and a folder that only looks like a user's name in
// another Unicode normalisation; it imports a file whose name is full of
// shell characters like any other.
func TestWatchHostileNames(t *testing.T) {
	e := newEnv(t, testdb.Backends(t)[0])
	dir := filepath.Join(t.TempDir(), "directory")
	os.MkdirAll(dir, 0o755)
	doc := "clients: [{id: \"1\", name: K}]\naccounts: [{iban: LV21TREL9160100000000, client: \"1\", currency: EUR, signatures: 1}]\n" +
		"users:\n  - id: jānis\n    valid_until: 2030-01-01\n    grants: [{account: LV21TREL9160100000000, modes: [prepare], payment_limit: \"1000\", daily_limit: \"1000\"}]\n"
	os.WriteFile(filepath.Join(dir, "d.yaml"), []byte(doc), 0o600)
	e.mustRun(0, "directory", "apply", filepath.Join(dir, "d.yaml"))
	spec := testgen.Spec{Count: 1, MessageID: "H", Date: nov27}
	e.drop("jānis", "good.xml", "xml", "rename", spec)
	shell := "$(touch pwned);`touch pwned2`|..xml"
	e.drop("jānis", shell, "xml", "rename", testgen.Spec{Count: 1, MessageID: "H4", Date: nov27})
	e.drop("jānis", "bad\nname.xml", "xml", "rename", testgen.Spec{Count: 1, MessageID: "H2", Date: nov27})
	outside := filepath.Join(t.TempDir(), "outside.xml")
	os.WriteFile(outside, []byte("<x/>"), 0o600)
	os.Link(outside, filepath.Join(e.home, "inbox", "jānis", "linked.xml"))
	nfd := "ja\u0304nis" // the same name with a combining macron
	e.drop(nfd, "other.xml", "xml", "rename", testgen.Spec{Count: 1, MessageID: "H3", Date: nov27})
	time.Sleep(400 * time.Millisecond)
	e.mustRun(0, "watch", "--once", "--quiet", "300ms")
	// Shell characters are only characters: the file is imported under its
	// own name and nothing runs.
	if got := files(t, filepath.Join(e.home, "archive")); len(got) != 2 || !strings.HasSuffix(got[0], shell) || !strings.HasSuffix(got[1], "good.xml") {
		t.Errorf("archived %v, want good.xml and %q", got, shell)
	}
	if !contains(files(t, filepath.Join(e.home, "outbox", "jānis")), shell+".pain002.xml") {
		t.Errorf("no report for %q", shell)
	}
	for _, dir := range []string{e.home, filepath.Join(e.home, "inbox", "jānis"), "."} {
		if _, err := os.Stat(filepath.Join(dir, "pwned")); err == nil {
			t.Errorf("a command in a file name ran in %s", dir)
		}
	}
	rejected := strings.Join(files(t, filepath.Join(e.home, "rejected")), ",")
	for _, want := range []string{"jānis/bad\nname.xml", "jānis/linked.xml", nfd + "/other.xml"} {
		if !strings.Contains(rejected, want) {
			t.Errorf("%q was not refused: rejected %q", want, rejected)
		}
	}
	if data, _ := os.ReadFile(outside); string(data) != "<x/>" {
		t.Error("the linked file outside the inbox was changed")
	}
	if !contains(files(t, filepath.Join(e.home, "outbox", "jānis")), "bad_name.xml.pain002.xml") {
		t.Errorf("the refused file's report does not have a safe name: %v", files(t, filepath.Join(e.home, "outbox", "jānis")))
	}
}

// TestWatchTakesOverWithoutStopping: a watcher taking over the large file
// of a process that died keeps answering new files meanwhile: the
// takeover holds up neither its event loop nor its heartbeat.
func TestWatchTakesOverWithoutStopping(t *testing.T) {
	if testing.Short() {
		t.Skip("SKIP in -short mode: imports 100,000 payments")
	}
	e := newEnv(t, testdb.Backends(t)[0])
	e.mustRun(0, "directory", "apply", repo("testdata/demo/directory.yaml"))
	ghost := e.startWatch("--quiet", "200ms", "--instance", "ghost")
	e.drop("gramatvediba", "big.xml", "xml", "rename", testgen.Spec{Count: 100000, MessageID: "BIG", Date: nov27})
	waitFor(t, 30*time.Second, "the import to start", func() bool {
		return len(files(t, filepath.Join(e.home, "processing"))) == 1
	})
	ghost.kill()
	alive := e.startWatch("--quiet", "200ms", "--rescan", "500ms", "--stale", "2s", "--instance", "alive")
	waitFor(t, 3*time.Minute, "the takeover", func() bool {
		return strings.Contains(alive.stderr.String(), "finishing an interrupted file")
	})
	e.drop("gramatvediba", "small.xml", "xml", "rename", testgen.Spec{Count: 3, MessageID: "SMALL", Date: nov27})
	done := func(file string) int {
		return strings.Index(alive.stderr.String(), `msg="file done" maksa_now=`+testNow+` user=gramatvediba file=`+file)
	}
	waitFor(t, 5*time.Minute, "both files", func() bool { return done("big.xml") >= 0 && done("small.xml") >= 0 })
	if done("small.xml") > done("big.xml") {
		t.Errorf("the small file was answered only after the takeover of the large one:\n%s", alive.stderr.String())
	}
	alive.stop(t)
	checkExactlyOnce(t, e, map[string][]string{"gramatvediba": {"big.xml", "small.xml"}})
}

// TestWatchSaysWhatItIgnores: a link standing for a user's folder, a
// folder inside a user's folder and a file directly in the inbox are not
// read, and the watcher says so, once each.
func TestWatchSaysWhatItIgnores(t *testing.T) {
	e := newEnv(t, testdb.Backends(t)[0])
	e.mustRun(0, "directory", "apply", repo("testdata/demo/directory.yaml"))
	inbox := filepath.Join(e.home, "inbox")
	os.MkdirAll(filepath.Join(inbox, "gramatvediba", "sub"), 0o755)
	os.Symlink(filepath.Join(inbox, "gramatvediba"), filepath.Join(inbox, "anna"))
	os.WriteFile(filepath.Join(inbox, "loose.xml"), []byte("<x/>"), 0o644)
	r := e.mustRun(0, "watch", "--once", "--quiet", "100ms")
	for _, want := range []string{"a link in the inbox is not a user's folder", "a folder inside a user's inbox is not read", "a file directly in the inbox is not read"} {
		if n := strings.Count(r.stderr, want); n != 1 {
			t.Errorf("%q said %d times, want once:\n%s", want, n, r.stderr)
		}
	}
}
