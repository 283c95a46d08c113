package xlsxfmt

import (
	"archive/zip"
	"compress/flate"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
	"strconv"
	"time"

	"github.com/shopspring/decimal"
	"github.com/xuri/excelize/v2"

	"maksa/formats/csvfmt"
)

// Column describes one column of a report sheet.
type Column struct {
	Header string
	Width  float64
	Amount bool // numbers shown with two decimals and thousands separators
}

// Workbook writes a report workbook: sheets streamed row by row, each with
// a bold frozen header row, set column widths and an autofilter. Text is
// neutralised against formula injection (csvfmt.Neutralise); amounts are
// number cells. Given the same rows and the same time, it writes the same
// bytes.
type Workbook struct {
	f      *excelize.File
	bold   int
	amount int
	sheets int
	rows   []*rowsFile // of every sheet's parts
	closed bool
}

// NewWorkbook starts a workbook whose document properties carry created.
func NewWorkbook(created time.Time) (*Workbook, error) {
	f := excelize.NewFile()
	ts := created.UTC().Format(time.RFC3339)
	if err := f.SetDocProps(&excelize.DocProperties{Creator: "maksa", LastModifiedBy: "maksa", Created: ts, Modified: ts}); err != nil {
		return nil, err
	}
	wb := &Workbook{f: f}
	var err error
	if wb.bold, err = f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}}); err != nil {
		return nil, err
	}
	if wb.amount, err = f.NewStyle(&excelize.Style{NumFmt: 4}); err != nil {
		return nil, err
	}
	return wb, nil
}

// maxRows is how many rows a sheet may hold, its header row included:
// Excel's limit (a variable for tests).
var maxRows = excelize.TotalRows

// Sheet is one streamed sheet. Rows past Excel's limit of a sheet go on
// into a continuation sheet, "Name (2)", placed right after it, with the
// same header row.
//
// excelize writes each sheet's header row, columns, panes and table; the
// rows under the header are written here, to a temporary file, and put
// into excelize's sheet when the workbook is closed (rows.go). excelize's
// stream writer keeps a sheet's rows in a buffer in memory until they
// pass 16 MB: a live heap of 16 to 32 MB for as long as a large report is
// written, which made the nightly batch collect its garbage every few
// milliseconds under maksa's memory limit (internal/gctune).
type Sheet struct {
	wb    *Workbook
	name  string
	cols  []Column
	refs  []string     // the column letters
	parts []*sheetPart // the sheet, then its continuations
}

// sheetPart is one sheet of the workbook.
type sheetPart struct {
	index int // 1-based, in the order sheets were added
	id    int // excelize's sheet id, which names its part in the zip
	name  string
	sw    *excelize.StreamWriter
	row   int // the last row written
	rows  *rowsFile
}

// Sheet adds a sheet with the given columns and writes its header row.
func (wb *Workbook) Sheet(name string, cols []Column) (*Sheet, error) {
	s := &Sheet{wb: wb, name: name, cols: cols, refs: make([]string, len(cols))}
	for i := range cols {
		var err error
		if s.refs[i], err = excelize.ColumnNumberToName(i + 1); err != nil {
			return nil, err
		}
	}
	return s, s.addPart()
}

