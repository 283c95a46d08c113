package main_test

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"maksa/internal/test/testdb"
)

var updateGolden = flag.Bool("update", false, "rewrite the golden texts of the console's pages (testdata/console)")

// browserSession is one user's browser window with its own cookies.
type browserSession struct {
	t   *testing.T
	ctx context.Context
	e   *apiEnv
	art string // where screenshots go
}

// newBrowser starts headless Chromium (Debian's chromium package; .ci/run
// installs it) and returns a context for its first window.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	if _, err := exec.LookPath("chromium"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("the browser tests need chromium (.ci/run installs it): %v", err)
		}
		t.Skipf("SKIP: the web console's browser tests need chromium (apt-get install chromium): %v", err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.NoSandbox, chromedp.IgnoreCertErrors,
		chromedp.Flag("lang", "en-US"), chromedp.WindowSize(1280, 720))
	alloc, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	ctx, cancelCtx := chromedp.NewContext(alloc)
	t.Cleanup(cancelCtx)
	if err := chromedp.Do(ctx); err != nil { // starts the browser
		t.Fatalf("starting chromium: %v", err)
	}
	return ctx
}

// window opens a browser of its own (own profile, own cookies) for one
// user. (A second browser context in one Chromium would do, but chromedp
// loses track of its pages' documents after the first navigation.)
func (e *apiEnv) window(t *testing.T, art string) *browserSession {
	return &browserSession{t: t, ctx: newBrowser(t), e: e, art: art}
}

// do runs the steps, each within 30 seconds, and fails the test on an error.
func (b *browserSession) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
		defer cancel()
		html, _ := chromedp.Run(ctx, chromedp.Evaluate[string]("document.documentElement.outerHTML"))
		b.e.server.Process.Signal(syscall.SIGQUIT)
		time.Sleep(time.Second)
		b.t.Fatalf("%s: %v\n%s\nSERVER:\n%s", what, err, html, b.e.stderr.String())
	}
}

// until waits until the JavaScript expression is true.
func until(expression string) chromedp.Action[chromedp.Void] {
	poll := chromedp.Poll[bool](expression)
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := poll(ctx, t)
		return err
	})
}

// tabTo presses Tab until the element with the id has the focus, as a
// keyboard user would, and fails when 60 presses do not reach it.
func tabTo(id string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		for range 60 {
			focused, err := chromedp.Evaluate[string](`document.activeElement ? document.activeElement.id : ""`)(ctx, t)
			if err != nil || focused == id {
				return err
			}
			if _, err := chromedp.KeyEvent(kb.Tab)(ctx, t); err != nil {
				return err
			}
		}
		return fmt.Errorf("60 presses of Tab do not reach #%s", id)
	})
}

// text returns the visible text of the element.
func (b *browserSession) text(sel string) string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("the text of %s: %v", sel, err)
	}
	return s
}

// shoot saves screenshots of the page as artifacts, at 1280×720 and at a
// phone's 390×844, and fails the test if the page is wider than either
// screen (a layout that makes the reader scroll sideways) or has a control
// without a label.
func (b *browserSession) shoot(name string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	for _, screen := range []struct {
		suffix        string
		width, height int64
	}{{"", 1280, 720}, {".phone", 390, 844}} {
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(screen.width, screen.height)); err != nil {
			b.t.Fatalf("screen %dx%d: %v", screen.width, screen.height, err)
		}
		wide, err := chromedp.Run(ctx, chromedp.Evaluate[int64]("document.documentElement.scrollWidth"))
		if err != nil {
			b.t.Fatal(err)
		}
		if wide > screen.width {
			b.t.Errorf("the %s page is %d px wide on a %d px screen", name, wide, screen.width)
		}
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			b.t.Fatalf("screenshot %s: %v", name, err)
		}
		os.WriteFile(filepath.Join(b.art, name+screen.suffix+".png"), png, 0o644)
	}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 720)); err != nil {
		b.t.Fatal(err)
	}
	unlabelled, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](unlabelledControls))
	if err != nil {
		b.t.Fatal(err)
	}
	if len(unlabelled) > 0 {
		b.t.Errorf("the %s page has controls without a label: %v", name, unlabelled)
	}
}

// unlabelledControls lists the page's visible form controls that a screen
// reader could not name: no <label>, no aria-label, no text of their own.
const unlabelledControls = `[...document.querySelectorAll("input:not([type=hidden]), select, textarea, button")].filter((el) =>
	!(el.labels && el.labels.length) && !el.getAttribute("aria-label") && !el.textContent.trim()).map((el) => el.outerHTML)`

