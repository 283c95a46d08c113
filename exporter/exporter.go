// Package exporter writes what maksa tells the outside world from stored
// state: account statements (camt.053, XLSX, CSV), the outbound clearing
// file (pain.001.001.09), the status reports of executed batches
// (pain.002) and the daily report (XLSX, CSV). Everything it writes for a
// business day is derived from the database alone, so writing it again
// gives the same bytes.
package exporter

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"time"

	"github.com/shopspring/decimal"
	"golang.org/x/sync/errgroup"

	"maksa"
	"maksa/formats/camt053"
	"maksa/formats/csvfmt"
	"maksa/formats/epc"
	"maksa/formats/fidavista"
	"maksa/formats/pain001"
	"maksa/formats/pain002"
	"maksa/formats/xlsxfmt"
	"maksa/internal/tempfile"
	"maksa/store"
)

// Exporter writes documents from the store.
type Exporter struct {
	Store    *store.DB
	Location *time.Location
	// Clearing is the account outbound payments are credited to.
	Clearing string
	// CamtVersion is 2 (default) or 8.
	CamtVersion int
	// BIC is the treasury's own BIC: the debtor's agent in the clearing
	// file.
	BIC string
	// Treasury is the treasury as FiDAViSTA statements name their bank.
	Treasury fidavista.Party
}

// EndOfDay is the time stamp of everything written for a business day: its
// last second, in the business time zone.
func (e *Exporter) EndOfDay(day time.Time) time.Time {
	return time.Date(day.Year(), day.Month(), day.Day(), 23, 59, 59, 0, e.Location)
}

// Statement writes a camt.053 statement of the account for from..to. Its
// entries are written first, in parts side by side (one on each core),
// each into a temporary file, counting and summing as they go; then the
// header, whose totals are those of exactly the entries written, and the
// parts after it.
func (e *Exporter) Statement(ctx context.Context, w io.Writer, iban string, from, to, created time.Time) error {
	opening, currency, err := e.Store.BalanceBefore(ctx, iban, from)
	if err != nil {
		return err
	}
	st := &camt053.Statement{MessageID: "S" + from.Format("20060102") + iban, StatementID: "S" + from.Format("20060102") + iban,
		Created: created, From: from, To: to, IBAN: iban, Currency: currency, Opening: opening}
	if from != to {
		st.MessageID = st.MessageID[:len(st.MessageID)-len(iban)] + to.Format("0102") + iban
		st.StatementID = st.MessageID
	}
	return e.statement(ctx, w, camt053.NewWriter, st, store.EntryRange{IBAN: iban, From: from, To: to})
}

// Notification writes a camt.054 debit and credit notification of the
// entries booked on the account from..to (no balances): what accounting
// programs book incoming and outgoing payments from.
func (e *Exporter) Notification(ctx context.Context, w io.Writer, iban string, from, to, created time.Time) error {
	opening, currency, err := e.Store.BalanceBefore(ctx, iban, from)
	if err != nil {
		return err
	}
	id := camtID("N" + from.Format("20060102") + to.Format("0102") + iban)
	st := &camt053.Statement{MessageID: id, StatementID: id, Created: created, From: from, To: to, IBAN: iban, Currency: currency, Opening: opening}
	return e.statement(ctx, w, camt053.NewNotificationWriter, st, store.EntryRange{IBAN: iban, From: from, To: to})
}

// Report writes a camt.052 intraday account report of the day: the
// entries booked on it so far, the opening booked balance and the interim
// booked balance at created.
func (e *Exporter) Report(ctx context.Context, w io.Writer, iban string, day, created time.Time) error {
	opening, currency, err := e.Store.BalanceBefore(ctx, iban, day)
	if err != nil {
		return err
	}
	id := camtID("R" + created.Format("20060102150405") + iban)
	st := &camt053.Statement{MessageID: id, StatementID: id, Created: created, From: day, To: day, IBAN: iban, Currency: currency, Opening: opening}
	return e.statement(ctx, w, camt053.NewReportWriter, st, store.EntryRange{IBAN: iban, From: day, To: day})
}

