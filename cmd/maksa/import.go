package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"maksa"
	"maksa/formats/profile"
	"maksa/importer"
	"maksa/store"
)

// importFlags are the flags import and validate share.
type importFlags struct {
	user        string
	profileFile string
	profileName string
	dryRun      bool
	list        bool
	daysPast    int
	daysFuture  int
	pain002     int
	patience    time.Duration
}

func (m *Main) addImportFlags(cmd *cobra.Command, f *importFlags) {
	cmd.Flags().StringVar(&f.profileFile, "profile", m.Getenv("MAKSA_PROFILE"), "YAML file of CSV/XLSX column profiles (MAKSA_PROFILE); default: the built-in auto profile")
	cmd.Flags().StringVar(&f.profileName, "profile-name", "", "which profile of --profile to use (default: the only one)")
	cmd.Flags().IntVar(&f.daysPast, "days-past", m.envInt("MAKSA_DAYS_PAST", 10), "how many days in the past a requested execution date may be (MAKSA_DAYS_PAST)")
	cmd.Flags().IntVar(&f.daysFuture, "days-future", m.envInt("MAKSA_DAYS_FUTURE", 90), "how many days in the future a requested execution date may be (MAKSA_DAYS_FUTURE)")
}

func (m *Main) envInt(key string, def int) int {
	if v, err := strconv.Atoi(m.Getenv(key)); err == nil {
		return v
	}
	return def
}

func (m *Main) importCommand() *cobra.Command {
	var f importFlags
	cmd := &cobra.Command{
		Use:   "import --user ID FILE...",
		Short: "Import payment files: validate, store the payments for signature, write pain.002 reports",
		Long: `Import payment files for a user, the same way the watcher does: each file
becomes one batch stored in one transaction; payments that pass every rule
await signatures (PDNG), the others are stored rejected (RJCT) with their
reasons; a pain.002 status report goes to outbox/<user>/. When the database goes
away, the file's transaction is rolled back and the import is tried again
until the database answers, for --patience (a file whose commit reached
the database just before it went away is recognised as the batch it
became, with a warning).
Exit status: 0 all accepted, 1 something rejected, 2 usage or system error.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if f.user == "" {
				return usageErrorf("import needs --user ID")
			}
			f.list = m.JSON // the readable summary needs no payment list
			return m.runImport(cmd, args, f)
		},
	}
	cmd.Flags().StringVar(&f.user, "user", "", "the importing user")
	cmd.Flags().BoolVar(&f.dryRun, "dry-run", false, "validate against the database but store nothing and write no report")
	cmd.Flags().IntVar(&f.pain002, "pain002-version", 0, "pain.002 version of every status report of the files: 3 or 10 (default: .03 for pain.001.001.03 and CSV/XLSX, .10 for .09 and later)")
	addPatience(cmd, &f.patience)
	m.addImportFlags(cmd, &f)
	return cmd
}

func (m *Main) validateCommand() *cobra.Command {
	var f importFlags
	cmd := &cobra.Command{
		Use:   "validate [--user ID] FILE...",
		Short: "Parse and validate payment files (pain.001, CSV, XLSX); print every problem with its position and reason code",
		Long: `Validate payment files without storing anything. Without --user only the
structural rules run (format, totals, amounts, IBANs, BICs, dates, character
set); with --user the business rules against the directory run as well.
Exit status: 0 all valid, 1 something rejected, 2 usage or system error.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			f.dryRun = true
			return m.runImport(cmd, args, f)
		},
	}
	cmd.Flags().StringVar(&f.user, "user", "", "validate as this user, against the directory")
	cmd.Flags().BoolVar(&f.list, "list", false, "with --json, list every payment")
	m.addImportFlags(cmd, &f)
	return cmd
}

