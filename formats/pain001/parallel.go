package pain001

import (
	"bytes"
	"io"
	"runtime"
	"slices"
	"strconv"
	"sync"

	"maksa"
	"maksa/formats/internal/xmlscan"
)

// ParallelReader reads a large pain.001 document on every core. It cuts
// the document into chunks of about 128 KB, each starting at a
// CdtTrfTxInf start tag, reads the chunks on worker goroutines, and hands
// out their payments in document order with what a chunk cannot know by
// itself — line numbers, payment and block counts, the payment
// information block it starts in — filled in from the chunks before it.
//
// A chunk's reader starts from an assumption: that the CdtTrfTxInf tag it
// starts at is a real one, directly inside the PmtInf block whose start tag
// precedes it, and that this block's own values all come before its first
// CdtTrfTxInf. The reader of the chunk before checks the assumption where
// it stops: at exactly that offset, between two tokens, inside that very
// PmtInf, with no block value after a payment. Whenever a check fails, or
// a chunk meets anything the sequential Reader would stop at, the
// ParallelReader reads the document again from its start with a Reader,
// skipping what it already handed out: the result is always what Reader
// gives, payment for payment, position for position, and error for error
// (FuzzParallelMatchesSequential checks this).
//
// Documents under 512 KB, documents in an encoding other than UTF-8 (the
// offsets a chunk starts at are the file's, not the decoded text's), and
// any document on a single core are read by a Reader on one goroutine.
type ParallelReader struct {
	// File names the document in positions.
	File string
	// OnPaymentInfo, when set, is called as each PmtInf block ends.
	OnPaymentInfo func(PaymentInfo)

	ra        io.ReaderAt
	size      int64
	chunkSize int64
	workers   int

	header    *Header
	head      *Reader
	rootStack []frame  // the reader's open elements after the group header
	rootOpen  []string // and the scanner's
	rootName  string
	prefix    string
	from      int64  // offset of the first token after the group header
	txTag     []byte // <CdtTrfTxInf> with the document's prefix
	infoTag   []byte // <PmtInf>
	infoPaths map[int]string
	values    values // the payments' paths
	buf       []byte

	recycled  chan []*maksa.Payment // payments handed back, a batch at a time, for the workers
	spareData chan []byte           // chunks' data read, to be read into again
	handed    []*maksa.Payment      // the batch Recycle fills

	started bool
	quit    chan struct{}
	jobs    chan *chunk
	ordered chan *chunk
	wg      sync.WaitGroup

	cur       *chunk    // the chunk being handed out
	at        seamState // where it starts
	next, ev  int       // its next payment and PaymentInfo
	delivered int       // payments handed out
	events    int       // PaymentInfo calls made
	seq       *Reader   // the reader after a fall back to reading in sequence
	fellBack  bool
	stopOnce  sync.Once
}

// parallelChunk is how many bytes a chunk holds, at least: some 350
// payments. Chunks of 256 KB kept twice as many payments in flight, and
// the collector marked them all on every cycle.
const parallelChunk = 128 << 10

// NewParallelReader returns a ParallelReader of the size bytes of ra.
func NewParallelReader(ra io.ReaderAt, size int64) *ParallelReader {
	// Nothing past size is read, even of a file that grows meanwhile.
	return &ParallelReader{ra: io.NewSectionReader(ra, 0, size), size: size, chunkSize: parallelChunk, workers: runtime.GOMAXPROCS(0),
		recycled: make(chan []*maksa.Payment, recycledBatches), spareData: make(chan []byte, 8)}
}

