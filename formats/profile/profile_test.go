package profile_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"maksa/formats/profile"
)

func TestNormalize(t *testing.T) {
	for in, want := range map[string]string{
		"Saņēmēja konts": "sanemeja konts", "SAŅĒMĒJA  KONTS": "sanemeja konts", "Dokumenta Nr.": "dokumenta nr",
		" Beneficiary-account ": "beneficiary account", "BIC/SWIFT": "bic swift", "": "",
	} {
		if got := profile.Normalize(in); got != want {
			t.Errorf("Normalize(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestAutoMatch(t *testing.T) {
	auto := profile.Auto()
	cols, err := auto.Match([]string{"Dokumenta Nr.", "MAKSĀTĀJA KONTS", "saņēmējs", "Beneficiary account", "Summa", "Izmaksu centrs", ""})
	if err != nil {
		t.Fatal(err)
	}
	if cols.Index[profile.EndToEndID] != 0 || cols.Index[profile.DebtorIBAN] != 1 || cols.Index[profile.CreditorName] != 2 || cols.Index[profile.CreditorIBAN] != 3 || cols.Index[profile.Amount] != 4 {
		t.Errorf("index = %v", cols.Index)
	}
	if len(cols.Warnings) != 1 || !strings.Contains(cols.Warnings[0], "Izmaksu centrs") {
		t.Errorf("warnings = %v", cols.Warnings)
	}
	_, err = auto.Match([]string{"Saņēmējs", "Summa", "Piezīmes"})
	if !errors.Is(err, profile.ErrMissingColumns) || !strings.Contains(err.Error(), `"Piezīmes"`) || !strings.Contains(err.Error(), "creditor_iban") {
		t.Errorf("error = %v, want missing columns naming the headers found", err)
	}
}

func TestLoad(t *testing.T) {
	path := filepath.Join(t.TempDir(), "profiles.yaml")
	os.WriteFile(path, []byte(`profiles:
  - name: horizon
    columns:
      creditor_iban: ["Konts"]
      creditor_name: ["Nosaukums"]
      amount: ["Summa EUR"]
    defaults:
      debtor_iban: LV21TREL9160100000000
    decimal: comma
`), 0o600)
	ps, err := profile.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	cols, err := ps["horizon"].Match([]string{"Nosaukums", "Konts", "Summa EUR"})
	if err != nil {
		t.Fatal(err)
	}
	if v, col := cols.Value([]string{"A", "B", "1"}, profile.DebtorIBAN); v != "LV21TREL9160100000000" || col != -1 {
		t.Errorf("default debtor = %q, %d", v, col)
	}
	os.WriteFile(path, []byte("profiles:\n  - name: x\n    columns:\n      colour: [a]\n"), 0o600)
	if _, err := profile.Load(path); err == nil || !strings.Contains(err.Error(), `unknown field "colour"`) {
		t.Errorf("error = %v, want unknown field", err)
	}
}
