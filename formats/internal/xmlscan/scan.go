// Package xmlscan is a strict, streaming XML tokenizer for data documents
// such as ISO 20022 messages.
//
// It reads one token at a time from a sliding window over the input, so
// memory is bounded by the largest token (MaxToken), and it is several
// times faster than encoding/xml because it hands out slices of its window
// instead of allocating a token per element. It checks what makes a
// document well formed: names, quoted attributes, matching end tags, one
// root element, entity and character references, legal characters and
// UTF-8. It refuses what a payment file never needs and an attacker would:
// a document type declaration ends the scan (Doctype), so no entity is ever
// declared, expanded or fetched.
//
// An XML declaration naming another encoding (ISO-8859-13, Windows-1257, …)
// is honoured: the rest of the input is decoded to UTF-8.
//
//	s := xmlscan.New(r)
//	for {
//		kind, err := s.Next()
//		…
//		switch kind {
//		case xmlscan.StartElement: // s.Local(), s.Prefix(), s.Attrs()
//		case xmlscan.EndElement:
//		case xmlscan.Text: // s.Text()
//		}
//	}
//
// Comments and processing instructions are skipped. Slices returned by the
// Scanner are valid until the next call to Next.
package xmlscan

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/ianaindex"
	"golang.org/x/text/encoding/unicode"
)

// Kind is the kind of a token.
type Kind uint8

// The tokens Next returns.
const (
	EOF Kind = iota
	StartElement
	EndElement
	Text
	Doctype // a <!DOCTYPE …>: the caller should refuse the document
)

// DefaultMaxToken is the default bound on a token's size in bytes.
const DefaultMaxToken = 1 << 20

// ErrTooLong reports a token (a tag, a text, a comment) longer than MaxToken.
var ErrTooLong = errors.New("a token is longer than the limit")

// SyntaxError reports a document that is not well formed.
type SyntaxError struct {
	Msg          string
	Line, Column int
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("line %d, column %d: %s", e.Line, e.Column, e.Msg)
}

// Attr is one attribute of a start element.
type Attr struct {
	Prefix, Local, Value []byte
}

// Scanner reads XML tokens.
type Scanner struct {
	// MaxToken bounds the size of one token; set it before the first Next.
	MaxToken int

	in       io.Reader
	buf      []byte
	pos      int // the next unread byte of buf
	end      int // buf[:end] holds read data
	rerr     error
	shifted  int64 // input bytes dropped from the front of buf (and a skipped byte order mark)
	tokStart int64 // input offset of the current token
	decoding bool  // the input is decoded from another encoding: offsets are the decoded text's

	line      int
	lineStart int // offset in buf of the current line's first byte (may be negative)

	kind      Kind
	prefix    []byte
	local     []byte
	attrs     []Attr
	text      []byte
	scratch   []byte // decoded text
	attrBuf   []byte // decoded attribute values of the current tag
	names     []byte // the open elements' qualified names, concatenated
	nameEnds  []int
	colons    []int // where each open element's name has its colon; 0 when it has none
	selfClose bool
	roots     int
	started   bool // a byte of the document was consumed
	err       error
}

// New returns a Scanner reading r. A UTF-8 byte order mark is skipped; a
// UTF-16 one (either byte order) decodes the document from UTF-16, whatever
// its declaration says; otherwise an XML declaration's encoding is
// honoured.
func New(r io.Reader) *Scanner {
	s := &Scanner{MaxToken: DefaultMaxToken, line: 1}
	br := bufio.NewReaderSize(r, 4096)
	if bom, _ := br.Peek(3); bytes.Equal(bom, []byte{0xEF, 0xBB, 0xBF}) {
		br.Discard(3)
		s.shifted = 3
	}
	if bom, _ := br.Peek(2); bytes.Equal(bom, []byte{0xFF, 0xFE}) || bytes.Equal(bom, []byte{0xFE, 0xFF}) {
		s.in = unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM).NewDecoder().Reader(br) // the BOM says the order
		s.decoding = true
		return s
	}
	s.in = br
	if label := declaredEncoding(br); label != "" && !strings.EqualFold(label, "utf-8") && !strings.EqualFold(label, "us-ascii") {
		enc, err := ianaindex.IANA.Encoding(label)
		if err != nil || enc == nil {
			s.err = &SyntaxError{Msg: fmt.Sprintf("unsupported encoding %q", label), Line: 1, Column: 1}
		} else {
			s.in = enc.NewDecoder().Reader(br)
			s.decoding = true
		}
	}
	return s
}

