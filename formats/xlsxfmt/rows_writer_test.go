package xlsxfmt_test

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/xuri/excelize/v2"

	"maksa/formats/csvfmt"
	"maksa/formats/xlsxfmt"
)

// awkward are texts a report cell must carry as they are: spaces at either
// end, line breaks, XML's special characters, what looks like an escaped
// character ("_x0041_"), characters XML cannot carry, bytes that are not
// UTF-8, what a spreadsheet would take for a formula, and more than a
// cell holds.
var awkward = []string{
	"", "Kalniņš & Partneri, SIA", " leading", "trailing ", "\tindented", "line\nbreak\n", "cr\rhere", `<b>"quoted" 'single'</b>`,
	"_x0041_", "a_x005F_b", "_x005F_x0041_", "_x12_ _xABCD_", "ctrl\x01\x1f", "bad \xff\xfe utf-8", "\uFFFD \uFFFE \U0001F600",
	"=SUM(A1:A9)", "+371 2000", "-5", "@user", strings.Repeat("é", 40000), strings.Repeat("😀", 20000),
}

// TestRowsAsExcelizeWritesThem: the sheet maksa writes, its rows written by
// xlsxfmt and put into excelize's sheet, is byte for byte the sheet that
// excelize's own stream writer writes for the same rows, the awkward texts
// above among them.
func TestRowsAsExcelizeWritesThem(t *testing.T) {
	cols := []xlsxfmt.Column{{Header: "Id", Width: 10}, {Header: "Text", Width: 40}, {Header: "Amount", Width: 14, Amount: true}, {Header: "Count"}}
	type row struct {
		id     int64
		text   string
		amount decimal.Decimal
		count  int
	}
	var rows []row
	for i, s := range awkward {
		rows = append(rows, row{int64(i + 1), s, decimal.New(int64(i*123457-500000), -2), i * 3})
	}
	rows = append(rows, row{99, "large", decimal.RequireFromString("9999999999999.99"), -1})
	created := time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)

	wb, err := xlsxfmt.NewWorkbook(created)
	if err != nil {
		t.Fatal(err)
	}
	sheet, err := wb.Sheet("Executed", cols)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if err := sheet.Row(r.id, r.text, r.amount, r.count); err != nil {
			t.Fatal(err)
		}
	}
	var got bytes.Buffer
	if err := wb.Close(&got, sheet); err != nil {
		t.Fatal(err)
	}

	// The same sheet through excelize's stream writer alone.
	f := excelize.NewFile()
	bold, _ := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	amount, _ := f.NewStyle(&excelize.Style{NumFmt: 4})
	if err := f.SetSheetName("Sheet1", "Executed"); err != nil {
		t.Fatal(err)
	}
	sw, err := f.NewStreamWriter("Executed")
	if err != nil {
		t.Fatal(err)
	}
	header := []any{}
	for i, c := range cols {
		if c.Width > 0 {
			sw.SetColWidth(i+1, i+1, c.Width)
		}
		header = append(header, excelize.Cell{Value: c.Header, StyleID: bold})
	}
	sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"})
	if err := sw.SetRow("A1", header); err != nil {
		t.Fatal(err)
	}
	for i, r := range rows {
		cells := []any{r.id, csvfmt.Neutralise(r.text), excelize.Cell{Value: r.amount.InexactFloat64(), StyleID: amount}, r.count}
		if err := sw.SetRow(fmt.Sprintf("A%d", i+2), cells); err != nil {
			t.Fatal(err)
		}
	}
	sw.AddTable(&excelize.Table{Range: fmt.Sprintf("A1:D%d", len(rows)+1), Name: "Table1", StyleName: "TableStyleLight1"})
	if err := sw.Flush(); err != nil {
		t.Fatal(err)
	}
	want, err := f.WriteToBuffer()
	if err != nil {
		t.Fatal(err)
	}
	const part = "xl/worksheets/sheet1.xml"
	g, w := zipEntry(t, got.Bytes(), part), zipEntry(t, want.Bytes(), part)
	if !bytes.Equal(g, w) {
		at := 0
		for at < min(len(g), len(w)) && g[at] == w[at] {
			at++
		}
		t.Fatalf("%s differs from excelize's at byte %d:\n got …%.200s\nwant …%.200s", part, at, g[max(at-60, 0):], w[max(at-60, 0):])
	}

	// And excelize reads back every text, as neutralised.
	back, err := excelize.OpenReader(&got)
	if err != nil {
		t.Fatal(err)
	}
	all, err := back.GetRows("Executed")
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range awkward[:12] { // those XML can carry as they are
		if all[i+1][1] != csvfmt.Neutralise(s) {
			t.Errorf("row %d: read %q, wrote %q", i+2, all[i+1][1], s)
		}
	}
}

func zipEntry(t *testing.T, archive []byte, name string) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(archive), int64(len(archive)))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range zr.File {
		if f.Name == name {
			r, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			b, err := io.ReadAll(r)
			if err != nil {
				t.Fatal(err)
			}
			return b
		}
	}
	t.Fatalf("no %s in the workbook", name)
	return nil
}

// TestRowRefusesWhatItCannotWrite: a value of a type a report cell does
// not take, or more values than the sheet has columns, is an error, not a
// cell written wrong.
func TestRowRefusesWhatItCannotWrite(t *testing.T) {
	wb, err := xlsxfmt.NewWorkbook(time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	defer wb.Discard()
	sheet, err := wb.Sheet("S", []xlsxfmt.Column{{Header: "A"}, {Header: "B"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := sheet.Row(1.5, "x"); err == nil || !strings.Contains(err.Error(), "float64") {
		t.Errorf("a float64 cell: %v", err)
	}
	if err := sheet.Row("a", "b", "c"); err == nil {
		t.Error("three values in two columns: no error")
	}
}
