package signing

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/asn1"
	"math/big"
)

// A browser signs with WebCrypto, which hashes the message itself for
// ECDSA and RSA-PSS (SHA-256) and signs Ed25519 over the message as it is;
// its ECDSA signature is r‖s (IEEE P1363), not ASN.1. maksa's digests are
// signed as SHA-256 values (Sign, Verify), so a browser signs a payment set
// by signing the set's message (SetMessage: its SHA-256 is the set's
// digest) with ECDSA or RSA-PSS, and the digest itself with Ed25519.

// MessageDigest is what Verify checks a signature over message against, as
// WebCrypto signs it with a key of pub's type: the message itself for
// Ed25519, its SHA-256 otherwise.
func MessageDigest(pub crypto.PublicKey, message []byte) []byte {
	if _, ok := pub.(ed25519.PublicKey); ok {
		return message
	}
	sum := sha256.Sum256(message)
	return sum[:]
}

// FromWebCrypto returns an ECDSA signature as Verify wants it (ASN.1) from
// WebCrypto's r‖s form; other signatures as they are.
func FromWebCrypto(pub crypto.PublicKey, sig []byte) []byte {
	k, ok := pub.(*ecdsa.PublicKey)
	if !ok {
		return sig
	}
	size := (k.Curve.Params().BitSize + 7) / 8
	if len(sig) != 2*size {
		return sig
	}
	der, err := asn1.Marshal(struct{ R, S *big.Int }{new(big.Int).SetBytes(sig[:size]), new(big.Int).SetBytes(sig[size:])})
	if err != nil {
		return sig
	}
	return der
}

// LoginKey returns the key of user's in the directory that made sig over
// message in a browser (see MessageDigest, FromWebCrypto), if it may sign
// now: not revoked, a certificate within its validity.
func (s *Service) LoginKey(ctx context.Context, user string, message, sig []byte) (*PublicKey, error) {
	u, err := s.Store.UserByID(ctx, user)
	if err != nil {
		return nil, err
	}
	if u == nil {
		return nil, ErrUnknownKey
	}
	for _, k := range u.Keys {
		pk, err := s.publicKey(k)
		if err != nil || Verify(pk.Key, MessageDigest(pk.Key, message), FromWebCrypto(pk.Key, sig)) != nil {
			continue
		}
		if _, err := pk.Accept(s.Now()); err != nil {
			return nil, err
		}
		return pk, nil
	}
	return nil, ErrBadSignature
}

// BrowserSetSignature returns a set signature a browser made (see
// MessageDigest) as SignSet verifies it: an ECDSA r‖s made ASN.1 for the
// user's ECDSA key that verifies it; other signatures as they are.
func (s *Service) BrowserSetSignature(ctx context.Context, user string, digest, sig []byte) []byte {
	u, err := s.Store.UserByID(ctx, user)
	if err != nil || u == nil {
		return sig
	}
	for _, k := range u.Keys {
		if pk, err := s.publicKey(k); err == nil {
			if der := FromWebCrypto(pk.Key, sig); Verify(pk.Key, digest, der) == nil {
				return der
			}
		}
	}
	return sig
}
