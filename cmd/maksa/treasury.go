package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"go.yaml.in/yaml/v3"

	"maksa"
	"maksa/formats/pain001"
	"maksa/importer"
	"maksa/store"
	"maksa/validator"
)

// preparer returns the user's grant that lets them prepare payments on an
// account of the client, or an error naming why not.
func preparerOf(d *maksa.Directory, user, client string) error {
	for _, g := range d.Grants {
		if g.UserID != user || !g.Has(maksa.ModePrepare) {
			continue
		}
		for _, a := range d.Accounts {
			if a.IBAN == g.AccountIBAN && a.ClientID == client {
				return nil
			}
		}
	}
	return fmt.Errorf("user %s may not prepare payments for client %s: %w", user, client, errRejected)
}

func (m *Main) limitsCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "limits", Short: "One-day changes of users' limits"}
	var user, account, date, payment, daily, operator string
	override := &cobra.Command{
		Use:   "override --user ID --account IBAN --date D [--payment-limit A] [--daily-limit A]",
		Short: "Change a user's limits on an account for one day (validation and signing on that date use them)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			day, err := m.parseDay(date)
			if err != nil {
				return err
			}
			db, d, err := m.directoryFor(ctx)
			if err != nil {
				return err
			}
			if err := cmp.Or(known{d}.user("--user", user), known{d}.account("--account", account)); err != nil {
				return err
			}
			grant := d.Grant(user, account)
			if grant == nil {
				return usageErrorf("user %s has no grant on %s", user, account)
			}
			o := maksa.LimitOverride{PaymentLimit: grant.PaymentLimit, DailyLimit: grant.DailyLimit}
			for _, v := range []struct {
				text string
				dst  *maksa.LimitOverride
				pay  bool
			}{{payment, &o, true}, {daily, &o, false}} {
				if v.text == "" {
					continue
				}
				a, err := maksa.ParseDecimal(v.text)
				if err != nil || a.IsNegative() {
					return usageErrorf("limit %q is not an amount", v.text)
				}
				if v.pay {
					o.PaymentLimit = a
				} else {
					o.DailyLimit = a
				}
			}
			if err := db.OverrideLimits(ctx, user, account, day, o, m.actor(operator)); err != nil {
				return err
			}
			currency := ""
			if a := d.Account(account); a != nil {
				currency = a.Currency
			}
			fmt.Fprintf(m.Stdout, "%s on %s, %s: payment limit %s, daily limit %s\n", user, account, day.Format(maksa.DateLayout),
				maksa.FormatMoney(o.PaymentLimit, currency), maksa.FormatMoney(o.DailyLimit, currency))
			return nil
		},
	}
	fl := override.Flags()
	fl.StringVar(&user, "user", "", "the user")
	fl.StringVar(&account, "account", "", "the account")
	fl.StringVar(&date, "date", "", "the day (YYYY-MM-DD)")
	fl.StringVar(&payment, "payment-limit", "", "the single-payment limit that day")
	fl.StringVar(&daily, "daily-limit", "", "the daily limit that day")
	fl.StringVar(&operator, "operator", "operator", "who changes it, for the audit log")
	for _, f := range []string{"user", "account", "date"} {
		override.MarkFlagRequired(f)
	}
	cmd.AddCommand(override)
	return cmd
}

