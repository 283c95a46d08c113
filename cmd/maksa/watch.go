package main

import (
	"fmt"
	"os"
	"runtime"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"maksa/importer"
)

func (m *Main) watchCommand() *cobra.Command {
	var (
		f        importFlags
		once     bool
		workers  int
		quiet    time.Duration
		rescan   time.Duration
		stale    time.Duration
		instance string
	)
	cmd := &cobra.Command{
		Use:   "watch",
		Short: "Watch inbox/<user>/ and import every complete file exactly once",
		Long: `Watch the inbox: every file dropped into inbox/<user>/ is imported once it is
complete (renamed in, or its size and modification time unchanged for the
quiet period), answered with a pain.002 (and errors.csv) in outbox/<user>/,
and moved to archive/YYYY-MM-DD/<user>/ — or to rejected/<user>/ when it
could not be read at all. Dot-files and *.tmp, *.part, *.partial are ignored.

Write files elsewhere and rename them into the inbox: a rename is atomic, so
maksa never sees half a file.

Several maksa watch processes may share one inbox and one PostgreSQL
database; give each its own --instance. A process that is killed finishes
its files when it starts again; files of a process that never comes back
are taken over by the others after --stale.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			db, err := m.openWaiting(cmd.Context(), f.patience)
			if err != nil {
				return err
			}
			im, err := m.importer(db, f)
			if err != nil {
				return err
			}
			w := &importer.Watcher{
				Importer: im, Store: db, Home: m.Home, Owner: instance, Workers: workers, Quiet: quiet, Rescan: rescan, Stale: stale, Log: m.log,
			}
			if once {
				return w.Once(cmd.Context())
			}
			return w.Run(cmd.Context())
		},
	}
	host, _ := os.Hostname()
	cmd.Flags().BoolVar(&once, "once", false, "process what is waiting and exit")
	cmd.Flags().IntVar(&workers, "workers", runtime.NumCPU(), "files processed at once")
	cmd.Flags().DurationVar(&quiet, "quiet", 200*time.Millisecond, "how long a file must stay unchanged before it is read (raise it for writers that pause, e.g. over slow network shares)")
	cmd.Flags().DurationVar(&rescan, "rescan", 5*time.Second, "how often the inbox is read again in case events were lost")
	cmd.Flags().DurationVar(&stale, "stale", 2*time.Minute, "after how long without a heartbeat another process's files are taken over")
	cmd.Flags().StringVar(&instance, "instance", m.env("MAKSA_INSTANCE", host), "this process's name in file claims (MAKSA_INSTANCE); unique per process")
	cmd.Flags().IntVar(&f.pain002, "pain002-version", 0, "pain.002 version of every status report of the files: 3 or 10 (default: .03 for pain.001.001.03 and CSV/XLSX, .10 for .09 and later)")
	addPatience(cmd, &f.patience)
	m.addImportFlags(cmd, &f)
	return cmd
}

func (m *Main) statusCommand() *cobra.Command {
	var last int
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Counts of batches, payments and watched files by state, and the last files processed",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			db, err := m.open(cmd.Context())
			if err != nil {
				return err
			}
			counts, err := db.Counts(cmd.Context())
			if err != nil {
				return err
			}
			files, err := db.RecentFiles(cmd.Context(), last)
			if err != nil {
				return err
			}
			if m.JSON {
				return m.printJSON(map[string]any{"counts": counts, "files": files})
			}
			w := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
			for _, kind := range []string{"batches", "payments", "files"} {
				fmt.Fprintf(w, "%s:", kind)
				for state, n := range counts[kind] {
					fmt.Fprintf(w, "\t%s %d", state, n)
				}
				fmt.Fprintln(w)
			}
			fmt.Fprintln(w, "\nTIME\tUSER\tFILE\tSTATE\tSTATUS\tBATCH\tACCEPTED\tREJECTED\tREPORT")
			for _, f := range files {
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%d\t%d\t%d\t%s\n", f.At.In(m.location).Format("2006-01-02 15:04:05"), f.User, f.File, f.State, f.Status, f.BatchID, f.Accepted, f.Rejected, f.Report)
			}
			return w.Flush()
		},
	}
	cmd.Flags().IntVar(&last, "last", 20, "how many recent files to list")
	return cmd
}
