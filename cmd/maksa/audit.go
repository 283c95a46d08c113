package main

import (
	"errors"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"maksa"
	"maksa/store"
)

func (m *Main) auditCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "audit", Short: "Inspect and verify the tamper-evident audit log"}
	var anchors []string
	verify := &cobra.Command{
		Use:   "verify [--anchor EVENT-ID:HASH]...",
		Short: "Check the audit hash chain, and against anchors noted earlier; exit 1 naming the first broken event",
		Long: `Check the audit hash chain: every event's hash, and its link to the one before.

The chain alone cannot show that its newest events were removed, or that
someone able to write the database rewrote it whole. Note the anchor this
command prints (and the nightly batch's summary shows) somewhere outside
the database, and give it back with --anchor: an anchored event that is
gone or changed breaks the check.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			noted := make([]store.AuditAnchor, 0, len(anchors))
			for _, s := range anchors {
				a, err := store.ParseAuditAnchor(s)
				if err != nil {
					return usageErrorf("%v", err)
				}
				noted = append(noted, a)
			}
			db, err := m.open(cmd.Context())
			if err != nil {
				return err
			}
			check, err := db.VerifyAudit(cmd.Context(), noted...)
			var broken *store.BrokenChainError
			if errors.As(err, &broken) {
				if m.JSON {
					m.printJSON(map[string]any{"ok": false, "checked": check.Checked, "broken_event": broken.ID, "reason": broken.Reason})
				} else {
					fmt.Fprintf(m.Stdout, "BROKEN: %v (%d events before it verify)\n", broken, check.Checked)
				}
				return fmt.Errorf("audit chain broken at event %d: %w", broken.ID, errRejected)
			}
			if err != nil {
				return err
			}
			if m.JSON {
				return m.printJSON(map[string]any{"ok": true, "checked": check.Checked, "anchors_checked": len(noted), "anchor": check.Last.String()})
			}
			fmt.Fprintf(m.Stdout, "OK: %d audit events verify", check.Checked)
			if len(noted) > 0 {
				fmt.Fprintf(m.Stdout, ", and %d anchors", len(noted))
			}
			fmt.Fprintf(m.Stdout, ".\nAnchor of the last event (note it outside the database): %s\n", check.Last)
			return nil
		},
	}
	verify.Flags().StringArrayVar(&anchors, "anchor", nil, "an event's anchor noted earlier, EVENT-ID:HASH (12 hex digits of the hash at least); repeatable")
	cmd.AddCommand(verify)
	cmd.AddCommand(&cobra.Command{
		Use:   "list",
		Short: "Print the audit log",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			db, err := m.open(cmd.Context())
			if err != nil {
				return err
			}
			events := []maksa.AuditEvent{}
			if err := db.AuditEvents(cmd.Context(), func(e maksa.AuditEvent) error {
				events = append(events, e)
				return nil
			}); err != nil {
				return err
			}
			if m.JSON {
				return m.printJSON(events)
			}
			w := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "ID\tTIME\tACTOR\tACTION\tOBJECT\tHASH")
			for _, e := range events {
				fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%s\n", e.ID, e.At.In(m.location).Format("2006-01-02 15:04:05"), e.Actor, e.Action, e.Object, e.Hash[:12])
			}
			return w.Flush()
		},
	})
	return cmd
}

func (m *Main) ledgerCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "ledger", Short: "Check the double-entry ledger"}
	cmd.AddCommand(&cobra.Command{
		Use:   "verify",
		Short: "Check the postings and day totals against each other; exit 1 listing what does not hold",
		Long: `Check the ledger against itself: every executed payment has exactly one
debit and one credit posting, of its amount, in its currency, booked on the
day it was executed, and no other payment has postings; and every day total
(each account's net per business day, which balances and statements are
summed from) is the sum of that day's postings.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			db, err := m.open(cmd.Context())
			if err != nil {
				return err
			}
			check, err := db.VerifyLedger(cmd.Context())
			if err != nil {
				return err
			}
			if m.JSON {
				err = m.printJSON(map[string]any{"ok": check.Found == 0, "postings": check.Postings, "day_totals": check.DayTotals,
					"found": check.Found, "faults": check.Faults})
			} else if check.Found == 0 {
				_, err = fmt.Fprintf(m.Stdout, "OK: %d postings and %d day totals verify.\n", check.Postings, check.DayTotals)
			} else {
				fmt.Fprintf(m.Stdout, "BROKEN: %d faults in %d postings and %d day totals:\n", check.Found, check.Postings, check.DayTotals)
				for _, f := range check.Faults {
					fmt.Fprintf(m.Stdout, "  %s\n", f)
				}
				if more := check.Found - len(check.Faults); more > 0 {
					fmt.Fprintf(m.Stdout, "  … and %d more\n", more)
				}
			}
			if err == nil && check.Found > 0 {
				err = fmt.Errorf("ledger: %d faults: %w", check.Found, errRejected)
			}
			return err
		},
	})
	return cmd
}
