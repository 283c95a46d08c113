package pain001_test

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"maksa"
	"maksa/formats/pain001"
	"maksa/internal/test/xsdcheck"
)

// TestAddressRoundTrip writes creditors with structured, hybrid and
// unstructured addresses as pain.001.001.03 and .09, checks each file
// against its XSD and reads it back: .09 keeps every element (the
// department and sub-department too); .03, whose
// PostalAddress6 has no building name, floor, post box, room, town location
// or district, carries them on one more address line, and loses nothing.
func TestAddressRoundTrip(t *testing.T) {
	full := maksa.Address{Department: "Finanzabteilung", SubDepartment: "Kreditoren", Street: "Hauptstraße", Building: "5", BuildingName: "Haus B", Floor: "3", PostBox: "PF 12", Room: "301",
		PostCode: "10115", Town: "Berlin", TownLocation: "Wedding", District: "Mitte", SubDivision: "BE", Country: "DE"}
	addresses := []maksa.Address{
		full,
		{Town: "Berlin", Country: "DE", Lines: []string{"Hauptstraße 5", "Hinterhaus"}},
		{Country: "DE", Lines: []string{"Hauptstraße 5, 10115 Berlin"}},
		{Country: "DE"},
		{},
	}
	for _, version := range []int{3, 9} {
		var buf bytes.Buffer
		w := pain001.NewWriter(&buf, version)
		if err := w.WriteHeader(&pain001.GroupHeader{MessageID: "ADDR", CreationTime: time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC), NbOfTxs: len(addresses), InitiatingParty: "Valsts kase"}); err != nil {
			t.Fatal(err)
		}
		for i, a := range addresses {
			p := &maksa.Payment{PaymentInfoID: "P1", EndToEndID: "E" + string(rune('1'+i)), DebtorIBAN: "LV21TREL9160100000000", DebtorName: "Pašvaldība",
				CreditorIBAN: "DE89370400440532013000", CreditorIsIBAN: true, CreditorName: "Empfänger", CreditorBIC: "COBADEFFXXX", CreditorAddress: a,
				Amount: decimal.RequireFromString("1.00"), Currency: "EUR", ExecutionDate: time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)}
			if err := w.Write(p); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(t.TempDir(), "out.xml")
		os.WriteFile(path, buf.Bytes(), 0o644)
		xsdcheck.Validate(t, path, map[int]string{3: "pain.001.001.03.xsd", 9: "pain.001.001.09.xsd"}[version])
		_, ps, _, err := readAll("out.xml", buf.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		for i, p := range ps {
			want := addresses[i]
			if version == 3 && i == 0 {
				want = maksa.Address{Department: full.Department, SubDepartment: full.SubDepartment, Street: full.Street, Building: full.Building, PostCode: full.PostCode, Town: full.Town, SubDivision: full.SubDivision,
					Country: full.Country, Lines: []string{"Haus B, 3, PF 12, 301, Wedding, Mitte"}}
			}
			if !reflect.DeepEqual(p.CreditorAddress, want) {
				t.Errorf("pain.001.001.%02d payment %d: address read back %+v, want %+v", version, i+1, p.CreditorAddress, want)
			}
		}
	}
}

// TestReadDepartment reads a public file that maksa did not write (moov-io's
// gistfile1, testdata/README.md): its third creditor's address starts with
// a department, which is kept with the rest of the structured address.
func TestReadDepartment(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "..", "testdata", "pain001", "corpus", "moov_gistfile1.xml"))
	if err != nil {
		t.Fatal(err)
	}
	_, ps, _, err := readAll("moov_gistfile1.xml", doc)
	if err != nil {
		t.Fatal(err)
	}
	want := maksa.Address{Department: "Treasury department", Street: "Bush Street", Building: "13", PostCode: "CA 94108", Town: "San Francisco", Country: "US"}
	for _, p := range ps {
		if p.EndToEndID == "ABC/987-AC/2009-09-27" {
			if !reflect.DeepEqual(p.CreditorAddress, want) {
				t.Errorf("address %+v, want %+v", p.CreditorAddress, want)
			}
			if got := p.CreditorAddress.String(); got != "Treasury department, Bush Street 13, CA 94108 San Francisco, US" {
				t.Errorf("address on one line %q", got)
			}
			return
		}
	}
	t.Fatal("no payment ABC/987-AC/2009-09-27")
}
