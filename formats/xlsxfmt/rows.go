package xlsxfmt

import (
	"archive/zip"
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// rowsFile holds the rows of one sheet, as SpreadsheetML, on disk until
// the workbook is written. Its file is removed as soon as it is made
// where the system allows (an open file lives on without its name), and
// otherwise when the workbook is closed or discarded.
type rowsFile struct {
	f     *os.File
	w     *bufio.Writer
	named bool   // the file still has its name
	entry string // the sheet's part in the zip, once excelize wrote it
}

func newRowsFile() (*rowsFile, error) {
	f, err := os.CreateTemp("", "maksa-xlsx-rows-*")
	if err != nil {
		return nil, err
	}
	return &rowsFile{f: f, w: bufio.NewWriterSize(f, 64<<10), named: os.Remove(f.Name()) != nil}, nil
}

// discardRows closes and removes the rows files.
func (wb *Workbook) discardRows() {
	for _, r := range wb.rows {
		r.f.Close()
		if r.named {
			os.Remove(r.f.Name())
		}
	}
	wb.rows = nil
}

// maxSheetPart is the most a sheet part of excelize may hold before its
// rows are put in: its columns, panes, header row and table, a few
// kilobytes.
const maxSheetPart = 1 << 20

// splice writes the sheet part f, as excelize wrote it, with the rows put
// in after its header row.
func (r *rowsFile) splice(zw *zip.Writer, f *zip.File) error {
	in, err := f.Open()
	if err != nil {
		return err
	}
	sheet, err := io.ReadAll(io.LimitReader(in, maxSheetPart+1))
	in.Close()
	if err != nil {
		return err
	}
	head, tail, found := bytes.Cut(sheet, []byte("</sheetData>"))
	if !found || len(sheet) > maxSheetPart {
		return fmt.Errorf("xlsx: %s as excelize wrote it has no place for its rows", f.Name)
	}
	h := f.FileHeader
	h.CRC32, h.CompressedSize64, h.UncompressedSize64 = 0, 0, 0
	out, err := zw.CreateHeader(&h)
	if err != nil {
		return err
	}
	if _, err := out.Write(head); err != nil {
		return err
	}
	if _, err := r.f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	if _, err := io.Copy(out, r.f); err != nil {
		return err
	}
	_, err = out.Write(append([]byte("</sheetData>"), tail...))
	return err
}

// writeNumber writes a number cell, with a style when style is not 0.
func writeNumber(w *bufio.Writer, col, row string, style int, value string) {
	w.WriteString(`<c r="`)
	w.WriteString(col)
	w.WriteString(row)
	if style != 0 {
		w.WriteString(`" s="`)
		w.WriteString(strconv.Itoa(style))
	}
	w.WriteString(`"><v>`)
	w.WriteString(value)
	w.WriteString(`</v></c>`)
}

// maxCellChars is the most a cell holds, in UTF-16 code units (Excel's
// limit); longer text is cut.
const maxCellChars = 32767

// writeText writes a text cell as an inline string, as excelize writes
// one: space kept where the text begins or ends with it, XML escaped (a
// character XML cannot carry becomes U+FFFD), and a literal "_xHHHH_",
// which a reader would take for an escaped character, itself escaped.
func writeText(w *bufio.Writer, col, row, s string) {
	if len(s) > maxCellChars {
		s = cut(s, maxCellChars)
	}
	w.WriteString(`<c r="`)
	w.WriteString(col)
	w.WriteString(row)
	w.WriteString(`" t="inlineStr"><is><t`)
	if s != "" && (strings.IndexByte("\t\n\r ", s[0]) >= 0 || strings.IndexByte("\t\n\r ", s[len(s)-1]) >= 0) {
		w.WriteString(` xml:space="preserve"`)
	}
	w.WriteByte('>')
	if strings.Contains(s, "_x") {
		s = escapeHex(s)
	}
	escape(w, s)
	w.WriteString(`</t></is></c>`)
}

// escape writes s as XML text, as encoding/xml's EscapeText does but for
// line breaks, which stay as they are (as excelize writes them): a
// character XML cannot carry, or a byte that is not UTF-8, becomes
// U+FFFD.
func escape(w *bufio.Writer, s string) {
	last := 0
	for i := 0; i < len(s); {
		r, width := rune(s[i]), 1
		if r >= utf8.RuneSelf {
			r, width = utf8.DecodeRuneInString(s[i:])
		}
		var esc string
		switch {
		case r == '"':
			esc = "&#34;"
		case r == '\'':
			esc = "&#39;"
		case r == '&':
			esc = "&amp;"
		case r == '<':
			esc = "&lt;"
		case r == '>':
			esc = "&gt;"
		case r == '\t':
			esc = "&#x9;"
		case r == '\r':
			esc = "&#xD;"
		case r == '\n' || r >= 0x20 && (r <= 0xD7FF || 0xE000 <= r && r <= 0xFFFD || 0x10000 <= r) && !(r == utf8.RuneError && width == 1):
			i += width // as it is (a U+FFFD of the text too; a byte that is not UTF-8 decodes to one of width 1)
			continue
		default:
			esc = "\uFFFD"
		}
		w.WriteString(s[last:i])
		w.WriteString(esc)
		i += width
		last = i
	}
	w.WriteString(s[last:])
}

// cut cuts s to at most n UTF-16 code units.
func cut(s string, n int) string {
	units := 0
	for i, r := range s {
		if units += utf16.RuneLen(r); units > n {
			return s[:i]
		}
	}
	return s
}

// escapeHex escapes every "_xHHHH_" in s (ECMA-376 ST_Xstring): its
// underscore is written "_x005F".
func escapeHex(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if isHexEscape(s[i:]) {
			b.WriteString("_x005F")
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// isHexEscape tells whether s begins with "_xHHHH_".
func isHexEscape(s string) bool {
	if len(s) < 7 || s[0] != '_' || s[1] != 'x' || s[6] != '_' {
		return false
	}
	for _, c := range []byte(s[2:6]) {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}
