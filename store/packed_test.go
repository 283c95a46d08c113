package store_test

import (
	"context"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"maksa"
	"maksa/internal/test/testdb"
	"maksa/store"
)

// TestPaymentsReadPacked: the readers of many payments — a batch's
// payments, the nightly batch's due ones, the day's executed ones, those
// credited to an account — give every field they read as SELECT * does, whatever the fields hold:
// on SQLite they read rows packed into one value (the fields joined by
// 0x1F), and a row whose values hold that separator or a NUL is read again
// field by field.
func TestPaymentsReadPacked(t *testing.T) {
	ctx := context.Background()
	day := time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)
	for _, b := range testdb.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			db, dsn := MustOpen(t, b)
			if _, err := db.ApplyDirectory(ctx, demoDirectory(t), "test"); err != nil {
				t.Fatal(err)
			}
			odd := []string{"plain", "a\x1fb", "%s%d\x1f%", "\x1f", "Līgums “Ērgļi”", ""}
			ps := make([]*maksa.Payment, len(odd))
			for i, text := range odd {
				ps[i] = &maksa.Payment{EndToEndID: fmt.Sprintf("E2E-%d", i), Amount: decimal.New(int64(1000+i), -2), AmountText: fmt.Sprintf("%d.%02d", 10, i),
					Status: maksa.ACCP, PaymentInfoID: "PMT" + text, PaymentMethod: "TRF", InstructionID: "I" + text, UETR: fmt.Sprintf("uetr-%d", i),
					DebtorName: "Debtor" + text, DebtorBIC: "TRELLV22", CreditorIBAN: "LV97TREL9160100000099", CreditorIsIBAN: true,
					CreditorName: "Creditor" + text, CreditorBIC: "HABALV22", Remittance: text, Reference: "RF18" + text,
					Purpose: "SALA", CategoryPurpose: "SUPP", Priority: "NORM", ServiceLevel: "SEPA", ChargeBearer: "SLEV",
					UltimateDebtor: "UD" + text, UltimateCreditor: "UC" + text, Kind: maksa.KindSEPA, CreditorID: "ID" + text, CreditorAddress: maksa.Address{Street: "Iela" + text, Town: "Rīga", Country: "LV", Lines: []string{text}}}
			}
			storeBatch(t, db, "packed", ps, func(im *store.Import) ([]int, error) {
				return nil, im.FinishPayments(ctx, func(store.Duplicate) error { return nil })
			})
			if b.Name == "sqlite" { // PostgreSQL refuses a NUL in text; SQLite keeps it, and format's %s would stop at it
				testdb.Exec(t, dsn, `UPDATE payments SET remittance = ?, creditor_name = ? WHERE end_to_end_id = 'E2E-2'`, "x\x00y", "\x00")
			}
			stored := map[string]*maksa.Payment{}
			ids, err := db.DueIDs(ctx, day)
			if err != nil || len(ids) != len(odd) {
				t.Fatalf("%d due, %v", len(ids), err)
			}
			due, err := db.DuePayments(ctx, ids)
			if err != nil || len(due) != len(odd) {
				t.Fatalf("%d due payments, %v", len(due), err)
			}
			batch := due[0].BatchID
			read := func() { // each payment as SELECT * reads it, and as BatchPayments does
				t.Helper()
				n := 0
				err := db.BatchPayments(ctx, batch, false, func(p *maksa.Payment) error {
					n++
					one, err := db.Payment(ctx, p.ID)
					if err != nil {
						return err
					}
					if !reflect.DeepEqual(p, one) {
						t.Errorf("batch payment %s:\n got %+v\nwant %+v", p.EndToEndID, p, one)
					}
					stored[p.EndToEndID] = one
					return nil
				})
				if err != nil || n != len(odd) {
					t.Fatalf("%d batch payments, %v", n, err)
				}
			}
			testdb.Exec(t, dsn, `UPDATE payments SET note = ?, released = ?, position = ? WHERE end_to_end_id = 'E2E-1'`,
				"moved\x1fnote", 1, `{"file":"packed.xml","line":7,"column":3,"xpath":"/Document/x\u001f"}`)
			read()
			if p := stored["E2E-1"]; p.Note != "moved\x1fnote" || !p.Released || p.Position.Line != 7 {
				t.Errorf("E2E-1 read as %+v", p)
			}
			for _, p := range due {
				agree(t, "due", p, stored[p.EndToEndID], "DebtorName", "CreditorName", "Remittance", "Priority", "Kind")
			}
			var chunk []store.Execution
			for _, p := range due {
				debit := store.Posting{Account: "LV21TREL9160100000000", Side: "DBIT", Amount: p.Amount, Currency: "EUR", BookingDate: day}
				credit := debit
				credit.Account, credit.Side = "LV97TREL9160100000099", "CRDT"
				chunk = append(chunk, store.Execution{Payment: p, Postings: []store.Posting{debit, credit}})
			}
			if err := db.Execute(ctx, day, chunk, "test"); err != nil {
				t.Fatal(err)
			}
			read()
			n := 0
			err = db.ExecutedOn(ctx, day, 0, func(p *maksa.Payment) error {
				n++
				agree(t, "executed", p, stored[p.EndToEndID], "CreditorName", "CreditorID", "CreditorIsIBAN", "ExecutedOn", "InstructionID")
				return nil
			})
			if err != nil || n != len(odd) {
				t.Fatalf("%d executed, %v", n, err)
			}
			n = 0
			err = db.PaymentsCreditedIn(ctx, "LV97TREL9160100000099", day, 0, 1<<62, func(p *maksa.Payment) error {
				n++
				agree(t, "credited", p, stored[p.EndToEndID], "DebtorName", "Remittance", "UltimateCreditor", "ChargeBearer", "Reference")
				return nil
			})
			if err != nil || n != len(odd) {
				t.Fatalf("%d credited, %v", n, err)
			}
		})
	}
}

