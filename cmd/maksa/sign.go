package main

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"maksa"
	"maksa/exporter"
	"maksa/importer"
	"maksa/signing"
	"maksa/store"
)

// signingService returns the signing service over the open database.
func (m *Main) signingService(db *store.DB, signDays int) *signing.Service {
	return &signing.Service{Store: db, Now: m.clock, Location: m.location, SignDays: signDays}
}

// settle writes an updated pain.002 to the importing user's outbox for
// every batch whose last awaited signature was just given or refused.
func (m *Main) settle(ctx context.Context, db *store.DB, batches []int64, actor string) error {
	im := &importer.Importer{Store: db, Now: m.clock, Location: m.location, Outbox: m.path("outbox"), Log: m.log}
	return im.Settle(ctx, batches, actor)
}

// expire cancels payments whose signatures came too late and reports them.
func (m *Main) expire(ctx context.Context, db *store.DB, svc *signing.Service) error {
	batches, err := svc.Expire(ctx, m.actor("maksa"))
	if err != nil {
		return err
	}
	return m.settle(ctx, db, batches, m.actor("maksa"))
}

func (m *Main) queueCommand() *cobra.Command {
	var user, account string
	var signDays int
	cmd := &cobra.Command{
		Use:   "queue [--user ID] [--account IBAN]",
		Short: "Payments awaiting signature (for --user: those the user may sign next)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			db, err := m.open(cmd.Context())
			if err != nil {
				return err
			}
			k, err := knownIn(cmd.Context(), db)
			if err != nil {
				return err
			}
			if err := cmp.Or(k.user("--user", user), k.account("--account", account)); err != nil {
				return err
			}
			svc := m.signingService(db, signDays)
			if err := m.expire(cmd.Context(), db, svc); err != nil {
				return err
			}
			lines, err := svc.Queue(cmd.Context(), user, account)
			if err != nil {
				return err
			}
			if m.JSON {
				return m.printJSON(lines)
			}
			if len(lines) == 0 {
				who := "anyone's"
				if user != "" {
					who = user + "'s"
				}
				fmt.Fprintf(m.Stdout, "No payment awaits %s signature.\n", who)
				return nil
			}
			w := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "PAYMENT\tBATCH\tEND-TO-END ID\tDEBTOR\tCREDITOR\tCREDITOR ACCOUNT\tAMOUNT\tDATE\tKIND\tVOP\tSIGNED\tBY\tREMITTANCE")
			for _, l := range lines {
				payee := maksa.PayeeCheck{}
				if l.Payee != nil {
					payee = *l.Payee
				}
				fmt.Fprintf(w, "%d\t%d\t%s\t%s\t%s\t%s\t%s %s\t%s\t%s\t%s\t%d/%d\t%s\t%s\n", l.PaymentID, l.BatchID, l.EndToEndID, l.DebtorIBAN, l.CreditorName,
					l.CreditorIBAN, l.Amount, l.Currency, l.ExecutionDate, l.Kind, payeeColumn(payee), l.LevelsDone, l.LevelsNeeded, strings.Join(l.SignedBy, ", "),
					remittanceColumn(l.Reference, l.Remittance))
			}
			return w.Flush()
		},
	}
	cmd.Flags().StringVar(&user, "user", "", "only what this user may sign next")
	cmd.Flags().StringVar(&account, "account", "", "only this debtor account")
	m.addSignDays(cmd, &signDays)

	var (
		payment   int64
		out, list string
		setSel    paymentSelection
		setSigner string
	)
	digest := &cobra.Command{
		Use:   "digest (--payment P | --list LIST --user ID (--batch B | --all)) [--out FILE]",
		Short: "Print the digest a signer signs for a payment or a set of payments (hex), or write its 32 bytes to --out",
		Long: `Print the SHA-256 digest of a payment's canonical form, to be signed on a
smart card, token or another machine. With --out, the raw 32 bytes are
written to a file, ready for openssl:

  maksa queue digest --payment 17 --out digest.bin
  openssl pkeyutl -sign -inkey key.pem -rawin -in digest.bin -out sig.bin        # Ed25519
  openssl pkeyutl -sign -inkey key.pem -in digest.bin -out sig.bin               # ECDSA P-256
  openssl pkeyutl -sign -inkey key.pem -in digest.bin -out sig.bin \
      -pkeyopt digest:sha256 -pkeyopt rsa_padding_mode:pss -pkeyopt rsa_pss_saltlen:32   # RSA
  maksa sign --user anna --payment 17 --signature-file sig.bin

With --list, the digest is a set's (see signing/set.go): every payment of
--batch B (or --all) that the user may sign next, listed in LIST with each
payment's digest. One signature over it signs them all:

  maksa queue digest --user anna --all --list set.txt --out digest.bin
  openssl pkeyutl -sign -inkey key.pem -rawin -in digest.bin -out sig.bin
  maksa sign --user anna --set-list set.txt --signature-file sig.bin`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			db, err := m.open(ctx)
			if err != nil {
				return err
			}
			svc := m.signingService(db, 0)
			if list != "" {
				if payment != 0 || setSigner == "" {
					return usageErrorf("a set's digest (--list) needs --user and --batch or --all, not --payment")
				}
				members, d, err := m.setOf(ctx, svc, &setSel, setSigner)
				if err != nil {
					return err
				}
				if err := exporter.WriteFile(list, func(w io.Writer) error { return signing.WriteSetList(w, members, d) }); err != nil {
					return err
				}
				if out != "" {
					return os.WriteFile(out, d, 0o600)
				}
				if m.JSON {
					return m.printJSON(map[string]any{"payments": len(members), "digest": hex.EncodeToString(d), "list": list, "version": signing.SetVersion})
				}
				fmt.Fprintln(m.Stdout, hex.EncodeToString(d))
				return nil
			}
			if payment == 0 {
				return usageErrorf("queue digest needs --payment, or --list with --user and --batch or --all")
			}
			d, err := svc.Digest(ctx, payment)
			if err != nil {
				return err
			}
			if out != "" {
				return os.WriteFile(out, d, 0o600)
			}
			if m.JSON {
				return m.printJSON(map[string]any{"payment_id": payment, "digest": hex.EncodeToString(d), "version": signing.Version})
			}
			fmt.Fprintln(m.Stdout, hex.EncodeToString(d))
			return nil
		},
	}
	digest.Flags().Int64Var(&payment, "payment", 0, "the payment")
	digest.Flags().StringVar(&out, "out", "", "write the raw digest bytes to this file")
	digest.Flags().StringVar(&list, "list", "", "a set's digest: write the payments it lists, with their digests, to this file")
	digest.Flags().StringVar(&setSigner, "user", "", "with --list: the signer, whose next signatures the set holds")
	digest.Flags().Int64Var(&setSel.batch, "batch", 0, "with --list: the payments of this batch")
	digest.Flags().BoolVar(&setSel.all, "all", false, "with --list: every payment the user may sign next")
	cmd.AddCommand(digest)
	return cmd
}