// NewWhole returns a Scanner of data, UTF-8 text that is all of its
// input: it scans data in place, reading and copying nothing. A token cut
// off by data's end is a syntax error, as at the end of any input.
func NewWhole(data []byte) *Scanner {
	return &Scanner{MaxToken: DefaultMaxToken, line: 1, buf: data, end: len(data), rerr: io.EOF}
}

// declaredEncoding returns the encoding an XML declaration at the start of
// br names, without consuming anything.
func declaredEncoding(br *bufio.Reader) string {
	head, _ := br.Peek(512)
	if !bytes.HasPrefix(head, []byte("<?xml")) {
		return ""
	}
	end := bytes.Index(head, []byte("?>"))
	if end < 0 {
		return ""
	}
	return pseudoAttr(head[:end], "encoding")
}

// pseudoAttr returns the value of name="…" in an XML declaration.
func pseudoAttr(decl []byte, name string) string {
	i := bytes.Index(decl, []byte(name))
	if i < 0 {
		return ""
	}
	rest := bytes.TrimLeft(decl[i+len(name):], " \t\r\n")
	if len(rest) == 0 || rest[0] != '=' {
		return ""
	}
	rest = bytes.TrimLeft(rest[1:], " \t\r\n")
	if len(rest) < 2 || rest[0] != '"' && rest[0] != '\'' {
		return ""
	}
	j := bytes.IndexByte(rest[1:], rest[0])
	if j < 0 {
		return ""
	}
	return string(rest[1 : 1+j])
}

// Local is the local name of the current start or end element.
func (s *Scanner) Local() []byte { return s.local }

// Prefix is the namespace prefix of the current element, empty when none.
func (s *Scanner) Prefix() []byte { return s.prefix }

// Attrs are the attributes of the current start element.
func (s *Scanner) Attrs() []Attr { return s.attrs }

// Text is the current text, with references replaced and line ends
// normalised.
func (s *Scanner) Text() []byte { return s.text }

// Depth is the number of open elements.
func (s *Scanner) Depth() int { return len(s.nameEnds) }

// Pos is the line and byte column just after the current token, or where
// the error was found.
func (s *Scanner) Pos() (line, column int) {
	return s.line, s.pos - s.lineStart + 1
}

// Buffer sets the window's first buffer, so that a caller reading many
// short inputs can reuse one; the window grows past it (up to MaxToken)
// when a token needs more.
func (s *Scanner) Buffer(buf []byte) { s.buf = buf[:cap(buf)] }

// Offset is the input offset, in bytes, of the first byte not yet read
// into a token: where the next token starts.
func (s *Scanner) Offset() int64 { return s.shifted + int64(s.pos) }

// TokenOffset is the input offset of the current token's first byte.
func (s *Scanner) TokenOffset() int64 { return s.tokStart }

// Decoding reports whether the input is decoded from an encoding other
// than UTF-8, so that offsets count decoded bytes, not the input's.
func (s *Scanner) Decoding() bool { return s.decoding }

// Open returns the qualified names of the open elements, outermost first.
// A self-closing element whose end Next has not returned yet is open.
func (s *Scanner) Open() []string {
	open := make([]string, len(s.nameEnds))
	start := 0
	for i, end := range s.nameEnds {
		open[i] = string(s.names[start:end])
		start = end
	}
	return open
}