// agree fails unless every field read (not zero) is the stored one, and
// the named fields were read.
func agree(t *testing.T, what string, got, want *maksa.Payment, read ...string) {
	t.Helper()
	if want == nil {
		t.Fatalf("%s: payment %s is not stored", what, got.EndToEndID)
	}
	g, w := reflect.ValueOf(got).Elem(), reflect.ValueOf(want).Elem()
	for i := range g.NumField() {
		if name := g.Type().Field(i).Name; !g.Field(i).IsZero() && !reflect.DeepEqual(g.Field(i).Interface(), w.Field(i).Interface()) {
			t.Errorf("%s %s: %s is %#v, stored %#v", what, got.EndToEndID, name, g.Field(i).Interface(), w.Field(i).Interface())
		}
	}
	for _, name := range read {
		if want.EndToEndID != "E2E-5" && g.FieldByName(name).IsZero() { // E2E-5's texts are empty
			t.Errorf("%s %s: %s not read", what, got.EndToEndID, name)
		}
	}
}

// TestPackedReadersShareNoConnection: as many readers of packed rows as
// the pool has connections, each past its first row at once, all finish
// when their rows must be read a second time (a value holds the
// separator): the second reading is made on the rows' own connection, not
// on one more from a pool the readers hold all of (they waited for each
// other forever: the watcher stopped writing two files' reports).
func TestPackedReadersShareNoConnection(t *testing.T) {
	for _, b := range testdb.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			db, _ := MustOpen(t, b)
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if _, err := db.ApplyDirectory(ctx, demoDirectory(t), "test"); err != nil {
				t.Fatal(err)
			}
			ps := make([]*maksa.Payment, 5)
			for i := range ps {
				name := "Ozols"
				if i > 0 {
					name = "Ozols\x1f" // read again field by field
				}
				ps[i] = &maksa.Payment{EndToEndID: fmt.Sprintf("E2E-%d", i), Amount: decimal.New(1000, -2), AmountText: "10.00", Status: maksa.ACCP,
					PaymentInfoID: "PMT", PaymentMethod: "TRF", CreditorIBAN: "LV97TREL9160100000099", CreditorIsIBAN: true, CreditorName: name, Kind: maksa.KindSEPA}
			}
			storeBatch(t, db, "shared", ps, func(im *store.Import) ([]int, error) {
				return nil, im.FinishPayments(ctx, func(store.Duplicate) error { return nil })
			})
			ids, err := db.DueIDs(ctx, time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC))
			if err != nil || len(ids) != len(ps) {
				t.Fatalf("%d due, %v", len(ids), err)
			}
			due, err := db.DuePayments(ctx, ids[:1])
			if err != nil || len(due) != 1 {
				t.Fatalf("%d due payments, %v", len(due), err)
			}
			const readers = 4 // the SQLite pool's connections
			var started sync.WaitGroup
			started.Add(readers)
			errs := make(chan error, readers)
			for range readers {
				go func() {
					n := 0
					err := db.BatchPayments(ctx, due[0].BatchID, false, func(p *maksa.Payment) error {
						if n++; n == 1 {
							started.Done()
							started.Wait() // every reader holds its rows now
						}
						return nil
					})
					if err == nil && n != len(ps) {
						err = fmt.Errorf("%d payments read, want %d", n, len(ps))
					}
					errs <- err
				}()
			}
			for range readers {
				if err := <-errs; err != nil {
					t.Error(err)
				}
			}
		})
	}
}
