package store_test

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"maksa"
	"maksa/internal/test/testdb"
	"maksa/store"
)

const ledgerAccount = "LV21TREL9160100000000"

var ledgerDays = []time.Time{time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC), time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)}

// executedOverDays stores 45 payments of the demo directory's account and
// executes 20, 15 and 10 of them on ledgerDays, each credited to another
// account.
func executedOverDays(t *testing.T, db *store.DB) {
	t.Helper()
	ctx := context.Background()
	if _, err := db.ApplyDirectory(ctx, demoDirectory(t), "test"); err != nil {
		t.Fatal(err)
	}
	ps := make([]*maksa.Payment, 45)
	for i := range ps {
		ps[i] = &maksa.Payment{EndToEndID: "E" + string(rune('A'+i)), Amount: decimal.NewFromInt(int64(i + 1)), Status: maksa.ACCP}
	}
	storeBatch(t, db, "split", ps, func(im *store.Import) ([]int, error) {
		return nil, im.FinishPayments(ctx, func(store.Duplicate) error { return nil })
	})
	ids, err := db.DueIDs(ctx, ledgerDays[0])
	if err != nil || len(ids) != len(ps) {
		t.Fatalf("%d due, %v", len(ids), err)
	}
	due, err := db.DuePayments(ctx, ids)
	if err != nil {
		t.Fatal(err)
	}
	for i, day := range ledgerDays {
		var chunk []store.Execution
		for _, p := range due[[]int{0, 20, 35}[i]:[]int{20, 35, 45}[i]] {
			post := store.Posting{Account: ledgerAccount, Side: "DBIT", Amount: p.Amount, Currency: "EUR", BookingDate: day}
			credit := post
			credit.Account, credit.Side = "LV97TREL9160100000099", "CRDT"
			chunk = append(chunk, store.Execution{Payment: p, Postings: []store.Posting{post, credit}})
		}
		if err := db.Execute(ctx, day, chunk, "test"); err != nil {
			t.Fatal(err)
		}
	}
}

// TestSplitEntries: the runs SplitEntries cuts an account's entries into
// follow one another: read one after the other, they give every entry of
// the period once, in booking order, over one day or several.
func TestSplitEntries(t *testing.T) {
	ctx := context.Background()
	const iban = ledgerAccount
	days := ledgerDays
	for _, b := range testdb.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			db, _ := MustOpen(t, b)
			executedOverDays(t, db)
			read := func(r store.EntryRange) []int64 {
				var out []int64
				err := db.EntriesIn(ctx, r, func(e store.Entry) error {
					out = append(out, e.PaymentID)
					return nil
				})
				if err != nil {
					t.Fatal(err)
				}
				return out
			}
			for _, period := range [][2]time.Time{{days[0], days[2]}, {days[1], days[1]}, {days[0], days[1]}} {
				var all []int64
				err := db.Entries(ctx, iban, period[0], period[1], func(e store.Entry) error {
					all = append(all, e.PaymentID)
					return nil
				})
				if err != nil {
					t.Fatal(err)
				}
				for n := 1; n <= 6; n++ {
					for _, least := range []int{1, 4, 9, 1000} {
						parts, err := db.SplitEntries(ctx, store.EntryRange{IBAN: iban, From: period[0], To: period[1]}, n, least)
						if err != nil {
							t.Fatal(err)
						}
						if len(parts) > n || len(parts) > 1 && len(all)/len(parts) < least || len(parts) == 1 && n > 1 && len(all) >= 2*least {
							t.Errorf("%v, %d parts of at least %d: %d parts of %d entries", period, n, least, len(parts), len(all))
						}
						var joined []int64
						for _, r := range parts {
							joined = append(joined, read(r)...)
						}
						if !reflect.DeepEqual(joined, all) {
							t.Errorf("%v in %d parts of at least %d: %v, want %v", period, n, least, joined, all)
						}
					}
				}
			}
		})
	}
}

