package directory_test

import (
	"errors"
	"os"
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
