package csvfmt_test

import (
	"errors"
	"io"
	"strings"
	"testing"

	"maksa"
	"maksa/formats/csvfmt"
)

// longLine yields a header and then a line of size bytes without a newline.
type longLine struct {
	header string
	left   int
}

func (l *longLine) Read(p []byte) (int, error) {
	if l.header != "" {
		n := copy(p, l.header)
		l.header = l.header[n:]
		return n, nil
	}
	if l.left <= 0 {
		return 0, io.EOF
	}
	n := min(len(p), l.left)
	for i := range p[:n] {
		p[i] = 'x'
	}
	l.left -= n
	return n, nil
}

func TestHugeLine(t *testing.T) {
	r := csvfmt.NewReader(&longLine{header: "Saņēmējs;Saņēmēja konts;Maksātāja konts;Summa\n", left: 100 << 20})
	var err error
	for err == nil {
		_, err = r.Read()
	}
	var p *maksa.Problem
	if !errors.As(err, &p) || p.Code != maksa.FF02 || !strings.Contains(p.Message, "longer than") {
		t.Errorf("a 100 MB line: %v", err)
	}
}

// TestManyCellsBeforeTheHeader: title lines of 40,000 cells each, with
// diacritics, ahead of a missing header. Every cell is compared with the
// profile's column names; that once cost a fresh Unicode transformer per
// name and cell, and a file like this stopped the importer for hours (the
// fuzzer found it). Now it is refused at once.
func TestManyCellsBeforeTheHeader(t *testing.T) {
	line := strings.Repeat("Ā;", 40000) + "\n"
	_, _, err := readAll([]byte(strings.Repeat(line, 50)))
	var p *maksa.Problem
	if !errors.As(err, &p) || p.Code != maksa.FF01 {
		t.Fatalf("got %v, want FF01: no header row", err)
	}
}
