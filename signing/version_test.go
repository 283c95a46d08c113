package signing

import (
	"encoding/hex"
	"encoding/json"
	"os"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"maksa"
)

// TestVersionOneVectors: the version 1 digest, which signatures made before
// version 2 cover, is still the one testdata/signing/vectors-v1.json holds
// (the vectors of version 1, as published then).
func TestVersionOneVectors(t *testing.T) {
	data, err := os.ReadFile("../testdata/signing/vectors-v1.json")
	if err != nil {
		t.Fatal(err)
	}
	var want []struct{ Instance, Canonical, Digest string }
	if err := json.Unmarshal(data, &want); err != nil || len(want) != 2 {
		t.Fatalf("%d vectors: %v", len(want), err)
	}
	p := &maksa.Payment{ID: 42, DebtorIBAN: "LV21TREL9160100000000", CreditorIBAN: "LV44HABA0551000000001", CreditorName: "Jānis Bērziņš",
		CreditorBIC: "HABALV22", Amount: decimal.RequireFromString("1234.5"), Currency: "EUR",
		ExecutionDate: time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC), EndToEndID: "E2E-1", Remittance: "Alga\nnovembris",
		Reference: "RF18539007547034", Purpose: "SALA"} // not in version 1
	q := *p
	q.ID, q.CreditorBIC, q.Remittance, q.Amount, q.Currency = 7, "", "", decimal.RequireFromString("1000"), "JPY"
	for i, p := range []*maksa.Payment{p, &q} {
		if got := string(appendVersionOne(nil, versionOne, want[i].Instance, p)); got != want[i].Canonical {
			t.Errorf("vector %d: canonical\n%q\nwant\n%q", i, got, want[i].Canonical)
		}
		if got := hex.EncodeToString(DigestVersionOne(want[i].Instance, p)); got != want[i].Digest {
			t.Errorf("vector %d: digest %s, want %s", i, got, want[i].Digest)
		}
	}
}
