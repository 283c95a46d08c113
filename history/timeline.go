package history

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"maksa"
	"maksa/store"
)

// StateChange is one change of a payment's state, with its time: what
// "payments show" lists as the payment's history.
type StateChange struct {
	At     time.Time    `json:"at"`
	Status maksa.Status `json:"status"`
	What   string       `json:"what"`
}

// timeline tells each state a payment went through and when: its import,
// each signature (ACCP at the last level), a correction of its creditor
// name, a refusal, its execution or refusal by the nightly batch, its
// cancellation unsigned. events are the audit events of the payment, its
// batch, its night and the expiries; required is the levels its account
// needs.
func timeline(p *maksa.Payment, b *maksa.Batch, sigs []store.Signature, required int, events []maksa.AuditEvent) []StateChange {
	first := maksa.PDNG
	if p.Status == maksa.RJCT && !refusedAfterImport(p) {
		first = maksa.RJCT
	}
	out := []StateChange{{At: b.CreatedAt, Status: first, What: fmt.Sprintf("imported from %s by %s (batch %d)", b.FileName, b.UserID, b.ID)}}
	// The order is the states' own, not the clocks': a name is corrected
	// before any signature, the levels follow one another, and a refusal,
	// the night or an expiry end it.
	var after []StateChange
	cancelled := false
	for _, e := range events {
		switch {
		case e.Action == "payment.correct_name" && e.Object == fmt.Sprintf("payment %d", p.ID):
			out = append(out, StateChange{At: e.At, Status: maksa.PDNG, What: "creditor name corrected by " + e.Actor + " to the registered name"})
		case e.Action == "payment.reject" && e.Object == fmt.Sprintf("payment %d", p.ID):
			after = append(after, StateChange{At: e.At, Status: maksa.RJCT, What: "refused by " + e.Actor})
		case e.Action == "batch.execute" && !p.ExecutedOn.IsZero() && e.Object == "nightly batch "+p.ExecutedOn.Format(maksa.DateLayout) &&
			(p.Status == maksa.ACSC || refusedAfterImport(p)):
			if p.Status == maksa.ACSC {
				after = append(after, StateChange{At: e.At, Status: maksa.ACSC, What: "executed by the nightly batch of " + p.ExecutedOn.Format(maksa.DateLayout)})
			} else {
				after = append(after, StateChange{At: e.At, Status: p.Status, What: "refused by the nightly batch of " + p.ExecutedOn.Format(maksa.DateLayout) + ": " + reasonCodes(p)})
			}
		case e.Action == "payments.expire" && p.Status == maksa.CANC && !cancelled && expiredBy(e, p):
			cancelled = true
			after = append(after, StateChange{At: e.At, Status: maksa.CANC, What: "cancelled: its signatures were not complete in time (DS24)"})
		}
	}
	for _, s := range sigs {
		status := maksa.PDNG
		if s.Level >= required {
			status = maksa.ACCP
		}
		what := fmt.Sprintf("signed level %d of %d by %s", s.Level, required, s.UserID)
		if s.PayeeConfirmed != "" {
			what += ", confirming verification of payee " + string(s.PayeeConfirmed)
		}
		out = append(out, StateChange{At: s.SignedAt, Status: status, What: what})
	}
	return append(out, after...)
}

// refusedAfterImport reports whether a rejected payment was refused after
// it was accepted: by a signer or the nightly batch, not by the rules at
// import.
func refusedAfterImport(p *maksa.Payment) bool {
	return !p.ExecutedOn.IsZero() || slices.ContainsFunc(p.Problems, func(pr maksa.Problem) bool { return pr.Code == maksa.DS02 })
}

// expiredBy reports whether the expiry event e cancelled p: the first one
// whose cut-off is after p's execution date.
func expiredBy(e maksa.AuditEvent, p *maksa.Payment) bool {
	var d struct {
		Before string `json:"executed_before"`
	}
	if json.Unmarshal([]byte(e.Details), &d) != nil {
		return false
	}
	return d.Before > p.ExecutionDate.Format(maksa.DateLayout)
}

func reasonCodes(p *maksa.Payment) string {
	var codes []string
	for _, pr := range p.Problems {
		codes = append(codes, string(pr.Code))
	}
	return strings.Join(codes, ", ")
}
