package signing_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"maksa"
	"maksa/importer"
	"maksa/internal/testdb"
	"maksa/internal/testgen"
	"maksa/signing"
	"maksa/store"
)

var riga, _ = time.LoadLocation("Europe/Riga")
var clock = maksa.ClockFrom(time.Date(2026, 11, 25, 10, 0, 0, 0, riga))

// setup stores n imported payments on a one-level account and returns the
// service, the signer's key and the payment ids.
func setup(tb testing.TB, n int) (*signing.Service, ed25519.PrivateKey, []int64, string) {
	tb.Helper()
	ctx := context.Background()
	dsn := testdb.SQLite(tb)
	db, err := store.Open(ctx, dsn)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	db.Now = clock
	_, key, _ := ed25519.GenerateKey(rand.Reader)
	der, _ := x509.MarshalPKIXPublicKey(key.Public())
	sum := sha256.Sum256(der)
	limit := decimal.New(1, 12)
	until := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	dir := &maksa.Directory{
		Clients:  []maksa.Client{{ID: "1", Name: "K"}},
		Accounts: []maksa.Account{{IBAN: "LV21TREL9160100000000", ClientID: "1", Currency: "EUR", Signatures: 1, Status: maksa.AccountActive}},
		Users: []maksa.User{{ID: "u", Name: "U", Status: maksa.UserActive, ValidUntil: until,
			Keys: []maksa.Key{{Fingerprint: hex.EncodeToString(sum[:]), PEM: string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))}}}},
		Grants: []maksa.Grant{{UserID: "u", AccountIBAN: "LV21TREL9160100000000", Modes: []maksa.Mode{maksa.ModePrepare, maksa.ModeSign1}, PaymentLimit: limit, DailyLimit: limit}},
	}
	if _, err := db.ApplyDirectory(ctx, dir, "test"); err != nil {
		tb.Fatal(err)
	}
	path := filepath.Join(tb.TempDir(), "f.xml")
	f, _ := os.Create(path)
	testgen.Spec{Count: n, MessageID: "S", Seed: 1, Date: time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)}.WritePain001(f)
	f.Close()
	im := &importer.Importer{Store: db, Now: clock, Location: riga, DaysPast: 10, DaysFuture: 90}
	res, err := im.ImportFile(ctx, path, importer.Options{UserID: "u"})
	if err != nil || res.Accepted != n {
		tb.Fatalf("import: %v %+v", err, res)
	}
	ids, err := db.BatchPaymentIDs(ctx, res.BatchID)
	if err != nil {
		tb.Fatal(err)
	}
	return &signing.Service{Store: db, Now: clock, Location: riga, SignDays: 5}, key, ids, dsn
}

// TestVerifyAllRefusesTamperedPayment is what execution does: a payment
// whose amount was changed in the database after it was signed no longer
// verifies.
func TestVerifyAllRefusesTamperedPayment(t *testing.T) {
	ctx := context.Background()
	svc, key, ids, dsn := setup(t, 2)
	outcomes, err := svc.SignWithKey(ctx, "u", key, ids)
	if err != nil || !outcomes[0].Signed || outcomes[0].Status != maksa.ACCP {
		t.Fatalf("sign: %v %+v", err, outcomes)
	}
	d, _ := svc.Store.Directory(ctx)
	keysOf := func(string) []maksa.Key { return d.Users[0].Keys }
	for _, id := range ids {
		p, _ := svc.Store.Payment(ctx, id)
		if err := svc.VerifyAll(ctx, p, 1, keysOf); err != nil {
			t.Fatalf("payment %d does not verify before tampering: %v", id, err)
		}
	}
	testdb.Exec(t, dsn, `UPDATE payments SET amount = '1.00', amount_minor = 100 WHERE id = ?`, ids[0])
	p, _ := svc.Store.Payment(ctx, ids[0])
	var pr *maksa.Problem
	if err := svc.VerifyAll(ctx, p, 1, keysOf); !errors.As(err, &pr) || pr.Code != maksa.DS0E {
		t.Errorf("tampered payment: %v, want DS0E", err)
	}
	// A revoked key no longer vouches for its signatures.
	revoked := append([]maksa.Key(nil), d.Users[0].Keys...)
	revoked[0].Revoked = true
	p, _ = svc.Store.Payment(ctx, ids[1])
	if err := svc.VerifyAll(ctx, p, 1, func(string) []maksa.Key { return revoked }); !errors.As(err, &pr) || pr.Code != maksa.DS0C {
		t.Errorf("revoked key: %v, want DS0C", err)
	}
}

// BenchmarkSign10k signs the 10,000 payments of one batch in one call.
func BenchmarkSign10k(b *testing.B) {
	var elapsed time.Duration
	for b.Loop() {
		b.StopTimer()
		svc, key, ids, _ := setup(b, 10000)
		b.StartTimer()
		start := time.Now()
		out, err := svc.SignWithKey(context.Background(), "u", key, ids)
		elapsed += time.Since(start)
		if err != nil || len(out) != 10000 || !out[9999].Signed {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(10000*b.N)/elapsed.Seconds(), "signatures/s")
}
