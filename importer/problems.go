package importer

import (
	"bufio"
	"encoding/json"
	"errors"
	"io"
	"math"
	"os"
	"runtime"

	"maksa"
)

// keptProblems is how many problems a Result holds in memory; the rest of a
// file of a million invalid payments wait on disk (a variable for tests).
var keptProblems = 10000

// problemSpill holds a Result's problems past keptProblems, one JSON object
// a line, in a temporary file without a name: the disk space is freed when
// it is closed, or when the process ends, whatever ends it.
type problemSpill struct {
	f   *os.File
	w   *bufio.Writer
	enc *json.Encoder
	n   int
}

// addProblem adds pr to the result's problems: in memory while it holds
// fewer than keptProblems, on disk after.
func (res *Result) addProblem(pr maksa.Problem) error {
	if res.spill == nil && len(res.Problems) < keptProblems {
		res.Problems = append(res.Problems, pr)
		return nil
	}
	if res.spill == nil {
		f, err := os.CreateTemp("", "maksa-problems-*")
		if err != nil {
			return err
		}
		if err := os.Remove(f.Name()); err != nil {
			f.Close()
			return err
		}
		w := bufio.NewWriterSize(f, 64<<10)
		res.spill = &problemSpill{f: f, w: w, enc: json.NewEncoder(w)}
		runtime.AddCleanup(res, func(f *os.File) { f.Close() }, f)
	}
	res.spill.n++
	return res.spill.enc.Encode(pr)
}

// ProblemCount is how many problems the result has, in memory and on disk.
func (res *Result) ProblemCount() int {
	n := len(res.Problems)
	if res.spill != nil {
		n += res.spill.n
	}
	return n
}

// EachProblem calls fn with every problem of the result, in order: those
// in Problems, then those a file with more than keptProblems left on disk.
func (res *Result) EachProblem(fn func(maksa.Problem) error) error {
	for _, pr := range res.Problems {
		if err := fn(pr); err != nil {
			return err
		}
	}
	if res.spill == nil {
		return nil
	}
	if err := res.spill.w.Flush(); err != nil {
		return err
	}
	dec := json.NewDecoder(bufio.NewReaderSize(io.NewSectionReader(res.spill.f, 0, math.MaxInt64), 64<<10))
	for {
		var pr maksa.Problem
		err := dec.Decode(&pr)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if err := fn(pr); err != nil {
			return err
		}
	}
}
