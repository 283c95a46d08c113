package store

import (
	"context"
	"errors"
	"fmt"

	"maksa"
)

// ErrNoCorrection means a payment's creditor name cannot take the
// registered name: its verification was no close match, or it is signed
// already, or no longer awaits signatures.
var ErrNoCorrection = errors.New("the creditor name cannot be corrected")

// CorrectPayeeName gives a payment whose verification of payee was a
// close match (CMTC) the registered name, before anyone signed it: its
// creditor name becomes the name the payee's account is held in, and its
// verification a match. may decides whether the actor may (nil: yes).
// The change is audited with both names.
func (db *DB) CorrectPayeeName(ctx context.Context, id int64, actor string, may func(*maksa.Payment) error) (*maksa.Payment, error) {
	tx, err := db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	lock := ""
	if db.dialect == Postgres {
		lock = " FOR UPDATE"
	}
	var r paymentRow
	if err := tx.GetContext(ctx, &r, tx.Rebind(`SELECT * FROM payments WHERE id = ?`+lock), id); err != nil {
		return nil, notFound(err, fmt.Sprintf("payment %d", id))
	}
	p := r.payment()
	var signed int
	if err := tx.GetContext(ctx, &signed, tx.Rebind(`SELECT COUNT(*) FROM signatures WHERE payment_id = ?`), id); err != nil {
		return nil, err
	}
	switch {
	case p.Payee.Result != maksa.PayeeCloseMatch || p.Payee.Name == "":
		return nil, fmt.Errorf("payment %d: its verification of payee is %s, not a close match with a registered name: %w", id, orNone(p.Payee.Result), ErrNoCorrection)
	case signed > 0:
		return nil, fmt.Errorf("payment %d carries %d signature(s): its creditor name can no longer change: %w", id, signed, ErrNoCorrection)
	case p.Status != maksa.PDNG:
		return nil, fmt.Errorf("payment %d is %s, not awaiting signatures: %w", id, p.Status, ErrNoCorrection)
	}
	if may != nil {
		if err := may(p); err != nil {
			return nil, err
		}
	}
	old := p.CreditorName
	_, err = tx.ExecContext(ctx, tx.Rebind(`UPDATE payments SET creditor_name = ?, vop_result = 'MTCH', vop_name = '', vop_note = '' WHERE id = ?`), p.Payee.Name, id)
	if err != nil {
		return nil, err
	}
	if err := db.appendAudit(ctx, tx, actor, "payment.correct_name", fmt.Sprintf("payment %d", id),
		map[string]any{"from": old, "to": p.Payee.Name, "vop": maksa.PayeeCloseMatch}); err != nil {
		return nil, err
	}
	p.CreditorName, p.Payee = p.Payee.Name, maksa.PayeeCheck{Result: maksa.PayeeMatch}
	return p, tx.Commit()
}

func orNone(r maksa.PayeeResult) string {
	if r == "" {
		return "none (it does not apply)"
	}
	return string(r)
}
