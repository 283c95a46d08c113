// Package vop is the Verification of Payee (EPC VOP scheme, the Instant
// Payments Regulation): the name matcher, the requester that asks other
// banks about their accounts and the responder that answers them about the
// treasury's.
//
// # Matching
//
// Match compares the name a payer gave with the name an account is held
// in. Both are folded first: letters lose their diacritics (ā→a, ł→l,
// ß→ss, ø→o), case and punctuation are ignored, "and"-words (and, und, un,
// ir, ja, et) and titles (Dr, Mr, Herr, Pan …) are dropped, and a legal
// form at the start or the end of the name ("SIA", SIA "…", "Sp. z o.o.",
// "GmbH", "Aktsiaselts" …) is recognised in its short and long spellings
// and set apart. What is left, the core, is compared word by word in any
// order:
//
//   - MTCH: the same words and the same legal form (a German umlaut
//     written out, "Mueller" for "Müller", is the same word).
//   - CMTC, with the registered name told: the same words but a legal form
//     that differs or is missing on one side (a company is not its owner);
//     a given name written as its initial ("J. Bērziņš"); a middle name
//     left out by a natural person; a typing error — per word at most one
//     edit (insert, delete, change or swap of two letters) in words of
//     4–7 letters and two in words of 8 or more, none in shorter words, at
//     most two in the whole name, and at least one word exactly right.
//   - NMTC: anything else, among them a word more or less in a company's
//     name ("Baltic Trade" is not "Baltic Trade Group"), a surname alone,
//     or a name that is only a legal form. The registered name is never
//     told on NMTC, so probing with a part of a name learns nothing.
//
// A registration number the payer gave (Cdtr/Id) that equals the holder's
// is a match whatever the name.
package vop

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"maksa"
)

// Holder is the registered holder of an account.
type Holder struct {
	Name  string
	RegNo string // registration number or personal code; empty if unknown
}

// maxWords bounds the work on a crafted name: words past it are ignored.
const maxWords = 24

// Match verifies the name (and optional identifier) a payer gave against
// the account's holder. On CMTC the check carries the registered name.
func Match(name, id string, h Holder) maksa.PayeeCheck {
	return Prepare(h).Match(name, id)
}

// Registered is a holder whose name is taken apart once, for the many
// payments to one account.
type Registered struct {
	Holder
	parsed name
	regNo  string
}

// Prepare takes a holder's name apart.
func Prepare(h Holder) *Registered {
	return &Registered{Holder: h, parsed: parse(h.Name), regNo: foldID(h.RegNo)}
}

// Match is the package's Match against this holder.
func (h *Registered) Match(name, id string) maksa.PayeeCheck {
	if id != "" && h.regNo != "" && foldID(id) == h.regNo {
		return maksa.PayeeCheck{Result: maksa.PayeeMatch}
	}
	if name == h.Name && len(h.parsed.words) > 0 { // written as registered: nothing to take apart
		return maksa.PayeeCheck{Result: maksa.PayeeMatch}
	}
	switch compare(parse(name), h.parsed) {
	case exact:
		return maksa.PayeeCheck{Result: maksa.PayeeMatch}
	case nearly:
		return maksa.PayeeCheck{Result: maksa.PayeeCloseMatch, Name: h.Name}
	}
	return maksa.PayeeCheck{Result: maksa.PayeeNoMatch}
}