// camtID is id when it fits a Max35Text, else its first 22 characters
// and 13 hex digits of its SHA-256: unique still, and 35 long.
func camtID(id string) string {
	if len(id) <= 35 {
		return id
	}
	sum := sha256.Sum256([]byte(id))
	return id[:22] + hex.EncodeToString(sum[:])[:13]
}

// DayStatement writes the statement the nightly batch planned (f): the
// entries of its account and day that came after the day's earlier
// statements, opening where the last of them closed, under f's message id
// and sequence number.
func (e *Exporter) DayStatement(ctx context.Context, w io.Writer, f *store.SentFile) error {
	day, err := time.Parse(maksa.DateLayout, f.Day)
	if err != nil {
		return err
	}
	opening, currency, err := e.Store.BalanceBefore(ctx, f.Account, day)
	if err != nil {
		return err
	}
	if f.AfterPosting > 0 {
		earlier, err := e.Store.NetThrough(ctx, f.Account, day, f.AfterPosting)
		if err != nil {
			return err
		}
		opening = opening.Add(earlier)
	}
	st := &camt053.Statement{MessageID: f.MessageID, StatementID: f.MessageID, Sequence: f.AccountSeq, Created: f.Created,
		From: day, To: day, IBAN: f.Account, Currency: currency, Opening: opening}
	return e.statement(ctx, w, camt053.NewWriter, st, store.EntryRange{IBAN: f.Account, From: day, To: day, After: f.AfterPosting, Through: f.LastPosting})
}

// statement writes st with the entries of all, as the message newWriter
// writes (a camt.053 statement, camt.052 report or camt.054 notification).
func (e *Exporter) statement(ctx context.Context, w io.Writer, newWriter func(io.Writer, int) *camt053.Writer, st *camt053.Statement, all store.EntryRange) error {
	owner, err := e.owner(ctx, all.IBAN)
	if err != nil {
		return err
	}
	st.OwnerName = owner
	opening, currency := st.Opening, st.Currency
	version := e.CamtVersion
	if version == 0 {
		version = 2
	}
	parts, least := statementSplit()
	ranges, err := e.Store.SplitEntries(ctx, all, parts, least)
	if err != nil {
		return err
	}
	written := make([]statementPart, len(ranges))
	defer func() {
		for _, p := range written {
			p.remove()
		}
	}()
	g, gctx := errgroup.WithContext(ctx)
	for i, r := range ranges {
		g.Go(func() error { return written[i].write(gctx, e, r, version, currency, tempDir(w)) })
	}
	if err := g.Wait(); err != nil {
		return err
	}
	st.Credits.Sum, st.Debits.Sum = decimal.Zero, decimal.Zero
	for _, p := range written {
		st.Credits.Count, st.Credits.Sum = st.Credits.Count+p.credits.Count, st.Credits.Sum.Add(p.credits.Sum)
		st.Debits.Count, st.Debits.Sum = st.Debits.Count+p.debits.Count, st.Debits.Sum.Add(p.debits.Sum)
	}
	st.Closing = opening.Add(st.Credits.Sum).Sub(st.Debits.Sum)
	cw := newWriter(w, version)
	if err := cw.WriteHeader(st); err != nil {
		return err
	}
	for _, p := range written {
		if err := cw.CopyEntries(p.file); err != nil {
			return err
		}
	}
	return cw.Close()
}

// statementSplit is how many parts a statement's entries are written in
// at most (one a core), and the fewest entries a part holds: below that,
// one part is quicker.
var statementSplit = func() (parts, least int) { return runtime.GOMAXPROCS(0), 20000 }

// statementPart is a run of a statement's entries written ahead of its
// header: the file, rewound, and the totals of what it holds.
type statementPart struct {
	file            *os.File
	credits, debits camt053.Totals
}

func (p *statementPart) write(ctx context.Context, e *Exporter, r store.EntryRange, version int, currency, dir string) error {
	f, err := unnamedFile(dir)
	if err != nil {
		return err
	}
	p.file = f
	cw := camt053.NewEntryWriter(f, version, currency)
	var credits, debits maksa.Sum
	var entry camt053.Entry
	err = readAhead(func(fn func(store.Entry) error) error { return e.Store.EntriesIn(ctx, r, fn) },
		func(en *store.Entry) error {
			if en.Side == "CRDT" {
				p.credits.Count++
				credits.Add(en.Amount)
			} else {
				p.debits.Count++
				debits.Add(en.Amount)
			}
			e.entry(&entry, *en)
			return cw.WriteEntry(&entry)
		})
	if err != nil {
		return err
	}
	p.credits.Sum, p.debits.Sum = credits.Decimal(), debits.Decimal()
	if err := cw.Close(); err != nil {
		return err
	}
	_, err = f.Seek(0, io.SeekStart)
	return err
}

