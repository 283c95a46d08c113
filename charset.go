package maksa

import "unicode/utf8"

// AllowedText reports whether s uses only the characters the treasury
// accepts in names, identifiers and remittance text: Latin letters and
// digits, the Latvian letters with diacritics, space and the SEPA
// punctuation / - ? : ( ) . , ' +. It returns the first offending rune.
func AllowedText(s string) (rune, bool) {
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if !allowedASCII[c] {
				return rune(c), false
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if !allowedRune(r) {
			return r, false
		}
		i += n
	}
	return 0, true
}

// allowedASCII is allowedRune for the ASCII characters, looked up.
var allowedASCII = func() (t [utf8.RuneSelf]bool) {
	for c := range t {
		t[c] = allowedRune(rune(c))
	}
	return t
}()

func allowedRune(r rune) bool {
	switch {
	case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		return true
	}
	switch r {
	case ' ', '/', '-', '?', ':', '(', ')', '.', ',', '\'', '+',
		'ā', 'č', 'ē', 'ģ', 'ī', 'ķ', 'ļ', 'ņ', 'š', 'ū', 'ž',
		'Ā', 'Č', 'Ē', 'Ģ', 'Ī', 'Ķ', 'Ļ', 'Ņ', 'Š', 'Ū', 'Ž':
		return true
	}
	return false
}
