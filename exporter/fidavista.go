package exporter

import (
	"context"
	"io"
	"time"

	"maksa"
	"maksa/formats/fidavista"
	"maksa/store"
)

// StatementFiDAViSTA writes the statement of the account for from..to in
// FiDAViSTA 1.01: the treasury as the bank (Treasury), the account's
// holder as the client, the opening and closing booked balances, and a
// TrxSet per entry — INP or OUTP, the MT940 type (NTRF; NMSC for a cash
// withdrawal), booking and value date, the treasury's reference, the
// payer's end-to-end id (ExtId) and instruction id (DocNo), the remittance
// and the counterparty.
func (e *Exporter) StatementFiDAViSTA(ctx context.Context, w io.Writer, iban string, from, to, created time.Time) error {
	opening, currency, err := e.Store.BalanceBefore(ctx, iban, from)
	if err != nil {
		return err
	}
	closing, _, err := e.Store.BalanceBefore(ctx, iban, to.AddDate(0, 0, 1))
	if err != nil {
		return err
	}
	client := fidavista.Party{}
	if c, err := e.Store.AccountHolder(ctx, iban); err != nil {
		return err
	} else if c != nil {
		client = fidavista.Party{Name: c.Name, LegalID: c.RegNo, Address: c.Address.String()}
	}
	fw := fidavista.NewWriter(w)
	err = fw.WriteHeader(&fidavista.Statement{Created: created.In(e.Location), From: e.Treasury.Name, Start: from, End: to,
		Bank: e.Treasury, Client: client, Account: iban, Currency: currency, Opening: opening, Closing: closing})
	if err != nil {
		return err
	}
	err = e.Store.Entries(ctx, iban, from, to, func(en store.Entry) error {
		t := fidavista.Transaction{TypeCode: "OUTP", TypeName: "NTRF", BookDate: en.BookingDate, ValueDate: en.BookingDate,
			BankRef: ServicerRef(en.PaymentID, en.Side), ExtID: en.EndToEndID, DocNo: en.InstructionID, Credit: en.Side == "CRDT",
			Amount: en.Amount, PmtInfo: en.Remittance, PartyAccount: en.CounterpartyIBAN, PartyName: en.CounterpartyName}
		if t.Credit {
			t.TypeCode = "INP"
		}
		if en.Kind == maksa.KindCash {
			t.TypeName = "NMSC"
		}
		return fw.WriteTransaction(&t)
	})
	if err != nil {
		return err
	}
	return fw.Close()
}
