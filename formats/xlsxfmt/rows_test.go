package xlsxfmt_test

import (
	"archive/zip"
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"maksa/internal/memwatch"
)

// TestTenMillionEmptyStyledRows reads a workbook whose sheet has its four
// payments followed by 10⁷ empty but styled rows (a 400 MB sheet packed
// into a few hundred kilobytes): the payments are read, the empty tail
// ends the sheet, and memory stays bounded.
func TestTenMillionEmptyStyledRows(t *testing.T) {
	if testing.Short() {
		t.Skip("SKIP in -short mode: a 400 MB sheet")
	}
	dir := t.TempDir()
	plain := filepath.Join(dir, "plain.xlsx")
	craft(t, plain, goodRows())
	padded := filepath.Join(dir, "padded.xlsx")
	if err := padSheet(plain, padded, 10_000_000); err != nil {
		t.Fatal(err)
	}
	watch := memwatch.Start()
	_, ps, err := read(t, padded)
	peak := watch.Stop()
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 4 {
		t.Errorf("read %d payments, want 4", len(ps))
	}
	if peak > 100<<20 {
		t.Errorf("peak heap %d MiB reading a sheet of empty rows", peak>>20)
	}
}

// padSheet copies the workbook src to dst with n empty styled rows added
// at the end of its first sheet.
func padSheet(src, dst string, n int) error {
	zr, err := zip.OpenReader(src)
	if err != nil {
		return err
	}
	defer zr.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	defer out.Close()
	zw := zip.NewWriter(out)
	for _, f := range zr.File {
		w, err := zw.Create(f.Name)
		if err != nil {
			return err
		}
		r, err := f.Open()
		if err != nil {
			return err
		}
		data, err := io.ReadAll(r)
		r.Close()
		if err != nil {
			return err
		}
		if f.Name != "xl/worksheets/sheet1.xml" {
			w.Write(data)
			continue
		}
		head, tail, ok := strings.Cut(string(data), "</sheetData>")
		if !ok {
			return fmt.Errorf("%s has no </sheetData>", f.Name)
		}
		bw := bufio.NewWriterSize(w, 1<<20)
		bw.WriteString(head)
		for r := 100; r < 100+n; r++ {
			fmt.Fprintf(bw, `<row r="%d" s="1" customFormat="1"/>`, r)
		}
		bw.WriteString("</sheetData>" + tail)
		if err := bw.Flush(); err != nil {
			return err
		}
	}
	return zw.Close()
}

// TestShortRow reads a row that ends before the amount column: it is a
// payment without an amount for the rules to refuse, not a crash (a
// mutated workbook found it).
func TestShortRow(t *testing.T) {
	path := filepath.Join(t.TempDir(), "short.xlsx")
	craft(t, path, [][]any{goodRows()[0], {"205", "LV21TREL9160100000000"}})
	_, ps, err := read(t, path)
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 2 || ps[1].AmountText != "" {
		t.Fatalf("read %d payments, the short one %+v", len(ps), ps[len(ps)-1])
	}
}

// TestPartClaimingHundredsOfMegabytes: a workbook whose styles part claims
// to unpack to 900 MB is refused from the zip directory alone; excelize
// would reserve the 900 MB before reading a byte (the fuzzer's stalls led
// here).
func TestPartClaimingHundredsOfMegabytes(t *testing.T) {
	dir := t.TempDir()
	plain, bloated := filepath.Join(dir, "plain.xlsx"), filepath.Join(dir, "bloated.xlsx")
	craft(t, plain, goodRows())
	zr, err := zip.OpenReader(plain)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	out, _ := os.Create(bloated)
	zw := zip.NewWriter(out)
	for _, f := range zr.File {
		raw, _ := f.OpenRaw()
		header := f.FileHeader
		if f.Name == "xl/styles.xml" {
			header.UncompressedSize64 = 900 << 20
		}
		w, err := zw.CreateRaw(&header)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(w, raw)
	}
	zw.Close()
	out.Close()
	watch := memwatch.Start()
	_, _, err = read(t, bloated)
	peak := watch.Stop()
	if err == nil || !strings.Contains(err.Error(), "xl/styles.xml claims to unpack to 900 MB") {
		t.Fatalf("got %v, want a refusal naming xl/styles.xml", err)
	}
	if peak > 100<<20 {
		t.Errorf("peak heap %d MiB", peak>>20)
	}
}
