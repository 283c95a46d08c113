package validator

import (
	"fmt"
	"slices"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/runenames"

	"maksa"
)

// textField is one text of a payment with its ISO 20022 length limit.
type textField struct {
	name  string
	value string
	max   int          // characters, by the field's ISO 20022 type (MaxNText)
	code  maksa.Reason // the code of a value longer than max
	field maksa.Field  // where the reader recorded it, or
	rel   string       // its path below the payment when it recorded none
}

// textFields lists every text of p that a file carries. Names are limited
// to 70 characters as the EPC rulebooks say (ISO allows 140), remittance to
// the one Max140Text the EPC rulebooks allow.
func textFields(p *maksa.Payment) []textField {
	none := maksa.NumFields
	fields := []textField{
		{"end-to-end id", p.EndToEndID, 35, maksa.CH16, maksa.FieldEndToEndID, ""},
		{"instruction id", p.InstructionID, 35, maksa.CH16, none, "PmtId/InstrId"},
		{"payment information id", p.PaymentInfoID, 35, maksa.CH16, none, "../PmtInfId"},
		{"debtor name", p.DebtorName, 70, maksa.CH16, maksa.FieldDebtorName, ""},
		{"creditor name", p.CreditorName, 70, maksa.CH16, maksa.FieldCreditorName, ""},
		{"ultimate debtor", p.UltimateDebtor, 70, maksa.CH16, maksa.FieldUltimateDebtor, ""},
		{"ultimate creditor", p.UltimateCreditor, 70, maksa.CH16, maksa.FieldUltimateCreditor, ""},
		{"remittance information", p.Remittance, 140, maksa.RR07, maksa.FieldRemittance, ""},
		{"creditor reference", p.Reference, 35, maksa.RR07, none, "RmtInf/Strd/CdtrRefInf/Ref"},
		{"purpose", p.Purpose, 35, maksa.CH16, none, "Purp/Cd"},
		{"category purpose", p.CategoryPurpose, 35, maksa.CH16, none, "PmtTpInf/CtgyPurp/Cd"},
		{"creditor identification", p.CreditorID, 35, maksa.CH16, none, "Cdtr/Id"},
	}
	for _, e := range p.CreditorAddress.Elements() {
		if e.Tag != "Ctry" { // a code, checked by checkCountry
			fields = append(fields, textField{"creditor's " + e.Name + " (" + e.Tag + ")", *e.Value, e.Max, maksa.CH16, maksa.FieldCreditorAddress, ""})
		}
	}
	for _, line := range p.CreditorAddress.Lines {
		fields = append(fields, textField{"creditor's address line (AdrLine)", line, 70, maksa.CH16, maksa.FieldCreditorAddress, ""})
	}
	if p.InstructionID == p.EndToEndID { // CSV and XLSX rows have one id for both
		fields[1].value = ""
	}
	if !p.CreditorIsIBAN {
		fields = append(fields, textField{"creditor account", p.CreditorIBAN, 34, maksa.CH16, maksa.FieldCreditorAccount, ""})
	}
	return fields
}

// CheckText applies the text rules alone (RR10, RR07, CH16) to p: for
// values that are not yet payments, such as a template's.
func CheckText(p *maksa.Payment) { checkText(p) }

// checkText refuses a text field that holds a character outside the Latin
// script (RR10, naming the character, its code point and its script) or is
// longer than its ISO 20022 type allows (RR07 for remittance, CH16
// otherwise). Values are never cut.
func checkText(p *maksa.Payment) {
	for _, f := range textFields(p) {
		if f.value == "" {
			continue
		}
		pos := textPosition(p, f)
		if r, ok := maksa.AllowedText(f.value); !ok {
			p.Reject(maksa.Problemf(maksa.RR10, pos, "%s %q %s", f.name, f.value, whyRefused(f.value, r)))
			continue
		}
		if n := utf8.RuneCountInString(f.value); n > f.max {
			p.Reject(maksa.Problemf(f.code, pos, "%s is %d characters long; at most %d are allowed (ISO 20022 Max%dText): %q", f.name, n, f.max, f.max, f.value))
		}
	}
}

func textPosition(p *maksa.Payment, f textField) maksa.Position {
	if f.field != maksa.NumFields {
		return p.PositionOf(f.field)
	}
	pos := p.Position
	if pos.XPath != "" {
		pos.XPath += "/" + f.rel
	}
	return pos
}

// whyRefused says which character of s is refused and why, in words a
// clerk can act on: "contains 'Д' (U+0414 CYRILLIC CAPITAL LETTER DE, the
// Cyrillic script) at character 3: only Latin-script text is accepted".
func whyRefused(s string, r rune) string {
	if !utf8.ValidString(s) {
		return "holds bytes that are not text in the file's encoding (not UTF-8, or a character set other than the file declares)"
	}
	at := 1
	for _, c := range s {
		if c == r {
			break
		}
		at++
	}
	return fmt.Sprintf("contains %s at character %d: %s", DescribeRune(r), at, advice(r))
}

// DescribeRune names a character for a message: "'Д' (U+0414 CYRILLIC
// CAPITAL LETTER DE, the Cyrillic script)". Invisible characters are not
// quoted.
func DescribeRune(r rune) string {
	name := runenames.Name(r)
	if name == "" || name[0] == '<' {
		name = "unnamed"
	}
	desc := fmt.Sprintf("U+%04X %s", r, name)
	if script := scriptOf(r); script != "" && script != "Common" && script != "Inherited" {
		desc += ", the " + script + " script"
	}
	if unicode.IsPrint(r) && !unicode.Is(unicode.Mn, r) {
		return fmt.Sprintf("%q (%s)", r, desc)
	}
	return "(" + desc + ")"
}

func advice(r rune) string {
	switch {
	case r == 0xa0 || unicode.IsSpace(r):
		return "a space other than the ordinary one; type an ordinary space"
	case unicode.IsControl(r) || unicode.Is(unicode.Cf, r):
		return "an invisible control or format character; delete it"
	case unicode.Is(unicode.Mn, r):
		return "a combining mark that does not follow a Latin letter"
	case r == 0xfffe || r == 0xffff || unicode.Is(unicode.Co, r):
		return "not a character"
	case scriptOf(r) == "Latin":
		return "a Latin character outside the letters European languages write"
	case unicode.IsLetter(r):
		return "only Latin-script text is accepted; write it in Latin letters (a name as the payee's invoice or register entry spells it in Latin)"
	}
	return "only letters, digits and the usual punctuation of the Latin script are accepted"
}

// scriptOf returns the Unicode script of r, or "".
func scriptOf(r rune) string {
	names := make([]string, 0, len(unicode.Scripts))
	for name := range unicode.Scripts {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		if unicode.Is(unicode.Scripts[name], r) {
			return name
		}
	}
	return ""
}
