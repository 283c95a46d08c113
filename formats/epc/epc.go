// Package epc holds the EPC basic Latin character set, the characters every
// SEPA bank must accept in a credit transfer (EPC 2025 SCT rulebook,
// section 1.4 and EPC guidance 217-08):
//
//	a b c d e f g h i j k l m n o p q r s t u v w x y z
//	A B C D E F G H I J K L M N O P Q R S T U V W X Y Z
//	0 1 2 3 4 5 6 7 8 9
//	/ - ? : ( ) . , ' + space
//
// and Basic, which writes the Latin-script text maksa accepts in that set
// for the outbound clearing file. Statements, reports and status reports
// keep the original text.
package epc

import (
	"strings"
	"sync"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// InSet reports whether r is in the EPC basic Latin character set.
func InSet(r rune) bool {
	switch {
	case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		return true
	}
	return strings.ContainsRune("/-?:().,'+ ", r)
}

// Valid reports whether every character of s is in the set.
func Valid(s string) bool {
	for _, r := range s {
		if !InSet(r) {
			return false
		}
	}
	return true
}

// letters are the Latin letters that are not a base letter with marks,
// written as the languages that use them transliterate them.
var letters = map[rune]string{
	'ß': "ss", 'ẞ': "SS", 'Æ': "AE", 'æ': "ae", 'Œ': "OE", 'œ': "oe", 'Ø': "O", 'ø': "o",
	'Ł': "L", 'ł': "l", 'Đ': "D", 'đ': "d", 'Ð': "D", 'ð': "d", 'Þ': "TH", 'þ': "th",
	'ı': "i", 'ĸ': "k", 'ŉ': "n", 'ſ': "s", 'Ŋ': "N", 'ŋ': "n", 'Ħ': "H", 'ħ': "h", 'Ŧ': "T", 'ŧ': "t",
	'ƒ': "f", 'ª': "a", 'º': "o",
}

// signs are the printable characters outside the set that invoices carry,
// with what stands for them.
var signs = map[rune]string{
	'&': "+", '"': "'", '„': "'", '“': "'", '”': "'", '«': "'", '»': "'", '‘': "'", '’': "'", '‚': "'", '`': "'", '´': "'",
	'–': "-", '—': "-", '_': "-", '~': "-", '…': "...", '€': "EUR", '£': "GBP", '$': "USD", '¥': "JPY", '%': " pct",
	'#': "No.", '@': "(at)", '[': "(", ']': ")", '{': "(", '}': ")", '<': "(", '>': ")", '*': ".", ';': ",", '!': ".",
	'=': "-", '|': "/", '\\': "/", '^': "", '§': "par.", '°': " deg", '×': "x", '÷': "/", '½': "1/2", '¼': "1/4", '¾': "3/4",
	'²': "2", '³': "3", '¹': "1", '·': ".", '¿': "?", '¡': ".",
}

// Basic returns s in the EPC basic Latin character set: a letter with
// diacritics as its base letter (ā → a, ü → u, ő → o, ș → s), the letters
// of the table above as they are transliterated (ß → ss, ł → l, ø → o,
// æ → ae), the signs of the table above by their stand-ins (& → +, quotes
// → ', dashes → -, € → EUR, # → No.), and any other character as a full
// stop. Text already in the set is returned as it is.
func Basic(s string) string {
	if Valid(s) {
		return s
	}
	basicOnce.Do(makeBasicTable)
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if int(r) < len(basicTable) {
			b.WriteString(basicTable[r])
		} else {
			b.WriteString(basicRune(r))
		}
	}
	return b.String()
}

// basicTable holds basicRune of every character below U+2100 — the Latin
// letters, their marks and the common signs — made once: a payment's
// names are transliterated a character at a time, for every payment of
// the night's clearing file.
var (
	basicTable [0x2100]string
	basicOnce  sync.Once
)

func makeBasicTable() {
	for r := range basicTable {
		basicTable[r] = basicRune(rune(r))
	}
}

// basicRune is one character in the basic set: its canonical
// decomposition's base letter (its marks dropped), transliterated, a sign's
// stand-in, or a full stop. Decomposing each character alone gives what
// decomposing the whole text gives, as only the marks are reordered.
func basicRune(c rune) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(string(c)) {
		switch {
		case InSet(r):
			b.WriteRune(r)
		case r >= 0x300 && r <= 0x36f: // a combining mark: the base letter stays
		case letters[r] != "":
			b.WriteString(letters[r])
		default:
			if v, ok := signs[r]; ok {
				b.WriteString(v)
			} else {
				b.WriteByte('.')
			}
		}
	}
	return b.String()
}

// Cut returns s cut to at most n characters (not bytes): for a value that
// transliteration made longer than its field allows.
func Cut(s string, n int) string {
	if len(s) <= n || utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}
