package store_test

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"maksa"
	"maksa/internal/test/testdb"
	"maksa/store"
)

// storeBatch stores one batch of file of the payments (Seq, debtor and
// date set here), runs check on the import before it commits and returns
// the import's payments' seqs that check reported.
func storeBatch(t *testing.T, db *store.DB, file string, ps []*maksa.Payment, check func(*store.Import) ([]int, error)) []int {
	t.Helper()
	ctx := context.Background()
	b := &maksa.Batch{UserID: "gramatvediba", FileName: file, SHA256: file, Format: "pain.001.001.03", MessageID: file}
	im, _, err := db.BeginImport(ctx, b)
	if err != nil {
		t.Fatal(err)
	}
	defer im.Rollback()
	for i, p := range ps {
		p.Seq, p.DebtorIBAN, p.Currency, p.ExecutionDate = i+1, "LV21TREL9160100000000", "EUR", time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)
		if p.Status == "" {
			p.Status = maksa.PDNG
		}
		if err := im.Add(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	seqs, err := check(im)
	if err != nil {
		t.Fatal(err)
	}
	if err := im.Commit(ctx, "test", 0); err != nil {
		t.Fatal(err)
	}
	return seqs
}

// importIDs stores one batch of payments with the given end-to-end ids
// (a leading "!" marks a payment the validator rejected) and returns the
// seqs FinishPayments rejected with DU04.
func importIDs(t *testing.T, db *store.DB, file string, ids ...string) []int {
	t.Helper()
	ps := make([]*maksa.Payment, len(ids))
	for i, id := range ids {
		ps[i] = &maksa.Payment{EndToEndID: id, Amount: decimal.NewFromInt(1)}
		if id[0] == '!' {
			ps[i].EndToEndID, ps[i].Status = id[1:], maksa.RJCT
		}
	}
	return storeBatch(t, db, file, ps, func(im *store.Import) ([]int, error) {
		seqs := []int{}
		err := im.FinishPayments(context.Background(), func(d store.Duplicate) error {
			seqs = append(seqs, d.Seq)
			return nil
		})
		return seqs, err
	})
}

// TestEndToEndDuplicates: DU04 rejects an accepted payment whose id its
// account used earlier in the file or in another batch; a payment rejected
// by the validator is no use of its id, NOTPROVIDED is exempt, and a long
// file is looked up in several chunks.
func TestEndToEndDuplicates(t *testing.T) {
	for _, b := range testdb.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			db, _ := MustOpen(t, b)
			if _, err := db.ApplyDirectory(context.Background(), demoDirectory(t), "test"); err != nil {
				t.Fatal(err)
			}
			got := importIDs(t, db, "one", "A", "B", "A", "NOTPROVIDED", "NOTPROVIDED", "!C", "C", "A")
			if want := []int{3, 8}; !reflect.DeepEqual(got, want) {
				t.Errorf("first file: DU04 at %v, want %v", got, want)
			}
			got = importIDs(t, db, "two", "D", "C", "!B", "B", "NOTPROVIDED")
			if want := []int{2, 4}; !reflect.DeepEqual(got, want) {
				t.Errorf("second file: DU04 at %v, want %v", got, want)
			}
			long := make([]string, 2500)
			for i := range long {
				long[i] = fmt.Sprintf("L%d", i%1200)
			}
			long[2499] = "D"
			got = importIDs(t, db, "three", long...)
			want := []int{}
			for seq := 1201; seq <= 2500; seq++ {
				want = append(want, seq)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("third file: %d DU04 (%v…), want %d", len(got), got[:min(5, len(got))], len(want))
			}
		})
	}
}

// samePayment is a payment of TestSamePayments: creditor account, amount
// and remittance; a leading "!" on the creditor marks a payment the
// validator rejected.
type samePayment struct{ creditor, amount, remittance string }

