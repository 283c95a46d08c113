// Package nightly is the treasury's nightly batch: it executes the fully
// signed payments that are due, posts them to the double-entry ledger,
// and writes the day's statements, outbound clearing file, execution
// reports and daily report. Only one batch runs at a time; a batch that
// died is run again and continues where it stopped; running a day again
// executes what was signed since, and never rewrites a statement or
// clearing file already written (see Runner.write).
package nightly

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/shopspring/decimal"
	"golang.org/x/sync/errgroup"

	"maksa"
	"maksa/exporter"
	"maksa/signing"
	"maksa/store"
)

// lockName is the database lock only one batch holds.
const lockName = "nightly-batch"

// chunkSize is how many payments one transaction executes.
const chunkSize = 1000

// ErrNotWorkingDay is returned for a weekend, holiday or closing day.
var ErrNotWorkingDay = errors.New("not a working day")

// Runner runs the nightly batch.
type Runner struct {
	Store    *store.DB
	Signing  *signing.Service
	Exporter *exporter.Exporter
	Calendar maksa.Calendar
	// Rules give the announcement threshold and deadline.
	Rules maksa.Rules
	// CashAccount is the account cash-withdrawal orders are credited to.
	CashAccount string
	Home        string // the data folder: statements/, outbound/, reports/, outbox/
	// Now is the business clock: the creation time of the files written.
	Now   maksa.Clock
	Owner string // names this run in the lock and the audit log
	// AllAccounts writes a statement for every account, not only those
	// with entries that day.
	AllAccounts bool
	// Ahead says the day is after the business day: the operator chose to
	// execute its payments early; the summary (and so the audit log) says so.
	Ahead bool
	// ReportFormat is "xlsx" (default) or "csv".
	ReportFormat string
	// Settle answers the batches whose last payments awaiting signatures
	// were just cancelled for lateness.
	Settle func(ctx context.Context, batches []int64) error
	// Progress, when set, is told how many payments were decided so far.
	Progress func(done int)
	// Patience is how long the run waits for a database that went away,
	// retrying with backoff, before it gives up; 0 gives up at once.
	Patience time.Duration
	Log      *slog.Logger
	outage   store.Outage
}

// Summary is what one run did. It is the JSON contract of "maksa batch run".
type Summary struct {
	Date       string   `json:"date"`
	Ahead      bool     `json:"ahead,omitempty"` // run before its day came (--ahead)
	Executed   int      `json:"executed"`
	Refused    int      `json:"refused"`
	Internal   int      `json:"internal"`
	Outbound   int      `json:"outbound"`
	Cash       int      `json:"cash"`
	Held       int      `json:"held"`
	Awaiting   int      `json:"awaiting_signature"`
	Cancelled  int      `json:"cancelled_unsigned"`
	Statements []string `json:"statements"`
	Reports    []string `json:"reports"`
	Files      []string `json:"files"`
	// ReportErrors are the execution reports that could not be written
	// (a user's outbox that is no folder, a full disk): each is logged and
	// named here, and blocks neither the run nor the other files.
	ReportErrors []string `json:"report_errors,omitempty"`
	// AuditAnchor is the audit log's newest event when the run ended, to
	// note outside the database (see maksa audit verify --anchor).
	AuditAnchor string `json:"audit_anchor,omitempty"`
}

// Run runs the batch for day. Returns an error wrapping ErrNotWorkingDay
// or store.ErrLocked when it may not run.
func (r *Runner) Run(ctx context.Context, day time.Time) (*Summary, error) {
	if !r.Calendar.WorkingDay(day) {
		return nil, fmt.Errorf("%s: %w (weekend, Latvian public holiday or TARGET2 closing day)", day.Format(maksa.DateLayout), ErrNotWorkingDay)
	}
	r.outage.Log = r.Log
	// Each step may be run again: a database outage retries the step.
	retry := func(step func() error) error { return r.outage.Retry(ctx, r.Patience, step) }
	if err := retry(func() error { return r.Store.AcquireLock(ctx, lockName, r.Owner, 10*time.Minute, HolderGone) }); err != nil {
		return nil, err
	}
	defer retry(func() error { return r.Store.ReleaseLock(context.WithoutCancel(ctx), lockName, r.Owner) })
	sum := &Summary{Date: day.Format(maksa.DateLayout), Ahead: r.Ahead, Statements: []string{}, Reports: []string{}, Files: []string{}}
	err := retry(func() error {
		cancelled, err := r.Signing.Expire(ctx, r.Owner)
		if err != nil || len(cancelled) == 0 || r.Settle == nil {
			return err
		}
		return r.Settle(ctx, cancelled)
	})
	if err != nil {
		return nil, err
	}
	start := time.Now()
	if err := retry(func() error { return r.execute(ctx, day, sum) }); err != nil {
		return nil, err
	}
	r.logStep("payments executed", start, "executed", sum.Executed, "refused", sum.Refused, "held", sum.Held)
	start = time.Now()
	err = retry(func() error {
		sum.Statements, sum.Reports, sum.Files = []string{}, []string{}, []string{}
		return r.write(ctx, day, sum)
	})
	if err != nil {
		return nil, err
	}
	r.logStep("files written", start, "statements", len(sum.Statements), "reports", len(sum.Reports), "files", len(sum.Files))
	if err := retry(func() error { return r.Store.Audit(ctx, r.Owner, "batch.run", "nightly batch "+sum.Date, sum) }); err != nil {
		return nil, err
	}
	err = retry(func() error {
		head, err := r.Store.AuditHead(ctx)
		sum.AuditAnchor = head.String()
		return err
	})
	return sum, err
}

