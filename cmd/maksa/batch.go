package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"maksa"
	"maksa/exporter"
	"maksa/formats/fidavista"
	"maksa/nightly"
	"maksa/store"
)

// The treasury's own accounts: outbound payments are credited to the
// clearing account, cash withdrawals to the cash account.
const (
	defaultClearing = "LV94TREL0000000000001"
	defaultCash     = "LV67TREL0000000000002"
)

func (m *Main) addExportFlags(cmd *cobra.Command, clearing *string, camt *int) {
	cmd.Flags().StringVar(clearing, "clearing-account", m.env("MAKSA_CLEARING_ACCOUNT", defaultClearing), "the account outbound payments are credited to (MAKSA_CLEARING_ACCOUNT)")
	cmd.Flags().IntVar(camt, "camt-version", 2, "camt.053 version of statements: 2 or 8")
}

func (m *Main) exporter(db *store.DB, clearing string, camt int) (*exporter.Exporter, error) {
	if camt != 2 && camt != 8 {
		return nil, usageErrorf("--camt-version must be 2 or 8")
	}
	if err := maksa.CheckIBAN(clearing); err != nil {
		return nil, usageErrorf("--clearing-account %s: %v", clearing, err)
	}
	bic := m.env("MAKSA_TREASURY_BIC", "TRELLV22")
	if err := maksa.CheckBIC(bic); err != nil {
		return nil, usageErrorf("MAKSA_TREASURY_BIC %s: %v", bic, err)
	}
	treasury := fidavista.Party{Name: m.env("MAKSA_TREASURY_NAME", "Valsts kase"), LegalID: m.env("MAKSA_TREASURY_REG_NO", "90000050138"),
		Address: m.env("MAKSA_TREASURY_ADDRESS", "Smilšu iela 1, Rīga, LV-1919")}
	return &exporter.Exporter{Store: db, Location: m.location, Clearing: clearing, CamtVersion: camt, BIC: bic, Treasury: treasury}, nil
}

// calendar returns the working-day calendar: the built-in rules and the
// closing days of MAKSA_CLOSED_DAYS (comma-separated dates).
func (m *Main) calendar() maksa.Calendar {
	c := maksa.Calendar{Closed: map[string]bool{}}
	for _, d := range strings.Split(m.Getenv("MAKSA_CLOSED_DAYS"), ",") {
		if d = strings.TrimSpace(d); d != "" {
			c.Closed[d] = true
		}
	}
	return c
}

// parseDay reads a --date flag; empty is today in the business time zone.
func (m *Main) parseDay(s string) (time.Time, error) {
	if s == "" {
		return maksa.Day(m.now()), nil
	}
	return parseDate(s)
}

