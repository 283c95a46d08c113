// Package xmlout writes the elements of the ISO 20022 messages maksa emits
// (pain.001, pain.002, camt.053) through a buffer of its own: values are
// appended to it (no string is built per element, no call per piece),
// escaped only when they need it, and written out 64 KB at a time; the
// first write error is kept and returned by Err and Flush.
package xmlout

import (
	"encoding/xml"
	"io"
	"strconv"
	"time"
	"unicode/utf8"
)

// bufferSize is how much the Writer gathers before it writes.
const bufferSize = 64 << 10

// Writer writes XML text.
type Writer struct {
	w   io.Writer
	buf []byte
	err error
}

// New returns a Writer buffering 64 KB in front of w.
func New(w io.Writer) *Writer {
	return &Writer{w: w, buf: make([]byte, 0, bufferSize)}
}

// Raw writes s as it is: markup the caller built.
func (w *Writer) Raw(s string) {
	w.buf = append(w.buf, s...)
	w.spill()
}

// Elem writes <name>value</name>, the value escaped.
func (w *Writer) Elem(name, value string) {
	w.open(name)
	if plain(value) {
		w.buf = append(w.buf, value...)
	} else {
		_ = xml.EscapeText((*appender)(&w.buf), []byte(value)) // appending cannot fail
	}
	w.close(name)
}

// Date writes <name>YYYY-MM-DD</name>.
func (w *Writer) Date(name string, t time.Time) {
	w.open(name)
	w.buf = t.AppendFormat(w.buf, time.DateOnly)
	w.close(name)
}

// Int writes <name>n</name>.
func (w *Writer) Int(name string, n int64) {
	w.open(name)
	w.buf = strconv.AppendInt(w.buf, n, 10)
	w.close(name)
}

func (w *Writer) open(name string) {
	w.buf = append(w.buf, '<')
	w.buf = append(w.buf, name...)
	w.buf = append(w.buf, '>')
}

func (w *Writer) close(name string) {
	w.buf = append(w.buf, '<', '/')
	w.buf = append(w.buf, name...)
	w.buf = append(w.buf, '>')
	w.spill()
}

// Append lets the caller append to the buffer itself, for text it formats
// in place (an amount, a reference): the bytes must need no escaping.
func (w *Writer) Append(f func([]byte) []byte) {
	w.buf = f(w.buf)
	w.spill()
}

// spill writes the buffer out once it holds bufferSize bytes.
func (w *Writer) spill() {
	if len(w.buf) >= bufferSize {
		w.write()
	}
}

func (w *Writer) write() {
	if w.err == nil && len(w.buf) > 0 {
		_, w.err = w.w.Write(w.buf)
	}
	w.buf = w.buf[:0]
}

// Copy writes what is buffered, then everything r holds (between two
// files, the kernel copies it).
func (w *Writer) Copy(r io.Reader) error {
	if w.Flush() == nil {
		_, w.err = io.Copy(w.w, r)
	}
	return w.err
}

// Err is the first write error.
func (w *Writer) Err() error { return w.err }

// Flush writes what is buffered, or returns the first write error.
func (w *Writer) Flush() error {
	w.write()
	return w.err
}

// appender is an io.Writer appending to a byte slice.
type appender []byte

func (a *appender) Write(p []byte) (int, error) {
	*a = append(*a, p...)
	return len(p), nil
}

// plain reports whether s is valid UTF-8 with nothing XML would escape.
func plain(s string) bool {
	ascii := true
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '&' || c == '<' || c == '>' || c == '"' || c == '\'' || c < 0x20:
			return false
		case c >= 0x80:
			ascii = false
		}
	}
	return ascii || utf8.ValidString(s)
}