// Recycle hands back a payment Read returned, for a worker to fill again
// instead of allocating a new one: a payment is 1.4 KB, and making one for
// each of a million was most of what the collector had to do. The caller
// must be done with x and keep no pointer to it or into it (the strings it
// read out of x stay valid). Recycle may be called on another goroutine
// than Read, though not on several at once; payments it cannot use are
// left to the collector.
func (p *ParallelReader) Recycle(x *maksa.Payment) {
	if p.handed == nil {
		p.handed = make([]*maksa.Payment, 0, recycledBatch)
	}
	p.handed = append(p.handed, x)
	if len(p.handed) < recycledBatch {
		return
	}
	select {
	case p.recycled <- p.handed:
	default: // the workers have enough
	}
	p.handed = nil
}

// How payments travel back: in batches, of which the workers keep as
// many as are in flight between the workers and the caller (a few chunks
// and the caller's read-ahead): with fewer, the batches handed back while
// the workers wait were dropped, and a third of the payments made anew.
const (
	recycledBatch   = 128
	recycledBatches = 16
)

// spare is a worker's supply of payments handed back.
type spare struct {
	from  chan []*maksa.Payment
	batch []*maksa.Payment
}

// take returns a payment handed back, or nil when there is none.
func (s *spare) take() *maksa.Payment {
	if s == nil {
		return nil
	}
	if len(s.batch) == 0 {
		select {
		case s.batch = <-s.from:
		default:
			return nil
		}
	}
	x := s.batch[len(s.batch)-1]
	s.batch = s.batch[:len(s.batch)-1]
	return x
}

// chunk is a part of the document, [start, limit), read by one reader.
type chunk struct {
	start, limit int64  // limit 0: to the end of the document
	owner        int64  // offset of the PmtInf start tag the chunk starts in
	data         []byte // the document from start, past limit; nil: the reader reads the file
	r            *Reader
	open         []string // the open elements its scanner resumed with
	payments     []*maksa.Payment
	places       []place
	infos        []infoEnd
	ok           bool // read to its limit, or to the document's end (eof), without a doubt
	eof          bool
	done         chan struct{}
}

// place is where a payment is in its chunk: its PmtInf block (1 is the
// one the chunk starts in) and its CdtTrfTxInf in that block, counted from
// the chunk's start.
type place struct{ info, tx int }

// infoEnd is a PmtInf block that ended before the chunk's payment number
// before.
type infoEnd struct {
	before int
	info   PaymentInfo
}

// seamState is the state of the whole document where a chunk starts.
type seamState struct {
	head      bool // the first chunk: its reader read the document from its start
	line, col int
	seq       int
	infoIdx   int
	txIdx     int
	info      *maksa.Payment // the PmtInf block open here: its values and positions
	infoSum   PaymentInfo
	owner     int64 // offset of its start tag
	touched   bool  // it had a value after a CdtTrfTxInf
}

// Header reads the document up to the end of its group header.
func (p *ParallelReader) Header() (*Header, error) {
	if p.header != nil {
		return p.header, nil
	}
	head := NewReader(io.NewSectionReader(p.ra, 0, p.size))
	head.File = p.File
	hdr, err := head.Header()
	if err != nil {
		return nil, err
	}
	p.header, p.head = hdr, head
	if head.scan.Decoding() || p.size < 4*p.chunkSize || p.workers < 2 || len(head.stack) != 2 {
		head.OnPaymentInfo = p.OnPaymentInfo
		p.seq = head
		return hdr, nil
	}
	p.rootStack = append([]frame(nil), head.stack...)
	p.rootOpen = head.scan.Open()
	p.rootName, p.prefix = head.rootName, head.prefix
	p.from = head.origin + head.scan.Offset()
	prefix := head.prefix
	if prefix != "" {
		prefix += ":"
	}
	p.txTag = []byte("<" + prefix + "CdtTrfTxInf>")
	p.infoTag = []byte("<" + prefix + "PmtInf>")
	p.infoPaths = make(map[int]string)
	return hdr, nil
}

