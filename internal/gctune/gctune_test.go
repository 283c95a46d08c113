package gctune

import (
	"runtime"
	"runtime/debug"
	"testing"
	"time"
)

// TestLimitFollowsLiveHeap: while 100 MB stay alive the soft limit rises to
// twice that after a collection, and falls back to 40 MB once they are
// gone.
func TestLimitFollowsLiveHeap(t *testing.T) {
	t.Setenv("GOGC", "")
	t.Setenv("GOMEMLIMIT", "")
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(-1))
	Tune()
	if got := debug.SetMemoryLimit(-1); got != Limit {
		t.Fatalf("limit %d, want %d", got, Limit)
	}
	held := make([][]byte, 100)
	for i := range held {
		held[i] = make([]byte, 1<<20)
	}
	waitFor(t, func(limit int64) bool { return limit >= 200<<20 })
	runtime.KeepAlive(held)
	held = nil
	waitFor(t, func(limit int64) bool { return limit == Limit })
}

// waitFor collects until the limit satisfies ok, or fails.
func waitFor(t *testing.T, ok func(int64) bool) {
	t.Helper()
	for range 100 {
		runtime.GC()
		time.Sleep(10 * time.Millisecond) // cleanups run on their own goroutine
		if ok(debug.SetMemoryLimit(-1)) {
			return
		}
	}
	t.Fatalf("limit stayed at %d MB", debug.SetMemoryLimit(-1)>>20)
}

func TestLimitFor(t *testing.T) {
	for live, want := range map[uint64]int64{0: Limit, 20 << 20: Limit, 33 << 20: Limit, Limit: Limit, 41 << 20: 82 << 20, 1 << 30: 2 << 30} {
		if got := limitFor(live); got != want {
			t.Errorf("limitFor(%d MB) = %d MB, want %d MB", live>>20, got>>20, want>>20)
		}
	}
}
