// Package signing makes payment signatures real: the canonical digest a
// signer signs, the keys and certificates that verify it, and the policy
// that says who may sign which payment at which level.
//
// # The canonical digest (version 1)
//
// A signature covers the SHA-256 of this serialisation of a payment, one
// line per field, in this order, each line "name=" followed by the value's
// length in bytes, a colon, the value (UTF-8) and a newline:
//
//	maksa-payment-v1=0:
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
//
// The length prefix makes the serialisation unambiguous whatever the values
// hold. The payment id and the installation id bind a signature to one
// payment of one maksa installation: it cannot be replayed onto another.
// testdata/signing/vectors.json has test vectors.
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

// Version names the canonical serialisation.
const Version = "maksa-payment-v1"

// Canonical returns the serialisation of p that is signed (see the package
// documentation).
func Canonical(instance string, p *maksa.Payment) []byte {
	return appendCanonical(nil, instance, p)
}

// appendCanonical appends the canonical serialisation of p to b.
func appendCanonical(b []byte, instance string, p *maksa.Payment) []byte {
	b = appendField(b, Version, "")
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