func (m *Main) announceCommand() *cobra.Command {
	var user, account, date, amount string
	cmd := &cobra.Command{
		Use:   "announce --account IBAN --date D --amount A --user ID",
		Short: "Announce a large outgoing total for a date (by 12:30 the working day before)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			day, err := m.parseDay(date)
			if err != nil {
				return err
			}
			a, err := maksa.ParseDecimal(amount)
			if err != nil || !a.IsPositive() {
				return usageErrorf("--amount %q is not an amount", amount)
			}
			db, d, err := m.directoryFor(ctx)
			if err != nil {
				return err
			}
			if err := cmp.Or(known{d}.user("--user", user), known{d}.account("--account", account)); err != nil {
				return err
			}
			if g := d.Grant(user, account); g == nil || !g.MovesMoney() {
				return fmt.Errorf("user %s may not announce payments of %s: %w", user, account, errRejected)
			}
			if err := db.Announce(ctx, account, day, a, m.actor(user)); err != nil {
				return err
			}
			fmt.Fprintf(m.Stdout, "Announced %s from %s on %s.\n", maksa.FormatMoney(a, "EUR"), account, day.Format(maksa.DateLayout))
			// The rule counts what was announced by the deadline only: say
			// so when this came late.
			rules, cal, _, err := m.loadConfig()
			if err != nil {
				return err
			}
			prev := cal.PreviousWorkingDay(day)
			deadline := time.Date(prev.Year(), prev.Month(), prev.Day(), 0, 0, 0, 0, m.location).Add(rules.AnnouncementDeadline)
			if now := m.now(); now.After(deadline) {
				fmt.Fprintf(m.Stderr, "Warning: the deadline for %s was %s; announced now (%s), this does not count: the client's payments beyond %s that day are held until an operator releases them (maksa release).\n",
					day.Format(maksa.DateLayout), deadline.Format("2006-01-02 15:04"), now.Format("2006-01-02 15:04"), maksa.FormatMoney(rules.AnnouncementThreshold, "EUR"))
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&user, "user", "", "who announces")
	fl.StringVar(&account, "account", "", "the account")
	fl.StringVar(&date, "date", "", "the execution date (YYYY-MM-DD)")
	fl.StringVar(&amount, "amount", "", "the total, EUR")
	for _, f := range []string{"user", "account", "date", "amount"} {
		cmd.MarkFlagRequired(f)
	}
	return cmd
}

func (m *Main) releaseCommand() *cobra.Command {
	var (
		payments     []string
		client, date string
		operator     string
	)
	cmd := &cobra.Command{
		Use:   "release (--payment P... | --client C --date D)",
		Short: "Let payments held for an unannounced total go in the next batch",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			var ids []int64
			for _, p := range payments {
				id, err := strconv.ParseInt(p, 10, 64)
				if err != nil {
					return usageErrorf("--payment %q is not a payment id", p)
				}
				ids = append(ids, id)
			}
			if (len(ids) == 0) == (client == "") {
				return usageErrorf("release needs --payment or --client with --date")
			}
			day, err := m.parseDay(date)
			if err != nil {
				return err
			}
			db, err := m.open(ctx)
			if err != nil {
				return err
			}
			if k, err := knownIn(ctx, db); err != nil || k.client("--client", client) != nil {
				return cmp.Or(err, k.client("--client", client))
			}
			n, err := db.Release(ctx, ids, client, day, m.actor(operator))
			if err != nil {
				return err
			}
			fmt.Fprintf(m.Stdout, "Released %d payments.\n", n)
			return nil
		},
	}
	cmd.Flags().StringSliceVar(&payments, "payment", nil, "payment ids")
	cmd.Flags().StringVar(&client, "client", "", "every payment of this client on --date")
	cmd.Flags().StringVar(&date, "date", "", "the execution date (default today)")
	cmd.Flags().StringVar(&operator, "operator", "operator", "who releases, for the audit log")
	return cmd
}

