package importer

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"strings"

	"maksa"
	"maksa/formats/csvfmt"
	"maksa/formats/pain001"
	"maksa/formats/xlsxfmt"
	"maksa/validator"
)

// source is one payment file opened in its format.
type source struct {
	format    string
	messageID string
	nbOfTxs   string         // declared in the header, as written
	ctrlSum   string         // declared in the header, as written
	position  maksa.Position // of the header
	read      func() (*maksa.Payment, error)
	// recycle, when set, takes back a payment read that the caller is done
	// with and keeps no pointer to, to be filled again by a later read.
	recycle func(*maksa.Payment)
	// endTotals, when set, returns the control sum known only after the
	// last payment (the control total row of a CSV or XLSX file) and where
	// it is.
	endTotals func() (string, maksa.Position)
	warnings  []string
	close     func()
	// pendingTotals, when set, returns (and forgets) the totals of the
	// payment information blocks that ended during the last read.
	pendingTotals func() []validator.Totals
}

// item is what one read of a source gave: a payment or an error (io.EOF at
// the end), and the totals of the payment information blocks that ended
// on the way, to be checked first.
type item struct {
	p      *maksa.Payment
	totals []validator.Totals
	err    error
}

// readAhead reads the source on another goroutine, a chunk of payments at
// a time, so that reading the file and checking and storing its payments
// overlap. next returns the items in file order and must not be called
// after it returned an error; stop ends the goroutine (call it before
// closing the source).
func (s *source) readAhead() (next func() item, stop func()) {
	const chunkSize = 128
	// Chunks the reader filled, and chunks next emptied, to be filled again.
	chunks, free := make(chan []item, 2), make(chan []item, 4)
	quit, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		chunk := make([]item, 0, chunkSize)
		for {
			p, err := s.read()
			it := item{p: p, err: err}
			if s.pendingTotals != nil {
				it.totals = s.pendingTotals()
			}
			chunk = append(chunk, it)
			if err == nil && len(chunk) < chunkSize {
				continue
			}
			select {
			case chunks <- chunk:
			case <-quit:
				return
			}
			if err != nil {
				return
			}
			select {
			case chunk = <-free:
				chunk = chunk[:0]
			default:
				chunk = make([]item, 0, chunkSize)
			}
		}
	}()
	var chunk []item
	at := 0
	stopped := false
	next = func() item {
		if at == len(chunk) {
			if chunk != nil {
				select {
				case free <- chunk:
				default:
				}
			}
			chunk, at = <-chunks, 0
		}
		it := chunk[at]
		at++
		return it
	}
	stop = func() {
		if !stopped {
			stopped = true
			close(quit)
			<-done
		}
	}
	return next, stop
}

// open sniffs the format from the content — never from the file name —
// and reads up to the first payment. A file of no known format, or whose
// header cannot be read, yields a *maksa.Problem.
func (r *run) open(f *os.File, br *bufio.Reader) (*source, error) {
	head, _ := br.Peek(512)
	switch {
	case bytes.HasPrefix(head, []byte("PK\x03\x04")):
		return r.openXLSX()
	case looksLikeXML(head):
		return r.openPain001(f, br)
	case promised(r.res.File) != "":
		// The content decides; a name that promises another format makes
		// the answer say what was expected, not what a CSV would lack.
		return nil, maksa.Problemf(maksa.FF01, maksa.Position{File: r.res.File},
			"the file's name promises %s, but its content is not that", promised(r.res.File))
	case looksLikeText(head):
		return r.openCSV(br)
	}
	return nil, maksa.Problemf(maksa.FF01, maksa.Position{File: r.res.File},
		"not a payment file maksa reads: expected an ISO 20022 pain.001 XML document, a CSV or an XLSX file")
}

