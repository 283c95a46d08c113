package nightly_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"maksa"
	"maksa/exporter"
	"maksa/internal/memwatch"
	"maksa/internal/test/fixture"
	"maksa/internal/test/testdb"
	"maksa/nightly"
	"maksa/signing"
	"maksa/store"
)

func runner(f *fixture.Fixture, home string) *nightly.Runner {
	return &nightly.Runner{Store: f.Store, Signing: f.Signing, Home: home, Owner: "test", Now: fixture.Evening,
		Exporter: &exporter.Exporter{Store: f.Store, Location: fixture.Riga, Clearing: "LV94TREL0000000000001"}}
}

// TestInterruptedRunContinues stops a run after its first chunk, as a crash
// between two commits would, and runs the day again: every payment is
// executed once, none twice.
func TestInterruptedRunContinues(t *testing.T) {
	f := fixture.New(t, testdb.SQLite, 2500)
	f.SignAll(t)
	ctx, cancel := context.WithCancel(context.Background())
	r := runner(f, t.TempDir())
	r.Progress = func(done int) { cancel() }
	if _, err := r.Run(ctx, fixture.Day); err == nil {
		t.Fatal("the interrupted run reported success")
	}
	if n := testdb.Count(t, f.DSN, `SELECT COUNT(*) FROM payments WHERE status = 'ACSC'`); n != 1000 {
		t.Fatalf("%d payments executed before the interruption, want the first chunk of 1000", n)
	}
	// The lock of the interrupted run was released; the day runs again.
	r.Progress = nil
	sum, err := r.Run(context.Background(), fixture.Day)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Executed != 1500 {
		t.Errorf("the second run executed %d, want the remaining 1500", sum.Executed)
	}
	if n := testdb.Count(t, f.DSN, `SELECT COUNT(*) FROM postings`); n != 5000 {
		t.Errorf("%d postings, want two per payment", n)
	}
}

func benchmarkRun(b *testing.B, dsn func(testing.TB) string, n int) {
	var elapsed time.Duration
	var peak uint64
	for b.Loop() {
		b.StopTimer()
		f := fixture.New(b, dsn, n)
		f.SignAll(b)
		home := b.TempDir()
		b.StartTimer()
		watch := memwatch.Start()
		start := time.Now()
		sum, err := runner(f, home).Run(context.Background(), fixture.Day)
		elapsed += time.Since(start)
		peak = max(peak, watch.Stop())
		if err != nil || sum.Executed != n {
			b.Fatal(err, sum)
		}
	}
	b.ReportMetric(float64(n*b.N)/elapsed.Seconds(), "payments/s")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
}

func BenchmarkRun10kSQLite(b *testing.B) { benchmarkRun(b, testdb.SQLite, 10000) }

func BenchmarkRun10kPostgres(b *testing.B) {
	if os.Getenv(testdb.EnvPostgres) == "" {
		b.Skipf("SKIP: %s is not set", testdb.EnvPostgres)
	}
	benchmarkRun(b, testdb.Postgres, 10000)
}

