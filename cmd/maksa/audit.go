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
	cmd.AddCommand(&cobra.Command{
		Use:   "verify",
		Short: "Check the audit hash chain; exit 1 naming the first broken event",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			db, err := m.open(cmd.Context())
			if err != nil {
				return err
			}
			n, err := db.VerifyAudit(cmd.Context())
			var broken *store.BrokenChainError
			if errors.As(err, &broken) {
				if m.JSON {
					m.printJSON(map[string]any{"ok": false, "checked": n, "broken_event": broken.ID, "reason": broken.Reason})
				} else {
					fmt.Fprintf(m.Stdout, "BROKEN: %v (%d events before it verify)\n", broken, n)
				}
				return fmt.Errorf("audit chain broken at event %d: %w", broken.ID, errRejected)
			}
			if err != nil {
				return err
			}
			if m.JSON {
				return m.printJSON(map[string]any{"ok": true, "checked": n})
			}
			fmt.Fprintf(m.Stdout, "OK: %d audit events verify.\n", n)
			return nil
		},
	})
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
