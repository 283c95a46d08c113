// Package xlsxfmt reads payment files exported as XLSX spreadsheets, and
// writes XLSX reports.
//
// The Reader streams the rows of the first sheet (or the profile's sheet)
// with excelize's row iterator, skips title rows above the header row,
// maps columns with a profile (see package profile), and reads number cells
// and text cells alike: amounts as numbers or as "1 234,56" text, dates as
// Excel serial dates or as text. Formula cells are read as their cached
// values. Problems name the cell: "Payments!D17".
package xlsxfmt

import (
	"archive/zip"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"maksa"
	"maksa/formats/profile"
)

// Limits that protect the reader from zip bombs and endless sheets.
const (
	maxUnzipped       = 1 << 30  // the whole unpacked workbook
	maxInMemoryXML    = 1 << 20  // larger sheets and string tables are unpacked to temporary files
	maxInMemoryPart   = 32 << 20 // any other part is unpacked into memory, as large as it claims to be
	maxTitleRows      = 50       // rows above the header row
	maxEmptyRowsInRow = 10000    // this many empty rows in a row end the sheet
)

// Reader reads payments from an XLSX file.
type Reader struct {
	// File names the file in positions.
	File string
	// Profile maps columns to fields; nil is profile.Auto().
	Profile *profile.Profile
	// Today dates payments of a file without an execution date column.
	Today time.Time

	// Set by Header:
	Sheet   string
	Columns *profile.Columns

	path       string
	book       *excelize.File
	rows       *excelize.Rows
	row        int
	headerRow  int
	controlSum string
	totalPos   maksa.Position
	err        error
}

// Open returns a Reader of the XLSX file at path. The file is read in
// place (as an io.ReaderAt), never loaded whole.
func Open(path string) *Reader {
	return &Reader{path: path}
}

// Close releases the workbook (excelize keeps large sheets in temporary files).
func (r *Reader) Close() error {
	if r.rows != nil {
		r.rows.Close()
	}
	if r.book != nil {
		return r.book.Close()
	}
	return nil
}

// Header opens the workbook and reads up to the header row. Returns a
// *maksa.Problem: FF01 when the file is no readable workbook, the sheet is
// missing, no header row is found or a required column is missing.
func (r *Reader) Header() error {
	if r.Columns != nil || r.err != nil {
		return r.err
	}
	if r.Profile == nil {
		r.Profile = profile.Auto()
	}
	if err := checkParts(r.path); err != nil {
		return r.fail(maksa.Position{File: r.File}, "%v", err)
	}
	book, err := excelize.OpenFile(r.path, excelize.Options{UnzipSizeLimit: maxUnzipped, UnzipXMLSizeLimit: maxInMemoryXML})
	if err != nil {
		return r.fail(maksa.Position{File: r.File}, "not a readable XLSX workbook: %v", err)
	}
	r.book = book
	r.Sheet = r.Profile.Sheet
	if r.Sheet == "" {
		sheets := book.GetSheetList()
		if len(sheets) == 0 {
			return r.fail(maksa.Position{File: r.File}, "the workbook has no sheet")
		}
		r.Sheet = sheets[0]
	}
	r.rows, err = book.Rows(r.Sheet)
	if err != nil {
		return r.fail(maksa.Position{File: r.File}, "sheet %q: %v", r.Sheet, err)
	}
	for r.row < maxTitleRows {
		cells, ok, err := r.next()
		if err != nil || !ok {
			break
		}
		if !r.Profile.LooksLikeHeader(cells) {
			continue
		}
		r.headerRow = r.row
		cols, err := r.Profile.Match(cells)
		if err != nil {
			return r.fail(maksa.Position{File: r.File, Sheet: r.Sheet, Cell: maksa.CellName(1, r.row)}, "%v", err)
		}
		r.Columns = cols
		return nil
	}
	return r.fail(maksa.Position{File: r.File, Sheet: r.Sheet}, "no header row found in the first %d rows of sheet %q (profile %s; a header row names at least two payment fields, such as %q and %q)",
		maxTitleRows, r.Sheet, r.Profile.Name, "Saņēmēja konts", "Summa")
}