func (p *statementPart) remove() {
	if p.file != nil {
		p.file.Close()
	}
}

// unnamedFile creates a file in dir and removes its name at once: it lives
// while it is open, and a crash or a kill leaves nothing behind (a part is
// as large as the statement's share of entries).
func unnamedFile(dir string) (*os.File, error) {
	f, err := os.CreateTemp(dir, ".statement-*.part")
	if err != nil {
		return nil, err
	}
	if err := os.Remove(f.Name()); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// tempDir is where the parts of a document written to w wait: beside w
// when it is a file (so that the kernel copies them in), else the
// system's temporary folder.
func tempDir(w io.Writer) string {
	if f, ok := w.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() {
			return filepath.Dir(f.Name())
		}
	}
	return ""
}

// readAhead runs produce on another goroutine and hands what it yields to
// consume in chunks, in order, so that reading the database and writing a
// file overlap. The first error of either side stops both and is returned.
// The values are copied into chunks that go back to the producer once
// consumed: consume must not keep the pointer it is given (a payment
// allocated for each of a million rows was most of what a night's files
// allocated, and collecting it slowed the files written beside).
func readAhead[T any](produce func(yield func(T) error) error, consume func(*T) error) error {
	const chunkSize, ahead = 256, 4
	chunks := make(chan []T, ahead)
	free := make(chan []T, ahead+2) // room for every chunk there can be: the consumer never waits to give one back
	quit := make(chan struct{})
	errc := make(chan error, 1)
	go func() {
		defer close(chunks)
		chunk := make([]T, 0, chunkSize)
		err := produce(func(v T) error {
			chunk = append(chunk, v)
			if len(chunk) < chunkSize {
				return nil
			}
			select {
			case chunks <- chunk:
			case <-quit:
				return errStopped
			}
			select {
			case chunk = <-free:
			default:
				chunk = make([]T, 0, chunkSize)
			}
			return nil
		})
		if err == nil && len(chunk) > 0 {
			select {
			case chunks <- chunk:
			case <-quit:
			}
		}
		errc <- err
	}()
	var err error
	for chunk := range chunks {
		for i := range chunk {
			if err = consume(&chunk[i]); err != nil {
				break
			}
		}
		if err != nil {
			break
		}
		free <- chunk[:0]
	}
	close(quit)
	for range chunks { // let the producer finish
	}
	if perr := <-errc; err == nil && perr != errStopped {
		err = perr
	}
	return err
}

var errStopped = errors.New("stopped")

// executedOn is store.ExecutedOn, read ahead on another goroutine.
func (e *Exporter) executedOn(ctx context.Context, day time.Time, batch int64, fn func(*maksa.Payment) error) error {
	return readAhead(func(yield func(maksa.Payment) error) error {
		return e.Store.ExecutedOn(ctx, day, batch, func(p *maksa.Payment) error { return yield(*p) })
	}, fn)
}

// paymentsCredited is store.PaymentsCreditedIn on the clearing account for
// the clearing file f, read ahead on another goroutine.
func (e *Exporter) paymentsCredited(ctx context.Context, f *store.SentFile, fn func(*maksa.Payment) error) error {
	day, err := time.Parse(maksa.DateLayout, f.Day)
	if err != nil {
		return err
	}
	return readAhead(func(yield func(maksa.Payment) error) error {
		return e.Store.PaymentsCreditedIn(ctx, e.Clearing, day, f.AfterPosting, f.LastPosting, func(p *maksa.Payment) error { return yield(*p) })
	}, fn)
}

