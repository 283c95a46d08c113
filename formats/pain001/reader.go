// Package pain001 reads and writes ISO 20022 pain.001 customer credit
// transfer initiation messages.
//
// The Reader accepts pain.001.001.02 to pain.001.001.12 and the national
// flavours that keep the ISO structure (the EPC/DK pain.001.002.03 and
// pain.001.003.03, the Swiss pain.001.001.03.ch.02 and .09.ch.03), whatever
// namespace prefix the document uses, with or without a UTF-8 byte order
// mark, in any encoding its XML declaration names (ISO-8859-1, ISO-8859-13,
// Windows-1257, …). It streams: the group header first, then one payment at
// a time, so memory does not grow with the file.
//
//	r := pain001.NewReader(f)
//	r.File = "salaries.xml"
//	hdr, err := r.Header()
//	for {
//		p, err := r.Read()
//		if err == io.EOF {
//			break
//		}
//		…
//	}
//
// Every payment carries the position (line, column and element path) of
// itself and of its fields. A document that cannot be read — not XML, not
// well formed, not a pain.001, a DTD, a missing group header — yields a
// *maksa.Problem with code FF01 or FF02 and its position.
//
// The Writer produces pain.001.001.03, .09, .10 and .11.
package pain001

import (
	"bytes"
	"errors"
	"io"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
	"unsafe"

	"github.com/shopspring/decimal"

	"maksa"
	"maksa/formats/internal/xmlscan"
)

// Header is the group header of a pain.001 message, plus what identifies
// the message's version.
type Header struct {
	Format          string // the message name, "pain.001.001.03" or a flavour such as "pain.001.001.03.ch.02"
	Version         int    // the ISO message version: 2..12
	Namespace       string
	MessageID       string
	CreationTime    string
	NbOfTxs         string // as written
	CtrlSum         string // as written; empty when absent
	InitiatingParty string
	Position        maksa.Position // of GrpHdr
}

// PaymentInfo summarises one PmtInf block when it ends: what it declared and
// what it held.
type PaymentInfo struct {
	ID       string
	Index    int // 1-based
	NbOfTxs  string
	CtrlSum  string
	Count    int             // CdtTrfTxInf read
	Sum      decimal.Decimal // of the amounts that parsed
	Position maksa.Position
}

// Limits that protect the reader from hostile documents.
const (
	maxDepth     = 64
	maxValueSize = 64 << 10
	maxTokenSize = 1 << 20 // a tag, a text or a comment: the scanner holds one token whole
	maxInterned  = 4096    // distinct element names and paths kept as shared strings
)

var namespacePattern = regexp.MustCompile(`pain\.001\.00([123])\.(\d\d)((?:\.[a-z]{2}\.\d\d)?)`)

// Reader reads a pain.001 document one payment at a time.
type Reader struct {
	// File names the document in positions.
	File string
	// OnPaymentInfo, when set, is called as each PmtInf block ends.
	OnPaymentInfo func(PaymentInfo)

	scan   *xmlscan.Scanner
	names  map[string]string // interned element names and paths
	recent [512]string       // a cache of names, by a cheap hash
	header *Header
	err    error

	stack []frame
	// paths are the element paths met inside a group header, a PmtInf
	// block and a CdtTrfTxInf.
	headerPaths, infoPaths, txPaths *pathNode
	nodes                           int // paths kept
	text                            []byte
	buf                             []byte
	values                          values
	slab                            []maksa.Payment // payments made, a slab at a time
	spare                           *spare          // payments handed back to be filled again; nil: none

	ctx        context
	infoIdx    int
	txIdx      int
	info       maksa.Payment // PmtInf-level fields, copied into each payment
	infoSum    PaymentInfo   // its Sum is set from infoTotal when the block ends
	infoTotal  maksa.Sum
	ustrd      []string
	documents  []string // what the structured remittance says of the documents paid
	cur        *maksa.Payment
	rootName   string
	headerDone bool
	seq        int
	done       bool

	// Where the reader is in the input: origin is the input offset of what
	// scan reads (a chunk of a larger document, see ParallelReader);
	// reading stops with errLimit before a token that starts at or after
	// limit, when limit is set.
	origin, limit int64
	prefix        string // the Document element's namespace prefix
	infoStart     int64  // input offset of the current PmtInf start tag
	afterTx       bool   // the current PmtInf has had a CdtTrfTxInf
	infoTouched   bool   // and a PmtInf-level value after it
	pathless      bool   // payments get no element path: the ParallelReader gives them theirs
}

