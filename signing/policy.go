package signing

import (
	"fmt"
	"time"

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