// Resume makes a new Scanner read its input as the inside of a document
// whose elements named open (qualified names, outermost first, as Open
// returns them) are open: the input is the rest of a document from a
// token boundary. Line and column count from the input's start.
func (s *Scanner) Resume(open []string) {
	for _, qname := range open {
		s.names = append(s.names, qname...)
		s.nameEnds = append(s.nameEnds, len(s.names))
		s.colons = append(s.colons, max(strings.IndexByte(qname, ':'), 0))
	}
	s.roots, s.started = 1, true
}

// errShort means the window ends inside the token being scanned.
var errShort = errors.New("short window")

// Next reads the next token. At the end of a well-formed document it
// returns EOF and a nil error; a document that ends inside an element
// returns a *SyntaxError.
func (s *Scanner) Next() (Kind, error) {
	if s.err != nil {
		return EOF, s.err
	}
	if s.selfClose {
		s.selfClose = false
		s.pop()
		s.kind = EndElement
		return EndElement, nil
	}
	for {
		s.tokStart = s.shifted + int64(s.pos)
		kind, err := s.scan()
		if err == errShort {
			if err = s.fill(); err == nil {
				continue
			}
			if err == io.EOF {
				kind, err = s.atEOF()
			}
		}
		if err != nil {
			s.err = err
			return EOF, err
		}
		if kind == EOF {
			continue // a comment or processing instruction was skipped
		}
		s.kind = kind
		return kind, nil
	}
}

// atEOF handles the end of input: text left in the window, or the end.
func (s *Scanner) atEOF() (Kind, error) {
	if s.pos < s.end && s.buf[s.pos] != '<' {
		kind, err := s.scanText(true)
		if err != nil || kind != EOF {
			return kind, err
		}
	}
	if s.pos < s.end || len(s.nameEnds) > 0 {
		return EOF, s.syntax(s.end, "unexpected EOF")
	}
	if s.roots == 0 {
		return EOF, s.syntax(s.end, "no root element")
	}
	return EOF, io.EOF
}

// fill reads more input into the window, moving the unread bytes to the
// front and growing the buffer up to MaxToken.
func (s *Scanner) fill() error {
	if s.rerr != nil {
		return s.rerr
	}
	if s.buf == nil {
		s.buf = make([]byte, min(64<<10, s.MaxToken+8))
	}
	if s.pos > 0 {
		n := copy(s.buf, s.buf[s.pos:s.end])
		s.shifted += int64(s.pos)
		s.lineStart -= s.pos
		s.end = n
		s.pos = 0
	}
	if s.end == len(s.buf) {
		if len(s.buf) >= s.MaxToken+8 {
			return ErrTooLong
		}
		grown := make([]byte, min(2*len(s.buf), s.MaxToken+8))
		copy(grown, s.buf[:s.end])
		s.buf = grown
	}
	for tries := 0; tries < 100; tries++ {
		n, err := s.in.Read(s.buf[s.end:])
		s.end += n
		if err != nil {
			s.rerr = err
			if n > 0 {
				return nil
			}
			return err
		}
		if n > 0 {
			return nil
		}
	}
	s.rerr = io.ErrNoProgress
	return s.rerr
}

// advance consumes the window up to off, counting lines. Most tokens are
// a few bytes long: a loop counts them faster than bytes.Count is called.
func (s *Scanner) advance(off int) {
	s.started = true
	seg := s.buf[s.pos:off]
	if len(seg) <= 64 {
		for i, c := range seg {
			if c == '\n' {
				s.line++
				s.lineStart = s.pos + i + 1
			}
		}
	} else if n := bytes.Count(seg, []byte{'\n'}); n > 0 {
		s.line += n
		s.lineStart = s.pos + bytes.LastIndexByte(seg, '\n') + 1
	}
	s.pos = off
}

func (s *Scanner) syntax(off int, format string, args ...any) error {
	if off > s.pos {
		s.advance(min(off, s.end))
	}
	line, col := s.Pos()
	return &SyntaxError{Msg: fmt.Sprintf(format, args...), Line: line, Column: col}
}