// errLimit stops a reader at its limit; it is not an error of the document.
var errLimit = errors.New("pain001: reader limit reached")

type frame struct {
	name     string
	node     *pathNode // its path inside its context element; nil outside one
	hasChild bool
	hasText  bool
	line     int
	col      int
}

type context int

const (
	ctxNone context = iota
	ctxHeader
	ctxInfo
	ctxTx
)

// NewReader returns a Reader over r.
func NewReader(r io.Reader) *Reader {
	return &Reader{scan: newScanner(r), names: make(map[string]string),
		headerPaths: &pathNode{name: "GrpHdr"}, infoPaths: &pathNode{name: "PmtInf"}, txPaths: &pathNode{name: "CdtTrfTxInf", tx: true}}
}

// A pathNode is an element path inside a context element (GrpHdr, PmtInf,
// CdtTrfTxInf), relative to it, made the first time the reader meets it
// and kept: a value's path costs a lookup among its parent's children, not
// a string built and interned for every element.
type pathNode struct {
	name, path string
	children   []*pathNode
	tx         bool   // inside a CdtTrfTxInf
	currency   string // for Amt/InstdAmt and Amt/EqvtAmt/Amt of a transaction, the path of the currency attribute
}

// Bounds on the paths kept, against documents of endless names: past
// them, a path is made for each element and not kept.
const (
	maxNodes    = 4096
	maxChildren = 64
)

// child returns the path of element local inside the path parent.
func (r *Reader) child(parent *pathNode, local []byte) *pathNode {
	for _, c := range parent.children {
		if c.name == string(local) {
			return c
		}
	}
	n := &pathNode{name: r.intern(local), tx: parent.tx}
	n.path = n.name
	if parent.path != "" {
		n.path = parent.path + "/" + n.name
	}
	if n.tx && (n.path == "Amt/InstdAmt" || n.path == "Amt/EqvtAmt/Amt") {
		n.currency = n.path + "/@Ccy"
	}
	if r.nodes < maxNodes && len(parent.children) < maxChildren {
		r.nodes++
		parent.children = append(parent.children, n)
	}
	return n
}

func newScanner(r io.Reader) *xmlscan.Scanner {
	scan := xmlscan.New(r)
	scan.MaxToken = maxTokenSize
	return scan
}

// intern returns b as a string, shared with earlier equal ones, so that
// element names and paths cost no allocation per payment. A small
// direct-mapped cache in front of the map answers most lookups without
// hashing the whole name.
func (r *Reader) intern(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	slot := &r.recent[(len(b)*31+int(b[0])*7+int(b[len(b)-1])*3+int(b[len(b)/2]))%len(r.recent)]
	if *slot == string(b) {
		return *slot
	}
	s, ok := r.names[string(b)]
	if !ok {
		s = string(b)
		if len(r.names) < maxInterned {
			r.names[s] = s
		}
	}
	*slot = s
	return s
}

// newPayment returns a payment for the caller to overwrite whole: one
// handed back (see ParallelReader.Recycle) when there is one, else a new
// one. New payments are made a slab at a time: one allocation instead of
// one for every payment.
func (r *Reader) newPayment() *maksa.Payment {
	if x := r.spare.take(); x != nil {
		return x
	}
	if len(r.slab) == 0 {
		r.slab = make([]maksa.Payment, paymentSlab)
	}
	p := &r.slab[0]
	r.slab = r.slab[1:]
	return p
}

// values makes the strings of element values in blocks: one allocation
// for many values instead of one for each. A block's bytes are written
// once, by string, and never changed after: the strings over them stay
// as immutable as Go requires.
type values struct{ block []byte }

