package pain001

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/shopspring/decimal"

	"maksa"
	"maksa/formats/internal/xmlout"
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
	// DebtorAddresses, when set, give the debtor's postal address by
	// debtor account (the clearing file writes the client's).
	DebtorAddresses map[string]maksa.Address

	out     *xmlout.Writer
	version int
	inInfo  bool
	infoKey string
}

// ErrWriterVersion is returned for a version other than 3, 9, 10 or 11.
var ErrWriterVersion = errors.New("pain.001 writer version must be 3, 9, 10 or 11")

// NewWriter returns a Writer of pain.001.001.<version>; version is 3, 9, 10 or 11.
func NewWriter(w io.Writer, version int) *Writer {
	return &Writer{out: xmlout.New(w), version: version}
}

// WriteHeader writes the document start and the group header.
func (w *Writer) WriteHeader(h *GroupHeader) error {
	if w.version != 3 && (w.version < 9 || w.version > 11) {
		return ErrWriterVersion
	}
	w.out.Raw(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	w.out.Raw(fmt.Sprintf(`<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.%02d">`, w.version) + "\n<CstmrCdtTrfInitn>\n<GrpHdr>")
	w.out.Elem("MsgId", h.MessageID)
	w.out.Elem("CreDtTm", h.CreationTime.Format(time.RFC3339))
	w.out.Int("NbOfTxs", int64(h.NbOfTxs))
	w.out.Elem("CtrlSum", h.CtrlSum.String())
	w.out.Raw("<InitgPty>")
	w.out.Elem("Nm", h.InitiatingParty)
	w.out.Raw("</InitgPty></GrpHdr>\n")
	return w.out.Err()
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
	w.out.Raw("<CdtTrfTxInf><PmtId>")
	if p.InstructionID != "" {
		w.out.Elem("InstrId", p.InstructionID)
	}
	w.out.Elem("EndToEndId", nonEmpty(p.EndToEndID))
	if w.version >= 9 && maksa.ValidUETR(p.UETR) {
		w.out.Elem("UETR", p.UETR)
	}
	w.out.Raw("</PmtId>")
	if p.Priority != "" || p.ServiceLevel != "" || p.CategoryPurpose != "" {
		w.out.Raw("<PmtTpInf>")
		if p.Priority != "" {
			w.out.Elem("InstrPrty", p.Priority)
		}
		if p.ServiceLevel != "" {
			w.out.Raw("<SvcLvl>")
			w.out.Elem("Cd", p.ServiceLevel)
			w.out.Raw("</SvcLvl>")
		}
		if p.CategoryPurpose != "" {
			w.out.Raw("<CtgyPurp>")
			w.out.Elem("Cd", p.CategoryPurpose)
			w.out.Raw("</CtgyPurp>")
		}
		w.out.Raw("</PmtTpInf>")
	}
	w.out.Raw(`<Amt><InstdAmt Ccy="`)
	w.out.Raw(p.Currency)
	w.out.Raw(`">`)
	w.out.Append(func(b []byte) []byte { return maksa.AppendAmount(b, p.Amount, cur) })
	w.out.Raw("</InstdAmt></Amt>")
	if p.ChargeBearer != "" {
		w.out.Elem("ChrgBr", p.ChargeBearer)
	}
	if p.CreditorBIC != "" {
		w.out.Raw("<CdtrAgt><FinInstnId>")
		w.out.Elem(w.bicElement(), p.CreditorBIC)
		w.out.Raw("</FinInstnId></CdtrAgt>")
	}
	w.out.Raw("<Cdtr>")
	w.out.Elem("Nm", p.CreditorName)
	w.address(p.CreditorAddress)
	w.out.Raw("</Cdtr><CdtrAcct><Id>")
	if p.CreditorIsIBAN {
		w.out.Elem("IBAN", p.CreditorIBAN)
	} else {
		w.out.Raw("<Othr>")
		w.out.Elem("Id", p.CreditorIBAN)
		w.out.Raw("</Othr>")
	}
	w.out.Raw("</Id></CdtrAcct>")
	if p.UltimateCreditor != "" {
		w.out.Raw("<UltmtCdtr>")
		w.out.Elem("Nm", p.UltimateCreditor)
		w.out.Raw("</UltmtCdtr>")
	}
	if p.Purpose != "" {
		w.out.Raw("<Purp>")
		w.out.Elem("Cd", p.Purpose)
		w.out.Raw("</Purp>")
	}
	if p.Remittance != "" || p.Reference != "" {
		w.out.Raw("<RmtInf>")
		for _, line := range split(p.Remittance, 140) {
			w.out.Elem("Ustrd", line)
		}
		if p.Reference != "" {
			w.out.Raw("<Strd><CdtrRefInf>")
			if strings.HasPrefix(p.Reference, "RF") { // an ISO 11649 creditor reference
				w.out.Raw("<Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry></Tp>")
			}
			w.out.Elem("Ref", p.Reference)
			w.out.Raw("</CdtrRefInf></Strd>")
		}
		w.out.Raw("</RmtInf>")
	}
	w.out.Raw("</CdtTrfTxInf>\n")
	return w.out.Err()
}

// address writes a postal address (PstlAdr) with every element it has, in
// the schema's order. pain.001.001.03 (PostalAddress6) has no building
// name, floor, post box, room, town location or district: there they go on
// one more address line, so that nothing of the address is lost.
func (w *Writer) address(a maksa.Address) {
	if a.IsZero() {
		return
	}
	w.out.Raw("<PstlAdr>")
	var extra []string
	for _, e := range a.Elements() {
		switch {
		case *e.Value == "":
		case w.version < 9 && !postalAddress6[e.Tag]:
			extra = append(extra, *e.Value)
		default:
			w.out.Elem(e.Tag, *e.Value)
		}
	}
	for _, line := range a.Lines {
		w.out.Elem("AdrLine", line)
	}
	if len(extra) > 0 {
		w.out.Elem("AdrLine", strings.Join(extra, ", "))
	}
	w.out.Raw("</PstlAdr>")
}

// postalAddress6 are the structured elements of pain.001.001.03's address.
var postalAddress6 = map[string]bool{"Dept": true, "SubDept": true, "StrtNm": true, "BldgNb": true, "PstCd": true, "TwnNm": true, "CtrySubDvsn": true, "Ctry": true}

func (w *Writer) bicElement() string {
	if w.version >= 8 {
		return "BICFI"
	}
	return "BIC"
}

func (w *Writer) startInfo(p *maksa.Payment) {
	w.out.Raw("<PmtInf>")
	w.out.Elem("PmtInfId", nonEmpty(p.PaymentInfoID))
	method := p.PaymentMethod
	if method == "" {
		method = "TRF"
	}
	w.out.Elem("PmtMtd", method)
	if w.version >= 9 {
		w.out.Raw("<ReqdExctnDt>")
		w.out.Date("Dt", p.ExecutionDate)
		w.out.Raw("</ReqdExctnDt>")
	} else {
		w.out.Date("ReqdExctnDt", p.ExecutionDate)
	}
	w.out.Raw("<Dbtr>")
	if p.DebtorName != "" {
		w.out.Elem("Nm", p.DebtorName)
	}
	w.address(w.DebtorAddresses[p.DebtorIBAN])
	w.out.Raw("</Dbtr><DbtrAcct><Id>")
	w.out.Elem("IBAN", p.DebtorIBAN)
	w.out.Raw("</Id></DbtrAcct><DbtrAgt><FinInstnId>")
	if p.DebtorBIC != "" {
		w.out.Elem(w.bicElement(), p.DebtorBIC)
	} else {
		w.out.Raw("<Othr><Id>NOTPROVIDED</Id></Othr>")
	}
	w.out.Raw("</FinInstnId></DbtrAgt>")
	if p.UltimateDebtor != "" {
		w.out.Raw("<UltmtDbtr>")
		w.out.Elem("Nm", p.UltimateDebtor)
		w.out.Raw("</UltmtDbtr>")
	}
	w.out.Raw("\n")
}

func (w *Writer) endInfo() {
	if w.inInfo {
		w.out.Raw("</PmtInf>\n")
	}
}

// Close ends the document and flushes it.
func (w *Writer) Close() error {
	w.endInfo()
	w.inInfo = false
	w.out.Raw("</CstmrCdtTrfInitn>\n</Document>\n")
	return w.out.Flush()
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
