package signing_test

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"maksa"
	"maksa/signing"
)

var update = flag.Bool("update", false, "rewrite testdata/signing/vectors.json")

func payment() *maksa.Payment {
	return &maksa.Payment{ID: 42, DebtorIBAN: "LV21TREL9160100000000", CreditorIBAN: "LV44HABA0551000000001", CreditorName: "Jānis Bērziņš",
		CreditorBIC: "HABALV22", Amount: decimal.RequireFromString("1234.5"), Currency: "EUR",
		ExecutionDate: time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC), EndToEndID: "E2E-1", Remittance: "Alga\nnovembris"}
}

// forwarded is payment() with every field the clearing file carries on
// besides: a tax payment with a creditor reference, purpose, ultimate
// parties and a structured address with a line.
func forwarded() *maksa.Payment {
	p := payment()
	p.ID, p.Reference, p.InstructionID, p.Kind, p.Purpose, p.CategoryPurpose = 43, "RF18539007547034", "I-43", maksa.KindBudget, "TAXS", "TAXS"
	p.CreditorID, p.UltimateDebtor, p.UltimateCreditor = "40003520643", "Rīgas domes Izglītības departaments", "VID"
	p.CreditorAddress = maksa.Address{Street: "Talejas iela", Building: "1", PostCode: "LV-1978", Town: "Rīga", Country: "LV", Lines: []string{"Klientu centrs"}}
	return p
}

type vector struct {
	Instance  string `json:"instance"`
	Canonical string `json:"canonical"`
	Digest    string `json:"digest"`
}

// TestVectors keeps the canonical form and digest of sample payments in
// testdata/signing/vectors.json, so that an outside implementation can
// check its own.
func TestVectors(t *testing.T) {
	const instance = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
	p2 := payment()
	p2.ID, p2.CreditorBIC, p2.Remittance, p2.Amount, p2.Currency = 7, "", "", decimal.RequireFromString("1000"), "JPY"
	var got []vector
	for _, p := range []*maksa.Payment{payment(), p2, forwarded()} {
		got = append(got, vector{instance, string(signing.Canonical(instance, p)), hex.EncodeToString(signing.Digest(instance, p))})
	}
	path := "../testdata/signing/vectors.json"
	if *update {
		js, _ := json.MarshalIndent(got, "", "  ")
		os.WriteFile(path, append(js, '\n'), 0o644)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var want []vector
	if err := json.Unmarshal(data, &want); err != nil {
		t.Fatal(err)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("vector %d:\n%+v\nwant\n%+v", i, got[i], want[i])
		}
	}
	if len(got) != len(want) {
		t.Errorf("%d vectors, want %d", len(got), len(want))
	}
	if want[0].Canonical[:len("maksa-payment-v2=0:\ninstance=36:")] != "maksa-payment-v2=0:\ninstance=36:" {
		t.Errorf("canonical form starts %q", want[0].Canonical[:30])
	}
}