const (
	valueBlock  = 16 << 10
	paymentSlab = 64
)

// string returns b as a string.
func (v *values) string(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if len(b) > cap(v.block)-len(v.block) {
		if len(b) > valueBlock/4 {
			return string(b)
		}
		v.block = make([]byte, 0, valueBlock)
	}
	start := len(v.block)
	v.block = append(v.block, b...)
	return unsafe.String(&v.block[start], len(b))
}

// Header reads the document up to the end of its group header.
func (r *Reader) Header() (*Header, error) {
	for !r.headerDone {
		if _, err := r.step(); err != nil {
			return nil, err
		}
		if r.done || r.infoIdx > 0 {
			return nil, r.problem(maksa.FF02, "the message has no group header (GrpHdr)")
		}
	}
	return r.header, nil
}

// Read returns the next payment, or io.EOF after the last one.
func (r *Reader) Read() (*maksa.Payment, error) {
	if _, err := r.Header(); err != nil {
		return nil, err
	}
	for {
		if r.done {
			return nil, io.EOF
		}
		p, err := r.step()
		if err != nil {
			return nil, err
		}
		if p != nil {
			return p, nil
		}
	}
}

// step consumes one token and returns a payment when one is complete.
func (r *Reader) step() (*maksa.Payment, error) {
	if r.err != nil {
		return nil, r.err
	}
	if r.limit > 0 && r.origin+r.scan.Offset() >= r.limit {
		return nil, errLimit
	}
	kind, err := r.scan.Next()
	if err != nil {
		switch {
		case err == io.EOF:
			r.done = true
			return nil, nil
		case errors.Is(err, xmlscan.ErrTooLong):
			return nil, r.fail(maksa.FF02, "a value or tag is longer than %d bytes", maxTokenSize)
		}
		return nil, r.syntaxError(err)
	}
	switch kind {
	case xmlscan.StartElement:
		return nil, r.start()
	case xmlscan.EndElement:
		return r.end()
	case xmlscan.Text:
		return nil, r.charData(r.scan.Text())
	case xmlscan.Doctype:
		return nil, r.fail(maksa.FF02, "DTDs and entity declarations are not accepted")
	}
	return nil, nil
}

func (r *Reader) syntaxError(err error) error {
	var se *xmlscan.SyntaxError
	msg := err.Error()
	if errors.As(err, &se) {
		msg = se.Msg
	}
	code := maksa.FF02
	if r.rootName == "" && len(r.stack) == 0 {
		code = maksa.FF01
		msg = "not an XML document: " + msg
	} else {
		msg = "XML is not well formed: " + msg
	}
	return r.fail(code, "%s", msg)
}

// fail records and returns a problem that stops reading.
func (r *Reader) fail(code maksa.Reason, format string, args ...any) error {
	r.err = r.problem(code, format, args...)
	return r.err
}

func (r *Reader) problem(code maksa.Reason, format string, args ...any) *maksa.Problem {
	line, col := r.scan.Pos()
	return maksa.Problemf(code, maksa.Position{File: r.File, Line: line, Column: col, XPath: r.xpath()}, format, args...)
}

// xpath returns the element path of the current element, with indices on
// PmtInf and CdtTrfTxInf.
func (r *Reader) xpath() string {
	var b strings.Builder
	for i, f := range r.stack {
		b.WriteByte('/')
		b.WriteString(f.name)
		switch {
		case i == 2 && f.name == "PmtInf":
			b.WriteString("[" + strconv.Itoa(r.infoIdx) + "]")
		case i == 3 && f.name == "CdtTrfTxInf":
			b.WriteString("[" + strconv.Itoa(r.txIdx) + "]")
		}
	}
	return b.String()
}

