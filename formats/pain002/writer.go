// Package pain002 writes ISO 20022 pain.002 customer payment status
// reports: pain.002.001.03 (the default) and pain.002.001.10.
//
// A report answers one pain.001 (or CSV/XLSX) file: the group status and
// the reasons that rejected the file as a whole, then one TxInfAndSts per
// reported transaction, grouped by original payment information block. The
// writer streams: transactions are written as they are given, in file
// order, so a report on a million payments needs no memory for them.
//
//	w := pain002.NewWriter(f, 3)
//	w.WriteHeader(&pain002.Report{…})
//	w.WriteTransaction(&pain002.Transaction{…})
//	w.Close()
package pain002

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"maksa"
	"maksa/formats/internal/xmlout"
)

// Report is the group part of a status report.
type Report struct {
	MessageID           string
	CreationTime        time.Time
	OriginalMessageID   string
	OriginalMessageName string // pain.001.001.03, …
	OriginalNbOfTxs     int
	OriginalCtrlSum     string // decimal; empty to leave out
	GroupStatus         maksa.Status
	GroupReasons        []maksa.Problem
	// PerStatus, when set, counts the transactions the report lists by
	// status (NbOfTxsPerSts).
	PerStatus []StatusCount
}

// StatusCount is how many of a report's transactions have one status.
type StatusCount struct {
	Status maksa.Status
	Count  int
}

// Transaction is the status of one original transaction.
type Transaction struct {
	PaymentInfoID string
	InstructionID string
	EndToEndID    string
	UETR          string
	Status        maksa.Status
	Reasons       []maksa.Problem
}

// Writer writes one pain.002 document.
type Writer struct {
	out      *xmlout.Writer
	version  int
	inInfo   bool
	infoID   string
	started  bool
	finished bool
}

// NewWriter returns a writer of pain.002.001.<version>; version is 3 or 10.
func NewWriter(w io.Writer, version int) *Writer {
	return &Writer{out: xmlout.New(w), version: version}
}

// Namespace returns the XML namespace of the writer's version.
func (w *Writer) Namespace() string {
	return fmt.Sprintf("urn:iso:std:iso:20022:tech:xsd:pain.002.001.%02d", w.version)
}

// ErrVersion is returned for a version other than 3 or 10.
var ErrVersion = errors.New("pain.002 version must be 3 or 10")