// entry makes *entry (the caller's, used again for each posting) the
// statement entry of posting en, with its kind's bank transaction code:
// PMNT/ICDT (debit) or RCDT (credit) with ESCT, XBCT for cross-border and
// BOOK between treasury accounts; PMNT/CNTR/CWDL for a cash withdrawal.
func (e *Exporter) entry(entry *camt053.Entry, en store.Entry) {
	domain, family, sub := en.Kind.TransactionCode(en.Side == "CRDT")
	*entry = camt053.Entry{Amount: en.Amount, Credit: en.Side == "CRDT", BookingDate: en.BookingDate, ValueDate: en.BookingDate,
		ServicerRef: ServicerRef(en.PaymentID, en.Side), Domain: domain, Family: family, SubFamily: sub,
		MessageID: en.MessageID, PaymentInfoID: en.PaymentInfoID, InstructionID: en.InstructionID, EndToEndID: en.EndToEndID,
		DebtorName: en.DebtorName, DebtorAccount: en.DebtorIBAN, UltimateDebtor: en.UltimateDebtor, CreditorName: en.CreditorName,
		CreditorAcct: en.CreditorIBAN, Remittance: en.Remittance, Details: EntryDetails(en)}
}

// EntryDetails says a statement entry's kind and, on the debited account,
// the verification of payee its signers were told: "kind sepa; verification
// of payee MTCH".
func EntryDetails(en store.Entry) string {
	s := "kind " + string(en.Kind)
	if en.Side == "DBIT" && en.Payee != "" {
		s += "; verification of payee " + string(en.Payee)
	}
	return s
}

// ServicerRef is the treasury's reference of one side of a payment.
func ServicerRef(payment int64, side string) string {
	return string(append(strconv.AppendInt([]byte("MKS"), payment, 10), side[0]))
}

func (e *Exporter) accounts(ctx context.Context) (map[string]bool, error) {
	ibans, err := e.Store.AccountIBANs(ctx)
	out := map[string]bool{}
	for _, iban := range ibans {
		out[iban] = true
	}
	return out, err
}

func (e *Exporter) owner(ctx context.Context, iban string) (string, error) {
	d, err := e.Store.Directory(ctx)
	if err != nil {
		return "", err
	}
	for _, a := range d.Accounts {
		if a.IBAN == iban {
			for _, c := range d.Clients {
				if c.ID == a.ClientID {
					return c.Name, nil
				}
			}
		}
	}
	return "", nil
}

// StatementTable writes the statement of the account for from..to as a
// table: XLSX (format "xlsx") or CSV.
func (e *Exporter) StatementTable(ctx context.Context, w io.Writer, format, iban string, from, to, created time.Time) error {
	opening, currency, err := e.Store.BalanceBefore(ctx, iban, from)
	if err != nil {
		return err
	}
	cols := []xlsxfmt.Column{{Header: "Booking date", Width: 12}, {Header: "Reference", Width: 14}, {Header: "End-to-end id", Width: 24},
		{Header: "Counterparty", Width: 30}, {Header: "Counterparty account", Width: 24}, {Header: "Debit", Width: 14, Amount: true},
		{Header: "Credit", Width: 14, Amount: true}, {Header: "Balance", Width: 16, Amount: true}, {Header: "Currency", Width: 8},
		{Header: "Remittance", Width: 40}, {Header: "Details", Width: 36}}
	t, err := newTable(w, format, created, "Statement", cols)
	if err != nil {
		return err
	}
	balance := opening
	if err := t.Row(from.Format(maksa.DateLayout), "", "", "Opening balance", iban, "", "", balance, currency, "", ""); err != nil {
		return err
	}
	err = e.Store.Entries(ctx, iban, from, to, func(en store.Entry) error {
		var debit, credit any = "", ""
		if en.Side == "CRDT" {
			credit, balance = en.Amount, balance.Add(en.Amount)
		} else {
			debit, balance = en.Amount, balance.Sub(en.Amount)
		}
		return t.Row(en.BookingDate.Format(maksa.DateLayout), ServicerRef(en.PaymentID, en.Side), en.EndToEndID, en.CounterpartyName,
			en.CounterpartyIBAN, debit, credit, balance, en.Currency, en.Remittance, EntryDetails(en))
	})
	if err != nil {
		return err
	}
	if err := t.Row(to.Format(maksa.DateLayout), "", "", "Closing balance", iban, "", "", balance, currency, "", ""); err != nil {
		return err
	}
	return t.Close()
}

