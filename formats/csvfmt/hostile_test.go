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
