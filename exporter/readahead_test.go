package exporter

import (
	"errors"
	"testing"
)

func count(n int, fail error) func(func(int) error) error {
	return func(yield func(int) error) error {
		for i := range n {
			if err := yield(i); err != nil {
				return err
			}
		}
		return fail
	}
}

// TestReadAhead: values arrive in order; an error of the consumer stops the
// producer, and an error of the producer reaches the caller.
func TestReadAhead(t *testing.T) {
	next := 0
	var kept []*int
	err := readAhead(count(10000, nil), func(v *int) error {
		if *v != next {
			t.Fatalf("got %d, want %d", *v, next)
		}
		next++
		kept = append(kept, v)
		return nil
	})
	if err != nil || next != 10000 {
		t.Fatalf("read %d values, error %v", next, err)
	}
	// The chunks go back to the producer: what the consumer kept was
	// written over by later values, in a few chunks' worth of memory.
	distinct := map[*int]bool{}
	for _, p := range kept {
		distinct[p] = true
	}
	if len(distinct) > 8*256 {
		t.Errorf("%d distinct slots for 10000 values: the chunks are not used again", len(distinct))
	}
	full := errors.New("disk full")
	seen := 0
	err = readAhead(count(1000000, nil), func(v *int) error {
		seen++
		if *v == 300 {
			return full
		}
		return nil
	})
	if err != full || seen != 301 {
		t.Errorf("consumer failing at 300: error %v after %d values", err, seen)
	}
	lost := errors.New("database gone")
	if err := readAhead(count(1000, lost), func(*int) error { return nil }); err != lost {
		t.Errorf("producer failing: error %v", err)
	}
}