// addPart adds the sheet's next part, after the last one, and writes its
// header row.
func (s *Sheet) addPart() error {
	wb, name := s.wb, s.name
	if len(s.parts) > 0 {
		name = fmt.Sprintf("%s (%d)", s.name, len(s.parts)+1)
	}
	if wb.sheets == 0 {
		if err := wb.f.SetSheetName("Sheet1", name); err != nil {
			return err
		}
	} else if _, err := wb.f.NewSheet(name); err != nil {
		return err
	}
	wb.sheets++
	id := 0
	for i, n := range wb.f.GetSheetMap() {
		if n == name {
			id = i
		}
	}
	if len(s.parts) > 0 { // the new sheet, added last, goes right after the part it continues
		list := wb.f.GetSheetList()
		if i := slices.Index(list, s.parts[len(s.parts)-1].name); i+1 < len(list)-1 {
			if err := wb.f.MoveSheet(name, list[i+1]); err != nil {
				return err
			}
		}
	}
	sw, err := wb.f.NewStreamWriter(name)
	if err != nil {
		return err
	}
	for i, c := range s.cols {
		if c.Width > 0 {
			if err := sw.SetColWidth(i+1, i+1, c.Width); err != nil {
				return err
			}
		}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	header := make([]any, len(s.cols))
	for i, c := range s.cols {
		header[i] = excelize.Cell{Value: c.Header, StyleID: wb.bold}
	}
	if err := sw.SetRow("A1", header); err != nil {
		return err
	}
	rows, err := newRowsFile()
	if err != nil {
		return err
	}
	s.parts = append(s.parts, &sheetPart{index: wb.sheets, id: id, name: name, sw: sw, row: 1, rows: rows})
	wb.rows = append(wb.rows, rows)
	return nil
}

// Row writes one row: strings (neutralised against formula injection),
// decimals (amounts) and integers.
func (s *Sheet) Row(values ...any) error {
	if len(values) > len(s.cols) {
		return fmt.Errorf("xlsx: a row of %d values in sheet %q of %d columns", len(values), s.name, len(s.cols))
	}
	if s.parts[len(s.parts)-1].row >= maxRows {
		if err := s.addPart(); err != nil {
			return err
		}
	}
	part := s.parts[len(s.parts)-1]
	part.row++
	w := part.rows.w
	row := strconv.Itoa(part.row)
	w.WriteString(`<row r="`)
	w.WriteString(row)
	w.WriteString(`">`)
	for i, v := range values {
		switch v := v.(type) {
		case string:
			writeText(w, s.refs[i], row, csvfmt.Neutralise(v))
		case decimal.Decimal:
			writeNumber(w, s.refs[i], row, s.wb.amount, strconv.FormatFloat(v.InexactFloat64(), 'f', -1, 64))
		case int:
			writeNumber(w, s.refs[i], row, 0, strconv.Itoa(v))
		case int64:
			writeNumber(w, s.refs[i], row, 0, strconv.FormatInt(v, 10))
		default:
			return fmt.Errorf("xlsx: a cell of type %T in sheet %q", v, s.name)
		}
	}
	_, err := w.WriteString(`</row>`)
	return err
}

// close adds the autofilters and flushes the sheet's parts: excelize
// writes each with its header row, and the rows written to its file.
func (s *Sheet) close() error {
	for _, p := range s.parts {
		if p.row > 1 {
			last, _ := excelize.CoordinatesToCellName(len(s.cols), p.row)
			if err := p.sw.AddTable(&excelize.Table{Range: "A1:" + last, Name: fmt.Sprintf("Table%d", p.index), StyleName: "TableStyleLight1"}); err != nil {
				return err
			}
		}
		if err := p.sw.Flush(); err != nil {
			return err
		}
		if err := p.rows.w.Flush(); err != nil {
			return err
		}
		p.rows.entry = fmt.Sprintf("xl/worksheets/sheet%d.xml", p.id)
	}
	return nil
}

// Close finishes the sheets in order and writes the workbook to w, its
// zip entries sorted by name so that the same workbook is the same bytes.
func (wb *Workbook) Close(w io.Writer, sheets ...*Sheet) error {
	defer wb.Discard()
	for _, s := range sheets {
		if err := s.close(); err != nil {
			return err
		}
	}
	tmp, err := os.CreateTemp("", "maksa-xlsx-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	// excelize's Write builds the whole zipped workbook in memory (60 MB
	// for a million rows) before it writes it; its zip goes straight to
	// the temporary file instead, and the buffer stays empty. (Without the
	// buffer excelize cannot mark a sheet of more than 4 GB as zip64 for
	// old readers; archive/zip still writes its zip64 records.)
	//
	// Its entries are compressed for speed (flate.BestSpeed): the whole
	// workbook is written 16 % faster than at the default level, and is
	// 16 % larger (BenchmarkWrite).
	wb.f.ZipWriter = func(io.Writer) excelize.ZipWriter {
		zw := zip.NewWriter(tmp)
		zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) { return flate.NewWriter(w, flate.BestSpeed) })
		return zw
	}
	if _, err := wb.f.WriteToBuffer(); err != nil {
		return err
	}
	size, err := tmp.Seek(0, io.SeekCurrent)
	if err != nil {
		return err
	}
	rows := map[string]*rowsFile{}
	for _, r := range wb.rows {
		if r.entry != "" {
			rows[r.entry] = r
		}
	}
	return sortedZip(w, tmp, size, rows)
}

// Discard removes what a workbook that will not be written holds on
// disk; after Close it does nothing.
func (wb *Workbook) Discard() {
	if wb.closed {
		return
	}
	wb.closed = true
	wb.f.Close()
	wb.discardRows()
}

// sortedZip copies a zip archive with its entries sorted by name, without
// recompressing them, but for the sheets that get their rows from rows:
// those are written anew with their rows.
func sortedZip(w io.Writer, r io.ReaderAt, size int64, rows map[string]*rowsFile) error {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return err
	}
	files := append([]*zip.File(nil), zr.File...)
	sort.Slice(files, func(i, j int) bool { return files[i].Name < files[j].Name })
	zw := zip.NewWriter(w)
	zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) { return flate.NewWriter(w, flate.BestSpeed) })
	for _, f := range files {
		if r := rows[f.Name]; r != nil {
			if err := r.splice(zw, f); err != nil {
				return err
			}
			delete(rows, f.Name)
			continue
		}
		raw, err := f.OpenRaw()
		if err != nil {
			return err
		}
		out, err := zw.CreateRaw(&f.FileHeader)
		if err != nil {
			return err
		}
		if _, err := io.Copy(out, raw); err != nil {
			return err
		}
	}
	for name := range rows {
		return fmt.Errorf("xlsx: excelize wrote no %s for its rows", name)
	}
	return zw.Close()
}