// Outbound writes the clearing file the nightly batch planned (f): the
// payments credited to the clearing account on its day that no earlier
// clearing file holds, as pain.001.001.09 under f's message id. It returns
// how many.
func (e *Exporter) Outbound(ctx context.Context, w io.Writer, f *store.SentFile) (int, error) {
	day, err := time.Parse(maksa.DateLayout, f.Day)
	if err != nil {
		return 0, err
	}
	count, sum, err := e.Store.CreditedTotalIn(ctx, e.Clearing, day, f.AfterPosting, f.LastPosting)
	if err != nil {
		return 0, err
	}
	addresses, err := e.clientAddresses(ctx)
	if err != nil {
		return 0, err
	}
	for iban, a := range addresses {
		addresses[iban] = clearingAddress(a)
	}
	pw := pain001.NewWriter(w, 9)
	pw.DebtorAddresses = addresses
	if err := pw.WriteHeader(&pain001.GroupHeader{MessageID: f.MessageID, CreationTime: f.Created,
		NbOfTxs: count, CtrlSum: sum, InitiatingParty: "Valsts kase"}); err != nil {
		return 0, err
	}
	err = e.paymentsCredited(ctx, f, func(p *maksa.Payment) error {
		e.forClearing(p)
		p.ExecutionDate = day
		if p.Kind == maksa.KindUrgent {
			p.Priority = "HIGH" // flagged for the clearing system
		}
		return pw.Write(p)
	})
	if err != nil {
		return 0, err
	}
	return count, pw.Close()
}

// clientAddresses returns each account's client's postal address.
func (e *Exporter) clientAddresses(ctx context.Context) (map[string]maksa.Address, error) {
	d, err := e.Store.Directory(ctx)
	if err != nil {
		return nil, err
	}
	clients := map[string]maksa.Address{}
	for _, c := range d.Clients {
		clients[c.ID] = c.Address
	}
	out := map[string]maksa.Address{}
	for _, a := range d.Accounts {
		out[a.IBAN] = clients[a.ClientID]
	}
	return out, nil
}

// forClearing makes p what the clearing file says of it, by the EPC
// Customer-to-PSP implementation guidelines (SCT 2025): a SEPA payment is
// service level SEPA with shared charges (SLEV); the debtor's agent is the
// treasury (BIC) and the debtor's address the client's; a payment with both
// a creditor reference and remittance text carries them as one text; every
// text is in
// the EPC basic Latin character set (epc.Basic), cut to its field's length
// where transliteration made it longer. The database keeps the original.
func (e *Exporter) forClearing(p *maksa.Payment) {
	if e.BIC != "" {
		p.DebtorBIC = e.BIC
	}
	if p.Kind == maksa.KindSEPA {
		p.ServiceLevel, p.ChargeBearer = "SEPA", "SLEV"
	}
	if p.Reference != "" && p.Remittance != "" {
		// The EPC rules allow one remittance, structured or not: the
		// reference leads the text.
		p.Remittance, p.Reference = p.Reference+" "+p.Remittance, ""
	}
	for _, f := range []struct {
		value *string
		max   int
	}{
		{&p.PaymentInfoID, 35}, {&p.InstructionID, 35}, {&p.EndToEndID, 35}, {&p.DebtorName, 70}, {&p.CreditorName, 70},
		{&p.UltimateDebtor, 70}, {&p.UltimateCreditor, 70}, {&p.Remittance, 140}, {&p.Reference, 35},
	} {
		*f.value = epc.Cut(epc.Basic(*f.value), f.max)
	}
	p.CreditorAddress = clearingAddress(p.CreditorAddress)
}

// clearingAddress returns a in the EPC basic Latin set, each element cut
// to its field.
func clearingAddress(a maksa.Address) maksa.Address {
	for _, el := range a.Elements() {
		*el.Value = epc.Cut(epc.Basic(*el.Value), el.Max)
	}
	lines := make([]string, len(a.Lines))
	for i, l := range a.Lines {
		lines[i] = epc.Cut(epc.Basic(l), 70)
	}
	a.Lines = lines
	return a
}