// foldID reduces a registration number to its letters and digits.
func foldID(s string) string {
	var b strings.Builder
	for _, r := range strings.ToUpper(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// name is a name taken apart: its legal form (canonical, "" for none) and
// the words of its core.
type name struct {
	form  string
	words []string
}

// parse folds s and sets its legal form and titles apart.
func parse(s string) name {
	words := fold(s)
	var n name
	for _, w := range words {
		if !conjunctions[w] {
			n.words = append(n.words, w)
		}
	}
	n.form, n.words = takeForm(n.words)
	n.words = dropTitles(n.words)
	if len(n.words) > maxWords {
		n.words = n.words[:maxWords]
	}
	return n
}

// letterFolds are letters that do not decompose into a base letter and a
// mark.
var letterFolds = map[rune]string{
	'ß': "ss", 'ł': "l", 'ø': "o", 'æ': "ae", 'œ': "oe", 'đ': "d", 'ħ': "h", 'ı': "i", 'þ': "th", 'ð': "d", 'ŀ': "l",
}

// fold lowers s, removes diacritics and splits it into words at every
// character that is not a letter or a digit; apostrophes join
// ("O'Brien" is "obrien").
func fold(s string) []string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if r >= latinFrom && r < latinTo { // the Latin letters with diacritics: folded once, at start
			b.WriteString(latinFolds[r-latinFrom])
			continue
		}
		foldRune(&b, r)
	}
	return strings.Fields(b.String())
}

// foldRune writes r folded: a letter or digit lowered, with its marks
// removed; an apostrophe nothing; anything else a space.
func foldRune(b *strings.Builder, r rune) {
	switch {
	case r < utf8.RuneSelf:
		switch {
		case r >= 'A' && r <= 'Z':
			b.WriteByte(byte(r) + 'a' - 'A')
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			b.WriteByte(byte(r))
		case r == '\'' || r == '`':
		default:
			b.WriteByte(' ')
		}
	case r == '\u2019':
	case unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r):
		for _, d := range norm.NFD.String(string(r)) {
			if unicode.Is(unicode.Mn, d) {
				continue
			}
			d = unicode.ToLower(d)
			if f, ok := letterFolds[d]; ok {
				b.WriteString(f)
			} else {
				b.WriteRune(d)
			}
		}
	default:
		b.WriteByte(' ')
	}
}

// latinFolds holds what foldRune writes for each rune of Latin-1
// Supplement and Latin Extended-A and -B (U+00C0…U+024F), where the
// payees' letters are.
const latinFrom, latinTo = 0xC0, 0x250

var latinFolds = func() []string {
	out := make([]string, latinTo-latinFrom)
	for r := rune(latinFrom); r < latinTo; r++ {
		var b strings.Builder
		foldRune(&b, r)
		out[r-latinFrom] = b.String()
	}
	return out
}()

// conjunctions are "and" in the languages of the treasury's payees; "&"
// is punctuation already.
var conjunctions = map[string]bool{"and": true, "und": true, "un": true, "ir": true, "ja": true, "et": true}

// titles are forms of address that are no part of a name.
var titles = map[string]bool{
	"dr": true, "mr": true, "mrs": true, "ms": true, "miss": true, "prof": true, "herr": true, "frau": true,
	"pan": true, "pani": true, "kungs": true, "kundze": true, "ponas": true, "ponia": true, "hr": true, "pr": true,
}

func dropTitles(words []string) []string {
	for len(words) > 1 && titles[words[0]] {
		words = words[1:]
	}
	for len(words) > 1 && titles[words[len(words)-1]] {
		words = words[:len(words)-1]
	}
	return words
}

