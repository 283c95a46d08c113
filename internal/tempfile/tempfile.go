// Package tempfile makes the temporaries that maksa writes its files
// through before a rename puts them in place, and removes those that a
// crash or a kill in the middle of a write left behind.
package tempfile

import (
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