// scan reads one token from the window; errShort when it needs more input.
// It returns EOF with a nil error for a skipped comment or instruction.
func (s *Scanner) scan() (Kind, error) {
	w := s.buf[s.pos:s.end]
	if len(w) == 0 {
		return EOF, errShort
	}
	if w[0] != '<' {
		return s.scanText(false)
	}
	if len(w) < 2 {
		return EOF, errShort
	}
	switch w[1] {
	case '/':
		return s.scanEnd(w)
	case '?':
		return s.scanInstruction(w)
	case '!':
		return s.scanBang(w)
	}
	return s.scanStart(w)
}

// scanText reads character data up to the next '<'. The values of a
// payment file are short: one loop finds their end, and whether they hold
// anything to check or replace, faster than bytes.IndexByte is called.
func (s *Scanner) scanText(final bool) (Kind, error) {
	w := s.buf[s.pos:s.end]
	n, marks := 0, textPlain
	for n < len(w) && w[n] != '<' {
		marks |= textMarks[w[n]]
		n++
	}
	if n == len(w) && !final {
		return EOF, errShort
	}
	raw := w[:n]
	if marks&textBracket != 0 {
		if k := bytes.Index(raw, []byte("]]>")); k >= 0 {
			return EOF, s.syntax(s.pos+k, "unescaped ]]> not in CDATA section")
		}
	}
	text := raw
	if marks&textSpecial != 0 || marks&textNonASCII != 0 && !plainUTF8(raw) {
		var err error
		if text, err = s.decodeTo(s.scratch[:0], raw, s.pos, true); err != nil {
			return EOF, err
		}
		s.scratch = text
	}
	start := s.pos
	if marks&textNewline != 0 {
		s.advance(start + n)
	} else { // no line to count: most values
		s.started, s.pos = true, start+n
	}
	if len(s.nameEnds) == 0 {
		if len(bytes.Trim(text, " \t\r\n")) > 0 {
			return EOF, s.syntax(start, "text outside the root element")
		}
		return EOF, nil // whitespace around the root: skipped
	}
	s.text = text
	return Text, nil
}

// special marks bytes that need a closer look in character data:
// references, line ends, control characters and non-ASCII.
var special = func() (t [256]bool) {
	for c := range 0x20 {
		t[c] = c != '\t' && c != '\n'
	}
	t['&'] = true
	for c := 0x80; c < 0x100; c++ {
		t[c] = true
	}
	return t
}()

// textMarks marks, for scanText, the bytes that are special — non-ASCII
// apart — and ']'.
var textMarks = func() (t [256]uint8) {
	for c := range 256 {
		switch {
		case c >= utf8.RuneSelf:
			t[c] |= textNonASCII
		case special[c]:
			t[c] |= textSpecial
		}
	}
	t[']'] |= textBracket
	t['\n'] |= textNewline
	return t
}()

const (
	textPlain   uint8 = 0
	textSpecial uint8 = 1 << iota
	textNonASCII
	textBracket
	textNewline
)

// plainUTF8 reports whether raw, with no reference, line end or control
// character in it, is UTF-8 that XML allows as it is: decodeTo would copy
// it unchanged. U+FFFE and U+FFFF (EF BF BE, EF BF BF) are not allowed;
// text with EF BF in it goes through decodeTo, which tells them apart.
func plainUTF8(raw []byte) bool {
	return utf8.Valid(raw) && !bytes.Contains(raw, []byte{0xEF, 0xBF})
}

// clean reports whether raw is plain ASCII character data with nothing to
// check or replace.
func clean(raw []byte) bool {
	for _, c := range raw {
		if special[c] {
			return false
		}
	}
	return true
}