// legalForms maps each legal form to its spellings, folded as fold folds
// them (so "Sp. z o.o." is "sp z o o"). Forms that mean the same thing in
// several countries share a canonical name (the Latvian and Estonian AS).
var legalForms = map[string][]string{
	// Latvia
	"sia":  {"sia", "sabiedriba ar ierobezotu atbildibu"},
	"vsia": {"vsia", "valsts sia", "valsts sabiedriba ar ierobezotu atbildibu"},
	"psia": {"psia", "pasvaldibas sia", "pasvaldibas sabiedriba ar ierobezotu atbildibu"},
	"as":   {"as", "a s", "akciju sabiedriba", "aktsiaselts", "aktieselskab"},
	"vas":  {"vas", "valsts akciju sabiedriba"},
	"ik":   {"ik", "individualais komersants"},
	"ks":   {"ks", "komanditsabiedriba"},
	"ps":   {"ps", "pilnsabiedriba"},
	// Estonia
	"ou":  {"ou", "osauhing"},
	"mtu": {"mtu", "mittetulundusuhing"},
	"tu":  {"tu", "taisuhing"},
	"fie": {"fie", "fuusilisest isikust ettevotja"},
	// Lithuania
	"uab": {"uab", "uzdaroji akcine bendrove"},
	"ab":  {"ab", "akcine bendrove", "aktiebolag", "aktiebolaget"},
	"vsi": {"vsi", "viesoji istaiga"},
	"mb":  {"mb", "mazoji bendrija"},
	"ii":  {"ii", "individuali imone"},
	// Germany and Austria
	"gmbh":       {"gmbh", "gesellschaft mit beschrankter haftung", "gesellschaft mbh"},
	"gmbh co kg": {"gmbh co kg"},
	"ag":         {"ag", "aktiengesellschaft"},
	"kg":         {"kg", "kommanditgesellschaft"},
	"ohg":        {"ohg", "offene handelsgesellschaft"},
	"ev":         {"e v", "ev", "eingetragener verein"},
	"ug":         {"ug", "ug haftungsbeschrankt"},
	// Poland
	"sp z oo": {"sp z o o", "sp z oo", "spzoo", "spolka z o o", "spolka z oo", "spolka z ograniczona odpowiedzialnoscia"},
	"sa":      {"sa", "s a", "spolka akcyjna", "societe anonyme", "sociedad anonima"},
	"sp k":    {"sp k", "spolka komandytowa"},
	"sp j":    {"sp j", "spolka jawna"},
	// English-speaking countries
	"ltd": {"ltd", "limited", "co ltd"},
	"plc": {"plc", "public limited company"},
	"llc": {"llc", "l l c", "limited liability company"},
	"inc": {"inc", "incorporated"},
	// Finland, the Nordics and others
	"oy":   {"oy", "osakeyhtio"},
	"oyj":  {"oyj", "julkinen osakeyhtio"},
	"bv":   {"bv", "b v", "besloten vennootschap"},
	"nv":   {"nv", "n v", "naamloze vennootschap"},
	"srl":  {"srl", "s r l"},
	"spa":  {"spa", "s p a"},
	"sarl": {"sarl", "s a r l"},
	"sas":  {"sas", "s a s"},
}

// byFirst and byLast are legalForms turned around: each spelling as words
// with its canonical form, by its first and by its last word, so that a
// name is compared with the few that can fit; the longest spelling first,
// so that "gmbh co kg" is taken before "kg".
var byFirst, byLast = func() (map[string][]spelling, map[string][]spelling) {
	var out []spelling
	for form, spellings := range legalForms {
		for _, s := range spellings {
			out = append(out, spelling{words: strings.Fields(s), form: form})
		}
	}
	slices.SortFunc(out, func(a, b spelling) int {
		if d := len(b.words) - len(a.words); d != 0 {
			return d
		}
		return strings.Compare(strings.Join(a.words, " "), strings.Join(b.words, " "))
	})
	first, last := map[string][]spelling{}, map[string][]spelling{}
	for _, s := range out {
		first[s.words[0]] = append(first[s.words[0]], s)
		last[s.words[len(s.words)-1]] = append(last[s.words[len(s.words)-1]], s)
	}
	return first, last
}()

type spelling struct {
	words []string
	form  string
}

// takeForm sets apart a legal form at the start or the end of words (a
// name that is nothing but a legal form keeps it as its core).
func takeForm(words []string) (string, []string) {
	if len(words) < 2 {
		return "", words
	}
	var best *spelling
	atStart := false
	for _, s := range byFirst[words[0]] {
		if n := len(s.words); len(words) > n && slices.Equal(words[:n], s.words) {
			best, atStart = &s, true
			break // the longest first
		}
	}
	for _, s := range byLast[words[len(words)-1]] {
		if n := len(s.words); len(words) > n && slices.Equal(words[len(words)-n:], s.words) && (best == nil || n > len(best.words)) {
			best, atStart = &s, false
			break
		}
	}
	switch {
	case best == nil:
		return "", words
	case atStart:
		return best.form, words[len(best.words):]
	}
	return best.form, words[:len(words)-len(best.words)]
}

// likeness is how alike two names are.
type likeness int

const (
	unlike likeness = iota
	nearly
	exact
)

