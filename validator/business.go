package validator

import (
	"time"

	"github.com/shopspring/decimal"

	"maksa"
)

// Business applies the rules that need the directory, for one importing
// user and one file. It keeps the user's running daily totals, so the
// payments of the file count against the daily limit in file order.
type Business struct {
	View *maksa.UserView
	// Today is the business date of the import, and Received the moment
	// the file came in (in the business time zone).
	Today    time.Time
	Received time.Time
	// DaysPast and DaysFuture bound the requested execution date.
	DaysPast, DaysFuture int
	Rules                maksa.Rules
	Calendar             maksa.Calendar
}

// ApplyTemplate fills the fields a row leaves out from the template it
// names, a template of the debtor account's client. Returns a problem when
// the template is unknown.
func (b *Business) ApplyTemplate(p *maksa.Payment) {
	client := ""
	if acct := b.View.Accounts[p.DebtorIBAN]; acct != nil {
		client = acct.ClientID
	}
	for key, t := range b.View.Templates {
		if t.Name == p.Template && (client == "" || key == client+"/"+p.Template) {
			t.Fill(p)
			return
		}
	}
	p.Reject(maksa.Problemf(maksa.NARR, p.Position, "template %q is not a template of the account's client", p.Template))
}

// Check applies the business rules to p, which passed the structural
// rules, and rejects it with every problem found: the debtor account is
// unknown (AC02), blocked (AC06) or closed (AC04); the user may not prepare
// payments on it (AG08); the currency is not the account's (AM03); the
// execution date is too far in the past (CH04) or future (CH03); the amount
// is above the user's single-payment limit (AM14) or the user's daily total
// on the account and date would pass the daily limit (AM21). An accepted
// payment is added to the daily total.
func (b *Business) Check(p *maksa.Payment) {
	if maksa.CheckIBAN(p.DebtorIBAN) != nil {
		return // the structural rules rejected the debtor account already
	}
	acct := b.View.Accounts[p.DebtorIBAN]
	if acct == nil {
		p.Reject(maksa.Problemf(maksa.AC02, p.PositionOf(maksa.FieldDebtorAccount), "debtor account %s is not a treasury account", p.DebtorIBAN))
		return
	}
	switch acct.Status {
	case maksa.AccountBlocked:
		p.Reject(maksa.Problemf(maksa.AC06, p.PositionOf(maksa.FieldDebtorAccount), "debtor account %s is blocked", acct.IBAN))
	case maksa.AccountClosed:
		p.Reject(maksa.Problemf(maksa.AC04, p.PositionOf(maksa.FieldDebtorAccount), "debtor account %s is closed", acct.IBAN))
	}
	grant := b.checkAccess(p, acct)
	if _, known := maksa.LookupCurrency(p.Currency); known && p.Currency != acct.Currency {
		p.Reject(maksa.Problemf(maksa.AM03, p.PositionOf(maksa.FieldCurrency), "currency %s is not the currency of account %s (%s)", p.Currency, acct.IBAN, acct.Currency))
	}
	b.checkDate(p)
	p.Kind = b.Kind(p)
	b.checkKind(p, acct)
	if grant == nil || p.Status == maksa.RJCT {
		return
	}
	b.schedule(p)
	grant = b.View.GrantOn(acct.IBAN, p.ExecutionDate)
	key := maksa.DayKey{Account: acct.IBAN, Date: p.ExecutionDate}
	used := b.View.Used[key]
	if pr := maksa.CheckLimits(grant, p, used, maksa.Preparing); pr != nil {
		p.Reject(pr)
		return
	}
	if b.View.Used == nil {
		b.View.Used = map[maksa.DayKey]decimal.Decimal{}
	}
	b.View.Used[key] = used.Add(p.Amount)
}

// checkAccess returns the user's grant on acct when the user may prepare
// payments on it, and rejects p with AG08 otherwise.
func (b *Business) checkAccess(p *maksa.Payment, acct *maksa.Account) *maksa.Grant {
	u := b.View.User
	switch {
	case u == nil:
		p.Reject(maksa.Problemf(maksa.AG08, p.PositionOf(maksa.FieldDebtorAccount), "the importing user is not in the directory"))
		return nil
	case u.Status != maksa.UserActive:
		p.Reject(maksa.Problemf(maksa.AG08, p.PositionOf(maksa.FieldDebtorAccount), "user %s is %s", u.ID, u.Status))
		return nil
	case b.Today.After(u.ValidUntil):
		p.Reject(maksa.Problemf(maksa.AG08, p.PositionOf(maksa.FieldDebtorAccount), "user %s's application expired on %s", u.ID, u.ValidUntil.Format(maksa.DateLayout)))
		return nil
	}
	g := b.View.Grants[acct.IBAN]
	switch {
	case g == nil || !g.Has(maksa.ModePrepare):
		p.Reject(maksa.Problemf(maksa.AG08, p.PositionOf(maksa.FieldDebtorAccount), "user %s may not prepare payments on account %s", u.ID, acct.IBAN))
		return nil
	case !g.CardValidUntil.IsZero() && b.Today.After(g.CardValidUntil):
		p.Reject(maksa.Problemf(maksa.AG08, p.PositionOf(maksa.FieldDebtorAccount), "user %s's authorisation card for %s expired on %s", u.ID, acct.IBAN, g.CardValidUntil.Format(maksa.DateLayout)))
		return nil
	}
	return g
}

func (b *Business) checkDate(p *maksa.Payment) {
	if p.ExecutionDate.IsZero() {
		return
	}
	earliest := b.Today.AddDate(0, 0, -b.DaysPast)
	latest := b.Today.AddDate(0, 0, b.DaysFuture)
	switch {
	case p.ExecutionDate.Before(earliest):
		p.Reject(maksa.Problemf(maksa.CH04, p.PositionOf(maksa.FieldExecutionDate), "requested execution date %s is more than %d days in the past", p.ExecutionDate.Format(maksa.DateLayout), b.DaysPast))
	case p.ExecutionDate.After(latest):
		p.Reject(maksa.Problemf(maksa.CH03, p.PositionOf(maksa.FieldExecutionDate), "requested execution date %s is more than %d days in the future", p.ExecutionDate.Format(maksa.DateLayout), b.DaysFuture))
	}
}
