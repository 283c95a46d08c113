package maksa

import (
	"os"
	"strings"
	"testing"
)

// TestReasonsDocumented: docs/reasons.md has a row for every reason code
// maksa emits, with its ISO name, and none for a code it does not.
func TestReasonsDocumented(t *testing.T) {
	data, err := os.ReadFile("docs/reasons.md")
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]string{}
	for _, line := range strings.Split(string(data), "\n") {
		cells := strings.Split(line, "|")
		if len(cells) > 3 && len(strings.TrimSpace(cells[1])) == 4 && strings.TrimSpace(cells[1]) != "code" {
			rows[strings.TrimSpace(cells[1])] = strings.TrimSpace(cells[2])
		}
	}
	for code, info := range reasons {
		if name, ok := rows[string(code)]; !ok {
			t.Errorf("docs/reasons.md has no row for %s", code)
		} else if name != info.Name {
			t.Errorf("docs/reasons.md names %s %q, the code %q", code, name, info.Name)
		}
	}
	for code := range rows {
		if _, ok := reasons[Reason(code)]; !ok {
			t.Errorf("docs/reasons.md documents %s, which maksa does not emit", code)
		}
	}
}
