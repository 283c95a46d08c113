package main_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"maksa/internal/test/testdb"
)

// TestProfiles: --cpuprofile and --memprofile write pprof files, --trace
// an execution trace.
func TestProfiles(t *testing.T) {
	e := newEnv(t, testdb.Backends(t)[0])
	cpu, mem, trace := filepath.Join(t.TempDir(), "cpu.pprof"), filepath.Join(t.TempDir(), "mem.pprof"), filepath.Join(t.TempDir(), "run.trace")
	e.mustRun(0, "--cpuprofile", cpu, "--memprofile", mem, "--trace", trace, "validate", repo("testdata/pain001/good-3.xml"))
	for _, path := range []string{cpu, mem} {
		data, err := os.ReadFile(path)
		if err != nil || !bytes.HasPrefix(data, []byte{0x1f, 0x8b}) {
			t.Errorf("%s is not a gzipped pprof profile (%d bytes, %v)", filepath.Base(path), len(data), err)
		}
	}
	if data, err := os.ReadFile(trace); err != nil || !bytes.HasPrefix(data, []byte("go 1.")) {
		t.Errorf("%s is not an execution trace (%.20q, %v)", filepath.Base(trace), data, err)
	}
}