func (m *Main) addSignDays(cmd *cobra.Command, days *int) {
	cmd.Flags().IntVar(days, "sign-days", m.envInt("MAKSA_SIGN_DAYS", 5), "days after its execution date that a payment may await signatures before it is cancelled (MAKSA_SIGN_DAYS)")
}

// paymentSelection is how sign and reject choose payments.
type paymentSelection struct {
	batch    int64
	payments []string
	all      bool
}

func (s *paymentSelection) flags(cmd *cobra.Command, withAll bool) {
	cmd.Flags().Int64Var(&s.batch, "batch", 0, "every payment of this batch that awaits signatures")
	cmd.Flags().StringSliceVar(&s.payments, "payment", nil, "payment ids (repeat or separate with commas)")
	if withAll {
		cmd.Flags().BoolVar(&s.all, "all", false, "every payment the user may sign next")
	}
}

// keeps returns whether a payment awaiting the user is of the selection
// (for a set, which is made from the user's queue).
func (s *paymentSelection) keeps(ctx context.Context, svc *signing.Service) (func(*maksa.Payment) bool, error) {
	if err := s.chosen(); err != nil {
		return nil, err
	}
	switch {
	case s.batch != 0:
		if err := s.batchExists(ctx, svc); err != nil {
			return nil, err
		}
		return func(p *maksa.Payment) bool { return p.BatchID == s.batch }, nil
	case len(s.payments) > 0:
		want := map[int64]bool{}
		ids, err := s.paymentIDs()
		for _, id := range ids {
			want[id] = true
		}
		return func(p *maksa.Payment) bool { return want[p.ID] }, err
	}
	return func(*maksa.Payment) bool { return true }, nil
}

