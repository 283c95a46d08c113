package nightly

import (
	"errors"
	"os"
	"regexp"
	"strconv"
	"syscall"
)

// holderPattern finds host and process id in a lock owner such as
// "batch@treasury-01:4711 (…)".
var holderPattern = regexp.MustCompile(`@([^:\s]+):(\d+)`)

// HolderGone reports whether the lock owner names a process on this host
// that no longer exists: a batch killed mid-run, whose lock may be taken
// over at once instead of after the heartbeat goes stale. Owners on other
// hosts, or not in the "name@host:pid" form, are never reported gone.
func HolderGone(owner string) bool {
	m := holderPattern.FindStringSubmatch(owner)
	if m == nil {
		return false
	}
	host, err := os.Hostname()
	if err != nil || host != m[1] {
		return false
	}
	pid, err := strconv.Atoi(m[2])
	if err != nil || pid <= 0 {
		return false
	}
	proc, err := os.FindProcess(pid)
	if err != nil {
		return true
	}
	err = proc.Signal(syscall.Signal(0))
	return errors.Is(err, os.ErrProcessDone) || errors.Is(err, syscall.ESRCH)
}
