package maksa

import (
	"time"

	"github.com/shopspring/decimal"
)

// Rules are the treasury's configurable rules.
type Rules struct {
	// Cutoffs is, per kind, the time of day (since midnight, business time
	// zone) after which a payment for today counts as received the next
	// working day.
	Cutoffs map[Kind]time.Duration
	// AnnouncementThreshold is the outgoing total of one client on one date
	// above which the client must have announced it, by AnnouncementDeadline
	// (time of day) on the previous working day.
	AnnouncementThreshold decimal.Decimal
	AnnouncementDeadline  time.Duration
	// BudgetAccounts are the State Revenue Service's accounts: payments to
	// them are budget (tax) payments.
	BudgetAccounts map[string]bool
	// TaxCodes are the valid tax payment codes of budget payments.
	TaxCodes map[string]bool
	// BudgetCodes are the valid budget classification codes of payments
	// between budget institutions.
	BudgetCodes map[string]bool
	// RejectSamePayments rejects (AM05) a payment the same as one already
	// accepted — debtor, creditor account, amount, execution date and
	// remittance — instead of accepting it with an AM05 warning.
	RejectSamePayments bool
}

// DefaultRules are the treasury's published rules: internal payments until
// 18:00, SEPA until 15:30; EUR 700,000 to announce by 12:30 the working day
// before.
func DefaultRules() Rules {
	hm := func(h, m int) time.Duration { return time.Duration(h)*time.Hour + time.Duration(m)*time.Minute }
	return Rules{
		Cutoffs: map[Kind]time.Duration{KindInternal: hm(18, 0), KindSEPA: hm(15, 30), KindBudget: hm(15, 30), KindUrgent: hm(16, 30),
			KindCrossBorder: hm(14, 0), KindCash: hm(12, 0)},
		AnnouncementThreshold: decimal.New(700000, 0),
		AnnouncementDeadline:  hm(12, 30),
		BudgetAccounts:        map[string]bool{},
		TaxCodes:              map[string]bool{},
		BudgetCodes:           map[string]bool{},
	}
}

// Cutoff returns the moment on day after which a payment of kind k counts
// as received the next working day.
func (r Rules) Cutoff(k Kind, day time.Time, loc *time.Location) time.Time {
	d, ok := r.Cutoffs[k]
	if !ok {
		d = DefaultRules().Cutoffs[k]
	}
	return time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, loc).Add(d)
}
