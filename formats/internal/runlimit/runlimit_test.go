package runlimit_test

import (
	"io"
	"strings"
	"testing"

	"maksa/formats/internal/runlimit"
)

func TestReader(t *testing.T) {
	ok := strings.Repeat("abc\n", 1000)
	if _, err := io.ReadAll(runlimit.New(strings.NewReader(ok), 10, '\n')); err != nil {
		t.Errorf("short lines: %v", err)
	}
	long := "ab\n" + strings.Repeat("x", 11) + "\n"
	if _, err := io.ReadAll(runlimit.New(strings.NewReader(long), 10, '\n')); err != runlimit.ErrTooLong {
		t.Errorf("a long line: %v", err)
	}
	// A run split across reads counts whole.
	r := runlimit.New(io.MultiReader(strings.NewReader("xxxxxx"), strings.NewReader("xxxxxx")), 10, '\n')
	if _, err := io.ReadAll(r); err != runlimit.ErrTooLong {
		t.Errorf("a run across reads: %v", err)
	}
}
