package main

import (
	"os"
	"runtime"
	"runtime/pprof"
	"runtime/trace"
)

// profiler writes the CPU and heap profiles asked for with --cpuprofile and
// --memprofile, for "go tool pprof", and the execution trace asked for
// with --trace, for "go tool trace" (where each goroutine waited).
type profiler struct {
	cpuPath, memPath, tracePath string
	cpu, trace                  *os.File
}

// start begins the CPU profile and the trace.
func (p *profiler) start() error {
	if p.tracePath != "" {
		f, err := os.Create(p.tracePath)
		if err != nil {
			return usageErrorf("--trace: %v", err)
		}
		if err := trace.Start(f); err != nil {
			f.Close()
			return err
		}
		p.trace = f
	}
	if p.cpuPath == "" {
		return nil
	}
	f, err := os.Create(p.cpuPath)
	if err != nil {
		return usageErrorf("--cpuprofile: %v", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return err
	}
	p.cpu = f
	return nil
}

// stop ends the CPU profile and the trace, and writes the heap profile.
func (p *profiler) stop() {
	if p.trace != nil {
		trace.Stop()
		p.trace.Close()
		p.trace = nil
	}
	if p.cpu != nil {
		pprof.StopCPUProfile()
		p.cpu.Close()
		p.cpu = nil
	}
	if p.memPath != "" {
		if f, err := os.Create(p.memPath); err == nil {
			runtime.GC()
			pprof.WriteHeapProfile(f)
			f.Close()
		}
	}
}
