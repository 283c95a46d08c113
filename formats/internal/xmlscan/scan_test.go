package xmlscan_test

import (
	"bytes"
	"encoding/binary"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"
	"time"
	"unicode/utf16"

	"golang.org/x/text/encoding/charmap"

	"maksa/formats/internal/xmlscan"
	"maksa/internal/test/testgen"
)

// listing renders tokens one per line, adjacent texts joined, so that two
// readers can be compared.
type listing struct {
	b    strings.Builder
	text []byte
}

func (l *listing) flush() {
	if len(l.text) > 0 {
		fmt.Fprintf(&l.b, "text %q\n", l.text)
		l.text = l.text[:0]
	}
}

func (l *listing) start(prefix, local string, attrs [][3]string) {
	l.flush()
	fmt.Fprintf(&l.b, "start %s:%s", prefix, local)
	for _, a := range attrs {
		fmt.Fprintf(&l.b, " %s:%s=%q", a[0], a[1], a[2])
	}
	l.b.WriteByte('\n')
}

func (l *listing) end(prefix, local string) {
	l.flush()
	fmt.Fprintf(&l.b, "end %s:%s\n", prefix, local)
}

func (l *listing) String() string {
	l.flush()
	return l.b.String()
}

// tokens renders what the scanner reads, or the error it stops with.
func tokens(r io.Reader, maxToken int) (string, error) {
	s := xmlscan.New(r)
	if maxToken > 0 {
		s.MaxToken = maxToken
	}
	return listTokens(s)
}

// listTokens renders what s reads, as tokens does.
func listTokens(s *xmlscan.Scanner) (string, error) {
	var l listing
	for {
		kind, err := s.Next()
		if err == io.EOF {
			return l.String(), nil
		}
		if err != nil {
			return l.String(), err
		}
		switch kind {
		case xmlscan.StartElement:
			var attrs [][3]string
			for _, a := range s.Attrs() {
				attrs = append(attrs, [3]string{string(a.Prefix), string(a.Local), string(a.Value)})
			}
			l.start(string(s.Prefix()), string(s.Local()), attrs)
		case xmlscan.EndElement:
			l.end(string(s.Prefix()), string(s.Local()))
		case xmlscan.Text:
			l.text = append(l.text, s.Text()...)
		case xmlscan.Doctype:
			return l.String(), errors.New("doctype")
		}
	}
}

// stdTokens renders what encoding/xml reads the same way, with prefixes
// as written and no text outside the root element.
func stdTokens(data []byte) (string, error) {
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = true
	var l listing
	depth := 0
	for {
		tok, err := d.RawToken()
		if err == io.EOF {
			return l.String(), nil
		}
		if err != nil {
			return l.String(), err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			var attrs [][3]string
			for _, a := range t.Attr {
				attrs = append(attrs, [3]string{a.Name.Space, a.Name.Local, a.Value})
			}
			l.start(t.Name.Space, t.Name.Local, attrs)
		case xml.EndElement:
			depth--
			l.end(t.Name.Space, t.Name.Local)
		case xml.CharData:
			if depth > 0 {
				l.text = append(l.text, t...)
			}
		}
	}
}

func TestTokens(t *testing.T) {
	doc := "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n<!-- c -->\n<a:Doc xmlns:a='urn:x' b=\"1 &amp; 2\">\r\n <Nm>Bērziņš &lt;&#x41;&#66;&gt; <![CDATA[<raw & >]]></Nm><E/></a:Doc>\n<?pi x?>\n"
	got, err := tokens(strings.NewReader(doc), 0)
	if err != nil {
		t.Fatal(err)
	}
	want := `start a:Doc xmlns:a="urn:x" :b="1 & 2"
text "\n "
start :Nm
text "Bērziņš <AB> <raw & >"
end :Nm
start :E
end :E
end a:Doc
`
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	// The same, one byte per read: tokens that straddle the window.
	got, err = tokens(iotest.OneByteReader(strings.NewReader(doc)), 0)
	if err != nil || got != want {
		t.Errorf("one byte at a time: %v\n%s", err, got)
	}
}

