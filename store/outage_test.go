package store_test

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"syscall"
	"testing"

	"maksa/store"
)

// TestUnavailable: a lost connection is an outage to wait for; a file name
// too long, a full disk or a missing permission is not (syscall.Errno
// satisfies net.Error, which once made every one of them an outage).
func TestUnavailable(t *testing.T) {
	for err, want := range map[error]bool{
		&net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}:                        true,
		fmt.Errorf("query: %w", &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}): true,
		&fs.PathError{Op: "open", Path: "x", Err: syscall.ENAMETOOLONG}:                        false,
		&os.LinkError{Op: "rename", Old: "a", New: "b", Err: syscall.ENAMETOOLONG}:             false,
		&fs.PathError{Op: "write", Path: "x", Err: syscall.ENOSPC}:                             false,
		&fs.PathError{Op: "write", Path: "x", Err: syscall.EPIPE}:                              false,
		syscall.EACCES:            false,
		errors.New("no such row"): false,
	} {
		if got := store.Unavailable(err); got != want {
			t.Errorf("Unavailable(%v) = %v, want %v", err, got, want)
		}
	}
}
