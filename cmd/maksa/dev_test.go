package main_test

import (
	"path/filepath"
	"testing"

	"maksa"
	"maksa/importer"
	"maksa/internal/test/testdb"
)

// TestGenerator: "maksa dev gen" writes a file of every format with the
// share of defective payments asked for, one reason code each in turn,
// and a directory it imports under.
func TestGenerator(t *testing.T) {
	e := newEnv(t, testdb.Backends(t)[0])
	dir := t.TempDir()
	e.mustRun(2, "dev", "gen", "--invalid", "1.5", "--out", filepath.Join(dir, "bad.xml"))
	directory := filepath.Join(dir, "directory.yaml")
	for _, tt := range []struct{ format, file string }{{"pain001", "gen.xml"}, {"csv", "gen.csv"}, {"xlsx", "gen.xlsx"}} {
		file := filepath.Join(dir, tt.file)
		args := []string{"dev", "gen", "--format", tt.format, "--count", "60", "--invalid", "0.1", "--date", "2026-11-27",
			"--message-id", "GEN-" + tt.format, "--debtor", "LV21TREL9160100000000,LV91TREL9160100000001", "--per-info", "20",
			"--directory", directory, "--user", "generated", "--out", file}
		if tt.format == "pain001" {
			args = append(args, "--version", "10")
		}
		e.mustRun(0, args...)
		e.mustRun(0, "directory", "apply", directory)
		var res []struct {
			Format   string          `json:"format"`
			Accepted int             `json:"accepted"`
			Rejected int             `json:"rejected"`
			Problems []maksa.Problem `json:"problems"`
		}
		e.runJSON(1, &res, "import", "--user", "generated", file)
		codes := map[maksa.Reason]int{}
		for _, p := range res[0].Problems {
			codes[p.Code]++
		}
		if res[0].Accepted != 54 || res[0].Rejected != 6 || len(codes) != 6 {
			t.Errorf("%s: %d accepted, %d rejected, codes %v; want 54, 6 and one each of AC03 AM01 AM12 RC01 RR03 RR10", tt.format, res[0].Accepted, res[0].Rejected, codes)
		}
		if tt.format == "pain001" && res[0].Format != "pain.001.001.10" {
			t.Errorf("format %s, want pain.001.001.10", res[0].Format)
		}
	}
}

// TestGeneratorFilesDiffer: two files generated under one fixed business
// clock are two files — their own message ids and payments — not a DU01
// and an AM05.
func TestGeneratorFilesDiffer(t *testing.T) {
	e := newEnv(t, testdb.Backends(t)[0])
	e.mustRun(0, "directory", "apply", repo("testdata/demo/directory.yaml"))
	dir := t.TempDir()
	for _, name := range []string{"a.xml", "b.xml"} {
		e.mustRun(0, "dev", "gen", "--count", "5", "--date", "2026-11-27", "--out", filepath.Join(dir, name))
		var res []importer.Result
		e.runJSON(0, &res, "import", "--user", "gramatvediba", filepath.Join(dir, name))
		if res[0].Accepted != 5 || len(res[0].Notes) != 0 {
			t.Errorf("%s: %d accepted, notes %v; want 5 new payments", name, res[0].Accepted, res[0].Notes)
		}
	}
}