// TestPositions: the line and column after each token, through values
// with line ends in them (plain, with a reference, non-ASCII) and without.
func TestPositions(t *testing.T) {
	for doc, want := range map[string]string{
		"<a>\n  <bb>x</bb>\n</a>":                       "1:1:4 3:2:3 1:2:7 3:2:8 2:2:13 3:3:1 2:3:5",
		"<a><b>Ā\nx</b><b>&amp;\r\ny</b><b>z</b>\n</a>": "1:1:4 1:1:7 3:2:2 2:2:6 1:2:9 3:3:2 2:3:6 1:3:9 3:3:10 2:3:14 3:4:1 2:4:5",
	} {
		s := xmlscan.New(strings.NewReader(doc))
		var got []string
		for {
			kind, err := s.Next()
			if err != nil {
				break
			}
			line, col := s.Pos()
			got = append(got, fmt.Sprintf("%d:%d:%d", kind, line, col))
		}
		if strings.Join(got, " ") != want {
			t.Errorf("%q: positions %s, want %s", doc, strings.Join(got, " "), want)
		}
	}
}

func TestEncoding(t *testing.T) {
	body, _ := charmap.Windows1257.NewEncoder().String("<?xml version=\"1.0\" encoding=\"windows-1257\"?><a>Ābele</a>")
	got, err := tokens(strings.NewReader(body), 0)
	if err != nil || got != "start :a\ntext \"Ābele\"\nend :a\n" {
		t.Errorf("windows-1257: %v %q", err, got)
	}
	got, err = tokens(strings.NewReader("\xEF\xBB\xBF<a>x</a>"), 0)
	if err != nil || got != "start :a\ntext \"x\"\nend :a\n" {
		t.Errorf("BOM: %v %q", err, got)
	}
	if _, err = tokens(strings.NewReader(`<?xml version="1.0" encoding="EBCDIC-X"?><a/>`), 0); err == nil || !strings.Contains(err.Error(), `unsupported encoding "EBCDIC-X"`) {
		t.Errorf("unknown encoding: %v", err)
	}
}

func TestNotWellFormed(t *testing.T) {
	tests := []struct{ doc, want string }{
		{"", "no root element"},
		{"<a>", "unexpected EOF"},
		{"<a></b>", "element <a> closed by </b>"},
		{"<a/><b/>", "a second root element"},
		{"x<a/>", "text outside the root element"},
		{"<a/>x", "text outside the root element"},
		{"<a>\xff</a>", "invalid UTF-8"},
		{"<a>Rīga \xff</a>", "invalid UTF-8"},
		{"<a>Rīga \xef\xbf\xbe</a>", "illegal character code U+FFFE"},
		{"<a>\xef\xbf\xbf</a>", "illegal character code U+FFFF"},
		{"<a>\x00</a>", "illegal character code U+0000"},
		{"<a>&foo;</a>", "invalid character entity &foo;"},
		{"<a>&#0;</a>", "invalid character entity &#0;"},
		{"<a>& b</a>", "invalid character entity"},
		{"<a>]]></a>", "unescaped ]]>"},
		{"<a b=c/>", "unquoted"},
		{"<a b='1' b='2'/>", "given twice"},
		{"<a b='<'/>", "unescaped <"},
		{"<a><!-- x -- y --></a>", "-- inside a comment"},
		{"<a><?xml version='1.0'?></a>", "XML declaration not at the start"},
		{" <?xml version='1.0'?><a/>", "XML declaration not at the start"},
		{"<a><!ELEMENT x></a>", "invalid sequence <!"},
		{"<1a/>", "expected element name"},
		{"<a></a >x", "text outside"},
		{"<a", "unexpected EOF"},
	}
	for _, tt := range tests {
		_, err := tokens(strings.NewReader(tt.doc), 0)
		var se *xmlscan.SyntaxError
		if !errors.As(err, &se) || !strings.Contains(se.Msg, tt.want) {
			t.Errorf("%q: error %v, want %q", tt.doc, err, tt.want)
		}
	}
	if _, err := tokens(strings.NewReader("<!DOCTYPE a [<!ENTITY x 'y'>]><a>&x;</a>"), 0); err == nil || err.Error() != "doctype" {
		t.Errorf("doctype: %v", err)
	}
}

