// Package history tells one payment's whole story — its batch, every
// signature, each state it went through and when, its postings and the
// audit events about it — for "maksa payments show" and the web console.
package history

import (
	"context"
	"fmt"

	"maksa"
	"maksa/exporter"
	"maksa/store"
)

// History is what happened to one payment.
type History struct {
	Payment    *maksa.Payment
	Batch      *maksa.Batch
	Required   int // the signature levels its account needs
	Signatures []store.Signature
	Postings   []Posting
	States     []StateChange // each state it went through, and when
	Events     []maksa.AuditEvent
}

// Posting is one ledger posting of the payment.
type Posting struct {
	Account     string `json:"account"`
	Side        string `json:"side"`
	Amount      string `json:"amount"`
	Currency    string `json:"currency"`
	BookingDate string `json:"booking_date"`
	Reference   string `json:"reference"` // the servicer's reference on statements
}

// Of reads the history of payment p.
func Of(ctx context.Context, db *store.DB, p *maksa.Payment) (*History, error) {
	b, err := db.Batch(ctx, p.BatchID)
	if err != nil {
		return nil, err
	}
	h := &History{Payment: p, Batch: b, Required: 1}
	if h.Signatures, err = db.PaymentSignatures(ctx, p.ID); err != nil {
		return nil, err
	}
	posts, err := db.PaymentPostings(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	for _, post := range posts {
		h.Postings = append(h.Postings, Posting{Account: post.Account, Side: post.Side, Amount: post.Amount.String(), Currency: post.Currency,
			BookingDate: post.BookingDate.Format(maksa.DateLayout), Reference: exporter.ServicerRef(p.ID, post.Side)})
	}
	objects := []string{fmt.Sprintf("batch %d", b.ID), fmt.Sprintf("payment %d", p.ID)}
	if !p.ExecutedOn.IsZero() {
		objects = append(objects, "nightly batch "+p.ExecutedOn.Format(maksa.DateLayout))
	}
	if p.Status == maksa.CANC {
		objects = append(objects, "unsigned payments")
	}
	if h.Events, err = db.AuditFor(ctx, objects...); err != nil {
		return nil, err
	}
	dir, err := db.Directory(ctx)
	if err != nil {
		return nil, err
	}
	if a := dir.Account(p.DebtorIBAN); a != nil {
		h.Required = a.Signatures
	}
	h.States = timeline(p, b, h.Signatures, h.Required, h.Events)
	return h, nil
}
