package importer

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/fsnotify/fsnotify"

	"maksa"
	"maksa/store"
)

// Watcher imports every complete file dropped into inbox/<user>/ exactly
// once: it claims the file in the database, moves it to processing/<user>/,
// imports it, writes its reports to outbox/<user>/, and moves the original
// to archive/YYYY-MM-DD/<user>/ (or rejected/<user>/ when it could not be
// read at all). A process that dies leaves its claims in the database; it
// finishes them when it starts again, and any other process takes them over
// once their heartbeat is stale. Several processes may share one inbox and
// one PostgreSQL database.
type Watcher struct {
	Importer *Importer
	Store    *store.DB
	Home     string // the data folder
	// Owner names this process in claims; keep it stable across restarts
	// and different for every process.
	Owner string
	// Workers is how many files are processed at once.
	Workers int
	// Quiet is how long a file's size and modification time must stay
	// unchanged before it is taken as complete.
	Quiet time.Duration
	// Rescan is how often the inbox is read again, in case the operating
	// system dropped events, and stale claims are looked for.
	Rescan time.Duration
	// Stale is how long a claim's owner may show no heartbeat before another
	// process takes the claim over.
	Stale time.Duration
	Log   *slog.Logger

	mu       sync.Mutex
	seen     map[string]fileState // candidate files and what they looked like
	inFlight map[string]bool
	warned   map[string]bool // what was ignored and said so, once
	queue    chan string
	outage   store.Outage
}

type fileState struct {
	size  int64
	mtime time.Time
}

// Ignored reports whether a file name is never imported: dot-files and the
// temporary names of files still being written.
func Ignored(name string) bool {
	if strings.HasPrefix(name, ".") {
		return true
	}
	for _, suffix := range []string{".tmp", ".part", ".partial", ".swp", "~"} {
		if strings.HasSuffix(name, suffix) {
			return true
		}
	}
	return false
}

func (w *Watcher) dir(parts ...string) string {
	return filepath.Join(append([]string{w.Home}, parts...)...)
}

func (w *Watcher) init() {
	w.seen = map[string]fileState{}
	w.inFlight = map[string]bool{}
	w.warned = map[string]bool{}
	w.queue = make(chan string, 1024)
	w.outage.Log = w.Log
	if w.Workers < 1 {
		w.Workers = 1
	}
}

// Once finishes the claims this process left, processes every file waiting
// in the inbox (waiting for files still being written to settle) and returns.
func (w *Watcher) Once(ctx context.Context) error {
	w.init()
	w.recover(ctx)
	var wg sync.WaitGroup
	w.startWorkers(ctx, &wg)
	defer func() {
		close(w.queue)
		wg.Wait()
	}()
	for {
		if err := w.scan(); err != nil {
			return err
		}
		if w.enqueueStable() == 0 && w.idle() {
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(w.tick()):
		}
	}
}

// Run watches the inbox until ctx is cancelled, then finishes the files in
// hand and returns.
func (w *Watcher) Run(ctx context.Context) error {
	w.init()
	fw, err := fsnotify.NewWatcher()
	if err != nil {
		return err
	}
	defer fw.Close()
	inbox := w.dir("inbox")
	if err := fw.Add(inbox); err != nil {
		return err
	}
	var wg sync.WaitGroup
	w.startWorkers(ctx, &wg)
	defer func() {
		close(w.queue)
		wg.Wait()
	}()
	// Unfinished claims — this process's from before, and those of
	// processes that died — are finished on a goroutine of their own, one
	// pass at a time, and the heartbeat beats on another: taking over a
	// large file must hold up neither new files nor the heartbeat, or the
	// other processes would take this one's files for a dead one's.
	recovering := make(chan struct{}, 1)
	recoverAside := func() {
		select {
		case recovering <- struct{}{}:
			wg.Go(func() {
				defer func() { <-recovering }()
				w.recover(ctx)
			})
		default: // the last pass is still at work
		}
	}
	recoverAside()
	beating, stopBeating := context.WithCancel(ctx)
	defer stopBeating() // before the wait for the goroutines above
	wg.Go(func() { w.beat(beating) })
	w.watchUserFolders(fw)
	if err := w.scan(); err != nil {
		return err
	}
	rescan := time.NewTicker(w.Rescan)
	defer rescan.Stop()
	check := time.NewTicker(w.tick())
	defer check.Stop()
	w.Log.Info("watching", "inbox", inbox, "owner", w.Owner, "workers", w.Workers, "quiet", w.Quiet)
	for {
		select {
		case <-ctx.Done():
			w.Log.Info("stopping: finishing the files in hand")
			return nil
		case ev := <-fw.Events:
			w.event(fw, ev)
		case err := <-fw.Errors:
			w.Log.Warn("file events lost; the next rescan finds what they named", "err", err)
		case <-check.C:
			w.enqueueStable()
		case <-rescan.C:
			w.watchUserFolders(fw)
			if err := w.scan(); err != nil {
				w.Log.Error("rescan failed", "err", err)
			}
			recoverAside()
		}
	}
}

