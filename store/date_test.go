package store

import (
	"testing"
	"time"

	"maksa"
)

// TestParseDateIsTimeParse: the direct reading of a date gives what
// time.Parse gives, for dates and for what is not one.
func TestParseDateIsTimeParse(t *testing.T) {
	for _, s := range []string{"2026-11-27", "2024-02-29", "2025-02-29", "2026-13-01", "2026-00-10", "2026-04-31", "2026-04-00",
		"0000-01-01", "9999-12-31", "2026-1-027", "20261127", "2026-11-2x", "-026-11-27", "2026/11/27", "", " 2026-11-27", "2026-11-27T10:00:00"} {
		want, _ := time.Parse(maksa.DateLayout, s)
		if got := parseDate(s); !got.Equal(want) || got.Location() != want.Location() {
			t.Errorf("parseDate(%q) = %v, want %v", s, got, want)
		}
	}
}

func FuzzParseDate(f *testing.F) {
	f.Add("2026-11-27")
	f.Fuzz(func(t *testing.T, s string) {
		want, _ := time.Parse(maksa.DateLayout, s)
		if got := parseDate(s); !got.Equal(want) {
			t.Errorf("parseDate(%q) = %v, want %v", s, got, want)
		}
	})
}
