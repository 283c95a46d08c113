package maksa

import (
	"errors"
	"fmt"
)

// IBAN and BIC errors.
var (
	ErrIBANSyntax   = errors.New("IBAN must be two letters, two check digits and up to 30 letters or digits")
	ErrIBANCountry  = errors.New("IBAN country is unknown")
	ErrIBANLength   = errors.New("IBAN length is wrong for its country")
	ErrIBANChecksum = errors.New("IBAN check digits are wrong (mod-97)")
	ErrBICSyntax    = errors.New("BIC must be 8 or 11 characters: 4 letters, 2 letters (country), 2 letters or digits, optionally 3 letters or digits")
)

// ibanLengths is the length of an IBAN per country, from the SWIFT IBAN registry.
var ibanLengths = map[string]int{
	"AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22, "BI": 27,
	"BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DJ": 27, "DK": 18, "DO": 28,
	"EE": 20, "EG": 29, "ES": 24, "FI": 18, "FK": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23,
	"GL": 18, "GR": 27, "GT": 28, "HN": 28, "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26,
	"IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20, "LV": 21,
	"LY": 25, "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MN": 20, "MR": 27, "MT": 31, "MU": 30, "NI": 28,
	"NL": 18, "NO": 15, "OM": 23, "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22,
	"RU": 33, "SA": 24, "SC": 31, "SD": 18, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "SO": 23, "ST": 25,
	"SV": 28, "TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20, "YE": 30,
}

// CheckIBAN reports whether s is a valid IBAN in electronic form (no spaces):
// its syntax, its length for the country and its mod-97 check digits.
func CheckIBAN(s string) error {
	if len(s) < 5 || len(s) > 34 || !isUpper(s[0]) || !isUpper(s[1]) || !isDigit(s[2]) || !isDigit(s[3]) {
		return ErrIBANSyntax
	}
	for i := 4; i < len(s); i++ {
		if !isUpper(s[i]) && !isDigit(s[i]) {
			return ErrIBANSyntax
		}
	}
	want, ok := ibanLengths[s[:2]]
	if !ok {
		return fmt.Errorf("%w: %s", ErrIBANCountry, s[:2])
	}
	if len(s) != want {
		return fmt.Errorf("%w: %s needs %d characters, got %d", ErrIBANLength, s[:2], want, len(s))
	}
	if ibanMod97(s) != 1 {
		return ErrIBANChecksum
	}
	return nil
}

// ibanMod97 computes the ISO 13616 remainder of the rearranged IBAN (a
// letter counts as two digits, A = 10). Digits are gathered twelve at a
// time before one division: a million IBANs a file.
func ibanMod97(s string) int {
	var acc int64
	digits := 0
	add := func(c byte) {
		if isDigit(c) {
			acc, digits = acc*10+int64(c-'0'), digits+1
		} else {
			acc, digits = acc*100+int64(c-'A')+10, digits+2
		}
		if digits >= 12 { // below 10^14: no overflow
			acc, digits = acc%97, 2
		}
	}
	for i := 4; i < len(s); i++ {
		add(s[i])
	}
	for i := 0; i < 4; i++ {
		add(s[i])
	}
	return int(acc % 97)
}

// CheckBIC reports whether s is a syntactically valid BIC (ISO 9362).
func CheckBIC(s string) error {
	if len(s) != 8 && len(s) != 11 {
		return ErrBICSyntax
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if i < 6 && !isUpper(c) || i >= 6 && !isUpper(c) && !isDigit(c) {
			return ErrBICSyntax
		}
	}
	return nil
}

func isUpper(c byte) bool { return c >= 'A' && c <= 'Z' }
func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// ValidUETR reports whether s is a UETR: a lower-case UUID version 4, as
// ISO 20022 requires.
func ValidUETR(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case i == 8 || i == 13 || i == 18 || i == 23:
			if c != '-' {
				return false
			}
		case i == 14:
			if c != '4' {
				return false
			}
		case i == 19:
			if c != '8' && c != '9' && c != 'a' && c != 'b' {
				return false
			}
		case !isDigit(c) && (c < 'a' || c > 'f'):
			return false
		}
	}
	return true
}

// Creditor reference errors.
var (
	ErrReferenceSyntax   = errors.New("an RF creditor reference is RF, two check digits and up to 21 letters or digits")
	ErrReferenceChecksum = errors.New("RF creditor reference check digits are wrong (ISO 11649, mod-97)")
)

// CheckCreditorReference reports whether s is a valid ISO 11649 creditor
// reference ("RF18539007547034"): its syntax and its mod-97 check digits.
func CheckCreditorReference(s string) error {
	if len(s) < 5 || len(s) > 25 || s[0] != 'R' || s[1] != 'F' || !isDigit(s[2]) || !isDigit(s[3]) {
		return ErrReferenceSyntax
	}
	for i := 4; i < len(s); i++ {
		if !isUpper(s[i]) && !isDigit(s[i]) {
			return ErrReferenceSyntax
		}
	}
	if ibanMod97(s) != 1 {
		return ErrReferenceChecksum
	}
	return nil
}
