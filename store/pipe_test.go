package store

import (
	"context"
	"errors"
	"testing"
)

// failingRows fails on its n-th row.
type failingRows struct {
	n, seen int
	closed  bool
}

func (f *failingRows) add(_ context.Context, _ []any) error {
	f.seen++
	if f.seen == f.n {
		return errors.New("disk full")
	}
	return nil
}
func (f *failingRows) close(context.Context) error { f.closed = true; return nil }
func (f *failingRows) abort()                      {}

// TestPipeWriterStopsAtTheFirstError: a write error in the writing
// goroutine reaches the importer (add or close), the rows after it are not
// written, and the underlying writer is never closed as if all went well.
func TestPipeWriterStopsAtTheFirstError(t *testing.T) {
	ctx := context.Background()
	rows := &failingRows{n: 1000}
	w := newPipeWriter(ctx, rows)
	var err error
	for i := 0; i < 100000 && err == nil; i++ {
		err = w.add(ctx, []any{i})
	}
	if err == nil {
		err = w.close(ctx)
	}
	if err == nil || err.Error() != "disk full" {
		t.Fatalf("error %v, want disk full", err)
	}
	if rows.seen != 1000 || rows.closed {
		t.Errorf("wrote %d rows after the failure (closed %v), want 1000 and not closed", rows.seen, rows.closed)
	}
	if err := w.close(ctx); err == nil {
		t.Error("close after a failure succeeded")
	}
	w.abort()
}
