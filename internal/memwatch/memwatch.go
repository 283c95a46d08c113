// Package memwatch samples the Go heap while work runs, so that tests and
// benchmarks can report the peak rather than the total of allocations.
package memwatch

import (
	"runtime"
	"sync"
	"time"
)

// Watch samples the heap in use every 10 ms until Stop.
type Watch struct {
	stop chan struct{}
	done sync.WaitGroup
	peak uint64
}

// Start begins sampling after a garbage collection.
func Start() *Watch {
	runtime.GC()
	w := &Watch{stop: make(chan struct{})}
	w.done.Add(1)
	go func() {
		defer w.done.Done()
		var ms runtime.MemStats
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for {
			runtime.ReadMemStats(&ms)
			w.peak = max(w.peak, ms.HeapInuse)
			select {
			case <-w.stop:
				return
			case <-tick.C:
			}
		}
	}()
	return w
}

// Stop ends sampling and returns the peak heap in use, in bytes.
func (w *Watch) Stop() uint64 {
	close(w.stop)
	w.done.Wait()
	return w.peak
}
