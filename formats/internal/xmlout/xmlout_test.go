package xmlout_test

import (
	"bytes"
	"encoding/xml"
	"errors"
	"testing"

	"maksa/formats/internal/xmlout"
)

// TestElemEscapesLikeEncodingXML: a value is written as xml.EscapeText
// writes it, whether it needs escaping or not.
func TestElemEscapesLikeEncodingXML(t *testing.T) {
	for _, v := range []string{"plain", "Jānis Bērziņš", "a & b <c> \"d\" 'e'", "line\nbreak\ttab", "bad \xff byte", "",
		"Müller & Söhne", "Ā<b>", "ē\t", "ü \xff"} { // escapes after a non-ASCII letter: "Müller & Söhne" once went out unescaped
		checkElem(t, v)
	}
}

// FuzzElem: whatever the value, Elem writes what xml.EscapeText writes.
func FuzzElem(f *testing.F) {
	for _, v := range []string{"Müller & Söhne", "a<b", "ā\xff&"} {
		f.Add(v)
	}
	f.Fuzz(checkElem)
}

func checkElem(t *testing.T, v string) {
	var got, want bytes.Buffer
	w := xmlout.New(&got)
	w.Elem("Nm", v)
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	want.WriteString("<Nm>")
	xml.EscapeText(&want, []byte(v))
	want.WriteString("</Nm>")
	if got.String() != want.String() {
		t.Errorf("%q: wrote %q, want %q", v, got.String(), want.String())
	}
}

type failing struct{}

func (failing) Write([]byte) (int, error) { return 0, errors.New("disk full") }

// TestFirstErrorKept: a failed write is reported by Err and Flush.
func TestFirstErrorKept(t *testing.T) {
	w := xmlout.New(failing{})
	for range 10000 {
		w.Elem("Ustrd", "Alga par novembri")
	}
	if w.Err() == nil || w.Flush() == nil {
		t.Errorf("errors %v, %v; want disk full", w.Err(), w.Flush())
	}
}
