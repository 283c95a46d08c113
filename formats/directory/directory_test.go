package directory_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"testing/fstest"

	"maksa/formats/directory"
)

func TestLoadDemo(t *testing.T) {
	d, err := directory.Load("../../testdata/demo/directory.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Clients) != 2 || len(d.Accounts) != 4 || len(d.Users) != 7 || len(d.Grants) != 11 {
		t.Fatalf("demo directory: %d clients, %d accounts, %d users, %d grants", len(d.Clients), len(d.Accounts), len(d.Users), len(d.Grants))
	}
	for _, u := range d.Users {
		if u.ID == "anna" && (len(u.Keys) != 1 || len(u.Keys[0].Fingerprint) != 64) {
			t.Errorf("anna's certificate was not loaded: %+v", u.Keys)
		}
	}
}

// TestAbsoluteKeyPath: a key named by an absolute path is read from there,
// not from below the directory file's folder.
func TestAbsoluteKeyPath(t *testing.T) {
	key, err := filepath.Abs("../../testdata/demo/keys/janis.pub")
	if err != nil {
		t.Fatal(err)
	}
	doc := `clients: [{id: "1", name: K}]
accounts: [{iban: LV21TREL9160100000000, client: "1", currency: EUR, signatures: 1}]
users:
  - id: u
    valid_until: 2030-01-01
    keys: [` + key + `]
    grants: [{account: LV21TREL9160100000000, modes: [sign1], payment_limit: "1", daily_limit: "1", card_valid_until: 2030-01-01}]
`
	path := filepath.Join(t.TempDir(), "d.yaml")
	os.WriteFile(path, []byte(doc), 0o600)
	d, err := directory.Load(path)
	if err != nil || len(d.Users[0].Keys) != 1 {
		t.Fatalf("directory with an absolute key path: %v", err)
	}
}

func TestGrantWithoutLimits(t *testing.T) {
	doc := `clients: [{id: "1", name: K}]
accounts: [{iban: LV21TREL9160100000000, client: "1", currency: EUR, signatures: 1}]
users:
  - id: u
    valid_until: 2030-01-01
    grants:
      - {account: LV21TREL9160100000000, modes: [sign1]}
`
	_, err := directory.Parse("d.yaml", []byte(doc), fstest.MapFS{})
	var e *directory.Error
	if !errors.As(err, &e) || e.Line != 7 || e.Field != "grant.payment_limit" {
		t.Fatalf("error = %v, want d.yaml:7 grant.payment_limit", err)
	}
}

func FuzzParse(f *testing.F) {
	for _, file := range []string{"../../testdata/demo/directory.yaml", "../../testdata/import/directory.yaml"} {
		data, err := os.ReadFile(file)
		if err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte("clients: 7\n"))
	keys := fstest.MapFS{"keys/anna.crt": {Data: []byte("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")}}
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := directory.Parse("fuzz.yaml", data, keys)
		if err == nil && d == nil {
			t.Fatal("no directory and no error")
		}
		if err != nil && d != nil {
			t.Fatal("a directory with errors")
		}
	})
}
