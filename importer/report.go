package importer

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"maksa"
	"maksa/formats/csvfmt"
	"maksa/formats/pain002"
)

// writeReport writes the pain.002 for the run's file into
// <Outbox>/<user>/<file>.pain002.xml, never overwriting an earlier report:
// a second report for the same file name gets <file>.2.pain002.xml, and so
// on. The report lists every rejected transaction when the batch was
// stored, and only the group status when the file was rejected whole.
func (r *run) writeReport(ctx context.Context, stored bool) (string, error) {
	b := r.batch
	dir := filepath.Join(r.Outbox, r.opt.UserID)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return "", err
	}
	tmp, err := os.CreateTemp(dir, ".report-*.tmp")
	if err != nil {
		return "", err
	}
	defer os.Remove(tmp.Name())
	now := r.Now().In(r.Location)
	version := r.Pain002Version
	if version == 0 {
		version = 3
	}
	w := pain002.NewWriter(tmp, version)
	name := b.Format
	if name == "" {
		name = "pain.001"
	}
	rep := &pain002.Report{
		MessageID:           fmt.Sprintf("MAKSA-%s-%s", now.Format("20060102150405"), b.SHA256[:12]),
		CreationTime:        now,
		OriginalMessageID:   b.MessageID,
		OriginalMessageName: name,
		OriginalNbOfTxs:     b.Transactions,
		OriginalCtrlSum:     b.ControlSum.String(),
		GroupStatus:         b.Status,
		GroupReasons:        r.group,
	}
	if err := w.WriteHeader(rep); err != nil {
		tmp.Close()
		return "", err
	}
	if stored && len(r.group) == 0 {
		err := r.Store.BatchPayments(ctx, b.ID, true, func(p *maksa.Payment) error {
			return w.WriteTransaction(&pain002.Transaction{PaymentInfoID: p.PaymentInfoID, InstructionID: p.InstructionID,
				EndToEndID: p.EndToEndID, UETR: p.UETR, Status: p.Status, Reasons: p.Problems})
		})
		if err != nil {
			tmp.Close()
			return "", err
		}
	}
	if err := w.Close(); err != nil {
		tmp.Close()
		return "", err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return "", err
	}
	if err := tmp.Close(); err != nil {
		return "", err
	}
	return publish(tmp.Name(), dir, b.FileName, ".pain002.xml")
}

// writeErrors writes <Outbox>/<user>/<file>.errors.csv beside the pain.002
// when anything was rejected: one row per problem, with the payment's
// creditor and amount when the payment was stored. Text cells are
// neutralised against formula injection; amounts are plain numbers.
func (r *run) writeErrors(ctx context.Context, stored bool) (string, error) {
	b := r.batch
	dir := filepath.Join(r.Outbox, r.opt.UserID)
	tmp, err := os.CreateTemp(dir, ".errors-*.tmp")
	if err != nil {
		return "", err
	}
	defer os.Remove(tmp.Name())
	w := csvfmt.NewWriter(tmp)
	w.Write(csvfmt.Text("position"), csvfmt.Text("end_to_end_id"), csvfmt.Text("code"), csvfmt.Text("reason"), csvfmt.Text("message"),
		csvfmt.Text("creditor_name"), csvfmt.Text("creditor_account"), csvfmt.Text("amount"), csvfmt.Text("currency"))
	problem := func(pr maksa.Problem, p *maksa.Payment) error {
		amount, name, account, currency := csvfmt.Text(""), "", "", ""
		if p != nil {
			name, account, currency = p.CreditorName, p.CreditorIBAN, p.Currency
			if cur, ok := maksa.LookupCurrency(p.Currency); ok {
				if _, err := maksa.ParseDecimal(p.AmountText); err == nil {
					amount = csvfmt.Number(maksa.FormatAmount(p.Amount, cur))
				}
			}
		}
		return w.Write(csvfmt.Text(pr.Position.String()), csvfmt.Text(pr.EndToEndID), csvfmt.Text(string(pr.Code)), csvfmt.Text(pr.Code.Info().Name),
			csvfmt.Text(pr.Message), csvfmt.Text(name), csvfmt.Text(account), amount, csvfmt.Text(currency))
	}
	for _, pr := range r.group {
		if err := problem(pr, nil); err != nil {
			tmp.Close()
			return "", err
		}
	}
	if stored && len(r.group) == 0 {
		err := r.Store.BatchPayments(ctx, b.ID, true, func(p *maksa.Payment) error {
			for _, pr := range p.Problems {
				if err := problem(pr, p); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			tmp.Close()
			return "", err
		}
	}
	if err := w.Flush(); err != nil {
		tmp.Close()
		return "", err
	}
	if err := tmp.Close(); err != nil {
		return "", err
	}
	return publish(tmp.Name(), dir, b.FileName, ".errors.csv")
}

// publish gives the finished temporary file its final name without ever
// replacing an existing file: a hard link fails when the name is taken, so
// the next free name is tried.
func publish(tmp, dir, base, suffix string) (string, error) {
	base = strings.TrimLeft(base, ".")
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
