// Command bench runs maksa's performance campaign (make bench).
//
// It builds maksa, generates payment files of each size once (cached in
// -dir), runs every step with the real binary against a fresh home, and
// measures in the same run the reference a user would reach for: xmllint
// --stream for validation, psql \copy of the same rows for the PostgreSQL
// import, a multi-row insert loop of the same rows for SQLite (the floors). It
// prints one Markdown table: rate, peak RSS of the maksa process, the
// reference's rate, the ratio and whether the target of the performance
// issue is met. -smoke runs every step once on small sizes, for CI.
//
//	go run ./internal/test/bench            # 10k, 100k, 1M
//	go run ./internal/test/bench -smoke     # 10k, just that it works
//	MAKSA_TEST_POSTGRES=postgres://… go run ./internal/test/bench   # with PostgreSQL
package main

import (
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"
)

func main() {
	cfg := config{}
	flag.StringVar(&cfg.dir, "dir", filepath.Join(os.TempDir(), "maksa-bench"), "folder for the binary, the generated files (kept) and the homes")
	sizes := flag.String("sizes", "10000,100000,1000000", "pain.001 sizes, in payments")
	flag.IntVar(&cfg.tabular, "tabular", 100000, "payments in the CSV and XLSX files")
	flag.IntVar(&cfg.watchFiles, "watch", 200, "small files dropped one at a time for the watcher latency")
	flag.IntVar(&cfg.sign, "sign", 10000, "payments signed")
	flag.IntVar(&cfg.batch, "batch", 0, "signed payments executed by the nightly batch (0: the largest size, whose SQLite import it reuses)")
	smoke := flag.Bool("smoke", false, "small sizes, every step once: that it works, not how fast")
	flag.Parse()
	if *smoke {
		*sizes, cfg.tabular, cfg.watchFiles, cfg.sign, cfg.batch = "10000", 1000, 5, 1000, 10000
	}
	for _, s := range strings.Split(*sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n <= 0 {
			log.Fatalf("-sizes: %q is not a size", s)
		}
		cfg.sizes = append(cfg.sizes, n)
	}
	if cfg.batch == 0 {
		cfg.batch = cfg.sizes[len(cfg.sizes)-1]
	}
	cfg.postgres = os.Getenv("MAKSA_TEST_POSTGRES")
	rows, err := run(cfg, os.Stderr)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(machine())
	fmt.Println()
	printTable(os.Stdout, rows)
	printBounds(os.Stdout, rows)
	for _, r := range rows {
		if r.met == "no" {
			fmt.Println("\nSome targets are not met (see the last column).")
			break
		}
	}
}

// config says what to run.
type config struct {
	dir        string
	sizes      []int
	tabular    int
	watchFiles int
	sign       int
	batch      int
	postgres   string
}

// row is one line of the table.
type row struct {
	step    string
	size    int
	count   int           // payments (or files) handled
	bytes   int64         // input or output size, for MB/s
	wall    time.Duration // of the maksa command
	rss     int64         // peak RSS of the maksa process, bytes
	cpu     time.Duration // user and system time of the maksa process, where it bounds the rate
	rate    string        // overrides payments/s (latency rows)
	ref     string        // the reference's name
	refRate float64       // payments/s of the reference (or MB/s when byMB)
	byMB    bool          // the ratio compares MB/s
	target  string
	met     string // yes, no, or empty when there is no target
}

func (r row) perSecond() float64 { return float64(r.count) / r.wall.Seconds() }
func (r row) mbPerSecond() float64 {
	return float64(r.bytes) / 1e6 / r.wall.Seconds()
}

func (r row) ratio() float64 {
	if r.refRate == 0 {
		return 0
	}
	if r.byMB {
		return r.mbPerSecond() / r.refRate
	}
	return r.perSecond() / r.refRate
}