// beat renews this process's heartbeat on its claims every third of Stale
// until ctx ends.
func (w *Watcher) beat(ctx context.Context) {
	t := time.NewTicker(w.Stale / 3)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			w.trouble("heartbeat failed", w.Store.Heartbeat(ctx, w.Owner))
		}
	}
}

func (w *Watcher) tick() time.Duration { return max(w.Quiet/4, 20*time.Millisecond) }

// watchUserFolders adds a watch on every user folder of the inbox.
func (w *Watcher) watchUserFolders(fw *fsnotify.Watcher) {
	entries, _ := os.ReadDir(w.dir("inbox"))
	watched := map[string]bool{}
	for _, p := range fw.WatchList() {
		watched[p] = true
	}
	for _, e := range entries {
		p := w.dir("inbox", e.Name())
		if e.IsDir() && !Ignored(e.Name()) && !watched[p] {
			if err := fw.Add(p); err != nil {
				w.Log.Warn("cannot watch user folder", "folder", p, "err", err)
			}
		}
	}
}

func (w *Watcher) event(fw *fsnotify.Watcher, ev fsnotify.Event) {
	if ev.Has(fsnotify.Remove) || ev.Has(fsnotify.Rename) {
		return
	}
	if filepath.Dir(ev.Name) == w.dir("inbox") {
		// A new user folder: watch it and take what is already in it.
		w.watchUserFolders(fw)
		w.scanFolder(ev.Name)
		return
	}
	w.note(ev.Name)
}

// scan notes every candidate file of every user folder.
func (w *Watcher) scan() error {
	entries, err := os.ReadDir(w.dir("inbox"))
	if err != nil {
		return err
	}
	for _, e := range entries {
		switch {
		case Ignored(e.Name()):
		case e.IsDir():
			w.scanFolder(w.dir("inbox", e.Name()))
		case e.Type()&os.ModeSymlink != 0:
			w.warnOnce(w.dir("inbox", e.Name()), "a link in the inbox is not a user's folder and is not read: make it a real folder")
		default:
			w.warnOnce(w.dir("inbox", e.Name()), "a file directly in the inbox is not read: put it into its user's folder, inbox/<user>/")
		}
	}
	return nil
}

// warnOnce logs, once a process, that something in the inbox is ignored.
func (w *Watcher) warnOnce(path, why string) {
	w.mu.Lock()
	first := !w.warned[path]
	w.warned[path] = true
	w.mu.Unlock()
	if first && w.Log != nil {
		w.Log.Warn("ignored: "+why, "path", path)
	}
}

func (w *Watcher) scanFolder(dir string) {
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		w.note(filepath.Join(dir, e.Name()))
	}
}

// note remembers a candidate file, to be processed once it is stable.
func (w *Watcher) note(path string) {
	if Ignored(filepath.Base(path)) {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if _, ok := w.seen[path]; !ok && !w.inFlight[path] {
		w.seen[path] = fileState{size: -1}
	}
}

// enqueueStable hands every candidate whose size and modification time
// have not changed since the last look, and are older than the quiet
// period, to the workers. It returns how many candidates are still waiting.
func (w *Watcher) enqueueStable() int {
	w.mu.Lock()
	var ready []string
	for path, last := range w.seen {
		fi, err := os.Lstat(path)
		if err != nil || fi.IsDir() {
			delete(w.seen, path) // gone (moved by another process, deleted) or a folder
			if err == nil && !w.warned[path] {
				w.warned[path] = true
				if w.Log != nil {
					w.Log.Warn("ignored: a folder inside a user's inbox is not read: move its files into the user's folder", "path", path)
				}
			}
			continue
		}
		now := fileState{size: fi.Size(), mtime: fi.ModTime()}
		if now != last || time.Since(now.mtime) < w.Quiet {
			w.seen[path] = now
			continue
		}
		delete(w.seen, path)
		w.inFlight[path] = true
		ready = append(ready, path)
	}
	waiting := len(w.seen)
	w.mu.Unlock()
	for _, path := range ready {
		w.queue <- path
	}
	return waiting
}

func (w *Watcher) idle() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.seen) == 0 && len(w.inFlight) == 0
}