// importSame stores one batch of the payments and returns the seqs
// SamePayments found, with whether it rejected them.
func importSame(t *testing.T, db *store.DB, file string, reject bool, ps ...samePayment) map[int]bool {
	t.Helper()
	payments := make([]*maksa.Payment, len(ps))
	for i, s := range ps {
		payments[i] = &maksa.Payment{EndToEndID: fmt.Sprintf("%s-%d", file, i+1), CreditorIBAN: s.creditor, Amount: decimal.RequireFromString(s.amount), Remittance: s.remittance}
		if s.creditor[0] == '!' {
			payments[i].CreditorIBAN, payments[i].Status = s.creditor[1:], maksa.RJCT
		}
	}
	got := map[int]bool{}
	storeBatch(t, db, file, payments, func(im *store.Import) ([]int, error) {
		ctx := context.Background()
		if err := im.FinishPayments(ctx, func(store.Duplicate) error { return nil }); err != nil {
			return nil, err
		}
		err := im.SamePayments(ctx, reject, func(s store.Same) error {
			if s.Problem.Code != maksa.AM05 {
				t.Errorf("payment %d: %v, want AM05", s.Seq, s.Problem)
			}
			got[s.Seq] = s.Rejected
			return nil
		})
		return nil, err
	})
	return got
}

// TestSamePayments: AM05 finds an accepted payment whose debtor, creditor
// account, amount, date and remittance repeat an accepted payment's,
// earlier in the file or in another batch; any difference, or the first
// payment's rejection, makes it another payment.
func TestSamePayments(t *testing.T) {
	for _, b := range testdb.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			db, dsn := MustOpen(t, b)
			if _, err := db.ApplyDirectory(context.Background(), demoDirectory(t), "test"); err != nil {
				t.Fatal(err)
			}
			a, bb, c := "LV44HABA0551000000001", "LV80BANK0000435195001", "LV97HABA0012345678910"
			got := importSame(t, db, "one", false,
				samePayment{a, "1.00", "x"}, samePayment{a, "1.00", "x"}, samePayment{a, "2.00", "x"}, samePayment{bb, "1.00", "x"},
				samePayment{a, "1.00", "y"}, samePayment{"!" + c, "1.00", "x"}, samePayment{c, "1.00", "x"})
			if want := map[int]bool{2: false}; !reflect.DeepEqual(got, want) {
				t.Errorf("first file: %v, want %v", got, want)
			}
			var note string
			testdb.Row(t, dsn, `SELECT note FROM payments WHERE end_to_end_id = 'one-2'`, &note)
			if !strings.HasPrefix(note, "AM05 (a warning): ") || !strings.Contains(note, "earlier in this file") {
				t.Errorf("the warned payment's note is %q", note)
			}
			got = importSame(t, db, "two", true, samePayment{bb, "1.00", "x"}, samePayment{c, "1.00", "x"}, samePayment{c, "3.00", "x"})
			if want := map[int]bool{1: true, 2: true}; !reflect.DeepEqual(got, want) {
				t.Errorf("second file: %v, want %v", got, want)
			}
			if n := testdb.Count(t, dsn, `SELECT COUNT(*) FROM payments WHERE end_to_end_id LIKE 'two-%' AND status = 'RJCT' AND reasons LIKE '%AM05%'`); n != 2 {
				t.Errorf("%d payments of the second file rejected with AM05, want 2", n)
			}
			// A long file, read in windows of 500: its second half repeats
			// its first, and its last payment one of the first file.
			var long []samePayment
			for i := range 1100 {
				long = append(long, samePayment{a, fmt.Sprintf("%d.00", 10+i%550), "z"})
			}
			long = append(long, samePayment{a, "2.00", "x"})
			got = importSame(t, db, "three", false, long...)
			want := map[int]bool{}
			for seq := 551; seq <= 1101; seq++ {
				want[seq] = false
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("long file: %d warned, want the %d of seqs 551-1101", len(got), len(want))
			}
			for e2e, where := range map[string]string{"three-1100": "earlier in this file: payment ", "three-1101": "in batch "} {
				testdb.Row(t, dsn, `SELECT note FROM payments WHERE end_to_end_id = '`+e2e+`'`, &note)
				if !strings.Contains(note, where) {
					t.Errorf("%s: note %q, want it %q", e2e, note, where)
				}
			}
		})
	}
}