func printTable(w io.Writer, rows []row) {
	fmt.Fprintln(w, "| step | payments | rate | MB/s | peak RSS | reference | reference rate | ratio | target | met |")
	fmt.Fprintln(w, "| --- | ---: | ---: | ---: | ---: | --- | ---: | ---: | --- | --- |")
	for _, r := range rows {
		rate, mb, rss, ref, refRate, ratio := r.rate, "", "", r.ref, "", ""
		if rate == "" {
			rate = fmt.Sprintf("%.0f/s", r.perSecond())
		}
		if r.bytes > 0 {
			mb = fmt.Sprintf("%.0f", r.mbPerSecond())
		}
		if r.rss > 0 {
			rss = fmt.Sprintf("%.0f MB", float64(r.rss)/1e6)
		}
		if r.refRate > 0 {
			unit := "/s"
			if r.byMB {
				unit = " MB/s"
			}
			refRate = fmt.Sprintf("%.0f%s", r.refRate, unit)
			ratio = fmt.Sprintf("%.2f×", r.ratio())
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n",
			r.step, count(r.size), rate, mb, rss, ref, refRate, ratio, r.target, r.met)
	}
}

// printBounds says, for each row that measured its process's CPU time,
// the rate no run of it can pass on this machine's cores, all of them
// busy the whole time: what a target above it needs is less work, not a
// faster schedule.
func printBounds(w io.Writer, rows []row) {
	for _, r := range rows {
		if r.cpu <= 0 {
			continue
		}
		cores := runtime.NumCPU()
		bound := float64(r.count) / (r.cpu.Seconds() / float64(cores))
		fmt.Fprintf(w, "\n%s, %s: %.1f s of CPU (user and system) in %.1f s; on %d cores it cannot pass %.0f/s without doing less.",
			r.step, count(r.size), r.cpu.Seconds(), r.wall.Seconds(), cores, bound)
		if strings.HasSuffix(r.ref, "(floor)") {
			// The floor is one connection writing: the database's one
			// writer, which no schedule of the rest can make faster.
			fmt.Fprintf(w, " Nor can it pass %s: %.0f/s on this machine, however little else it did.", r.ref, r.refRate)
		}
		fmt.Fprintln(w)
	}
}

// count prints 10000 as 10 k and 1000000 as 1 M.
func count(n int) string {
	switch {
	case n >= 1000000 && n%1000000 == 0:
		return fmt.Sprintf("%d M", n/1000000)
	case n >= 1000 && n%1000 == 0:
		return fmt.Sprintf("%d k", n/1000)
	}
	return strconv.Itoa(n)
}

func yesNo(ok bool) string {
	if ok {
		return "yes"
	}
	return "no"
}

// machine describes where the table was measured.
func machine() string {
	model := "unknown CPU"
	if data, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			if name, ok := strings.CutPrefix(line, "model name"); ok {
				model = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(name), ":"))
				break
			}
		}
	}
	return fmt.Sprintf("Measured %s on %s, %d cores, %s/%s, %s.", time.Now().Format("2006-01-02 15:04"), model, runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, runtime.Version())
}

// timed runs a command and returns its wall time and peak RSS.
func timed(name string, args ...string) (time.Duration, int64, error) {
	wall, rss, _, err := timedOut(io.Discard, name, args...)
	return wall, rss, err
}

// timedOut is timed, with the command's output written to out and its
// CPU time (user and system).
func timedOut(out io.Writer, name string, args ...string) (wall time.Duration, rss int64, cpu time.Duration, err error) {
	cmd := exec.Command(name, args...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	cmd.Stdout = out
	start := time.Now()
	err = cmd.Run()
	wall = time.Since(start)
	if err != nil {
		return 0, 0, 0, fmt.Errorf("%s %s: %v\n%s", filepath.Base(name), strings.Join(args, " "), err, tail(stderr.String()))
	}
	return wall, maxRSS(cmd.ProcessState), cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime(), nil
}

func tail(s string) string {
	if len(s) > 2000 {
		return "…" + s[len(s)-2000:]
	}
	return s
}
