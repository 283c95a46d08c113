// Package signing makes payment signatures real: the canonical digest a
// signer signs, the keys and certificates that verify it, and the policy
// that says who may sign which payment at which level.
//
// # The canonical digest (version 2)
//
// A signature covers the SHA-256 of this serialisation of a payment, one
// line per field, in this order, each line "name=" followed by the value's
// length in bytes, a colon, the value (UTF-8) and a newline:
//
//	maksa-payment-v2=0:
//	instance=36:<the maksa installation's id>
//	payment=<n>:<payment id>
//	debtor_iban=…
//	creditor_account=…
//	creditor_name=…
//	creditor_bic=…
//	amount=…        (with exactly the currency's decimals: "1234.50")
//	currency=…
//	execution_date=… (YYYY-MM-DD)
//	end_to_end_id=…
//	remittance=…
//	reference=…     (the structured creditor reference, RF…)
//	instruction_id=…
//	kind=…
//	purpose=…
//	category_purpose=…
//	creditor_id=…
//	ultimate_debtor=…
//	ultimate_creditor=…
//	creditor_address.<tag>=… (one line for each element of the creditor's
//	                 postal address that has a value, by its ISO 20022 tag
//	                 in the schema's order, Dept … Ctry; then one line
//	                 creditor_address.AdrLine=… for each address line)
//
// The length prefix makes the serialisation unambiguous whatever the values
// hold. The payment id and the installation id bind a signature to one
// payment of one maksa installation: it cannot be replayed onto another.
// Everything the clearing file carries on to the payee's bank and the
// signer is shown is signed: a creditor reference, a purpose or an address
// changed behind the signatures fails them (DS0E) as an amount does.
// testdata/signing/vectors.json has test vectors.
//
// Version 1 ended at remittance. maksa signs version 2 only; a signature
// made over a version 1 digest, before version 2, still verifies over the
// payment's version 1 digest, so that what was signed before an upgrade is
// executed after it (it covers what version 1 covered, no more). Payments
// unsigned after --sign-days expire: then no version 1 signature is left.
//
// # Signatures
//
// A signature is made over the 32 digest bytes: Ed25519 signs them as the
// message; ECDSA P-256 signs them as the hash (ASN.1 DER signature); RSA
// signs them as a SHA-256 hash with PSS padding. openssl pkeyutl makes the
// same signatures (see docs/operations.md, Signing).
package signing

import (
	"crypto/sha256"
	"strconv"

	"maksa"
)

// Version names the canonical serialisation; versionOne the one before.
const (
	Version    = "maksa-payment-v2"
	versionOne = "maksa-payment-v1"
)

// Canonical returns the serialisation of p that is signed (see the package
// documentation).
func Canonical(instance string, p *maksa.Payment) []byte {
	return appendCanonical(nil, instance, p)
}

// appendCanonical appends the canonical serialisation of p to b.
func appendCanonical(b []byte, instance string, p *maksa.Payment) []byte {
	b = appendVersionOne(b, Version, instance, p)
	b = appendField(b, "reference", p.Reference)
	b = appendField(b, "instruction_id", p.InstructionID)
	b = appendField(b, "kind", string(p.Kind))
	b = appendField(b, "purpose", p.Purpose)
	b = appendField(b, "category_purpose", p.CategoryPurpose)
	b = appendField(b, "creditor_id", p.CreditorID)
	b = appendField(b, "ultimate_debtor", p.UltimateDebtor)
	b = appendField(b, "ultimate_creditor", p.UltimateCreditor)
	a := &p.CreditorAddress
	const address = "creditor_address." // each element's name: this and its tag
	for _, e := range a.Elements() {
		if *e.Value != "" {
			b = appendField(append(b, address...), e.Tag, *e.Value)
		}
	}
	for _, line := range a.Lines {
		b = appendField(append(b, address...), "AdrLine", line)
	}
	return b
}

// appendVersionOne appends the fields of version 1 under the version name.
func appendVersionOne(b []byte, version, instance string, p *maksa.Payment) []byte {
	b = appendField(b, version, "")
	b = appendField(b, "instance", instance)
	start := appendName(b, "payment")
	b = moveBehindLength(strconv.AppendInt(start, p.ID, 10), len(start))
	b = appendField(b, "debtor_iban", p.DebtorIBAN)
	b = appendField(b, "creditor_account", p.CreditorIBAN)
	b = appendField(b, "creditor_name", p.CreditorName)
	b = appendField(b, "creditor_bic", p.CreditorBIC)
	if cur, ok := maksa.LookupCurrency(p.Currency); ok {
		start = appendName(b, "amount")
		b = moveBehindLength(maksa.AppendAmount(start, p.Amount, cur), len(start))
	} else {
		b = appendField(b, "amount", p.AmountText)
	}
	b = appendField(b, "currency", p.Currency)
	start = appendName(b, "execution_date")
	b = moveBehindLength(p.ExecutionDate.AppendFormat(start, maksa.DateLayout), len(start))
	b = appendField(b, "end_to_end_id", p.EndToEndID)
	return appendField(b, "remittance", p.Remittance)
}

// appendField appends one line: "name=", the value's length, ':', the
// value and a newline.
func appendField(b []byte, name, value string) []byte {
	b = appendName(b, name)
	b = strconv.AppendInt(b, int64(len(value)), 10)
	b = append(b, ':')
	b = append(b, value...)
	return append(b, '\n')
}

func appendName(b []byte, name string) []byte {
	return append(append(b, name...), '=')
}

// moveBehindLength ends the line of a value written in place at b[start:]
// (a number, an amount, a date: its length is known once it is written):
// the length and ':' go before it, a newline after.
func moveBehindLength(b []byte, start int) []byte {
	var prefix [24]byte
	n := append(strconv.AppendInt(prefix[:0], int64(len(b)-start), 10), ':')
	b = append(b, n...) // room for the prefix
	copy(b[start+len(n):], b[start:len(b)-len(n)])
	copy(b[start:], n)
	return append(b, '\n')
}

// Digest returns the SHA-256 of the canonical serialisation of p.
func Digest(instance string, p *maksa.Payment) []byte {
	var buf [1024]byte // most payments' serialisation: no allocation but the sum's
	sum := sha256.Sum256(appendCanonical(buf[:0], instance, p))
	return sum[:]
}

// DigestVersionOne returns the SHA-256 of p's version 1 serialisation,
// which signatures made before version 2 cover: maksa verifies with it,
// never signs it.
func DigestVersionOne(instance string, p *maksa.Payment) []byte {
	var buf [1024]byte
	sum := sha256.Sum256(appendVersionOne(buf[:0], versionOne, instance, p))
	return sum[:]
}
