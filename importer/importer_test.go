package importer_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"maksa"
	"maksa/formats/pain001"
	"maksa/importer"
	"maksa/internal/memwatch"
	"maksa/internal/test/testdb"
	"maksa/internal/test/testgen"
	"maksa/store"
	"maksa/validator"
)

var executionDate = time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)

// bigDirectory has one account and one user whose limits no generated file reaches.
func bigDirectory() *maksa.Directory {
	limit := decimal.New(1, 12)
	return &maksa.Directory{
		Clients:  []maksa.Client{{ID: "1", Name: "Klients"}},
		Accounts: []maksa.Account{{IBAN: "LV21TREL9160100000000", ClientID: "1", Currency: "EUR", Signatures: 1, Status: maksa.AccountActive}},
		Users:    []maksa.User{{ID: "u", Name: "U", Status: maksa.UserActive, ValidUntil: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}},
		Grants:   []maksa.Grant{{UserID: "u", AccountIBAN: "LV21TREL9160100000000", Modes: []maksa.Mode{maksa.ModePrepare}, PaymentLimit: limit, DailyLimit: limit}},
	}
}

func openStore(tb testing.TB, dsn string) *store.DB {
	tb.Helper()
	db, err := store.Open(context.Background(), dsn)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	if _, err := db.ApplyDirectory(context.Background(), bigDirectory(), "test"); err != nil {
		tb.Fatal(err)
	}
	return db
}

func newImporter(db *store.DB) *importer.Importer {
	riga, _ := time.LoadLocation("Europe/Riga")
	return &importer.Importer{Store: db, Now: maksa.ClockFrom(time.Date(2026, 11, 25, 10, 0, 0, 0, riga)), Location: riga, DaysPast: 10, DaysFuture: 90}
}

// generate writes a pain.001 of n payments and returns its path and size.
func generate(tb testing.TB, dir string, n int, msgID string) (string, int64) {
	tb.Helper()
	return generateSpec(tb, dir, testgen.Spec{Count: n, Version: 3, MessageID: msgID, Seed: 42, Date: executionDate})
}

// generateSpec writes the pain.001 file of spec into dir.
func generateSpec(tb testing.TB, dir string, spec testgen.Spec) (string, int64) {
	tb.Helper()
	path := filepath.Join(dir, spec.MessageID+".xml")
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	if err := spec.WritePain001(f); err != nil {
		tb.Fatal(err)
	}
	f.Close()
	st, _ := os.Stat(path)
	return path, st.Size()
}

// TestImportMemoryStaysFlat imports 25,000 and then 100,000 payments and
// checks that the heap does not grow with the file: it holds a few chunks
// of payments being read, checked and stored, never the file. So it is,
// imported as the watcher does (only counts: the reports come from the
// stored batch), for files of which half the payments are invalid, and
// for a file sent again under a new message id and new end-to-end ids
// (every payment an AM05 warning).
func TestImportMemoryStaysFlat(t *testing.T) {
	if testing.Short() {
		t.Skip("SKIP in -short mode: imports 375,000 payments")
	}
	dir := t.TempDir()
	for _, c := range []struct {
		name    string
		invalid float64
		resent  bool
	}{{"valid", 0, false}, {"half invalid", 0.5, false}, {"resent", 0, true}} {
		var peaks []uint64
		var size int64
		for _, n := range []int{25000, 100000} {
			spec := testgen.Spec{Count: n, Version: 3, MessageID: fmt.Sprintf("MEM-%d-%g", n, c.invalid), Seed: 42, Date: executionDate, Invalid: c.invalid}
			var path string
			path, size = generateSpec(t, dir, spec)
			db := openStore(t, testdb.SQLite(t))
			opt := importer.Options{UserID: "u", OnlyCounts: c.name != "valid"}
			if c.resent {
				if _, err := newImporter(db).ImportFile(context.Background(), path, opt); err != nil {
					t.Fatal(err)
				}
				spec.MessageID += "-AGAIN"
				path, _ = generateSpec(t, dir, spec)
			}
			watch := memwatch.Start()
			res, err := newImporter(db).ImportFile(context.Background(), path, opt)
			peak := watch.Stop()
			if err != nil {
				t.Fatal(err)
			}
			if res.Accepted+res.Rejected != n || res.Rejected != int(float64(n)*c.invalid) || len(res.Problems)+len(res.Notes) != 0 && opt.OnlyCounts {
				t.Fatalf("%s: imported %d of %d, %d rejected, status %s, %d problems and %d notes held", c.name, res.Accepted, n, res.Rejected, res.Status, len(res.Problems), len(res.Notes))
			}
			if c.resent {
				warned := 0
				err := db.BatchPayments(context.Background(), res.BatchID, true, func(p *maksa.Payment) error {
					if strings.HasPrefix(p.Note, "AM05") {
						warned++
					}
					return nil
				})
				if err != nil || warned != n {
					t.Fatalf("%d of %d payments sent again warned AM05, %v", warned, n, err)
				}
			}
			t.Logf("%d payments, %s: file %d MB, peak heap in use %d MB", n, c.name, size>>20, peak>>20)
			peaks = append(peaks, peak)
		}
		if peaks[1] > peaks[0]*3/2+2<<20 {
			t.Errorf("%s: peak heap grew from %d MB to %d MB with a file four times as large", c.name, peaks[0]>>20, peaks[1]>>20)
		}
		if peaks[1] > uint64(size)/2 {
			t.Errorf("%s: peak heap %d MB is not well below the file's %d MB", c.name, peaks[1]>>20, size>>20)
		}
	}
}

