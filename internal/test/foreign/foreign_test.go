package foreign_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"maksa/internal/test/foreign"
	"maksa/internal/test/xsdcheck"
)

// TestForeignFilesAreValid: what the generator writes — prefixed or not,
// pretty-printed or minified — is valid pain.001.001.09, so that maksa's
// tests on it test maksa, not the generator.
func TestForeignFilesAreValid(t *testing.T) {
	dir := t.TempDir()
	for _, s := range []foreign.Spec{
		{Count: 1200, Seed: 1, MessageID: "FOREIGN-PRETTY", Indent: true},
		{Count: 700, Seed: 2, MessageID: "FOREIGN-MINI"},
		{Count: 900, Seed: 3, MessageID: "FOREIGN-PREFIX", Prefix: "p", Indent: true},
	} {
		s.Date, s.Debtor, s.PerInfo = time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC), "LV21TREL9160100000000", 500
		path := filepath.Join(dir, s.MessageID+".xml")
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		write := foreign.Write
		if s.Prefix != "" {
			write = foreign.WritePrefixed
		}
		if err := write(f, s); err != nil {
			t.Fatal(err)
		}
		f.Close()
		xsdcheck.Validate(t, path, "pain.001.001.09.xsd")
		data, _ := os.ReadFile(path)
		if s.Prefix != "" && !strings.Contains(string(data), `<p:Document xmlns:p="`+foreign.Namespace+`">`) {
			t.Errorf("%s is not prefixed:\n%.300s", s.MessageID, data)
		}
		if !s.Indent && strings.Count(string(data), "\n") > 1 {
			t.Errorf("%s is not minified", s.MessageID)
		}
	}
}
