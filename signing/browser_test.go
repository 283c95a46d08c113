package signing

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"testing"
)

// webCryptoSign signs message as a browser's WebCrypto does: Ed25519 over
// the message, ECDSA P-256 over its SHA-256 as r‖s, RSA-PSS over its
// SHA-256 with a 32-byte salt.
func webCryptoSign(t *testing.T, key crypto.Signer, message []byte) []byte {
	t.Helper()
	sum := sha256.Sum256(message)
	switch k := key.(type) {
	case ed25519.PrivateKey:
		return ed25519.Sign(k, message)
	case *ecdsa.PrivateKey:
		r, s, err := ecdsa.Sign(rand.Reader, k, sum[:])
		if err != nil {
			t.Fatal(err)
		}
		out := make([]byte, 64)
		r.FillBytes(out[:32])
		s.FillBytes(out[32:])
		return out
	case *rsa.PrivateKey:
		sig, err := rsa.SignPSS(rand.Reader, k, crypto.SHA256, sum[:], &rsa.PSSOptions{SaltLength: 32})
		if err != nil {
			t.Fatal(err)
		}
		return sig
	}
	t.Fatalf("key type %T", key)
	return nil
}

// TestBrowserSignatures: what a browser signs — a set's message with ECDSA
// and RSA-PSS, its digest with Ed25519 — verifies as the set's signature,
// and a login challenge the same way; a signature over other bytes does not.
func TestBrowserSignatures(t *testing.T) {
	_, edKey, _ := ed25519.GenerateKey(rand.Reader)
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	rsaKey, _ := rsa.GenerateKey(rand.Reader, 2048)
	members := []Member{{PaymentID: 3, Digest: sha256.Sum256([]byte("a"))}, {PaymentID: 7, Digest: sha256.Sum256([]byte("b"))}}
	digest, err := SetDigest("inst", members)
	if err != nil {
		t.Fatal(err)
	}
	message, err := SetMessage("inst", members)
	if err != nil {
		t.Fatal(err)
	}
	if sum := sha256.Sum256(message); !bytes.Equal(sum[:], digest) {
		t.Fatalf("SHA-256 of the set's message %x is not its digest %x", sum, digest)
	}
	for _, key := range []crypto.Signer{edKey, ecKey, rsaKey} {
		pub := key.Public()
		signed := message
		if _, ok := pub.(ed25519.PublicKey); ok {
			signed = digest
		}
		sig := FromWebCrypto(pub, webCryptoSign(t, key, signed))
		if err := Verify(pub, digest, sig); err != nil {
			t.Errorf("%T: the browser's set signature does not verify: %v", pub, err)
		}
		challenge := []byte("maksa-login-v1 anna 0123456789abcdef")
		login := FromWebCrypto(pub, webCryptoSign(t, key, challenge))
		if err := Verify(pub, MessageDigest(pub, challenge), login); err != nil {
			t.Errorf("%T: the login signature does not verify: %v", pub, err)
		}
		if Verify(pub, MessageDigest(pub, []byte("another challenge")), login) == nil {
			t.Errorf("%T: a login signature verifies over another challenge", pub)
		}
	}
}