func (m *Main) templateCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "template", Short: "Payment templates of clients"}
	var user, client, file string
	var fromPayment int64
	save := &cobra.Command{
		Use:   "save NAME --from-payment P --user ID",
		Short: "Save a payment's creditor, account and remittance as a template of its client",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			db, d, err := m.directoryFor(ctx)
			if err != nil {
				return err
			}
			p, err := db.Payment(ctx, fromPayment)
			if err != nil {
				return err
			}
			t := &maksa.Template{Name: args[0], DebtorIBAN: p.DebtorIBAN, CreditorName: p.CreditorName, CreditorIBAN: p.CreditorIBAN,
				CreditorBIC: p.CreditorBIC, Remittance: p.Remittance, Kind: p.Kind}
			if a := d.Account(p.DebtorIBAN); a != nil {
				t.ClientID = a.ClientID
			}
			return m.saveTemplate(ctx, db, d, t, user)
		},
	}
	save.Flags().Int64Var(&fromPayment, "from-payment", 0, "the payment")
	save.MarkFlagRequired("from-payment")
	add := &cobra.Command{
		Use:   "add --file T.yaml --user ID",
		Short: "Add or replace a template from a YAML file (client, name, creditor_name, creditor_iban, creditor_bic, remittance, kind, amount, account)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			data, err := os.ReadFile(file)
			if err != nil {
				return err
			}
			var t maksa.Template
			if err := yaml.Unmarshal(data, &t); err != nil {
				return usageErrorf("%s: %v", file, err)
			}
			db, d, err := m.directoryFor(ctx)
			if err != nil {
				return err
			}
			return m.saveTemplate(ctx, db, d, &t, user)
		},
	}
	add.Flags().StringVar(&file, "file", "", "the template YAML")
	add.MarkFlagRequired("file")
	list := &cobra.Command{
		Use:   "list [--client C] [--user ID]",
		Short: "List templates (for --user: those of the clients the user prepares payments for)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			db, d, err := m.directoryFor(ctx)
			if err != nil {
				return err
			}
			if err := cmp.Or(known{d}.user("--user", user), known{d}.client("--client", client)); err != nil {
				return err
			}
			all, err := db.Templates(ctx, client)
			if err != nil {
				return err
			}
			out := []*maksa.Template{}
			for _, t := range all {
				if user == "" || preparerOf(d, user, t.ClientID) == nil {
					out = append(out, t)
				}
			}
			if m.JSON {
				return m.printJSON(out)
			}
			if len(out) == 0 {
				_, err := fmt.Fprintln(m.Stdout, "No templates.")
				return err
			}
			w := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "CLIENT\tNAME\tCREDITOR\tACCOUNT\tKIND\tAMOUNT\tREMITTANCE")
			for _, t := range out {
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", t.ClientID, t.Name, t.CreditorName, t.CreditorIBAN, t.Kind, t.Amount, t.Remittance)
			}
			return w.Flush()
		},
	}
	del := &cobra.Command{
		Use:   "delete NAME --client C --user ID",
		Short: "Delete a template",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			db, d, err := m.directoryFor(ctx)
			if err != nil {
				return err
			}
			if err := preparerOf(d, user, client); err != nil {
				return err
			}
			if err := db.DeleteTemplate(ctx, client, args[0], m.actor(user)); errors.Is(err, store.ErrNotFound) {
				return fmt.Errorf("%v: %w", err, errRejected)
			} else if err != nil {
				return err
			}
			fmt.Fprintf(m.Stdout, "Deleted template %s of client %s.\n", args[0], client)
			return nil
		},
	}
	for _, c := range []*cobra.Command{save, add, list, del} {
		c.Flags().StringVar(&user, "user", "", "the user (who must prepare payments for the template's client)")
		cmd.AddCommand(c)
	}
	for _, c := range []*cobra.Command{list, del} {
		c.Flags().StringVar(&client, "client", "", "the client")
	}
	for _, c := range []*cobra.Command{save, add, del} {
		c.MarkFlagRequired("user")
	}
	return cmd
}

func (m *Main) directoryFor(ctx context.Context) (*store.DB, *maksa.Directory, error) {
	db, err := m.open(ctx)
	if err != nil {
		return nil, nil, err
	}
	d, err := db.Directory(ctx)
	return db, d, err
}

func (m *Main) saveTemplate(ctx context.Context, db *store.DB, d *maksa.Directory, t *maksa.Template, user string) error {
	switch {
	case t.Name == "" || t.ClientID == "":
		return usageErrorf("a template needs a name and a client")
	case t.Kind != "" && !t.Kind.Valid():
		return usageErrorf("template kind %q is not a kind", t.Kind)
	case t.CreditorIBAN != "" && t.Kind != maksa.KindCrossBorder && maksa.CheckIBAN(t.CreditorIBAN) != nil:
		return usageErrorf("template creditor account %q is not a valid IBAN", t.CreditorIBAN)
	}
	if t.Amount != "" {
		if _, err := maksa.ParseDecimal(t.Amount); err != nil {
			return usageErrorf("template amount %q is not an amount", t.Amount)
		}
	}
	// The template's texts pass the rules every payment's texts pass, so
	// that a payment made from it is not refused for them later.
	filled := &maksa.Payment{CreditorIsIBAN: true}
	t.Fill(filled)
	validator.CheckText(filled)
	if len(filled.Problems) > 0 {
		pr := filled.Problems[0]
		return fmt.Errorf("template %s: %s %s: %w", t.Name, pr.Code, pr.Message, errRejected)
	}
	if err := preparerOf(d, user, t.ClientID); err != nil {
		return err
	}
	if err := db.SaveTemplate(ctx, t, m.actor(user)); err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "Saved template %s of client %s.\n", t.Name, t.ClientID)
	return nil
}

