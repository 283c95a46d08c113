package signing_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"testing"

	"github.com/shopspring/decimal"

	"maksa"
	"maksa/internal/test/fixture"
	"maksa/internal/test/testdb"
	"maksa/signing"
	"maksa/store"
)

// directoryKey makes a key pair and its directory entry.
func directoryKey(t *testing.T, ecdsaKey bool) (crypto.Signer, maksa.Key) {
	t.Helper()
	var priv crypto.Signer
	var err error
	if ecdsaKey {
		priv, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	} else {
		_, priv, err = ed25519.GenerateKey(rand.Reader)
	}
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(priv.Public())
	if err != nil {
		t.Fatal(err)
	}
	return priv, maksa.Key{PEM: string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))}
}

// TestVerifyManyAgreesWithOneByOne: verified together, each payment gets
// the verdict the rules give it alone — a good Ed25519 or ECDSA signature
// passes, a tampered payment or a foreign signature is DS0E wherever it
// sits in a batch, a revoked key DS0C, missing levels DS24, and a user's
// second Ed25519 key is found when the first does not verify.
func TestVerifyManyAgreesWithOneByOne(t *testing.T) {
	ctx := context.Background()
	svc := fixture.New(t, testdb.SQLite, 0).Signing
	instance, err := svc.Instance(ctx)
	if err != nil {
		t.Fatal(err)
	}
	edKey, ed := directoryKey(t, false)
	ecKey, ec := directoryKey(t, true)
	oldKey, old := directoryKey(t, false)
	newKey, neu := directoryKey(t, false)
	old.Revoked = true
	keys := map[string][]maksa.Key{"ed": {ed}, "ec": {ec}, "two": {old, neu}, "revoked": {{PEM: ed.PEM, Revoked: true}}}
	keysOf := func(user string) []maksa.Key { return keys[user] }

	var items []signing.Signed
	var want []maksa.Reason
	add := func(code maksa.Reason, required int, sigs ...func(p *maksa.Payment) store.Signature) {
		p := &maksa.Payment{ID: int64(len(items) + 1), DebtorIBAN: fixture.Account, CreditorIBAN: "LV80BANK0000435195001",
			CreditorName: "Ozols", Amount: decimal.RequireFromString("12.50"), Currency: "EUR", ExecutionDate: fixture.Day,
			EndToEndID: fmt.Sprintf("E2E-%d", len(items))}
		it := signing.Signed{Payment: p, Required: required}
		for level, sig := range sigs {
			s := sig(p)
			s.Level = level + 1
			it.Sigs = append(it.Sigs, s)
		}
		items, want = append(items, it), append(want, code)
	}
	over := func(digest func(string, *maksa.Payment) []byte, user string, key crypto.Signer) func(p *maksa.Payment) store.Signature {
		return func(p *maksa.Payment) store.Signature {
			sig, err := signing.Sign(key, digest(instance, p))
			if err != nil {
				t.Fatal(err)
			}
			return store.Signature{UserID: user, Value: sig}
		}
	}
	by := func(user string, key crypto.Signer) func(p *maksa.Payment) store.Signature {
		return over(signing.Digest, user, key)
	}
	// Signed before version 2: over the version 1 digest.
	byOne := func(user string, key crypto.Signer) func(p *maksa.Payment) store.Signature {
		return over(signing.DigestVersionOne, user, key)
	}
	tampered := func(sign func(*maksa.Payment) store.Signature) func(p *maksa.Payment) store.Signature {
		return func(p *maksa.Payment) store.Signature {
			q := *p
			q.Amount = decimal.RequireFromString("12.51")
			return sign(&q)
		}
	}
	referenced := func(sign func(*maksa.Payment) store.Signature) func(p *maksa.Payment) store.Signature {
		return func(p *maksa.Payment) store.Signature {
			q := *p
			q.Reference = "RF18539007547034"
			return sign(&q)
		}
	}
	garbage := func(*maksa.Payment) store.Signature {
		b := make([]byte, ed25519.SignatureSize)
		rand.Read(b)
		return store.Signature{UserID: "ed", Value: b}
	}
	for i := range 300 { // enough for a batch on every core, with bad ones among them
		switch i {
		case 7:
			add(maksa.DS0E, 1, tampered(by("ed", edKey)))
		case 150:
			add(maksa.DS0E, 1, garbage)
		case 151:
			add(maksa.DS0E, 1, by("ed", ecKey)) // signed with a key ed does not have
		default:
			add("", 1, by("ed", edKey))
		}
	}
	add("", 1, by("ec", ecKey))
	add(maksa.DS0E, 1, tampered(by("ec", ecKey)))
	add("", 1, byOne("ed", edKey))                   // made before version 2: still good
	add("", 1, byOne("ec", ecKey))                   //
	add(maksa.DS0E, 1, tampered(byOne("ed", edKey))) // version 1 covers the amount
	add(maksa.DS0E, 1, referenced(by("ed", edKey)))  // version 2 covers the reference
	add(maksa.DS0E, 1, referenced(by("ec", ecKey)))  //
	add("", 2, byOne("ed", edKey), by("ec", ecKey))  // one level before the upgrade, one after
	add(maksa.DS0C, 1, by("revoked", edKey))
	add(maksa.DS24, 2, by("ed", edKey))
	add("", 1, by("two", newKey))
	add(maksa.DS0C, 1, by("two", oldKey))
	add("", 2, by("ed", edKey), by("ec", ecKey))
	add(maksa.DS0E, 2, by("ed", edKey), tampered(by("ec", ecKey)))
	add(maksa.DS0C, 2, by("ed", edKey), by("revoked", edKey))

	verdicts, err := svc.VerifyMany(ctx, items, keysOf)
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range verdicts {
		var got maksa.Reason
		var pr *maksa.Problem
		if errors.As(v, &pr) {
			got = pr.Code
		} else if v != nil {
			t.Fatalf("payment %d: %v", i+1, v)
		}
		if got != want[i] {
			t.Errorf("payment %d: verdict %q (%v), want %q", i+1, got, v, want[i])
		}
		// One at a time, the same.
		if alone := svc.Verify(ctx, items[i].Payment, items[i].Required, items[i].Sigs, keysOf); fmt.Sprint(alone) != fmt.Sprint(v) {
			t.Errorf("payment %d: alone %v, together %v", i+1, alone, v)
		}
	}
}

// BenchmarkVerifyMany verifies 1,000 payments with one Ed25519 signature
// each, as the nightly batch does a chunk at a time.
func BenchmarkVerifyMany(b *testing.B) {
	ctx := context.Background()
	f := fixture.New(b, testdb.SQLite, 0)
	instance, _ := f.Signing.Instance(ctx)
	d, _ := f.Store.Directory(ctx)
	keysOf := func(string) []maksa.Key { return d.Users[0].Keys }
	items := make([]signing.Signed, 1000)
	for i := range items {
		p := &maksa.Payment{ID: int64(i + 1), DebtorIBAN: fixture.Account, Amount: decimal.NewFromInt(int64(i)), Currency: "EUR", ExecutionDate: fixture.Day}
		sig, _ := signing.Sign(f.Key, signing.Digest(instance, p))
		items[i] = signing.Signed{Payment: p, Required: 1, Sigs: []store.Signature{{UserID: "u", Level: 1, Value: sig}}}
	}
	for b.Loop() {
		if v, err := f.Signing.VerifyMany(ctx, items, keysOf); err != nil || v[999] != nil {
			b.Fatal(err, v[999])
		}
	}
	b.ReportMetric(float64(len(items)*b.N)/b.Elapsed().Seconds(), "signatures/s")
}
