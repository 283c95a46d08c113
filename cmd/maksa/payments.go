package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/shopspring/decimal"
	"github.com/spf13/cobra"

	"maksa"
	"maksa/exporter"
	"maksa/formats/csvfmt"
	"maksa/history"
	"maksa/store"
)

// visibility restricts a filter to what user may see by its access modes.
func (m *Main) visibility(ctx context.Context, db *store.DB, user string, f *store.PaymentFilter) error {
	if user == "" {
		return nil
	}
	d, err := db.Directory(ctx)
	if err != nil {
		return err
	}
	f.Restricted = true
	f.Outgoing, f.Incoming = d.Visible(user)
	return nil
}

func (m *Main) paymentsCommand() *cobra.Command {
	var (
		f                store.PaymentFilter
		user, from, to   string
		minText, maxText string
		csvOut           bool
		payees           []string
	)
	cmd := &cobra.Command{
		Use:   "payments [filters]",
		Short: "Search payments (with --user, only what that user may see)",
		Long: `Search payments by status, account, direction, creditor, amount range, execution
date range, end-to-end id, batch or free text. With --user, only what the
user's access modes show: outgoing payments of accounts where the user holds
view_outgoing, view_all, prepare or a sign mode; incoming payments (executed
transfers to the account) where the user holds view_incoming or view_all.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			var err error
			if f.From, err = optionalDay(from); err != nil {
				return err
			}
			if f.To, err = optionalDay(to); err != nil {
				return err
			}
			min, max, err := amountRange(minText, maxText)
			if err != nil {
				return err
			}
			if f.Direction != "" && f.Direction != "in" && f.Direction != "out" {
				return usageErrorf("--direction must be in or out")
			}
			f.Status = strings.ToUpper(f.Status)
			if f.Status != "" && !slices.Contains(paymentStatuses, f.Status) {
				return usageErrorf("--status %q is no payment status: one of %s", f.Status, strings.Join(paymentStatuses, ", "))
			}
			for _, v := range payees {
				v = strings.ToUpper(v)
				if !slices.Contains(payeeResults, v) {
					return usageErrorf("--vop %q is no verification of payee outcome: one of %s", v, strings.Join(payeeResults, ", "))
				}
				f.Payee = append(f.Payee, v)
			}
			db, err := m.open(ctx)
			if err != nil {
				return err
			}
			k, err := knownIn(ctx, db)
			if err != nil {
				return err
			}
			if err := cmp.Or(k.user("--user", user), k.account("--account", f.Account)); err != nil {
				return err
			}
			if f.Batch < 0 {
				return usageErrorf("--batch %d is no batch id: ids are positive", f.Batch)
			}
			if err := m.visibility(ctx, db, user, &f); err != nil {
				return err
			}
			var found []*maksa.Payment
			err = db.SearchPayments(ctx, f, func(p *maksa.Payment) error {
				if (min != nil && p.Amount.LessThan(*min)) || (max != nil && p.Amount.GreaterThan(*max)) {
					return nil
				}
				found = append(found, p)
				return nil
			})
			if err != nil {
				return err
			}
			levels, err := db.SignatureLevels(ctx, paymentIDs(found))
			if err != nil {
				return err
			}
			return m.printPayments(found, levels, csvOut)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&user, "user", "", "show only what this user may see")
	fl.StringVar(&f.Status, "status", "", "PDNG, ACCP, ACSC, RJCT, CANC")
	fl.StringVar(&f.Account, "account", "", "debtor account (or creditor account with --direction in)")
	fl.StringVar(&f.Direction, "direction", "", "in or out")
	fl.StringVar(&f.Creditor, "creditor", "", "part of the creditor's name")
	fl.StringVar(&f.IBAN, "iban", "", "the creditor account")
	fl.StringVar(&minText, "min", "", "smallest amount")
	fl.StringVar(&maxText, "max", "", "largest amount")
	fl.StringVar(&from, "from", "", "execution date from (YYYY-MM-DD)")
	fl.StringVar(&to, "to", "", "execution date to (YYYY-MM-DD)")
	fl.StringVar(&f.EndToEnd, "e2e", "", "end-to-end id")
	fl.Int64Var(&f.Batch, "batch", 0, "batch id")
	fl.StringVar(&f.Text, "text", "", "free text, in any case: end-to-end or instruction id, any party's name, remittance, creditor reference (RF…), creditor's address")
	fl.StringSliceVar(&payees, "vop", nil, "verification of payee outcomes, e.g. CMTC,NMTC,NOAP")
	fl.BoolVar(&csvOut, "csv", false, "print CSV")
	cmd.AddCommand(m.paymentShowCommand(), m.correctNameCommand())
	return cmd
}

// payeeResults are the outcomes of a verification of payee.
var payeeResults = []string{string(maksa.PayeeMatch), string(maksa.PayeeCloseMatch), string(maksa.PayeeNoMatch), string(maksa.PayeeNotPossible), string(maksa.PayeeOptedOut)}

// paymentStatuses are the statuses a payment can have.
var paymentStatuses = []string{string(maksa.PDNG), string(maksa.ACCP), string(maksa.ACSC), string(maksa.RJCT), string(maksa.CANC)}

func optionalDay(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	return parseDate(s)
}

// parseDate reads a YYYY-MM-DD date, saying what is wrong with one that
// is not: "2026-13-40" has no month 13.
func parseDate(s string) (time.Time, error) {
	d, err := time.Parse(maksa.DateLayout, s)
	if err == nil {
		return d, nil
	}
	var pe *time.ParseError
	if errors.As(err, &pe) && pe.Message != "" {
		return d, usageErrorf("date %q: %s; write a date as YYYY-MM-DD, e.g. 2026-11-27", s, strings.TrimPrefix(pe.Message, ": "))
	}
	return d, usageErrorf("date %q is not a date: write it as YYYY-MM-DD, e.g. 2026-11-27", s)
}

func amountRange(minText, maxText string) (*decimal.Decimal, *decimal.Decimal, error) {
	var out [2]*decimal.Decimal
	for i, s := range []string{minText, maxText} {
		if s == "" {
			continue
		}
		d, err := maksa.ParseDecimal(s)
		if err != nil {
			return nil, nil, usageErrorf("amount %q is not an amount: write it as digits with a point, e.g. 1500.00", s)
		}
		out[i] = &d
	}
	return out[0], out[1], nil
}

// paymentJSON is one payment in the JSON and CSV output of "maksa payments".
type paymentJSON struct {
	PaymentID     int64          `json:"payment_id"`
	BatchID       int64          `json:"batch_id"`
	EndToEndID    string         `json:"end_to_end_id"`
	DebtorIBAN    string         `json:"debtor_iban"`
	DebtorName    string         `json:"debtor_name"`
	CreditorName  string         `json:"creditor_name"`
	CreditorIBAN  string         `json:"creditor_iban"`
	CreditorAddr  *maksa.Address `json:"creditor_address,omitempty"`
	Amount        string         `json:"amount"`
	Currency      string         `json:"currency"`
	ExecutionDate string         `json:"execution_date"`
	Kind          maksa.Kind     `json:"kind"`
	Status        maksa.Status   `json:"status"`
	Remittance    string         `json:"remittance"`
	// What else the payer gave, where it did.
	Reference        string            `json:"reference,omitempty"` // the structured creditor reference (RF…)
	InstructionID    string            `json:"instruction_id,omitempty"`
	CreditorBIC      string            `json:"creditor_bic,omitempty"`
	UltimateDebtor   string            `json:"ultimate_debtor,omitempty"`
	UltimateCreditor string            `json:"ultimate_creditor,omitempty"`
	Purpose          string            `json:"purpose,omitempty"`
	CategoryPurpose  string            `json:"category_purpose,omitempty"`
	Note             string            `json:"note,omitempty"`       // what maksa changed or holds it for
	Released         bool              `json:"released,omitempty"`   // released from an announcement hold
	Payee            *maksa.PayeeCheck `json:"vop,omitempty"`        // the verification of payee, where it applies
	Signatures       *store.Levels     `json:"signatures,omitempty"` // done and required
	Reasons          []maksa.Problem   `json:"reasons"`
}

func toJSON(p *maksa.Payment) paymentJSON {
	reasons := p.Problems
	if reasons == nil {
		reasons = []maksa.Problem{}
	}
	var address *maksa.Address
	if !p.CreditorAddress.IsZero() {
		address = &p.CreditorAddress
	}
	var payee *maksa.PayeeCheck
	if p.Payee.Result != "" {
		payee = &p.Payee
	}
	return paymentJSON{p.ID, p.BatchID, p.EndToEndID, p.DebtorIBAN, p.DebtorName, p.CreditorName, p.CreditorIBAN, address, p.AmountText, p.Currency, p.DateText, p.Kind, p.Status, p.Remittance,
		p.Reference, p.InstructionID, p.CreditorBIC, p.UltimateDebtor, p.UltimateCreditor, p.Purpose, p.CategoryPurpose, p.Note, p.Released, payee, nil, reasons}
}

func (m *Main) printPayments(ps []*maksa.Payment, levels map[int64]store.Levels, csvOut bool) error {
	out := make([]paymentJSON, len(ps))
	for i, p := range ps {
		out[i] = toJSON(p)
		if l, ok := levels[p.ID]; ok {
			out[i].Signatures = &l
		}
	}
	switch {
	case m.JSON:
		return m.printJSON(out)
	case csvOut:
		w := csvfmt.NewWriter(m.Stdout)
		w.Write(csvfmt.Text("payment_id"), csvfmt.Text("batch_id"), csvfmt.Text("end_to_end_id"), csvfmt.Text("debtor_iban"), csvfmt.Text("creditor_name"),
			csvfmt.Text("creditor_iban"), csvfmt.Text("amount"), csvfmt.Text("currency"), csvfmt.Text("execution_date"), csvfmt.Text("status"), csvfmt.Text("remittance"),
			csvfmt.Text("vop"), csvfmt.Text("vop_name"))
		for _, p := range out {
			w.Write(csvfmt.Number(fmt.Sprint(p.PaymentID)), csvfmt.Number(fmt.Sprint(p.BatchID)), csvfmt.Text(p.EndToEndID), csvfmt.Text(p.DebtorIBAN),
				csvfmt.Text(p.CreditorName), csvfmt.Text(p.CreditorIBAN), csvfmt.Number(p.Amount), csvfmt.Text(p.Currency), csvfmt.Text(p.ExecutionDate),
				csvfmt.Text(string(p.Status)), csvfmt.Text(p.Remittance), csvfmt.Text(string(p.payee().Result)), csvfmt.Text(p.payee().Name))
		}
		return w.Flush()
	}
	if len(out) == 0 {
		_, err := fmt.Fprintln(m.Stdout, "No payment matches.")
		return err
	}
	w := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "PAYMENT\tBATCH\tEND-TO-END ID\tDEBTOR\tCREDITOR\tCREDITOR ACCOUNT\tAMOUNT\tDATE\tKIND\tVOP\tSIGNED\tSTATUS")
	for _, p := range out {
		signed := "-"
		if p.Signatures != nil {
			signed = fmt.Sprintf("%d/%d", p.Signatures.Done, p.Signatures.Required)
		}
		fmt.Fprintf(w, "%d\t%d\t%s\t%s\t%s\t%s\t%s %s\t%s\t%s\t%s\t%s\t%s\n", p.PaymentID, p.BatchID, p.EndToEndID, p.DebtorIBAN, p.CreditorName, p.CreditorIBAN, p.Amount, p.Currency, p.ExecutionDate, p.Kind,
			payeeColumn(p.payee()), signed, p.Status)
	}
	return w.Flush()
}

func (p paymentJSON) payee() maksa.PayeeCheck {
	if p.Payee == nil {
		return maksa.PayeeCheck{}
	}
	return *p.Payee
}

// payeeColumn is the verification of payee in a table's column: the
// outcome, and the registered name on a close match; "-" where none
// applies.
func payeeColumn(c maksa.PayeeCheck) string {
	switch c.Result {
	case "":
		return "-"
	case maksa.PayeeCloseMatch:
		return fmt.Sprintf("CMTC (%s)", c.Name)
	}
	return string(c.Result)
}

// history is the whole story of one payment.
type historyJSON struct {
	Payment    paymentJSON           `json:"payment"`
	Batch      map[string]any        `json:"batch"`
	Signatures []store.Signature     `json:"signatures"`
	Postings   []history.Posting     `json:"postings"`
	States     []history.StateChange `json:"states"` // each state it went through, and when
	Events     []maksa.AuditEvent    `json:"events"`
}

func (m *Main) paymentShowCommand() *cobra.Command {
	var user string
	cmd := &cobra.Command{
		Use:   "show P",
		Short: "One payment's whole history: import, every signature, execution, reports",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			var id int64
			if _, err := fmt.Sscan(strings.TrimPrefix(args[0], "P"), &id); err != nil {
				return usageErrorf("%q is not a payment id", args[0])
			}
			db, err := m.open(ctx)
			if err != nil {
				return err
			}
			f := store.PaymentFilter{}
			if err := m.visibility(ctx, db, user, &f); err != nil {
				return err
			}
			p, err := db.Payment(ctx, id)
			if err != nil {
				return err
			}
			if f.Restricted && !contains(f.Outgoing, p.DebtorIBAN) && !(p.Status == maksa.ACSC && contains(f.Incoming, p.CreditorIBAN)) {
				return fmt.Errorf("user %s may not see payment %d: %w", user, id, errRejected)
			}
			hist, err := history.Of(ctx, db, p)
			if err != nil {
				return err
			}
			b := hist.Batch
			h := historyJSON{Payment: toJSON(p), Batch: map[string]any{"batch_id": b.ID, "file": b.FileName, "format": b.Format, "message_id": b.MessageID,
				"user": b.UserID, "imported_at": b.CreatedAt, "status": b.Status}, Signatures: hist.Signatures, Postings: hist.Postings, States: hist.States, Events: hist.Events}
			h.Payment.Signatures = &store.Levels{Done: len(h.Signatures), Required: hist.Required}
			if m.JSON {
				return m.printJSON(h)
			}
			return m.printHistory(m.Stdout, h, p, b)
		},
	}
	cmd.Flags().StringVar(&user, "user", "", "refuse unless this user may see the payment")
	return cmd
}

func (m *Main) printHistory(out io.Writer, h historyJSON, p *maksa.Payment, b *maksa.Batch) error {
	w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintf(w, "Payment %d\t%s %s to %s (%s), %s\n", p.ID, p.AmountText, p.Currency, p.CreditorName, p.CreditorIBAN, p.Status)
	if !p.CreditorAddress.IsZero() {
		fmt.Fprintf(w, "Creditor address\t%s\n", p.CreditorAddress)
	}
	debtor := p.DebtorIBAN
	if p.DebtorName != "" {
		debtor += " (" + p.DebtorName + ")"
	}
	fmt.Fprintf(w, "Kind\t%s\n", p.Kind)
	if l := h.Payment.Signatures; l != nil {
		fmt.Fprintf(w, "Signatures\t%d of %d\n", l.Done, l.Required)
	}
	if p.Payee.Result != "" {
		fmt.Fprintf(w, "Verification of payee\t%s\n", p.Payee)
	}
	if p.Note != "" {
		fmt.Fprintf(w, "Note\t%s\n", p.Note)
	}
	if p.Released {
		fmt.Fprintf(w, "Released\tfrom its announcement hold by an operator\n")
	}
	fmt.Fprintf(w, "End-to-end id\t%s\nDebtor\t%s\nExecution date\t%s\nRemittance\t%s\n", p.EndToEndID, debtor, p.DateText, p.Remittance)
	fmt.Fprintf(w, "Imported\t%s by %s from %s (batch %d, %s)\n", b.CreatedAt.In(m.location).Format("2006-01-02 15:04:05"), b.UserID, b.FileName, b.ID, b.Format)
	for _, s := range h.Signatures {
		confirmed := ""
		if s.PayeeConfirmed != "" {
			confirmed = ", confirming verification of payee " + string(s.PayeeConfirmed)
		}
		fmt.Fprintf(w, "Signed level %d\t%s by %s (key %s…%s)\n", s.Level, s.SignedAt.In(m.location).Format("2006-01-02 15:04:05"), s.UserID, s.Fingerprint[:12], confirmed)
	}
	for _, c := range h.States {
		fmt.Fprintf(w, "State %s\t%s %s\n", c.Status, c.At.In(m.location).Format("2006-01-02 15:04:05"), c.What)
	}
	for _, post := range h.Postings {
		fmt.Fprintf(w, "Posted %s\t%s %s %s on %s\n", post.Side, post.BookingDate, post.Amount, post.Currency, post.Account)
	}
	for _, r := range p.Problems {
		fmt.Fprintf(w, "Reason %s\t%s\n", r.Code, r.Message)
	}
	for _, e := range h.Events {
		fmt.Fprintf(w, "Event %d\t%s %s by %s\n", e.ID, e.At.In(m.location).Format("2006-01-02 15:04:05"), e.Action, e.Actor)
	}
	return w.Flush()
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func (m *Main) exportCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "export", Short: "Statements and reports on demand"}
	var (
		account, from, to, format, user, out, clearing string
		camt                                           int
	)
	statement := &cobra.Command{
		Use:   "statement --account IBAN --from D --to D --format camt053|camt054|fidavista|xlsx|csv|pdf",
		Short: "An account statement for a period",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			fromDay, err := m.parseDay(from)
			if err != nil {
				return err
			}
			toDay, err := m.parseDay(to)
			if err != nil {
				return err
			}
			if toDay.Before(fromDay) {
				return usageErrorf("--to is before --from")
			}
			ext := map[string]string{"camt053": "camt053.xml", "camt054": "camt054.xml", "fidavista": "fidavista.xml", "xlsx": "xlsx", "csv": "csv", "pdf": "pdf"}[format]
			if ext == "" {
				return usageErrorf("--format %q is not a statement format: one of camt053, camt054, fidavista, xlsx, csv, pdf", format)
			}
			db, err := m.open(ctx)
			if err != nil {
				return err
			}
			if user != "" {
				d, err := db.Directory(ctx)
				if err != nil {
					return err
				}
				if !d.MayViewStatements(user, account) {
					return fmt.Errorf("user %s holds no view mode on %s: %w", user, account, errRejected)
				}
			}
			ex, err := m.exporter(db, clearing, camt)
			if err != nil {
				return err
			}
			if out == "" {
				out = filepath.Join(m.path("statements"), account, fmt.Sprintf("%s_%s.%s", fromDay.Format(maksa.DateLayout), toDay.Format(maksa.DateLayout), ext))
			}
			err = exporter.WriteFile(out, func(w io.Writer) error {
				switch format {
				case "camt053":
					return ex.Statement(ctx, w, account, fromDay, toDay, m.now())
				case "pdf":
					return ex.StatementPDF(ctx, w, account, fromDay, toDay, m.now())
				case "fidavista":
					return ex.StatementFiDAViSTA(ctx, w, account, fromDay, toDay, m.now())
				case "camt054":
					return ex.Notification(ctx, w, account, fromDay, toDay, m.now())
				}
				return ex.StatementTable(ctx, w, format, account, fromDay, toDay, m.now())
			})
			if err != nil {
				return err
			}
			if user != "" {
				if err := db.Audit(ctx, m.actor(user), "statement.export", account, map[string]string{"from": from, "to": to, "format": format}); err != nil {
					return err
				}
			}
			if m.JSON {
				return m.printJSON(map[string]string{"file": out})
			}
			fmt.Fprintln(m.Stdout, out)
			return nil
		},
	}
	fl := statement.Flags()
	fl.StringVar(&account, "account", "", "the account")
	fl.StringVar(&from, "from", "", "first day (YYYY-MM-DD)")
	fl.StringVar(&to, "to", "", "last day (YYYY-MM-DD)")
	fl.StringVar(&format, "format", "camt053", "camt053, camt054 (debit and credit notification), fidavista, xlsx, csv or pdf")
	fl.StringVar(&user, "user", "", "refuse unless this user holds a view mode on the account")
	fl.StringVar(&out, "out", "", "the file to write (default statements/<IBAN>/<from>_<to>.<ext>)")
	m.addExportFlags(statement, &clearing, &camt)
	statement.MarkFlagRequired("account")
	statement.MarkFlagRequired("from")
	statement.MarkFlagRequired("to")
	cmd.AddCommand(statement)
	var reportDay, reportFormat, reportOut, reportUser string
	var reportCamt int
	rep := &cobra.Command{
		Use:   "report --account IBAN [--date D] --format camt052",
		Short: "An intraday account report (camt.052): the day's entries so far, the opening and the interim booked balance",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if reportFormat != "camt052" {
				return usageErrorf("--format %q is not a report format: camt052", reportFormat)
			}
			day, err := m.parseDay(reportDay)
			if err != nil {
				return err
			}
			db, err := m.open(ctx)
			if err != nil {
				return err
			}
			k, err := knownIn(ctx, db)
			if err != nil {
				return err
			}
			if err := cmp.Or(k.account("--account", account), k.user("--user", reportUser)); err != nil {
				return err
			}
			if reportUser != "" && !k.dir.MayViewStatements(reportUser, account) {
				return fmt.Errorf("user %s holds no view mode on %s: %w", reportUser, account, errRejected)
			}
			ex, err := m.exporter(db, defaultClearing, reportCamt)
			if err != nil {
				return err
			}
			now := m.now()
			if reportOut == "" {
				reportOut = filepath.Join(m.path("statements"), account, fmt.Sprintf("%s.%s.camt052.xml", day.Format(maksa.DateLayout), now.Format("150405")))
			}
			if err := exporter.WriteFile(reportOut, func(w io.Writer) error { return ex.Report(ctx, w, account, day, now) }); err != nil {
				return err
			}
			if m.JSON {
				return m.printJSON(map[string]string{"file": reportOut})
			}
			fmt.Fprintln(m.Stdout, reportOut)
			return nil
		},
	}
	rep.Flags().StringVar(&account, "account", "", "the account")
	rep.Flags().StringVar(&reportDay, "date", "", "the day (default today)")
	rep.Flags().StringVar(&reportFormat, "format", "camt052", "camt052")
	rep.Flags().StringVar(&reportOut, "out", "", "the file to write (default statements/<IBAN>/<day>.<time>.camt052.xml)")
	rep.Flags().StringVar(&reportUser, "user", "", "refuse unless this user holds a view mode on the account")
	rep.Flags().IntVar(&reportCamt, "camt-version", 2, "camt.052 version: 2 (camt.052.001.02) or 8")
	rep.MarkFlagRequired("account")
	cmd.AddCommand(rep)
	var cashDate string
	cash := &cobra.Command{
		Use:   "cash-orders --date D",
		Short: "The day's executed cash-withdrawal orders, for the bank that pays them out (XLSX and CSV)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			day, err := m.parseDay(cashDate)
			if err != nil {
				return err
			}
			db, err := m.open(ctx)
			if err != nil {
				return err
			}
			ex, err := m.exporter(db, defaultClearing, 2)
			if err != nil {
				return err
			}
			files, err := ex.CashOrders(ctx, filepath.Join(m.path("reports"), day.Format(maksa.DateLayout)), day)
			if err != nil {
				return err
			}
			if m.JSON {
				return m.printJSON(map[string][]string{"files": files})
			}
			for _, f := range files {
				fmt.Fprintln(m.Stdout, f)
			}
			return nil
		},
	}
	cash.Flags().StringVar(&cashDate, "date", "", "the business day (default today)")
	cmd.AddCommand(cash)
	return cmd
}

func paymentIDs(ps []*maksa.Payment) []int64 {
	ids := make([]int64, len(ps))
	for i, p := range ps {
		ids[i] = p.ID
	}
	return ids
}
