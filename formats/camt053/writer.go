// Package camt053 writes ISO 20022 camt.053 bank-to-customer statements:
// camt.053.001.02 (the default) and camt.053.001.08.
//
// A statement is written in one pass: the header with the opening and
// closing booked balances and the transaction summary first, then one entry
// at a time, so that a statement of a million entries needs no memory for
// them. The caller knows the totals before the entries (one aggregate query).
//
//	w := camt053.NewWriter(f, 2)
//	w.WriteHeader(&camt053.Statement{…})
//	w.WriteEntry(&camt053.Entry{…})
//	w.Close()
package camt053

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

// Statement is the part of a statement that precedes its entries.
type Statement struct {
	MessageID   string
	StatementID string
	Created     time.Time
	From, To    time.Time // the period, dates
	IBAN        string
	Currency    string
	OwnerName   string
	Opening     decimal.Decimal // booked balance at the start of From
	Closing     decimal.Decimal // booked balance at the end of To
	Credits     Totals
	Debits      Totals
}

// Totals counts and sums entries of one direction.
type Totals struct {
	Count int
	Sum   decimal.Decimal
}

// Entry is one booked entry.
type Entry struct {
	Amount         decimal.Decimal // positive
	Credit         bool
	BookingDate    time.Time
	ValueDate      time.Time
	ServicerRef    string
	Domain         string // bank transaction code: PMNT
	Family         string // ICDT (issued), RCDT (received), CNTR…
	SubFamily      string // ESCT, BOOK, XBCT, CWDL…
	MessageID      string
	PaymentInfoID  string
	InstructionID  string
	EndToEndID     string
	DebtorName     string
	DebtorAccount  string
	UltimateDebtor string // the third party the debtor paid on behalf of
	CreditorName   string
	CreditorAcct   string
	Remittance     string
}

// ErrVersion is returned for a version other than 2 or 8.
var ErrVersion = errors.New("camt.053 version must be 2 or 8")

// Writer writes one camt.053 document with one statement.
type Writer struct {
	w        *bufio.Writer
	version  int
	currency string
	err      error
}

// NewWriter returns a writer of camt.053.001.<version>; version is 2 or 8.
func NewWriter(w io.Writer, version int) *Writer {
	return &Writer{w: bufio.NewWriterSize(w, 64<<10), version: version}
}