func (r *Reader) start() error {
	if n := len(r.stack); n > 0 {
		parent := &r.stack[n-1]
		if parent.hasText {
			return r.fail(maksa.FF02, "element <%s> has text mixed with child elements", parent.name)
		}
		parent.hasChild = true
	}
	if len(r.stack) >= maxDepth {
		return r.fail(maksa.FF02, "elements nested deeper than %d levels", maxDepth)
	}
	line, col := r.scan.Pos()
	local := r.scan.Local()
	var node *pathNode
	if n := len(r.stack); r.ctx != ctxNone && n >= 3 && r.stack[n-1].node != nil &&
		!(n == 3 && r.ctx == ctxInfo && string(local) == "CdtTrfTxInf") {
		node = r.child(r.stack[n-1].node, local)
	}
	var name string
	if node != nil {
		name = node.name
	} else {
		name = r.intern(local)
	}
	r.stack = append(r.stack, frame{name: name, node: node, line: line, col: col})
	r.text = r.text[:0]
	depth := len(r.stack)
	switch {
	case depth == 1:
		return r.document()
	case depth == 2:
		if name != "CstmrCdtTrfInitn" && name != "pain.001.001.02" {
			return r.fail(maksa.FF01, "<%s> is not a pain.001 message (expected CstmrCdtTrfInitn)", name)
		}
		r.rootName = name
	case depth == 3 && name == "GrpHdr":
		if r.header.Position.Line != 0 {
			return r.fail(maksa.FF02, "second group header")
		}
		r.ctx = ctxHeader
		r.header.Position = maksa.Position{File: r.File, Line: line, Column: col, XPath: r.xpath()}
		r.stack[depth-1].node = r.headerPaths
	case depth == 3 && name == "PmtInf":
		r.infoIdx++
		if r.header.Position.Line == 0 {
			return r.fail(maksa.FF02, "PmtInf before the group header (GrpHdr)")
		}
		r.txIdx = 0
		r.ctx = ctxInfo
		r.infoStart = r.origin + r.scan.TokenOffset()
		r.afterTx, r.infoTouched = false, false
		pos := maksa.Position{File: r.File, Line: line, Column: col, XPath: r.xpath()}
		r.info = maksa.Payment{InfoXPath: pos.XPath}
		r.infoSum, r.infoTotal = PaymentInfo{Index: r.infoIdx, Position: pos}, maksa.Sum{}
		r.stack[depth-1].node = r.infoPaths
	case depth == 4 && name == "CdtTrfTxInf" && r.ctx == ctxInfo:
		r.txIdx++
		r.ctx = ctxTx
		r.afterTx = true
		p := r.newPayment()
		*p = r.info // the PmtInf-level fields and positions, over whatever p held
		p.Position = maksa.Position{File: r.File, Line: line, Column: col}
		if !r.pathless {
			xpath := strconv.AppendInt(append(append(r.buf[:0], r.info.InfoXPath...), "/CdtTrfTxInf["...), int64(r.txIdx), 10)
			r.buf = append(xpath, ']')
			p.Position.XPath = r.values.string(r.buf)
		}
		r.cur = p
		r.ustrd, r.documents = r.ustrd[:0], r.documents[:0]
		r.stack[depth-1].node = r.txPaths
	case node != nil && node.currency != "" && r.ctx == ctxTx:
		for _, a := range r.scan.Attrs() {
			if string(a.Local) == "Ccy" && len(a.Prefix) == 0 {
				r.cur.Currency = r.intern(a.Value)
				r.cur.Fields[maksa.FieldCurrency] = maksa.FieldPosition{Line: int32(line), Column: int32(col), Path: node.currency}
			}
		}
	}
	return nil
}

func (r *Reader) document() error {
	if name := r.stack[0].name; name != "Document" {
		return r.fail(maksa.FF01, "root element <%s> is not an ISO 20022 Document", name)
	}
	space := r.namespace()
	m := namespacePattern.FindStringSubmatch(space)
	if m == nil {
		if space == "" {
			return r.fail(maksa.FF01, "the Document has no namespace, so its message type is unknown")
		}
		return r.fail(maksa.FF01, "namespace %q is not a pain.001 version maksa reads", space)
	}
	version, _ := strconv.Atoi(m[2])
	if m[1] == "1" && (version < 2 || version > 12) || m[1] != "1" && version != 3 && version != 2 {
		return r.fail(maksa.FF01, "namespace %q is not a pain.001 version maksa reads", space)
	}
	r.prefix = string(r.scan.Prefix())
	r.header = &Header{Format: "pain.001.00" + m[1] + "." + m[2] + m[3], Version: version, Namespace: space}
	return nil
}

