// Package importer is the pipeline that turns one payment file into one
// stored batch: it hashes the file, sniffs its format, streams its payments
// through the structural and business rules, stores them in one database
// transaction and answers with a pain.002 status report in the user's
// outbox. "maksa import", "maksa validate" and the watcher all use it.
package importer

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"maksa"
	"maksa/formats/profile"
	"maksa/store"
	"maksa/validator"
	"maksa/vop"
)

// Importer imports files. Set its fields before the first import.
type Importer struct {
	// Store is where batches go; nil validates the structure only.
	Store *store.DB
	// Now is the business clock and Location the business time zone.
	Now      maksa.Clock
	Location *time.Location
	// DaysPast and DaysFuture bound requested execution dates.
	DaysPast, DaysFuture int
	// Outbox is the folder that receives <user>/<file>.pain002.xml; empty
	// writes no report.
	Outbox string
	// Pain002Version is the pain.002 version of every status report of
	// the files imported (3 or 10); 0 follows each file's version
	// (pain002.VersionFor).
	Pain002Version int
	// Profile maps the columns of CSV and XLSX files; nil is profile.Auto().
	Profile *profile.Profile
	// Rules are the treasury's rules (cut-offs, budget accounts, codes) and
	// Calendar its working days.
	Rules    maksa.Rules
	Calendar maksa.Calendar
	// Payees asks other banks to verify the payees of payments to them;
	// nil answers NOAP for those (payments to treasury accounts are
	// verified against the directory either way).
	Payees *vop.Requester
	Log    *slog.Logger
}

// Options are the choices of one import.
type Options struct {
	UserID string // the importing user; empty runs the structural rules only
	Actor  string // who the audit log names; defaults to UserID
	DryRun bool   // validate against the database but store nothing
	// ListPayments lists every payment: Result.Payments holds the first
	// keptPayments, and EachPayment gives them all (read back from the
	// stored batch past those, so that a million payments are not held).
	ListPayments bool
	// OnlyCounts leaves Result's problems and notes out: the watcher,
	// which answers with the reports of the stored batch, does not hold
	// the problems of a file of a million invalid payments.
	OnlyCounts bool
	// FileName names the file in the batch, positions and reports
	// (default: the base name of the path).
	FileName string
	// Claim is the watcher's claim on the file: the import records its
	// outcome there, in the same transaction. The watcher writes the
	// reports itself (see WriteReports); with a claim, ImportFile writes none.
	Claim int64
	// Attempt, shared by the tries of one file, lets a try recognise the
	// batch an earlier one committed when the answer to its COMMIT was
	// lost, and answer with it instead of calling the file a duplicate of
	// itself (DU01). The watcher needs none: its claim says the same.
	Attempt *Attempt
}

// Attempt is what a try of importing a file leaves for the next try.
type Attempt struct {
	committing int64 // the batch a try was committing when it failed
}

// Result is what happened to one file. It is the JSON contract of
// "maksa import --json" and "maksa validate --json".
type Result struct {
	File         string          `json:"file"`
	Format       string          `json:"format"`
	BatchID      int64           `json:"batch_id,omitempty"`
	MessageID    string          `json:"message_id"`
	Transactions int             `json:"transactions"`
	ControlSum   string          `json:"control_sum"`
	Accepted     int             `json:"accepted"`
	Rejected     int             `json:"rejected"`
	Status       maksa.Status    `json:"status"`
	Problems     []maksa.Problem `json:"problems"`           // the first keptProblems; all of them through EachProblem
	Payments     []PaymentResult `json:"payments,omitempty"` // the first keptPayments; all of them through EachPayment
	Warnings     []string        `json:"warnings,omitempty"` // e.g. columns that map to no field
	Notes        []Note          `json:"notes,omitempty"`    // what maksa changed, such as moved execution dates
	// PayeeCounts counts the payments by their verification of payee;
	// PayeeWarnings lists the first of those a signer must confirm.
	PayeeCounts   map[maksa.PayeeResult]int `json:"vop_counts,omitempty"`
	PayeeWarnings []PayeeWarning            `json:"vop_warnings,omitempty"`
	Report        string                    `json:"report,omitempty"`        // the pain.002 written
	ErrorsReport  string                    `json:"errors_report,omitempty"` // the errors.csv written
	Duration      time.Duration             `json:"-"`

	spill *problemSpill // the problems past keptProblems (see EachProblem)
	// cut says that payments past keptPayments were read and not held;
	// stored, that EachPayment reads them all back from the batch.
	cut    bool
	stored func(fn func(*maksa.Payment) error) error
}

