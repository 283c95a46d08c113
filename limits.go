package maksa

import "github.com/shopspring/decimal"

// LimitMoment is when a user's limits on an account are applied: when the
// user prepares a payment (at import, against what the user prepared for
// the same execution day) or when a signer signs it (against what the
// signer signed today).
type LimitMoment int

// The moments limits are applied at.
const (
	Preparing LimitMoment = iota
	Signing
)

// CheckLimits applies the grant's limits to p at moment m: the amount
// within the single-payment limit (AM14), and soFar plus the amount within
// the daily limit (AM21). soFar is what the user prepared for p's
// execution day (Preparing) or signed today (Signing) on the account. Every
// amount is written one way (FormatMoney).
func CheckLimits(g *Grant, p *Payment, soFar decimal.Decimal, m LimitMoment) *Problem {
	money := func(d decimal.Decimal) string { return FormatMoney(d, p.Currency) }
	pos := Position{}
	if m == Preparing {
		pos = p.PositionOf(FieldAmount)
	}
	if p.Amount.GreaterThan(g.PaymentLimit) {
		if m == Signing {
			return Problemf(AM14, pos, "amount %s is above signer %s's single-payment limit of %s", money(p.Amount), g.UserID, money(g.PaymentLimit))
		}
		return Problemf(AM14, pos, "amount %s is above %s's single-payment limit of %s on %s", money(p.Amount), g.UserID, money(g.PaymentLimit), g.AccountIBAN)
	}
	if total := soFar.Add(p.Amount); total.GreaterThan(g.DailyLimit) {
		if m == Signing {
			return Problemf(AM21, pos, "signing %s would bring signer %s's total today to %s, above the daily limit of %s",
				money(p.Amount), g.UserID, money(total), money(g.DailyLimit))
		}
		return Problemf(AM21, pos, "amount %s would bring %s's total on %s for %s to %s, above the daily limit of %s (%s already accepted)",
			money(p.Amount), g.UserID, g.AccountIBAN, p.ExecutionDate.Format(DateLayout), money(total), money(g.DailyLimit), money(soFar))
	}
	return nil
}