// namespace returns the namespace of the root element: the default one, or
// the one its prefix is declared for.
func (r *Reader) namespace() string {
	prefix := r.scan.Prefix()
	for _, a := range r.scan.Attrs() {
		if len(prefix) == 0 && len(a.Prefix) == 0 && string(a.Local) == "xmlns" ||
			len(prefix) > 0 && string(a.Prefix) == "xmlns" && bytes.Equal(a.Local, prefix) {
			return string(a.Value)
		}
	}
	return ""
}

func (r *Reader) charData(t []byte) error {
	n := len(r.stack)
	if n == 0 {
		return nil
	}
	top := &r.stack[n-1]
	if !top.hasText && !blank(t) {
		if top.hasChild {
			return r.fail(maksa.FF02, "element <%s> has text mixed with child elements", top.name)
		}
		top.hasText = true
	}
	if len(r.text)+len(t) > maxValueSize {
		return r.fail(maksa.FF02, "value of <%s> is longer than %d bytes", top.name, maxValueSize)
	}
	r.text = append(r.text, t...)
	return nil
}

// trimSpace is bytes.TrimSpace, which is called only when t starts or
// ends with a byte that may be part of a space: a value's first and last
// characters are most often neither.
func trimSpace(t []byte) []byte {
	if len(t) == 0 || t[0] > ' ' && t[0] < utf8.RuneSelf && t[len(t)-1] > ' ' && t[len(t)-1] < utf8.RuneSelf {
		return t
	}
	return bytes.TrimSpace(t)
}

// blank reports whether t is only XML white space (bytes.TrimLeft with a
// cutset builds a set on every call: a twentieth of reading a file).
func blank(t []byte) bool {
	for _, c := range t {
		if c != ' ' && c != '\t' && c != '\r' && c != '\n' {
			return false
		}
	}
	return true
}

func (r *Reader) end() (*maksa.Payment, error) {
	n := len(r.stack)
	top := r.stack[n-1]
	var value string
	if !top.hasChild {
		value = r.values.string(trimSpace(r.text))
	}
	r.text = r.text[:0]
	var done *maksa.Payment
	switch {
	case n == 3 && top.name == "GrpHdr":
		r.ctx = ctxNone
		r.headerDone = true
		if r.header.MessageID == "" {
			r.stack = r.stack[:n-1]
			return nil, r.fail(maksa.FF02, "the group header has no MsgId")
		}
	case n == 3 && top.name == "PmtInf":
		r.ctx = ctxNone
		r.infoSum.ID = r.info.PaymentInfoID
		if r.txIdx == 0 {
			r.stack = r.stack[:n-1]
			return nil, r.fail(maksa.FF02, "payment information block %d has no CdtTrfTxInf", r.infoIdx)
		}
		if r.OnPaymentInfo != nil {
			r.OnPaymentInfo(r.runningInfo())
		}
	case n == 4 && top.name == "CdtTrfTxInf" && r.ctx == ctxTx:
		r.ctx = ctxInfo
		p := r.cur
		p.Remittance = remittance(r.ustrd, r.documents)
		r.seq++
		p.Seq = r.seq
		r.infoSum.Count++
		if p.AmountText != "" {
			if d, err := maksa.ParseDecimal(p.AmountText); err == nil {
				p.Amount = d
				r.infoTotal.Add(d)
			}
		}
		r.cur = nil
		done = p
	case r.ctx != ctxNone && n > 3 && !top.hasChild && top.node != nil:
		line, col, path := top.line, top.col, top.node.path
		switch r.ctx {
		case ctxHeader:
			r.headerField(value, path)
		case ctxInfo:
			r.infoField(value, line, col, path)
		case ctxTx:
			r.txField(value, line, col, path)
		}
	}
	r.stack = r.stack[:n-1]
	return done, nil
}

// runningInfo is what the current PmtInf block held so far.
func (r *Reader) runningInfo() PaymentInfo {
	pi := r.infoSum
	pi.Sum = r.infoTotal.Decimal()
	return pi
}