// keyFile writes the user's private key as the PKCS#8 PEM file a signer
// would pick in the browser.
func (e *apiEnv) keyFile(t *testing.T, user string) string {
	der, err := x509.MarshalPKCS8PrivateKey(e.keys[user])
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(e.dir, user+".key")
	os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600)
	return path
}

// login logs the user in with their key file, as a person would.
func (b *browserSession) login(user string) {
	b.t.Helper()
	b.do("log in as "+user,
		chromedp.Navigate(b.e.base+"/ui/login"),
		chromedp.WaitVisible(chromedp.CSS("#user")),
		chromedp.SendKeys(chromedp.CSS("#user"), user),
		chromedp.SetUploadFiles(chromedp.CSS("#keyfile"), []string{b.e.keyFile(b.t, user)}),
		chromedp.Click(chromedp.CSS(`#login button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("#logout")),
	)
}

var (
	clockTimes = regexp.MustCompile(`\d{2}:\d{2}:\d{2}`)
	processes  = regexp.MustCompile(`@[^ ]+:\d+ `)      // who ran the night: user@host:pid
	anchors    = regexp.MustCompile(`\d+:[0-9a-f]{64}`) // an audit anchor
	countdown  = regexp.MustCompile(`(Session ends in|Sesija beigsies pēc) \d+ s`)
)

// golden compares the page's visible text with testdata/console/name.txt
// (times of day written as hh:mm:ss, the night's process and the audit
// anchor in words), or rewrites it with -update.
func (b *browserSession) golden(name string) {
	b.t.Helper()
	got := b.text("body")
	got = countdown.ReplaceAllString(clockTimes.ReplaceAllString(got, "hh:mm:ss"), "$1 N s")
	got = anchors.ReplaceAllString(processes.ReplaceAllString(got, "@host:pid "), "ID:HASH")
	path := repo(filepath.Join("testdata", "console", name+".txt"))
	if *updateGolden {
		os.MkdirAll(filepath.Dir(path), 0o755)
		os.WriteFile(path, []byte(got), 0o644)
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		b.t.Fatalf("%v (go test -run TestConsoleInBrowser -update writes it)", err)
	}
	if got != string(want) {
		b.t.Errorf("the text of the %s page differs from %s:\n--- got\n%s\n--- want\n%s", name, path, got, want)
	}
}

// TestConsoleInBrowser drives the web console in a real headless Chromium:
// a preparer uploads a file and sees its answer; the first signer signs two
// payments of a two-signature account as one set with a key file in the
// browser and refuses the third; while the first signer watches a payment's
// page, the second signer signs and the page turns ACCP live; the preparer
// downloads a PDF statement. Screenshots of each page go to
// $MAKSA_TEST_ARTIFACTS (a temp folder when unset), and each page's text is
// checked against testdata/console.
func TestConsoleInBrowser(t *testing.T) {
	e := newAPIEnv(t, testdb.Backends(t)[0], "--operators", "prep")
	art := os.Getenv("MAKSA_TEST_ARTIFACTS")
	if art == "" {
		art = t.TempDir()
	}
	os.MkdirAll(art, 0o755)
	t.Logf("screenshots in %s", art)
	prep := e.window(t, art)

	prep.do("the login page", chromedp.Navigate(e.base+"/ui/login"), chromedp.WaitVisible(chromedp.CSS("#keyfile")))
	prep.shoot("login")
	prep.golden("login")
	prep.login("prep")

	file := filepath.Join(e.dir, "salaries.xml")
	os.WriteFile(file, payFile(t, "BROWSER-1", 3), 0o644)
	prep.do("upload a file",
		chromedp.Navigate(e.base+"/ui/files"),
		chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{file}),
		chromedp.Click(chromedp.CSS("#upload")),
		chromedp.WaitVisible(chromedp.CSS("#answer")),
	)
	prep.shoot("file")
	prep.golden("file")

	s1 := e.window(t, art)
	s1.login("s1")
	s1.do("the queue", chromedp.Navigate(e.base+"/ui/queue"), chromedp.WaitVisible(chromedp.CSS("#sign")))
	s1.shoot("queue")
	s1.golden("queue")
	s1.do("sign two payments as one set",
		chromedp.Click(chromedp.CSS(`input[name="ids"][value="1"]`)),
		chromedp.Click(chromedp.CSS(`input[name="ids"][value="2"]`)),
		chromedp.SetUploadFiles(chromedp.CSS("#signkey"), []string{e.keyFile(t, "s1")}),
		chromedp.Click(chromedp.CSS("#sign")),
		chromedp.WaitVisible(chromedp.CSS("#confirmlist")), // not verified payees: the signer must confirm
		chromedp.Click(chromedp.CSS("#confirmvop")),
		chromedp.Click(chromedp.CSS("#sign")),
		until(`document.getElementById("sign-result").textContent.includes("2")`),
	)
	if msg := s1.text("#sign-result"); !strings.Contains(msg, "Signed: 2. Refused: 0.") {
		t.Fatalf("after signing: %q (error %q)", msg, s1.text("#sign-error"))
	}
	s1.do("refuse the third",
		chromedp.Navigate(e.base+"/ui/queue"),
		chromedp.WaitVisible(chromedp.CSS(`input[name="ids"][value="3"]`)),
		chromedp.Click(chromedp.CSS(`input[name="ids"][value="3"]`)),
		chromedp.SendKeys(chromedp.CSS("#reason"), "wrong account"),
		chromedp.Click(chromedp.CSS("#refuse")),
		chromedp.WaitVisible(chromedp.CSS("p.empty")),
	)

	s1.do("watch payment 1", chromedp.Navigate(e.base+"/ui/payments/1"), chromedp.WaitVisible(chromedp.CSS("#status")))
	if st := s1.text("#status"); st != "PDNG" {
		t.Fatalf("payment 1 after one of two signatures: %s", st)
	}
	s2 := e.window(t, art)
	s2.login("s2")
	s2.do("sign level 2",
		chromedp.Navigate(e.base+"/ui/queue"),
		chromedp.WaitVisible(chromedp.CSS("#all")),
		chromedp.Click(chromedp.CSS("#all")),
		chromedp.Click(chromedp.CSS("#confirmvop")),
		chromedp.SetUploadFiles(chromedp.CSS("#signkey"), []string{e.keyFile(t, "s2")}),
		chromedp.Click(chromedp.CSS("#sign")),
		until(`document.getElementById("sign-result").textContent.includes("2")`),
	)
	s1.do("see payment 1 turn ACCP without reloading", chromedp.WaitVisible(chromedp.CSS("#status.status-ACCP")))
	s1.shoot("payment")
	s1.golden("payment")

	// The preparer downloads a PDF statement of the account.
	downloads := t.TempDir()
	if _, err := chromedp.CallBrowser(prep.ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
		Behavior: browser.SetDownloadBehaviorBehaviorAllowAndName, DownloadPath: downloads}); err != nil {
		t.Fatal(err)
	}
	prep.do("the statements page", chromedp.Navigate(e.base+"/ui/statements"), chromedp.WaitVisible(chromedp.CSS("#download")))
	prep.shoot("statements")
	prep.golden("statements")
	prep.do("download a PDF statement",
		chromedp.SetValue(chromedp.CSS("#st-from"), "2026-11-01"),
		chromedp.Click(chromedp.CSS("#download")),
	)
	var pdf []byte
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline) && !bytes.HasPrefix(pdf, []byte("%PDF")); time.Sleep(100 * time.Millisecond) {
		names, _ := filepath.Glob(filepath.Join(downloads, "*"))
		for _, n := range names {
			if data, err := os.ReadFile(n); err == nil && bytes.HasSuffix(bytes.TrimSpace(data), []byte("%%EOF")) {
				pdf = data
			}
		}
	}
	if !bytes.HasPrefix(pdf, []byte("%PDF")) {
		t.Errorf("no PDF statement was downloaded into %s", downloads)
	}
	prep.do("the payments search", chromedp.Navigate(e.base+"/ui/payments?status=RJCT"), chromedp.WaitVisible(chromedp.CSS("table")))
	prep.shoot("payments")
	prep.golden("payments")
	prep.do("the limits", chromedp.Navigate(e.base+"/ui/limits"), chromedp.WaitVisible(chromedp.CSS("table")))
	prep.shoot("limits")
	prep.golden("limits")
	e.mustRun(0, "batch", "run", "--ahead", "--date", "2026-11-27")
	prep.do("the operator's page", chromedp.Navigate(e.base+"/ui/operator"), chromedp.WaitVisible(chromedp.CSS("#verify")))
	prep.do("verify the audit chain", chromedp.Click(chromedp.CSS("#verify")), chromedp.WaitVisible(chromedp.CSS("#audit-result")))
	prep.shoot("operator")
	prep.golden("operator")
	prep.do("Latvian", chromedp.Click(chromedp.CSS(`a[hreflang="lv"]`)), chromedp.WaitVisible(chromedp.CSS(`a[hreflang="en"]`)))
	prep.golden("operator.lv")
}

// TestConsoleIdleLogout: a page left alone past the idle timeout (shortened
// to 3 s here) ends at the login page saying why, and the session is gone.
func TestConsoleIdleLogout(t *testing.T) {
	e := newAPIEnv(t, testdb.Backends(t)[0], "--idle", "3s")
	s1 := e.window(t, t.TempDir())
	s1.login("s1")
	s1.do("left alone", chromedp.WaitVisible(chromedp.CSS("p.notice")))
	if msg := s1.text("p.notice"); !strings.Contains(msg, "idle") {
		t.Errorf("the login page after the timeout says %q", msg)
	}
	s1.do("the queue again", chromedp.Navigate(e.base+"/ui/queue"), chromedp.WaitVisible(chromedp.CSS("#keyfile")))
}

// TestDemoConsole is what the README promises a new user: after `make run`
// (the demo directory, a generated file in the inbox, the watcher, and
// `maksa serve` with the Makefile's DEMO_SERVE flags), anna logs in to the
// console with her ECDSA key file and the mouse, janis with his Ed25519
// one and the keyboard alone; each signs the whole queue, and every
// payment is ACCP.
func TestDemoConsole(t *testing.T) {
	e := newEnv(t, testdb.Backend{Name: "sqlite", DSN: testdb.SQLite})
	makefile, err := os.ReadFile(repo("Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^DEMO_SERVE := (.+)$`).FindSubmatch(makefile)
	if m == nil {
		t.Fatal("the Makefile has no DEMO_SERVE line")
	}
	e.mustRun(0, "directory", "apply", repo("testdata/demo/directory.yaml"))
	e.mustRun(0, "dev", "gen", "--count", "5", "--out", filepath.Join(e.home, "inbox", "gramatvediba", "salaries.xml"))
	e.mustRun(0, "watch", "--once", "--quiet", "200ms")
	args := []string{"--home", e.home, "--db", e.dsn}
	for _, a := range strings.Fields(string(m[1])) {
		if strings.HasPrefix(a, "testdata/") {
			a = repo(a)
		}
		args = append(args, a)
	}
	_, _, base := e.serve(t, append(args, "--addr", "127.0.0.1:0")...)
	demo := &apiEnv{env: e, base: base}
	key := func(signer string) []string { return []string{repo("testdata/demo/keys/" + signer + ".key")} }
	signed := func(signer string, w *browserSession) { // read before the page reloads (the queue is then empty)
		if msg := w.text("#sign-result"); !strings.Contains(msg, "Signed: 5. Refused: 0.") {
			t.Fatalf("%s signed in the demo console: %q (error %q)", signer, msg, w.text("#sign-error"))
		}
	}
	// anna uses the mouse.
	anna := demo.window(t, t.TempDir())
	anna.do("anna logs in and signs",
		chromedp.Navigate(base+"/ui/"),
		chromedp.WaitVisible(chromedp.CSS("#user")),
		chromedp.SendKeys(chromedp.CSS("#user"), "anna"),
		chromedp.SetUploadFiles(chromedp.CSS("#keyfile"), key("anna")),
		chromedp.Click(chromedp.CSS("#login-go")),
		chromedp.WaitVisible(chromedp.CSS("#all")), // the queue is the first page
		chromedp.Click(chromedp.CSS("#all")),
		chromedp.Click(chromedp.CSS("#confirmvop")), // the demo asks no other bank: NOAP
		chromedp.SetUploadFiles(chromedp.CSS("#signkey"), key("anna")),
		chromedp.Click(chromedp.CSS("#sign")),
		until(`/\d/.test(document.getElementById("sign-result").textContent + document.getElementById("sign-error").textContent)`),
	)
	signed("anna", anna)
	// janis uses the keyboard alone (but for the file chooser, which is
	// the operating system's): the login field has the focus, Tab reaches
	// every control, Space ticks, Enter presses.
	janis := demo.window(t, t.TempDir())
	janis.do("janis logs in and signs with the keyboard",
		chromedp.Navigate(base+"/ui/"),
		chromedp.WaitVisible(chromedp.CSS("#user")),
		chromedp.KeyEvent("janis"),
		chromedp.SetUploadFiles(chromedp.CSS("#keyfile"), key("janis")),
		tabTo("login-go"), chromedp.KeyEvent(kb.Enter),
		chromedp.WaitVisible(chromedp.CSS("#all")),
		tabTo("all"), chromedp.KeyEvent(" "),
		chromedp.SetUploadFiles(chromedp.CSS("#signkey"), key("janis")),
		tabTo("confirmvop"), chromedp.KeyEvent(" "),
		tabTo("sign"), chromedp.KeyEvent(kb.Enter),
		until(`/\d/.test(document.getElementById("sign-result").textContent + document.getElementById("sign-error").textContent)`),
	)
	signed("janis", janis)
	var left []json.RawMessage
	e.runJSON(0, &left, "queue")
	if len(left) != 0 {
		t.Errorf("after both demo signers signed in the console, %d payments still wait", len(left))
	}
}
