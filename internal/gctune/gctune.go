// Package gctune sets maksa's garbage collector: collect at 4× the live
// heap (GOGC=400), under a soft memory limit of 40 MB that follows the live
// heap up when a run must hold more than that.
//
// maksa's live heap is a few megabytes while it streams a file, so
// collecting at 4× the live heap instead of 2× halves the collector's share
// of the CPU, and the soft limit makes it collect more often before the
// process grows past 40 MB. A fixed limit below the live heap, though,
// makes the collector run without pause (the runtime caps it at half the
// CPU): a file of half a million invalid payments, whose problems the run
// reports and so holds, took twice as long with it. So after each
// collection the limit becomes twice the heap found live when that is
// more than 40 MB, and falls back as the live heap shrinks.
package gctune

import (
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
)

// Limit is the soft memory limit while the live heap is under half of it.
const Limit = 40 << 20

// Tune sets the collector; GOGC and GOMEMLIMIT, when set, win.
func Tune() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(Limit)
		follow()
	}
}

// limitFor is the soft limit for a live heap of live bytes: Limit, until
// the live heap passes it (the nightly batch's stays near 30 MB, and a
// limit raised for it only grew the process past 100 MB).
func limitFor(live uint64) int64 {
	if live <= Limit {
		return Limit
	}
	return 2 * int64(live)
}

// follow sets the limit from the live heap after the next collection, and
// again after each one after that: a cleanup of an object made here runs
// once a collection has found it unreachable.
func follow() {
	sentinel := new([64]byte) // not a tiny allocation, which shares its block
	runtime.AddCleanup(sentinel, func(struct{}) {
		sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
		metrics.Read(sample)
		if sample[0].Value.Kind() == metrics.KindUint64 {
			debug.SetMemoryLimit(limitFor(sample[0].Value.Uint64()))
		}
		follow()
	}, struct{}{})
}
