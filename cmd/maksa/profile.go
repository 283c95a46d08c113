package main

import (
	"io"
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
func (p *profiler) start() (err error) {
	if p.tracePath != "" {
		if p.trace, err = begin(p.tracePath, "trace", trace.Start); err != nil {
			return err
		}
	}
	if p.cpuPath != "" {
		p.cpu, err = begin(p.cpuPath, "cpuprofile", pprof.StartCPUProfile)
	}
	return err
}

// begin creates the file at path (named by its flag in an error) and
// starts writing a profile or trace to it.
func begin(path, flag string, start func(io.Writer) error) (*os.File, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, usageErrorf("--%s: %v", flag, err)
	}
	if err := start(f); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
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