// Note is a change maksa made to an accepted payment.
type Note struct {
	EndToEndID string `json:"end_to_end_id"`
	Message    string `json:"message"`
}

// PaymentResult is one payment in a Result.
type PaymentResult struct {
	PaymentID     int64           `json:"payment_id,omitempty"`
	EndToEndID    string          `json:"end_to_end_id"`
	DebtorIBAN    string          `json:"debtor_iban"`
	CreditorIBAN  string          `json:"creditor_iban"`
	Amount        string          `json:"amount"`
	Currency      string          `json:"currency"`
	ExecutionDate string          `json:"execution_date"`
	Kind          maksa.Kind      `json:"kind,omitempty"`
	Status        maksa.Status    `json:"status"`
	Reasons       []maksa.Problem `json:"reasons"`
	Note          string          `json:"note,omitempty"`
	// Payee is the verification of payee, where it applies.
	Payee *maksa.PayeeCheck `json:"vop,omitempty"`
}

// ImportFile imports the file at path. The returned error is for system
// failures only (the file cannot be opened, the database fails); every
// problem with the file's content is in the Result.
func (im *Importer) ImportFile(ctx context.Context, path string, opt Options) (*Result, error) {
	start := time.Now()
	name := opt.FileName
	if name == "" {
		name = filepath.Base(path)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if opt.Actor == "" {
		opt.Actor = opt.UserID
	}
	run := &run{Importer: im, opt: opt, path: path, res: &Result{File: name, Problems: []maksa.Problem{}, ControlSum: "0"},
		batch: &maksa.Batch{UserID: opt.UserID, FileName: name, AnswerVersion: im.Pain002Version}, digest: digestFile(path)}
	if err := run.importFrom(ctx, f); err != nil {
		return nil, err
	}
	run.res.Duration = time.Since(start)
	if im.Log != nil && opt.Claim == 0 { // the watcher logs its own line per file
		im.Log.Info("file processed", "user", opt.UserID, "file", name, "format", run.res.Format, "batch", run.res.BatchID,
			"transactions", run.res.Transactions, "accepted", run.res.Accepted, "rejected", run.res.Rejected,
			"status", run.res.Status, "duration", run.res.Duration.Round(time.Millisecond))
	}
	return run.res, nil
}

// run is the state of one file's import.
type run struct {
	*Importer
	opt       Options
	path      string
	res       *Result
	batch     *maksa.Batch
	tx        *store.Import
	business  *validator.Business
	payees    *payees         // verifies the payees, when the file is checked against the database
	group     []maksa.Problem // problems that reject the whole file
	headerPos maksa.Position  // where the file's header is
	scale     int32           // the most decimals an amount had, for printing the control sum
	total     maksa.Sum       // of the amounts read: the batch's ControlSum when it is finished
	// digest returns the file's SHA-256, computed the first time it is
	// asked for: a file is hashed only when the hash is needed — to find
	// a duplicate, to store the batch, to name a CSV's message.
	digest func() (string, error)
}

// digestFile returns a function that hashes the file at path once and
// returns its hex SHA-256.
func digestFile(path string) func() (string, error) {
	return sync.OnceValues(func() (string, error) {
		f, err := os.Open(path)
		if err != nil {
			return "", err
		}
		defer f.Close()
		h := sha256.New()
		if _, err := io.Copy(h, f); err != nil {
			return "", err
		}
		return hex.EncodeToString(h.Sum(nil)), nil
	})
}

// sha256 waits for the file's digest and records it on the batch.
func (r *run) sha256() error {
	sum, err := r.digest()
	r.batch.SHA256 = sum
	return err
}

func (r *run) importFrom(ctx context.Context, f *os.File) error {
	src, err := r.open(f, bufio.NewReaderSize(f, 64<<10))
	if err != nil {
		return r.formatError(ctx, err)
	}
	defer src.close()
	r.res.Warnings = src.warnings
	b := r.batch
	b.Format, b.MessageID, b.DeclaredTxs = src.format, src.messageID, src.nbOfTxs
	r.res.Format, r.res.MessageID = src.format, src.messageID
	r.headerPos = src.position
	if pr := validator.CheckMessageID(src.messageID, src.position); pr != nil {
		r.groupProblems([]*maksa.Problem{pr})
	}
	if src.ctrlSum != "" {
		if d, err := maksa.ParseDecimal(src.ctrlSum); err == nil {
			b.DeclaredCtrlSum = &d
		}
	}
	if r.Store != nil && r.opt.UserID != "" {
		if err := r.sha256(); err != nil {
			return err
		}
		holders, err := r.Store.AccountHolders(ctx)
		if err != nil {
			return err
		}
		r.payees = newPayees(ctx, holders, r.Payees)
		defer r.payees.close()
		tx, view, err := r.Store.BeginImport(ctx, b)
		var dup *store.DuplicateFileError
		switch {
		case errors.As(err, &dup) && r.opt.Attempt != nil && dup.BatchID == r.opt.Attempt.committing:
			return r.committedBefore(ctx, dup.BatchID)
		case errors.As(err, &dup):
			r.group = append(r.group, *maksa.Problemf(maksa.DU01, maksa.Position{File: r.res.File}, "%v", dup))
			return r.finish(ctx)
		case err != nil:
			return err
		}
		r.tx = tx
		defer tx.Rollback()
		r.business = &validator.Business{View: view, Today: r.today(), Received: r.Now().In(r.Location), DaysPast: r.DaysPast, DaysFuture: r.DaysFuture,
			Rules: r.Rules, Calendar: r.Calendar}
	}
	next, stop := src.readAhead()
	defer stop()
	for {
		it := next()
		for _, t := range it.totals {
			r.groupProblems(validator.CheckTotals(t))
		}
		p, err := it.p, it.err
		if err == io.EOF {
			break
		}
		if err != nil {
			if isProblem(err) {
				// The document broke off: its totals say nothing more.
				r.groupProblems([]*maksa.Problem{asProblem(err)})
				return r.finish(ctx)
			}
			return err
		}
		if err := r.payment(ctx, p); err != nil {
			return err
		}
		if src.recycle != nil && !r.keepsPayments() {
			src.recycle(p)
		}
	}
	b.ControlSum = r.total.Decimal()
	totals := validator.Totals{Level: validator.GroupLevel, NbOfTxs: src.nbOfTxs, CtrlSum: src.ctrlSum,
		Count: b.Transactions, Sum: b.ControlSum, Position: src.position}
	if src.endTotals != nil {
		totals.Level = validator.TotalRowLevel
		totals.CtrlSum, totals.Position = src.endTotals()
	}
	r.groupProblems(validator.CheckTotals(totals))
	return r.finish(ctx)
}

// keepsPayments reports whether a payment may still be held after
// payment returned: by the import's transaction, which stores its payments
// a chunk at a time, or by the verification of payee. Checking the
// structure alone keeps only copies of what it reports.
func (r *run) keepsPayments() bool { return r.tx != nil || r.payees != nil || r.business != nil }

func (r *run) today() time.Time { return maksa.Day(r.Now().In(r.Location)) }

func isProblem(err error) bool {
	var p *maksa.Problem
	return errors.As(err, &p)
}

func asProblem(err error) *maksa.Problem {
	var p *maksa.Problem
	errors.As(err, &p)
	return p
}

// formatError handles a document that could not be read at all.
func (r *run) formatError(ctx context.Context, err error) error {
	if !isProblem(err) {
		return err
	}
	r.groupProblems([]*maksa.Problem{asProblem(err)})
	return r.finish(ctx)
}

func (r *run) groupProblems(ps []*maksa.Problem) {
	for _, p := range ps {
		r.group = append(r.group, *p)
	}
}

// payment validates and queues one payment.
func (r *run) payment(ctx context.Context, p *maksa.Payment) error {
	b := r.batch
	p.Seq = b.Transactions + 1
	if p.Template != "" && r.business != nil {
		r.business.ApplyTemplate(p)
	}
	validator.CheckPayment(p)
	if r.business != nil {
		r.business.Check(p)
		if b.ClientID == "" {
			if acct := r.business.View.Accounts[p.DebtorIBAN]; acct != nil {
				b.ClientID = acct.ClientID
			}
		}
	}
	if p.Status == "" {
		p.Status = maksa.PDNG
	}
	if r.payees != nil && r.business != nil {
		r.payees.check(p)
		if _, asked := r.payees.pending[p.Seq]; !asked && p.Payee.Result != "" {
			r.res.payee(p, p.Payee)
		}
	}
	b.Transactions++
	r.total.Add(p.Amount)
	r.scale = max(r.scale, -p.Amount.Exponent())
	if p.Status == maksa.RJCT {
		b.Rejected++
		for _, pr := range p.Problems {
			if r.opt.OnlyCounts {
				break // the watcher holds no problems
			}
			// A problem outlives its payment: its strings are cut loose
			// from the reader's blocks, which hold the values of a hundred
			// payments (pain001's values).
			pr.EndToEndID, pr.Position.XPath = strings.Clone(pr.EndToEndID), strings.Clone(pr.Position.XPath)
			if err := r.res.addProblem(pr); err != nil {
				return err
			}
		}
	} else {
		b.Accepted++
		if p.Note != "" && !r.opt.OnlyCounts {
			r.res.Notes = append(r.res.Notes, Note{EndToEndID: p.EndToEndID, Message: p.Note})
		}
	}
	if r.opt.ListPayments {
		if len(r.res.Payments) < keptPayments {
			r.res.Payments = append(r.res.Payments, paymentResult(p))
		} else {
			r.res.cut = true
		}
	}
	if r.tx != nil && len(r.group) == 0 {
		return r.tx.Add(ctx, p)
	}
	return nil
}

func paymentResult(p *maksa.Payment) PaymentResult {
	amount := p.AmountText // one that is no amount, or has more decimals than its currency, as written
	if cur, ok := maksa.LookupCurrency(p.Currency); ok {
		if d, err := maksa.ParseDecimal(p.AmountText); err == nil && d.Equal(d.Round(cur.MinorUnits)) {
			amount = maksa.FormatAmount(d, cur)
		}
	}
	reasons := p.Problems
	if reasons == nil {
		reasons = []maksa.Problem{}
	}
	date := p.DateText
	if !p.ExecutionDate.IsZero() {
		date = p.ExecutionDate.Format(maksa.DateLayout)
	}
	res := PaymentResult{EndToEndID: p.EndToEndID, DebtorIBAN: p.DebtorIBAN, CreditorIBAN: p.CreditorIBAN, Amount: amount,
		Currency: p.Currency, ExecutionDate: date, Kind: p.Kind, Status: p.Status, Reasons: reasons, Note: p.Note}
	if p.Payee.Result != "" {
		c := p.Payee
		res.Payee = &c
	}
	return res
}

// keptPayments is how many payments a Result lists in memory (see
// EachPayment).
var keptPayments = 10000

// Listed reports whether the result lists the file's payments.
func (r *Result) Listed() bool { return r.stored != nil || len(r.Payments) > 0 }

// EachPayment calls fn with each payment of the file: those Payments holds,
// or, when the file had more than keptPayments and was stored, every
// payment of its batch read back from the database, as it is now.
func (r *Result) EachPayment(fn func(PaymentResult) error) error {
	if r.stored == nil {
		for _, p := range r.Payments {
			if err := fn(p); err != nil {
				return err
			}
		}
		return nil
	}
	return r.stored(func(p *maksa.Payment) error {
		pr := paymentResult(p)
		pr.PaymentID = p.ID
		return fn(pr)
	})
}

// finish settles the batch, commits or records the rejection, and writes
// the status report.
func (r *run) finish(ctx context.Context) error {
	b := r.batch
	b.ControlSum = r.total.Decimal()
	if r.Store != nil {
		if err := r.sha256(); err != nil {
			return err
		}
	}
	if len(r.group) == 0 && r.tx != nil {
		if err := r.finishPayments(ctx); err != nil {
			return err
		}
	}
	b.Problems = r.group
	b.Settle()
	stored, err := r.store(ctx)
	if err != nil {
		return err
	}
	if len(r.group) > 0 {
		// A file rejected whole counts every transaction as rejected.
		b.Status, b.Accepted, b.Rejected = maksa.RJCT, 0, b.Transactions
		r.res.Problems = append(append([]maksa.Problem{}, r.group...), r.res.Problems...)
		for i := range r.res.Payments {
			r.res.Payments[i].Status = maksa.RJCT
		}
	}
	res := r.res
	res.BatchID = 0
	if stored {
		res.BatchID = b.ID
	}
	res.Transactions, res.Accepted, res.Rejected, res.Status = b.Transactions, b.Accepted, b.Rejected, b.Status
	res.ControlSum = b.ControlSum.StringFixed(r.scale)
	if res.cut {
		if stored && len(r.group) == 0 && r.Store != nil && !r.opt.DryRun {
			// Past keptPayments, the list is read back from the batch.
			id, db := b.ID, r.Store
			res.stored = func(fn func(*maksa.Payment) error) error { return db.BatchPayments(ctx, id, false, fn) }
		} else {
			res.Warnings = append(res.Warnings, fmt.Sprintf("only the first %d of the %d payments are listed: the batch was not stored to read the rest from", keptPayments, b.Transactions))
		}
	}
	if r.Outbox != "" && r.opt.UserID != "" && !r.opt.DryRun && r.Store != nil && r.opt.Claim == 0 {
		if !stored {
			b.ID = 0
		}
		res.Report, res.ErrorsReport, err = r.WriteReports(ctx, r.opt.UserID, b, "")
		if err != nil {
			return err
		}
	}
	return nil
}

// committedBefore answers with the batch an earlier try of this file
// committed, though the answer to its COMMIT was lost: its counts, its
// payments' reasons, and the status report the earlier try had no chance
// to write.
func (r *run) committedBefore(ctx context.Context, id int64) error {
	b, err := r.Store.Batch(ctx, id)
	if err != nil {
		return err
	}
	res := r.res
	res.BatchID, res.Transactions, res.Accepted, res.Rejected, res.Status = b.ID, b.Transactions, b.Accepted, b.Rejected, b.Status
	res.ControlSum = b.ControlSum.String()
	for _, pr := range b.Problems {
		if err := res.addProblem(pr); err != nil {
			return err
		}
	}
	res.Warnings = append(res.Warnings, fmt.Sprintf("the database stored this file as batch %d before the connection to it was lost; this is that batch", b.ID))
	err = r.Store.BatchPayments(ctx, b.ID, !r.opt.ListPayments, func(p *maksa.Payment) error {
		for _, pr := range p.Problems {
			if err := res.addProblem(pr); err != nil {
				return err
			}
		}
		if p.Note != "" {
			res.Notes = append(res.Notes, Note{EndToEndID: p.EndToEndID, Message: p.Note})
		}
		if r.opt.ListPayments {
			pr := paymentResult(p)
			pr.PaymentID = p.ID
			res.Payments = append(res.Payments, pr)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if r.Outbox != "" && r.opt.Claim == 0 {
		res.Report, res.ErrorsReport, err = r.WriteReports(ctx, r.opt.UserID, b, "")
	}
	return err
}

// finishPayments writes the queued payments, applies DU04 and the message
// id check inside the import transaction.
func (r *run) finishPayments(ctx context.Context) error {
	b := r.batch
	listed := func(seq int) *PaymentResult {
		if r.opt.ListPayments && seq >= 1 && seq <= len(r.res.Payments) {
			return &r.res.Payments[seq-1]
		}
		return nil
	}
	err := r.tx.FinishPayments(ctx, func(d store.Duplicate) error {
		b.Accepted--
		b.Rejected++
		if r.opt.OnlyCounts {
			return nil
		}
		pr := maksa.Problemf(maksa.DU04, d.Position, "end-to-end id %q was already used on this debtor account", d.EndToEndID)
		pr.EndToEndID = d.EndToEndID
		if err := r.res.addProblem(*pr); err != nil {
			return err
		}
		if p := listed(d.Seq); p != nil {
			p.Status = maksa.RJCT
			p.Reasons = append(p.Reasons, maksa.Problem{Code: maksa.DU04, Message: "end-to-end id was already used on this debtor account", Position: d.Position, EndToEndID: d.EndToEndID})
		}
		return nil
	})
	if err != nil {
		return err
	}
	err = r.tx.SamePayments(ctx, r.Rules.RejectSamePayments, func(sm store.Same) error {
		if sm.Rejected {
			b.Accepted--
			b.Rejected++
		}
		if r.opt.OnlyCounts {
			return nil
		}
		p := listed(sm.Seq)
		if sm.Rejected {
			if err := r.res.addProblem(*sm.Problem); err != nil {
				return err
			}
			if p != nil {
				p.Status, p.Reasons = maksa.RJCT, append(p.Reasons, *sm.Problem)
			}
			return nil
		}
		note := store.SameNote(sm.Problem)
		r.res.Notes = append(r.res.Notes, Note{EndToEndID: sm.EndToEndID, Message: note})
		if p != nil {
			if p.Note != "" {
				p.Note += "; "
			}
			p.Note += note
		}
		return nil
	})
	if err != nil {
		return err
	}
	late := r.payees.finish(b.Transactions, r.res)
	if err := r.tx.SetPayees(ctx, late); err != nil {
		return err
	}
	for seq, c := range late {
		if p := listed(seq); p != nil {
			p.Payee = &c
		}
	}
	if id, used, err := r.tx.MessageIDUsed(ctx, b.ClientID, b.MessageID); err != nil {
		return err
	} else if used {
		r.group = append(r.group, *maksa.Problemf(maksa.DU01, r.headerPos, "message id %q was already imported for client %s in batch %d", b.MessageID, b.ClientID, id))
		return nil
	}
	if r.opt.ListPayments && !r.opt.DryRun {
		return r.tx.PaymentIDs(ctx, func(seq int, id int64) {
			if seq >= 1 && seq <= len(r.res.Payments) {
				r.res.Payments[seq-1].PaymentID = id
			}
		})
	}
	return nil
}

// store commits the batch, or records a file rejected whole. It reports
// whether a batch row now exists. Duplicates (DU01) store nothing.
func (r *run) store(ctx context.Context) (bool, error) {
	if r.Store == nil || r.opt.UserID == "" || r.opt.DryRun {
		return false, nil
	}
	b := r.batch
	if len(r.group) == 0 {
		if r.opt.Attempt != nil {
			r.opt.Attempt.committing = b.ID
		}
		err := r.tx.Commit(ctx, r.opt.Actor, r.opt.Claim)
		if errors.Is(err, store.ErrDuplicateMessage) {
			r.group = append(r.group, *maksa.Problemf(maksa.DU01, r.headerPos, "message id %q was already imported for client %s", b.MessageID, b.ClientID))
			return r.finishRejected(ctx)
		}
		return err == nil, err
	}
	return r.finishRejected(ctx)
}

func (r *run) finishRejected(ctx context.Context) (bool, error) {
	b := r.batch
	if r.tx != nil {
		r.tx.Rollback()
	}
	b.Problems, b.Status = r.group, maksa.RJCT
	for _, p := range r.group {
		if p.Code == maksa.DU01 {
			b.ID = 0 // nothing of a duplicate is stored
			return false, r.Store.RecordDuplicate(ctx, b, r.opt.Actor, r.opt.Claim)
		}
	}
	return true, r.Store.RecordRejected(ctx, b, r.opt.Actor, r.opt.Claim)
}