// WriteHeader writes the document start up to the first entry.
func (w *Writer) WriteHeader(s *Statement) error {
	if w.version != 2 && w.version != 8 {
		return ErrVersion
	}
	w.currency = s.Currency
	w.raw(fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8"?>`+"\n"+`<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.%02d">`+"\n<BkToCstmrStmt>\n<GrpHdr>", w.version))
	w.elem("MsgId", s.MessageID)
	w.elem("CreDtTm", dateTime(s.Created))
	w.raw("</GrpHdr>\n<Stmt>")
	w.elem("Id", s.StatementID)
	w.elem("CreDtTm", dateTime(s.Created))
	w.raw("<FrToDt>")
	w.elem("FrDtTm", s.From.Format("2006-01-02")+"T00:00:00")
	w.elem("ToDtTm", s.To.Format("2006-01-02")+"T23:59:59")
	w.raw("</FrToDt><Acct><Id>")
	w.elem("IBAN", s.IBAN)
	w.raw("</Id>")
	w.elem("Ccy", s.Currency)
	if s.OwnerName != "" {
		w.raw("<Ownr>")
		w.elem("Nm", s.OwnerName)
		w.raw("</Ownr>")
	}
	w.raw("</Acct>\n")
	w.balance("OPBD", s.Opening, s.From)
	w.balance("CLBD", s.Closing, s.To)
	net := s.Credits.Sum.Sub(s.Debits.Sum)
	w.raw("<TxsSummry><TtlNtries>")
	w.elem("NbOfNtries", fmt.Sprint(s.Credits.Count+s.Debits.Count))
	w.elem("Sum", s.Credits.Sum.Add(s.Debits.Sum).String())
	if w.version == 2 {
		w.elem("TtlNetNtryAmt", net.Abs().String())
		w.elem("CdtDbtInd", direction(!net.IsNegative()))
	} else {
		w.raw("<TtlNetNtry>")
		w.elem("Amt", net.Abs().String())
		w.elem("CdtDbtInd", direction(!net.IsNegative()))
		w.raw("</TtlNetNtry>")
	}
	w.raw("</TtlNtries><TtlCdtNtries>")
	w.elem("NbOfNtries", fmt.Sprint(s.Credits.Count))
	w.elem("Sum", s.Credits.Sum.String())
	w.raw("</TtlCdtNtries><TtlDbtNtries>")
	w.elem("NbOfNtries", fmt.Sprint(s.Debits.Count))
	w.elem("Sum", s.Debits.Sum.String())
	w.raw("</TtlDbtNtries></TxsSummry>\n")
	return w.err
}

func (w *Writer) balance(code string, amount decimal.Decimal, day time.Time) {
	w.raw("<Bal><Tp><CdOrPrtry>")
	w.elem("Cd", code)
	w.raw("</CdOrPrtry></Tp>")
	w.amount(amount.Abs())
	w.elem("CdtDbtInd", direction(!amount.IsNegative()))
	w.raw("<Dt>")
	w.elem("Dt", day.Format(maksa.DateLayout))
	w.raw("</Dt></Bal>\n")
}

func direction(credit bool) string {
	if credit {
		return "CRDT"
	}
	return "DBIT"
}

func (w *Writer) amount(d decimal.Decimal) {
	cur, ok := maksa.LookupCurrency(w.currency)
	s := d.String()
	if ok {
		s = maksa.FormatAmount(d, cur)
	}
	w.raw(`<Amt Ccy="`)
	w.raw(w.currency)
	w.raw(`">`)
	w.raw(s)
	w.raw(`</Amt>`)
}

// WriteEntry writes one entry.
func (w *Writer) WriteEntry(e *Entry) error {
	w.raw("<Ntry>")
	w.amount(e.Amount)
	w.elem("CdtDbtInd", direction(e.Credit))
	if w.version == 2 {
		w.elem("Sts", "BOOK")
	} else {
		w.raw("<Sts>")
		w.elem("Cd", "BOOK")
		w.raw("</Sts>")
	}
	w.raw("<BookgDt>")
	w.elem("Dt", e.BookingDate.Format(maksa.DateLayout))
	w.raw("</BookgDt><ValDt>")
	w.elem("Dt", e.ValueDate.Format(maksa.DateLayout))
	w.raw("</ValDt>")
	w.elem("AcctSvcrRef", e.ServicerRef)
	w.raw("<BkTxCd><Domn>")
	w.elem("Cd", e.Domain)
	w.raw("<Fmly>")
	w.elem("Cd", e.Family)
	w.elem("SubFmlyCd", e.SubFamily)
	w.raw("</Fmly></Domn></BkTxCd><NtryDtls><TxDtls><Refs>")
	optional := func(name, v string) {
		if v != "" {
			w.elem(name, v)
		}
	}
	optional("MsgId", e.MessageID)
	w.elem("AcctSvcrRef", e.ServicerRef)
	optional("PmtInfId", e.PaymentInfoID)
	optional("InstrId", e.InstructionID)
	optional("EndToEndId", e.EndToEndID)
	w.raw("</Refs><RltdPties>")
	w.party("Dbtr", e.DebtorName)
	w.account("DbtrAcct", e.DebtorAccount)
	w.party("UltmtDbtr", e.UltimateDebtor)
	w.party("Cdtr", e.CreditorName)
	w.account("CdtrAcct", e.CreditorAcct)
	w.raw("</RltdPties>")
	if e.Remittance != "" {
		w.raw("<RmtInf>")
		w.elem("Ustrd", truncate(e.Remittance, 140))
		w.raw("</RmtInf>")
	}
	w.raw("</TxDtls></NtryDtls></Ntry>\n")
	return w.err
}

func (w *Writer) party(tag, name string) {
	if name == "" {
		return
	}
	w.raw("<")
	w.raw(tag)
	w.raw(">")
	if w.version == 8 {
		w.raw("<Pty>")
	}
	w.elem("Nm", truncate(name, 70))
	if w.version == 8 {
		w.raw("</Pty>")
	}
	w.raw("</")
	w.raw(tag)
	w.raw(">")
}

func (w *Writer) account(tag, id string) {
	if id == "" {
		return
	}
	w.raw("<")
	w.raw(tag)
	w.raw("><Id>")
	if maksa.CheckIBAN(id) == nil {
		w.elem("IBAN", id)
	} else {
		w.raw("<Othr>")
		w.elem("Id", truncate(id, 34))
		w.raw("</Othr>")
	}
	w.raw("</Id></")
	w.raw(tag)
	w.raw(">")
}

// Close ends the document and flushes it.
func (w *Writer) Close() error {
	w.raw("</Stmt>\n</BkToCstmrStmt>\n</Document>\n")
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

// elem writes <name>value</name>, the value escaped, without building
// strings on the way: a statement has a million of them.
func (w *Writer) elem(name, value string) {
	if w.err != nil {
		return
	}
	b := w.w
	b.WriteByte('<')
	b.WriteString(name)
	b.WriteByte('>')
	if plain(value) {
		b.WriteString(value)
	} else if w.err = xml.EscapeText(b, []byte(value)); w.err != nil {
		return
	}
	b.WriteString("</")
	b.WriteString(name)
	_, w.err = b.WriteString(">")
}

// plain reports whether s is valid UTF-8 with nothing XML would escape.
func plain(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '&' || c == '<' || c == '>' || c == '"' || c == '\'' || c < 0x20:
			return false
		case c >= 0x80:
			return utf8.ValidString(s[i:])
		}
	}
	return true
}

func dateTime(t time.Time) string { return t.Format("2006-01-02T15:04:05") }

// truncate cuts s to n characters.
func truncate(s string, n int) string {
	if len(s) <= n || utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n])
}
