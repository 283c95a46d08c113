package main

import (
	"os"
	"runtime"
	"runtime/pprof"
)

// profiler writes the CPU and heap profiles asked for with --cpuprofile and
// --memprofile, for "go tool pprof".
type profiler struct {
	cpuPath, memPath string
	cpu              *os.File
}

// start begins the CPU profile.
func (p *profiler) start() error {
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

// stop ends the CPU profile and writes the heap profile.
func (p *profiler) stop() {
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