// TestKilledHolderIsTakenOver holds the batch lock in the name of a process
// on this host that has exited, as "kill -9" mid-batch leaves it: the next
// run takes it over at once. A lock held by a living process is refused.
func TestKilledHolderIsTakenOver(t *testing.T) {
	f := fixture.New(t, testdb.SQLite, 10)
	f.SignAll(t)
	host, _ := os.Hostname()
	exited := exec.Command("go", "version")
	if err := exited.Run(); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	alive := fmt.Sprintf("batch@%s:%d", host, os.Getpid())
	if err := f.Store.AcquireLock(ctx, "nightly-batch", alive, time.Hour, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := runner(f, t.TempDir()).Run(ctx, fixture.Day); !errors.Is(err, store.ErrLocked) {
		t.Fatalf("a run while a living process holds the lock: %v, want ErrLocked", err)
	}
	f.Store.ReleaseLock(ctx, "nightly-batch", alive)
	dead := fmt.Sprintf("batch@%s:%d", host, exited.Process.Pid)
	if err := f.Store.AcquireLock(ctx, "nightly-batch", dead, time.Hour, nil); err != nil {
		t.Fatal(err)
	}
	sum, err := runner(f, t.TempDir()).Run(ctx, fixture.Day)
	if err != nil {
		t.Fatalf("the lock of an exited process was not taken over: %v", err)
	}
	if sum.Executed != 10 {
		t.Errorf("executed %d, want 10", sum.Executed)
	}
}

func TestHolderGone(t *testing.T) {
	host, _ := os.Hostname()
	for _, owner := range []string{"test", "batch@elsewhere:1", fmt.Sprintf("batch@%s:%d (MAKSA_NOW=x)", host, os.Getpid())} {
		if nightly.HolderGone(owner) {
			t.Errorf("HolderGone(%q) = true", owner)
		}
	}
}

// TestDatabaseOutage takes PostgreSQL away after the first chunk of a run
// and brings it back two seconds later: the run waits, retries and ends
// with every payment executed once, and the log tells of the outage in two
// lines, not one per attempt.
func TestDatabaseOutage(t *testing.T) {
	proxy, dsn := testdb.NewProxy(t, testdb.Postgres(t))
	f := fixture.New(t, func(testing.TB) string { return dsn }, 2500)
	f.SignAll(t)
	var log bytes.Buffer
	r := runner(f, t.TempDir())
	r.Patience, r.Log = time.Minute, slog.New(slog.NewTextHandler(&log, nil))
	var once sync.Once
	r.Progress = func(done int) {
		once.Do(func() {
			proxy.Down()
			time.AfterFunc(2*time.Second, proxy.Up)
		})
	}
	sum, err := r.Run(context.Background(), fixture.Day)
	if err != nil {
		t.Fatalf("the run gave up: %v\n%s", err, log.String())
	}
	if sum.Executed != 2500 {
		t.Errorf("the run reports %d executed, want 2500", sum.Executed)
	}
	if n := testdb.Count(t, f.DSN, `SELECT COUNT(*) FROM postings`); n != 5000 {
		t.Errorf("%d postings, want two per payment", n)
	}
	if n := strings.Count(log.String(), "database unreachable"); n != 1 {
		t.Errorf("%d 'database unreachable' lines, want 1:\n%s", n, log.String())
	}
	if n := strings.Count(log.String(), "database reachable again"); n != 1 {
		t.Errorf("%d 'database reachable again' lines, want 1:\n%s", n, log.String())
	}
}

// TestStoredAmountMustBeSigned: a payment whose amount in minor units was
// changed behind its signatures (the column limits and totals sum) is
// refused DS0E, not executed; the others are executed. Both databases.
func TestStoredAmountMustBeSigned(t *testing.T) {
	for _, b := range testdb.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			f := fixture.New(t, b.DSN, 3)
			f.SignAll(t)
			testdb.Exec(t, f.DSN, `UPDATE payments SET amount_minor = amount_minor + 1 WHERE id = ?`, f.IDs[1])
			sum, err := runner(f, t.TempDir()).Run(context.Background(), fixture.Day)
			if err != nil {
				t.Fatal(err)
			}
			if sum.Executed != 2 || sum.Refused != 1 {
				t.Errorf("summary %+v, want 2 executed and the changed one refused", sum)
			}
			var status, reasons string
			testdb.Row(t, f.DSN, `SELECT status, reasons FROM payments WHERE id = `+fmt.Sprint(f.IDs[1]), &status, &reasons)
			if status != "RJCT" || !strings.Contains(reasons, "DS0E") || !strings.Contains(reasons, "stored amount") {
				t.Errorf("the changed payment is %s %s, want RJCT DS0E", status, reasons)
			}
		})
	}
}