func (m *Main) batchCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "batch", Short: "The nightly batch"}
	var (
		date, clearing, format, cash string
		camt, signDays               int
		all, ahead                   bool
		patience                     time.Duration
	)
	run := &cobra.Command{
		Use:   "run [--date D]",
		Short: "Execute the signed payments that are due, post the ledger, write statements and reports",
		Long: `Run the nightly batch for a working day (default: today in the business time
zone). Every fully signed payment due on or before the day is executed in
order (execution date, urgent first, import order): its signatures are
verified again, its account must be active and hold the funds; it is posted
as a debit on its account and a credit on the creditor's treasury account
or the clearing account. Then it writes:

  statements/<IBAN>/<D>.camt053.xml       for every account with entries
  outbound/<D>/<D>.pain001.xml            payments leaving the treasury
  outbox/<user>/<file>.executed-<D>.pain002.xml   per import batch
  reports/<D>/daily.xlsx                  (or CSV files with --format csv)

Only one batch runs at a time. A statement or clearing file, once
written, is never written again: running a day again after more payments
were signed writes <D>.2.pain001.xml and <D>.2.camt053.xml with only what
was booked since (their own message ids, the next statement number), and
no statement or clearing file when nothing new was booked; an execution
report or daily report that now says more goes beside the first
(<file>.executed-<D>.2.pain002.xml, daily.2.xlsx). A batch that died
continues where it stopped.
When the database goes away the run waits for it, retrying with backoff,
for --patience before it gives up.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			day, err := m.parseDay(date)
			if err != nil {
				return err
			}
			if today := maksa.Day(m.now()); day.After(today) && !ahead {
				return usageErrorf("--date %s is after the business day %s: running it would execute that day's payments early; give --ahead to do that on purpose (the audit log records it)",
					day.Format(maksa.DateLayout), today.Format(maksa.DateLayout))
			}
			if format != "xlsx" && format != "csv" {
				return usageErrorf("--format must be xlsx or csv")
			}
			db, err := m.openWaiting(ctx, patience)
			if err != nil {
				return err
			}
			rules, cal, cfg, err := m.loadConfig()
			if err != nil {
				return err
			}
			if cfg.CashAccount != "" && !cmd.Flags().Changed("cash-account") {
				cash = cfg.CashAccount
			}
			if cfg.ClearingAccount != "" && !cmd.Flags().Changed("clearing-account") {
				clearing = cfg.ClearingAccount
			}
			ex, err := m.exporter(db, clearing, camt)
			if err != nil {
				return err
			}
			host, _ := os.Hostname()
			r := &nightly.Runner{Store: db, Signing: m.signingService(db, signDays), Exporter: ex, Calendar: cal, Rules: rules, CashAccount: cash, Home: m.Home, Now: m.clock,
				Owner: m.actor(fmt.Sprintf("batch@%s:%d", host, os.Getpid())), AllAccounts: all, Ahead: ahead && day.After(maksa.Day(m.now())), ReportFormat: format, Log: m.log, Patience: patience,
				Settle: func(ctx context.Context, batches []int64) error { return m.settle(ctx, db, batches, m.actor("batch")) }}
			if bar := m.progress("executing"); bar != nil {
				r.Progress = func(done int) { bar.Set(done) }
				defer bar.Finish()
			}
			start := time.Now()
			sum, err := r.Run(ctx, day)
			switch {
			case errors.Is(err, nightly.ErrNotWorkingDay), errors.Is(err, store.ErrLocked):
				return usageErrorf("batch run: %v", err)
			case err != nil:
				return err
			}
			m.log.Info("batch run", "date", sum.Date, "executed", sum.Executed, "refused", sum.Refused, "internal", sum.Internal,
				"outbound", sum.Outbound, "awaiting_signature", sum.Awaiting, "statements", len(sum.Statements), "audit_anchor", sum.AuditAnchor, "duration", time.Since(start).Round(time.Millisecond))
			if m.JSON {
				return m.printJSON(sum)
			}
			fmt.Fprintf(m.Stdout, "Batch %s: %d executed (%d internal, %d outbound, %d cash), %d refused, %d held for an unannounced total, %d awaiting signature.\n",
				sum.Date, sum.Executed, sum.Internal, sum.Outbound, sum.Cash, sum.Refused, sum.Held, sum.Awaiting)
			for _, f := range append(append(sum.Statements, sum.Reports...), sum.Files...) {
				fmt.Fprintln(m.Stdout, "  "+f)
			}
			fmt.Fprintf(m.Stdout, "Audit anchor (note it outside the database): %s\n", sum.AuditAnchor)
			return nil
		},
	}
	run.Flags().StringVar(&date, "date", "", "business day (YYYY-MM-DD), default today; a later day needs --ahead")
	run.Flags().BoolVar(&ahead, "ahead", false, "run a day after the business day: its payments are executed early (audited)")
	run.Flags().BoolVar(&all, "all-accounts", false, "a statement for every account, not only those with entries")
	addPatience(run, &patience)
	run.Flags().StringVar(&format, "format", "xlsx", "daily report format: xlsx or csv")
	run.Flags().StringVar(&cash, "cash-account", m.env("MAKSA_CASH_ACCOUNT", defaultCash), "the account cash-withdrawal orders are credited to (MAKSA_CASH_ACCOUNT)")
	m.addExportFlags(run, &clearing, &camt)
	m.addSignDays(run, &signDays)
	cmd.AddCommand(run)
	return cmd
}

// progress returns a progress bar on stderr when it is a terminal and the
// output is not JSON; nil otherwise.
func (m *Main) progress(what string) *progressbar.ProgressBar {
	f, ok := m.Stderr.(*os.File)
	if m.JSON || !ok || !term.IsTerminal(int(f.Fd())) {
		return nil
	}
	return progressbar.NewOptions(-1, progressbar.OptionSetWriter(f), progressbar.OptionSetDescription(what),
		progressbar.OptionShowCount(), progressbar.OptionShowIts(), progressbar.OptionSetItsString("payments"), progressbar.OptionClearOnFinish())
}
