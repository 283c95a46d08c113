package maksa_test

import (
	"errors"
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/shopspring/decimal"

	"maksa"
)

func TestCheckIBAN(t *testing.T) {
	tests := []struct {
		iban string
		want error
	}{
		{"LV21TREL9160100000000", nil},
		{"DE89370400440532013000", nil},
		{"CH9300762011623852957", nil},
		{"GB82WEST12345698765432", nil},
		{"LV22TREL9160100000000", maksa.ErrIBANChecksum},
		{"LV21TREL916010000000", maksa.ErrIBANLength},
		{"XX21TREL9160100000000", maksa.ErrIBANCountry},
		{"lv21TREL9160100000000", maksa.ErrIBANSyntax},
		{"LV21 TREL 9160 1000 0000 0", maksa.ErrIBANSyntax},
		{"", maksa.ErrIBANSyntax},
	}
	for _, tt := range tests {
		if err := maksa.CheckIBAN(tt.iban); !errors.Is(err, tt.want) {
			t.Errorf("CheckIBAN(%q) = %v, want %v", tt.iban, err, tt.want)
		}
	}
}

func TestCheckBIC(t *testing.T) {
	for bic, ok := range map[string]bool{"TRELLV22": true, "HABALV22XXX": true, "UNLALV2X": true, "HABA-LV22": false, "HABALV2": false, "habalv22": false, "1ABALV22": false} {
		if got := maksa.CheckBIC(bic) == nil; got != ok {
			t.Errorf("CheckBIC(%q) valid = %v, want %v", bic, got, ok)
		}
	}
}

func TestCheckAmount(t *testing.T) {
	eur, _ := maksa.LookupCurrency("EUR")
	jpy, _ := maksa.LookupCurrency("JPY")
	tests := []struct {
		amount string
		cur    maksa.Currency
		code   maksa.Reason
	}{
		{"100.00", eur, ""},
		{"100.10", eur, ""},
		{"100.100", eur, ""}, // trailing zeros are not extra precision
		{"100.001", eur, maksa.AM12},
		{"0.00", eur, maksa.AM01},
		{"-5", eur, maksa.AM12},
		{"1000", jpy, ""},
		{"1000.5", jpy, maksa.AM12},
	}
	for _, tt := range tests {
		d, err := maksa.ParseDecimal(tt.amount)
		if err != nil {
			t.Fatalf("ParseDecimal(%q): %v", tt.amount, err)
		}
		if code, _ := maksa.CheckAmount(d, tt.cur); code != tt.code {
			t.Errorf("CheckAmount(%s %s) = %q, want %q", tt.amount, tt.cur.Code, code, tt.code)
		}
	}
	for _, bad := range []string{"", "1,50", "1e7", "1.2.3", "12 000", "0x10", "1234567890123456789"} {
		if _, err := maksa.ParseDecimal(bad); err == nil {
			t.Errorf("ParseDecimal(%q) accepted", bad)
		}
	}
	// 18 digits: the largest amount ISO 20022 allows keeps every cent.
	d, err := maksa.ParseDecimal("9999999999999999.99")
	if err != nil || maksa.MinorUnits(d, eur) != 999999999999999999 || maksa.FormatAmount(d, eur) != "9999999999999999.99" {
		t.Errorf("18-digit amount: %v, %d", err, maksa.MinorUnits(d, eur))
	}
	if got := maksa.FromMinorUnits(1050, eur); !got.Equal(decimal.RequireFromString("10.50")) {
		t.Errorf("FromMinorUnits(1050) = %s", got)
	}
}