// Read returns the next payment, or io.EOF after the last one.
func (p *ParallelReader) Read() (*maksa.Payment, error) {
	if _, err := p.Header(); err != nil {
		return nil, err
	}
	if p.seq != nil {
		return p.seq.Read()
	}
	if !p.started {
		p.start()
	}
	for {
		c := p.cur
		if c != nil {
			if p.ev < len(c.infos) && c.infos[p.ev].before == p.next {
				p.inform(c.infos[p.ev].info)
				p.ev++
				continue
			}
			if p.next < len(c.payments) {
				x := c.payments[p.next]
				p.at.fix(p, x, c.places[p.next])
				p.next++
				p.delivered++
				return x, nil
			}
			if c.eof {
				p.Close()
				return nil, io.EOF
			}
		}
		nc, ok := <-p.ordered
		if !ok {
			return p.fallBack()
		}
		<-nc.done
		if !nc.ok {
			return p.fallBack()
		}
		if c == nil {
			p.at = seamState{head: true}
		} else {
			end := p.at.after(p, c)
			if !end.joins(c, nc) {
				return p.fallBack()
			}
			p.at = end
			p.putData(c.data) // its reader is done with it
			c.data = nil
		}
		p.cur, p.next, p.ev = nc, 0, 0
	}
}

// Close stops the worker goroutines; call it when done reading.
func (p *ParallelReader) Close() {
	if !p.started {
		return
	}
	p.stopOnce.Do(func() { close(p.quit) })
	p.wg.Wait()
}

func (p *ParallelReader) inform(pi PaymentInfo) {
	pi = p.at.fixInfo(p, pi)
	p.events++
	if p.OnPaymentInfo != nil {
		p.OnPaymentInfo(pi)
	}
}

// fallBack reads the document again in sequence, skipping the payments
// and PaymentInfo calls already made.
func (p *ParallelReader) fallBack() (*maksa.Payment, error) {
	p.Close()
	p.fellBack = true
	r := NewReader(io.NewSectionReader(p.ra, 0, p.size))
	r.File = p.File
	skip := p.events
	r.OnPaymentInfo = func(pi PaymentInfo) {
		if skip > 0 {
			skip--
			return
		}
		if p.OnPaymentInfo != nil {
			p.OnPaymentInfo(pi)
		}
	}
	p.seq = r
	if _, err := r.Header(); err != nil {
		return nil, err
	}
	for range p.delivered {
		if _, err := r.Read(); err != nil {
			return nil, err
		}
	}
	return r.Read()
}

// start starts the goroutine that cuts the document into chunks and the
// workers that read them.
func (p *ParallelReader) start() {
	p.started = true
	p.quit = make(chan struct{})
	p.jobs = make(chan *chunk)
	p.ordered = make(chan *chunk, p.workers)
	p.wg.Add(1 + p.workers)
	go func() {
		defer p.wg.Done()
		defer close(p.ordered)
		defer close(p.jobs)
		p.cut()
	}()
	for range p.workers {
		go func() {
			defer p.wg.Done()
			ws := workspace{spare: spare{from: p.recycled}}
			for {
				select {
				case c, ok := <-p.jobs:
					if !ok {
						return
					}
					p.readChunk(c, &ws)
				case <-p.quit:
					return
				}
			}
		}()
	}
}

// cut finds the chunks' starts — the first CdtTrfTxInf start tag at least
// chunkSize bytes after the last start, and the last PmtInf start tag
// before it — and hands the chunks to the workers and, in order, to Read.
// The bytes it reads to find them are the chunk's data, which the chunk's
// reader scans in place: the document is read from the file once.
func (p *ParallelReader) cut() {
	c := &chunk{start: p.from, r: p.head, done: make(chan struct{})}
	send := func(c *chunk) bool {
		select {
		case p.jobs <- c:
		case <-p.quit:
			return false
		}
		select {
		case p.ordered <- c:
			return true
		case <-p.quit:
			return false
		}
	}
	owner := int64(-1)
	for {
		data, at, seamOwner := p.seam(c.start, owner)
		if c.r == p.head {
			p.putData(data) // the first chunk's reader reads the document itself
		} else {
			c.data = data
		}
		if at < 0 {
			c.limit = 0
			send(c)
			return
		}
		c.limit = c.start + int64(at)
		if !send(c) {
			return
		}
		owner = seamOwner
		c = &chunk{start: c.limit, owner: owner, done: make(chan struct{})}
	}
}