func TestMaxToken(t *testing.T) {
	long := strings.Repeat("x", 5000)
	for _, doc := range []string{"<a>" + long + "</a>", "<a b='" + long + "'/>", "<a><!--" + long + "--></a>", "<" + long + "/>"} {
		if _, err := tokens(strings.NewReader(doc), 1000); err != xmlscan.ErrTooLong {
			t.Errorf("%.10q…: %v, want ErrTooLong", doc, err)
		}
		if _, err := tokens(strings.NewReader(doc), 10000); err != nil {
			t.Errorf("%.10q… under the limit: %v", doc, err)
		}
	}
}

// seeds are the repository's XML test files.
func seeds(f *testing.F) {
	files, _ := filepath.Glob("../../../testdata/pain001/*.xml")
	more, _ := filepath.Glob("../../../testdata/pain001/bad/*.xml")
	for _, file := range append(files, more...) {
		data, _ := os.ReadFile(file)
		f.Add(data)
	}
	f.Add([]byte("<a x='&lt;'>\r\n<b/>&#x10FFFF;<![CDATA[]]]]></a>"))
}

// FuzzAgainstEncodingXML: whatever the scanner accepts, encoding/xml (in
// strict mode) accepts too and reads as the same tokens; the scanner never
// panics. The one known difference: names with characters that only the
// fifth edition of XML 1.0 allows (such as combining marks).
func FuzzAgainstEncodingXML(f *testing.F) {
	seeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		if bytes.HasPrefix(data, []byte("<?xml")) && bytes.Contains(data[:min(len(data), 200)], []byte("encoding")) ||
			bytes.HasPrefix(data, []byte{0xFF, 0xFE}) || bytes.HasPrefix(data, []byte{0xFE, 0xFF}) {
			return // encoding/xml needs a CharsetReader for these (TestUTF16 reads UTF-16)
		}
		got, err := tokens(bytes.NewReader(data), 4096)
		if !bytes.HasPrefix(data, []byte{0xEF, 0xBB, 0xBF}) {
			// Scanned in place, a document reads as it does from a reader
			// (the parallel pain.001 reader scans its chunks so), errors
			// and all; only the token limit does not apply.
			whole, wholeErr := listTokens(xmlscan.NewWhole(bytes.Clone(data)))
			if err == nil && (whole != got || wholeErr != nil) || err != nil && !errors.Is(err, xmlscan.ErrTooLong) && fmt.Sprint(err) != fmt.Sprint(wholeErr) {
				t.Fatalf("in place %q: %v\n%s\nfrom a reader: %v\n%s", data, wholeErr, whole, err, got)
			}
		}
		if err != nil {
			return
		}
		want, stdErr := stdTokens(data)
		if stdErr != nil && strings.Contains(stdErr.Error(), "invalid XML name") {
			return // encoding/xml uses the name tables of XML 1.0's fourth edition, the scanner the fifth's
		}
		if stdErr != nil {
			t.Fatalf("scanner accepted what encoding/xml refuses (%v):\n%q", stdErr, data)
		}
		if got != want {
			t.Fatalf("tokens differ for %q:\nscanner\n%s\nencoding/xml\n%s", data, got, want)
		}
	})
}

// BenchmarkScan scans a generated pain.001 of 10,000 payments, the shape
// of file that make bench validates.
func BenchmarkScan(b *testing.B) {
	var doc bytes.Buffer
	spec := testgen.Spec{Count: 10000, Version: 3, MessageID: "BENCH", Seed: 1, Date: time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)}
	if err := spec.WritePain001(&doc); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(doc.Len()))
	for b.Loop() {
		s := xmlscan.New(bytes.NewReader(doc.Bytes()))
		for {
			if _, err := s.Next(); err != nil {
				if err != io.EOF {
					b.Fatal(err)
				}
				break
			}
		}
	}
}