// importer returns the import pipeline the flags describe, over db (nil:
// structural rules only).
func (m *Main) importer(db *store.DB, f importFlags) (*importer.Importer, error) {
	if f.pain002 != 0 && f.pain002 != 3 && f.pain002 != 10 {
		return nil, usageErrorf("--pain002-version must be 3 or 10")
	}
	prof, err := loadProfile(f.profileFile, f.profileName)
	if err != nil {
		return nil, err
	}
	rules, cal, cfg, err := m.loadConfig()
	if err != nil {
		return nil, err
	}
	payees, err := m.payeeRequester(cfg)
	if err != nil {
		return nil, err
	}
	im := &importer.Importer{Now: m.clock, Location: m.location, DaysPast: f.daysPast, DaysFuture: f.daysFuture,
		Pain002Version: f.pain002, Profile: prof, Rules: rules, Calendar: cal, Payees: payees, Log: m.log}
	if db != nil {
		im.Store, im.Outbox = db, m.path("outbox")
	}
	return im, nil
}

func (m *Main) runImport(cmd *cobra.Command, files []string, f importFlags) error {
	var db *store.DB
	if f.user != "" {
		var err error
		if db, err = m.openWaiting(cmd.Context(), f.patience); err != nil {
			return err
		}
	}
	outage := store.Outage{Log: m.log}
	im, err := m.importer(db, f)
	if err != nil {
		return err
	}
	results := []*importer.Result{}
	rejected := false
	for _, file := range files {
		var res *importer.Result
		attempt := &importer.Attempt{}
		err := outage.Retry(cmd.Context(), f.patience, func() (err error) {
			res, err = im.ImportFile(cmd.Context(), file, importer.Options{UserID: f.user, Actor: m.actor(f.user), DryRun: f.dryRun, ListPayments: f.list, Attempt: attempt})
			return err
		})
		if err != nil {
			return fmt.Errorf("%s: %w", file, err)
		}
		if !m.JSON {
			res.Payments = nil
		}
		results = append(results, res)
		rejected = rejected || res.Rejected > 0 || res.Status == maksa.RJCT
	}
	if m.JSON {
		if err := m.printResultsJSON(results); err != nil {
			return err
		}
	} else if err := m.printResults(results); err != nil {
		return err
	}
	if rejected {
		return errRejected
	}
	return nil
}

// printResultsJSON prints results as printJSON would, each result's
// problems streamed from where it holds them (on disk past the first ten
// thousand) instead of marshalled whole: a file of a million invalid
// payments prints without holding them.
func (m *Main) printResultsJSON(results []*importer.Result) error {
	w := bufio.NewWriterSize(m.Stdout, 64<<10)
	w.WriteString("[")
	for i, r := range results {
		if i > 0 {
			w.WriteString(",")
		}
		head := *r
		head.Problems, head.Payments = nil, nil
		obj, err := json.MarshalIndent(&head, "  ", "  ")
		if err != nil {
			return err
		}
		before, after, ok := bytes.Cut(obj, []byte(`"problems": null`))
		if !ok {
			return errors.New("printing results: no problems field")
		}
		w.WriteString("\n  ")
		w.Write(before)
		w.WriteString(`"problems": [`)
		n := 0
		err = r.EachProblem(func(p maksa.Problem) error {
			item, err := json.MarshalIndent(p, "      ", "  ")
			if n++; n > 1 {
				w.WriteString(",")
			}
			w.WriteString("\n      ")
			w.Write(item)
			return err
		})
		if err != nil {
			return err
		}
		if n > 0 {
			w.WriteString("\n    ")
		}
		w.WriteString("]")
		if r.Listed() { // streamed too: past the first ten thousand, read back from the batch
			w.WriteString(",\n    \"payments\": [")
			n := 0
			err := r.EachPayment(func(p importer.PaymentResult) error {
				item, err := json.MarshalIndent(p, "      ", "  ")
				if n++; n > 1 {
					w.WriteString(",")
				}
				w.WriteString("\n      ")
				w.Write(item)
				return err
			})
			if err != nil {
				return err
			}
			if n > 0 {
				w.WriteString("\n    ")
			}
			w.WriteString("]")
		}
		w.Write(after)
	}
	if len(results) > 0 {
		w.WriteString("\n")
	}
	w.WriteString("]\n")
	return w.Flush()
}