// TestForwardedFieldsAreSigned: a signature covers what the clearing file
// carries on besides the essentials (signing's canonical digest, version
// 2): payments with a creditor reference, purpose, ultimate parties, a
// creditor id and a structured address, signed one by one or as one set,
// are executed; one whose reference, address, purpose or ultimate
// creditor was changed behind its signature is refused DS0E. Both
// databases.
func TestForwardedFieldsAreSigned(t *testing.T) {
	address := maksa.Address{Street: "Talejas iela", Building: "1", PostCode: "LV-1978", Town: "Rīga", Country: "LV"}.Encode()
	changes := []string{
		`reference = 'RF18539007547035'`,
		`creditor_address = '` + maksa.Address{Street: "Talejas iela", Building: "2", PostCode: "LV-1978", Town: "Rīga", Country: "LV"}.Encode() + `'`,
		`purpose = 'CASH'`,
		`ultimate_creditor = 'Cits'`,
	}
	for _, b := range testdb.Backends(t) {
		for _, set := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/set=%v", b.Name, set), func(t *testing.T) {
				f := fixture.New(t, b.DSN, 6)
				testdb.Exec(t, f.DSN, `UPDATE payments SET reference = 'RF18539007547034', instr_id = 'I-1', purpose = 'TAXS', category_purpose = 'TAXS',
					creditor_id = '40003520643', ultimate_debtor = 'Rīgas dome', ultimate_creditor = 'VID', creditor_address = ?, creditor_country = 'LV'`, address)
				if set {
					if _, err := f.Signing.SignQueueAsSet(context.Background(), "u", func(*maksa.Payment) bool { return true }, f.Key, true, func(signing.Outcome) error { return nil }); err != nil {
						t.Fatal(err)
					}
				} else {
					f.SignAll(t)
				}
				for i, change := range changes {
					testdb.Exec(t, f.DSN, `UPDATE payments SET `+change+` WHERE id = ?`, f.IDs[i])
				}
				sum, err := runner(f, t.TempDir()).Run(context.Background(), fixture.Day)
				if err != nil {
					t.Fatal(err)
				}
				if sum.Executed != len(f.IDs)-len(changes) || sum.Refused != len(changes) {
					t.Errorf("summary %+v, want %d executed and the %d changed ones refused", sum, len(f.IDs)-len(changes), len(changes))
				}
				for i, id := range f.IDs {
					var status, reasons string
					testdb.Row(t, f.DSN, `SELECT status, reasons FROM payments WHERE id = `+fmt.Sprint(id), &status, &reasons)
					if changed := i < len(changes); changed && (status != "RJCT" || !strings.Contains(reasons, "DS0E")) || !changed && status != "ACSC" {
						t.Errorf("payment %d (changed: %v) is %s %s", id, changed, status, reasons)
					}
				}
			})
		}
	}
}

// TestSetSignedBeforeVersionTwo: a set signed before the canonical digest
// covered the forwarded fields (its list holds each payment's version 1
// digest, and its signature covers that list) is still executed after the
// upgrade; a payment of it whose amount changed is refused DS0E. Both
// databases.
func TestSetSignedBeforeVersionTwo(t *testing.T) {
	for _, b := range testdb.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			f := fixture.New(t, b.DSN, 3)
			set, err := f.Signing.SignQueueAsSet(ctx, "u", func(*maksa.Payment) bool { return true }, f.Key, true, func(signing.Outcome) error { return nil })
			if err != nil {
				t.Fatal(err)
			}
			// The set as version 1 made it: its members' digests, its own
			// digest and its signature.
			instance, err := f.Signing.Instance(ctx)
			if err != nil {
				t.Fatal(err)
			}
			var members []signing.Member
			for _, id := range f.IDs {
				p, err := f.Store.Payment(ctx, id)
				if err != nil {
					t.Fatal(err)
				}
				m := signing.Member{PaymentID: id}
				copy(m.Digest[:], signing.DigestVersionOne(instance, p))
				members = append(members, m)
				testdb.Exec(t, f.DSN, `UPDATE set_members SET digest = ? WHERE payment_id = ?`, hex.EncodeToString(m.Digest[:]), id)
				testdb.Exec(t, f.DSN, `UPDATE signatures SET digest = ? WHERE payment_id = ?`, hex.EncodeToString(m.Digest[:]), id)
			}
			digest, err := signing.SetDigest(instance, members)
			if err != nil {
				t.Fatal(err)
			}
			sig, err := signing.Sign(f.Key, digest)
			if err != nil {
				t.Fatal(err)
			}
			testdb.Exec(t, f.DSN, `UPDATE signature_sets SET digest = ?, signature = ? WHERE id = ?`, hex.EncodeToString(digest), base64.StdEncoding.EncodeToString(sig), set.ID)
			testdb.Exec(t, f.DSN, `UPDATE payments SET amount = '1.00', amount_minor = 100 WHERE id = ?`, f.IDs[2])
			sum, err := runner(f, t.TempDir()).Run(ctx, fixture.Day)
			if err != nil {
				t.Fatal(err)
			}
			if sum.Executed != 2 || sum.Refused != 1 {
				t.Errorf("summary %+v, want the two unchanged payments executed and the changed one refused", sum)
			}
		})
	}
}
