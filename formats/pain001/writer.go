package pain001

import (
	"bufio"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"time"
	"unicode/utf8"

	"github.com/shopspring/decimal"

	"maksa"
)

// GroupHeader is what the Writer puts in GrpHdr.
type GroupHeader struct {
	MessageID       string
	CreationTime    time.Time
	NbOfTxs         int
	CtrlSum         decimal.Decimal
	InitiatingParty string
}

// Writer writes a pain.001.001.03, .09, .10 or .11 document (the subset of
// fields maksa keeps has the same shape in .09, .10 and .11). Payments are
// written in the order given; consecutive payments with the same payment
// information id, debtor account and execution date share one PmtInf block.
type Writer struct {
	w       *bufio.Writer
	version int
	inInfo  bool
	infoKey string
	err     error
}

// ErrWriterVersion is returned for a version other than 3, 9, 10 or 11.
var ErrWriterVersion = errors.New("pain.001 writer version must be 3, 9, 10 or 11")

// NewWriter returns a Writer of pain.001.001.<version>; version is 3, 9, 10 or 11.
func NewWriter(w io.Writer, version int) *Writer {
	return &Writer{w: bufio.NewWriterSize(w, 64<<10), version: version}
}

// WriteHeader writes the document start and the group header.
func (w *Writer) WriteHeader(h *GroupHeader) error {
	if w.version != 3 && (w.version < 9 || w.version > 11) {
		return ErrWriterVersion
	}
	w.raw(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	w.raw(fmt.Sprintf(`<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.%02d">`, w.version) + "\n<CstmrCdtTrfInitn>\n<GrpHdr>")
	w.elem("MsgId", h.MessageID)
	w.elem("CreDtTm", h.CreationTime.Format("2006-01-02T15:04:05"))
	w.elem("NbOfTxs", fmt.Sprint(h.NbOfTxs))
	w.elem("CtrlSum", h.CtrlSum.String())
	w.raw("<InitgPty>")
	w.elem("Nm", h.InitiatingParty)
	w.raw("</InitgPty></GrpHdr>\n")
	return w.err
}

// Write writes one payment. Its amount must be valid for its currency.
func (w *Writer) Write(p *maksa.Payment) error {
	cur, ok := maksa.LookupCurrency(p.Currency)
	if !ok {
		return fmt.Errorf("payment %s: %w", p.EndToEndID, maksa.ErrUnknownCurrency)
	}
	key := p.PaymentInfoID + "\x00" + p.DebtorIBAN + "\x00" + p.ExecutionDate.Format(maksa.DateLayout)
	if !w.inInfo || key != w.infoKey {
		w.endInfo()
		w.startInfo(p)
		w.inInfo, w.infoKey = true, key
	}
	w.raw("<CdtTrfTxInf><PmtId>")
	if p.InstructionID != "" {
		w.elem("InstrId", p.InstructionID)
	}
	w.elem("EndToEndId", nonEmpty(p.EndToEndID))
	if w.version >= 9 && maksa.ValidUETR(p.UETR) {
		w.elem("UETR", p.UETR)
	}
	w.raw("</PmtId>")
	if p.Priority != "" || p.ServiceLevel != "" || p.CategoryPurpose != "" {
		w.raw("<PmtTpInf>")
		if p.Priority != "" {
			w.elem("InstrPrty", p.Priority)
		}
		if p.ServiceLevel != "" {
			w.raw("<SvcLvl>")
			w.elem("Cd", p.ServiceLevel)
			w.raw("</SvcLvl>")
		}
		if p.CategoryPurpose != "" {
			w.raw("<CtgyPurp>")
			w.elem("Cd", p.CategoryPurpose)
			w.raw("</CtgyPurp>")
		}
		w.raw("</PmtTpInf>")
	}
	w.raw(`<Amt><InstdAmt Ccy="` + p.Currency + `">` + maksa.FormatAmount(p.Amount, cur) + "</InstdAmt></Amt>")
	if p.ChargeBearer != "" {
		w.elem("ChrgBr", p.ChargeBearer)
	}
	if p.CreditorBIC != "" {
		w.raw("<CdtrAgt><FinInstnId>")
		w.elem(w.bicElement(), p.CreditorBIC)
		w.raw("</FinInstnId></CdtrAgt>")
	}
	w.raw("<Cdtr>")
	w.elem("Nm", p.CreditorName)
	if p.CreditorCountry != "" {
		w.raw("<PstlAdr>")
		w.elem("Ctry", p.CreditorCountry)
		w.raw("</PstlAdr>")
	}
	w.raw("</Cdtr><CdtrAcct><Id>")
	if p.CreditorIsIBAN {
		w.elem("IBAN", p.CreditorIBAN)
	} else {
		w.raw("<Othr>")
		w.elem("Id", p.CreditorIBAN)
		w.raw("</Othr>")
	}
	w.raw("</Id></CdtrAcct>")
	if p.UltimateCreditor != "" {
		w.raw("<UltmtCdtr>")
		w.elem("Nm", p.UltimateCreditor)
		w.raw("</UltmtCdtr>")
	}
	if p.Purpose != "" {
		w.raw("<Purp>")
		w.elem("Cd", p.Purpose)
		w.raw("</Purp>")
	}
	if p.Remittance != "" || p.Reference != "" {
		w.raw("<RmtInf>")
		for _, line := range split(p.Remittance, 140) {
			w.elem("Ustrd", line)
		}
		if p.Reference != "" {
			w.raw("<Strd><CdtrRefInf>")
			w.elem("Ref", p.Reference)
			w.raw("</CdtrRefInf></Strd>")
		}
		w.raw("</RmtInf>")
	}
	w.raw("</CdtTrfTxInf>\n")
	return w.err
}

func (w *Writer) bicElement() string {
	if w.version >= 8 {
		return "BICFI"
	}
	return "BIC"
}

func (w *Writer) startInfo(p *maksa.Payment) {
	w.raw("<PmtInf>")
	w.elem("PmtInfId", nonEmpty(p.PaymentInfoID))
	method := p.PaymentMethod
	if method == "" {
		method = "TRF"
	}
	w.elem("PmtMtd", method)
	if w.version >= 9 {
		w.raw("<ReqdExctnDt>")
		w.elem("Dt", p.ExecutionDate.Format(maksa.DateLayout))
		w.raw("</ReqdExctnDt>")
	} else {
		w.elem("ReqdExctnDt", p.ExecutionDate.Format(maksa.DateLayout))
	}
	w.raw("<Dbtr>")
	if p.DebtorName != "" {
		w.elem("Nm", p.DebtorName)
	}
	w.raw("</Dbtr><DbtrAcct><Id>")
	w.elem("IBAN", p.DebtorIBAN)
	w.raw("</Id></DbtrAcct><DbtrAgt><FinInstnId>")
	if p.DebtorBIC != "" {
		w.elem(w.bicElement(), p.DebtorBIC)
	} else {
		w.raw("<Othr><Id>NOTPROVIDED</Id></Othr>")
	}
	w.raw("</FinInstnId></DbtrAgt>")
	if p.UltimateDebtor != "" {
		w.raw("<UltmtDbtr>")
		w.elem("Nm", p.UltimateDebtor)
		w.raw("</UltmtDbtr>")
	}
	w.raw("\n")
}

func (w *Writer) endInfo() {
	if w.inInfo {
		w.raw("</PmtInf>\n")
	}
}

// Close ends the document and flushes it.
func (w *Writer) Close() error {
	w.endInfo()
	w.inInfo = false
	w.raw("</CstmrCdtTrfInitn>\n</Document>\n")
	if w.err != nil {
		return w.err
	}
	return w.w.Flush()
}

func (w *Writer) raw(s string) {
	if w.err == nil {
		_, w.err = w.w.WriteString(s)
	}
}

func (w *Writer) elem(name, value string) {
	w.raw("<" + name + ">")
	if w.err == nil {
		w.err = xml.EscapeText(w.w, []byte(value))
	}
	w.raw("</" + name + ">")
}

func nonEmpty(s string) string {
	if s == "" {
		return "NOTPROVIDED"
	}
	return s
}

// split cuts s into pieces of at most n characters.
func split(s string, n int) []string {
	var out []string
	for s != "" {
		if utf8.RuneCountInString(s) <= n {
			return append(out, s)
		}
		i := 0
		for c := 0; c < n; c++ {
			_, size := utf8.DecodeRuneInString(s[i:])
			i += size
		}
		out = append(out, s[:i])
		s = s[i:]
	}
	return out
}
