package maksa

// AllowedText reports whether s uses only the characters the treasury
// accepts in names, identifiers and remittance text: Latin letters and
// digits, the Latvian letters with diacritics, space and the SEPA
// punctuation / - ? : ( ) . , ' +. It returns the first offending rune.
func AllowedText(s string) (rune, bool) {
	for _, r := range s {
		if !allowedRune(r) {
			return r, false
		}
	}
	return 0, true
}

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