// compare compares the name given with the name registered.
func compare(given, registered name) likeness {
	if len(given.words) == 0 || len(registered.words) == 0 {
		return unlike
	}
	core := compareWords(given.words, registered.words, given.form == "" && registered.form == "")
	if core == exact && given.form != registered.form {
		return nearly
	}
	return core
}

// compareWords compares two cores word by word, in any order. person says
// that neither name has a legal form: a natural person may leave out a
// middle name.
func compareWords(given, registered []string, person bool) likeness {
	if strings.Join(given, "") == strings.Join(registered, "") {
		return exact // the same letters, spaced differently
	}
	used := make([]bool, len(registered))
	matched := make([]bool, len(given))
	exactWords, edits, initials := 0, 0, 0
	// Exact words first, so that a typo never takes a word another word
	// matches exactly.
	for i, g := range given {
		if j := find(registered, used, func(r string) bool { return sameWord(g, r) }); j >= 0 {
			used[j], matched[i] = true, true
			if utf8.RuneCountInString(g) > 1 {
				exactWords++
			}
		}
	}
	for i, g := range given {
		if matched[i] || utf8.RuneCountInString(g) == 1 {
			continue
		}
		best, bestEdits := -1, 0
		for j, r := range registered {
			if used[j] || utf8.RuneCountInString(r) == 1 {
				continue
			}
			if d := distance(g, r); d <= allowedEdits(min(len([]rune(g)), len([]rune(r)))) && (best < 0 || d < bestEdits) {
				best, bestEdits = j, d
			}
		}
		if best >= 0 {
			used[best], matched[i] = true, true
			edits += bestEdits
		}
	}
	// An initial stands for a word of the other name that starts with it,
	// on either side.
	for i, g := range given {
		if matched[i] {
			continue
		}
		j := find(registered, used, func(r string) bool { return initialOf(g, r) || initialOf(r, g) })
		if j < 0 {
			return unlike
		}
		used[j], matched[i] = true, true
		initials++
	}
	extra := 0
	for j := range registered {
		if !used[j] {
			extra++
		}
	}
	switch {
	case exactWords == 0 && !(len(given) == 1 && edits == 1):
		return unlike // nothing exactly right (but one long word's typo): too weak to tell the name
	case edits > 2:
		return unlike
	case extra > 0 && !(person && len(given) >= 2 && extra <= 1):
		return unlike
	case edits == 0 && initials == 0 && extra == 0:
		return exact
	}
	return nearly
}

// find returns the first unused index whose word satisfies ok, or -1.
func find(words []string, used []bool, ok func(string) bool) int {
	for j, w := range words {
		if !used[j] && ok(w) {
			return j
		}
	}
	return -1
}

// initialOf reports whether a is one letter and b a longer word that
// starts with it.
func initialOf(a, b string) bool {
	first, size := utf8.DecodeRuneInString(a)
	return size == len(a) && len(b) > size && strings.HasPrefix(b, string(first))
}

// sameWord compares two folded words; a German umlaut written out
// ("ue" for "ü", folded to "u") is the same word.
func sameWord(a, b string) bool {
	return a == b || (len(a) > 1 && umlauts.Replace(a) == umlauts.Replace(b))
}

var umlauts = strings.NewReplacer("ae", "a", "oe", "o", "ue", "u")

// allowedEdits is the number of typing errors a word of n letters may
// carry and still be the word.
func allowedEdits(n int) int {
	switch {
	case n >= 8:
		return 2
	case n >= 4:
		return 1
	}
	return 0
}

// distance is the optimal string alignment distance between a and b:
// inserts, deletes, changes and swaps of two neighbouring letters.
func distance(a, b string) int {
	x, y := []rune(a), []rune(b)
	prev2 := make([]int, len(y)+1)
	prev := make([]int, len(y)+1)
	cur := make([]int, len(y)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(x); i++ {
		cur[0] = i
		for j := 1; j <= len(y); j++ {
			cost := 1
			if x[i-1] == y[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && x[i-1] == y[j-2] && x[i-2] == y[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(y)]
}
