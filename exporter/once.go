package exporter

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"maksa/internal/tempfile"
)

// WriteOnce writes a report that, once written, is never changed: the
// document write makes for seq 1 goes to dir/<base><ext>; when that name
// holds other bytes already (a later run of the day found more to report),
// the document for seq 2 goes to dir/<base>.2<ext>, and so on. A name that
// holds the same bytes already is left as it is. It returns the report's
// path. write must give the same bytes for the same state and seq.
func WriteOnce(dir, base, ext string, write func(w io.Writer, seq int) error) (string, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return "", err
	}
	for seq := 1; ; seq++ {
		path := numbered(dir, base, ext, seq)
		sum := sha256.New()
		tmp, err := tempfile.Write(dir, base, func(w io.Writer) error { return write(io.MultiWriter(w, sum), seq) })
		if err != nil {
			return "", err
		}
		done, err := placeOnce(tmp, path, sum.Sum(nil))
		os.Remove(tmp)
		if done || err != nil {
			return path, err
		}
	}
}

// PublishOnce gives the finished file tmp the first of dir/<base><ext>,
// dir/<base>.2<ext>, … that is free or already holds the same bytes, and
// returns it; tmp is gone afterwards.
func PublishOnce(tmp, dir, base, ext string) (string, error) {
	defer os.Remove(tmp)
	sum, err := fileHash(tmp)
	if err != nil {
		return "", err
	}
	for seq := 1; ; seq++ {
		path := numbered(dir, base, ext, seq)
		if done, err := placeOnce(tmp, path, sum); done || err != nil {
			return path, err
		}
	}
}

// numbered is dir/<base><ext> for seq 1, dir/<base>.<seq><ext> after.
func numbered(dir, base, ext string, seq int) string {
	if seq == 1 {
		return filepath.Join(dir, base+ext)
	}
	return filepath.Join(dir, fmt.Sprintf("%s.%d%s", base, seq, ext))
}

// placeOnce links tmp (whose hash is sum) to path when path is free, and
// reports done; done also when path holds the same bytes. Not done: path
// holds other bytes.
func placeOnce(tmp, path string, sum []byte) (done bool, err error) {
	switch err := os.Link(tmp, path); {
	case err == nil:
		return true, nil
	case !errors.Is(err, fs.ErrExist):
		return false, err
	}
	there, err := fileHash(path)
	if err != nil {
		return false, err
	}
	return bytes.Equal(there, sum), nil
}

func fileHash(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return nil, err
	}
	return h.Sum(nil), nil
}