func TestAllowedText(t *testing.T) {
	for _, s := range []string{
		"Ģirts Šķēle-Ābeļkoks, rēķins Nr. 17/2026 (avanss) + 'PVN'?",
		"Müller GmbH", "Zürcher Bäckerei", "OÜ Põhjala Õlu", "Straße", "Łódź Sp. z o.o.", "Žalgiris UAB", "Ørsted A/S",
		"Invoice #12 & #13", `100% = 5*20; @home _x_ "q" !<>[]{}$ ~^|\`, "Crème brûlée SARL", "Şişli İnşaat A.Ş.", "Nguyễn Văn Thắng",
		"Kőbányai Kft.", "Ştefan Ţurcanu", "SIA „Koks“ – rēķins Nr. 5…", "§ 12 ° £ € « » ½ ×", "Mu\u0308ller", "a\u0301\u0302",
		" !~~~~~~ !~~~~~~ !~", "Rechnung\u0308", "Rechnun\u0308g 12345678",
	} {
		if r, ok := maksa.AllowedText(s); !ok {
			t.Errorf("AllowedText(%q) refused %q", s, r)
		}
	}
	for s, bad := range map[string]rune{
		"a\tb": '\t', "Иван": 'И', "Ivan Pеtrov": 'е', "Αθήνα": 'Α', "東京": '東', "شركة": 'ش', "no\u00a0break": 0xa0,
		"zero\u200djoin": 0x200d, "rtl\u200fmark": 0x200f, "emoji 😀": '😀', "soft\u00adhyphen": 0xad, "\ufffe": 0xfffe,
		"\uffff": 0xffff, "broken \xff": utf8.RuneError, "\u0308lone": 0x308, "5\u0308": 0x308, "del\x7f": 0x7f, "c1\u0085": 0x85,
		// A bad byte at the start, in the middle, at the end and past the eighth byte.
		"\x1fbcdefgh": 0x1f, "abc\x00efgh": 0, "abcdefg\x7f": 0x7f, "abcdefgh\x1f": 0x1f, "abcdefghijklmno\x01": 1,
		"abcdefg\u00a0": 0xa0, "\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f": 0x7f, "12345678\u0308": 0x308, "abcdefgh\xff": utf8.RuneError,
	} {
		if r, ok := maksa.AllowedText(s); ok || r != bad {
			t.Errorf("AllowedText(%q) = %q, %v; want %q refused", s, r, ok, bad)
		}
	}
}

// FuzzAllowedText checks the table-driven AllowedText against a reading of
// the rule written with the unicode package's script and category tables.
func FuzzAllowedText(f *testing.F) {
	for _, s := range []string{"Ģirts Šķēle (PVN)", "Müller & Co", "a\tb", "\xff", "€", "u\u0308", "1\u0308", "Иван", "\u00a0",
		"Rechnung 2026/17\x7f", "abcdefgh\u0308", "12345678\u0308", "abcdefg\x1f"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var want rune
		ok, afterLetter := true, false
		for i, r := range s {
			letter := unicode.Is(unicode.Latin, r) && unicode.IsLetter(r) && (r < 0x250 || r >= 0x1e00 && r <= 0x1eff)
			allowed := letter || r >= 0x20 && r < 0x7f ||
				unicode.Is(unicode.Mn, r) && r >= 0x300 && r <= 0x36f && afterLetter ||
				r >= 0xa1 && r <= 0xbf && r != 0xad || r == 0xd7 || r == 0xf7 || strings.ContainsRune("–—‘’‚“”„…€", r)
			if r == utf8.RuneError {
				if _, n := utf8.DecodeRuneInString(s[i:]); n == 1 {
					allowed = false
				}
			}
			if !allowed {
				want, ok = r, false
				break
			}
			afterLetter = letter || afterLetter && unicode.Is(unicode.Mn, r)
		}
		got, gotOK := maksa.AllowedText(s)
		if got != want || gotOK != ok {
			t.Errorf("AllowedText(%q) = %q, %v; the unicode tables say %q, %v", s, got, gotOK, want, ok)
		}
	})
}

func TestValidUETR(t *testing.T) {
	for s, ok := range map[string]bool{"235d1eb5-8dd7-4c1a-8ece-559df8c67da1": true, "235D1EB5-8DD7-4C1A-8ECE-559DF8C67DA1": false, "235d1eb5-8dd7-3c1a-8ece-559df8c67da1": false, "": false} {
		if maksa.ValidUETR(s) != ok {
			t.Errorf("ValidUETR(%q) = %v", s, !ok)
		}
	}
}

func TestAuditEventHash(t *testing.T) {
	e := maksa.AuditEvent{ID: 1, At: time.Date(2026, 11, 25, 8, 0, 0, 0, time.UTC), Actor: "anna", Action: "file.import", Object: "batch 1", Details: `{"a":1}`}
	h := e.ComputeHash()
	// A test vector an outside implementation can check: SHA-256 over each of
	// prev_hash, id, time (RFC 3339 UTC), actor, action, object, details,
	// each preceded by its length as a big-endian uint64.
	if want := "7fae4a1af43ebbca89f270fee5a3ff6685407ff30760a9d994c4d733029eff2a"; h != want {
		t.Errorf("hash = %s, want %s", h, want)
	}
	for _, change := range []func(*maksa.AuditEvent){
		func(e *maksa.AuditEvent) { e.ID = 2 },
		func(e *maksa.AuditEvent) { e.Actor = "annab" },
		func(e *maksa.AuditEvent) { e.Actor, e.Action = "annaf", "ile.import" }, // moving bytes between fields
		func(e *maksa.AuditEvent) { e.PrevHash = "00" },
		func(e *maksa.AuditEvent) { e.At = e.At.Add(time.Nanosecond) },
	} {
		c := e
		change(&c)
		if c.ComputeHash() == h {
			t.Errorf("changed event %+v hashes the same", c)
		}
	}
}

func TestPositionString(t *testing.T) {
	tests := []struct {
		pos  maksa.Position
		want string
	}{
		{maksa.Position{File: "a.xml", Line: 12, Column: 7, XPath: "/Document/X"}, "a.xml:12:7 /Document/X"},
		{maksa.Position{File: "a.csv", Line: 8, Field: "Summa"}, "a.csv:8 [Summa]"},
		{maksa.Position{File: "a.xlsx", Sheet: "Payments", Cell: "D17"}, "a.xlsx Payments!D17"},
		{maksa.Position{}, ""},
	}
	for _, tt := range tests {
		if got := tt.pos.String(); got != tt.want {
			t.Errorf("%+v.String() = %q, want %q", tt.pos, got, tt.want)
		}
	}
	if got := maksa.CellName(28, 3); got != "AB3" {
		t.Errorf("CellName(28, 3) = %q", got)
	}
}

func TestCalendar(t *testing.T) {
	var c maksa.Calendar
	day := func(s string) time.Time { d, _ := time.Parse(maksa.DateLayout, s); return d }
	for s, working := range map[string]bool{
		"2026-11-25": true,  // Wednesday
		"2026-11-28": false, // Saturday
		"2026-11-18": false, // Proclamation Day
		"2026-04-03": false, // Good Friday 2026
		"2026-04-06": false, // Easter Monday 2026
		"2026-05-04": false, // Restoration of Independence, a Monday
		"2025-05-05": false, // 4 May 2025 was a Sunday: the Monday is free
		"2026-06-23": false, "2026-06-24": false, "2026-12-24": false, "2026-12-31": false, "2027-01-01": false,
		"2026-12-30": true,
	} {
		if got := c.WorkingDay(day(s)); got != working {
			t.Errorf("WorkingDay(%s) = %v, want %v", s, got, working)
		}
	}
	if got := c.NextWorkingDay(day("2026-12-23")); got.Format(maksa.DateLayout) != "2026-12-28" {
		t.Errorf("NextWorkingDay(2026-12-23) = %s, want 2026-12-28", got.Format(maksa.DateLayout))
	}
	closed := maksa.Calendar{Closed: map[string]bool{"2026-11-26": true}}
	if closed.WorkingDay(day("2026-11-26")) {
		t.Error("a configured closing day is a working day")
	}
}

// TestAppendAmountIsFormatAmount: the fast path writes what FormatAmount
// writes, for amounts with and without the currency's decimals.
func TestAppendAmountIsFormatAmount(t *testing.T) {
	var amounts []decimal.Decimal
	for _, s := range []string{"0", "0.05", "0.5", "1", "-0.05", "-12.3", "1234.56", "1234.565", "9999999999999999.99", "123456789012345678901234.5"} {
		amounts = append(amounts, decimal.RequireFromString(s))
	}
	for _, units := range []int64{0, 1, 9, 10, 99, 100, 101, 123456, -7, -100, 999999999999999999, -999999999999999999} {
		amounts = append(amounts, decimal.New(units, -2), decimal.New(units, 0), decimal.New(units, -3))
	}
	for _, code := range []string{"EUR", "JPY", "BHD"} {
		cur, ok := maksa.LookupCurrency(code)
		if !ok {
			t.Fatalf("no currency %s", code)
		}
		for _, d := range amounts {
			if got, want := string(maksa.AppendAmount([]byte("x"), d, cur)), "x"+maksa.FormatAmount(d, cur); got != want {
				t.Errorf("AppendAmount(%s, %s) = %q, want %q", d, code, got, want)
			}
		}
	}
}

// FuzzAppendAmount: AppendAmount and FormatAmount agree on any amount in
// minor units.
func FuzzAppendAmount(f *testing.F) {
	f.Add(int64(5), int32(2))
	f.Fuzz(func(t *testing.T, units int64, exp int32) {
		d := decimal.New(units, -(exp % 5))
		for _, code := range []string{"EUR", "JPY", "BHD"} {
			cur, _ := maksa.LookupCurrency(code)
			if got, want := string(maksa.AppendAmount(nil, d, cur)), maksa.FormatAmount(d, cur); got != want {
				t.Errorf("AppendAmount(%s, %s) = %q, want %q", d, code, got, want)
			}
		}
	})
}

// FuzzParseDecimal: ParseDecimal accepts what it did when it called
// decimal.NewFromString, and makes the same number with the same exponent.
func FuzzParseDecimal(f *testing.F) {
	for _, s := range []string{"1234.56", "0.00", "-5", "+7.", ".5", "007.010", " 12 ", "1e7", "999999999999999999", "-0", "100.100", "100.001", "1000.5", ".000000000000000001", "-0.00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := maksa.ParseDecimal(s)
		if err != nil {
			return
		}
		want, werr := decimal.NewFromString(strings.TrimSpace(s))
		if werr != nil || !got.Equal(want) || got.Exponent() != want.Exponent() || got.String() != want.String() {
			t.Errorf("ParseDecimal(%q) = %s (exp %d), NewFromString %s (exp %d, %v)", s, got, got.Exponent(), want, want.Exponent(), werr)
		}
		// The structural check reads amounts without making decimals: it
		// must judge as CheckAmount does.
		plain, err := maksa.ParsePlainAmount(s)
		if err != nil {
			t.Fatalf("ParsePlainAmount(%q): %v, ParseDecimal read it", s, err)
		}
		for _, code := range []string{"EUR", "JPY", "KWD"} {
			c, _ := maksa.LookupCurrency(code)
			gotCode, gotErr := plain.Check(c)
			wantCode, wantErr := maksa.CheckAmount(got, c)
			if gotCode != wantCode || fmt.Sprint(gotErr) != fmt.Sprint(wantErr) {
				t.Errorf("%q %s: Check = %s %v, CheckAmount = %s %v", s, code, gotCode, gotErr, wantCode, wantErr)
			}
		}
	})
}

// FuzzSum checks Sum against decimal.Decimal.Add: the same value and the
// same exponent, whatever the numbers added.
func FuzzSum(f *testing.F) {
	f.Add(int64(12345), int8(-2), int64(-7), int8(0), int64(999999999999), int8(-6))
	f.Add(int64(1), int8(-9), int64(4e18), int8(3), int64(-4e18), int8(-1))
	f.Fuzz(func(t *testing.T, a int64, ea int8, b int64, eb int8, c int64, ec int8) {
		var sum maksa.Sum
		var want decimal.Decimal
		for range 3 {
			for _, d := range []decimal.Decimal{decimal.New(a, int32(ea)), decimal.New(b, int32(eb)), decimal.New(c, int32(ec))} {
				sum.Add(d)
				want = want.Add(d)
			}
		}
		got := sum.Decimal()
		if !got.Equal(want) || got.Exponent() != want.Exponent() {
			t.Errorf("Sum = %s (exponent %d), Add = %s (exponent %d)", got, got.Exponent(), want, want.Exponent())
		}
	})
}

// FuzzCheckIBAN checks the IBAN check digits against the rearranged IBAN
// read as one big number.
func FuzzCheckIBAN(f *testing.F) {
	for _, s := range []string{"LV21TREL9160100000000", "LV80BANK0000435195001", "DE89370400440532013000", "NO9386011117947", "MT84MALT011000012345MTLCAST001S"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		err := maksa.CheckIBAN(s)
		if len(s) < 5 || errors.Is(err, maksa.ErrIBANSyntax) || errors.Is(err, maksa.ErrIBANCountry) || errors.Is(err, maksa.ErrIBANLength) {
			return
		}
		var digits strings.Builder
		for _, c := range s[4:] + s[:4] {
			if c >= 'A' && c <= 'Z' {
				digits.WriteString(strconv.Itoa(int(c-'A') + 10))
			} else {
				digits.WriteRune(c)
			}
		}
		n, _ := new(big.Int).SetString(digits.String(), 10)
		valid := new(big.Int).Mod(n, big.NewInt(97)).Int64() == 1
		if valid != (err == nil) {
			t.Errorf("CheckIBAN(%q) = %v; mod 97 of the whole number says valid %v", s, err, valid)
		}
	})
}

func TestCheckCreditorReference(t *testing.T) {
	for s, want := range map[string]error{"RF18539007547034": nil, "RF712348231": nil, "RF18539007547035": maksa.ErrReferenceChecksum,
		"RF18 5390 0754 7034": maksa.ErrReferenceSyntax, "rf18539007547034": maksa.ErrReferenceSyntax, "RF1": maksa.ErrReferenceSyntax,
		"RF00" + strings.Repeat("1", 22): maksa.ErrReferenceSyntax} {
		if err := maksa.CheckCreditorReference(s); err != want {
			t.Errorf("CheckCreditorReference(%q) = %v, want %v", s, err, want)
		}
	}
}
