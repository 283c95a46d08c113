package xlsxfmt_test

import (
	"bytes"
	"fmt"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/xuri/excelize/v2"

	"maksa/formats/xlsxfmt"
)

// TestWriterMemory: a workbook of 300,000 rows is written with almost
// nothing of it in memory: when its first bytes reach the writer, neither
// its rows (excelize's stream writer held them in a buffer of up to 16 MB,
// 21 MB alive here) nor the whole zipped workbook (14 MB here, which
// excelize's own Write held besides) are alive; 1 MB is.
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
	if out.alive > 8<<20 {
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

// TestSheetContinuesPastRowLimit: rows past Excel's limit of a sheet
// (1,048,576 rows, the header included; 5 here) go on into "Name (2)",
// "Name (3)"…, each with the header row and its own autofilter, placed
// right after the sheet they continue; no row is lost.
func TestSheetContinuesPastRowLimit(t *testing.T) {
	if excelize.TotalRows != 1048576 {
		t.Fatalf("Excel's row limit is %d", excelize.TotalRows)
	}
	defer xlsxfmt.SetMaxRows(5)()
	wb, err := xlsxfmt.NewWorkbook(time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	cols := []xlsxfmt.Column{{Header: "Id"}, {Header: "Amount", Amount: true}}
	var sheets []*xlsxfmt.Sheet
	for _, name := range []string{"Summary", "Executed", "Rejected"} {
		s, err := wb.Sheet(name, cols)
		if err != nil {
			t.Fatal(err)
		}
		sheets = append(sheets, s)
	}
	rows := map[string]int{"Summary": 4, "Executed": 12, "Rejected": 5}
	for i := range 12 { // interleaved, as the daily report writes them
		for k, s := range sheets {
			if name := []string{"Summary", "Executed", "Rejected"}[k]; i < rows[name] {
				if err := s.Row(fmt.Sprintf("%s-%d", name, i+1), decimal.New(int64(i), -2)); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	var buf bytes.Buffer
	if err := wb.Close(&buf, sheets...); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"Summary", "Executed", "Executed (2)", "Executed (3)", "Rejected", "Rejected (2)"}
	if got := f.GetSheetList(); !reflect.DeepEqual(got, want) {
		t.Fatalf("sheets %v, want %v", got, want)
	}
	read := map[string][]string{}
	for _, name := range want {
		all, err := f.GetRows(name)
		if err != nil || len(all) < 2 || len(all) > 5 || all[0][0] != "Id" {
			t.Fatalf("%s: %d rows %v, %v", name, len(all), all, err)
		}
		base, _, _ := strings.Cut(name, " (")
		for _, r := range all[1:] {
			read[base] = append(read[base], r[0])
		}
		tables, err := f.GetTables(name)
		if err != nil || len(tables) != 1 || tables[0].Range != fmt.Sprintf("A1:B%d", len(all)) {
			t.Errorf("%s: tables %+v, %v", name, tables, err)
		}
	}
	for name, n := range rows {
		if len(read[name]) != n || read[name][0] != name+"-1" || read[name][n-1] != fmt.Sprintf("%s-%d", name, n) {
			t.Errorf("%s: read %v, want %d rows in order", name, read[name], n)
		}
	}
}