func TestNames(t *testing.T) {
	for doc, ok := range map[string]bool{
		"<Ābele/>": true, "<a͟b/>": true, "<a·b/>": true, "<_x/>": true,
		"<a×/>": false, "<͟a/>": false, "<-a/>": false, "<a b×='1'/>": false,
		"<p:a xmlns:p='u'/>": true, "<::a/>": false, "<a:/>": false, "<a:b:c/>": false, "<a :b='1'/>": false,
	} {
		_, err := tokens(strings.NewReader(doc), 0)
		if (err == nil) != ok {
			t.Errorf("%s: error %v, want accepted %v", doc, err, ok)
		}
	}
}

// TestResume stops a scan at every token boundary and goes on with a new
// Scanner over the rest of the input, resumed with the open elements: the
// tokens, their offsets and the end must be the same as one scan's, with
// lines counted from where the new Scanner started.
func TestResume(t *testing.T) {
	doc := "\uFEFF<?xml version=\"1.0\"?>\n<p:a xmlns:p=\"urn:x\"><b>1</b>\n  <p:c d=\"2\"/><!-- x --><e>&amp;</e></p:a>\n"
	type token struct {
		kind          xmlscan.Kind
		name, text    string
		offset, start int64
	}
	scanFrom := func(s *xmlscan.Scanner, base int64) (list []token) {
		for {
			kind, err := s.Next()
			if err == io.EOF {
				return list
			}
			if err != nil {
				t.Fatal(err)
			}
			tok := token{kind: kind, name: string(s.Local()), offset: base + s.Offset(), start: base + s.TokenOffset()}
			if kind == xmlscan.Text {
				tok.name, tok.text = "", string(s.Text())
			}
			list = append(list, tok)
		}
	}
	whole := scanFrom(xmlscan.New(strings.NewReader(doc)), 0)
	for i := range whole {
		if i+1 < len(whole) && whole[i+1].offset == whole[i].offset {
			continue // a self-closing tag: its end is still to come, from no input
		}
		s := xmlscan.New(strings.NewReader(doc))
		for range i + 1 {
			s.Next()
		}
		open, at := s.Open(), s.Offset()
		rest := xmlscan.New(strings.NewReader(doc[at:]))
		rest.Buffer(make([]byte, 8))
		rest.Resume(open)
		if got := append(whole[:i+1:i+1], scanFrom(rest, at)...); fmt.Sprint(got) != fmt.Sprint(whole) {
			t.Errorf("resumed after token %d (at %d, open %q):\n%v\nwant\n%v", i+1, at, open, got, whole)
		}
	}
	if whole[0].start != int64(len("\uFEFF<?xml version=\"1.0\"?>\n")) {
		t.Errorf("the root starts at offset %d", whole[0].start)
	}
}

// TestUTF16: a document in UTF-16 with a byte order mark, either order,
// reads as the same tokens as in UTF-8, whatever its declaration says.
func TestUTF16(t *testing.T) {
	doc := "<?xml version=\"1.0\" encoding=\"UTF-16\"?>\n<Document><Nm>Jānis Bērziņš &amp; Müller 😀</Nm></Document>\n"
	want, err := tokens(strings.NewReader(strings.Replace(doc, "UTF-16", "UTF-8", 1)), 4096)
	if err != nil {
		t.Fatal(err)
	}
	for _, order := range []binary.ByteOrder{binary.LittleEndian, binary.BigEndian} {
		units := utf16.Encode([]rune("\ufeff" + doc))
		data := make([]byte, 2*len(units))
		for i, u := range units {
			order.PutUint16(data[2*i:], u)
		}
		got, err := tokens(bytes.NewReader(data), 4096)
		if err != nil || got != want {
			t.Errorf("%v: %v\n%s\nwant\n%s", order, err, got, want)
		}
	}
}
