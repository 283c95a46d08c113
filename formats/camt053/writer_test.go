package camt053_test

import (
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"maksa/formats/camt053"
)

// countingWriter counts bytes and drops them.
type countingWriter struct{ n int64 }

func (c *countingWriter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

// BenchmarkWriter writes a statement of 10,000 entries (the writer alone;
// the database read in front of it is measured by make bench).
func BenchmarkWriter(b *testing.B) {
	day := time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)
	st := &camt053.Statement{MessageID: "S1", StatementID: "S1", Created: day, From: day, To: day, IBAN: "LV21TREL9160100000000",
		Currency: "EUR", OwnerName: "Rīgas pilsētas pašvaldība", Opening: decimal.New(1, 9), Closing: decimal.New(1, 9)}
	entry := &camt053.Entry{Amount: decimal.RequireFromString("1234.56"), BookingDate: day, ValueDate: day, ServicerRef: "MKS123D",
		Domain: "PMNT", Family: "ICDT", SubFamily: "ESCT", MessageID: "GEN-1", PaymentInfoID: "P1", EndToEndID: "E2E-1",
		DebtorName: "Rīgas pilsētas pašvaldība", DebtorAccount: "LV21TREL9160100000000", CreditorName: "Jānis Bērziņš",
		CreditorAcct: "LV80BANK0000435195001", Remittance: "Alga par novembri"}
	var size int64
	for b.Loop() {
		var c countingWriter
		w := camt053.NewWriter(&c, 2)
		if err := w.WriteHeader(st); err != nil {
			b.Fatal(err)
		}
		for range 10000 {
			if err := w.WriteEntry(entry); err != nil {
				b.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			b.Fatal(err)
		}
		size = c.n
	}
	b.SetBytes(size)
	b.ReportMetric(float64(10000*b.N)/b.Elapsed().Seconds(), "entries/s")
}

// TestOnlyVersions2And8: a statement's header and an entry writer's
// entries refuse any other version.
func TestOnlyVersions2And8(t *testing.T) {
	var out countingWriter
	if err := camt053.NewWriter(&out, 5).WriteHeader(&camt053.Statement{Currency: "EUR"}); err != camt053.ErrVersion {
		t.Errorf("header of version 5: %v, want ErrVersion", err)
	}
	if err := camt053.NewEntryWriter(&out, 5, "EUR").WriteEntry(&camt053.Entry{}); err != camt053.ErrVersion {
		t.Errorf("entry of version 5: %v, want ErrVersion", err)
	}
	if out.n != 0 {
		t.Errorf("%d bytes written for a version that does not exist", out.n)
	}
}
