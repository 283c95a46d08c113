package maksa

// PayeeResult is the outcome of a verification of payee (the EPC VOP
// scheme): was the creditor name the payer gave the name the payee's
// account is held in?
type PayeeResult string

// The outcomes of a verification of payee. The first four are the EPC
// scheme's; PayeeOptedOut is maksa's own for the payments of a file its
// client chose not to have checked.
const (
	PayeeMatch       PayeeResult = "MTCH" // the name is the account holder's
	PayeeCloseMatch  PayeeResult = "CMTC" // nearly: the registered name is told
	PayeeNoMatch     PayeeResult = "NMTC" // another name
	PayeeNotPossible PayeeResult = "NOAP" // could not be checked (no answer, no route, not a participant)
	PayeeOptedOut    PayeeResult = "OPTO" // not checked: the client opted out for files of many payments
)

// PayeeCheck is what the verification of payee said about one payment.
// A zero PayeeCheck means the payment is not one VoP applies to (not a
// credit transfer in euro to an IBAN).
type PayeeCheck struct {
	Result PayeeResult `json:"result"`
	Name   string      `json:"name,omitempty"` // the registered name, on a close match
	Note   string      `json:"note,omitempty"` // why it could not be checked, on NOAP
}

// NeedsConfirmation reports whether a signer must confirm the outcome
// explicitly before signing: a close match, no match, or no verification.
func (c PayeeCheck) NeedsConfirmation() bool {
	switch c.Result {
	case PayeeCloseMatch, PayeeNoMatch, PayeeNotPossible:
		return true
	}
	return false
}

// String says the outcome in words, as a signer reads it.
func (c PayeeCheck) String() string {
	switch c.Result {
	case PayeeMatch:
		return "MTCH: the name matches the account holder"
	case PayeeCloseMatch:
		return "CMTC: close match, the account is held by " + quote(c.Name)
	case PayeeNoMatch:
		return "NMTC: the name does not match the account holder"
	case PayeeNotPossible:
		if c.Note != "" {
			return "NOAP: verification not possible (" + c.Note + ")"
		}
		return "NOAP: verification not possible"
	case PayeeOptedOut:
		return "OPTO: not checked, the client opted out for files of many payments"
	}
	return ""
}

func quote(s string) string { return "\u201c" + s + "\u201d" }
