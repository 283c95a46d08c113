package pain001

import (
	"bytes"
	"testing"
)

// TestTrimSpace: the reader's trimSpace cuts what bytes.TrimSpace cuts,
// Unicode spaces at either end included.
func TestTrimSpace(t *testing.T) {
	for _, s := range []string{"", "x", " x", "x ", "\tx\n", "\u00a0x", "x\u00a0", "\u0085x", "x\u2003", "Ābele", "ē", "a b", "\u3000", "  "} {
		if got, want := trimSpace([]byte(s)), bytes.TrimSpace([]byte(s)); !bytes.Equal(got, want) {
			t.Errorf("trimSpace(%q) = %q, want %q", s, got, want)
		}
	}
}