func (m *Main) payCommand() *cobra.Command {
	var (
		user, name, amount, date, account string
		f                                 importFlags
	)
	cmd := &cobra.Command{
		Use:   "pay --user ID --template NAME --amount A [--date D] [--account IBAN]",
		Short: "Create one payment from a template, through the same validation, limits and signature queue as a file",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			day, err := m.parseDay(date)
			if err != nil {
				return err
			}
			db, d, err := m.directoryFor(ctx)
			if err != nil {
				return err
			}
			var t *maksa.Template
			all, err := db.Templates(ctx, "")
			if err != nil {
				return err
			}
			for _, c := range all {
				if c.Name == name && preparerOf(d, user, c.ClientID) == nil {
					t = c
				}
			}
			if t == nil {
				return fmt.Errorf("no template %q of a client %s prepares payments for: %w", name, user, errRejected)
			}
			p := &maksa.Payment{PaymentInfoID: "PAY-" + name, EndToEndID: fmt.Sprintf("PAY-%s", m.now().Format("20060102150405.000")),
				DebtorIBAN: account, AmountText: amount, Currency: "EUR", ExecutionDate: day}
			t.Fill(p)
			if p.Amount, err = maksa.ParseDecimal(p.AmountText); err != nil {
				return usageErrorf("--amount %q is not an amount", p.AmountText)
			}
			if a := d.Account(p.DebtorIBAN); a != nil {
				p.Currency = a.Currency
			}
			path := filepath.Join(m.path("processing"), "pay", fmt.Sprintf("pay-%s-%s.xml", name, m.now().Format("20060102-150405.000")))
			if err := writeOnePayment(path, p, m.now()); err != nil {
				return err
			}
			defer os.Remove(path)
			f.user, f.list = user, m.JSON
			im, err := m.importer(db, f)
			if err != nil {
				return err
			}
			res, err := im.ImportFile(ctx, path, importer.Options{UserID: user, Actor: m.actor(user), ListPayments: m.JSON})
			if err != nil {
				return err
			}
			if m.JSON {
				err = m.printResultsJSON([]*importer.Result{res})
			} else {
				err = m.printResults([]*importer.Result{res})
			}
			if err != nil {
				return err
			}
			if res.Status == maksa.RJCT {
				return errRejected
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&user, "user", "", "who prepares the payment")
	fl.StringVar(&name, "template", "", "the template")
	fl.StringVar(&amount, "amount", "", "the amount (default: the template's)")
	fl.StringVar(&date, "date", "", "the execution date (default today)")
	fl.StringVar(&account, "account", "", "the debtor account (default: the template's)")
	m.addImportFlags(cmd, &f)
	cmd.MarkFlagRequired("user")
	cmd.MarkFlagRequired("template")
	return cmd
}

// writeOnePayment writes a pain.001.001.03 holding one payment.
func writeOnePayment(path string, p *maksa.Payment, now time.Time) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if _, ok := maksa.LookupCurrency(p.Currency); !ok {
		p.Currency = "EUR"
	}
	w := pain001.NewWriter(f, 3)
	if err := w.WriteHeader(&pain001.GroupHeader{MessageID: p.EndToEndID, CreationTime: now, NbOfTxs: 1, CtrlSum: p.Amount, InitiatingParty: "maksa pay"}); err != nil {
		return err
	}
	if err := w.Write(p); err != nil {
		return err
	}
	return w.Close()
}
