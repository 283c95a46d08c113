// Package tempfile makes the temporaries that maksa writes its files
// through before a rename puts them in place, and removes those that a
// crash or a kill in the middle of a write left behind.
package tempfile

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Age is how long a temporary must have stayed unchanged before Create
// takes it for one left behind: a live writer changes its own all along.
const Age = time.Hour

// Create creates a temporary file in dir named "."+name+"-DIGITS.tmp"
// (hidden, so that the watcher and people pass it by), first removing the
// temporaries of that name unchanged for Age.
func Create(dir, name string) (*os.File, error) {
	removeLeft(dir, name, Age)
	return os.CreateTemp(dir, "."+name+"-*.tmp")
}

// removeLeft removes the temporaries of name in dir unchanged for age.
func removeLeft(dir, name string, age time.Duration) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	prefix := "." + name + "-"
	for _, e := range entries {
		rest, named := strings.CutPrefix(e.Name(), prefix)
		digits, temporary := strings.CutSuffix(rest, ".tmp")
		if !named || !temporary || digits == "" || strings.Trim(digits, "0123456789") != "" || !e.Type().IsRegular() {
			continue
		}
		if fi, err := e.Info(); err == nil && time.Since(fi.ModTime()) > age {
			os.Remove(filepath.Join(dir, e.Name()))
		}
	}
}

// Write writes a temporary file named for name into dir through write,
// synced to the disk, and returns its path; on an error it leaves nothing.
func Write(dir, name string, write func(io.Writer) error) (string, error) {
	tmp, err := Create(dir, name)
	if err != nil {
		return "", err
	}
	err = write(tmp)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp.Name())
		return "", err
	}
	return tmp.Name(), nil
}