// TestBalancesFromDayTotals: the balances the batch starts from and a
// statement's opening balance, summed from the day totals, are the
// opening balance plus the postings before; so they are after the
// migration that makes the day totals from the postings of a database
// that had none.
func TestBalancesFromDayTotals(t *testing.T) {
	ctx := context.Background()
	for _, b := range testdb.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			db, dsn := MustOpen(t, b)
			executedOverDays(t, db)
			check := func(db *store.DB) {
				t.Helper()
				var opening string
				testdb.Row(t, dsn, `SELECT opening_balance FROM accounts WHERE iban = '`+ledgerAccount+`'`, &opening)
				open := decimal.RequireFromString(opening)
				for _, day := range append(ledgerDays, ledgerDays[2].AddDate(0, 0, 1)) {
					var minor int64
					testdb.Row(t, dsn, `SELECT COALESCE(SUM(CASE WHEN side = 'CRDT' THEN amount_minor ELSE -amount_minor END), 0) FROM postings
						WHERE account_iban = '`+ledgerAccount+`' AND booking_date < '`+day.Format("2006-01-02")+`'`, &minor)
					want := open.Add(decimal.New(minor, -2))
					got, _, err := db.BalanceBefore(ctx, ledgerAccount, day)
					if err != nil || !got.Equal(want) {
						t.Errorf("balance before %s: %s, %v; want %s", day.Format("2006-01-02"), got, err, want)
					}
				}
				balances, _, err := db.Balances(ctx)
				if want := open.Sub(decimal.NewFromInt(45 * 46 / 2)); err != nil || !balances[ledgerAccount].Equal(want) {
					t.Errorf("balance now: %s, %v; want %s", balances[ledgerAccount], err, want)
				}
			}
			check(db)
			if err := db.MigrateDownTo(ctx, 7); err != nil {
				t.Fatal(err)
			}
			again, err := store.Open(ctx, dsn) // migrates up again
			if err != nil {
				t.Fatal(err)
			}
			defer again.Close()
			check(again)
		})
	}
}

// TestEntriesCarryEveryField: a statement entry carries its posting's and
// its payment's fields as stored, whatever they hold: SQLite rows are read
// packed into one value (the fields joined by 0x1F), and a row whose
// values hold that separator themselves or a NUL is read again field by
// field; printf directives are values like any other.
func TestEntriesCarryEveryField(t *testing.T) {
	ctx := context.Background()
	for _, b := range testdb.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			db, dsn := MustOpen(t, b)
			executedOverDays(t, db)
			odd := map[string]string{"EA": "a\x1fb", "EB": "%s%d\x1f\x1f%", "EC": "Līgums Nr. 7 — “Ērgļi”", "ED": "\x1f"}
			if b.Name == "sqlite" { // PostgreSQL refuses a NUL in text; SQLite keeps it, and format's %s would stop at it
				odd["EE"], odd["EF"] = "a\x00b", "\x00"
			}
			for e2e, text := range odd {
				testdb.Exec(t, dsn, `UPDATE payments SET remittance = ?, creditor_name = ?, ultimate_debtor = ? WHERE end_to_end_id = ?`, text, text+"C", "U"+text, e2e)
			}
			testdb.Exec(t, dsn, `UPDATE postings SET counterparty_name = ? WHERE payment_id = (SELECT id FROM payments WHERE end_to_end_id = 'EB')`, "x\x1fy")
			var got []store.Entry
			err := db.Entries(ctx, ledgerAccount, ledgerDays[0], ledgerDays[0], func(e store.Entry) error {
				got = append(got, e)
				return nil
			})
			if err != nil || len(got) != 20 {
				t.Fatalf("%d entries, %v", len(got), err)
			}
			for _, e := range got {
				var want store.Entry
				var minor int64
				var booking, kind string
				testdb.Row(t, dsn, fmt.Sprintf(`SELECT e.payment_id, e.side, e.amount_minor, e.currency, e.booking_date, e.counterparty_iban, e.counterparty_name,
					b.message_id, p.end_to_end_id, p.pmt_inf_id, p.instr_id, p.remittance, p.debtor_name, p.debtor_iban, p.creditor_name, p.creditor_account, p.kind, p.ultimate_debtor
					FROM postings e JOIN payments p ON p.id = e.payment_id JOIN batches b ON b.id = p.batch_id
					WHERE e.payment_id = %d AND e.account_iban = '%s'`, e.PaymentID, ledgerAccount),
					&want.PaymentID, &want.Side, &minor, &want.Currency, &booking, &want.CounterpartyIBAN, &want.CounterpartyName, &want.MessageID,
					&want.EndToEndID, &want.PaymentInfoID, &want.InstructionID, &want.Remittance, &want.DebtorName, &want.DebtorIBAN,
					&want.CreditorName, &want.CreditorIBAN, &kind, &want.UltimateDebtor)
				want.Account, want.Amount, want.BookingDate, want.Kind = ledgerAccount, decimal.New(minor, -2), ledgerDays[0], maksa.Kind(kind)
				if booking != "2026-11-27" || !want.Amount.Equal(e.Amount) {
					t.Errorf("payment %d: booked %s, amount %s; read %s", e.PaymentID, booking, want.Amount, e.Amount)
				}
				want.Amount = e.Amount // equal, maybe not in exponent
				if !reflect.DeepEqual(e, want) {
					t.Errorf("entry of payment %d:\n got %+v\nwant %+v", e.PaymentID, e, want)
				}
				if text, ok := odd[e.EndToEndID]; ok && (e.Remittance != text || e.CreditorName != text+"C" || e.UltimateDebtor != "U"+text) {
					t.Errorf("%s: remittance %q, creditor %q, ultimate debtor %q", e.EndToEndID, e.Remittance, e.CreditorName, e.UltimateDebtor)
				}
			}
		})
	}
}
