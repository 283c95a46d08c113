// Package camt053 writes ISO 20022 camt.053 bank-to-customer statements:
// camt.053.001.02 (the default) and camt.053.001.08 — and, with the same
// entries, camt.052 account reports (intraday, NewReportWriter: the
// opening booked and the interim booked balance) and camt.054 debit and
// credit notifications (NewNotificationWriter: entries without balances),
// in the same two versions.
//
// A statement is written in one pass: the header with the opening and
// closing booked balances and the transaction summary first, then one entry
// at a time, so that a statement of a million entries needs no memory for
// them:
//
//	w := camt053.NewWriter(f, 2)
//	w.WriteHeader(&camt053.Statement{…})
//	w.WriteEntry(&camt053.Entry{…})
//	w.Close()
//
// A caller that learns the totals from the entries writes them first, in
// parts if it likes, each with an entry writer to a file of its own, and
// copies them in after the header:
//
//	part := camt053.NewEntryWriter(tmp, 2, "EUR")
//	part.WriteEntry(&camt053.Entry{…})
//	part.Close()
//	…
//	w.WriteHeader(&camt053.Statement{…})
//	w.CopyEntries(tmp) // from its start
//	w.Close()
package camt053

import (
	"errors"
	"fmt"
	"io"
	"time"
	"unicode/utf8"

	"github.com/shopspring/decimal"

	"maksa"
	"maksa/formats/internal/xmlout"
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
	// Sequence, when set, is the statement's number among the account's
	// statements (ElctrncSeqNb and LglSeqNb), growing without gaps.
	Sequence int
	Opening  decimal.Decimal // booked balance at the start of From
	Closing  decimal.Decimal // booked balance at the end of To
	Credits  Totals
	Debits   Totals
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
	Details        string // AddtlTxInf: the payment's kind and verification of payee (at most 500 characters)
}

// ErrVersion is returned for a version other than 2 or 8.
var ErrVersion = errors.New("camt.053 version must be 2 or 8")

// Writer writes one camt.053 document with one statement.
type Writer struct {
	out         *xmlout.Writer
	version     int
	currency    string
	entriesOnly bool
	msg         message
}

// message is what kind of camt.05x message a writer writes.
type message struct {
	number      string // 052, 053, 054
	root, group string
	balances    []string // the balance types of its header
}

var (
	statement    = message{"053", "BkToCstmrStmt", "Stmt", []string{"OPBD", "CLBD"}}
	report       = message{"052", "BkToCstmrAcctRpt", "Rpt", []string{"OPBD", "ITBD"}}
	notification = message{"054", "BkToCstmrDbtCdtNtfctn", "Ntfctn", nil}
)

// NewWriter returns a writer of camt.053.001.<version>; version is 2 or 8.
func NewWriter(w io.Writer, version int) *Writer {
	return &Writer{out: xmlout.New(w), version: version, msg: statement}
}

// NewReportWriter returns a writer of a camt.052.001.<version> intraday
// account report: its Closing is the interim booked balance (ITBD) at the
// report's creation.
func NewReportWriter(w io.Writer, version int) *Writer {
	return &Writer{out: xmlout.New(w), version: version, msg: report}
}

// NewNotificationWriter returns a writer of a camt.054.001.<version> debit
// and credit notification: the entries and their summary, no balances.
func NewNotificationWriter(w io.Writer, version int) *Writer {
	return &Writer{out: xmlout.New(w), version: version, msg: notification}
}

// NewEntryWriter returns a writer of entries alone, of a statement in the
// given version and currency, for a statement's Writer to copy in.
func NewEntryWriter(w io.Writer, version int, currency string) *Writer {
	return &Writer{out: xmlout.New(w), version: version, currency: currency, entriesOnly: true}
}

// CopyEntries copies in, after the header and the entries before, the
// entries an entry writer of the same version and currency wrote.
func (w *Writer) CopyEntries(r io.Reader) error { return w.out.Copy(r) }

