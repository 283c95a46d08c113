package maksa

import (
	"crypto/sha256"
	"encoding/hex"
	"unicode/utf8"
)

// maxReportBase is how long a file's name may be for the reports named
// after it to fit a file system's 255-byte names: the longest of their
// suffixes is ".executed-2026-11-27.99.pain002.xml".
const maxReportBase = 255 - 40

// ReportBase returns the name a file's reports are named after: the file's
// own name, or, when that is too long for a report's name, its start and
// a short hash of the whole ("BBBB…B~1a2b3c4d"), the same every time.
func ReportBase(name string) string {
	if len(name) <= maxReportBase {
		return name
	}
	sum := sha256.Sum256([]byte(name))
	cut := maxReportBase - 9
	for cut > 0 && !utf8.RuneStart(name[cut]) {
		cut--
	}
	return name[:cut] + "~" + hex.EncodeToString(sum[:4])
}
