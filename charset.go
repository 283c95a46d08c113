package maksa

import "unicode/utf8"

// AllowedText reports whether s is text the treasury accepts in any field
// of a payment: the Latin script. That is:
//
//   - every printable ASCII character: letters, digits, space and the
//     punctuation invoices carry (& # % * ; = @ _ " ! < > [ ] { } $ …);
//   - every Latin letter with diacritics that European languages write:
//     the letters of Latin-1 Supplement, Latin Extended-A and -B and Latin
//     Extended Additional (ü ß ł Õ é ő ș ğ ỳ …), and a combining diacritical
//     mark (U+0300–U+036F) right after a Latin letter or another such mark
//     (a decomposed ü);
//   - the printable signs of Latin-1 Supplement (§ ° £ « » ² ½ × ÷ …), the
//     typographic dashes and quotes (– — ‘ ’ ‚ “ ” „), the ellipsis … and €.
//
// Everything else is refused: other scripts (Cyrillic, Greek, Arabic, CJK
// …), control and format characters (tab, zero-width joiner, right-to-left
// mark, soft hyphen), spaces other than U+0020 (no-break space), symbols
// such as emoji, noncharacters (U+FFFE, U+FFFF) and bytes that are not
// UTF-8. It returns the first offending rune, utf8.RuneError for broken
// UTF-8.
//
// The rule is a table lookup per character, no regexp: it runs on every
// text field of every payment.
func AllowedText(s string) (rune, bool) {
	lastLetter := false // whether the last non-ASCII rune was a Latin letter or a mark on one
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 || c == 0x7f {
				return rune(c), false
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			return r, false
		}
		switch runeClass(r) {
		case latinLetter:
			lastLetter = true
		case combiningMark:
			// A mark belongs to the character before it: an ASCII
			// letter, or a Latin letter (or mark on one) before that.
			if i > 0 && s[i-1] < utf8.RuneSelf {
				lastLetter = isASCIILetter(s[i-1])
			}
			if !lastLetter || i == 0 {
				return r, false
			}
		case sign:
			lastLetter = false
		default:
			return r, false
		}
		i += n
	}
	return 0, true
}

func isASCIILetter(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }

// The classes of non-ASCII runes.
const (
	refused = iota
	latinLetter
	combiningMark
	sign
)

// latin2 classifies U+0080 to U+024F: Latin-1 Supplement, Latin
// Extended-A and Latin Extended-B.
var latin2 = func() (t [0x250]uint8) {
	for r := 0xa1; r <= 0xbf; r++ {
		t[r] = sign
	}
	t[0xad] = refused                           // soft hyphen: invisible
	t[0xaa], t[0xba] = latinLetter, latinLetter // ª º
	for r := 0xc0; r < 0x250; r++ {
		t[r] = latinLetter
	}
	t[0xd7], t[0xf7] = sign, sign // × ÷
	return t
}()

// runeClass returns the class of a rune at or past U+0080.
func runeClass(r rune) uint8 {
	switch {
	case r < 0x250:
		return latin2[r]
	case r >= 0x300 && r <= 0x36f:
		return combiningMark
	case r >= 0x1e00 && r <= 0x1eff:
		return latinLetter
	}
	switch r {
	case '–', '—', '‘', '’', '‚', '“', '”', '„', '…', '€':
		return sign
	}
	return refused
}