func (m *Main) printResults(results []*importer.Result) error {
	w := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "FILE\tFORMAT\tBATCH\tMESSAGE ID\tTXS\tCONTROL SUM\tACCEPTED\tREJECTED\tSTATUS")
	for _, r := range results {
		batch := "-"
		if r.BatchID != 0 {
			batch = strconv.FormatInt(r.BatchID, 10)
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%d\t%s\t%d\t%d\t%s\n", r.File, r.Format, batch, r.MessageID, r.Transactions, r.ControlSum, r.Accepted, r.Rejected, r.Status)
	}
	w.Flush()
	for _, r := range results {
		if r.ProblemCount() == 0 {
			continue
		}
		fmt.Fprintf(m.Stdout, "\nProblems in %s:\n", r.File)
		w := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "CODE\tPOSITION\tEND-TO-END ID\tMESSAGE")
		n := 0
		err := r.EachProblem(func(p maksa.Problem) error {
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", p.Code, p.Position, p.EndToEndID, p.Message)
			if n++; n%1000 == 0 { // columns aligned a thousand rows at a time: the table is not held
				return w.Flush()
			}
			return nil
		})
		if err != nil {
			return err
		}
		w.Flush()
	}
	for _, r := range results {
		for _, n := range r.Notes {
			fmt.Fprintf(m.Stdout, "\nNote on %s: %s", n.EndToEndID, n.Message)
		}
		if len(r.Notes) > 0 {
			fmt.Fprintln(m.Stdout)
		}
	}
	for _, r := range results {
		m.printPayees(r)
	}
	for _, r := range results {
		if r.Report != "" {
			fmt.Fprintf(m.Stdout, "\nStatus report: %s\n", r.Report)
		}
	}
	return nil
}

// loadProfile returns the named profile of file, the only one when name is
// empty, or nil (the auto profile) when there is no file.
func loadProfile(file, name string) (*profile.Profile, error) {
	if file == "" {
		if name != "" && name != "auto" {
			return nil, usageErrorf("--profile-name %s needs --profile FILE", name)
		}
		return nil, nil
	}
	profiles, err := profile.Load(file)
	if err != nil {
		return nil, usageErrorf("%v", err)
	}
	if name == "" {
		if len(profiles) != 1 {
			return nil, usageErrorf("%s holds %d profiles: choose one with --profile-name", file, len(profiles))
		}
		for _, p := range profiles {
			return p, nil
		}
	}
	p, ok := profiles[name]
	if !ok {
		return nil, usageErrorf("%s has no profile %q", file, name)
	}
	return p, nil
}

// printPayees tells the verification of payee of a file's payments: the
// count of each outcome, and each payment a signer must confirm.
func (m *Main) printPayees(r *importer.Result) {
	if len(r.PayeeCounts) == 0 {
		return
	}
	var counts []string
	for _, res := range []maksa.PayeeResult{maksa.PayeeMatch, maksa.PayeeCloseMatch, maksa.PayeeNoMatch, maksa.PayeeNotPossible, maksa.PayeeOptedOut} {
		if n := r.PayeeCounts[res]; n > 0 {
			counts = append(counts, fmt.Sprintf("%d %s", n, res))
		}
	}
	fmt.Fprintf(m.Stdout, "\nVerification of payee in %s: %s\n", r.File, strings.Join(counts, ", "))
	if r.PayeeCounts[maksa.PayeeOptedOut] > 0 {
		fmt.Fprintln(m.Stdout, "OPTO: not checked, the client opted out for files of many payments.")
	}
	confirm := r.PayeeCounts[maksa.PayeeCloseMatch] + r.PayeeCounts[maksa.PayeeNoMatch] + r.PayeeCounts[maksa.PayeeNotPossible]
	if confirm == 0 {
		return
	}
	fmt.Fprintf(m.Stdout, "A signer must confirm these %d before signing them (maksa sign --confirm-vop):\n", confirm)
	w := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "END-TO-END ID\tCREDITOR NAME\tVERIFICATION OF PAYEE")
	for _, pw := range r.PayeeWarnings {
		fmt.Fprintf(w, "%s\t%s\t%s\n", pw.EndToEndID, pw.Creditor, pw.Check)
	}
	w.Flush()
	if more := confirm - len(r.PayeeWarnings); more > 0 {
		fmt.Fprintf(m.Stdout, "… and %d more (maksa payments --vop CMTC,NMTC,NOAP lists them).\n", more)
	}
}
