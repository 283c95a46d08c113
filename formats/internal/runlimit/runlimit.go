// Package runlimit protects readers from hostile input: a Reader fails once
// more than a limit of bytes pass without any of the bytes that end a run —
// a text node of gigabytes without '<', a CSV line of a hundred megabytes
// without a newline — before a decoder buffers it whole.
package runlimit

import (
	"bytes"
	"errors"
	"io"
)

// ErrTooLong is returned when a run passes the limit.
var ErrTooLong = errors.New("too long a run without a separator")

// Reader wraps r; a run is the bytes between two of the ends.
type Reader struct {
	r    io.Reader
	ends []byte
	max  int
	run  int
}

// New returns a Reader of r that allows at most max bytes between ends.
func New(r io.Reader, max int, ends ...byte) *Reader {
	return &Reader{r: r, ends: ends, max: max}
}

func (l *Reader) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	b := p[:n]
	for len(b) > 0 {
		i := bytes.IndexAny(b, string(l.ends))
		if i < 0 {
			l.run += len(b)
			break
		}
		l.run += i
		if l.run > l.max {
			return n, ErrTooLong
		}
		l.run = 0
		b = b[i+1:]
	}
	if l.run > l.max {
		return n, ErrTooLong
	}
	return n, err
}
