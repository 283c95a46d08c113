// Package fidavista writes account statements in FiDAViSTA 1.01, the
// Latvian banks' association XML standard that many Latvian accounting
// programs import (namespace http://www.bankasoc.lv/fidavista/fidavista0101.xsd,
// root FIDAVISTA). No XSD of it is public; the structure follows the
// standard's statement group as the public samples show it:
//
//	FIDAVISTA
//	  Header: Timestamp (yyyyMMddHHmmssSSS), From
//	  Statement
//	    Period: StartDate, EndDate, PrepDate
//	    BankSet: Name, LegalId, Address
//	    ClientSet: Name, LegalId
//	    AccountSet: AccNo, CcyStmt
//	      CcyStmt: Ccy, OpenBal, CloseBal, TrxSet*
//	        TrxSet: TypeCode, TypeName, BookDate, ValueDate, BankRef, ExtId,
//	                DocNo, CorD (C/D), AccAmt, PmtInfo,
//	                CPartySet: AccNo, AccHolder (Name, LegalId), BankCode, Ccy, Amt
//
// The writer streams: transactions are written as they are given.
package fidavista

import (
	"io"
	"time"

	"github.com/shopspring/decimal"

	"maksa/formats/internal/xmlout"
)

// Namespace is FiDAViSTA 1.01's.
const Namespace = "http://www.bankasoc.lv/fidavista/fidavista0101.xsd"

// Party is a bank or a client as a statement names it.
type Party struct {
	Name    string
	LegalID string // registration number
	Address string
}

// Statement is what precedes a statement's transactions.
type Statement struct {
	Created          time.Time
	From             string // who made the file
	Start, End       time.Time
	Bank, Client     Party
	Account          string // IBAN
	Currency         string
	Opening, Closing decimal.Decimal
}

// Transaction is one TrxSet.
type Transaction struct {
	TypeCode  string // INP (received) or OUTP (sent)
	TypeName  string // the SWIFT MT940 transaction type: NTRF, NCHK …
	BookDate  time.Time
	ValueDate time.Time
	BankRef   string // the treasury's reference
	ExtID     string // the payer's end-to-end id
	DocNo     string // the payment's instruction id
	Credit    bool
	Amount    decimal.Decimal
	PmtInfo   string // the remittance
	// The counterparty.
	PartyAccount string
	PartyName    string
	PartyLegalID string
	PartyBank    string // its BIC
}

// Writer writes one FiDAViSTA statement.
type Writer struct {
	out      *xmlout.Writer
	currency string
}

// NewWriter returns a writer to w.
func NewWriter(w io.Writer) *Writer { return &Writer{out: xmlout.New(w)} }

// WriteHeader writes the document's start, the header and the statement up
// to its first transaction.
func (w *Writer) WriteHeader(s *Statement) error {
	o := w.out
	o.Raw(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	o.Raw(`<FIDAVISTA xmlns="` + Namespace + `">` + "\n<Header>")
	o.Elem("Timestamp", s.Created.Format("20060102150405")+s.Created.Format(".000")[1:]) // yyyyMMddHHmmssSSS
	o.Elem("From", s.From)
	o.Raw("</Header>\n<Statement>\n<Period>")
	o.Date("StartDate", s.Start)
	o.Date("EndDate", s.End)
	o.Date("PrepDate", s.Created)
	o.Raw("</Period>\n<BankSet>")
	party(o, s.Bank)
	o.Raw("</BankSet>\n<ClientSet>")
	party(o, Party{Name: s.Client.Name, LegalID: s.Client.LegalID}) // the samples' ClientSet has no address
	o.Raw("</ClientSet>\n<AccountSet>")
	w.currency = s.Currency
	o.Elem("AccNo", s.Account)
	o.Raw("\n<CcyStmt>")
	o.Elem("Ccy", s.Currency)
	o.Elem("OpenBal", s.Opening.StringFixed(2))
	o.Elem("CloseBal", s.Closing.StringFixed(2))
	o.Raw("\n")
	return o.Err()
}

func party(o *xmlout.Writer, p Party) {
	o.Elem("Name", p.Name)
	if p.LegalID != "" {
		o.Elem("LegalId", p.LegalID)
	}
	if p.Address != "" {
		o.Elem("Address", p.Address)
	}
}

// WriteTransaction writes one TrxSet.
func (w *Writer) WriteTransaction(t *Transaction) error {
	o := w.out
	o.Raw("<TrxSet>")
	o.Elem("TypeCode", t.TypeCode)
	o.Elem("TypeName", t.TypeName)
	o.Date("BookDate", t.BookDate)
	o.Date("ValueDate", t.ValueDate)
	o.Elem("BankRef", t.BankRef)
	if t.ExtID != "" {
		o.Elem("ExtId", t.ExtID)
	}
	if t.DocNo != "" {
		o.Elem("DocNo", t.DocNo)
	}
	cord := "D"
	if t.Credit {
		cord = "C"
	}
	o.Elem("CorD", cord)
	o.Elem("AccAmt", t.Amount.StringFixed(2))
	if t.PmtInfo != "" {
		o.Elem("PmtInfo", t.PmtInfo)
	}
	o.Raw("<CPartySet>")
	if t.PartyAccount != "" {
		o.Elem("AccNo", t.PartyAccount)
	}
	o.Raw("<AccHolder>")
	o.Elem("Name", t.PartyName)
	if t.PartyLegalID != "" {
		o.Elem("LegalId", t.PartyLegalID)
	}
	o.Raw("</AccHolder>")
	if t.PartyBank != "" {
		o.Elem("BankCode", t.PartyBank)
	}
	o.Elem("Ccy", w.currency) // the counterparty's amount: a treasury moves money in one currency
	o.Elem("Amt", t.Amount.StringFixed(2))
	o.Raw("</CPartySet></TrxSet>\n")
	return o.Err()
}

// Close ends the document and flushes it.
func (w *Writer) Close() error {
	w.out.Raw("</CcyStmt>\n</AccountSet>\n</Statement>\n</FIDAVISTA>\n")
	return w.out.Flush()
}