// openPain001 reads a regular file with a pain001.ParallelReader (on every
// core when the file is large), anything else in sequence.
func (r *run) openPain001(f *os.File, br *bufio.Reader) (*source, error) {
	var pending []validator.Totals
	onInfo := func(pi pain001.PaymentInfo) {
		pending = append(pending, validator.Totals{Level: validator.PaymentInfoLevel, ID: pi.ID,
			NbOfTxs: pi.NbOfTxs, CtrlSum: pi.CtrlSum, Count: pi.Count, Sum: pi.Sum, Position: pi.Position})
	}
	var header func() (*pain001.Header, error)
	var read func() (*maksa.Payment, error)
	var recycle func(*maksa.Payment)
	closeReader := func() {}
	head, _ := br.Peek(4)
	if info, err := f.Stat(); err == nil && info.Mode().IsRegular() && !utf16BOM(head) { // UTF-16 is read in sequence
		reader := pain001.NewParallelReader(f, info.Size())
		reader.File, reader.OnPaymentInfo = r.res.File, onInfo
		header, read, recycle, closeReader = reader.Header, reader.Read, reader.Recycle, reader.Close
	} else {
		reader := pain001.NewReader(br)
		reader.File, reader.OnPaymentInfo = r.res.File, onInfo
		header, read = reader.Header, reader.Read
	}
	hdr, err := header()
	if err != nil {
		closeReader()
		return nil, err
	}
	return &source{format: hdr.Format, messageID: hdr.MessageID, nbOfTxs: hdr.NbOfTxs, ctrlSum: hdr.CtrlSum,
		position: hdr.Position, read: read, recycle: recycle, close: closeReader,
		pendingTotals: func() []validator.Totals {
			t := pending
			pending = nil
			return t
		}}, nil
}

func (r *run) openCSV(br *bufio.Reader) (*source, error) {
	reader := csvfmt.NewReader(br)
	reader.File, reader.Profile, reader.Today = r.res.File, r.Profile, r.today()
	if err := reader.Header(); err != nil {
		return nil, err
	}
	if err := r.sha256(); err != nil {
		return nil, err
	}
	return &source{format: "csv", messageID: r.derivedMessageID(), position: reader.HeaderPosition(), read: reader.Read,
		endTotals: reader.ControlSum, warnings: reader.Columns.Warnings, close: func() {}}, nil
}

func (r *run) openXLSX() (*source, error) {
	reader := xlsxfmt.Open(r.path)
	reader.File, reader.Profile, reader.Today = r.res.File, r.Profile, r.today()
	if err := reader.Header(); err != nil {
		reader.Close()
		return nil, err
	}
	if err := r.sha256(); err != nil {
		reader.Close()
		return nil, err
	}
	return &source{format: "xlsx", messageID: r.derivedMessageID(), position: reader.HeaderPosition(), read: reader.Read,
		endTotals: reader.ControlSum, warnings: reader.Columns.Warnings, close: func() { reader.Close() }}, nil
}

// derivedMessageID names a file that has no message id of its own: by its
// SHA-256 (r.sha256 called before), so that the same file always gets the
// same id.
func (r *run) derivedMessageID() string {
	return "SHA256-" + r.batch.SHA256[:28]
}

// looksLikeXML reports whether the first non-blank character, after any
// UTF-8 byte order mark, is '<'; or whether the file is UTF-16 with a byte
// order mark and starts with '<'.
func looksLikeXML(head []byte) bool {
	if utf16BOM(head) {
		return len(head) >= 4 && (head[2] == '<' && head[3] == 0 || head[2] == 0 && head[3] == '<')
	}
	head = bytes.TrimPrefix(head, []byte{0xEF, 0xBB, 0xBF})
	head = bytes.TrimLeft(head, " \t\r\n")
	return len(head) > 0 && head[0] == '<'
}

// looksLikeText reports whether the start of a file is text: no NUL bytes
// and no other control characters than tab, CR and LF.
func looksLikeText(head []byte) bool {
	if len(head) == 0 {
		return false
	}
	for _, c := range head {
		if c < 0x20 && c != '\t' && c != '\r' && c != '\n' {
			return false
		}
	}
	return true
}

// utf16BOM reports whether head starts with a UTF-16 byte order mark.
func utf16BOM(head []byte) bool {
	return bytes.HasPrefix(head, []byte{0xFF, 0xFE}) || bytes.HasPrefix(head, []byte{0xFE, 0xFF})
}

// promised returns what a file's name promises when it is not CSV, or "".
func promised(name string) string {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".xml":
		return "XML, an ISO 20022 pain.001 document"
	case ".xlsx":
		return "an Excel workbook (XLSX)"
	}
	return ""
}
