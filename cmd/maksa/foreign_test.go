package main_test

import (
	"os"
	"path/filepath"
	"testing"

	"maksa"
	"maksa/importer"
	"maksa/internal/test/foreign"
	"maksa/internal/test/testdb"
)

// TestForeignFiles: pain.001.001.09 files another program wrote (its own
// XML encoder, a namespace prefix or none, pretty-printed or minified,
// structured addresses, purposes, ultimate parties, remittances of 140
// characters, names in five languages) are read whole: every payment
// accepted, the totals right, by validate and by import.
func TestForeignFiles(t *testing.T) {
	e := newEnv(t, testdb.Backends(t)[0])
	dir := t.TempDir()
	limit := `"1000000000000.00"`
	doc := `clients: [{id: "90000012345", name: "Rīgas valstspilsētas pašvaldība", address: {street: "Rātslaukums", building: "1", postcode: "LV-1050", town: "Rīga", country: LV}}]
accounts:
  - {iban: LV21TREL9160100000000, client: "90000012345", currency: EUR, balance: ` + limit + `, signatures: 1}
users:
  - id: acc
    valid_until: 2099-12-31
    grants: [{account: LV21TREL9160100000000, modes: [prepare], payment_limit: ` + limit + `, daily_limit: ` + limit + `}]
`
	os.WriteFile(filepath.Join(dir, "directory.yaml"), []byte(doc), 0o644)
	e.mustRun(0, "directory", "apply", filepath.Join(dir, "directory.yaml"))
	for _, s := range []foreign.Spec{
		{Count: 1500, Seed: 11, MessageID: "FOREIGN-PRETTY", Indent: true},
		{Count: 800, Seed: 12, MessageID: "FOREIGN-MINI"},
		{Count: 900, Seed: 13, MessageID: "FOREIGN-PREFIX", Prefix: "p", Indent: true},
	} {
		s.Date, s.Debtor = date(2026, 11, 27), "LV21TREL9160100000000"
		path := filepath.Join(dir, s.MessageID+".xml")
		f, _ := os.Create(path)
		write := foreign.Write
		if s.Prefix != "" {
			write = foreign.WritePrefixed
		}
		if err := write(f, s); err != nil {
			t.Fatal(err)
		}
		f.Close()
		for _, args := range [][]string{{"validate", path}, {"import", "--user", "acc", path}} {
			var res []importer.Result
			e.runJSON(0, &res, args...)
			if r := res[0]; r.Status != maksa.ACTC || r.Transactions != s.Count || r.Accepted != s.Count || r.Format != "pain.001.001.09" {
				t.Errorf("%s %s: %s, %d of %d accepted, format %s, problems %v", args[0], s.MessageID, r.Status, r.Accepted, r.Transactions, r.Format, r.Problems)
			}
		}
	}
}
