package signing_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/pem"
	"testing"

	"maksa"
	"maksa/signing"
)

// FuzzKeysAndSignatures reads arbitrary bytes as a private key file, as a
// directory public key and as a signature: nothing may panic, and no
// signature the fuzzer makes up may verify.
func FuzzKeysAndSignatures(f *testing.F) {
	_, edKey, _ := ed25519.GenerateKey(rand.Reader)
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	digest := sha256.Sum256([]byte("payment"))
	for _, key := range []crypto.Signer{edKey, ecKey, rsaKey} {
		private, _ := x509.MarshalPKCS8PrivateKey(key)
		public, _ := x509.MarshalPKIXPublicKey(key.Public())
		sig, _ := signing.Sign(key, digest[:])
		f.Add(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: private}), sig)
		f.Add(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: public}), sig)
	}
	f.Add([]byte("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"), []byte{0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01})
	f.Fuzz(func(t *testing.T, data, sig []byte) {
		signing.ParsePrivateKey(data)
		pk, err := signing.ParsePublicKey(maksa.Key{PEM: string(data)})
		if err != nil {
			return
		}
		if signing.Verify(pk.Key, digest[:], sig) == nil {
			// Only the seeds' own signatures can verify, and only under
			// their own key; a changed digest never does.
			other := sha256.Sum256([]byte("another payment"))
			if signing.Verify(pk.Key, other[:], sig) == nil {
				t.Fatal("one signature verifies two digests")
			}
		}
	})
}