// WriteHeader writes the document start up to the first entry.
func (w *Writer) WriteHeader(s *Statement) error {
	if w.version != 2 && w.version != 8 {
		return ErrVersion
	}
	w.currency = s.Currency
	w.out.Raw(fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8"?>`+"\n"+`<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.%s.001.%02d">`+"\n<%s>\n<GrpHdr>",
		w.msg.number, w.version, w.msg.root))
	w.out.Elem("MsgId", s.MessageID)
	w.out.Elem("CreDtTm", dateTime(s.Created))
	w.out.Raw("</GrpHdr>\n<" + w.msg.group + ">")
	w.out.Elem("Id", s.StatementID)
	if s.Sequence > 0 {
		w.out.Int("ElctrncSeqNb", int64(s.Sequence))
		w.out.Int("LglSeqNb", int64(s.Sequence))
	}
	w.out.Elem("CreDtTm", dateTime(s.Created))
	w.out.Raw("<FrToDt>")
	loc := s.Created.Location()
	w.out.Elem("FrDtTm", dateTime(time.Date(s.From.Year(), s.From.Month(), s.From.Day(), 0, 0, 0, 0, loc)))
	w.out.Elem("ToDtTm", dateTime(time.Date(s.To.Year(), s.To.Month(), s.To.Day(), 23, 59, 59, 0, loc)))
	w.out.Raw("</FrToDt><Acct><Id>")
	w.out.Elem("IBAN", s.IBAN)
	w.out.Raw("</Id>")
	w.out.Elem("Ccy", s.Currency)
	if s.OwnerName != "" {
		w.out.Raw("<Ownr>")
		w.out.Elem("Nm", s.OwnerName)
		w.out.Raw("</Ownr>")
	}
	w.out.Raw("</Acct>\n")
	for _, code := range w.msg.balances {
		switch code {
		case "OPBD":
			w.balance(code, s.Opening, s.From)
		case "CLBD":
			w.balance(code, s.Closing, s.To)
		case "ITBD":
			w.balance(code, s.Closing, s.Created)
		}
	}
	net := s.Credits.Sum.Sub(s.Debits.Sum)
	w.out.Raw("<TxsSummry><TtlNtries>")
	w.out.Int("NbOfNtries", int64(s.Credits.Count+s.Debits.Count))
	w.out.Elem("Sum", s.Credits.Sum.Add(s.Debits.Sum).String())
	if w.version == 2 {
		w.out.Elem("TtlNetNtryAmt", net.Abs().String())
		w.out.Elem("CdtDbtInd", direction(!net.IsNegative()))
	} else {
		w.out.Raw("<TtlNetNtry>")
		w.out.Elem("Amt", net.Abs().String())
		w.out.Elem("CdtDbtInd", direction(!net.IsNegative()))
		w.out.Raw("</TtlNetNtry>")
	}
	w.out.Raw("</TtlNtries><TtlCdtNtries>")
	w.out.Int("NbOfNtries", int64(s.Credits.Count))
	w.out.Elem("Sum", s.Credits.Sum.String())
	w.out.Raw("</TtlCdtNtries><TtlDbtNtries>")
	w.out.Int("NbOfNtries", int64(s.Debits.Count))
	w.out.Elem("Sum", s.Debits.Sum.String())
	w.out.Raw("</TtlDbtNtries></TxsSummry>\n")
	return w.out.Err()
}

func (w *Writer) balance(code string, amount decimal.Decimal, day time.Time) {
	w.out.Raw("<Bal><Tp><CdOrPrtry>")
	w.out.Elem("Cd", code)
	w.out.Raw("</CdOrPrtry></Tp>")
	w.amount(amount.Abs())
	w.out.Elem("CdtDbtInd", direction(!amount.IsNegative()))
	w.out.Raw("<Dt>")
	w.out.Date("Dt", day)
	w.out.Raw("</Dt></Bal>\n")
}

func direction(credit bool) string {
	if credit {
		return "CRDT"
	}
	return "DBIT"
}

func (w *Writer) amount(d decimal.Decimal) {
	w.out.Raw(`<Amt Ccy="`)
	w.out.Raw(w.currency)
	w.out.Raw(`">`)
	if cur, ok := maksa.LookupCurrency(w.currency); ok {
		w.out.Append(func(b []byte) []byte { return maksa.AppendAmount(b, d, cur) })
	} else {
		w.out.Raw(d.String())
	}
	w.out.Raw(`</Amt>`)
}

// WriteEntry writes one entry.
func (w *Writer) WriteEntry(e *Entry) error {
	if w.version != 2 && w.version != 8 {
		return ErrVersion
	}
	w.out.Raw("<Ntry>")
	w.amount(e.Amount)
	w.out.Elem("CdtDbtInd", direction(e.Credit))
	if w.version == 2 {
		w.out.Elem("Sts", "BOOK")
	} else {
		w.out.Raw("<Sts>")
		w.out.Elem("Cd", "BOOK")
		w.out.Raw("</Sts>")
	}
	w.out.Raw("<BookgDt>")
	w.out.Date("Dt", e.BookingDate)
	w.out.Raw("</BookgDt><ValDt>")
	w.out.Date("Dt", e.ValueDate)
	w.out.Raw("</ValDt>")
	w.out.Elem("AcctSvcrRef", e.ServicerRef)
	w.out.Raw("<BkTxCd><Domn>")
	w.out.Elem("Cd", e.Domain)
	w.out.Raw("<Fmly>")
	w.out.Elem("Cd", e.Family)
	w.out.Elem("SubFmlyCd", e.SubFamily)
	w.out.Raw("</Fmly></Domn></BkTxCd><NtryDtls><TxDtls><Refs>")
	optional := func(name, v string) {
		if v != "" {
			w.out.Elem(name, v)
		}
	}
	optional("MsgId", e.MessageID)
	w.out.Elem("AcctSvcrRef", e.ServicerRef)
	optional("PmtInfId", e.PaymentInfoID)
	optional("InstrId", e.InstructionID)
	optional("EndToEndId", e.EndToEndID)
	w.out.Raw("</Refs><RltdPties>")
	w.party("Dbtr", e.DebtorName)
	w.account("DbtrAcct", e.DebtorAccount)
	w.party("UltmtDbtr", e.UltimateDebtor)
	w.party("Cdtr", e.CreditorName)
	w.account("CdtrAcct", e.CreditorAcct)
	w.out.Raw("</RltdPties>")
	if e.Remittance != "" {
		w.out.Raw("<RmtInf>")
		w.out.Elem("Ustrd", truncate(e.Remittance, 140))
		w.out.Raw("</RmtInf>")
	}
	if e.Details != "" {
		w.out.Elem("AddtlTxInf", truncate(e.Details, 500))
	}
	w.out.Raw("</TxDtls></NtryDtls></Ntry>\n")
	return w.out.Err()
}

func (w *Writer) party(tag, name string) {
	if name == "" {
		return
	}
	w.out.Raw("<")
	w.out.Raw(tag)
	w.out.Raw(">")
	if w.version == 8 {
		w.out.Raw("<Pty>")
	}
	w.out.Elem("Nm", truncate(name, 70))
	if w.version == 8 {
		w.out.Raw("</Pty>")
	}
	w.out.Raw("</")
	w.out.Raw(tag)
	w.out.Raw(">")
}

func (w *Writer) account(tag, id string) {
	if id == "" {
		return
	}
	w.out.Raw("<")
	w.out.Raw(tag)
	w.out.Raw("><Id>")
	if maksa.CheckIBAN(id) == nil {
		w.out.Elem("IBAN", id)
	} else {
		w.out.Raw("<Othr>")
		w.out.Elem("Id", truncate(id, 34))
		w.out.Raw("</Othr>")
	}
	w.out.Raw("</Id></")
	w.out.Raw(tag)
	w.out.Raw(">")
}

// Close ends the document and flushes it; an entry writer only flushes.
func (w *Writer) Close() error {
	if w.entriesOnly {
		return w.out.Flush()
	}
	w.out.Raw("</" + w.msg.group + ">\n</" + w.msg.root + ">\n</Document>\n")
	return w.out.Flush()
}

// dateTime writes an ISODateTime with its UTC offset, so that a reader in
// another time zone reads the same moment.
func dateTime(t time.Time) string { return t.Format(time.RFC3339) }

// truncate cuts s to n characters.
func truncate(s string, n int) string {
	if len(s) <= n || utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n])
}
