// Package xmlout writes the elements of the ISO 20022 messages maksa emits
// (pain.001, pain.002, camt.053) to a buffered writer: no string is built
// per element, values are escaped only when they need it, and the first
// write error is kept and returned by Err and Flush.
package xmlout

import (
	"bufio"
	"encoding/xml"
	"io"
	"unicode/utf8"
)

// Writer writes XML text.
type Writer struct {
	w   *bufio.Writer
	err error
}

// New returns a Writer buffering 64 KB in front of w.
func New(w io.Writer) *Writer {
	return &Writer{w: bufio.NewWriterSize(w, 64<<10)}
}

// Raw writes s as it is: markup the caller built.
func (w *Writer) Raw(s string) {
	if w.err == nil {
		_, w.err = w.w.WriteString(s)
	}
}

// Elem writes <name>value</name>, the value escaped.
func (w *Writer) Elem(name, value string) {
	if w.err != nil {
		return
	}
	b := w.w
	b.WriteByte('<')
	b.WriteString(name)
	b.WriteByte('>')
	if plain(value) {
		b.WriteString(value)
	} else if w.err = xml.EscapeText(b, []byte(value)); w.err != nil {
		return
	}
	b.WriteString("</")
	b.WriteString(name)
	_, w.err = b.WriteString(">")
}

// Err is the first write error.
func (w *Writer) Err() error { return w.err }

// Flush writes what is buffered, or returns the first write error.
func (w *Writer) Flush() error {
	if w.err != nil {
		return w.err
	}
	return w.w.Flush()
}

// plain reports whether s is valid UTF-8 with nothing XML would escape.
func plain(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '&' || c == '<' || c == '>' || c == '"' || c == '\'' || c < 0x20:
			return false
		case c >= 0x80:
			return utf8.ValidString(s[i:])
		}
	}
	return true
}
