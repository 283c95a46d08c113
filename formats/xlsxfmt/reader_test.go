package xlsxfmt_test

import (
	"archive/zip"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"maksa"
	"maksa/formats/xlsxfmt"
	"maksa/internal/test/testgen"
)

var update = flag.Bool("update", false, "rewrite the crafted workbooks in testdata/xlsx")

const sheet = "Maksājumi"

var headers = []any{"Dokumenta Nr.", "Maksātāja konts", "Maksātājs", "Saņēmējs", "Saņēmēja konts", "Saņēmēja banka", "Summa", "Valūta", "Izpildes datums", "Mērķis"}

// craft writes a workbook as an accounting program might: a merged title
// row, a header row with a merged cell, number and text amounts, a formula
// with its cached value, an Excel date and a text date, empty styled rows
// and a total row.
func craft(t *testing.T, path string, rows [][]any) {
	f := excelize.NewFile()
	defer f.Close()
	f.SetSheetName("Sheet1", sheet)
	f.SetCellValue(sheet, "A1", "Maksājumu saraksts, 2026. gada novembris")
	f.MergeCell(sheet, "A1", "J1")
	f.SetSheetRow(sheet, "A3", &headers)
	f.MergeCell(sheet, "J3", "K3")
	dateStyle, _ := f.NewStyle(&excelize.Style{NumFmt: 14})
	for i, row := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, 4+i)
		for j, v := range row {
			c, _ := excelize.CoordinatesToCellName(j+1, 4+i)
			switch v := v.(type) {
			case formula:
				f.SetCellValue(sheet, c, v.cached)
				f.SetCellFormula(sheet, c, v.expr)
			case time.Time:
				f.SetCellValue(sheet, c, v)
				f.SetCellStyle(sheet, c, c, dateStyle)
			default:
				f.SetCellValue(sheet, c, v)
			}
		}
		_ = cell
	}
	// Empty but styled rows below the data, as spreadsheets leave them.
	f.SetCellStyle(sheet, "A20", "J40", dateStyle)
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
}

type formula struct {
	expr   string
	cached float64
}

var nov27 = time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)

func goodRows() [][]any {
	return [][]any{
		{"201", "LV21TREL9160100000000", "Testa pašvaldība", "Jānis Bērziņš", "LV44HABA0551000000001", "HABALV22", 100.5, "EUR", nov27, "Alga"},
		{"202", "LV21TREL9160100000000", "Testa pašvaldība", "Līga Ozoliņa", "LV31UNLA0050000000002", "UNLALV2X", "1 234,56", "EUR", "27.11.2026", "Rēķins 17"},
		{"203", "LV21TREL9160100000000", "Testa pašvaldība", "SIA Koks", "LV21PARX0000000000003", "", formula{"=100+23.45", 123.45}, "EUR", nov27, "Avanss"},
		{"204", "LV21TREL9160100000000", "Testa pašvaldība", "Anna Kalniņa", "LV44HABA0551000000001", "HABALV22", 0.1 + 0.2, "EUR", nov27, "Pabalsts"},
		{"Kopā", "", "", "", "", "", formula{"=SUM(G4:G7)", 1458.81}, "", "", ""},
	}
}

func read(t *testing.T, path string) (*xlsxfmt.Reader, []*maksa.Payment, error) {
	t.Helper()
	r := xlsxfmt.Open(path)
	r.File = "book.xlsx"
	r.Today = nov27
	defer r.Close()
	var ps []*maksa.Payment
	for {
		p, err := r.Read()
		if err == io.EOF {
			return r, ps, nil
		}
		if err != nil {
			return r, ps, err
		}
		ps = append(ps, p)
	}
}

func TestReadCraftedWorkbook(t *testing.T) {
	path := "../../testdata/xlsx/title-merged-formula.xlsx"
	if *update {
		craft(t, path, goodRows())
	}
	r, ps, err := read(t, path)
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 4 {
		t.Fatalf("read %d payments, want 4", len(ps))
	}
	want := []struct{ amount, date, cell string }{
		{"100.5", "2026-11-27", "G4"},
		{"1234.56", "2026-11-27", "G5"},
		{"123.45", "2026-11-27", "G6"},
		{"0.3", "2026-11-27", "G7"},
	}
	for i, w := range want {
		p := ps[i]
		if p.AmountText != w.amount || p.ExecutionDate.Format(maksa.DateLayout) != w.date || p.PositionOf(maksa.FieldAmount).Cell != w.cell {
			t.Errorf("payment %d: amount %q, date %v, amount cell %s; want %s, %s, %s", i+1, p.AmountText, p.ExecutionDate, p.PositionOf(maksa.FieldAmount).Cell, w.amount, w.date, w.cell)
		}
	}
	if p := ps[1].PositionOf(maksa.FieldCreditorAccount); p.Sheet != sheet || p.Cell != "E5" || p.Field != "Saņēmēja konts" {
		t.Errorf("creditor account position = %+v, want %s!E5 [Saņēmēja konts]", p, sheet)
	}
	if sum, pos := r.ControlSum(); sum != "1458.81" || pos.Cell != "A8" {
		t.Errorf("control sum %q at %v, want 1458.81 at A8", sum, pos)
	}
}

func TestReadMissingColumn(t *testing.T) {
	path := t.TempDir() + "/missing.xlsx"
	f := excelize.NewFile()
	f.SetSheetRow("Sheet1", "A1", &[]any{"Saņēmējs", "Summa", "Valūta"})
	f.SaveAs(path)
	_, _, err := read(t, path)
	var p *maksa.Problem
	if !errors.As(err, &p) || p.Code != maksa.FF01 || p.Position.Cell != "A1" {
		t.Fatalf("error = %v, want FF01 at Sheet1!A1", err)
	}
}

