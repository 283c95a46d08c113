// Package memwatch samples the Go heap while work runs, so that tests and
// benchmarks can report how much memory the work kept alive at its peak,
// rather than the total of its allocations.
package memwatch

import (
	"runtime/metrics"
	"sync"
	"time"
)

// liveHeap is the heap that survived the last garbage collection.
const liveHeap = "/gc/heap/live:bytes"

// Watch samples the live heap every 10 ms until Stop.
type Watch struct {
	stop chan struct{}
	done sync.WaitGroup
	peak uint64
}

// Start begins sampling.
func Start() *Watch {
	w := &Watch{stop: make(chan struct{})}
	w.done.Add(1)
	go func() {
		defer w.done.Done()
		sample := []metrics.Sample{{Name: liveHeap}}
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for {
			metrics.Read(sample)
			if sample[0].Value.Kind() == metrics.KindUint64 {
				w.peak = max(w.peak, sample[0].Value.Uint64())
			}
			select {
			case <-w.stop:
				return
			case <-tick.C:
			}
		}
	}()
	return w
}

// Stop ends sampling and returns the peak live heap, in bytes: the most
// memory the program held after any garbage collection while it ran.
func (w *Watch) Stop() uint64 {
	close(w.stop)
	w.done.Wait()
	return w.peak
}