// ExecutionReport writes the pain.002 of one import batch for the payments
// the nightly batch executed (ACSC) or refused (RJCT) on day, streaming
// them from the store.
// seq numbers the reports of the same batch and day (see WriteOnce): the
// second is MAKSA-EXE-<D>-<batch>-2.
func (e *Exporter) ExecutionReport(ctx context.Context, w io.Writer, b *maksa.Batch, run store.BatchRun, day time.Time, seq int) error {
	// The group status is true of the original message: ACSC only when
	// every one of its transactions was executed that day, RJCT when none
	// of those listed was; otherwise PART (some refused at import, at
	// execution, or executed on another day).
	status := maksa.PART
	switch {
	case run.Executed == b.Transactions && run.Refused == 0:
		status = maksa.ACSC
	case run.Executed == 0:
		status = maksa.RJCT
	}
	version := b.AnswerVersion
	if version == 0 {
		version = pain002.VersionFor(b.Format)
	}
	pw := pain002.NewWriter(w, version)
	msgID := fmt.Sprintf("MAKSA-EXE-%s-%d", day.Format("20060102"), b.ID)
	if seq > 1 {
		msgID += fmt.Sprintf("-%d", seq)
	}
	err := pw.WriteHeader(&pain002.Report{MessageID: msgID, CreationTime: e.EndOfDay(day),
		OriginalMessageID: b.MessageID, OriginalMessageName: b.Format, OriginalNbOfTxs: b.Transactions, OriginalCtrlSum: b.ControlSum.String(), GroupStatus: status,
		PerStatus: []pain002.StatusCount{{Status: maksa.ACSC, Count: run.Executed}, {Status: maksa.RJCT, Count: run.Refused}}})
	if err != nil {
		return err
	}
	err = e.executedOn(ctx, day, b.ID, func(p *maksa.Payment) error {
		return pw.WriteTransaction(&pain002.Transaction{PaymentInfoID: p.PaymentInfoID, InstructionID: p.InstructionID, EndToEndID: p.EndToEndID,
			UETR: p.UETR, Status: p.Status, Reasons: p.Problems})
	})
	if err != nil {
		return err
	}
	return pw.Close()
}

// WriteFile writes a file through a temporary file and a rename, so that
// nobody reads it half written; the same content gives the same bytes.
// Temporaries of path that an earlier write left behind — a crash or a
// kill in the middle of it — are removed first, once they are an hour old.
func WriteFile(path string, write func(io.Writer) error) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return err
	}
	tmp, err := tempfile.Create(filepath.Dir(path), filepath.Base(path))
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := write(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// table is a report table written as XLSX or CSV.
type table struct {
	w     io.Writer
	wb    *xlsxfmt.Workbook
	sheet *xlsxfmt.Sheet
	csv   *csvfmt.Writer
}

func newTable(w io.Writer, format string, created time.Time, name string, cols []xlsxfmt.Column) (*table, error) {
	t := &table{w: w}
	if format == "csv" {
		t.csv = csvfmt.NewWriter(w)
		header := make([]csvfmt.Cell, len(cols))
		for i, c := range cols {
			header[i] = csvfmt.Text(c.Header)
		}
		return t, t.csv.Write(header...)
	}
	var err error
	if t.wb, err = xlsxfmt.NewWorkbook(created); err != nil {
		return nil, err
	}
	t.sheet, err = t.wb.Sheet(name, cols)
	return t, err
}

// Row writes one row: strings, decimals (amounts), integers.
func (t *table) Row(values ...any) error {
	if t.csv == nil {
		return t.sheet.Row(values...)
	}
	return t.csv.Write(csvCells(values)...)
}

func csvCells(values []any) []csvfmt.Cell {
	cells := make([]csvfmt.Cell, len(values))
	for i, v := range values {
		switch v := v.(type) {
		case string:
			cells[i] = csvfmt.Text(v)
		case decimal.Decimal:
			cells[i] = csvfmt.Number(v.StringFixed(2))
		default:
			cells[i] = csvfmt.Number(fmt.Sprint(v))
		}
	}
	return cells
}

func (t *table) Close() error {
	if t.csv != nil {
		return t.csv.Flush()
	}
	return t.wb.Close(t.w, t.sheet)
}
