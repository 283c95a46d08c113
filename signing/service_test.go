package signing_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"maksa"
	"maksa/internal/test/fixture"
	"maksa/internal/test/testdb"
	"maksa/signing"
)

// TestVerifyAllRefusesTamperedPayment is what execution does: a payment
// whose amount was changed in the database after it was signed no longer
// verifies.
func TestVerifyAllRefusesTamperedPayment(t *testing.T) {
	ctx := context.Background()
	f := fixture.New(t, testdb.SQLite, 2)
	svc, ids, dsn := f.Signing, f.IDs, f.DSN
	outcomes, err := svc.SignWithKey(ctx, "u", f.Key, ids, true)
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
		out, err := f.Signing.SignWithKey(context.Background(), "u", f.Key, f.IDs, true)
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
	if _, err := f.Signing.SignWithKey(ctx, "u", f.Key, f.IDs[1500:1501], true); err != nil {
		t.Fatal(err)
	}
	all, err := f.Signing.Queue(ctx, "", "")
	if err != nil || len(all) != 2499 {
		t.Fatalf("queue after one was fully signed: %d lines, %v", len(all), err)
	}
}

// TestConcurrentRunsShareTheDailyLimit: two signing runs of one user at
// the same time, on alternate payments, together sign no more than the
// user's daily limit (the day's total is locked per chunk on PostgreSQL).
func TestConcurrentRunsShareTheDailyLimit(t *testing.T) {
	for _, b := range testdb.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			f := fixture.New(t, b.DSN, 2400)
			var total int
			testdb.Row(t, f.DSN, `SELECT SUM(amount_minor) FROM payments`, &total)
			limit := total / 2
			testdb.Exec(t, f.DSN, `UPDATE grants SET daily_limit = ? WHERE user_id = 'u'`, fmt.Sprintf("%d.%02d", limit/100, limit%100))
			var halves [2][]int64
			for i, id := range f.IDs {
				halves[i%2] = append(halves[i%2], id)
			}
			var wg sync.WaitGroup
			var refused [2]int
			for h := range halves {
				wg.Go(func() {
					out, err := f.Signing.SignWithKey(ctx, "u", f.Key, halves[h], true)
					if err != nil {
						t.Error(err)
					}
					for _, o := range out {
						if !o.Signed && len(o.Reasons) > 0 && o.Reasons[0].Code == maksa.AM21 {
							refused[h]++
						}
					}
				})
			}
			wg.Wait()
			var signed int
			testdb.Row(t, f.DSN, `SELECT COALESCE(SUM(p.amount_minor), 0) FROM signatures s JOIN payments p ON p.id = s.payment_id`, &signed)
			if signed > limit || refused[0]+refused[1] == 0 {
				t.Errorf("signed %d minor units against a daily limit of %d (%d and %d refused with AM21)", signed, limit, refused[0], refused[1])
			}
			var kept int
			testdb.Row(t, f.DSN, `SELECT amount_minor FROM signed_totals WHERE user_id = 'u'`, &kept)
			if kept != signed {
				t.Errorf("the day's total says %d, the signatures %d", kept, signed)
			}
		})
	}
}

// TestSigningWaitsBetweenChunks: when PostgreSQL goes away after the first
// chunk of 1,000 is committed, signing waits (Patience) and signs the rest
// once it is back: every payment signed once, every outcome reported once.
func TestSigningWaitsBetweenChunks(t *testing.T) {
	proxy, dsn := testdb.NewProxy(t, testdb.Postgres(t))
	f := fixture.New(t, func(testing.TB) string { return dsn }, 2500)
	f.Signing.Patience = time.Minute
	seen := map[int64]bool{}
	err := f.Signing.SignEachWithKey(context.Background(), "u", f.Key, f.IDs, true, func(o signing.Outcome) error {
		if len(seen) == 0 {
			proxy.Down()
			time.AfterFunc(2*time.Second, proxy.Up)
		}
		if seen[o.PaymentID] || !o.Signed {
			t.Errorf("payment %d: %+v (seen before: %v)", o.PaymentID, o, seen[o.PaymentID])
		}
		seen[o.PaymentID] = true
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(seen) != 2500 {
		t.Errorf("%d outcomes, want 2500", len(seen))
	}
	if n := testdb.Count(t, dsn, `SELECT COUNT(*) FROM signatures`); n != 2500 {
		t.Errorf("%d signatures, want 2500", n)
	}
}

// TestSigningSurvivesALostCommit: when the database commits a chunk of
// signatures but the answer to COMMIT is lost, signing tries the chunk
// again; it must recognise its own signatures there and report them
// signed, not refuse them as signed already (DS26).
func TestSigningSurvivesALostCommit(t *testing.T) {
	proxy, dsn := testdb.NewProxy(t, testdb.Postgres(t))
	f := fixture.New(t, func(testing.TB) string { return dsn }, 5)
	f.Signing.Patience = time.Minute
	proxy.CutAtCommit("")
	outcomes, err := f.Signing.SignWithKey(context.Background(), "u", f.Key, f.IDs, true)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range outcomes {
		if !o.Signed || o.Status != maksa.ACCP || o.Level != 1 || len(o.Reasons) != 0 {
			t.Errorf("payment %d: %+v, want signed once and ACCP", o.PaymentID, o)
		}
	}
	if n := testdb.Count(t, dsn, `SELECT COUNT(*) FROM signatures`); n != 5 {
		t.Errorf("%d signatures, want 5", n)
	}
}