func TestDigestBindsEveryField(t *testing.T) {
	base := signing.Digest("i", forwarded())
	for name, change := range map[string]func(*maksa.Payment){
		"id":                func(p *maksa.Payment) { p.ID++ },
		"amount":            func(p *maksa.Payment) { p.Amount = p.Amount.Add(decimal.New(1, -2)) },
		"creditor":          func(p *maksa.Payment) { p.CreditorIBAN = "LV31UNLA0050000000002" },
		"name":              func(p *maksa.Payment) { p.CreditorName += " " },
		"date":              func(p *maksa.Payment) { p.ExecutionDate = p.ExecutionDate.AddDate(0, 0, 1) },
		"e2e":               func(p *maksa.Payment) { p.EndToEndID = "E2E-2" },
		"bic":               func(p *maksa.Payment) { p.CreditorBIC = "" },
		"remit":             func(p *maksa.Payment) { p.Remittance = "Alga" },
		"currency":          func(p *maksa.Payment) { p.Currency = "USD" },
		"reference":         func(p *maksa.Payment) { p.Reference = "RF18539007547035" },
		"instruction":       func(p *maksa.Payment) { p.InstructionID = "I-44" },
		"kind":              func(p *maksa.Payment) { p.Kind = maksa.KindSEPA },
		"purpose":           func(p *maksa.Payment) { p.Purpose = "SALA" },
		"category":          func(p *maksa.Payment) { p.CategoryPurpose = "" },
		"creditor id":       func(p *maksa.Payment) { p.CreditorID = "40003520644" },
		"ultimate debtor":   func(p *maksa.Payment) { p.UltimateDebtor = "" },
		"ultimate creditor": func(p *maksa.Payment) { p.UltimateCreditor = "VID " },
		"street":            func(p *maksa.Payment) { p.CreditorAddress.Street = "Talejas" },
		"street to line": func(p *maksa.Payment) {
			p.CreditorAddress.Street, p.CreditorAddress.Lines = "", []string{"Talejas iela", "Klientu centrs"}
		},
		"country": func(p *maksa.Payment) { p.CreditorAddress.Country = "EE" },
		"line":    func(p *maksa.Payment) { p.CreditorAddress.Lines = nil },
	} {
		p := forwarded()
		change(p)
		if hex.EncodeToString(signing.Digest("i", p)) == hex.EncodeToString(base) {
			t.Errorf("changing the %s does not change the digest", name)
		}
	}
	if hex.EncodeToString(signing.Digest("j", forwarded())) == hex.EncodeToString(base) {
		t.Error("the digest does not bind the installation")
	}
}

func TestSignVerify(t *testing.T) {
	_, ed, _ := ed25519.GenerateKey(rand.Reader)
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	rs, _ := rsa.GenerateKey(rand.Reader, 2048)
	ec384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	digest := signing.Digest("i", payment())
	for name, key := range map[string]crypto.Signer{"ed25519": ed, "ecdsa": ec, "rsa": rs} {
		sig, err := signing.Sign(key, digest)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if err := signing.Verify(key.Public(), digest, sig); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		other := signing.Digest("i", &maksa.Payment{ID: 1})
		if err := signing.Verify(key.Public(), other, sig); err != signing.ErrBadSignature {
			t.Errorf("%s: a signature verified over another payment: %v", name, err)
		}
	}
	if _, err := signing.Sign(ec384, digest); err != signing.ErrKeyType {
		t.Errorf("P-384 key: %v, want ErrKeyType", err)
	}
}