func BenchmarkValidate(b *testing.B) {
	path, size := generate(b, b.TempDir(), 10000, "BENCH-VALIDATE")
	im := newImporter(nil)
	b.SetBytes(size)
	for b.Loop() {
		res, err := im.ImportFile(context.Background(), path, importer.Options{})
		if err != nil || res.Accepted != 10000 {
			b.Fatal(err, res.Problems)
		}
	}
	b.ReportMetric(float64(10000*b.N)/b.Elapsed().Seconds(), "payments/s")
}

func benchmarkImport(b *testing.B, dsn func(testing.TB) string) {
	path, size := generate(b, b.TempDir(), 10000, "BENCH-IMPORT")
	b.SetBytes(size)
	var elapsed time.Duration
	for b.Loop() {
		b.StopTimer()
		im := newImporter(openStore(b, dsn(b)))
		b.StartTimer()
		start := time.Now()
		res, err := im.ImportFile(context.Background(), path, importer.Options{UserID: "u"})
		elapsed += time.Since(start)
		if err != nil || res.Accepted != 10000 {
			b.Fatal(err, res.Problems)
		}
	}
	b.ReportMetric(float64(10000*b.N)/elapsed.Seconds(), "payments/s")
}

func BenchmarkImportSQLite(b *testing.B) { benchmarkImport(b, testdb.SQLite) }

func BenchmarkImportPostgres(b *testing.B) {
	if os.Getenv(testdb.EnvPostgres) == "" {
		b.Skipf("SKIP: %s is not set", testdb.EnvPostgres)
	}
	benchmarkImport(b, testdb.Postgres)
}

