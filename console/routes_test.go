package console

import (
	"os"
	"strings"
	"testing"
)

// TestRoutesDocumented: docs/console.md names every page and action the
// console answers.
func TestRoutesDocumented(t *testing.T) {
	guide, err := os.ReadFile("../docs/console.md")
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{}
	for pattern := range s.routes() {
		if !strings.Contains(string(guide), "`"+pattern+"`") && pattern != "GET /ui/{$}" {
			t.Errorf("docs/console.md does not name %s", pattern)
		}
	}
}
