package csvfmt

import (
	"encoding/csv"
	"io"
	"strings"
)

// Cell is one value of a report row: text, or a number written as a plain
// decimal ("1234.50").
type Cell struct {
	Value  string
	Number bool
}

// Text returns a text cell.
func Text(s string) Cell { return Cell{Value: s} }

// Number returns a number cell; s is a plain decimal.
func Number(s string) Cell { return Cell{Value: s, Number: true} }

// Writer writes CSV reports. Text that a spreadsheet would take for a
// formula is neutralised (see Neutralise); numbers are written as they are.
type Writer struct {
	w   *csv.Writer
	rec []string
}

// NewWriter returns a Writer of comma-separated UTF-8 CSV.
func NewWriter(w io.Writer) *Writer {
	return &Writer{w: csv.NewWriter(w)}
}

// Write writes one row.
func (w *Writer) Write(cells ...Cell) error {
	w.rec = w.rec[:0]
	for _, c := range cells {
		if c.Number {
			w.rec = append(w.rec, c.Value)
		} else {
			w.rec = append(w.rec, Neutralise(c.Value))
		}
	}
	return w.w.Write(w.rec)
}

// Flush writes what is buffered and returns the first error.
func (w *Writer) Flush() error {
	w.w.Flush()
	return w.w.Error()
}

// Neutralise makes text safe to open in a spreadsheet: a value that starts
// with "=", "+", "-", "@", a tab or a carriage return is prefixed with an
// apostrophe, so that it is shown as text and never run as a formula.
func Neutralise(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