// decodeTo checks raw as character data and appends it to dst with
// references replaced (when refs) and line ends normalised; off is raw's
// offset in the window, for errors.
func (s *Scanner) decodeTo(dst, raw []byte, off int, refs bool) ([]byte, error) {
	for i := 0; i < len(raw); {
		c := raw[i]
		switch {
		case !special[c]:
			dst = append(dst, c)
			i++
		case c == '&' && refs:
			r, n, err := reference(raw[i:])
			if err != nil {
				return nil, s.syntax(off+i, "%v", err)
			}
			dst = utf8.AppendRune(dst, r)
			i += n
		case c == '&':
			dst = append(dst, c)
			i++
		case c == '\r':
			dst = append(dst, '\n')
			i++
			if i < len(raw) && raw[i] == '\n' {
				i++
			}
		case c < 0x20:
			return nil, s.syntax(off+i, "illegal character code U+%04X", c)
		default:
			r, n := utf8.DecodeRune(raw[i:])
			if r == utf8.RuneError && n == 1 {
				return nil, s.syntax(off+i, "invalid UTF-8")
			}
			if r == 0xFFFE || r == 0xFFFF {
				return nil, s.syntax(off+i, "illegal character code U+%04X", r)
			}
			dst = append(dst, raw[i:i+n]...)
			i += n
		}
	}
	return dst, nil
}

// chars returns raw as character data: raw itself when clean, else decoded
// into the scratch buffer.
func (s *Scanner) chars(raw []byte, off int, refs bool) ([]byte, error) {
	if clean(raw) {
		return raw, nil
	}
	out, err := s.decodeTo(s.scratch[:0], raw, off, refs)
	if err == nil {
		s.scratch = out
	}
	return out, err
}

// reference decodes the entity or character reference at the start of b.
func reference(b []byte) (rune, int, error) {
	end := bytes.IndexByte(b[:min(len(b), 12)], ';')
	if end < 2 {
		return 0, 0, errors.New("invalid character entity (no semicolon)")
	}
	name := b[1:end]
	switch string(name) {
	case "lt":
		return '<', end + 1, nil
	case "gt":
		return '>', end + 1, nil
	case "amp":
		return '&', end + 1, nil
	case "apos":
		return '\'', end + 1, nil
	case "quot":
		return '"', end + 1, nil
	}
	if name[0] != '#' || len(name) < 2 {
		return 0, 0, fmt.Errorf("invalid character entity &%s;", name)
	}
	digits, base := name[1:], rune(10)
	if digits[0] == 'x' {
		digits, base = digits[1:], 16
	}
	if len(digits) == 0 {
		return 0, 0, fmt.Errorf("invalid character entity &%s;", name)
	}
	var r rune
	for _, d := range digits {
		var v rune
		switch {
		case d >= '0' && d <= '9':
			v = rune(d - '0')
		case base == 16 && d >= 'a' && d <= 'f':
			v = rune(d-'a') + 10
		case base == 16 && d >= 'A' && d <= 'F':
			v = rune(d-'A') + 10
		default:
			return 0, 0, fmt.Errorf("invalid character entity &%s;", name)
		}
		r = r*base + v
		if r > utf8.MaxRune {
			return 0, 0, fmt.Errorf("invalid character entity &%s;", name)
		}
	}
	if !isChar(r) {
		return 0, 0, fmt.Errorf("invalid character entity &%s;", name)
	}
	return r, end + 1, nil
}

// isChar reports whether r is a character XML 1.0 allows.
func isChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D ||
		r >= 0x20 && r <= 0xD7FF || r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF
}

// nameByte marks the ASCII bytes a name may hold after its first, but
// the colon, which names count apart; bytes from 0x80 (non-ASCII letters)
// are checked as UTF-8.
var nameByte = func() (t [256]bool) {
	for c := 0; c < 256; c++ {
		t[c] = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.' || c >= 0x80
	}
	return t
}()

// name is what scanName found: its length n (0 when b does not start with
// a name, -1 when the window may end inside it) and where its colons are.
type name struct {
	n      int
	colon  int // the offset of the first colon; 0 when there is none
	colons int
}

