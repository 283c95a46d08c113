package epc_test

import (
	"strings"
	"testing"

	"golang.org/x/text/unicode/norm"

	"maksa"
	"maksa/formats/epc"
)

func TestBasic(t *testing.T) {
	for in, want := range map[string]string{
		"Rīgas pilsētas pašvaldība":       "Rigas pilsetas pasvaldiba",
		"Müller & Söhne GmbH":             "Muller + Sohne GmbH",
		"Straße 5":                        "Strasse 5",
		"Łódź Sp. z o.o.":                 "Lodz Sp. z o.o.",
		"OÜ Põhjala Õlu":                  "OU Pohjala Olu",
		"Ørsted A/S":                      "Orsted A/S",
		"SIA „Koks“ – rēķins Nr. 5…":      "SIA 'Koks' - rekins Nr. 5...",
		"Invoice #12 & #13":               "Invoice No.12 + No.13",
		"Şişli İnşaat A.Ş.":               "Sisli Insaat A.S.",
		"Nguyễn Văn Thắng":                "Nguyen Van Thang",
		"Mu\u0308ller":                    "Muller",
		"plain text/- ? : ( ) . , ' + 12": "plain text/- ? : ( ) . , ' + 12",
		"100% = 5*20; @home":              "100 pct - 5.20, (at)home",
	} {
		if got := epc.Basic(in); got != want || !epc.Valid(got) {
			t.Errorf("Basic(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzBasic: whatever maksa accepts as text comes out of Basic in the set.
func FuzzBasic(f *testing.F) {
	for _, s := range []string{"Müller & Söhne", "ß€„“", "a\u0301", "Ivan"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if _, ok := maksa.AllowedText(s); !ok {
			return
		}
		got := epc.Basic(s)
		if !epc.Valid(got) {
			t.Errorf("Basic(%q) = %q, not in the EPC basic set", s, got)
		}
		if want := basicOfWholeText(s); got != want {
			t.Errorf("Basic(%q) = %q, but decomposing the whole text gives %q", s, got, want)
		}
	})
}

// basicOfWholeText is Basic as first written: the whole text decomposed,
// then each character in the set, dropped (a mark) or replaced.
func basicOfWholeText(s string) string {
	if epc.Valid(s) {
		return s
	}
	var b strings.Builder
	for _, r := range norm.NFD.String(s) {
		switch v := epc.Basic(string(r)); {
		case r >= 0x300 && r <= 0x36f:
		default:
			b.WriteString(v)
		}
	}
	return b.String()
}

func BenchmarkBasic(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		epc.Basic("SIA „Rīgas pilsētas pašvaldība“ Nr. 5")
	}
}