// BenchmarkDigestSignVerify is one payment's cryptographic path with each
// kind of key: its canonical digest, a signature over it, and the
// signature verified one by one (the batch verifies Ed25519 in batches:
// BenchmarkVerifyMany).
func BenchmarkDigestSignVerify(b *testing.B) {
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	_, edKey, _ := ed25519.GenerateKey(rand.Reader)
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	p := payment()
	for _, k := range []struct {
		name string
		key  crypto.Signer
	}{{"Ed25519", edKey}, {"ECDSA-P256", ecKey}, {"RSA-2048", rsaKey}} {
		b.Run(k.name, func(b *testing.B) {
			for b.Loop() {
				digest := signing.Digest("0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0", p)
				sig, err := signing.Sign(k.key, digest)
				if err != nil {
					b.Fatal(err)
				}
				if err := signing.Verify(k.key.Public(), digest, sig); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestCanonicalAsDocumented writes the canonical form as the package
// documentation says, field by field, and compares: long values (past the
// digest's buffer), amounts of every precision and sign, an unknown
// currency (its text as given), ids of any width.
func TestCanonicalAsDocumented(t *testing.T) {
	const instance = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
	long := strings.Repeat("Rēķins Nr. 2026/12 & citi ", 80)
	for i, change := range []func(*maksa.Payment){
		func(p *maksa.Payment) {},
		func(p *maksa.Payment) { p.ID, p.Amount = 1<<62, decimal.RequireFromString("0.05") },
		func(p *maksa.Payment) { p.Remittance, p.CreditorName = long, long[:140] },
		func(p *maksa.Payment) {
			p.Amount, p.Currency = decimal.RequireFromString("99999999999999999.99"), "EUR"
		},
		func(p *maksa.Payment) { p.Amount, p.Currency = decimal.RequireFromString("1000"), "JPY" },
		func(p *maksa.Payment) {
			p.Amount, p.Currency, p.AmountText = decimal.RequireFromString("12.3"), "XXZ", "12.3"
		},
		func(p *maksa.Payment) { p.ID, p.CreditorBIC, p.Remittance = 0, "", "" },
		func(p *maksa.Payment) { *p = *forwarded() },
		func(p *maksa.Payment) {
			*p = *forwarded()
			p.CreditorAddress = maksa.Address{Department: "Nodokļu", Room: "12", Lines: []string{long[:70], "Rīga"}}
		},
	} {
		p := payment()
		change(p)
		amount := p.AmountText
		if cur, ok := maksa.LookupCurrency(p.Currency); ok {
			amount = p.Amount.StringFixed(cur.MinorUnits)
		}
		var want strings.Builder
		for _, f := range [][2]string{{signing.Version, ""}, {"instance", instance}, {"payment", strconv.FormatInt(p.ID, 10)},
			{"debtor_iban", p.DebtorIBAN}, {"creditor_account", p.CreditorIBAN}, {"creditor_name", p.CreditorName}, {"creditor_bic", p.CreditorBIC},
			{"amount", amount}, {"currency", p.Currency}, {"execution_date", p.ExecutionDate.Format("2006-01-02")},
			{"end_to_end_id", p.EndToEndID}, {"remittance", p.Remittance}, {"reference", p.Reference}, {"instruction_id", p.InstructionID},
			{"kind", string(p.Kind)}, {"purpose", p.Purpose}, {"category_purpose", p.CategoryPurpose}, {"creditor_id", p.CreditorID},
			{"ultimate_debtor", p.UltimateDebtor}, {"ultimate_creditor", p.UltimateCreditor}} {
			fmt.Fprintf(&want, "%s=%d:%s\n", f[0], len(f[1]), f[1])
		}
		a := p.CreditorAddress
		for _, f := range [][2]string{{"Dept", a.Department}, {"SubDept", a.SubDepartment}, {"StrtNm", a.Street}, {"BldgNb", a.Building},
			{"BldgNm", a.BuildingName}, {"Flr", a.Floor}, {"PstBx", a.PostBox}, {"Room", a.Room}, {"PstCd", a.PostCode}, {"TwnNm", a.Town},
			{"TwnLctnNm", a.TownLocation}, {"DstrctNm", a.District}, {"CtrySubDvsn", a.SubDivision}, {"Ctry", a.Country}} {
			if f[1] != "" {
				fmt.Fprintf(&want, "creditor_address.%s=%d:%s\n", f[0], len(f[1]), f[1])
			}
		}
		for _, line := range a.Lines {
			fmt.Fprintf(&want, "creditor_address.AdrLine=%d:%s\n", len(line), line)
		}
		if got := string(signing.Canonical(instance, p)); got != want.String() {
			t.Errorf("payment %d:\n got %q\nwant %q", i, got, want.String())
		}
		if sum := sha256.Sum256([]byte(want.String())); !bytes.Equal(signing.Digest(instance, p), sum[:]) {
			t.Errorf("payment %d: the digest is not the SHA-256 of the canonical form", i)
		}
	}
}

// BenchmarkDigest is one payment's canonical digest, which signing a set
// and the night's proof of it compute for every payment.
func BenchmarkDigest(b *testing.B) {
	p := payment()
	b.ReportAllocs()
	for b.Loop() {
		signing.Digest("0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0", p)
	}
}
