package main_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"maksa/internal/test/testdb"
)

// binary is the maksa binary built once for the end-to-end tests.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "maksa-e2e-")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "maksa")
	out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput()
	if err != nil {
		os.Stderr.Write(out)
		panic(err)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// testNow is the business clock of the end-to-end tests.
const testNow = "2026-11-25T10:00:00+02:00"

// testTime is testNow as a time: certificates and other dates the tests
// make are relative to it, never to the wall clock.
var testTime, _ = time.Parse(time.RFC3339, testNow)

// env is one maksa installation under test: a home folder and a database.
type env struct {
	t    *testing.T
	home string
	dsn  string
	now  string // the business clock, MAKSA_NOW: testNow unless a test moves it
}

func newEnv(t *testing.T, b testdb.Backend) *env {
	t.Helper()
	return &env{t: t, home: t.TempDir(), dsn: b.DSN(t), now: testNow}
}

// result is what one run of the binary did.
type result struct {
	stdout, stderr string
	code           int
}

// run runs maksa with args in the env and returns its output and exit code.
func (e *env) run(args ...string) result {
	e.t.Helper()
	cmd := exec.Command(binary, append([]string{"--home", e.home, "--db", e.dsn}, args...)...)
	cmd.Env = append(os.Environ(), "MAKSA_NOW="+e.now)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	code := 0
	switch {
	case errors.As(err, &exit):
		code = exit.ExitCode()
	case err != nil:
		e.t.Fatalf("maksa %v: %v", args, err)
	}
	return result{stdout.String(), stderr.String(), code}
}

// mustRun runs maksa and fails the test unless it exits with want.
func (e *env) mustRun(want int, args ...string) result {
	e.t.Helper()
	r := e.run(args...)
	if r.code != want {
		e.t.Fatalf("maksa %v: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", args, r.code, want, r.stdout, r.stderr)
	}
	return r
}

// runJSON runs maksa --json and decodes its output into v.
func (e *env) runJSON(want int, v any, args ...string) {
	e.t.Helper()
	r := e.mustRun(want, append([]string{"--json"}, args...)...)
	if err := json.Unmarshal([]byte(r.stdout), v); err != nil {
		e.t.Fatalf("maksa %v: output is not JSON: %v\n%s", args, err, r.stdout)
	}
}

// repo returns a path inside the repository.
func repo(path string) string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", path)
}

// runAt runs maksa with the business clock at now and returns its stdout.
func runAt(t *testing.T, now string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = append(os.Environ(), "MAKSA_NOW="+now)
	out, _ := cmd.Output()
	return out
}

func jsonUnmarshal(data []byte, v any) error { return json.Unmarshal(data, v) }
