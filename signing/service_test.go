package signing_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"maksa"
	"maksa/internal/fixture"
	"maksa/internal/testdb"
)

// TestVerifyAllRefusesTamperedPayment is what execution does: a payment
// whose amount was changed in the database after it was signed no longer
// verifies.
func TestVerifyAllRefusesTamperedPayment(t *testing.T) {
	ctx := context.Background()
	f := fixture.New(t, testdb.SQLite, 2)
	svc, ids, dsn := f.Signing, f.IDs, f.DSN
	outcomes, err := svc.SignWithKey(ctx, "u", f.Key, ids)
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
		f := fixture.New(b, testdb.SQLite, 10000)
		b.StartTimer()
		start := time.Now()
		out, err := f.Signing.SignWithKey(context.Background(), "u", f.Key, f.IDs)
		elapsed += time.Since(start)
		if err != nil || len(out) != 10000 || !out[9999].Signed {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(10000*b.N)/elapsed.Seconds(), "signatures/s")
}

// TestQueueAcrossChunks: the queue is read a chunk of 1,000 at a time; every
// payment appears once, in file order, with the signatures it has.
func TestQueueAcrossChunks(t *testing.T) {
	ctx := context.Background()
	f := fixture.New(t, testdb.SQLite, 2500)
	lines, err := f.Signing.Queue(ctx, "u", "")
	if err != nil || len(lines) != 2500 {
		t.Fatalf("queue: %d lines, %v", len(lines), err)
	}
	for i, l := range lines {
		if l.PaymentID != f.IDs[i] || l.LevelsDone != 0 {
			t.Fatalf("line %d: payment %d with %d levels, want %d with 0", i, l.PaymentID, l.LevelsDone, f.IDs[i])
		}
	}
	if _, err := f.Signing.SignWithKey(ctx, "u", f.Key, f.IDs[1500:1501]); err != nil {
		t.Fatal(err)
	}
	all, err := f.Signing.Queue(ctx, "", "")
	if err != nil || len(all) != 2499 {
		t.Fatalf("queue after one was fully signed: %d lines, %v", len(all), err)
	}
}
