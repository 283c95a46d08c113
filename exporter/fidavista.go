package exporter

import (
	"context"
	"io"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"maksa"
	"maksa/formats/camt053"
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
	return e.fidavista(ctx, w, store.EntryRange{IBAN: iban, From: from, To: to}, currency, opening, closing, created)
}

// fidavista writes the FiDAViSTA statement of the entries of r.
func (e *Exporter) fidavista(ctx context.Context, w io.Writer, r store.EntryRange, currency string, opening, closing decimal.Decimal, created time.Time) error {
	iban, from, to := r.IBAN, r.From, r.To
	client := fidavista.Party{}
	if c, err := e.Store.AccountHolder(ctx, iban); err != nil {
		return err
	} else if c != nil {
		client = fidavista.Party{Name: c.Name, LegalID: c.RegNo, Address: c.Address.String()}
	}
	fw := fidavista.NewWriter(w)
	err := fw.WriteHeader(&fidavista.Statement{Created: created.In(e.Location), From: e.Treasury.Name, Start: from, End: to,
		Bank: e.Treasury, Client: client, Account: iban, Currency: currency, Opening: opening, Closing: closing})
	if err != nil {
		return err
	}
	holders, err := e.Store.AccountHolders(ctx) // a counterparty that holds a treasury account: its registration number
	if err != nil {
		return err
	}
	err = e.Store.EntriesIn(ctx, r, func(en store.Entry) error {
		t := fidavista.Transaction{TypeCode: "OUTP", TypeName: "NTRF", BookDate: en.BookingDate, ValueDate: en.BookingDate,
			BankRef: ServicerRef(en.PaymentID, en.Side), ExtID: en.EndToEndID, DocNo: en.InstructionID, Credit: en.Side == "CRDT",
			Amount: en.Amount, PmtInfo: en.Remittance, PartyAccount: en.CounterpartyIBAN, PartyName: en.CounterpartyName,
			PartyBank: en.CreditorBIC, PartyLegalID: en.CreditorID}
		if h := holders[en.CounterpartyIBAN]; h != nil { // the other side is a treasury account
			t.PartyBank, t.PartyLegalID = e.BIC, h.RegNo
		}
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

// DayCompanion writes the nightly statement f in another format the
// account's accounting program reads (maksa.StatementFiDAViSTA,
// maksa.StatementCamt054): the same entries, the same opening.
func (e *Exporter) DayCompanion(ctx context.Context, w io.Writer, f *store.SentFile, format string) error {
	day, err := time.Parse(maksa.DateLayout, f.Day)
	if err != nil {
		return err
	}
	before, currency, err := e.Store.BalanceBefore(ctx, f.Account, day)
	if err != nil {
		return err
	}
	opening, closing := before, before
	if f.AfterPosting > 0 {
		earlier, err := e.Store.NetThrough(ctx, f.Account, day, f.AfterPosting)
		if err != nil {
			return err
		}
		opening = before.Add(earlier)
	}
	through, err := e.Store.NetThrough(ctx, f.Account, day, f.LastPosting)
	if err != nil {
		return err
	}
	closing = before.Add(through)
	r := store.EntryRange{IBAN: f.Account, From: day, To: day, After: f.AfterPosting, Through: f.LastPosting}
	if format == maksa.StatementFiDAViSTA {
		return e.fidavista(ctx, w, r, currency, opening, closing, f.Created)
	}
	id := camtID("N" + f.MessageID[1:])
	st := &camt053.Statement{MessageID: id, StatementID: id, Created: f.Created, From: day, To: day, IBAN: f.Account, Currency: currency, Opening: opening}
	return e.statement(ctx, w, camt053.NewNotificationWriter, st, r)
}

// CompanionPath is where the companion of the statement at path goes:
// <D>.camt053.xml beside it as <D>.camt054.xml or <D>.fidavista.xml.
func CompanionPath(path, format string) string {
	return strings.TrimSuffix(path, ".camt053.xml") + "." + format + ".xml"
}
