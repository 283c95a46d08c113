package validator

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"maksa"
)

// Kind decides a payment's kind from what the file says and where the money
// goes: a cash-withdrawal order as the file says; to a State Revenue
// Service account a budget payment; to another treasury account in the
// same currency an internal transfer; not in euro or outside SEPA a
// cross-border payment; with priority HIGH or service level URGP or INST an
// urgent one; otherwise a SEPA credit transfer. A kind the file names
// explicitly (the type column) stands, unless the payment's destination
// makes it internal or budget.
func (b *Business) Kind(p *maksa.Payment) maksa.Kind {
	if p.Kind == maksa.KindCash {
		return p.Kind
	}
	to := b.View.Accounts[p.CreditorIBAN]
	switch {
	case b.Rules.BudgetAccounts[p.CreditorIBAN]:
		return maksa.KindBudget
	case to != nil && to.Currency == p.Currency:
		return maksa.KindInternal
	case p.Kind != "":
		return p.Kind
	case p.Currency != "EUR" || !p.CreditorIsIBAN || !maksa.InSEPA(p.CreditorIBAN):
		return maksa.KindCrossBorder
	case p.Priority == "HIGH" || p.ServiceLevel == "URGP" || p.ServiceLevel == "INST":
		return maksa.KindUrgent
	}
	return maksa.KindSEPA
}

var (
	taxCode       = regexp.MustCompile(`/NMK/([0-9A-Za-z.]+)`)
	payerCode     = regexp.MustCompile(`/PK/(\d{11})`)
	budgetClasses = regexp.MustCompile(`/BKK/([0-9A-Za-z.]+)/([0-9A-Za-z.]+)`)
)

// checkKind applies the rules of the payment's kind: the account may be
// used for it (AG03); a cross-border payment names the creditor's bank
// (RC01), country and address (BE04) and who bears the charges (FF02); a
// euro payment within SEPA shares them (SLEV, FF02); a budget payment names
// a valid tax payment code and the payer's registration number (RR06); a
// transfer between two budget institutions names valid budget
// classification codes (RR05).
func (b *Business) checkKind(p *maksa.Payment, acct *maksa.Account) {
	pos := p.Position
	if !p.Kind.Valid() {
		p.Reject(maksa.Problemf(maksa.AG03, pos, "%q is not a kind of payment order (sepa, urgent, crossborder, budget, internal, cash)", p.Kind))
		return
	}
	if b.unknownTreasuryAccount(p) {
		p.Reject(maksa.Problemf(maksa.AC01, p.PositionOf(maksa.FieldCreditorAccount), "creditor account %s has the treasury's bank code (%s) but is no treasury account: it could never be credited",
			p.CreditorIBAN, p.CreditorIBAN[4:8]))
	}
	if !acct.Allows(p.Kind) {
		p.Reject(maksa.Problemf(maksa.AG03, p.PositionOf(maksa.FieldDebtorAccount), "account %s may not be used for %s payments", acct.IBAN, p.Kind))
	}
	if !p.CreditorIsIBAN && p.Kind != maksa.KindCrossBorder && p.Kind != maksa.KindCash {
		p.Reject(maksa.Problemf(maksa.AC03, p.PositionOf(maksa.FieldCreditorAccount), "creditor account %q is not an IBAN: only a cross-border payment may go to an account that is not an IBAN, and this is a %s payment", p.CreditorIBAN, p.Kind))
	}
	switch p.Kind {
	case maksa.KindCrossBorder:
		if p.CreditorBIC == "" && p.CreditorIsIBAN { // the structural rules told it of an account that is not an IBAN
			p.Reject(maksa.Problemf(maksa.RC01, p.PositionOf(maksa.FieldCreditorBIC), "a cross-border payment needs the creditor's bank (BIC)"))
		}
		switch p.ChargeBearer {
		case "DEBT", "CRED", "SHAR":
		default:
			p.Reject(maksa.Problemf(maksa.FF02, pos, "a cross-border payment says who bears the charges: DEBT, CRED or SHAR (ChrgBr), not %q", p.ChargeBearer))
		}
	case maksa.KindCash:
	default:
		if p.ChargeBearer != "" && p.ChargeBearer != "SLEV" {
			p.Reject(maksa.Problemf(maksa.FF02, pos, "a SEPA payment shares the charges (SLEV), not %s", p.ChargeBearer))
		}
	}
	checkCreditorAddress(p)
	remit := p.Remittance + " " + p.Reference
	switch p.Kind {
	case maksa.KindBudget:
		code := taxCode.FindStringSubmatch(remit)
		switch {
		case code == nil:
			p.Reject(maksa.Problemf(maksa.RR06, p.PositionOf(maksa.FieldRemittance), "a budget payment needs the tax payment code in the remittance: /NMK/<code>/"))
		case !b.Rules.TaxCodes[code[1]]:
			p.Reject(maksa.Problemf(maksa.RR06, p.PositionOf(maksa.FieldRemittance), "tax payment code %q is not on the list of valid codes", code[1]))
		}
		if payerCode.FindStringSubmatch(remit) == nil {
			p.Reject(maksa.Problemf(maksa.RR06, p.PositionOf(maksa.FieldRemittance), "a budget payment needs the payer's registration number in the remittance: /PK/<11 digits>/"))
		}
	case maksa.KindInternal:
		if to := b.View.Accounts[p.CreditorIBAN]; acct.Budget && to != nil && to.Budget {
			codes := budgetClasses.FindStringSubmatch(remit)
			if codes == nil || !b.Rules.BudgetCodes[codes[1]] || !b.Rules.BudgetCodes[codes[2]] {
				p.Reject(maksa.Problemf(maksa.RR05, p.PositionOf(maksa.FieldRemittance), "a transfer between budget institutions needs valid budget classification codes of payer and recipient: /BKK/<payer>/<recipient>/"))
			}
		}
	}
}