func (s *paymentSelection) ids(ctx context.Context, svc *signing.Service, user string) ([]int64, error) {
	if err := s.chosen(); err != nil {
		return nil, err
	}
	switch {
	case s.batch != 0:
		if err := s.batchExists(ctx, svc); err != nil {
			return nil, err
		}
		return svc.Store.BatchPaymentIDs(ctx, s.batch)
	case s.all:
		u, err := svc.Store.UserByID(ctx, user)
		if err != nil || u == nil {
			return nil, usageErrorf("--user %q is no user in the directory", user)
		}
		if today := maksa.Day(svc.Now().In(svc.Location)); !u.ActiveOn(today) {
			return nil, fmt.Errorf("user %s is %s, valid until %s: may sign nothing on %s: %w", user, u.Status, u.ValidUntil.Format(maksa.DateLayout),
				today.Format(maksa.DateLayout), errRejected)
		}
		var ids []int64
		err = svc.EachInQueue(ctx, user, "", func(l signing.QueueLine) error {
			ids = append(ids, l.PaymentID)
			return nil
		})
		return ids, err
	}
	return s.paymentIDs()
}

// chosen checks that exactly one way of choosing payments was given.
func (s *paymentSelection) chosen() error {
	n := 0
	for _, set := range []bool{s.batch != 0, len(s.payments) > 0, s.all} {
		if set {
			n++
		}
	}
	if n != 1 {
		return usageErrorf("choose the payments with exactly one of --batch, --payment or --all")
	}
	return nil
}

func (s *paymentSelection) batchExists(ctx context.Context, svc *signing.Service) error {
	if _, err := svc.Store.Batch(ctx, s.batch); errors.Is(err, store.ErrNotFound) {
		return usageErrorf("--batch %d: no such batch", s.batch)
	} else {
		return err
	}
}

func (s *paymentSelection) paymentIDs() ([]int64, error) {
	var ids []int64
	for _, p := range s.payments {
		id, err := strconv.ParseInt(strings.TrimPrefix(p, "P"), 10, 64)
		if err != nil {
			return nil, usageErrorf("--payment %q is not a payment id", p)
		}
		ids = append(ids, id)
	}
	return ids, nil
}

