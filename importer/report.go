package importer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"unicode"

	"golang.org/x/sync/errgroup"

	"maksa"
	"maksa/formats/csvfmt"
	"maksa/formats/pain002"
	"maksa/internal/tempfile"
)

// WriteReports writes the answer to an imported file into the user's
// outbox: the pain.002 and, when anything was rejected, the errors.csv. The
// batch is the import's outcome (b.ID is 0 when nothing was stored;
// b.Problems are the problems that rejected the whole file). With an empty
// reportName the reports are named after the file and never overwrite an
// earlier report: a second report for the same file name gets
// <file>.2.pain002.xml, and so on. With a reportName (reserved by the
// watcher's claim for this one file) they are written to that name,
// replacing what an interrupted earlier attempt left there. Both are
// written to a temporary name first, so a reader never sees half a report.
func (im *Importer) WriteReports(ctx context.Context, user string, b *maksa.Batch, reportName string) (report, errs string, err error) {
	dir := filepath.Join(im.Outbox, user)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return "", "", err
	}
	// Both are written at once (each reads the batch's rejected payments
	// back), then named: the report first.
	withErrors := b.Rejected > 0 || len(b.Problems) > 0
	var reportTmp, errorsTmp string
	defer func() {
		for _, tmp := range []string{reportTmp, errorsTmp} {
			if tmp != "" {
				os.Remove(tmp) // gone already when renamed; still there when linked
			}
		}
	}()
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() (err error) {
		reportTmp, err = tempfile.Write(dir, "report", func(w io.Writer) error { return im.Pain002(gctx, w, b) })
		return err
	})
	if withErrors {
		g.Go(func() (err error) {
			errorsTmp, err = tempfile.Write(dir, "errors", func(w io.Writer) error { return im.writeErrors(gctx, w, b) })
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return "", "", err
	}
	base := maksa.ReportBase(b.FileName) // a name too long for its reports is shortened
	report, err = place(reportTmp, dir, base, reportName, ".pain002.xml")
	if err != nil || !withErrors {
		return report, "", err
	}
	// The errors.csv carries its report's name: <file>.2.errors.csv beside
	// <file>.2.pain002.xml.
	errs = strings.TrimSuffix(report, ".pain002.xml") + ".errors.csv"
	if reportName != "" {
		return report, errs, os.Rename(errorsTmp, errs)
	}
	if err := os.Link(errorsTmp, errs); errors.Is(err, os.ErrExist) {
		// Taken (named before errors.csv followed its report): the next free name.
		errs, err = publish(errorsTmp, dir, base, ".errors.csv")
		return report, errs, err
	} else if err != nil {
		return report, "", err
	}
	return report, errs, nil
}

// Pain002 writes the status report of a batch as it stands: every rejected
// or cancelled transaction when the batch was stored (b.ID set), only the
// group status when the file was rejected whole.
func (im *Importer) Pain002(ctx context.Context, w io.Writer, b *maksa.Batch) error {
	now := im.Now().In(im.Location)
	version := b.AnswerVersion
	if version == 0 {
		version = pain002.VersionFor(b.Format)
	}
	number := now.UnixNano() // with no database, only structure was checked
	if im.Store != nil {
		n, err := im.Store.NextReportNumber(ctx, now)
		if err != nil {
			return err
		}
		number = n
	}
	pw := pain002.NewWriter(w, version)
	msgName := b.Format
	if msgName == "" {
		msgName = "pain.001"
	}
	rep := &pain002.Report{
		MessageID:           fmt.Sprintf("MAKSA-%s-%d", now.Format("20060102"), number),
		CreationTime:        now,
		OriginalMessageID:   b.MessageID,
		OriginalMessageName: msgName,
		OriginalNbOfTxs:     b.Transactions,
		OriginalCtrlSum:     b.ControlSum.String(),
		GroupStatus:         b.Status,
		GroupReasons:        b.Problems,
	}
	if err := pw.WriteHeader(rep); err != nil {
		return err
	}
	if b.ID != 0 && len(b.Problems) == 0 {
		err := im.Store.BatchPayments(ctx, b.ID, true, func(p *maksa.Payment) error {
			reasons := p.Problems
			if p.Note != "" {
				reasons = append(reasons, maksa.Problem{Code: maksa.NARR, Message: p.Note})
			}
			if p.Payee.NeedsConfirmation() && p.Status == maksa.PDNG { // once signed, the signer confirmed it
				reasons = append(reasons, maksa.Problem{Code: maksa.NARR, Message: "verification of payee " + p.Payee.String()})
			}
			return pw.WriteTransaction(&pain002.Transaction{PaymentInfoID: p.PaymentInfoID, InstructionID: p.InstructionID,
				EndToEndID: p.EndToEndID, UETR: p.UETR, Status: p.Status, Reasons: reasons})
		})
		if err != nil {
			return err
		}
	}
	return pw.Close()
}

// writeErrors writes the errors.csv: one row per problem, with the
// payment's creditor and amount when the payment was stored. Text cells are
// neutralised against formula injection; amounts are plain numbers.
func (im *Importer) writeErrors(ctx context.Context, out io.Writer, b *maksa.Batch) error {
	w := csvfmt.NewWriter(out)
	w.Write(csvfmt.Text("position"), csvfmt.Text("end_to_end_id"), csvfmt.Text("code"), csvfmt.Text("reason"), csvfmt.Text("message"),
		csvfmt.Text("creditor_name"), csvfmt.Text("creditor_account"), csvfmt.Text("amount"), csvfmt.Text("currency"))
	problem := func(pr maksa.Problem, p *maksa.Payment) error {
		amount, name, account, currency := csvfmt.Text(""), "", "", ""
		if p != nil {
			name, account, currency = p.CreditorName, p.CreditorIBAN, p.Currency
			if cur, ok := maksa.LookupCurrency(p.Currency); ok {
				if d, err := maksa.ParseDecimal(p.AmountText); err == nil {
					amount = csvfmt.Number(maksa.FormatAmount(d, cur))
					if !d.Equal(d.Round(cur.MinorUnits)) { // more decimals than the currency has: as written, never rounded
						amount = csvfmt.Number(d.String())
					}
				}
			}
		}
		return w.Write(csvfmt.Text(pr.Position.String()), csvfmt.Text(pr.EndToEndID), csvfmt.Text(string(pr.Code)), csvfmt.Text(pr.Code.Info().Name),
			csvfmt.Text(pr.Message), csvfmt.Text(name), csvfmt.Text(account), amount, csvfmt.Text(currency))
	}
	for _, pr := range b.Problems {
		if err := problem(pr, nil); err != nil {
			return err
		}
	}
	if b.ID != 0 && len(b.Problems) == 0 {
		err := im.Store.BatchPayments(ctx, b.ID, true, func(p *maksa.Payment) error {
			for _, pr := range p.Problems { // notes are no errors
				if err := problem(pr, p); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return w.Flush()
}

// safeName makes a file name safe to write into an outbox: no leading dots,
// no control characters or invalid UTF-8, no path separators.
func safeName(name string) string {
	name = strings.ToValidUTF8(name, "_")
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '/' || r == '\\' {
			return '_'
		}
		return r
	}, name)
	if name = strings.TrimLeft(name, "."); name == "" {
		name = "file"
	}
	return name
}

// place gives a finished temporary file its final name: the reserved name
// when there is one (replacing a file an interrupted attempt left), or the
// next free name after the file's.
func place(tmp, dir, base, reserved, suffix string) (string, error) {
	if reserved != "" {
		path := filepath.Join(dir, reserved)
		return path, os.Rename(tmp, path)
	}
	return publish(tmp, dir, base, suffix)
}

// publish gives the finished temporary file its final name without ever
// replacing an existing file: a hard link fails when the name is taken, so
// the next free name is tried.
func publish(tmp, dir, base, suffix string) (string, error) {
	base = safeName(base)
	for n := 1; n < 10000; n++ {
		name := base + suffix
		if n > 1 {
			name = fmt.Sprintf("%s.%d%s", base, n, suffix)
		}
		path := filepath.Join(dir, name)
		err := os.Link(tmp, path)
		if err == nil {
			return path, nil
		}
		if !errors.Is(err, os.ErrExist) {
			return "", err
		}
	}
	return "", fmt.Errorf("%s: too many reports with this name", base)
}

// Settle answers every batch of the list whose last payment awaiting
// signatures was just signed, refused or cancelled: the importing user gets
// an updated pain.002 (see store.SettleBatch).
func (im *Importer) Settle(ctx context.Context, batches []int64, actor string) error {
	seen := map[int64]bool{}
	for _, id := range batches {
		if seen[id] {
			continue
		}
		seen[id] = true
		b, err := im.Store.SettleBatch(ctx, id, actor)
		if err != nil {
			return err
		}
		if b == nil {
			continue
		}
		report, _, err := im.WriteReports(ctx, b.UserID, b, "")
		if err != nil {
			return err
		}
		if im.Log != nil {
			im.Log.Info("batch settled", "batch", b.ID, "status", b.Status, "signed", b.Accepted, "rejected", b.Rejected, "report", report)
		}
	}
	return nil
}
