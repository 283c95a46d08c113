package main

import (
	"errors"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"maksa"
	"maksa/formats/directory"
	"maksa/store"
)

func (m *Main) directoryCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "directory", Short: "Load and show clients, accounts, users and grants"}
	cmd.AddCommand(&cobra.Command{
		Use:   "apply FILE.yaml",
		Short: "Load or update the directory from a declarative file (idempotent)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir, err := directory.Load(args[0])
			if err != nil {
				var perr *directory.Error
				if errors.As(err, &perr) {
					fmt.Fprintln(m.Stderr, err)
					return fmt.Errorf("%s: directory not applied: %w", args[0], errRejected)
				}
				return err
			}
			db, err := m.open(cmd.Context())
			if err != nil {
				return err
			}
			changes, err := db.ApplyDirectory(cmd.Context(), dir, m.actor("directory"))
			if err != nil {
				return err
			}
			if changes == nil {
				changes = []store.Change{}
			}
			m.log.Info("directory applied", "file", args[0], "changes", len(changes))
			for _, g := range dir.Grants {
				if g.Has(maksa.ModeSign4) {
					fmt.Fprintf(m.Stderr, "note: %s holds sign4 on %s; payments need 1 to 3 signature levels, so sign4 lets nobody sign (it is kept as the treasury's access-mode list has it)\n", g.UserID, g.AccountIBAN)
				}
			}
			if m.JSON {
				return m.printJSON(map[string]any{"file": args[0], "changes": changes})
			}
			if len(changes) == 0 {
				fmt.Fprintln(m.Stdout, "No changes.")
				return nil
			}
			w := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "KIND\tID\tCHANGE")
			for _, c := range changes {
				fmt.Fprintf(w, "%s\t%s\t%s\n", c.Kind, c.ID, c.Action)
			}
			return w.Flush()
		},
	})
	cmd.AddCommand(&cobra.Command{
		Use:   "show",
		Short: "Print the stored directory",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			db, err := m.open(cmd.Context())
			if err != nil {
				return err
			}
			d, err := db.Directory(cmd.Context())
			if err != nil {
				return err
			}
			if m.JSON {
				return m.printJSON(d)
			}
			w := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "CLIENT\tNAME\tREG. NO\tVOP\tADDRESS")
			for _, c := range d.Clients {
				payee := "checked"
				if c.PayeeOptOut {
					payee = "opted out for files"
				}
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", c.ID, c.Name, orDash(c.RegNo), payee, c.Address)
			}
			fmt.Fprintln(w, "\nACCOUNT\tCLIENT\tCURRENCY\tBALANCE\tSIGNATURES\tSTATUS")
			for _, a := range d.Accounts {
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%d\t%s\n", a.IBAN, a.ClientID, a.Currency, maksa.FormatMoney(a.OpeningBalance, a.Currency), a.Signatures, a.Status)
			}
			fmt.Fprintln(w, "\nUSER\tNAME\tSTATUS\tVALID UNTIL\tKEYS")
			for _, u := range d.Users {
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%d\n", u.ID, u.Name, u.Status, u.ValidUntil.Format("2006-01-02"), len(u.Keys))
			}
			fmt.Fprintln(w, "\nUSER\tACCOUNT\tMODES\tPAYMENT LIMIT\tDAILY LIMIT")
			for _, g := range d.Grants {
				currency := ""
				if a := d.Account(g.AccountIBAN); a != nil {
					currency = a.Currency
				}
				fmt.Fprintf(w, "%s\t%s\t%v\t%s\t%s\n", g.UserID, g.AccountIBAN, g.Modes, maksa.FormatMoney(g.PaymentLimit, currency), maksa.FormatMoney(g.DailyLimit, currency))
			}
			return w.Flush()
		},
	})
	return cmd
}

// orDash is s, or "-" when it is empty.
func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