func TestReadNotAWorkbook(t *testing.T) {
	path := t.TempDir() + "/bad.xlsx"
	os.WriteFile(path, []byte("PK\x03\x04 this is no zip"), 0o600)
	_, _, err := read(t, path)
	var p *maksa.Problem
	if !errors.As(err, &p) || p.Code != maksa.FF01 {
		t.Fatalf("error = %v, want FF01", err)
	}
}

// TestCraftBadWorkbooks keeps the bad workbooks the end-to-end tests import.
func TestCraftBadWorkbooks(t *testing.T) {
	bad := map[string][][]any{
		"AM12-bad-amount-G5.xlsx": {goodRows()[0], {"205", "LV21TREL9160100000000", "Testa pašvaldība", "Jānis Bērziņš", "LV44HABA0551000000001", "HABALV22", "12,5x", "EUR", nov27, "Alga"}},
		"DT01-bad-date-I5.xlsx":   {goodRows()[0], {"206", "LV21TREL9160100000000", "Testa pašvaldība", "Jānis Bērziņš", "LV44HABA0551000000001", "HABALV22", 12.5, "EUR", "31.02.2026", "Alga"}},
		"AC03-bad-iban-E4.xlsx":   {{"207", "LV21TREL9160100000000", "Testa pašvaldība", "Jānis Bērziņš", "LV44HABA0551000000002", "HABALV22", 12.5, "EUR", nov27, "Alga"}},
	}
	for name, rows := range bad {
		path := "../../testdata/xlsx/bad/" + name
		if *update {
			os.MkdirAll("../../testdata/xlsx/bad", 0o755)
			craft(t, path, rows)
		}
		if _, ps, err := read(t, path); err != nil || len(ps) != len(rows) {
			t.Errorf("%s: %d payments, %v", name, len(ps), err)
		}
	}
}

// BenchmarkRead reads workbooks of 10,000 and 100,000 rows; its live-heap
// metric (measured after a collection every 10,000 rows) shows that memory
// does not grow with the rows.
func BenchmarkRead(b *testing.B) {
	for _, count := range []int{10000, 100000} {
		b.Run(fmt.Sprint(count), func(b *testing.B) {
			path := b.TempDir() + "/big.xlsx"
			f, _ := os.Create(path)
			spec := testgen.Spec{Count: count, MessageID: "B", Seed: 1, Date: nov27}
			if err := spec.WriteXLSX(f); err != nil {
				b.Fatal(err)
			}
			f.Close()
			st, _ := os.Stat(path)
			b.SetBytes(st.Size())
			var peak uint64
			var ms runtime.MemStats
			for b.Loop() {
				r := xlsxfmt.Open(path)
				n := 0
				for {
					_, err := r.Read()
					if err == io.EOF {
						break
					}
					if err != nil {
						b.Fatal(err)
					}
					if n++; n%10000 == 0 {
						runtime.GC()
						runtime.ReadMemStats(&ms)
						peak = max(peak, ms.HeapAlloc)
					}
				}
				r.Close()
				if n != spec.Count {
					b.Fatalf("read %d payments", n)
				}
			}
			b.ReportMetric(float64(spec.Count*b.N)/b.Elapsed().Seconds(), "payments/s")
			b.ReportMetric(float64(peak)/(1<<20), "live-heap-MB")
		})
	}
}

// TestZipBomb: a workbook whose sheet claims to unpack to 2 GB is refused
// before anything is unpacked.
func TestZipBomb(t *testing.T) {
	path := t.TempDir() + "/bomb.xlsx"
	f, _ := os.Create(path)
	zw := zip.NewWriter(f)
	for _, name := range []string{"[Content_Types].xml", "xl/workbook.xml"} {
		w, _ := zw.Create(name)
		w.Write([]byte("<x/>"))
	}
	w, err := zw.CreateRaw(&zip.FileHeader{Name: "xl/worksheets/sheet1.xml", Method: zip.Store, UncompressedSize64: 2 << 30, CompressedSize64: 4, CRC32: 0})
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte("<x/>"))
	zw.Close()
	f.Close()
	_, _, err = read(t, path)
	var p *maksa.Problem
	if !errors.As(err, &p) || p.Code != maksa.FF01 {
		t.Fatalf("a zip bomb: %v, want FF01", err)
	}
}

func FuzzReader(f *testing.F) {
	for _, pattern := range []string{"../../testdata/xlsx/*.xlsx", "../../testdata/xlsx/bad/*.xlsx"} {
		files, _ := filepath.Glob(pattern)
		for _, file := range files {
			data, _ := os.ReadFile(file)
			f.Add(data)
		}
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(dir, "fuzz.xlsx")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Skip()
		}
		// A hang is a failure too: the fuzzer would wait for it forever.
		done := make(chan error, 1)
		go func() { done <- readFuzzed(path) }()
		select {
		case err := <-done:
			var p *maksa.Problem
			if err != nil && !errors.As(err, &p) {
				t.Fatalf("error %v is not a *maksa.Problem", err)
			}
		case <-time.After(10 * time.Second):
			stack := make([]byte, 1<<16)
			t.Fatalf("reading %d bytes did not end in 10 s:\n%s", len(data), stack[:runtime.Stack(stack, true)])
		}
	})
}

// readFuzzed reads up to 100,000 payments of the workbook at path.
func readFuzzed(path string) error {
	r := xlsxfmt.Open(path)
	defer r.Close()
	for i := 0; i < 100000; i++ {
		if _, err := r.Read(); err != nil {
			if err == io.EOF {
				return nil
			}
			return err
		}
	}
	return nil
}