func (m *Main) signCommand() *cobra.Command {
	var (
		user, keyFile, sigFile string
		sel                    paymentSelection
		signDays               int
		patience               time.Duration
		confirm, asSet         bool
		setList                string
	)
	cmd := &cobra.Command{
		Use:   "sign --user ID (--key KEY.pem [--set] | --signature-file SIG [--set-list LIST]) (--batch B | --payment P... | --all)",
		Short: "Sign payments at the user's next allowed level",
		Long: `Sign payments at the user's next allowed level. With --key, maksa signs the
canonical digest of each payment with the user's private key (PKCS#8 PEM:
Ed25519, ECDSA P-256 or RSA); the directory must list its public key or
certificate for the user. With --signature-file, a signature made elsewhere
over the digest (see "maksa queue digest") is attached to one --payment.
With --set, the selected payments are signed as one set: one signature
over the set's digest (signing/set.go) instead of one per payment; with
--set-list and --signature-file, a set listed by "maksa queue digest
--list" and signed elsewhere is attached. Every rule applies to each
payment of a set; one refused inside it leaves the others signed.
A payment whose verification of payee was not a match (CMTC, NMTC, NOAP)
is signed only with --confirm-vop: the signer confirms having been told.
Exit status 1 when any payment was refused; every refusal has its reason.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			switch {
			case user == "" || (keyFile == "") == (sigFile == ""):
				return usageErrorf("sign needs --user and exactly one of --key or --signature-file")
			case asSet && keyFile == "":
				return usageErrorf("--set signs with --key; a set signed elsewhere is --set-list LIST with --signature-file")
			case setList != "" && sigFile == "":
				return usageErrorf("--set-list attaches a set signed elsewhere: give its --signature-file")
			}
			var svc *signing.Service
			var ids []int64
			outage := store.Outage{Log: m.log}
			err := outage.Retry(ctx, patience, func() error {
				db, err := m.open(ctx)
				if err != nil {
					return err
				}
				svc = m.signingService(db, signDays)
				if err := m.expire(ctx, db, svc); err != nil {
					return err
				}
				if setList != "" || asSet {
					return nil // the list names the payments, or the set is made from the queue
				}
				ids, err = sel.ids(ctx, svc, user)
				return err
			})
			if err != nil {
				return err
			}
			svc.Patience, svc.Outage.Log = patience, m.log
			db := svc.Store
			report := m.newOutcomeReport("signed")
			defer report.flush() // the outcomes committed before an error are printed too
			switch {
			case setList != "":
				f, err := os.Open(setList)
				if err != nil {
					return err
				}
				members, listed, err := signing.ReadSetList(f)
				f.Close()
				if err != nil {
					return usageErrorf("%s: %v", setList, err)
				}
				instance, err := svc.Instance(ctx)
				if err != nil {
					return err
				}
				if d, err := signing.SetDigest(instance, members); err != nil || !bytes.Equal(d, listed) {
					return usageErrorf("%s: its payments do not give the digest its header names: it was listed by another installation, or changed", setList)
				}
				sig, err := os.ReadFile(sigFile)
				if err != nil {
					return err
				}
				setID, err := svc.SignSet(ctx, user, members, sig, confirm, report.add)
				var pr *maksa.Problem
				if errors.As(err, &pr) {
					return fmt.Errorf("the set is refused, nothing signed: %s: %s: %w", pr.Code, pr.Message, errRejected)
				}
				if err != nil {
					return err
				}
				m.log.Info("set signed", "user", user, "set", setID, "payments", len(members))
			case asSet:
				pemData, err := os.ReadFile(keyFile)
				if err != nil {
					return err
				}
				key, err := signing.ParsePrivateKey(pemData)
				if err != nil {
					return usageErrorf("%s: %v", keyFile, err)
				}
				keep, err := sel.keeps(ctx, svc)
				if err != nil {
					return err
				}
				set, err := svc.SignQueueAsSet(ctx, user, keep, key, confirm, report.add)
				var pr *maksa.Problem
				switch {
				case errors.Is(err, signing.ErrEmptySet):
					return fmt.Errorf("no payment selected awaits %s's signature: there is no set to sign: %w", user, errRejected)
				case errors.As(err, &pr):
					return fmt.Errorf("the set is refused, nothing signed: %s: %s: %w", pr.Code, pr.Message, errRejected)
				case err != nil:
					return err
				}
				m.log.Info("set signed", "user", user, "set", set.ID, "payments", set.Members)
			case sigFile != "":
				if len(ids) != 1 {
					return usageErrorf("--signature-file signs exactly one --payment")
				}
				sig, err := os.ReadFile(sigFile)
				if err != nil {
					return err
				}
				o, err := svc.Attach(ctx, user, ids[0], sig, confirm)
				if err != nil {
					return err
				}
				if err := report.add(o); err != nil {
					return err
				}
			default:
				pemData, err := os.ReadFile(keyFile)
				if err != nil {
					return err
				}
				key, err := signing.ParsePrivateKey(pemData)
				if err != nil {
					return usageErrorf("%s: %v", keyFile, err)
				}
				if err := svc.SignEachWithKey(ctx, user, key, ids, confirm, report.add); err != nil {
					return err
				}
			}
			return report.finish(ctx, db, user)
		},
	}
	cmd.Flags().StringVar(&user, "user", "", "the signer")
	cmd.Flags().StringVar(&keyFile, "key", "", "the signer's private key (PEM)")
	cmd.Flags().StringVar(&sigFile, "signature-file", "", "a signature made elsewhere over the payment's (or, with --set-list, the set's) digest")
	cmd.Flags().BoolVar(&asSet, "set", false, "with --key: sign the selected payments as one set, with one signature")
	cmd.Flags().StringVar(&setList, "set-list", "", "the list of a set (maksa queue digest --list) whose signature is --signature-file")
	cmd.Flags().BoolVar(&confirm, "confirm-vop", false, "sign payments whose verification of payee was CMTC, NMTC or NOAP too: the signer was told and goes on")
	cmd.Flags().DurationVar(&patience, "patience", 10*time.Minute, "how long to wait for a database that went away before giving up (each chunk of 1,000 payments is signed again once it answers)")
	sel.flags(cmd, true)
	m.addSignDays(cmd, &signDays)
	return cmd
}

func (m *Main) rejectCommand() *cobra.Command {
	var (
		user, reason string
		sel          paymentSelection
	)
	cmd := &cobra.Command{
		Use:   "reject --user ID (--batch B | --payment P...) --reason TEXT",
		Short: "Refuse payments that await signatures (RJCT, DS02); any signer of the account may",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if user == "" || strings.TrimSpace(reason) == "" {
				return usageErrorf("reject needs --user and --reason")
			}
			db, err := m.open(ctx)
			if err != nil {
				return err
			}
			if k, err := knownIn(ctx, db); err != nil || k.user("--user", user) != nil {
				return cmp.Or(err, k.user("--user", user))
			}
			svc := m.signingService(db, 0)
			ids, err := sel.ids(ctx, svc, user)
			if err != nil {
				return err
			}
			outcomes, err := svc.Reject(ctx, user, ids, reason)
			if err != nil {
				return err
			}
			report := m.newOutcomeReport("refused")
			for _, o := range outcomes {
				if err := report.add(o); err != nil {
					return err
				}
			}
			return report.finish(ctx, db, user)
		},
	}
	cmd.Flags().StringVar(&user, "user", "", "the signer who refuses")
	cmd.Flags().StringVar(&reason, "reason", "", "why, for the preparer and the audit log")
	sel.flags(cmd, false)
	return cmd
}

// outcomeReport prints outcomes as they come — a table, or with --json one
// array — and settles the batches they touched at the end, so that a
// million outcomes are never held at once.
type outcomeReport struct {
	m       *Main
	done    string        // what a success was: "signed", "refused"
	out     *bufio.Writer // one write a thousand lines, not one a cell
	table   *tabwriter.Writer
	printed int
	batches map[int64]bool
	failed  bool
}

func (m *Main) newOutcomeReport(done string) *outcomeReport {
	out := bufio.NewWriterSize(m.Stdout, 64<<10)
	return &outcomeReport{m: m, done: done, out: out, table: tabwriter.NewWriter(out, 0, 4, 2, ' ', 0), batches: map[int64]bool{}}
}

// flush writes out what the report holds.
func (r *outcomeReport) flush() error {
	if err := r.table.Flush(); err != nil {
		return err
	}
	return r.out.Flush()
}

// add prints one outcome.
func (r *outcomeReport) add(o signing.Outcome) error {
	r.batches[o.BatchID] = true
	for _, p := range o.Reasons {
		r.failed = r.failed || p.Code != maksa.DS02 // DS02 is the refusal itself, not a problem with it
	}
	defer func() { r.printed++ }()
	if r.m.JSON { // what printJSON prints for the whole array, an element at a time
		js, err := json.MarshalIndent(o, "  ", "  ")
		if err != nil {
			return err
		}
		sep := ",\n  "
		if r.printed == 0 {
			sep = "[\n  "
		}
		if _, err = fmt.Fprintf(r.out, "%s%s", sep, js); err != nil || r.printed%1000 != 999 {
			return err
		}
		return r.out.Flush()
	}
	if r.printed == 0 {
		r.header()
	}
	result := r.done
	if o.Signed {
		result = fmt.Sprintf("signed level %d of %d", o.Level, o.Required)
	}
	for _, p := range o.Reasons {
		if p.Code != maksa.DS02 {
			result = fmt.Sprintf("REFUSED %s: %s", p.Code, p.Message)
			if p.Code == maksa.NARR { // not signed, but nothing is wrong with the payment: it awaits as it did
				result = p.Message
			}
		}
	}
	fmt.Fprintf(r.table, "%d\t%s\t%d\t%s\t%s\n", o.PaymentID, o.EndToEndID, o.Level, o.Status, result)
	if r.printed%1000 == 999 { // columns line up a thousand lines at a time
		return r.flush()
	}
	return nil
}

func (r *outcomeReport) header() {
	fmt.Fprintln(r.table, "PAYMENT\tEND-TO-END ID\tLEVEL\tSTATUS\tRESULT")
}

// end ends the output.
func (r *outcomeReport) end() error {
	switch {
	case r.m.JSON && r.printed == 0:
		fmt.Fprintln(r.out, "[]")
	case r.m.JSON:
		fmt.Fprintln(r.out, "\n]")
	case r.printed == 0:
		fmt.Fprintf(r.out, "Nothing %s: no payment was selected that awaits it.\n", r.done)
	}
	return r.flush()
}

// finish ends the output, settles the touched batches and returns
// errRejected when anything was refused.
func (r *outcomeReport) finish(ctx context.Context, db *store.DB, user string) error {
	if err := r.end(); err != nil {
		return err
	}
	batches := make([]int64, 0, len(r.batches))
	for b := range r.batches {
		batches = append(batches, b)
	}
	slices.Sort(batches)
	if err := r.m.settle(ctx, db, batches, r.m.actor(user)); err != nil {
		return err
	}
	if r.failed {
		return errRejected
	}
	return nil
}

// setOf returns the set of the selected payments that the user may sign
// next, and its digest.
func (m *Main) setOf(ctx context.Context, svc *signing.Service, sel *paymentSelection, user string) ([]signing.Member, []byte, error) {
	keep, err := sel.keeps(ctx, svc)
	if err != nil {
		return nil, nil, err
	}
	members, err := svc.QueueSet(ctx, user, keep)
	if err != nil {
		return nil, nil, err
	}
	if len(members) == 0 {
		return nil, nil, fmt.Errorf("no payment selected awaits %s's signature: there is no set to sign: %w", user, errRejected)
	}
	instance, err := svc.Instance(ctx)
	if err != nil {
		return nil, nil, err
	}
	d, err := signing.SetDigest(instance, members)
	return members, d, err
}

// remittanceColumn is what a queue's line says the payment is for: its
// creditor reference and remittance, on one line, cut after 60 characters
// (queue --json and maksa payments have them whole).
func remittanceColumn(reference, remittance string) string {
	text := strings.Join(strings.Fields(strings.TrimSpace(reference+" "+remittance)), " ")
	if r := []rune(text); len(r) > 60 {
		return string(r[:59]) + "…"
	}
	return text
}
