package validator

import (
	"testing"

	"maksa"
)

// TestDebtorAccountRemembered checks that remembering the last valid
// debtor account never lets another one through: each payment's account
// is judged as CheckIBAN judges it, whatever came before.
func TestDebtorAccountRemembered(t *testing.T) {
	for i, tt := range []struct {
		iban  string
		valid bool
	}{
		{"LV21TREL9160100000000", true},
		{"LV21TREL9160100000000", true},
		{"LV21TREL9160100000001", false},
		{"LV21TREL9160100000000", true},
		{"", false},
		{"LV80BANK0000435195001", true},
		{"LV21TREL9160100000000", true},
		{"LV80BANK0000435195001", true},
		{"LV80BANK0000435195002", false},
	} {
		if err := checkDebtorIBAN(tt.iban); (err == nil) != tt.valid || (err == nil) != (maksa.CheckIBAN(tt.iban) == nil) {
			t.Errorf("%d: %q: %v, want valid %v", i, tt.iban, err, tt.valid)
		}
	}
}
