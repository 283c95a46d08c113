package xmlscan

// Ahead runs a Scanner on a goroutine of its own, a batch of tokens ahead
// of its reader, and offers the Scanner's reading methods over them, so
// that scanning a document and making sense of its tokens run on two
// cores. What it returns is what the Scanner returned, copied; the slices
// stay valid until the next call of Next, as a Scanner's do. Close ends
// the goroutine of a reader that stops before the end of the document.
type Ahead struct {
	full chan *batch
	free chan *batch
	quit chan struct{}
	done chan struct{}
	cur  *batch
	next int
	tok  *token
	err  error // the error (io.EOF at the end) returned: Next returns it again
}

// batch is a run of tokens, the bytes of their names and texts, and their
// attributes; err ends the last token when it is not nil.
type batch struct {
	toks  []token
	data  []byte
	attrs []Attr
	err   error
}

// token is small (the scanning goroutine writes one per tag and text):
// its names and text are spans of the batch's data.
type token struct {
	kind                Kind
	line, col           int32
	prefix, local, text span
	attrs               span // of the batch's attrs
}

type span struct{ start, end int32 }

func (s span) of(b []byte) []byte { return b[s.start:s.end:s.end] }

const (
	batchTokens = 4096      // tokens in a batch at most
	batchBytes  = 256 << 10 // a batch is sent once its bytes pass this
	batches     = 4         // one being filled, two waiting, one being read
)

// NewAhead starts scanning s on a goroutine. s must not be used otherwise.
func NewAhead(s *Scanner) *Ahead {
	a := &Ahead{full: make(chan *batch, batches-2), free: make(chan *batch, batches), quit: make(chan struct{}), done: make(chan struct{})}
	for range batches {
		a.free <- &batch{}
	}
	go a.scan(s)
	return a
}

func (a *Ahead) scan(s *Scanner) {
	defer close(a.done)
	for {
		var b *batch
		select {
		case b = <-a.free:
		case <-a.quit:
			return
		}
		b.toks, b.data, b.attrs, b.err = b.toks[:0], b.data[:0], b.attrs[:0], nil
		last := false
		for !last && len(b.toks) < batchTokens && len(b.data) < batchBytes {
			kind, err := s.Next()
			line, col := s.Pos()
			t := token{kind: kind, line: int32(line), col: int32(col)}
			switch {
			case err != nil:
				b.err, last = err, true
			case kind == StartElement:
				t.prefix, t.local = b.keep(s.Prefix()), b.keep(s.Local())
				t.attrs.start = int32(len(b.attrs))
				for _, at := range s.Attrs() {
					// The attribute's bytes are the batch's, resliced when read.
					p, l, v := b.keep(at.Prefix), b.keep(at.Local), b.keep(at.Value)
					b.attrs = append(b.attrs, Attr{Prefix: p.of(b.data), Local: l.of(b.data), Value: v.of(b.data)})
				}
				t.attrs.end = int32(len(b.attrs))
			case kind == EndElement:
				t.prefix, t.local = b.keep(s.Prefix()), b.keep(s.Local())
			default:
				t.text = b.keep(s.Text())
			}
			b.toks = append(b.toks, t)
		}
		select {
		case a.full <- b:
		case <-a.quit:
			return
		}
		if last {
			return
		}
	}
}

// keep copies p into the batch's data. (An attribute's slices made before
// the data grew point into the data before: it is not changed until the
// batch is used again.)
func (b *batch) keep(p []byte) span {
	b.data = append(b.data, p...)
	return span{int32(len(b.data) - len(p)), int32(len(b.data))}
}

// Next reads the next token, as Scanner.Next.
func (a *Ahead) Next() (Kind, error) {
	if a.err != nil {
		return EOF, a.err
	}
	if a.cur == nil || a.next == len(a.cur.toks) {
		if a.cur != nil {
			a.free <- a.cur
		}
		a.cur, a.next = <-a.full, 0
	}
	a.tok = &a.cur.toks[a.next]
	a.next++
	if a.next == len(a.cur.toks) {
		a.err = a.cur.err
	}
	return a.tok.kind, a.err
}

// Local is the current element's local name.
func (a *Ahead) Local() []byte { return a.tok.local.of(a.cur.data) }

// Prefix is the current element's namespace prefix.
func (a *Ahead) Prefix() []byte { return a.tok.prefix.of(a.cur.data) }

// Attrs are the current start element's attributes.
func (a *Ahead) Attrs() []Attr { return a.cur.attrs[a.tok.attrs.start:a.tok.attrs.end] }

// Text is the current text's bytes.
func (a *Ahead) Text() []byte { return a.tok.text.of(a.cur.data) }

// Pos is the line and byte column just after the current token, or where
// the error was found.
func (a *Ahead) Pos() (line, column int) {
	if a.tok == nil {
		return 1, 1
	}
	return int(a.tok.line), int(a.tok.col)
}

// Close stops the scanning goroutine; the Ahead is not to be used after.
func (a *Ahead) Close() {
	select {
	case <-a.quit:
	default:
		close(a.quit)
	}
	<-a.done
}
