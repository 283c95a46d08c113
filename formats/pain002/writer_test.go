package pain002_test

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"maksa"
	"maksa/formats/pain002"
	"maksa/internal/test/xsdcheck"
)

var update = flag.Bool("update", false, "update golden files")

func report(t *testing.T, version int) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := pain002.NewWriter(&buf, version)
	riga, _ := time.LoadLocation("Europe/Riga")
	err := w.WriteHeader(&pain002.Report{
		MessageID:           "MAKSA-20261125100000-abcdef012345",
		CreationTime:        time.Date(2026, 11, 25, 10, 0, 0, 0, riga),
		OriginalMessageID:   "MSG-1",
		OriginalMessageName: "pain.001.001.03",
		OriginalNbOfTxs:     3,
		OriginalCtrlSum:     "60.00",
		GroupStatus:         maksa.PART,
	})
	if err != nil {
		t.Fatal(err)
	}
	long := "a message longer than one AddtlInf element allows, which must be split into pieces of at most 105 characters each, with Latvian letters āčēģīķļņšūž"
	txs := []pain002.Transaction{
		{PaymentInfoID: "PMT-1", InstructionID: "I-2", EndToEndID: "E2E-2", UETR: "235d1eb5-8dd7-4c1a-8ece-559df8c67da1", Status: maksa.RJCT,
			Reasons: []maksa.Problem{{Code: maksa.AC03, Message: "creditor account is not a valid IBAN & <checked>", Position: maksa.Position{File: "f.xml", Line: 7, Column: 3}}}},
		{PaymentInfoID: "PMT-2", EndToEndID: "", Status: maksa.RJCT, Reasons: []maksa.Problem{{Code: maksa.FF02, Message: long}, {Code: maksa.RR10, Message: "x"}}},
	}
	for i := range txs {
		if err := w.WriteTransaction(&txs[i]); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestWriter checks both versions against their official XSDs and golden files.
func TestWriter(t *testing.T) {
	for _, version := range []int{3, 10} {
		t.Run(fmt.Sprint(version), func(t *testing.T) {
			got := report(t, version)
			path := filepath.Join(t.TempDir(), "report.xml")
			os.WriteFile(path, got, 0o600)
			xsdcheck.Validate(t, path, fmt.Sprintf("pain.002.001.%02d.xsd", version))
			golden := fmt.Sprintf("../../testdata/pain002/report-v%02d.golden.xml", version)
			if *update {
				os.MkdirAll(filepath.Dir(golden), 0o755)
				os.WriteFile(golden, got, 0o644)
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("report differs from %s:\n%s", golden, got)
			}
		})
	}
}

func TestWriterRefusesUnknownVersion(t *testing.T) {
	w := pain002.NewWriter(&bytes.Buffer{}, 5)
	if err := w.WriteHeader(&pain002.Report{}); err != pain002.ErrVersion {
		t.Errorf("error = %v, want ErrVersion", err)
	}
}

// BenchmarkWrite writes a status report of 10,000 transactions, one in
// ten rejected with a reason (the execution report of a large batch).
func BenchmarkWrite(b *testing.B) {
	txs := make([]*pain002.Transaction, 10000)
	for i := range txs {
		txs[i] = &pain002.Transaction{PaymentInfoID: "PMTINF-1", InstructionID: fmt.Sprint("I", i), EndToEndID: fmt.Sprint("GEN-1-E2E-", i), Status: maksa.ACSC}
		if i%10 == 0 {
			txs[i].Status, txs[i].Reasons = maksa.RJCT, []maksa.Problem{{Code: maksa.AM04, Message: "account LV21TREL9160100000000 holds less than the 120.00 this payment needs"}}
		}
	}
	var buf bytes.Buffer
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		w := pain002.NewWriter(&buf, 3)
		err := w.WriteHeader(&pain002.Report{MessageID: "BENCH", CreationTime: time.Date(2026, 11, 27, 18, 0, 0, 0, time.UTC),
			OriginalMessageID: "GEN-1", OriginalMessageName: "pain.001.001.03", OriginalNbOfTxs: 10000, GroupStatus: maksa.PART})
		if err != nil {
			b.Fatal(err)
		}
		for _, t := range txs {
			if err := w.WriteTransaction(t); err != nil {
				b.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(buf.Len()))
	b.ReportMetric(float64(len(txs)*b.N)/b.Elapsed().Seconds(), "transactions/s")
}