// How the cut reads: a chunk and a little more, then more by a quarter
// until it finds the chunk's end; a chunk that would need more than
// maxChunkData is read to the document's end by its reader, from the file.
const (
	seamRead     = 4 << 10
	maxChunkData = 8 * parallelChunk
)

// seam reads the document from offset start up to the end of the chunk
// that starts there: the first CdtTrfTxInf start tag at least chunkSize
// bytes on that has a PmtInf start tag before it (in the chunk, or owner
// before it). It returns what it read, which holds the chunk and the tag
// after it, the tag's offset from start and the offset of the PmtInf start
// tag before it; at is -1 at the document's end, and data nil when the
// chunk would be larger than maxChunkData.
func (p *ParallelReader) seam(start, owner int64) (data []byte, at int, seamOwner int64) {
	data = p.takeData()
	for {
		n0 := len(data)
		want := int(p.chunkSize) + seamRead
		if n0 > 0 {
			want = max(seamRead, n0/4)
		}
		if n0+want > maxChunkData && n0+want > int(p.chunkSize)+seamRead {
			p.putData(data)
			return nil, -1, owner
		}
		data = slices.Grow(data, want)[:n0+want]
		n, _ := p.ra.ReadAt(data[n0:], start+int64(n0))
		data = data[:n0+n]
		for off := int(p.chunkSize); off < len(data); {
			i := indexTag(data[off:], p.txTag)
			if i < 0 {
				break
			}
			at := off + i
			seamOwner := owner
			if last := lastTag(data[:at], p.infoTag); last >= 0 {
				seamOwner = start + int64(last)
			}
			if seamOwner >= 0 {
				return data, at, seamOwner
			}
			off = at + 1
		}
		if n < want {
			return data, -1, owner
		}
	}
}

// lastTag is the offset of the last start tag tag in b, -1 when none.
func lastTag(b, tag []byte) int {
	last := -1
	for off := 0; ; {
		i := indexTag(b[off:], tag)
		if i < 0 {
			return last
		}
		last = off + i
		off = last + 1
	}
}

// takeData returns an empty buffer for a chunk's data, one used before
// when there is one.
func (p *ParallelReader) takeData() []byte {
	select {
	case b := <-p.spareData:
		return b[:0]
	default:
		return make([]byte, 0, int(p.chunkSize)+seamRead)
	}
}

// putData keeps b for another chunk's data, when it is not too large.
func (p *ParallelReader) putData(b []byte) {
	if b == nil || cap(b) > maxChunkData {
		return
	}
	select {
	case p.spareData <- b:
	default:
	}
}

// indexTag is bytes.Index(b, tag) for a start tag: it looks for the
// element's name, whose first letter is rarer in a document than '<'.
func indexTag(b, tag []byte) int {
	start := max(bytes.LastIndexByte(tag, ':')+1, 1) // where the local name starts: after '<' and any prefix
	name := tag[start:]
	for off := start; off < len(b); {
		i := bytes.Index(b[off:], name)
		if i < 0 {
			return -1
		}
		if at := off + i - start; bytes.Equal(b[at:at+start], tag[:start]) {
			return at
		}
		off += i + 1
	}
	return -1
}

// workspace is a worker's buffers, used again for every chunk it reads:
// a chunk's reader keeps its state when it is done, not its window.
type workspace struct {
	head, window, chunk []byte
	payments            int // in the last chunk read
	spare               spare
}