func (w *Watcher) startWorkers(ctx context.Context, wg *sync.WaitGroup) {
	// The file in hand is finished even when ctx is cancelled.
	work := context.WithoutCancel(ctx)
	for range w.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for path := range w.queue {
				w.trouble("file not processed; it stays where it is and is tried again", w.process(work, path), "file", path)
				w.mu.Lock()
				delete(w.inFlight, path)
				w.mu.Unlock()
			}
		}()
	}
}

// process takes one stable inbox file through the whole pipeline.
func (w *Watcher) process(ctx context.Context, path string) error {
	user, name := filepath.Base(filepath.Dir(path)), filepath.Base(path)
	fi, err := os.Lstat(path)
	if err != nil {
		return nil // gone
	}
	if !fi.Mode().IsRegular() {
		return w.refuse(ctx, path, user, name, maksa.FF01, "only regular files are accepted; symbolic links and special files are refused")
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && st.Nlink > 1 {
		return w.refuse(ctx, path, user, name, maksa.FF01, "the file has other hard links; files must be written into the inbox, not linked from elsewhere")
	}
	if !utf8.ValidString(name) || strings.IndexFunc(name, unicode.IsControl) >= 0 {
		return w.refuse(ctx, path, user, name, maksa.FF01, "the file name holds control characters or is not UTF-8")
	}
	known, err := w.Store.UserExists(ctx, user)
	if err != nil {
		return err
	}
	if !known {
		return w.refuse(ctx, path, user, name, maksa.AG08, fmt.Sprintf("the inbox folder %q is not a user of the directory", user))
	}
	sum, err := fileSHA256(path)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(w.dir("processing", user), 0o750); err != nil {
		return err
	}
	claim, err := w.Store.ClaimFile(ctx, user, name, sum, w.Owner, w.dir("processing", user), func(report string) bool {
		_, err := os.Lstat(w.dir("outbox", user, report))
		return err == nil
	})
	if errors.Is(err, store.ErrClaimed) {
		return nil // another process has it
	}
	if err != nil {
		return err
	}
	if err := os.Rename(path, claim.Processing); err != nil {
		w.Store.DropClaim(ctx, claim.ID)
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return err
	}
	return w.complete(ctx, claim)
}

// complete takes a claim from wherever it stopped to done.
func (w *Watcher) complete(ctx context.Context, c *store.Claim) error {
	start := time.Now()
	if c.State == store.ClaimClaimed {
		if _, err := os.Stat(c.Processing); err != nil {
			// The process died between claiming and moving the file.
			inbox := w.dir("inbox", c.UserID, c.Name)
			if err := os.Rename(inbox, c.Processing); err != nil {
				w.Log.Warn("claimed file has vanished; claim dropped", "user", c.UserID, "file", c.Name)
				return w.Store.DropClaim(ctx, c.ID)
			}
		}
		_, err := w.Importer.ImportFile(ctx, c.Processing, Options{UserID: c.UserID, Actor: c.UserID, FileName: c.Name, Claim: c.ID, OnlyCounts: true})
		if err != nil {
			return err
		}
		if c, err = w.Store.Claim(ctx, c.ID); err != nil {
			return err
		}
	}
	b := c.Batch
	if _, _, err := w.Importer.WriteReports(ctx, c.UserID, b, c.Report); err != nil {
		return err
	}
	dest := w.dir("archive", b.CreatedAt.In(w.Importer.Location).Format(maksa.DateLayout), c.UserID)
	if len(b.Problems) > 0 && b.Problems[0].Code == maksa.FF01 {
		dest = w.dir("rejected", c.UserID)
	}
	final, err := w.moveOut(ctx, c, dest)
	if err != nil {
		return err
	}
	w.Log.Info("file done", "user", c.UserID, "file", c.Name, "format", b.Format, "batch", b.ID, "transactions", b.Transactions,
		"accepted", b.Accepted, "rejected", b.Rejected, "status", b.Status, "report", c.Report, "original", final,
		"duration", time.Since(start).Round(time.Millisecond))
	return w.Store.FinishClaim(ctx, c.ID, final)
}

// moveOut moves the processed original into dest under its own name, or
// name.<claim> when that is taken. The destination is recorded on the claim
// before the move, so that an attempt repeated after a crash finds the file
// where the first one put it.
func (w *Watcher) moveOut(ctx context.Context, c *store.Claim, dest string) (string, error) {
	if _, err := os.Stat(c.Processing); errors.Is(err, fs.ErrNotExist) && c.Destination != "" {
		return c.Destination, nil
	}
	if err := os.MkdirAll(dest, 0o750); err != nil {
		return "", err
	}
	for _, name := range []string{c.Name, fmt.Sprintf("%s.%d", c.Name, c.ID)} {
		target := filepath.Join(dest, name)
		if err := w.Store.SetDestination(ctx, c.ID, target); err != nil {
			return "", err
		}
		err := os.Link(c.Processing, target)
		if errors.Is(err, fs.ErrPermission) {
			// Linking another user's file is refused where hard links
			// are protected (fs.protected_hardlinks): move it instead,
			// once sure no archived file has that name.
			if _, err := os.Lstat(target); err == nil {
				continue
			}
			return target, os.Rename(c.Processing, target)
		}
		if errors.Is(err, fs.ErrExist) && !sameFile(c.Processing, target) {
			continue // another file of that name
		}
		if errors.Is(err, fs.ErrExist) {
			err = nil // linked by an attempt that died before removing the original
		}
		if err != nil {
			return "", err
		}
		return target, os.Remove(c.Processing)
	}
	return "", fmt.Errorf("%s: cannot archive: %s and %s.%d exist in %s", c.Processing, c.Name, c.Name, c.ID, dest)
}

// refuse moves a file that cannot be imported at all to rejected/<user>/
// and answers it with a pain.002 in outbox/<user>/.
func (w *Watcher) refuse(ctx context.Context, path, user, name string, code maksa.Reason, why string) error {
	dest := w.dir("rejected", user)
	if err := os.MkdirAll(dest, 0o750); err != nil {
		return err
	}
	b := &maksa.Batch{UserID: user, FileName: name, SHA256: strings.Repeat("0", 64), Status: maksa.RJCT,
		Problems: []maksa.Problem{*maksa.Problemf(code, maksa.Position{File: name}, "%s", why)}, CreatedAt: w.Importer.Now()}
	if _, _, err := w.Importer.WriteReports(ctx, user, b, ""); err != nil {
		return err
	}
	target := filepath.Join(dest, name)
	if _, err := os.Lstat(target); err == nil {
		target = filepath.Join(dest, fmt.Sprintf("%s.%d", name, time.Now().UnixNano()))
	}
	w.Log.Warn("file refused", "user", user, "file", name, "code", code, "reason", why, "moved_to", target)
	return os.Rename(path, target)
}

// recover finishes the unfinished claims this process holds but is not
// working on — left by an earlier run of it, or by an attempt that failed
// (the database was away) — and takes over those of processes that died.
func (w *Watcher) recover(ctx context.Context) {
	claims, err := w.Store.TakeOver(ctx, w.Owner, w.Stale, true)
	w.trouble("cannot look for unfinished claims", err)
	if err != nil {
		return
	}
	for _, c := range claims {
		if ctx.Err() != nil {
			return // stopping: the next start takes up the rest
		}
		key := w.dir("inbox", c.UserID, c.Name)
		w.mu.Lock()
		busy := w.inFlight[key]
		w.inFlight[key] = true
		w.mu.Unlock()
		if busy {
			continue // a worker has it in hand
		}
		// A worker may have finished it since TakeOver read it.
		if c, err = w.Store.Claim(ctx, c.ID); err != nil || c.State == store.ClaimDone || c.Owner != w.Owner {
			w.mu.Lock()
			delete(w.inFlight, key)
			w.mu.Unlock()
			continue
		}
		w.Log.Info("finishing an interrupted file", "user", c.UserID, "file", c.Name, "state", c.State)
		// The file in hand is finished even when ctx is cancelled.
		w.trouble("interrupted file not finished; tried again at the next rescan", w.complete(context.WithoutCancel(ctx), c), "file", c.Name)
		w.mu.Lock()
		delete(w.inFlight, key)
		w.mu.Unlock()
	}
}

// trouble logs a failure — except a database outage, which is told once
// when it begins and once when it ends — or, for a nil err, notes that
// the database answered.
func (w *Watcher) trouble(msg string, err error, args ...any) {
	if err == nil {
		w.outage.Succeeded()
		return
	}
	if !w.outage.Failed(err) {
		w.Log.Error(msg, append(args, "err", err)...)
	}
}

// sameFile reports whether both paths name the same file.
func sameFile(a, b string) bool {
	fa, errA := os.Lstat(a)
	fb, errB := os.Lstat(b)
	return errA == nil && errB == nil && os.SameFile(fa, fb)
}

func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
