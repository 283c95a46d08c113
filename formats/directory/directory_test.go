package directory_test

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"

	"maksa"
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

// TestClientAddress: a client's postal address is read structured; the town
// and a real country code are required, the parts are Latin-script text
// within their ISO lengths, and unknown parts are refused with their line.
func TestClientAddress(t *testing.T) {
	d, err := directory.Load("../../testdata/demo/directory.yaml")
	if err != nil {
		t.Fatal(err)
	}
	want := maksa.Address{Street: "Rātslaukums", Building: "1", PostCode: "LV-1050", Town: "Rīga", Country: "LV"}
	if got := d.Clients[0].Address; !reflect.DeepEqual(got, want) {
		t.Errorf("address %+v, want %+v", got, want)
	}
	for _, tt := range []struct{ address, field string }{
		{`{street: "Iela", building: "1", country: "LV"}`, "client.address.town"},
		{`{town: "Rīga", country: "XX"}`, "client.address.country"},
		{`{town: "Rīga"}`, "client.address.country"},
		{`{town: "Рига", country: "LV"}`, "client.address.town"},
		{`{town: "Rīga", country: "LV", building: "12345678901234567"}`, "client.address.building"},
		{`{town: "Rīga", country: "LV", floor: "2"}`, "address.floor"},
		{`"Rātslaukums 1, Rīga"`, "address"},
	} {
		doc := "clients:\n  - id: \"1\"\n    name: K\n    address: " + tt.address + "\n"
		_, err := directory.Parse("d.yaml", []byte(doc), fstest.MapFS{})
		var e *directory.Error
		if !errors.As(err, &e) || e.Field != tt.field || e.Line != 4 {
			t.Errorf("address %s: error %v, want d.yaml:4 %s", tt.address, err, tt.field)
		}
	}
}

// TestKeyOfTwoUsers: one key listed for two users is refused, naming the
// line and the first owner.
func TestKeyOfTwoUsers(t *testing.T) {
	key, err := os.ReadFile("../../testdata/demo/keys/janis.pub")
	if err != nil {
		t.Fatal(err)
	}
	doc := "users:\n  - id: a\n    valid_until: 2030-01-01\n    keys: [k.pub]\n  - id: b\n    valid_until: 2030-01-01\n    keys: [k.pub]\n"
	_, err = directory.Parse("d.yaml", []byte(doc), fstest.MapFS{"k.pub": {Data: key}})
	var e *directory.Error
	if !errors.As(err, &e) || e.Line != 7 || e.Field != "user.keys" || !strings.Contains(e.Error(), "user a") {
		t.Fatalf("error = %v, want d.yaml:7 user.keys naming user a", err)
	}
}

// TestUserTwice: a user id listed twice is refused with its line.
func TestUserTwice(t *testing.T) {
	doc := "users:\n  - id: a\n    valid_until: 2030-01-01\n  - id: a\n    valid_until: 2030-01-01\n"
	_, err := directory.Parse("d.yaml", []byte(doc), fstest.MapFS{})
	var e *directory.Error
	if !errors.As(err, &e) || e.Line != 4 || e.Field != "user.id" {
		t.Fatalf("error = %v, want d.yaml:4 user.id", err)
	}
}
