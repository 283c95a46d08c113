package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"sync"
	"syscall"
	"time"

	"github.com/lib/pq"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Unavailable reports whether err means the database could not be
// reached — refused, reset or dropped connections, a server shutting down
// or starting up, an SQLite database another process kept locked past the
// busy timeout (the import of a large file, a set signed in one
// transaction) — rather than that it refused what was asked.
func Unavailable(err error) bool {
	if err == nil {
		return false
	}
	// The filesystem is not the database: a file name too long, a full
	// disk or a permission is reported at once, not retried.
	var pathErr *fs.PathError
	var linkErr *os.LinkError
	if errors.As(err, &pathErr) || errors.As(err, &linkErr) {
		return false
	}
	for _, e := range []error{driver.ErrBadConn, sql.ErrConnDone, io.EOF, io.ErrUnexpectedEOF, syscall.ECONNREFUSED, syscall.ECONNRESET, syscall.EPIPE} {
		if errors.Is(err, e) {
			return true
		}
	}
	// A network operation that failed. (net.Error alone would match every
	// syscall.Errno, ENAMETOOLONG and ENOSPC among them.)
	var opErr *net.OpError
	var dnsErr *net.DNSError
	if errors.As(err, &opErr) || errors.As(err, &dnsErr) {
		return true
	}
	if busy(err) {
		return true
	}
	var pe *pq.Error
	if errors.As(err, &pe) {
		return pe.Code.Class() == "08" || pe.Code == "57P01" || pe.Code == "57P02" || pe.Code == "57P03"
	}
	return false
}

// busy reports whether err is SQLite's: another connection held the
// database's write lock past the busy timeout.
func busy(err error) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_BUSY
}

// Outage tells the operator about a database outage in two log lines: one
// when the first operation fails for it, one when the database answers
// again — not one per failed attempt.
type Outage struct {
	Log   *slog.Logger
	mu    sync.Mutex
	since time.Time
	busy  bool // the outage is an SQLite database locked by another writer
}

func (o *Outage) logger() *slog.Logger {
	if o.Log == nil {
		return slog.Default()
	}
	return o.Log
}

// Failed reports whether err is an outage, logging its start the first
// time.
func (o *Outage) Failed(err error) bool {
	if !Unavailable(err) {
		return false
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.since.IsZero() {
		o.since, o.busy = time.Now(), busy(err)
		if o.busy { // no outage: the operator need not look at the server
			o.logger().Warn("database busy: another maksa process holds its write lock (a large import, a set signed in one transaction); work waits and is retried until it is free", "err", err)
		} else {
			o.logger().Error("database unreachable; work waits and is retried until it is back", "err", err)
		}
	}
	return true
}

// Succeeded notes that the database answered, logging the end of an
// outage.
func (o *Outage) Succeeded() {
	o.mu.Lock()
	defer o.mu.Unlock()
	if !o.since.IsZero() {
		if o.busy {
			o.logger().Info("database free again", "waited", time.Since(o.since).Round(time.Millisecond))
		} else {
			o.logger().Info("database reachable again", "outage", time.Since(o.since).Round(time.Millisecond))
		}
		o.since = time.Time{}
	}
}

// Retry runs fn until it succeeds or fails for another reason than an
// outage, waiting between attempts from half a second, doubling up to
// 30 seconds; it gives up when an outage lasts longer than patience or ctx
// ends, returning the last error.
func (o *Outage) Retry(ctx context.Context, patience time.Duration, fn func() error) error {
	wait, start := 500*time.Millisecond, time.Now()
	for {
		err := fn()
		if !o.Failed(err) {
			if err == nil {
				o.Succeeded()
			}
			return err
		}
		if time.Since(start)+wait > patience {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(wait):
		}
		wait = min(2*wait, 30*time.Second)
	}
}
