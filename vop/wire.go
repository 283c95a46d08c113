package vop

import (
	"strings"

	"maksa"
)

// The request and the response between PSPs, in the shape of the EPC VOP
// scheme's inter-PSP API (EPC187-24: ISO 20022 names in camelCase, JSON
// over mutual TLS): the payee's account and name, and optionally the
// payee's identifier, go one way; the outcome for the name and for the
// identifier, and the registered name on a close match, come back. A
// routing service or a bank that speaks the scheme's API sits behind a
// route without maksa knowing the difference.

// Path is where maksa serve answers verification requests.
const Path = "/vop/v1/payee-verifications"

// Request asks a payee's bank about one account.
type Request struct {
	PartyAccount   Account `json:"partyAccount"`
	PartyName      string  `json:"partyName"`
	PartyID        string  `json:"partyIdentification,omitempty"` // registration number or personal code
	RequestingBIC  string  `json:"requestingAgent,omitempty"`
	RespondingBIC  string  `json:"respondingAgent,omitempty"`
	RequestingTime string  `json:"creationDateTime,omitempty"`
}

// Account identifies the payee's account.
type Account struct {
	IBAN string `json:"iban"`
}

// Response is the payee's bank's answer.
type Response struct {
	PartyNameMatch maksa.PayeeResult `json:"partyNameMatch"`
	PartyIDMatch   maksa.PayeeResult `json:"partyIdMatch,omitempty"`
	PartyName      string            `json:"partyName,omitempty"` // the registered name, on CMTC only
}

// check turns a response into a payee check; an answer that is not one
// of the scheme's outcomes is no answer (NOAP).
func (r *Response) check() maksa.PayeeCheck {
	result := r.PartyNameMatch
	if r.PartyIDMatch == maksa.PayeeMatch {
		result = maksa.PayeeMatch // the identifier decides (the name is then not compared)
	}
	switch result {
	case maksa.PayeeMatch, maksa.PayeeNoMatch:
		return maksa.PayeeCheck{Result: result}
	case maksa.PayeeCloseMatch:
		name := strings.TrimSpace(r.PartyName)
		if name == "" || len(name) > 140 {
			return maksa.PayeeCheck{Result: maksa.PayeeNotPossible, Note: "the payee's bank answered a close match without the registered name"}
		}
		return maksa.PayeeCheck{Result: result, Name: name}
	case maksa.PayeeNotPossible:
		return maksa.PayeeCheck{Result: result, Note: "the payee's bank could not verify the name"}
	}
	return maksa.PayeeCheck{Result: maksa.PayeeNotPossible, Note: "the payee's bank answered no known outcome"}
}
