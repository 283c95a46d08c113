package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"maksa"
	"maksa/store"
)

// Main is the maksa program: its settings, its open database and its
// output streams. Tests run it in-process through Run.
type Main struct {
	Home     string // data folder
	DSN      string // database; default sqlite:<Home>/maksa.db
	JSON     bool   // machine-readable output
	TimeZone string // business time zone
	// ConfigFile is the treasury's configuration (see config.go).
	ConfigFile string

	Stdout io.Writer
	Stderr io.Writer
	Getenv func(string) string

	clock    maksa.Clock
	location *time.Location
	profiler profiler
	log      *slog.Logger
	db       *store.DB
}

// NewMain returns a Main that talks to the process's streams and environment.
func NewMain() *Main {
	return &Main{Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv}
}

// Folders of the data folder.
var homeFolders = []string{"inbox", "processing", "outbox", "archive", "rejected", "statements", "reports", "outbound"}

// Run parses args and runs the command they name.
func (m *Main) Run(ctx context.Context, args []string) error {
	root := m.rootCommand()
	root.SetArgs(args)
	root.SetOut(m.Stdout)
	root.SetErr(m.Stderr)
	return root.ExecuteContext(ctx)
}

func (m *Main) rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:           "maksa",
		Short:         "Batch payment-file gateway for a state treasury",
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			if err := m.setup(); err != nil {
				return err
			}
			return m.profiler.start()
		},
	}
	f := root.PersistentFlags()
	f.StringVar(&m.Home, "home", m.env("MAKSA_HOME", "maksa-data"), "data folder (MAKSA_HOME)")
	f.StringVar(&m.DSN, "db", m.env("MAKSA_DB", ""), "database: sqlite:PATH or postgres://… (MAKSA_DB); default sqlite:<home>/maksa.db")
	f.BoolVar(&m.JSON, "json", false, "print results as JSON")
	f.StringVar(&m.TimeZone, "tz", m.env("MAKSA_TZ", "Europe/Riga"), "business time zone (MAKSA_TZ)")
	f.StringVar(&m.profiler.cpuPath, "cpuprofile", "", "write a CPU profile to this file (go tool pprof)")
	f.StringVar(&m.profiler.tracePath, "trace", "", "write an execution trace to this file (go tool trace)")
	f.StringVar(&m.profiler.memPath, "memprofile", "", "write a heap profile to this file when the command ends")
	f.StringVar(&m.ConfigFile, "config", m.env("MAKSA_CONFIG", ""), "treasury configuration YAML (MAKSA_CONFIG); default <home>/maksa.yaml when it exists")
	root.AddCommand(m.directoryCommand(), m.auditCommand(), m.ledgerCommand(), m.importCommand(), m.validateCommand(), m.watchCommand(), m.statusCommand(),
		m.queueCommand(), m.signCommand(), m.rejectCommand(), m.batchCommand(), m.paymentsCommand(), m.exportCommand(), m.serveCommand(),
		m.limitsCommand(), m.announceCommand(), m.releaseCommand(), m.templateCommand(), m.payCommand(), m.dbCommand(), m.devCommand())
	return root
}

func (m *Main) env(key, def string) string {
	if v := m.Getenv(key); v != "" {
		return v
	}
	return def
}

// setup reads the clock and time zone and creates the logger.
func (m *Main) setup() error {
	m.log = slog.New(slog.NewTextHandler(m.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	loc, err := time.LoadLocation(m.TimeZone)
	if err != nil {
		return usageErrorf("--tz %q: %v", m.TimeZone, err)
	}
	m.location = loc
	m.clock = time.Now
	if v := m.Getenv("MAKSA_NOW"); v != "" {
		start, err := time.Parse(time.RFC3339, v)
		if err != nil {
			return usageErrorf("MAKSA_NOW %q is not RFC 3339 (e.g. 2026-11-25T11:00:00+02:00): %v", v, err)
		}
		m.clock = maksa.ClockFrom(start)
		m.log = m.log.With("maksa_now", v)
		m.log.Info("business clock set by MAKSA_NOW", "now", start)
	}
	return nil
}

// now returns the business time in the business time zone.
func (m *Main) now() time.Time { return m.clock().In(m.location) }

// open creates the data folder and opens the database.
func (m *Main) open(ctx context.Context) (*store.DB, error) {
	if m.db != nil {
		return m.db, nil
	}
	for _, dir := range homeFolders {
		if err := os.MkdirAll(filepath.Join(m.Home, dir), 0o750); err != nil {
			return nil, err
		}
	}
	dsn := m.DSN
	if dsn == "" {
		dsn = "sqlite:" + filepath.Join(m.Home, "maksa.db")
	}
	db, err := store.Open(ctx, dsn)
	if err != nil {
		return nil, err
	}
	db.Now = m.clock
	m.db = db
	return db, nil
}

// openWaiting is open, waiting for a database that does not answer yet,
// for patience (0: not at all), with one log line when it is found away
// and one when it answers (store.Outage): a service started before its
// database, or a nightly run during the database's maintenance, waits.
func (m *Main) openWaiting(ctx context.Context, patience time.Duration) (*store.DB, error) {
	var db *store.DB
	outage := store.Outage{Log: m.log}
	err := outage.Retry(ctx, patience, func() (err error) {
		db, err = m.open(ctx)
		return err
	})
	return db, err
}

// addPatience adds the --patience flag of a command that waits for its
// database.
func addPatience(cmd *cobra.Command, patience *time.Duration) {
	cmd.Flags().DurationVar(patience, "patience", 10*time.Minute, "how long to wait for a database that does not answer, or went away, before giving up")
}

// path returns a folder of the data folder.
func (m *Main) path(folder string) string { return filepath.Join(m.Home, folder) }

// actor names who did something in the audit log; a run under MAKSA_NOW says so.
func (m *Main) actor(user string) string {
	if v := m.Getenv("MAKSA_NOW"); v != "" {
		return user + " (MAKSA_NOW=" + v + ")"
	}
	return user
}

// Close closes the database.
func (m *Main) Close() {
	m.profiler.stop()
	if m.db != nil {
		m.db.Close()
		m.db = nil
	}
}

// printJSON writes v as indented JSON.
func (m *Main) printJSON(v any) error {
	enc := json.NewEncoder(m.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usageErrorf(format string, args ...any) error {
	return &usageError{fmt.Sprintf(format, args...)}
}
