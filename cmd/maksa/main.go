// Command maksa is the batch payment-file gateway of a state treasury: it
// loads the directory of clients, accounts and users, imports and validates
// payment files, and keeps the tamper-evident audit log.
//
// Run "maksa --help" for the commands. The data folder (--home, MAKSA_HOME)
// holds the SQLite database and the inbox, outbox, archive, rejected,
// statements, reports and outbound folders; --db or MAKSA_DB selects another
// database (sqlite:PATH or postgres://…). MAKSA_NOW (RFC 3339) sets the
// business clock for tests and replays.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
)

// Exit codes.
const (
	exitOK       = 0
	exitRejected = 1 // the input was processed but something was rejected
	exitError    = 2 // usage or system error
)

func main() {
	tuneGC()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	m := NewMain()
	err := m.Run(ctx, os.Args[1:])
	m.Close()
	os.Exit(exitCode(err))
}

// tuneGC trades a little memory for less garbage-collection work: maksa's
// live heap is a few megabytes while it streams a file, so collecting at
// 4× the live heap instead of 2× halves the collector's share of the CPU,
// and a soft limit of 40 MB makes it collect more often before the process
// grows past that. GOGC and GOMEMLIMIT, when set, win.
func tuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(40 << 20)
	}
}

// errRejected marks a run whose input was (partly) rejected: exit 1.
var errRejected = errors.New("input rejected")

func exitCode(err error) int {
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, errRejected):
		if err != errRejected { // a wrapped rejection says why
			fmt.Fprintln(os.Stderr, "maksa:", err)
		}
		return exitRejected
	default:
		fmt.Fprintln(os.Stderr, "maksa:", err)
		return exitError
	}
}
