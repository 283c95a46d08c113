package maksa

import (
	"encoding/json"
	"strings"
	"time"
)

// StructuredAddressesFrom is the first settlement day on which the EPC
// rulebooks (2025 SCT rulebook v1.1, EPC guidance 153-22 v2.1) permit only
// structured or hybrid postal addresses.
var StructuredAddressesFrom = time.Date(2026, 11, 15, 0, 0, 0, 0, time.UTC)

// Address is a postal address as ISO 20022 holds it (PostalAddress6 in
// pain.001.001.03, PostalAddress24/27 later): structured elements, and up
// to seven unstructured address lines. Country is the ISO 3166 code. The
// address type (AdrTp), a classification rather than part of the address,
// is not kept.
type Address struct {
	Department    string   `json:"department,omitempty"`     // Dept
	SubDepartment string   `json:"sub_department,omitempty"` // SubDept
	Street        string   `json:"street,omitempty"`         // StrtNm
	Building      string   `json:"building,omitempty"`       // BldgNb
	BuildingName  string   `json:"building_name,omitempty"`  // BldgNm
	Floor         string   `json:"floor,omitempty"`          // Flr
	PostBox       string   `json:"post_box,omitempty"`       // PstBx
	Room          string   `json:"room,omitempty"`           // Room
	PostCode      string   `json:"post_code,omitempty"`      // PstCd
	Town          string   `json:"town,omitempty"`           // TwnNm
	TownLocation  string   `json:"town_location,omitempty"`  // TwnLctnNm
	District      string   `json:"district,omitempty"`       // DstrctNm
	SubDivision   string   `json:"sub_division,omitempty"`   // CtrySubDvsn
	Country       string   `json:"country,omitempty"`        // Ctry
	Lines         []string `json:"lines,omitempty"`          // AdrLine
}

// AddressElement is one element of an Address: its ISO 20022 tag, its
// length limit (MaxNText) and a pointer to its value.
type AddressElement struct {
	Tag   string
	Name  string
	Max   int
	Value *string
}

// addressElements is how many structured elements an Address has.
const addressElements = 14

// Elements returns the structured elements of a in the order of the ISO
// 20022 schemas (Ctry last; AdrLine is not among them). It is an array, not
// a slice: the validator asks for it for every payment, and it costs no
// allocation.
func (a *Address) Elements() [addressElements]AddressElement {
	return [addressElements]AddressElement{
		{"Dept", "department", 70, &a.Department},
		{"SubDept", "sub-department", 70, &a.SubDepartment},
		{"StrtNm", "street", 70, &a.Street},
		{"BldgNb", "building number", 16, &a.Building},
		{"BldgNm", "building name", 35, &a.BuildingName},
		{"Flr", "floor", 70, &a.Floor},
		{"PstBx", "post box", 16, &a.PostBox},
		{"Room", "room", 70, &a.Room},
		{"PstCd", "post code", 16, &a.PostCode},
		{"TwnNm", "town", 35, &a.Town},
		{"TwnLctnNm", "town location", 35, &a.TownLocation},
		{"DstrctNm", "district", 35, &a.District},
		{"CtrySubDvsn", "country subdivision", 35, &a.SubDivision},
		{"Ctry", "country", 2, &a.Country},
	}
}

// Element returns the element with the ISO 20022 tag, or nil.
func (a *Address) Element(tag string) *string {
	for _, e := range a.Elements() {
		if e.Tag == tag {
			return e.Value
		}
	}
	return nil
}

// The forms of an address.
const (
	AddressNone         = "none"         // nothing, or only a country
	AddressStructured   = "structured"   // structured elements, no lines
	AddressHybrid       = "hybrid"       // town and country, with at most two lines
	AddressUnstructured = "unstructured" // lines without a town
)

// Form tells which form a is in. An address of structured elements that
// lacks the town or the country is still "structured"; Missing says what
// it lacks.
func (a Address) Form() string {
	structured := a.Department != "" || a.SubDepartment != "" || a.Street != "" || a.Building != "" || a.BuildingName != "" || a.Floor != "" || a.PostBox != "" || a.Room != "" ||
		a.PostCode != "" || a.Town != "" || a.TownLocation != "" || a.District != "" || a.SubDivision != ""
	switch {
	case len(a.Lines) == 0 && !structured:
		return AddressNone
	case len(a.Lines) == 0:
		return AddressStructured
	case a.Town != "":
		return AddressHybrid
	}
	return AddressUnstructured
}

// Missing returns what keeps a from being an address the EPC rules accept
// since 15 November 2026 (structured, or hybrid with at most two lines):
// the missing elements, or a sentence; nil when nothing is missing.
func (a Address) Missing() []string {
	var out []string
	if a.Town == "" {
		out = append(out, "the town (TwnNm)")
	}
	if a.Country == "" {
		out = append(out, "the country (Ctry)")
	}
	if len(a.Lines) > 2 {
		out = append(out, "at most two address lines beside town and country (a hybrid address)")
	}
	return out
}

// IsZero reports whether a holds nothing.
func (a Address) IsZero() bool { return a.Form() == AddressNone && a.Country == "" }

// String returns a on one line, for tables and messages: "Hauptstraße 5,
// 10115 Berlin, DE".
func (a Address) String() string {
	var parts []string
	add := func(s ...string) {
		if v := strings.TrimSpace(strings.Join(s, " ")); v != "" {
			parts = append(parts, v)
		}
	}
	add(a.Department)
	add(a.SubDepartment)
	add(a.Street, a.Building)
	add(a.BuildingName)
	add(a.Floor)
	add(a.Room)
	add(a.PostBox)
	for _, line := range a.Lines {
		add(line)
	}
	add(a.PostCode, a.Town)
	add(a.TownLocation)
	add(a.District)
	add(a.SubDivision)
	add(a.Country)
	return strings.Join(parts, ", ")
}

// Encode returns a as stored: JSON of its elements, "" when it is zero.
func (a Address) Encode() string {
	if a.IsZero() {
		return ""
	}
	data, _ := json.Marshal(a)
	return string(data)
}

// DecodeAddress reads what Encode wrote. A value that is not JSON is an
// address line, as maksa stored addresses before they were structured.
func DecodeAddress(s string) Address {
	if s == "" {
		return Address{} // before a, which the decoder makes escape: most payments have no address
	}
	var a Address
	if s[0] != '{' || json.Unmarshal([]byte(s), &a) != nil {
		return Address{Lines: []string{s}}
	}
	return a
}
