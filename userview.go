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
}

// DayKey names one account on one execution date.
type DayKey struct {
	Account string
	Date    time.Time
}
