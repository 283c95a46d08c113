package signing

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"time"

	"maksa"
)

// Key errors.
var (
	ErrNotPEM          = errors.New("not a PEM file")
	ErrKeyType         = errors.New("unsupported key: use Ed25519, ECDSA P-256 or RSA")
	ErrBadSignature    = errors.New("the signature does not verify")
	ErrUnknownKey      = errors.New("the key is not one of the user's keys in the directory")
	ErrRevokedKey      = errors.New("the key is revoked in the directory")
	ErrCertNotYetValid = errors.New("the certificate is not valid yet")
	ErrCertExpired     = errors.New("the certificate has expired")
)

// ParsePrivateKey reads a PKCS#8 PEM private key (or an EC or RSA one in
// their own PEM forms).
func ParsePrivateKey(data []byte) (crypto.Signer, error) {
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, ErrNotPEM
	}
	var key any
	var err error
	switch block.Type {
	case "PRIVATE KEY":
		key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	case "EC PRIVATE KEY":
		key, err = x509.ParseECPrivateKey(block.Bytes)
	case "RSA PRIVATE KEY":
		key, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	default:
		return nil, fmt.Errorf("PEM block %q is not a private key", block.Type)
	}
	if err != nil {
		return nil, err
	}
	signer, ok := key.(crypto.Signer)
	if !ok {
		return nil, ErrKeyType
	}
	return signer, checkType(signer.Public())
}

func checkType(pub crypto.PublicKey) error {
	switch k := pub.(type) {
	case ed25519.PublicKey, *rsa.PublicKey:
		return nil
	case *ecdsa.PublicKey:
		if k.Curve.Params().Name == "P-256" {
			return nil
		}
	}
	return ErrKeyType
}

// Sign signs a digest with the key (see the package documentation).
func Sign(key crypto.Signer, digest []byte) ([]byte, error) {
	if err := checkType(key.Public()); err != nil {
		return nil, err
	}
	switch key.Public().(type) {
	case ed25519.PublicKey:
		return key.Sign(rand.Reader, digest, crypto.Hash(0))
	case *ecdsa.PublicKey:
		return key.Sign(rand.Reader, digest, crypto.SHA256)
	case *rsa.PublicKey:
		return key.Sign(rand.Reader, digest, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash, Hash: crypto.SHA256})
	}
	return nil, ErrKeyType
}

// Verify checks a signature over a digest with a public key. It uses the
// standard library's verification, which does not leak timing about the
// key.
func Verify(pub crypto.PublicKey, digest, sig []byte) error {
	ok := false
	switch k := pub.(type) {
	case ed25519.PublicKey:
		ok = ed25519.Verify(k, digest, sig)
	case *ecdsa.PublicKey:
		ok = ecdsa.VerifyASN1(k, digest, sig)
	case *rsa.PublicKey:
		ok = rsa.VerifyPSS(k, crypto.SHA256, digest, sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthAuto}) == nil
	default:
		return ErrKeyType
	}
	if !ok {
		return ErrBadSignature
	}
	return nil
}

// PublicKey is a directory key read for verification.
type PublicKey struct {
	Key         crypto.PublicKey
	Cert        *x509.Certificate // nil for a bare public key
	Fingerprint string
	Revoked     bool
}

// ParsePublicKey reads a directory key: a PEM public key or certificate.
func ParsePublicKey(k maksa.Key) (*PublicKey, error) {
	block, _ := pem.Decode([]byte(k.PEM))
	if block == nil {
		return nil, ErrNotPEM
	}
	out := &PublicKey{Fingerprint: k.Fingerprint, Revoked: k.Revoked}
	switch block.Type {
	case "CERTIFICATE":
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, err
		}
		out.Cert, out.Key = cert, cert.PublicKey
	case "PUBLIC KEY":
		pub, err := x509.ParsePKIXPublicKey(block.Bytes)
		if err != nil {
			return nil, err
		}
		out.Key = pub
	default:
		return nil, ErrNotPEM
	}
	return out, checkType(out.Key)
}

// CheckValidity refuses a certificate outside its validity period at t.
func (k *PublicKey) CheckValidity(t time.Time) error {
	switch {
	case k.Cert == nil:
		return nil
	case t.Before(k.Cert.NotBefore):
		return fmt.Errorf("%w (from %s)", ErrCertNotYetValid, k.Cert.NotBefore.Format(time.RFC3339))
	case t.After(k.Cert.NotAfter):
		return fmt.Errorf("%w (on %s)", ErrCertExpired, k.Cert.NotAfter.Format(time.RFC3339))
	}
	return nil
}

// equal reports whether two public keys are the same key.
func equal(a, b crypto.PublicKey) bool {
	e, ok := a.(interface{ Equal(crypto.PublicKey) bool })
	return ok && e.Equal(b)
}

// FindKey returns the user's directory key that pub is. Returns
// ErrUnknownKey when the directory does not list it.
func FindKey(keys []maksa.Key, pub crypto.PublicKey) (*PublicKey, error) {
	for _, k := range keys {
		pk, err := ParsePublicKey(k)
		if err == nil && equal(pk.Key, pub) {
			return pk, nil
		}
	}
	return nil, ErrUnknownKey
}

// Accept checks a directory key at time t for a new signature: not
// revoked (DS0C) and, for a certificate, valid (DS0D). It returns the
// reason code with the error.
func (k *PublicKey) Accept(t time.Time) (maksa.Reason, error) {
	if k.Revoked {
		return maksa.DS0C, ErrRevokedKey
	}
	if err := k.CheckValidity(t); err != nil {
		return maksa.DS0D, err
	}
	return "", nil
}