// schedule moves the execution date past the kind's cut-off and past
// non-working days: a payment for today received after the cut-off, or
// dated on a weekend or holiday, is executed on the next working day. A
// date in the past (within the accepted window) means today. The move is
// noted on the payment for its pain.002.
func (b *Business) schedule(p *maksa.Payment) {
	requested := p.ExecutionDate
	day := requested
	if day.Before(b.Today) {
		day = b.Today
	}
	var why string
	if day.Equal(b.Today) && b.Received.After(b.Rules.Cutoff(p.Kind, b.Today, b.Received.Location())) {
		day, why = b.Calendar.NextWorkingDay(day), fmt.Sprintf("received after the %s cut-off", cutoffText(b.Rules.Cutoffs[p.Kind]))
	}
	if !b.Calendar.WorkingDay(day) {
		day, why = b.Calendar.NextWorkingDay(day), "not a working day"
	}
	if !day.Equal(requested) {
		if why == "" {
			why = "a date in the past is executed today"
		}
		p.ExecutionDate = day
		p.Note = fmt.Sprintf("execution date moved from %s to %s: %s", requested.Format(maksa.DateLayout), day.Format(maksa.DateLayout), why)
	}
}

func cutoffText(d time.Duration) string {
	return fmt.Sprintf("%02d:%02d", int(d.Hours()), int(d.Minutes())%60)
}

// addressRequired says why p needs the creditor's postal address, or "":
// the EPC rules and the Funds Transfer Regulation want it on a payment
// leaving the EEA, in a currency other than the euro, or to an account that
// is not an IBAN.
func addressRequired(p *maksa.Payment) string {
	country := p.CreditorAddress.Country
	if p.CreditorIsIBAN && len(p.CreditorIBAN) >= 2 {
		country = p.CreditorIBAN[:2]
	}
	switch {
	case p.Kind == maksa.KindCrossBorder:
		return "a cross-border payment"
	case p.Kind == maksa.KindCash || p.Kind == maksa.KindInternal:
		return ""
	case p.Currency != "EUR":
		return "a payment in " + p.Currency
	case !p.CreditorIsIBAN:
		return "a payment to an account that is not an IBAN"
	case country != "" && !maksa.InEEA(country):
		return "a payment leaving the EEA (" + country + ")"
	}
	return ""
}

// checkCreditorAddress applies BE04. Settling before 15 November 2026, a
// payment that needs an address needs the country and some address. From
// then on, the EPC rules accept only structured or hybrid addresses: an
// address given as lines alone, or one without the town or the country, is
// refused whether or not the payment needs one, and a payment that needs
// one must have one. A country alone, where no address is needed, is no
// address and passes.
func checkCreditorAddress(p *maksa.Payment) {
	a := p.CreditorAddress
	pos := p.PositionOf(maksa.FieldCreditorAddress)
	if p.CreditorAddress.IsZero() {
		pos = p.PositionOf(maksa.FieldCreditorName)
	}
	why := addressRequired(p)
	if p.ExecutionDate.Before(maksa.StructuredAddressesFrom) {
		if why != "" && (a.Country == "" || a.Form() == maksa.AddressNone) {
			p.Reject(maksa.Problemf(maksa.BE04, pos, "%s needs the creditor's country and address", why))
		}
		return
	}
	switch form := a.Form(); {
	case form == maksa.AddressUnstructured:
		p.Reject(maksa.Problemf(maksa.BE04, pos, "the creditor's address is only address lines (%s); from %s the EPC rules accept only a structured or hybrid address: give at least the town (TwnNm) and the country (Ctry)",
			a.String(), maksa.StructuredAddressesFrom.Format(maksa.DateLayout)))
	case form == maksa.AddressNone && why != "":
		p.Reject(maksa.Problemf(maksa.BE04, pos, "%s needs the creditor's postal address, at least the town (TwnNm) and the country (Ctry)", why))
	case form != maksa.AddressNone:
		if missing := a.Missing(); len(missing) > 0 {
			p.Reject(maksa.Problemf(maksa.BE04, pos, "the creditor's address (%s) is incomplete: it needs %s", a.String(), strings.Join(missing, " and ")))
		}
	}
}

// unknownTreasuryAccount reports whether p pays an IBAN of the treasury's
// own bank code — the debtor account's, which is always a treasury
// account — that is no treasury account and no budget account of the
// State Revenue Service.
func (b *Business) unknownTreasuryAccount(p *maksa.Payment) bool {
	c, d := p.CreditorIBAN, p.DebtorIBAN
	return p.CreditorIsIBAN && len(c) >= 8 && len(d) >= 8 && c[:2] == d[:2] && c[4:8] == d[4:8] &&
		b.View.Accounts[c] == nil && !b.Rules.BudgetAccounts[c]
}
