package pain001

import "io"

// NewParallelReaderOf returns a ParallelReader that cuts chunks of about
// chunk bytes and reads them on workers goroutines.
func NewParallelReaderOf(ra io.ReaderAt, size, chunk int64, workers int) *ParallelReader {
	p := NewParallelReader(ra, size)
	p.chunkSize, p.workers = chunk, workers
	return p
}

// Parallel reports whether p read in chunks to the end, without falling
// back to reading in sequence.
func (p *ParallelReader) Parallel() bool { return p.started && !p.fellBack }

var IndexTag = indexTag
