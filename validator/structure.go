// Package validator holds the rules a payment file must pass: structural
// rules over the file alone (amounts, currencies, IBANs, BICs, dates,
// character set, declared totals) and business rules against the
// directory (accounts, grants, limits, execution dates).
//
// Each rule is a small function; a failed rule records a *maksa.Problem
// with its ISO 20022 reason code, a message and the position of the value
// at fault. Rules never stop at the first problem: every problem of a
// payment is reported.
package validator

import (
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/shopspring/decimal"

	"maksa"
)

// Level says which totals a Totals check is about.
type Level int

// Levels of declared totals.
const (
	GroupLevel       Level = iota // GrpHdr of a pain.001
	PaymentInfoLevel              // a PmtInf block
	TotalRowLevel                 // the control total row of a CSV or XLSX file: a control sum, no count
)

// Totals is what a file or one of its payment information blocks declared
// (NbOfTxs, CtrlSum as written) and what it held.
type Totals struct {
	Level    Level
	NbOfTxs  string
	CtrlSum  string // empty when absent
	Count    int
	Sum      decimal.Decimal
	Position maksa.Position
	ID       string // the PmtInfId, for messages
}

// CheckTotals compares declared and actual totals: AM18 for a malformed or
// missing NbOfTxs, AM19/AM20 when it differs from the count (group /
// payment information), AM10 for a malformed CtrlSum, AM16/AM17 when it
// differs from the sum.
func CheckTotals(t Totals) []*maksa.Problem {
	var out []*maksa.Problem
	where := "the group header"
	countCode, sumCode := maksa.AM19, maksa.AM16
	switch t.Level {
	case PaymentInfoLevel:
		where = "payment information block " + strconv.Quote(t.ID)
		countCode, sumCode = maksa.AM20, maksa.AM17
	case TotalRowLevel:
		where = "the control total row"
	}
	pos := t.Position
	if pos.XPath != "" {
		pos.XPath += "/NbOfTxs"
	}
	switch n, err := strconv.Atoi(t.NbOfTxs); {
	case t.NbOfTxs == "" && t.Level == GroupLevel:
		out = append(out, maksa.Problemf(maksa.AM18, pos, "%s has no number of transactions (NbOfTxs)", where))
	case t.NbOfTxs == "":
	case err != nil || n < 0:
		out = append(out, maksa.Problemf(maksa.AM18, pos, "%s: number of transactions %q is not a number", where, t.NbOfTxs))
	case n != t.Count:
		out = append(out, maksa.Problemf(countCode, pos, "%s declares %d transactions (NbOfTxs) but holds %d", where, n, t.Count))
	}
	if t.CtrlSum == "" {
		return out
	}
	if pos.XPath != "" {
		pos.XPath = t.Position.XPath + "/CtrlSum"
	}
	sum, err := maksa.ParseDecimal(t.CtrlSum)
	switch {
	case err != nil:
		out = append(out, maksa.Problemf(maksa.AM10, pos, "%s: control sum %q is not a decimal number", where, t.CtrlSum))
	case !sum.Equal(t.Sum):
		out = append(out, maksa.Problemf(sumCode, pos, "%s declares control sum %s (CtrlSum) but its amounts add up to %s", where, t.CtrlSum, t.Sum.String()))
	}
	return out
}

// CheckPayment applies the structural rules to p and rejects it with every
// problem found: a missing end-to-end id (FF02), the amount (AM12, AM01),
// the currency (AM03), the debtor account (AC02), the creditor account
// (AC03) and name (RR03), the BICs (RC01), the execution date (DT01), and
// every text field's characters (RR10) and length (RR07, CH16), an RF
// creditor reference's check digits (RR07) and the creditor's country code
// (BE09).
func CheckPayment(p *maksa.Payment) {
	if p.EndToEndID == "" {
		p.Reject(maksa.Problemf(maksa.FF02, p.PositionOf(maksa.FieldEndToEndID), "the end-to-end id (EndToEndId) is missing"))
	}
	checkAmount(p)
	if err := checkDebtorIBAN(p.DebtorIBAN); err != nil {
		p.Reject(maksa.Problemf(maksa.AC02, p.PositionOf(maksa.FieldDebtorAccount), "debtor account %q is not a valid IBAN: %v", p.DebtorIBAN, err))
	}
	if p.Kind == maksa.KindCash {
		checkCashOrder(p)
	} else {
		checkCreditorAccount(p)
	}
	if p.CreditorName == "" {
		p.Reject(maksa.Problemf(maksa.RR03, p.PositionOf(maksa.FieldCreditorName), "the creditor's name is missing"))
	}
	for _, b := range []struct {
		field maksa.Field
		who   string
		bic   string
	}{{maksa.FieldDebtorBIC, "debtor", p.DebtorBIC}, {maksa.FieldCreditorBIC, "creditor", p.CreditorBIC}} {
		if b.bic != "" {
			if err := maksa.CheckBIC(b.bic); err != nil {
				p.Reject(maksa.Problemf(maksa.RC01, p.PositionOf(b.field), "%s's bank BIC %q is malformed: %v", b.who, b.bic, err))
			}
		}
	}
	if p.ExecutionDate.IsZero() {
		if p.DateText == "" {
			p.Reject(maksa.Problemf(maksa.DT01, p.PositionOf(maksa.FieldExecutionDate), "the requested execution date is missing"))
		} else {
			p.Reject(maksa.Problemf(maksa.DT01, p.PositionOf(maksa.FieldExecutionDate), "requested execution date %q is not a date (YYYY-MM-DD)", p.DateText))
		}
	}
	checkText(p)
	if strings.HasPrefix(p.Reference, "RF") {
		if err := maksa.CheckCreditorReference(p.Reference); err != nil {
			p.Reject(maksa.Problemf(maksa.RR07, textPosition(p, &ruleReference), "creditor reference %q: %v", p.Reference, err))
		}
	}
	if c := p.CreditorAddress.Country; c != "" && !maksa.ValidCountry(c) {
		p.Reject(maksa.Problemf(maksa.BE09, p.PositionOf(maksa.FieldCreditorAddress), "the creditor's country %q is not an ISO 3166 country code (two capital letters, e.g. DE)", c))
	}
}