// logStep logs that a step of the run ended, and how long it took.
func (r *Runner) logStep(msg string, start time.Time, args ...any) {
	if r.Log != nil {
		r.Log.Info("batch run: "+msg, append(args, "duration", time.Since(start).Round(time.Millisecond))...)
	}
}

// execute decides and posts every due payment, chunk by chunk.
func (r *Runner) execute(ctx context.Context, day time.Time, sum *Summary) error {
	balances, accounts, err := r.Store.Balances(ctx)
	if err != nil {
		return err
	}
	d, err := r.Store.Directory(ctx)
	if err != nil {
		return err
	}
	keys := map[string][]maksa.Key{}
	for _, u := range d.Users {
		keys[u.ID] = u.Keys
	}
	keysOf := func(user string) []maksa.Key { return keys[user] }
	hold, err := r.holds(ctx, day, accounts)
	if err != nil {
		return err
	}
	order, err := r.Store.DueIDs(ctx, day)
	if err != nil {
		return err
	}
	// Chunks are read and their signatures verified one ahead of the
	// chunk being decided and written; they are written on one
	// connection, which keeps its cache of the ledger (store.DB.Pin).
	g, ctx := errgroup.WithContext(ctx)
	chunks := make(chan verified, 1)
	g.Go(func() error {
		defer close(chunks)
		for start := 0; start < len(order); start += chunkSize {
			c, err := r.verified(ctx, order[start:min(start+chunkSize, len(order))], accounts, keysOf)
			if err != nil {
				return err
			}
			select {
			case chunks <- c:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		return nil
	})
	g.Go(func() error {
		writer, release, err := r.Store.Pin(ctx)
		if err != nil {
			return err
		}
		defer release()
		done := 0
		for c := range chunks {
			n, err := r.executeChunk(ctx, writer, day, c, hold, balances, accounts, sum)
			if err != nil {
				return err
			}
			if done += n; n > 0 && r.Progress != nil {
				r.Progress(done)
			}
		}
		return nil
	})
	return g.Wait()
}

// verified is a chunk of due payments with the verdicts on their
// signatures.
type verified struct {
	due      []*maksa.Payment
	verdicts []error
}

// verified reads the due payments with the given ids and verifies their
// signatures.
func (r *Runner) verified(ctx context.Context, ids []int64, accounts map[string]*maksa.Account, keysOf func(string) []maksa.Key) (verified, error) {
	due, err := r.Store.DuePayments(ctx, ids)
	if err != nil {
		return verified{}, err
	}
	ids = make([]int64, len(due))
	for i, p := range due {
		ids[i] = p.ID
	}
	sigs, err := r.Store.SignaturesOf(ctx, ids)
	if err != nil {
		return verified{}, err
	}
	verdicts, err := r.verifyChunk(ctx, due, accounts, sigs, keysOf)
	return verified{due: due, verdicts: verdicts}, err
}

// executeChunk decides every payment of a chunk and commits the chunk's
// executions and refusals, and then its counts to sum. It returns how many
// payments it decided (not held).
func (r *Runner) executeChunk(ctx context.Context, writer *store.DB, day time.Time, c verified, hold func(*maksa.Payment) string,
	balances map[string]decimal.Decimal, accounts map[string]*maksa.Account, sum *Summary) (int, error) {
	chunk := make([]store.Execution, 0, len(c.due))
	var counts Summary // of this chunk, added to sum once it is committed
	held := map[string][]int64{}
	for i, p := range c.due {
		if why := hold(p); why != "" {
			held[why] = append(held[why], p.ID)
			sum.Held++
			continue
		}
		e, err := r.decide(p, day, balances, accounts, c.verdicts[i])
		if err != nil {
			return 0, err
		}
		chunk = append(chunk, e)
		switch {
		case e.Refusal != nil:
			counts.Refused++
		case e.Postings[1].Account == r.Exporter.Clearing:
			counts.Executed++
			counts.Outbound++
		case e.Postings[1].Account == r.CashAccount:
			counts.Executed++
			counts.Cash++
		default:
			counts.Executed++
			counts.Internal++
		}
	}
	if err := writer.Hold(ctx, held); err != nil { // the chunk's held payments, in one transaction
		return 0, err
	}
	if len(chunk) == 0 {
		return 0, nil
	}
	if err := writer.Execute(ctx, day, chunk, r.Owner); err != nil {
		return 0, err
	}
	sum.Refused += counts.Refused
	sum.Executed += counts.Executed
	sum.Outbound += counts.Outbound
	sum.Cash += counts.Cash
	sum.Internal += counts.Internal
	return len(chunk), writer.RefreshLock(ctx, lockName, r.Owner)
}

// verifyChunk verifies the signatures of every payment of a chunk, over
// the payments as they are now: the verdict decide needs for each (nil, or
// why its signatures fail). A payment whose account is gone gets none:
// decide refuses it first.
func (r *Runner) verifyChunk(ctx context.Context, due []*maksa.Payment, accounts map[string]*maksa.Account,
	sigs map[int64][]store.Signature, keysOf func(string) []maksa.Key) ([]error, error) {
	var items []signing.Signed
	var at []int // the index in due of each item
	for i, p := range due {
		if acct := accounts[p.DebtorIBAN]; acct != nil {
			items = append(items, signing.Signed{Payment: p, Required: acct.Signatures, Sigs: sigs[p.ID]})
			at = append(at, i)
		}
	}
	verdicts, err := r.Signing.VerifyMany(ctx, items, keysOf)
	if err != nil {
		return nil, err
	}
	out := make([]error, len(due))
	for k, i := range at {
		out[i] = verdicts[k]
	}
	return out, nil
}

// decide executes or refuses one payment: the debtor account must be
// active (AC06, AC04), the signatures must still verify over the payment as
// it is (DS0E, DS0C), and the account must have the funds, given everything
// executed before it (AM04). A payment to a treasury account in the same
// currency is credited to it; any other to the clearing account.
func (r *Runner) decide(p *maksa.Payment, day time.Time, balances map[string]decimal.Decimal, accounts map[string]*maksa.Account,
	verdict error) (store.Execution, error) {
	refuse := func(code maksa.Reason, format string, args ...any) (store.Execution, error) {
		return store.Execution{Payment: p, Refusal: maksa.Problemf(code, p.Position, format, args...)}, nil
	}
	acct := accounts[p.DebtorIBAN]
	switch {
	case acct == nil:
		return refuse(maksa.AC02, "debtor account %s is no longer a treasury account", p.DebtorIBAN)
	case acct.Status == maksa.AccountBlocked:
		return refuse(maksa.AC06, "debtor account %s is blocked", acct.IBAN)
	case acct.Status == maksa.AccountClosed:
		return refuse(maksa.AC04, "debtor account %s is closed", acct.IBAN)
	}
	if err := verdict; err != nil {
		var pr *maksa.Problem
		if errors.As(err, &pr) {
			return store.Execution{Payment: p, Refusal: pr}, nil
		}
		return store.Execution{}, err
	}
	// The amount in minor units the store keeps beside the signed amount
	// (which limits and totals sum) must be that amount: a row changed
	// behind the signatures is refused, not executed.
	if cur, ok := maksa.LookupCurrency(p.Currency); ok && p.StoredMinor != nil && *p.StoredMinor != maksa.MinorUnits(p.Amount, cur) {
		if r.Log != nil {
			r.Log.Error("payment refused: its stored amount differs from its signed amount", "payment", p.ID, "amount", p.Amount.String(), "stored_minor", *p.StoredMinor)
		}
		return refuse(maksa.DS0E, "the payment's stored amount in minor units (%d) is not its signed amount %s %s", *p.StoredMinor, p.Amount.String(), p.Currency)
	}
	if balances[acct.IBAN].LessThan(p.Amount) {
		return refuse(maksa.AM04, "account %s holds %s, less than the %s this payment needs", acct.IBAN,
			maksa.FormatMoney(balances[acct.IBAN], acct.Currency), maksa.FormatMoney(p.Amount, p.Currency))
	}
	balances[acct.IBAN] = balances[acct.IBAN].Sub(p.Amount)
	debit := store.Posting{Account: acct.IBAN, Side: "DBIT", Amount: p.Amount, Currency: p.Currency, BookingDate: day,
		CounterpartyIBAN: p.CreditorIBAN, CounterpartyName: p.CreditorName}
	credit := store.Posting{Account: r.Exporter.Clearing, Side: "CRDT", Amount: p.Amount, Currency: p.Currency, BookingDate: day,
		CounterpartyIBAN: p.DebtorIBAN, CounterpartyName: p.DebtorName}
	switch to := accounts[p.CreditorIBAN]; {
	case p.Kind == maksa.KindCash:
		credit.Account = r.CashAccount
	case to != nil && to.Currency == p.Currency:
		credit.Account = to.IBAN
		balances[to.IBAN] = balances[to.IBAN].Add(p.Amount)
	}
	return store.Execution{Payment: p, Postings: []store.Posting{debit, credit}}, nil
}

// holds returns the announcement rule for day: a client whose euro
// payments on a day pass the threshold must have announced them by the
// deadline on the working day before; the payments beyond what was
// announced wait, in execution order, until an operator releases them. It
// returns why a payment is held, or "".
func (r *Runner) holds(ctx context.Context, day time.Time, accounts map[string]*maksa.Account) (func(*maksa.Payment) string, error) {
	prev := r.Calendar.PreviousWorkingDay(day)
	loc := r.Exporter.Location
	deadline := time.Date(prev.Year(), prev.Month(), prev.Day(), 0, 0, 0, 0, loc).Add(r.Rules.AnnouncementDeadline)
	announced, err := r.Store.Announced(ctx, day, deadline)
	if err != nil {
		return nil, err
	}
	total, err := r.Store.ExecutedTotals(ctx, day)
	if err != nil {
		return nil, err
	}
	return func(p *maksa.Payment) string {
		acct := accounts[p.DebtorIBAN]
		if acct == nil || p.Currency != "EUR" || r.Rules.AnnouncementThreshold.IsZero() {
			return ""
		}
		allowed := decimal.Max(r.Rules.AnnouncementThreshold, announced[acct.ClientID])
		next := total[acct.ClientID].Add(p.Amount)
		if next.GreaterThan(allowed) && !p.Released {
			return fmt.Sprintf("held: client %s's payments on %s pass %s, and %s was announced by %s; an operator may release them (maksa release)",
				acct.ClientID, day.Format(maksa.DateLayout), maksa.FormatMoney(allowed, "EUR"), maksa.FormatMoney(announced[acct.ClientID], "EUR"), deadline.Format("2006-01-02 15:04"))
		}
		total[acct.ClientID] = next
		return ""
	}, nil
}

// write writes the day's files from the database, two at a time: the
// statements and the clearing file of what was booked since the day's
// earlier ones, the execution reports and the daily report.
//
// A statement or clearing file, once written, is never written again: the
// first run of a day writes <D>.camt053.xml and <D>.pain001.xml; a later
// run of the same day writes <D>.2.camt053.xml (its own message id, the
// next ElctrncSeqNb, opening where the first closed) for the accounts with
// new entries, and <D>.2.pain001.xml (MsgId MAKSA-OUT-<D>-2) with only the
// payments executed since, and nothing when nothing new was booked. Each
// file is planned in the database (which postings it holds) before it is
// written, so that a run that dies in between writes the same file again
// on the next run, never a second file with the same payments.
func (r *Runner) write(ctx context.Context, day time.Time, sum *Summary) error {
	if err := r.plan(ctx, day); err != nil {
		return err
	}
	planned, err := r.Store.UnwrittenFiles(ctx, day)
	if err != nil {
		return err
	}
	d := day.Format(maksa.DateLayout)
	dir, err := r.Store.Directory(ctx)
	if err != nil {
		return err
	}
	var reports, files []string
	written := make([]string, len(planned))
	companions := make([][]string, len(planned)) // the statements in the formats the account asks for beside camt.053
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(2)
	// The daily report first: it takes longest (a table row per payment),
	// and the others share the other turn meanwhile.
	g.Go(func() (err error) {
		files, err = r.Exporter.DailyReport(gctx, filepath.Join(r.Home, "reports", d), day, r.ReportFormat)
		return err
	})
	for i, f := range planned {
		g.Go(func() error {
			err := exporter.WriteFile(f.Path, func(w io.Writer) error {
				if f.Kind == store.SentClearing {
					_, err := r.Exporter.Outbound(gctx, w, f)
					return err
				}
				return r.Exporter.DayStatement(gctx, w, f)
			})
			if err != nil {
				return err
			}
			if a := dir.Account(f.Account); a != nil && f.Kind == store.SentStatement {
				for _, format := range a.Statements { // written before the file is marked written: a run that dies writes them again
					path := exporter.CompanionPath(f.Path, format)
					if err := exporter.WriteFile(path, func(w io.Writer) error { return r.Exporter.DayCompanion(gctx, w, f, format) }); err != nil {
						return err
					}
					companions[i] = append(companions[i], path)
				}
			}
			written[i] = f.Path
			return r.Store.MarkWritten(gctx, f.ID)
		})
	}
	g.Go(func() (err error) {
		reports, sum.ReportErrors, err = r.executionReports(gctx, day)
		return err
	})
	if err := g.Wait(); err != nil {
		return err
	}
	for i, f := range planned {
		if f.Kind == store.SentClearing {
			files = append(files, written[i])
		} else {
			sum.Statements = append(append(sum.Statements, written[i]), companions[i]...)
		}
	}
	sum.Reports, sum.Files = reports, files
	sum.Awaiting, err = r.Store.CountAwaitingSignature(ctx, day)
	return err
}

// plan records in the database the clearing file and the statements that
// what was booked on day since its earlier files calls for.
func (r *Runner) plan(ctx context.Context, day time.Time) error {
	d, compact := day.Format(maksa.DateLayout), day.Format("20060102")
	created := r.Now()
	numbered := func(seq int) string {
		if seq == 1 {
			return ""
		}
		return fmt.Sprintf(".%d", seq)
	}
	suffix := func(seq int) string {
		if seq == 1 {
			return ""
		}
		return fmt.Sprintf("-%d", seq)
	}
	_, err := r.Store.PlanFile(ctx, store.SentClearing, r.Exporter.Clearing, day, created, false, func(seq, _ int) (string, string) {
		return "MAKSA-OUT-" + compact + suffix(seq), filepath.Join(r.Home, "outbound", d, d+numbered(seq)+".pain001.xml")
	})
	if err != nil {
		return err
	}
	ibans, err := r.Store.AccountsWithPostings(ctx, day)
	if r.AllAccounts {
		ibans, err = r.Store.AccountIBANs(ctx)
	}
	if err != nil {
		return err
	}
	for _, iban := range ibans {
		_, err := r.Store.PlanFile(ctx, store.SentStatement, iban, day, created, r.AllAccounts, func(seq, _ int) (string, string) {
			return "S" + compact + iban + suffix(seq), filepath.Join(r.Home, "statements", iban, d+numbered(seq)+".camt053.xml")
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// executionReports writes, for every import batch with payments executed or
// refused on day, a pain.002 to its importing user's outbox:
// <file>.executed-<day>.pain002.xml. A report the file system refuses is
// logged and named in failed; it does not stop the others.
func (r *Runner) executionReports(ctx context.Context, day time.Time) (paths, failed []string, err error) {
	runs, err := r.Store.BatchesExecutedOn(ctx, day)
	if err != nil {
		return nil, nil, err
	}
	paths = []string{}
	for _, run := range runs {
		b, err := r.Store.Batch(ctx, run.BatchID)
		if err != nil {
			return nil, nil, err
		}
		path, err := exporter.WriteOnce(filepath.Join(r.Home, "outbox", b.UserID), fmt.Sprintf("%s.executed-%s", maksa.ReportBase(b.FileName), day.Format(maksa.DateLayout)), ".pain002.xml",
			func(w io.Writer, seq int) error { return r.Exporter.ExecutionReport(ctx, w, b, run, day, seq) })
		var pathErr *fs.PathError
		var linkErr *os.LinkError
		switch {
		case errors.As(err, &pathErr) || errors.As(err, &linkErr):
			if r.Log != nil {
				r.Log.Error("execution report not written; the run goes on", "batch", b.ID, "user", b.UserID, "err", err)
			}
			failed = append(failed, fmt.Sprintf("batch %d (%s): %v", b.ID, b.UserID, err))
			continue
		case err != nil:
			return nil, nil, err
		}
		paths = append(paths, path)
	}
	return paths, failed, nil
}