func (r *Reader) headerField(v, path string) {
	h := r.header
	switch path {
	case "MsgId":
		h.MessageID = v
	case "CreDtTm":
		h.CreationTime = v
	case "NbOfTxs":
		h.NbOfTxs = v
	case "CtrlSum":
		h.CtrlSum = v
	case "InitgPty/Nm":
		h.InitiatingParty = v
	}
}

func fieldPos(line, col int, path string, inInfo bool) maksa.FieldPosition {
	return maksa.FieldPosition{Line: int32(line), Column: int32(col), Path: path, InInfo: inInfo}
}

// infoField stores a PmtInf-level value.
func (r *Reader) infoField(v string, line, col int, rel string) {
	p := &r.info
	r.infoTouched = r.infoTouched || r.afterTx
	switch rel {
	case "PmtInfId":
		p.PaymentInfoID = v
	case "PmtMtd":
		p.PaymentMethod = v
		if v == "CHK" {
			p.Kind = maksa.KindCash // a cheque: paid out in cash to the named recipient
		}
	case "NbOfTxs":
		r.infoSum.NbOfTxs = v
	case "CtrlSum":
		r.infoSum.CtrlSum = v
	case "ReqdExctnDt", "ReqdExctnDt/Dt", "ReqdExctnDt/DtTm":
		p.DateText = v
		p.Fields[maksa.FieldExecutionDate] = fieldPos(line, col, rel, true)
		p.ExecutionDate = parseDate(v)
	case "Dbtr/Nm":
		p.DebtorName = v
		p.Fields[maksa.FieldDebtorName] = fieldPos(line, col, rel, true)
	case "DbtrAcct/Id/IBAN", "DbtrAcct/Id/Othr/Id":
		p.DebtorIBAN = v
		p.Fields[maksa.FieldDebtorAccount] = fieldPos(line, col, rel, true)
	case "DbtrAgt/FinInstnId/BIC", "DbtrAgt/FinInstnId/BICFI":
		p.DebtorBIC = v
		p.Fields[maksa.FieldDebtorBIC] = fieldPos(line, col, rel, true)
	case "UltmtDbtr/Nm":
		p.UltimateDebtor = v
		p.Fields[maksa.FieldUltimateDebtor] = fieldPos(line, col, rel, true)
	case "ChrgBr":
		p.ChargeBearer = v
	case "PmtTpInf/InstrPrty":
		p.Priority = v
	case "PmtTpInf/SvcLvl/Cd":
		p.ServiceLevel = v
	case "PmtTpInf/CtgyPurp/Cd":
		p.CategoryPurpose = v
	}
}

