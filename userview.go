package maksa

import (
	"time"

	"github.com/shopspring/decimal"
)

// UserView is what the business rules need to know about the user importing
// a file: the user, every account (to tell an unknown account from one the
// user may not use), the user's grants, and what the user already has
// accepted per account and execution date.
type UserView struct {
	User     *User // nil when the user is unknown
	Accounts map[string]*Account
	Grants   map[string]*Grant // by account IBAN
	Used     map[DayKey]decimal.Decimal
	// Overrides are the user's one-day limit changes, by account and date.
	Overrides map[DayKey]LimitOverride
	// Templates are the templates of the clients whose accounts the user
	// may prepare payments on, by "client/name".
	Templates map[string]*Template
}

// GrantOn returns the user's grant on an account with the limits in force
// on day: a one-day override replaces the grant's own.
func (v *UserView) GrantOn(account string, day time.Time) *Grant {
	g := v.Grants[account]
	if g == nil {
		return nil
	}
	if o, ok := v.Overrides[DayKey{Account: account, Date: day}]; ok {
		changed := *g
		changed.PaymentLimit, changed.DailyLimit = o.PaymentLimit, o.DailyLimit
		return &changed
	}
	return g
}

// DayKey names one account on one execution date.
type DayKey struct {
	Account string
	Date    time.Time
}
