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
	"strings"
	"syscall"

	"maksa/internal/gctune"
)

// Exit codes.
const (
	exitOK       = 0
	exitRejected = 1 // the input was processed but something was rejected
	exitError    = 2 // usage or system error
)

func main() {
	gctune.Tune()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	m := NewMain()
	err := m.Run(ctx, os.Args[1:])
	m.Close()
	os.Exit(exitCode(err))
}

// errRejected marks a run whose input was (partly) rejected: exit 1.
var errRejected = errors.New("input rejected")

func exitCode(err error) int {
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, errRejected):
		if err != errRejected { // a wrapped rejection says why; the marker is no news
			fmt.Fprintln(os.Stderr, "maksa:", strings.TrimSuffix(err.Error(), ": "+errRejected.Error()))
		}
		return exitRejected
	default:
		fmt.Fprintln(os.Stderr, "maksa:", err)
		return exitError
	}
}