// txField stores a CdtTrfTxInf-level value; it overrides the PmtInf level.
func (r *Reader) txField(v string, line, col int, rel string) {
	p := r.cur
	switch rel {
	case "PmtId/InstrId":
		p.InstructionID = v
	case "PmtId/EndToEndId":
		p.EndToEndID = v
		p.Fields[maksa.FieldEndToEndID] = fieldPos(line, col, rel, false)
	case "PmtId/UETR":
		p.UETR = v
	case "PmtTpInf/InstrPrty":
		p.Priority = v
	case "PmtTpInf/SvcLvl/Cd":
		p.ServiceLevel = v
	case "PmtTpInf/CtgyPurp/Cd":
		p.CategoryPurpose = v
	case "Amt/InstdAmt", "Amt/EqvtAmt/Amt":
		p.AmountText = v
		p.Fields[maksa.FieldAmount] = fieldPos(line, col, rel, false)
	case "ChrgBr":
		p.ChargeBearer = v
	case "UltmtDbtr/Nm":
		p.UltimateDebtor = v
		p.Fields[maksa.FieldUltimateDebtor] = fieldPos(line, col, rel, false)
	case "CdtrAgt/FinInstnId/BIC", "CdtrAgt/FinInstnId/BICFI":
		p.CreditorBIC = v
		p.Fields[maksa.FieldCreditorBIC] = fieldPos(line, col, rel, false)
	case "Cdtr/Nm":
		p.CreditorName = v
		p.Fields[maksa.FieldCreditorName] = fieldPos(line, col, rel, false)
	case "Cdtr/Id/PrvtId/Othr/Id", "Cdtr/Id/OrgId/Othr/Id":
		p.CreditorID = v
	case "Cdtr/PstlAdr/AdrLine":
		p.CreditorAddress.Lines = append(p.CreditorAddress.Lines, v)
		r.addressAt(line, col)
	case "CdtrAcct/Id/IBAN":
		p.CreditorIBAN, p.CreditorIsIBAN = v, true
		p.Fields[maksa.FieldCreditorAccount] = fieldPos(line, col, rel, false)
	case "CdtrAcct/Id/Othr/Id", "CdtrAcct/Id/BBAN", "CdtrAcct/Id/PrtryAcct/Id":
		p.CreditorIBAN, p.CreditorIsIBAN = v, false
		p.Fields[maksa.FieldCreditorAccount] = fieldPos(line, col, rel, false)
	case "UltmtCdtr/Nm":
		p.UltimateCreditor = v
		p.Fields[maksa.FieldUltimateCreditor] = fieldPos(line, col, rel, false)
	case "Purp/Cd":
		p.Purpose = v
	case "RmtInf/Ustrd":
		if len(r.ustrd) == 0 {
			p.Fields[maksa.FieldRemittance] = fieldPos(line, col, rel, false)
		}
		r.ustrd = append(r.ustrd, v)
	case "RmtInf/Strd/CdtrRefInf/Ref":
		p.Reference = v
	case "RmtInf/Strd/RfrdDocInf/Tp/CdOrPrtry/Cd", "RmtInf/Strd/RfrdDocInf/Tp/CdOrPrtry/Prtry", "RmtInf/Strd/RfrdDocInf/Nb",
		"RmtInf/Strd/RfrdDocInf/RltdDt", "RmtInf/Strd/AddtlRmtInf":
		if len(r.ustrd) == 0 && len(r.documents) == 0 {
			p.Fields[maksa.FieldRemittance] = fieldPos(line, col, rel, false)
		}
		r.documents = append(r.documents, v)
	default:
		if tag, ok := strings.CutPrefix(rel, "Cdtr/PstlAdr/"); ok {
			if e := p.CreditorAddress.Element(tag); e != nil {
				*e = v
				r.addressAt(line, col)
			}
		}
	}
}

// maxRemittance is the length of the unstructured remittance (Ustrd,
// Max140Text), which is all the EPC lets the clearing file carry beside a
// creditor reference.
const maxRemittance = 140

// remittance is a payment's remittance text: its unstructured lines and,
// after them, what its structured remittance says of the documents paid
// (each document's type, number and date, and the additional remittance
// information), which would otherwise be lost: the clearing file carries
// only a creditor reference in structured form. When the lines are there
// and the documents would take the text past maxRemittance, the payer's
// own lines stand alone; documents alone that are too long are refused
// by the validator (RR07), as lines would be.
func remittance(lines, documents []string) string {
	text := strings.Join(lines, " ")
	if len(documents) == 0 {
		return text
	}
	docs := strings.Join(documents, " ")
	switch {
	case text == "":
		return docs
	case utf8.RuneCountInString(text)+1+utf8.RuneCountInString(docs) <= maxRemittance:
		return text + " " + docs
	}
	return text
}

// addressAt records where the creditor's address starts: its first element.
func (r *Reader) addressAt(line, col int) {
	if p := r.cur; p.Fields[maksa.FieldCreditorAddress].Line == 0 {
		p.Fields[maksa.FieldCreditorAddress] = fieldPos(line, col, "Cdtr/PstlAdr", false)
	}
}

// parseDate reads an ISO date or date-time; the zero time when it is neither.
func parseDate(s string) time.Time {
	if len(s) >= 10 {
		if t, err := time.Parse(maksa.DateLayout, s[:10]); err == nil && (len(s) == 10 || s[10] == 'T') {
			return t
		}
	}
	return time.Time{}
}
