package main_test

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"maksa/internal/test/testclock"
)

// TestReadmeExamples runs the README's tour as it is written, so that it
// cannot rot: each command of the blocks under "A short tour", in a fresh
// folder holding bin/maksa and the repository's testdata, on the suite's
// today. The test stands in for what the reader has: `make run` (the demo
// directory applied, the watcher running: the test runs the watcher once
// after a file is dropped) and the date `queue` shows. A command must exit
// 0, or 1 where its comment says it is rejected.
func TestReadmeExamples(t *testing.T) {
	readme, err := os.ReadFile(repo("README.md"))
	if err != nil {
		t.Fatal(err)
	}
	blocks := tourBlocks(string(readme))
	if len(blocks) != 2 {
		t.Fatalf("the README's tour has %d shell blocks, want 2 (the tour, and one command at a time)", len(blocks))
	}
	for i, block := range blocks {
		dir := t.TempDir()
		os.MkdirAll(filepath.Join(dir, "bin"), 0o755)
		if err := os.Symlink(binary, filepath.Join(dir, "bin", "maksa")); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(repo("testdata"), filepath.Join(dir, "testdata")); err != nil {
			t.Fatal(err)
		}
		tmp := t.TempDir()
		sh := func(want int, line string, prelude []string) string {
			t.Helper()
			cmd := exec.Command("bash", "-c", "set -o pipefail\n"+strings.Join(append(prelude, line), "\n"))
			cmd.Dir = dir
			cmd.Env = append(os.Environ(), "MAKSA_NOW="+testclock.RFC3339())
			var out, errOut bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &errOut
			err := cmd.Run()
			code := 0
			if exit, ok := err.(*exec.ExitError); ok {
				code = exit.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			if code != want {
				t.Errorf("README block %d: %s\nexit %d, want %d\nstdout:\n%s\nstderr:\n%s", i+1, line, code, want, out.String(), errOut.String())
			}
			return out.String()
		}
		if i == 0 { // what `make run` did before the tour begins
			sh(0, "bin/maksa --home maksa-data directory apply testdata/demo/directory.yaml", nil)
			sh(0, "bin/maksa --home maksa-data dev gen --count 25 --out maksa-data/inbox/gramatvediba/salaries.xml", nil)
			sh(0, "bin/maksa --home maksa-data watch --once --quiet 200ms", nil)
		}
		var prelude []string // the variables the block sets, for each later command
		for _, line := range block {
			command, comment, _ := strings.Cut(line, " # ")
			command = strings.TrimSpace(strings.ReplaceAll(command, "/tmp/", tmp+"/"))
			switch {
			case command == "" || strings.HasPrefix(command, "make "):
				continue // the binary is built already
			case assignment.MatchString(command):
				prelude = append(prelude, command)
				continue
			}
			if strings.Contains(command, "<the date queue shows>") {
				var queue []struct {
					ExecutionDate string `json:"execution_date"`
				}
				if err := json.Unmarshal([]byte(sh(0, "bin/maksa --home maksa-data --json payments --status ACCP", nil)), &queue); err != nil || len(queue) == 0 {
					t.Fatalf("README block %d: the queue shows no date: %v", i+1, err)
				}
				command = strings.ReplaceAll(command, "<the date queue shows>", queue[0].ExecutionDate)
			}
			want := 0
			if strings.Contains(comment, "rejected") {
				want = 1
			}
			sh(want, command, prelude)
			if strings.Contains(command, "inbox/") { // the watcher `make run` left running answers the file
				sh(0, "bin/maksa --home maksa-data watch --once --quiet 200ms", nil)
			}
		}
	}
}

// assignment is a line that only sets a shell variable.
var assignment = regexp.MustCompile(`^(export )?[A-Z_]+=("[^"]*"|\S+)$`)

// tourBlocks returns the lines of each shell block of the README's "A
// short tour" section, continuation lines joined.
func tourBlocks(readme string) [][]string {
	_, section, _ := strings.Cut(readme, "\n## A short tour\n")
	section, _, _ = strings.Cut(section, "\n## ")
	var blocks [][]string
	for {
		_, rest, ok := strings.Cut(section, "```sh\n")
		if !ok {
			return blocks
		}
		body, after, _ := strings.Cut(rest, "```")
		var lines []string
		pending := ""
		for _, l := range strings.Split(strings.TrimSpace(body), "\n") {
			if strings.HasSuffix(l, "\\") {
				pending += strings.TrimSuffix(l, "\\")
				continue
			}
			lines = append(lines, pending+strings.TrimSpace(l))
			pending = ""
		}
		blocks = append(blocks, lines)
		section = after
	}
}
