package store

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
)

// LedgerCheck is what VerifyLedger checked and found.
type LedgerCheck struct {
	Postings  int `json:"postings"`
	DayTotals int `json:"day_totals"`
	// Faults are what does not hold, the first maxFaults of them; Found is
	// how many there are in all.
	Faults []string `json:"faults"`
	Found  int      `json:"found"`
}

const maxFaults = 100

func (c *LedgerCheck) fault(format string, args ...any) {
	c.Found++
	if len(c.Faults) < maxFaults {
		c.Faults = append(c.Faults, fmt.Sprintf(format, args...))
	}
}

// VerifyLedger checks the ledger against itself: every executed payment
// has exactly one debit and one credit posting, of its amount, in its
// currency, booked on the day it was executed, and no other payment has
// postings; and the day totals that balances and statements are summed
// from (kept beside the postings for speed) are the sums of the postings.
func (db *DB) VerifyLedger(ctx context.Context) (LedgerCheck, error) {
	c := LedgerCheck{Faults: []string{}}
	if err := db.x.GetContext(ctx, &c.Postings, `SELECT COUNT(*) FROM postings`); err != nil {
		return c, err
	}
	var pairs []struct {
		PaymentID  int64  `db:"payment_id"`
		Count      int    `db:"n"`
		Debits     int    `db:"debits"`
		Debit      int64  `db:"debit"`
		Credit     int64  `db:"credit"`
		Currency   string `db:"currency"`
		Currencies int    `db:"currencies"`
		Day        string `db:"booking_date"`
		Days       int    `db:"days"`
		Status     string `db:"status"`
		Amount     *int64 `db:"amount_minor"`
		PaidIn     string `db:"payment_currency"`
		Executed   string `db:"executed_on"`
	}
	// A payment's postings, where they are not a pair that matches it.
	err := db.x.SelectContext(ctx, &pairs, `SELECT e.payment_id, COUNT(*) AS n,
		SUM(CASE WHEN e.side = 'DBIT' THEN 1 ELSE 0 END) AS debits,
		SUM(CASE WHEN e.side = 'DBIT' THEN e.amount_minor ELSE 0 END) AS debit,
		SUM(CASE WHEN e.side = 'CRDT' THEN e.amount_minor ELSE 0 END) AS credit,
		MIN(e.currency) AS currency, COUNT(DISTINCT e.currency) AS currencies,
		MIN(e.booking_date) AS booking_date, COUNT(DISTINCT e.booking_date) AS days,
		MIN(p.status) AS status, MIN(p.amount_minor) AS amount_minor, MIN(p.currency) AS payment_currency, MIN(p.executed_on) AS executed_on
		FROM postings e JOIN payments p ON p.id = e.payment_id GROUP BY e.payment_id
		HAVING COUNT(*) <> 2 OR SUM(CASE WHEN e.side = 'DBIT' THEN 1 ELSE 0 END) <> 1
			OR SUM(CASE WHEN e.side = 'DBIT' THEN e.amount_minor ELSE -e.amount_minor END) <> 0
			OR COUNT(DISTINCT e.currency) <> 1 OR COUNT(DISTINCT e.booking_date) <> 1
			OR MIN(p.status) <> 'ACSC' OR MIN(e.currency) <> MIN(p.currency) OR MIN(e.booking_date) <> MIN(p.executed_on)
			OR MIN(p.amount_minor) IS NOT NULL AND MIN(e.amount_minor) <> MIN(p.amount_minor)
		ORDER BY e.payment_id`)
	if err != nil {
		return c, err
	}
	for _, p := range pairs {
		switch {
		case p.Status != "ACSC":
			c.fault("payment %d is %s but has %d postings", p.PaymentID, p.Status, p.Count)
		case p.Count != 2 || p.Debits != 1:
			c.fault("payment %d has %d postings, %d of them debits: not one debit and one credit", p.PaymentID, p.Count, p.Debits)
		case p.Debit != p.Credit:
			c.fault("payment %d: its debit (%d minor units) and credit (%d) differ", p.PaymentID, p.Debit, p.Credit)
		case p.Currencies != 1 || p.Currency != p.PaidIn:
			c.fault("payment %d in %s is posted in %s (%d currencies)", p.PaymentID, p.PaidIn, p.Currency, p.Currencies)
		case p.Days != 1 || p.Day != p.Executed:
			c.fault("payment %d executed on %s is booked on %s (%d days)", p.PaymentID, p.Executed, p.Day, p.Days)
		default:
			c.fault("payment %d of %d minor units is posted for %d", p.PaymentID, *p.Amount, p.Debit)
		}
	}
	var unposted []int64
	if err := db.x.SelectContext(ctx, &unposted, `SELECT id FROM payments p WHERE p.status = 'ACSC'
		AND NOT EXISTS (SELECT 1 FROM postings e WHERE e.payment_id = p.id) ORDER BY id`); err != nil {
		return c, err
	}
	for _, id := range unposted {
		c.fault("payment %d is executed (ACSC) but has no postings", id)
	}
	return c, db.verifyDayTotals(ctx, &c)
}

// verifyDayTotals compares the day totals with the sums of the postings.
func (db *DB) verifyDayTotals(ctx context.Context, c *LedgerCheck) error {
	type key struct{ Account, Day, Currency string }
	type total struct {
		Account string `db:"account_iban"`
		Day     string `db:"booking_date"`
		Cur     string `db:"currency"`
		Net     int64  `db:"net_minor"`
	}
	var kept, summed []total
	if err := db.x.SelectContext(ctx, &kept, `SELECT account_iban, booking_date, currency, net_minor FROM day_totals`); err != nil {
		return err
	}
	if err := db.x.SelectContext(ctx, &summed, `SELECT account_iban, booking_date, currency,
		SUM(CASE WHEN side = 'CRDT' THEN amount_minor ELSE -amount_minor END) AS net_minor
		FROM postings GROUP BY account_iban, booking_date, currency`); err != nil {
		return err
	}
	c.DayTotals = len(kept)
	type pair struct {
		kept, summed int64
		hasKept      bool
	}
	all := map[key]*pair{}
	at := func(t total) *pair {
		k := key{t.Account, t.Day, t.Cur}
		if all[k] == nil {
			all[k] = &pair{}
		}
		return all[k]
	}
	for _, t := range kept {
		p := at(t)
		p.kept, p.hasKept = t.Net, true
	}
	for _, t := range summed {
		at(t).summed = t.Net
	}
	keys := slices.SortedFunc(maps.Keys(all), func(a, b key) int {
		return cmp.Or(cmp.Compare(a.Account, b.Account), cmp.Compare(a.Day, b.Day), cmp.Compare(a.Currency, b.Currency))
	})
	for _, k := range keys {
		switch p := all[k]; {
		case !p.hasKept && p.summed != 0:
			c.fault("%s on %s in %s: postings net %d minor units, and no day total", k.Account, k.Day, k.Currency, p.summed)
		case p.kept != p.summed:
			c.fault("%s on %s in %s: the day total says %d minor units, the postings net %d", k.Account, k.Day, k.Currency, p.kept, p.summed)
		}
	}
	return nil
}
