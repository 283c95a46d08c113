package xmlscan_test

import (
	"bytes"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"maksa/formats/internal/xmlscan"
)

// trace renders every token a reader gives, with its position, names,
// attributes and text, and the error that ends it.
func trace(next func() (xmlscan.Kind, error), pos func() (int, int), prefix, local, text func() []byte, attrs func() []xmlscan.Attr) string {
	var b strings.Builder
	for range 1 << 20 {
		kind, err := next()
		line, col := pos()
		fmt.Fprintf(&b, "%d %d:%d", kind, line, col)
		if err != nil {
			fmt.Fprintf(&b, " error %v\n", err)
			return b.String()
		}
		switch kind {
		case xmlscan.StartElement:
			fmt.Fprintf(&b, " <%s:%s", prefix(), local())
			for _, a := range attrs() {
				fmt.Fprintf(&b, " %s:%s=%q", a.Prefix, a.Local, a.Value)
			}
		case xmlscan.EndElement:
			fmt.Fprintf(&b, " </%s:%s", prefix(), local())
		default:
			fmt.Fprintf(&b, " %q", text())
		}
		b.WriteByte('\n')
	}
	return b.String()
}

func scannerTrace(data []byte) string {
	s := xmlscan.New(bytes.NewReader(data))
	s.MaxToken = 4096
	return trace(s.Next, s.Pos, s.Prefix, s.Local, s.Text, s.Attrs)
}

func aheadTrace(data []byte) string {
	s := xmlscan.New(bytes.NewReader(data))
	s.MaxToken = 4096
	a := xmlscan.NewAhead(s)
	defer a.Close()
	return trace(a.Next, a.Pos, a.Prefix, a.Local, a.Text, a.Attrs)
}

// FuzzAheadAgainstScanner: scanning ahead on another goroutine gives, token
// for token, what the Scanner gives — positions, names, attributes, texts
// and the error at the end.
func FuzzAheadAgainstScanner(f *testing.F) {
	seeds(f)
	var long bytes.Buffer // more tokens than a batch holds
	long.WriteString(`<Document xmlns:x="urn:x">`)
	for i := range 20000 {
		fmt.Fprintf(&long, "<x:a n=\"%d\">t%d &amp; ü</x:a>\n", i, i)
	}
	long.WriteString("</Document>")
	f.Add(long.Bytes())
	f.Add(append(long.Bytes()[:long.Len()/2:long.Len()/2], "</y>"...)) // an error after several batches
	f.Fuzz(func(t *testing.T, data []byte) {
		if got, want := aheadTrace(data), scannerTrace(data); got != want {
			t.Fatalf("ahead and scanner differ for %q:\nahead\n%s\nscanner\n%s", data, got, want)
		}
	})
}

// TestAheadClose: a reader that stops early ends the scanning goroutine
// with Close.
func TestAheadClose(t *testing.T) {
	before := runtime.NumGoroutine()
	var doc strings.Builder
	doc.WriteString("<a>")
	for range 100000 {
		doc.WriteString("<b>x</b>")
	}
	doc.WriteString("</a>")
	for range 20 {
		a := xmlscan.NewAhead(xmlscan.New(strings.NewReader(doc.String())))
		a.Next()
		a.Close()
		a.Close() // twice is harmless
	}
	for deadline := time.Now().Add(2 * time.Second); runtime.NumGoroutine() > before && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Errorf("%d goroutines after closing, %d before", n, before)
	}
}