// validDebtor is the debtor account found valid last. A file's payments
// share a few debtor accounts, and computing the same account's check
// digits for each of a million payments was a twentieth of checking them.
var validDebtor atomic.Pointer[string]

// checkDebtorIBAN is maksa.CheckIBAN, remembering the last valid account.
func checkDebtorIBAN(iban string) error {
	if last := validDebtor.Load(); last != nil && *last == iban {
		return nil
	}
	if err := maksa.CheckIBAN(iban); err != nil {
		return err
	}
	valid := iban // escapes: a copy, so that only a new account allocates
	validDebtor.Store(&valid)
	return nil
}

func checkAmount(p *maksa.Payment) {
	if p.AmountText == "" {
		p.Reject(maksa.Problemf(maksa.AM12, p.PositionOf(maksa.FieldAmount), "the amount is missing"))
		return
	}
	a, err := maksa.ParsePlainAmount(p.AmountText)
	if err != nil {
		p.Reject(maksa.Problemf(maksa.AM12, p.PositionOf(maksa.FieldAmount), "amount %q is not a number: write digits with a point before the decimals, e.g. 1500.00", p.AmountText))
		return
	}
	cur, ok := maksa.LookupCurrency(p.Currency)
	if !ok {
		p.Reject(maksa.Problemf(maksa.AM03, p.PositionOf(maksa.FieldCurrency), "currency %q is not an ISO 4217 code", p.Currency))
		return
	}
	if code, err := a.Check(cur); err != nil {
		p.Reject(maksa.Problemf(code, p.PositionOf(maksa.FieldAmount), "amount %s: %v", p.AmountText, err))
	}
}

func checkCreditorAccount(p *maksa.Payment) {
	switch {
	case p.CreditorIBAN == "":
		p.Reject(maksa.Problemf(maksa.AC03, p.PositionOf(maksa.FieldCreditorAccount), "the creditor account is missing"))
	case p.CreditorIsIBAN:
		if err := maksa.CheckIBAN(p.CreditorIBAN); err != nil {
			p.Reject(maksa.Problemf(maksa.AC03, p.PositionOf(maksa.FieldCreditorAccount), "creditor account %q is not a valid IBAN: %v", p.CreditorIBAN, err))
		}
	case p.CreditorBIC == "":
		p.Reject(maksa.Problemf(maksa.RC01, p.PositionOf(maksa.FieldCreditorBIC), "creditor account %q is not an IBAN: a cross-border payment to such an account names the creditor's bank (BIC)", p.CreditorIBAN))
	}
}

// personalCode is a Latvian personal code: 6 digits, an optional hyphen, 5 digits.
var personalCode = regexp.MustCompile(`^\d{6}-?\d{5}$`)

// documentNumber is an identity document number: two letters and digits.
var documentNumber = regexp.MustCompile(`^[A-Z]{2}\d{6,8}$`)

// checkCashOrder: a cash-withdrawal order names its recipient by personal
// code or identity document number (RR03), and pays no account.
func checkCashOrder(p *maksa.Payment) {
	switch {
	case p.CreditorID == "":
		p.Reject(maksa.Problemf(maksa.RR03, p.PositionOf(maksa.FieldCreditorName), "a cash-withdrawal order needs the recipient's personal code or identity document number"))
	case !personalCode.MatchString(p.CreditorID) && !documentNumber.MatchString(p.CreditorID):
		p.Reject(maksa.Problemf(maksa.RR03, p.PositionOf(maksa.FieldCreditorName), "%q is neither a personal code (123456-12345) nor an identity document number (PA1234567)", p.CreditorID))
	}
}
