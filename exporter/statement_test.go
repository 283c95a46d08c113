package exporter_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"maksa/exporter"
	"maksa/internal/test/fixture"
	"maksa/internal/test/testdb"
	"maksa/internal/test/xsdcheck"
	"maksa/nightly"
)

// TestStatementInParts: a statement whose entries are written in parts
// side by side is, byte for byte, the statement written in one part, in
// both camt.053 versions, to a file (the parts copied in by the kernel) or
// to any writer; its header counts every entry.
func TestStatementInParts(t *testing.T) {
	ctx := context.Background()
	for _, b := range testdb.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			f := fixture.New(t, b.DSN, 2500)
			f.SignAll(t)
			ex := &exporter.Exporter{Store: f.Store, Location: fixture.Riga, Clearing: "LV94TREL0000000000001"}
			run := &nightly.Runner{Store: f.Store, Signing: f.Signing, Home: t.TempDir(), Owner: "test", Now: fixture.Evening, Exporter: ex}
			if _, err := run.Run(ctx, fixture.Day); err != nil {
				t.Fatal(err)
			}
			created := time.Date(2026, 11, 27, 23, 59, 59, 0, fixture.Riga)
			write := func(version int, toFile bool) (string, []byte) {
				t.Helper()
				ex.CamtVersion = version
				if !toFile {
					var out bytes.Buffer
					if err := ex.Statement(ctx, &out, fixture.Account, fixture.Day, fixture.Day, created); err != nil {
						t.Fatal(err)
					}
					return "", out.Bytes()
				}
				path := filepath.Join(t.TempDir(), "statement.xml")
				if err := exporter.WriteFile(path, func(w io.Writer) error {
					return ex.Statement(ctx, w, fixture.Account, fixture.Day, fixture.Day, created)
				}); err != nil {
					t.Fatal(err)
				}
				out, err := os.ReadFile(path)
				if err != nil {
					t.Fatal(err)
				}
				if left, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".*")); len(left) > 0 {
					t.Errorf("temporary files left: %v", left)
				}
				return path, out
			}
			for _, version := range []int{2, 8} {
				_, whole := write(version, false)
				if !bytes.Contains(whole, []byte("<NbOfNtries>2500</NbOfNtries>")) || bytes.Count(whole, []byte("<Ntry>")) != 2500 {
					t.Fatalf("camt.053.001.%02d: not a statement of 2500 entries", version)
				}
				restore := exporter.SplitStatements(3, 100)
				for _, toFile := range []bool{false, true} {
					path, got := write(version, toFile)
					if !bytes.Equal(got, whole) {
						t.Errorf("camt.053.001.%02d in 3 parts (to a file: %v) differs from the statement in one", version, toFile)
					}
					if toFile {
						xsdcheck.Validate(t, path, fmt.Sprintf("camt.053.001.%02d.xsd", version))
					}
				}
				restore()
			}
		})
	}
}

// TestStatementPartsHaveNoName checks that a statement's parts have no
// name in their folder while they are written and read back: a crash in
// the middle of a statement leaves no part behind.
func TestStatementPartsHaveNoName(t *testing.T) {
	dir := t.TempDir()
	f, err := exporter.UnnamedFile(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString("<Ntry/>"); err != nil {
		t.Fatal(err)
	}
	if left, _ := os.ReadDir(dir); len(left) > 0 {
		t.Errorf("a part has a name: %v", left[0].Name())
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	if back, err := io.ReadAll(f); err != nil || string(back) != "<Ntry/>" {
		t.Errorf("read back %q, %v", back, err)
	}
}

// TestWriteFileRemovesLeftTemporaries leaves temporaries of a file behind,
// as a crash in the middle of writing it would, and writes it again: the
// hour-old ones go, a fresh one (a write under way) and other files stay.
func TestWriteFileRemovesLeftTemporaries(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "2026-11-27.camt053.xml")
	old := time.Now().Add(-2 * time.Hour)
	files := map[string]bool{ // name: expected to stay
		".2026-11-27.camt053.xml-123456.tmp": false,
		".2026-11-27.camt053.xml-987654.tmp": true, // fresh
		".2026-11-28.camt053.xml-123456.tmp": true, // another file's
		".2026-11-27.camt053.xml-notes.tmp":  true, // not WriteFile's
		"2026-11-27.camt053.xml-123456.tmp":  true, // not hidden
		"123456.tmp":                         true, // not named for the file
	}
	for name := range files {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte("half"), 0o600); err != nil {
			t.Fatal(err)
		}
		if name != ".2026-11-27.camt053.xml-987654.tmp" {
			if err := os.Chtimes(p, old, old); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := exporter.WriteFile(path, func(w io.Writer) error { _, err := io.WriteString(w, "whole"); return err }); err != nil {
		t.Fatal(err)
	}
	for name, stays := range files {
		_, err := os.Stat(filepath.Join(dir, name))
		if gone := os.IsNotExist(err); gone == stays {
			t.Errorf("%s: gone %v, want staying %v", name, gone, stays)
		}
	}
	if got, _ := os.ReadFile(path); string(got) != "whole" {
		t.Errorf("wrote %q", got)
	}
}