// readChunk reads one chunk on a worker.
func (p *ParallelReader) readChunk(c *chunk, ws *workspace) {
	defer close(c.done)
	r := c.r
	if r == nil {
		if r = p.resume(c, ws); r == nil {
			return
		}
		c.r = r
	}
	c.payments = make([]*maksa.Payment, 0, ws.payments+ws.payments/8)
	c.places = make([]place, 0, cap(c.payments))
	defer func() { ws.payments = len(c.payments) }()
	// The block the chunk starts in must have no value after a payment:
	// the chunk's payments have its values as they were before the first.
	resumed, doubt := r != p.head, false
	r.limit = c.limit
	r.OnPaymentInfo = func(pi PaymentInfo) {
		doubt = doubt || resumed && pi.Index == 1 && r.infoTouched
		c.infos = append(c.infos, infoEnd{before: len(c.payments), info: pi})
	}
	for {
		x, err := r.Read()
		if err == errLimit || err == io.EOF {
			doubt = doubt || resumed && r.infoIdx == 1 && r.infoTouched
			c.ok, c.eof = !doubt, err == io.EOF
			return
		}
		if err != nil {
			return
		}
		c.payments = append(c.payments, x)
		c.places = append(c.places, place{info: r.infoIdx, tx: r.txIdx})
	}
}

// resume returns a reader of chunk c: it reads the values of the PmtInf
// block c starts in, from the block's start tag to its first CdtTrfTxInf,
// then goes on at c's start. It returns nil when that cannot be done as
// assumed; Read then falls back.
func (p *ParallelReader) resume(c *chunk, ws *workspace) *Reader {
	if ws.window == nil {
		ws.head, ws.window, ws.chunk = make([]byte, 4<<10), make([]byte, 64<<10), make([]byte, 64<<10)
	}
	// The block's values come first and are short: its first CdtTrfTxInf
	// is nearly always within the first 4 KB, the whole window read only
	// when it is not.
	i := -1
	for _, size := range []int64{4 << 10, int64(len(ws.window))} {
		window := ws.window[:min(size, c.start+int64(len(p.txTag))-c.owner)]
		n, _ := p.ra.ReadAt(window, c.owner)
		if i = indexTag(window[:n], p.txTag); i >= 0 || n < len(window) || len(window) < int(size) {
			break
		}
	}
	if i < 0 {
		return nil
	}
	firstTx := c.owner + int64(i)
	r := NewReader(io.NewSectionReader(p.ra, c.owner, p.size-c.owner))
	r.scan.Buffer(ws.head)
	r.scan.Resume(p.rootOpen)
	r.File, r.origin, r.limit, r.pathless, r.spare = p.File, c.owner, firstTx, true, &ws.spare
	r.header, r.headerDone, r.rootName, r.prefix = p.header, true, p.rootName, p.prefix
	r.stack = append(r.stack, p.rootStack...)
	if _, err := r.Read(); err != errLimit || r.origin+r.scan.Offset() != firstTx ||
		len(r.stack) != 3 || r.ctx != ctxInfo || r.stack[2].hasText {
		return nil
	}
	c.open = r.scan.Open()
	if c.data != nil {
		r.scan = xmlscan.NewWhole(c.data)
	} else {
		r.scan = newScanner(io.NewSectionReader(p.ra, c.start, p.size-c.start))
		r.scan.Buffer(ws.chunk)
	}
	r.scan.MaxToken = maxTokenSize
	r.scan.Resume(c.open)
	r.origin, r.txIdx, r.afterTx, r.infoTouched = c.start, 0, true, false
	return r
}