// WriteHeader writes the document start, the group header and the original
// group status.
func (w *Writer) WriteHeader(r *Report) error {
	if w.version != 3 && w.version != 10 {
		return ErrVersion
	}
	w.started = true
	w.out.Raw(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	w.out.Raw(`<Document xmlns="` + w.Namespace() + `">` + "\n<CstmrPmtStsRpt>\n<GrpHdr>")
	w.out.Elem("MsgId", max35(r.MessageID))
	w.out.Elem("CreDtTm", r.CreationTime.Format("2006-01-02T15:04:05.000-07:00"))
	w.out.Raw("<InitgPty>")
	w.out.Elem("Nm", "maksa")
	w.out.Raw("</InitgPty></GrpHdr>\n<OrgnlGrpInfAndSts>")
	w.out.Elem("OrgnlMsgId", max35(nonEmpty(r.OriginalMessageID)))
	w.out.Elem("OrgnlMsgNmId", max35(r.OriginalMessageName))
	w.out.Int("OrgnlNbOfTxs", int64(r.OriginalNbOfTxs))
	if r.OriginalCtrlSum != "" {
		w.out.Elem("OrgnlCtrlSum", r.OriginalCtrlSum)
	}
	w.out.Elem("GrpSts", string(r.GroupStatus))
	w.reasons(r.GroupReasons)
	for _, c := range r.PerStatus {
		if c.Count > 0 {
			w.out.Raw("<NbOfTxsPerSts>")
			w.out.Int("DtldNbOfTxs", int64(c.Count))
			w.out.Elem("DtldSts", string(c.Status))
			w.out.Raw("</NbOfTxsPerSts>")
		}
	}
	w.out.Raw("</OrgnlGrpInfAndSts>\n")
	return w.out.Flush()
}

// WriteTransaction writes one transaction status. Transactions of one
// payment information block must come one after another.
func (w *Writer) WriteTransaction(t *Transaction) error {
	info := max35(nonEmpty(t.PaymentInfoID))
	if !w.inInfo || info != w.infoID {
		if w.inInfo {
			w.out.Raw("</OrgnlPmtInfAndSts>\n")
		}
		w.out.Raw("<OrgnlPmtInfAndSts>")
		w.out.Elem("OrgnlPmtInfId", info)
		w.out.Raw("\n")
		w.inInfo, w.infoID = true, info
	}
	w.out.Raw("<TxInfAndSts>")
	if t.InstructionID != "" {
		w.out.Elem("OrgnlInstrId", max35(t.InstructionID))
	}
	w.out.Elem("OrgnlEndToEndId", max35(nonEmpty(t.EndToEndID)))
	if w.version >= 10 && maksa.ValidUETR(t.UETR) {
		w.out.Elem("OrgnlUETR", t.UETR)
	}
	status := t.Status
	if status == maksa.CANC && w.version < 10 {
		status = maksa.RJCT // pain.002.001.03 has no CANC: a cancelled payment is reported rejected, with its reason
	}
	w.out.Elem("TxSts", string(status))
	w.reasons(t.Reasons)
	w.out.Raw("</TxInfAndSts>\n")
	return nil
}

// Close ends the document and flushes it.
func (w *Writer) Close() error {
	if w.finished {
		return nil
	}
	w.finished = true
	if w.inInfo {
		w.out.Raw("</OrgnlPmtInfAndSts>\n")
	}
	w.out.Raw("</CstmrPmtStsRpt>\n</Document>\n")
	return w.out.Flush()
}

func (w *Writer) reasons(ps []maksa.Problem) {
	for _, p := range ps {
		w.out.Raw("<StsRsnInf><Rsn>")
		w.out.Elem("Cd", string(p.Code))
		w.out.Raw("</Rsn>")
		msg := p.Message
		if pos := p.Position.String(); pos != "" {
			msg += " (" + pos + ")"
		}
		for _, part := range chunks(msg, 105) {
			w.out.Elem("AddtlInf", part)
		}
		w.out.Raw("</StsRsnInf>")
	}
}

func nonEmpty(s string) string {
	if s == "" {
		return "NOTPROVIDED"
	}
	return s
}

// max35 cuts s to the 35 characters of a Max35Text.
func max35(s string) string {
	if len(s) <= 35 { // 35 bytes are at most 35 characters
		return s
	}
	if c := chunks(s, 35); len(c) > 0 {
		return c[0]
	}
	return s
}

// chunks splits s into pieces of at most n characters (runes), at most 10
// pieces, so that long messages fit Max105Text elements.
func chunks(s string, n int) []string {
	var out []string
	for len(s) > 0 && len(out) < 10 {
		if utf8.RuneCountInString(s) <= n {
			return append(out, s)
		}
		i, count := 0, 0
		for i < len(s) && count < n {
			_, size := utf8.DecodeRuneInString(s[i:])
			i += size
			count++
		}
		out = append(out, s[:i])
		s = s[i:]
	}
	return out
}

// VersionFor returns the pain.002 version that answers a request of the
// given format: pain.002.001.10 for pain.001.001.09 and later,
// pain.002.001.03 for everything older and for CSV and XLSX files.
func VersionFor(format string) int {
	parts := strings.Split(format, ".")
	if len(parts) >= 4 && parts[0] == "pain" && parts[1] == "001" && parts[2] == "001" {
		if v, err := strconv.Atoi(parts[3]); err == nil && v >= 9 {
			return 10
		}
	}
	return 3
}
