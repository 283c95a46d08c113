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
	"strings"

	"maksa"
)

// Version names the canonical serialisation.
const Version = "maksa-payment-v1"

// Canonical returns the serialisation of p that is signed (see the package
// documentation).
func Canonical(instance string, p *maksa.Payment) []byte {
	amount := p.AmountText
	if cur, ok := maksa.LookupCurrency(p.Currency); ok {
		amount = maksa.FormatAmount(p.Amount, cur)
	}
	var b strings.Builder
	for _, f := range [][2]string{
		{Version, ""},
		{"instance", instance},
		{"payment", strconv.FormatInt(p.ID, 10)},
		{"debtor_iban", p.DebtorIBAN},
		{"creditor_account", p.CreditorIBAN},
		{"creditor_name", p.CreditorName},
		{"creditor_bic", p.CreditorBIC},
		{"amount", amount},
		{"currency", p.Currency},
		{"execution_date", p.ExecutionDate.Format(maksa.DateLayout)},
		{"end_to_end_id", p.EndToEndID},
		{"remittance", p.Remittance},
	} {
		b.WriteString(f[0])
		b.WriteByte('=')
		b.WriteString(strconv.Itoa(len(f[1])))
		b.WriteByte(':')
		b.WriteString(f[1])
		b.WriteByte('\n')
	}
	return []byte(b.String())
}

// Digest returns the SHA-256 of the canonical serialisation of p.
func Digest(instance string, p *maksa.Payment) []byte {
	sum := sha256.Sum256(Canonical(instance, p))
	return sum[:]
}