// after returns the state at the end of chunk c, which started at s.
func (s seamState) after(p *ParallelReader, c *chunk) seamState {
	r := c.r
	line, col := r.scan.Pos()
	if s.head {
		info := r.info
		return seamState{line: line, col: col, seq: r.seq, infoIdx: r.infoIdx, txIdx: r.txIdx,
			info: &info, infoSum: r.runningInfo(), owner: r.infoStart, touched: r.infoTouched}
	}
	end := seamState{seq: s.seq + r.seq, touched: r.infoTouched}
	end.line, end.col = s.pos(line, col)
	if r.infoIdx == 1 {
		end.infoIdx, end.txIdx, end.info, end.owner = s.infoIdx, s.txIdx+r.txIdx, s.info, s.owner
		end.infoSum = s.infoSum
		end.infoSum.Count += r.infoSum.Count
		end.infoSum.Sum = end.infoSum.Sum.Add(r.infoTotal.Decimal())
		return end
	}
	info := r.info
	end.infoIdx, end.txIdx, end.owner = s.infoIdx+r.infoIdx-1, r.txIdx, r.infoStart
	for i := range info.Fields {
		s.fixField(&info.Fields[i])
	}
	info.InfoXPath = p.infoPath(end.infoIdx)
	end.info = &info
	end.infoSum = s.fixInfo(p, r.runningInfo())
	return end
}

// joins reports whether the reader of chunk c, which ended in state s,
// stopped exactly where chunk next assumed it would.
func (s seamState) joins(c, next *chunk) bool {
	r := c.r
	return !c.eof && r.origin+r.scan.Offset() == next.start && slices.Equal(r.scan.Open(), next.open) &&
		!s.touched && s.owner == next.owner
}

// pos returns a chunk reader's line and column in the whole document.
func (s *seamState) pos(line, col int) (int, int) {
	if s.head {
		return line, col
	}
	if line == 1 {
		return s.line, s.col + col - 1
	}
	return s.line + line - 1, col
}

func (s *seamState) fixField(f *maksa.FieldPosition) {
	if f.Line == 0 {
		return
	}
	line, col := s.pos(int(f.Line), int(f.Column))
	f.Line, f.Column = int32(line), int32(col)
}

// fix completes payment x, read from the chunk that starts at s.
func (s *seamState) fix(p *ParallelReader, x *maksa.Payment, at place) {
	if s.head {
		return
	}
	x.Seq += s.seq
	x.Position.Line, x.Position.Column = s.pos(x.Position.Line, x.Position.Column)
	inherited := at.info == 1
	for i := range x.Fields {
		if f := &x.Fields[i]; inherited && f.InInfo {
			*f = s.info.Fields[i]
		} else {
			s.fixField(f)
		}
	}
	tx := at.tx
	if inherited {
		x.InfoXPath, tx = s.info.InfoXPath, tx+s.txIdx
	} else {
		x.InfoXPath = p.infoPath(s.infoIdx + at.info - 1)
	}
	p.buf = append(strconv.AppendInt(append(append(p.buf[:0], x.InfoXPath...), "/CdtTrfTxInf["...), int64(tx), 10), ']')
	x.Position.XPath = p.values.string(p.buf)
}

// fixInfo completes what a chunk's reader said of a PmtInf block that
// ended.
func (s *seamState) fixInfo(p *ParallelReader, pi PaymentInfo) PaymentInfo {
	if s.head {
		return pi
	}
	if pi.Index == 1 {
		pi.Index, pi.Position = s.infoSum.Index, s.infoSum.Position
		pi.Count += s.infoSum.Count
		pi.Sum = s.infoSum.Sum.Add(pi.Sum)
		return pi
	}
	pi.Index = s.infoIdx + pi.Index - 1
	pi.Position.Line, pi.Position.Column = s.pos(pi.Position.Line, pi.Position.Column)
	pi.Position.XPath = p.infoPath(pi.Index)
	return pi
}

// infoPath is the element path of PmtInf block i.
func (p *ParallelReader) infoPath(i int) string {
	path, ok := p.infoPaths[i]
	if !ok {
		path = "/" + p.rootStack[0].name + "/" + p.rootStack[1].name + "/PmtInf[" + strconv.Itoa(i) + "]"
		if len(p.infoPaths) > 64 {
			clear(p.infoPaths)
		}
		p.infoPaths[i] = path
	}
	return path
}
