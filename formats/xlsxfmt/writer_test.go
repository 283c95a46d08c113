package xlsxfmt_test

import (
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"maksa/formats/xlsxfmt"
)

// TestWriterMemory: a workbook of 300,000 rows is written to its writer
// without the whole zipped workbook (12 MB here) held in memory: when its
// first bytes reach the writer, what is alive is excelize's sheet buffer
// (it spills to a file past 16 MB) and not, besides, the zip (excelize's
// own Write held the whole zipped workbook in a buffer at that moment:
// 37 MB alive here, against 21 MB).
func TestWriterMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("SKIP in -short mode: a 300,000-row workbook")
	}
	wb, err := xlsxfmt.NewWorkbook(time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	cols := []xlsxfmt.Column{{Header: "Id"}, {Header: "End-to-end id"}, {Header: "Creditor"}, {Header: "Account"}, {Header: "Amount"}, {Header: "Remittance"}}
	sheet, err := wb.Sheet("Executed", cols)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 300_000 {
		err := sheet.Row(i, fmt.Sprintf("E2E-%09d", i), fmt.Sprintf("Kreditors Nr. %d, SIA", i), fmt.Sprintf("LV80BANK%013d", i),
			decimal.New(int64(i*37%100000), -2), fmt.Sprintf("Rēķins %d par pakalpojumiem %d", i, i*7))
		if err != nil {
			t.Fatal(err)
		}
	}
	var out firstWrite
	if err := wb.Close(&out, sheet); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d MB workbook, %d MB alive when its first bytes were written", out.written>>20, out.alive>>20)
	if out.alive > 28<<20 {
		t.Errorf("%d MB alive when the first bytes of a %d MB workbook were written", out.alive>>20, out.written>>20)
	}
}

// firstWrite counts what is written, and notes the live heap at the first
// write.
type firstWrite struct {
	written int64
	alive   uint64
}

func (w *firstWrite) Write(p []byte) (int, error) {
	if w.written == 0 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		w.alive = m.HeapAlloc
	}
	w.written += int64(len(p))
	return len(p), nil
}

// BenchmarkWrite writes a workbook of one sheet of 10,000 report rows (the
// daily report's Executed sheet).
func BenchmarkWrite(b *testing.B) {
	cols := []xlsxfmt.Column{{Header: "Id"}, {Header: "End-to-end id"}, {Header: "Creditor"}, {Header: "Account"}, {Header: "Amount", Amount: true}, {Header: "Remittance"}}
	var out firstWrite
	b.ReportAllocs()
	for b.Loop() {
		out = firstWrite{}
		wb, err := xlsxfmt.NewWorkbook(time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC))
		if err != nil {
			b.Fatal(err)
		}
		sheet, err := wb.Sheet("Executed", cols)
		if err != nil {
			b.Fatal(err)
		}
		for i := range 10000 {
			if err := sheet.Row(i, "GEN-1-E2E-1", "Kreditors, SIA", "LV80BANK0000435195001", decimal.New(int64(i*37%100000), -2), "Rēķins par pakalpojumiem"); err != nil {
				b.Fatal(err)
			}
		}
		if err := wb.Close(&out, sheet); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(out.written)
	b.ReportMetric(float64(10000*b.N)/b.Elapsed().Seconds(), "rows/s")
}