// TestProblemsPastTheKeptOnes: a file with more problems than a Result
// holds in memory keeps the first ones in Problems and the rest on disk;
// EachProblem gives them all, in the order a Result holding them all has.
func TestProblemsPastTheKeptOnes(t *testing.T) {
	path, _ := generateSpec(t, t.TempDir(), testgen.Spec{Count: 60, Version: 3, MessageID: "KEPT", Seed: 7, Date: executionDate, Invalid: 0.5})
	all := func(res *importer.Result) []maksa.Problem {
		var out []maksa.Problem
		if err := res.EachProblem(func(p maksa.Problem) error { out = append(out, p); return nil }); err != nil {
			t.Fatal(err)
		}
		return out
	}
	whole, err := newImporter(nil).ImportFile(context.Background(), path, importer.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer importer.SetKeptProblems(5)()
	spilled, err := newImporter(nil).ImportFile(context.Background(), path, importer.Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := all(whole)
	if len(want) < 30 || whole.ProblemCount() != len(want) || len(whole.Problems) != len(want) {
		t.Fatalf("held whole: %d problems, %d counted, %d in memory", len(want), whole.ProblemCount(), len(whole.Problems))
	}
	if len(spilled.Problems) != 5 || spilled.ProblemCount() != len(want) {
		t.Errorf("past 5: %d in memory, %d counted; want 5 and %d", len(spilled.Problems), spilled.ProblemCount(), len(want))
	}
	if got := all(spilled); !reflect.DeepEqual(got, want) {
		t.Errorf("past 5, EachProblem gave %d problems, not the %d of a result holding them all", len(got), len(want))
	}
	if got := all(spilled); !reflect.DeepEqual(got, want) {
		t.Errorf("a second EachProblem gave %d problems", len(got))
	}
}

// TestPaymentsPastTheKeptOnes: a file with more payments than a Result
// holds lists the first in Payments and every one through EachPayment,
// read back from the stored batch — the same list, ids and all, as a
// Result holding them all; a file not stored says it lists only the first.
func TestPaymentsPastTheKeptOnes(t *testing.T) {
	path, _ := generateSpec(t, t.TempDir(), testgen.Spec{Count: 40, Version: 3, MessageID: "LISTED", Seed: 7, Date: executionDate, Invalid: 0.25})
	all := func(res *importer.Result) []importer.PaymentResult {
		var out []importer.PaymentResult
		if err := res.EachPayment(func(p importer.PaymentResult) error { out = append(out, p); return nil }); err != nil {
			t.Fatal(err)
		}
		return out
	}
	whole, err := newImporter(openStore(t, testdb.SQLite(t))).ImportFile(context.Background(), path, importer.Options{UserID: "u", ListPayments: true})
	if err != nil {
		t.Fatal(err)
	}
	defer importer.SetKeptPayments(5)()
	cut, err := newImporter(openStore(t, testdb.SQLite(t))).ImportFile(context.Background(), path, importer.Options{UserID: "u", ListPayments: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(whole.Payments) != 40 || len(cut.Payments) != 5 {
		t.Fatalf("held %d and %d payments, want 40 and 5", len(whole.Payments), len(cut.Payments))
	}
	if got, want := all(cut), all(whole); !reflect.DeepEqual(got, want) {
		t.Errorf("past 5, EachPayment gave %d payments, not the %d of a result holding them all:\n%+v\n%+v", len(got), len(want), got[7], want[7])
	}
	dry, err := newImporter(openStore(t, testdb.SQLite(t))).ImportFile(context.Background(), path, importer.Options{UserID: "u", ListPayments: true, DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(all(dry)) != 5 || len(dry.Warnings) == 0 || !strings.Contains(dry.Warnings[len(dry.Warnings)-1], "only the first 5 of the 40 payments are listed") {
		t.Errorf("a dry run past 5: %d listed, warnings %v", len(all(dry)), dry.Warnings)
	}
}

// TestStructuralValidationOfALargeFile validates a file large enough to
// be read in parallel, whose payments the structural validation hands
// back to the reader to be filled again, and checks every payment listed
// and every problem against the file read in sequence and checked one
// payment at a time: a payment filled again while the validation still
// held it would show as another payment's values or problems.
func TestStructuralValidationOfALargeFile(t *testing.T) {
	path, size := generateSpec(t, t.TempDir(), testgen.Spec{Count: 6000, PerInfo: 700, Version: 3, MessageID: "LARGE", Seed: 11, Date: executionDate, Invalid: 0.2})
	if size < 1<<20 {
		t.Fatalf("the file is %d bytes: too small to be read in parallel", size)
	}
	res, err := newImporter(nil).ImportFile(context.Background(), path, importer.Options{ListPayments: true})
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := pain001.NewReader(f)
	r.File = filepath.Base(path)
	var want []importer.PaymentResult
	var problems []maksa.Problem
	for {
		p, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		validator.CheckPayment(p)
		want = append(want, importer.PaymentResult{EndToEndID: p.EndToEndID, CreditorIBAN: p.CreditorIBAN, Status: p.Status})
		problems = append(problems, p.Problems...)
	}
	if len(res.Payments) != len(want) || res.Rejected == 0 || res.Rejected == len(want) {
		t.Fatalf("%d payments listed (%d rejected), %d in the file", len(res.Payments), res.Rejected, len(want))
	}
	for i, got := range res.Payments {
		status := got.Status
		if status == maksa.PDNG {
			status = "" // the import's word for a payment no rule refused
		}
		if got.EndToEndID != want[i].EndToEndID || got.CreditorIBAN != want[i].CreditorIBAN || status != want[i].Status {
			t.Fatalf("payment %d: %s %s %s, read in sequence %s %s %s", i+1,
				got.EndToEndID, got.CreditorIBAN, got.Status, want[i].EndToEndID, want[i].CreditorIBAN, want[i].Status)
		}
	}
	var got []maksa.Problem
	if err := res.EachProblem(func(p maksa.Problem) error { got = append(got, p); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(got) != len(problems) {
		t.Fatalf("%d problems, %d checked in sequence", len(got), len(problems))
	}
	for i := range got {
		a, b := got[i], problems[i]
		if a.Code != b.Code || a.Message != b.Message || a.EndToEndID != b.EndToEndID || a.Position.XPath != b.Position.XPath || a.Position.Line != b.Position.Line {
			t.Fatalf("problem %d: %+v\nin sequence %+v", i+1, a, b)
		}
	}
}
