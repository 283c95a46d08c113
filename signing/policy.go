package signing

import (
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	"maksa"
)

// SignMode returns the grant mode that signing at level needs: sign1…sign4.
func SignMode(level int) maksa.Mode { return maksa.Mode(fmt.Sprintf("sign%d", level)) }

// CheckSigner decides whether user u with grant g (on the payment's debtor
// account; nil when none) may sign at level on day: the user is active and
// inside valid-until, holds sign<level>, and the grant's authorisation card
// is valid. Refusals are DS0H.
func CheckSigner(u *maksa.User, g *maksa.Grant, level int, day time.Time) *maksa.Problem {
	where := maksa.Position{}
	switch {
	case u == nil:
		return maksa.Problemf(maksa.DS0H, where, "the signer is not in the directory")
	case u.Status != maksa.UserActive:
		return maksa.Problemf(maksa.DS0H, where, "signer %s is %s", u.ID, u.Status)
	case day.After(u.ValidUntil):
		return maksa.Problemf(maksa.DS0H, where, "signer %s's application expired on %s", u.ID, u.ValidUntil.Format(maksa.DateLayout))
	case g == nil || !g.Has(SignMode(level)):
		return maksa.Problemf(maksa.DS0H, where, "user %s may not sign level %d on this account (needs %s)", u.ID, level, SignMode(level))
	case !g.CardValidUntil.IsZero() && day.After(g.CardValidUntil):
		return maksa.Problemf(maksa.DS0H, where, "signer %s's authorisation card expired on %s", u.ID, g.CardValidUntil.Format(maksa.DateLayout))
	}
	return nil
}

// CheckLimits applies the signer's own limits on the account: the amount
// within the single-payment limit (AM14), and what the signer signed today
// plus the amount within the daily limit (AM21).
func CheckLimits(g *maksa.Grant, p *maksa.Payment, signedToday decimal.Decimal) *maksa.Problem {
	if p.Amount.GreaterThan(g.PaymentLimit) {
		return maksa.Problemf(maksa.AM14, maksa.Position{}, "amount %s is above signer %s's single-payment limit of %s",
			maksa.FormatMoney(p.Amount, p.Currency), g.UserID, maksa.FormatMoney(g.PaymentLimit, p.Currency))
	}
	if total := signedToday.Add(p.Amount); total.GreaterThan(g.DailyLimit) {
		return maksa.Problemf(maksa.AM21, maksa.Position{}, "signing %s would bring signer %s's total today to %s, above the daily limit of %s",
			maksa.FormatMoney(p.Amount, p.Currency), g.UserID, maksa.FormatMoney(total, p.Currency), maksa.FormatMoney(g.DailyLimit, p.Currency))
	}
	return nil
}