// qualified reports whether the name is a qualified name of XML
// Namespaces: at most one colon, neither first nor last.
func (m name) qualified() bool {
	return m.colons == 0 || m.colons == 1 && m.colon > 0 && m.colon < m.n-1
}

// split splits qname, the name's bytes, at its colon.
func (m name) split(qname []byte) (prefix, local []byte) {
	if m.colons == 0 {
		return nil, qname
	}
	return qname[:m.colon], qname[m.colon+1:]
}

// scanName reads a name at the start of b.
func scanName(b []byte) name { return nameLen(b, false) }

// nameLen is scanName; when whole, b ends where the input does.
func nameLen(b []byte, whole bool) name {
	if len(b) == 0 {
		if whole {
			return name{}
		}
		return name{n: -1}
	}
	c := b[0]
	if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == ':' || c >= 0x80) {
		return name{}
	}
	var m name
	if c == ':' {
		m.colons = 1
	}
	i, high := 1, c
	for i < len(b) {
		c := b[i]
		if !nameByte[c] {
			if c != ':' {
				break
			}
			if m.colons == 0 {
				m.colon = i
			}
			m.colons++
		}
		high |= c
		i++
	}
	if i == len(b) && !whole {
		return name{n: -1}
	}
	if high >= 0x80 && !validName(b[:i]) {
		return name{}
	}
	m.n = i
	return m
}

// validName checks a name with non-ASCII characters against XML 1.0 (fifth
// edition): NameStartChar first, NameChar after.
func validName(b []byte) bool {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n == 1 || !nameChar(r, i == 0) {
			return false
		}
		i += n
	}
	return true
}

