// Package csvfmt reads payment files exported as CSV by accounting
// programs, and writes CSV reports that are safe to open in a spreadsheet.
//
// The Reader detects the encoding (UTF-8 with or without a byte order
// mark, otherwise Windows-1257; a profile can say Windows-1252), the
// delimiter (";", "," or tab) and, per value, the decimal format ("1234.56",
// "1 234,56", "1.234,56"); it skips title lines above the header row, maps
// columns with a profile (see package profile) and streams one payment per
// line. Problems name the line and the column header.
package csvfmt

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"

	"maksa"
	"maksa/formats/internal/runlimit"
	"maksa/formats/profile"
)

// Limits: how many lines above the header row are skipped at most, and
// how long a line may be.
const (
	maxTitleLines = 20
	maxLine       = 1 << 20
)

// Reader reads payments from a CSV file.
type Reader struct {
	// File names the file in positions.
	File string
	// Profile maps columns to fields; nil is profile.Auto().
	Profile *profile.Profile
	// Today dates payments of a file without an execution date column.
	Today time.Time

	// Set by Header:
	Encoding  string
	Delimiter rune
	Columns   *profile.Columns

	src        *bufio.Reader
	cr         *csv.Reader
	controlSum string
	totalPos   maksa.Position
	headerLine int
	err        error
}

// NewReader returns a Reader over r.
func NewReader(r io.Reader) *Reader {
	return &Reader{src: bufio.NewReaderSize(r, 64<<10)}
}

// Header detects the encoding and the delimiter and reads up to the header
// row. Returns a *maksa.Problem: FF01 when no header row is found or a
// required column is missing.
func (r *Reader) Header() error {
	if r.Columns != nil || r.err != nil {
		return r.err
	}
	if r.Profile == nil {
		r.Profile = profile.Auto()
	}
	sample, _ := r.src.Peek(64 << 10)
	enc, name := detectEncoding(sample, r.Profile.Encoding)
	r.Encoding = name
	text := enc.NewDecoder().Reader(runlimit.New(r.src, maxLine, '\n'))
	decodedSample, _ := enc.NewDecoder().Bytes(sample)
	r.Delimiter = detectDelimiter(decodedSample, r.Profile.Delimiter)
	r.cr = csv.NewReader(text)
	r.cr.Comma = r.Delimiter
	r.cr.FieldsPerRecord = -1
	r.cr.ReuseRecord = true
	for i := 0; i < maxTitleLines; i++ {
		rec, err := r.cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return r.syntaxError(err)
		}
		if !r.Profile.LooksLikeHeader(rec) {
			continue
		}
		line, _ := r.cr.FieldPos(0)
		r.headerLine = line
		cols, err := r.Profile.Match(rec)
		if err != nil {
			r.err = maksa.Problemf(maksa.FF01, maksa.Position{File: r.File, Line: line}, "%v", err)
			return r.err
		}
		r.Columns = cols
		return nil
	}
	r.err = maksa.Problemf(maksa.FF01, maksa.Position{File: r.File}, "no header row found in the first %d lines (profile %s; a header row names at least two payment fields, such as %q and %q)",
		maxTitleLines, r.Profile.Name, "Saņēmēja konts", "Summa")
	return r.err
}

// detectEncoding picks the profile's encoding, or UTF-8 when the sample has
// a byte order mark or is valid UTF-8, or else Windows-1257.
func detectEncoding(sample []byte, want string) (encoding.Encoding, string) {
	switch strings.ToLower(want) {
	case "utf-8", "utf8":
		return unicode.UTF8BOM, "utf-8"
	case "windows-1257", "cp1257":
		return charmap.Windows1257, "windows-1257"
	case "windows-1252", "cp1252":
		return charmap.Windows1252, "windows-1252"
	}
	if bytes.HasPrefix(sample, []byte{0xEF, 0xBB, 0xBF}) {
		return unicode.UTF8BOM, "utf-8"
	}
	if i := bytes.LastIndexByte(sample, '\n'); i > 0 && len(sample) == 64<<10 {
		sample = sample[:i]
	}
	if utf8.Valid(sample) {
		return unicode.UTF8BOM, "utf-8"
	}
	return charmap.Windows1257, "windows-1257"
}

// detectDelimiter picks the profile's delimiter, or the most frequent of
// ";", "," and tab outside quotes in the first lines.
func detectDelimiter(sample []byte, want string) rune {
	switch want {
	case ";":
		return ';'
	case ",":
		return ','
	case "tab", "\t":
		return '\t'
	}
	counts := map[byte]int{}
	quoted, lines := false, 0
	for _, c := range sample {
		switch {
		case c == '"':
			quoted = !quoted
		case c == '\n' && !quoted:
			lines++
		case !quoted && (c == ';' || c == ',' || c == '\t'):
			counts[c]++
		}
		if lines >= maxTitleLines {
			break
		}
	}
	best := byte(';')
	for _, c := range []byte{',', '\t'} {
		if counts[c] > counts[best] {
			best = c
		}
	}
	return rune(best)
}

func (r *Reader) syntaxError(err error) error {
	if errors.Is(err, runlimit.ErrTooLong) {
		r.err = maksa.Problemf(maksa.FF02, maksa.Position{File: r.File}, "a line is longer than %d bytes", maxLine)
		return r.err
	}
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		r.err = maksa.Problemf(maksa.FF02, maksa.Position{File: r.File, Line: pe.Line, Column: pe.Column}, "CSV is malformed: %v", pe.Err)
		return r.err
	}
	r.err = maksa.Problemf(maksa.FF01, maksa.Position{File: r.File}, "cannot read the file: %v", err)
	return r.err
}

// Read returns the next payment, or io.EOF after the last one. A row that
// holds a total label is the control total row: its amount is the file's
// control sum (see ControlSum) and it is not a payment.
func (r *Reader) Read() (*maksa.Payment, error) {
	if err := r.Header(); err != nil {
		return nil, err
	}
	for {
		rec, err := r.cr.Read()
		if err == io.EOF {
			return nil, io.EOF
		}
		if err != nil {
			return nil, r.syntaxError(err)
		}
		if blank(rec) {
			continue
		}
		line, _ := r.cr.FieldPos(0)
		row := profile.Row{Cells: rec, Line: line}
		if r.Columns.IsTotalRow(rec) {
			r.controlSum = r.Columns.ControlSum(row)
			r.totalPos = maksa.Position{File: r.File, Line: line}
			continue
		}
		p := r.Columns.Payment(row, r.Today)
		p.Position = maksa.Position{File: r.File, Line: line}
		return p, nil
	}
}

func blank(rec []string) bool {
	for _, v := range rec {
		if strings.TrimSpace(v) != "" {
			return false
		}
	}
	return true
}

// ControlSum returns the amount of the control total row and its position,
// after the last Read; empty when the file has none.
func (r *Reader) ControlSum() (string, maksa.Position) { return r.controlSum, r.totalPos }

// HeaderPosition returns the position of the header row.
func (r *Reader) HeaderPosition() maksa.Position {
	return maksa.Position{File: r.File, Line: r.headerLine}
}

// String describes what was detected, for logs.
func (r *Reader) String() string {
	return fmt.Sprintf("csv (%s, delimiter %q, profile %s)", r.Encoding, r.Delimiter, r.Profile.Name)
}
