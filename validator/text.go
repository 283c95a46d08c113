package validator

import (
	"fmt"
	"slices"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/runenames"

	"maksa"
)

// textRule is what the text rules know of one text field of a payment:
// its name in messages, its ISO 20022 length limit and where it is.
type textRule struct {
	name  string
	max   int          // characters, by the field's ISO 20022 type (MaxNText)
	code  maksa.Reason // the code of a value longer than max
	field maksa.Field  // where the reader recorded it, or
	rel   string       // its path below the payment when it recorded none
}

// The rules of the text fields. Names are limited to 70 characters as the
// EPC rulebooks say (ISO allows 140), remittance to the one Max140Text the
// EPC rulebooks allow.
var (
	ruleEndToEndID    = textRule{"end-to-end id", 35, maksa.CH16, maksa.FieldEndToEndID, ""}
	ruleInstructionID = textRule{"instruction id", 35, maksa.CH16, maksa.NumFields, "PmtId/InstrId"}
	rulePaymentInfoID = textRule{"payment information id", 35, maksa.CH16, maksa.NumFields, "../PmtInfId"}
	ruleDebtorName    = textRule{"debtor name", 70, maksa.CH16, maksa.FieldDebtorName, ""}
	ruleCreditorName  = textRule{"creditor name", 70, maksa.CH16, maksa.FieldCreditorName, ""}
	ruleUltDebtor     = textRule{"ultimate debtor", 70, maksa.CH16, maksa.FieldUltimateDebtor, ""}
	ruleUltCreditor   = textRule{"ultimate creditor", 70, maksa.CH16, maksa.FieldUltimateCreditor, ""}
	ruleRemittance    = textRule{"remittance information", 140, maksa.RR07, maksa.FieldRemittance, ""}
	ruleReference     = textRule{"creditor reference", 35, maksa.RR07, maksa.NumFields, "RmtInf/Strd/CdtrRefInf/Ref"}
	rulePurpose       = textRule{"purpose", 35, maksa.CH16, maksa.NumFields, "Purp/Cd"}
	ruleCategory      = textRule{"category purpose", 35, maksa.CH16, maksa.NumFields, "PmtTpInf/CtgyPurp/Cd"}
	ruleCreditorID    = textRule{"creditor identification", 35, maksa.CH16, maksa.NumFields, "Cdtr/Id"}
	ruleCreditorAcct  = textRule{"creditor account", 34, maksa.CH16, maksa.FieldCreditorAccount, ""}
	ruleAddressLine   = textRule{"creditor's address line (AdrLine)", 70, maksa.CH16, maksa.FieldCreditorAddress, ""}
)

// CheckText applies the text rules alone (RR10, RR07, CH16) to p: for
// values that are not yet payments, such as a template's.
func CheckText(p *maksa.Payment) { checkText(p) }

// checkText refuses a text field that holds a character outside the Latin
// script (RR10, naming the character, its code point and its script) or is
// longer than its ISO 20022 type allows (RR07 for remittance, CH16
// otherwise). Values are never cut. Names are limited to 70 characters as
// the EPC rulebooks say (ISO allows 140), remittance to the one Max140Text
// the EPC rulebooks allow. It runs for every payment: no allocation unless
// something is refused.
func checkText(p *maksa.Payment) {
	for _, f := range [...]struct {
		value string
		rule  *textRule
	}{
		{p.EndToEndID, &ruleEndToEndID}, {p.PaymentInfoID, &rulePaymentInfoID}, {p.DebtorName, &ruleDebtorName},
		{p.CreditorName, &ruleCreditorName}, {p.UltimateDebtor, &ruleUltDebtor}, {p.UltimateCreditor, &ruleUltCreditor},
		{p.Remittance, &ruleRemittance}, {p.Reference, &ruleReference}, {p.Purpose, &rulePurpose},
		{p.CategoryPurpose, &ruleCategory}, {p.CreditorID, &ruleCreditorID},
	} {
		if f.value != "" {
			checkField(p, f.value, f.rule)
		}
	}
	if p.InstructionID != "" && p.InstructionID != p.EndToEndID { // CSV and XLSX rows have one id for both
		checkField(p, p.InstructionID, &ruleInstructionID)
	}
	if !p.CreditorIsIBAN && p.CreditorIBAN != "" {
		checkField(p, p.CreditorIBAN, &ruleCreditorAcct)
	}
	if a := &p.CreditorAddress; a.Form() != maksa.AddressNone {
		for _, e := range a.Elements() {
			if e.Tag != "Ctry" && *e.Value != "" { // Ctry is a code, checked with BE09
				checkField(p, *e.Value, &textRule{"creditor's " + e.Name + " (" + e.Tag + ")", e.Max, maksa.CH16, maksa.FieldCreditorAddress, ""})
			}
		}
		for _, line := range a.Lines {
			checkField(p, line, &ruleAddressLine)
		}
	}
}

// checkField applies the text rules to one value.
func checkField(p *maksa.Payment, value string, f *textRule) {
	if r, ok := maksa.AllowedText(value); !ok {
		p.Reject(maksa.Problemf(maksa.RR10, textPosition(p, f), "%s %q %s", f.name, value, whyRefused(value, r)))
		return
	}
	if len(value) > f.max { // bytes: never fewer than characters
		if n := utf8.RuneCountInString(value); n > f.max {
			p.Reject(maksa.Problemf(f.code, textPosition(p, f), "%s is %d characters long; at most %d are allowed (ISO 20022 Max%dText): %q", f.name, n, f.max, f.max, value))
		}
	}
}

func textPosition(p *maksa.Payment, f *textRule) maksa.Position {
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
	return fmt.Sprintf("contains %s at character %d: %s", describeRune(r), at, advice(r))
}

// describeRune names a character for a message: "'Д' (U+0414 CYRILLIC
// CAPITAL LETTER DE, the Cyrillic script)". Invisible characters are not
// quoted.
func describeRune(r rune) string {
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

// CheckMessageID applies the text rules to a file's message id
// (GrpHdr/MsgId): one that is not Latin-script text (RR10) or is longer
// than its Max35Text (CH16) refuses the whole file, whose answers name it.
// It returns nil for a good id.
func CheckMessageID(id string, pos maksa.Position) *maksa.Problem {
	if r, ok := maksa.AllowedText(id); !ok {
		return maksa.Problemf(maksa.RR10, pos, "message id %q %s", id, whyRefused(id, r))
	}
	if n := utf8.RuneCountInString(id); n > 35 {
		return maksa.Problemf(maksa.CH16, pos, "message id is %d characters long; at most 35 are allowed (ISO 20022 Max35Text): %q", n, id)
	}
	return nil
}