// checkParts refuses, from the zip directory alone, a workbook whose parts
// other than worksheets and the string table claim to unpack to more than
// maxInMemoryPart: excelize reserves memory for each such part as large as
// its claim before it unpacks a byte.
func checkParts(path string) error {
	z, err := zip.OpenReader(path)
	if err != nil {
		return fmt.Errorf("not a readable XLSX workbook: %v", err)
	}
	defer z.Close()
	for _, f := range z.File {
		name := strings.ToLower(strings.ReplaceAll(f.Name, "\\", "/"))
		if strings.HasPrefix(name, "xl/worksheets/sheet") || name == "xl/sharedstrings.xml" {
			continue
		}
		if f.UncompressedSize64 > maxInMemoryPart {
			return fmt.Errorf("part %s claims to unpack to %d MB, more than any workbook part needs: refused as a zip bomb", f.Name, f.UncompressedSize64>>20)
		}
	}
	return nil
}

func (r *Reader) fail(pos maksa.Position, format string, args ...any) error {
	r.err = maksa.Problemf(maksa.FF01, pos, format, args...)
	return r.err
}

// next returns the cells of the next row, raw (numbers unformatted, formula
// cells as their cached values).
func (r *Reader) next() ([]string, bool, error) {
	if !r.rows.Next() {
		if err := r.rows.Error(); err != nil {
			return nil, false, r.fail(maksa.Position{File: r.File, Sheet: r.Sheet}, "sheet %q cannot be read: %v", r.Sheet, err)
		}
		return nil, false, nil
	}
	r.row++
	cells, err := r.rows.Columns(excelize.Options{RawCellValue: true})
	if err != nil {
		return nil, false, r.fail(maksa.Position{File: r.File, Sheet: r.Sheet, Cell: maksa.CellName(1, r.row)}, "row %d cannot be read: %v", r.row, err)
	}
	return cells, true, nil
}

// Read returns the next payment, or io.EOF after the last one. A row that
// holds a total label is the control total row (see ControlSum).
func (r *Reader) Read() (*maksa.Payment, error) {
	if err := r.Header(); err != nil {
		return nil, err
	}
	empty := 0
	for {
		cells, ok, err := r.next()
		if err != nil {
			return nil, err
		}
		if !ok || empty >= maxEmptyRowsInRow {
			return nil, io.EOF
		}
		if blank(cells) {
			empty++
			continue
		}
		empty = 0
		row := profile.Row{Cells: cells, Line: r.row, Numeric: func(i int) bool { return i < len(cells) && isNumber(cells[i]) }}
		if r.Columns.IsTotalRow(cells) {
			r.controlSum = r.Columns.ControlSum(row)
			r.totalPos = maksa.Position{File: r.File, Sheet: r.Sheet, Cell: maksa.CellName(1, r.row)}
			continue
		}
		p := r.Columns.Payment(row, r.Today)
		p.Position = maksa.Position{File: r.File, Sheet: r.Sheet, Cell: maksa.CellName(1, r.row)}
		return p, nil
	}
}

// isNumber reports whether a raw cell value is a number as XLSX stores it.
func isNumber(s string) bool {
	if s == "" || strings.ContainsAny(s, ", ") {
		return false
	}
	_, err := strconv.ParseFloat(s, 64)
	return err == nil
}

func blank(cells []string) bool {
	for _, v := range cells {
		if strings.TrimSpace(v) != "" {
			return false
		}
	}
	return true
}

// ControlSum returns the amount of the control total row and its position,
// after the last Read; empty when the sheet has none.
func (r *Reader) ControlSum() (string, maksa.Position) { return r.controlSum, r.totalPos }

// HeaderPosition returns the position of the header row.
func (r *Reader) HeaderPosition() maksa.Position {
	return maksa.Position{File: r.File, Sheet: r.Sheet, Cell: maksa.CellName(1, r.headerRow)}
}

// String describes what was read, for logs.
func (r *Reader) String() string {
	return fmt.Sprintf("xlsx (sheet %q, profile %s)", r.Sheet, r.Profile.Name)
}