func nameChar(r rune, first bool) bool {
	switch {
	case r < 0x80:
		return (nameByte[r] || r == ':') && (!first || !(r >= '0' && r <= '9' || r == '-' || r == '.'))
	case r >= 0xC0 && r <= 0xD6, r >= 0xD8 && r <= 0xF6, r >= 0xF8 && r <= 0x2FF, r >= 0x370 && r <= 0x37D,
		r >= 0x37F && r <= 0x1FFF, r == 0x200C, r == 0x200D, r >= 0x2070 && r <= 0x218F, r >= 0x2C00 && r <= 0x2FEF,
		r >= 0x3001 && r <= 0xD7FF, r >= 0xF900 && r <= 0xFDCF, r >= 0xFDF0 && r <= 0xFFFD, r >= 0x10000 && r <= 0xEFFFF:
		return true
	}
	return !first && (r == 0xB7 || r >= 0x300 && r <= 0x36F || r == 0x203F || r == 0x2040)
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

func skipSpace(b []byte, i int) int {
	for i < len(b) && isSpace(b[i]) {
		i++
	}
	return i
}

// scanStart reads a start tag: <name attr="value" …> or <name …/>.
func (s *Scanner) scanStart(w []byte) (Kind, error) {
	m := scanName(w[1:])
	n := m.n
	if n < 0 {
		return EOF, errShort
	}
	if n == 0 {
		return EOF, s.syntax(s.pos+1, "expected element name after <")
	}
	if len(s.nameEnds) == 0 && s.roots > 0 {
		return EOF, s.syntax(s.pos, "a second root element")
	}
	qname := w[1 : 1+n]
	if !m.qualified() {
		return EOF, s.syntax(s.pos+1, "element name %q is not a qualified name (prefix:local)", qname)
	}
	s.attrs = s.attrs[:0]
	s.attrBuf = s.attrBuf[:0]
	i := 1 + n
	for {
		j := skipSpace(w, i)
		if j == len(w) {
			return EOF, errShort
		}
		switch w[j] {
		case '>':
			s.open(qname, m, j+1)
			return StartElement, nil
		case '/':
			if j+1 == len(w) {
				return EOF, errShort
			}
			if w[j+1] != '>' {
				return EOF, s.syntax(s.pos+j+1, "expected /> in element")
			}
			s.open(qname, m, j+2)
			s.selfClose = true
			return StartElement, nil
		}
		if j == i {
			return EOF, s.syntax(s.pos+j, "expected space or > after the element name")
		}
		next, err := s.scanAttr(w, j)
		if err != nil {
			return EOF, err
		}
		i = next
	}
}

// scanAttr reads one name="value" at w[i:] and returns the offset after it.
func (s *Scanner) scanAttr(w []byte, i int) (int, error) {
	m := scanName(w[i:])
	n := m.n
	if n < 0 {
		return 0, errShort
	}
	if n == 0 {
		return 0, s.syntax(s.pos+i, "expected attribute name in element")
	}
	qname := w[i : i+n]
	if !m.qualified() {
		return 0, s.syntax(s.pos+i, "attribute name %q is not a qualified name (prefix:local)", qname)
	}
	j := skipSpace(w, i+n)
	if j == len(w) {
		return 0, errShort
	}
	if w[j] != '=' {
		return 0, s.syntax(s.pos+j, "attribute name without = in element")
	}
	j = skipSpace(w, j+1)
	if j == len(w) {
		return 0, errShort
	}
	q := w[j]
	if q != '"' && q != '\'' {
		return 0, s.syntax(s.pos+j, "unquoted or missing attribute value in element")
	}
	k := bytes.IndexByte(w[j+1:], q)
	if k < 0 {
		return 0, errShort
	}
	raw := w[j+1 : j+1+k]
	if bytes.IndexByte(raw, '<') >= 0 {
		return 0, s.syntax(s.pos+j+1+bytes.IndexByte(raw, '<'), "unescaped < inside quoted string")
	}
	value := raw
	if !clean(raw) {
		mark := len(s.attrBuf)
		var err error
		if s.attrBuf, err = s.decodeTo(s.attrBuf, raw, s.pos+j+1, true); err != nil {
			return 0, err
		}
		value = s.attrBuf[mark:] // earlier values stay valid: the old array is kept
	}
	prefix, local := m.split(qname)
	for _, a := range s.attrs {
		if bytes.Equal(a.Prefix, prefix) && bytes.Equal(a.Local, local) {
			return 0, s.syntax(s.pos+i, "attribute %s given twice", qname)
		}
	}
	s.attrs = append(s.attrs, Attr{Prefix: prefix, Local: local, Value: value})
	return j + 2 + k, nil
}

// open records a start element of qualified name qname (found as m)
// whose tag is n bytes.
func (s *Scanner) open(qname []byte, m name, n int) {
	s.names = append(s.names, qname...)
	s.nameEnds = append(s.nameEnds, len(s.names))
	s.colons = append(s.colons, m.colon)
	if len(s.nameEnds) == 1 {
		s.roots++
	}
	s.prefix, s.local = m.split(s.names[len(s.names)-len(qname):])
	if n == len(qname)+2 { // <name>: no line end inside
		s.started, s.pos = true, s.pos+n
		return
	}
	s.advance(s.pos + n)
}

func (s *Scanner) pop() {
	k := len(s.nameEnds)
	start := 0
	if k > 1 {
		start = s.nameEnds[k-2]
	}
	qname := s.names[start:s.nameEnds[k-1]]
	s.prefix, s.local = nil, qname
	if colon := s.colons[k-1]; colon > 0 {
		s.prefix, s.local = qname[:colon], qname[colon+1:]
	}
	s.names = s.names[:start]
	s.nameEnds = s.nameEnds[:k-1]
	s.colons = s.colons[:k-1]
}

// scanEnd reads an end tag </name> and checks it closes the open element.
func (s *Scanner) scanEnd(w []byte) (Kind, error) {
	k := len(s.nameEnds)
	var open []byte
	if k > 0 {
		start := 0
		if k > 1 {
			start = s.nameEnds[k-2]
		}
		open = s.names[start:s.nameEnds[k-1]]
		// The usual case: the open element's name and '>'.
		if n := 2 + len(open); len(w) > n && w[n] == '>' && bytes.Equal(w[2:n], open) {
			s.pos += n + 1 // no line end inside

			s.pop()
			return EndElement, nil
		}
	}
	n := scanName(w[2:]).n
	if n < 0 {
		return EOF, errShort
	}
	if n == 0 {
		return EOF, s.syntax(s.pos+2, "expected element name after </")
	}
	qname := w[2 : 2+n]
	j := skipSpace(w, 2+n)
	if j == len(w) {
		return EOF, errShort
	}
	if w[j] != '>' {
		return EOF, s.syntax(s.pos+j, "invalid characters between </%s and >", qname)
	}
	if k == 0 {
		return EOF, s.syntax(s.pos, "unexpected end element </%s>", qname)
	}
	if !bytes.Equal(open, qname) {
		return EOF, s.syntax(s.pos+j+1, "element <%s> closed by </%s>", open, qname)
	}
	s.advance(s.pos + j + 1)
	s.pop()
	return EndElement, nil
}

// scanInstruction skips a processing instruction <?target …?>; only the
// XML declaration may be named xml, and only at the very start.
func (s *Scanner) scanInstruction(w []byte) (Kind, error) {
	end := bytes.Index(w[2:], []byte("?>"))
	if end < 0 {
		return EOF, errShort
	}
	body := w[2 : 2+end]
	n := nameLen(body, true).n
	if n == 0 {
		return EOF, s.syntax(s.pos+2, "expected target name after <?")
	}
	if strings.EqualFold(string(body[:n]), "xml") {
		if s.started {
			return EOF, s.syntax(s.pos, "an XML declaration not at the start of the document")
		}
		if v := pseudoAttr(body, "version"); v != "" && v != "1.0" {
			return EOF, s.syntax(s.pos, "unsupported XML version %q", v)
		}
	}
	if n < len(body) && !isSpace(body[n]) {
		return EOF, s.syntax(s.pos+2+n, "expected space after the processing instruction target")
	}
	if _, err := s.chars(body, s.pos+2, false); err != nil {
		return EOF, err
	}
	s.advance(s.pos + 2 + end + 2)
	return EOF, nil
}

// scanBang reads a comment, a CDATA section or a document type declaration.
func (s *Scanner) scanBang(w []byte) (Kind, error) {
	switch {
	case bytes.HasPrefix(w, []byte("<!--")):
		end := bytes.Index(w[4:], []byte("-->"))
		if end < 0 {
			return EOF, errShort
		}
		body := w[4 : 4+end]
		if bytes.Contains(body, []byte("--")) || bytes.HasSuffix(body, []byte("-")) {
			return EOF, s.syntax(s.pos, "-- inside a comment")
		}
		if _, err := s.chars(body, s.pos+4, false); err != nil {
			return EOF, err
		}
		s.advance(s.pos + 4 + end + 3)
		return EOF, nil
	case bytes.HasPrefix(w, []byte("<![CDATA[")):
		if len(s.nameEnds) == 0 {
			return EOF, s.syntax(s.pos, "CDATA section outside the root element")
		}
		end := bytes.Index(w[9:], []byte("]]>"))
		if end < 0 {
			return EOF, errShort
		}
		text, err := s.chars(w[9:9+end], s.pos+9, false)
		if err != nil {
			return EOF, err
		}
		s.advance(s.pos + 9 + end + 3)
		s.text = text
		return Text, nil
	case bytes.HasPrefix(w, []byte("<!DOCTYPE")):
		s.advance(s.pos + 9)
		return Doctype, nil
	case len(w) < 9 && (bytes.HasPrefix([]byte("<!DOCTYPE"), w) || bytes.HasPrefix([]byte("<![CDATA["), w) || bytes.HasPrefix([]byte("<!--"), w)):
		return EOF, errShort
	}
	return EOF, s.syntax(s.pos+2, "invalid sequence <! not part of <!-- or <![CDATA[")
}
