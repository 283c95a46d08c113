package main

import (
	"errors"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"maksa/store"
)

// dbCommand moves an installation's database: from the embedded SQLite to
// PostgreSQL as it grows, or back.
func (m *Main) dbCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "db", Short: "Move the database (SQLite to PostgreSQL)"}
	var to string
	copyCmd := &cobra.Command{
		Use:   "copy --to DSN",
		Short: "Copy every row of this database into a new, empty one (SQLite or PostgreSQL)",
		Long: `Copy every row of the database (--db, default the home's SQLite) into a new
one: the installation id that every signature binds, the directory,
batches, payments, signatures, the ledger, the sent files' numbering, the
watcher's claims and the audit chain, in one transaction on the target,
counted again after it. The target is migrated first and must be empty.
Stop the watcher, the server and the night before copying; then start them
with --db (MAKSA_DB) set to the new database. API sessions are not copied:
users open new ones. See docs/operations.md, "Moving to PostgreSQL".`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if to == "" {
				return usageErrorf("db copy needs --to: the DSN of the new database (postgres://… or sqlite:PATH)")
			}
			from, err := m.open(ctx)
			if err != nil {
				return err
			}
			before, err := from.VerifyAudit(ctx)
			if err != nil {
				return fmt.Errorf("this database's audit chain does not verify, so it is not copied: %w", err)
			}
			target, err := store.Open(ctx, to)
			if err != nil {
				return usageErrorf("--to: %v", err)
			}
			defer target.Close()
			counts, err := from.CopyTo(ctx, target, func(c store.TableCount) {
				m.log.Info("table copied", "table", c.Table, "rows", c.Rows)
			})
			if errors.Is(err, store.ErrTargetNotEmpty) {
				return usageErrorf("--to: %v", err)
			}
			if err != nil {
				return err
			}
			// The copy's chain verifies, and ends in this one's last event.
			check, err := target.VerifyAudit(ctx, before.Last)
			if err != nil {
				return fmt.Errorf("the copy's audit chain does not verify: %w", err)
			}
			m.log.Info("database copied", "to", target.Dialect(), "audit_events", check.Checked)
			if m.JSON {
				return m.printJSON(map[string]any{"to": target.Dialect(), "tables": counts, "audit_anchor": check.Last.String()})
			}
			w := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "TABLE\tROWS")
			for _, c := range counts {
				fmt.Fprintf(w, "%s\t%d\n", c.Table, c.Rows)
			}
			w.Flush()
			fmt.Fprintf(m.Stdout, "Copied into %s; its audit chain verifies (anchor %s). Start maksa with --db set to it.\n", target.Dialect(), check.Last)
			return nil
		},
	}
	copyCmd.Flags().StringVar(&to, "to", "", "the new database: postgres://… or sqlite:PATH")
	cmd.AddCommand(copyCmd)
	return cmd
}
