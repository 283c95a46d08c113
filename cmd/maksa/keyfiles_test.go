package main_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"maksa/internal/test/testdb"
)

// TestConsoleReadsKeyFiles: the console signs, in the browser, with a key
// file in each form maksa sign reads — PKCS#8 of Ed25519, ECDSA P-256 and
// RSA; SEC1 ("EC PRIVATE KEY") as openssl ecparam -genkey writes it, after
// its "EC PARAMETERS" block; PKCS#1 ("RSA PRIVATE KEY") — and each
// signature verifies with the key's public half; a file without a private
// key is refused with a message that says so.
func TestConsoleReadsKeyFiles(t *testing.T) {
	e := newAPIEnv(t, testdb.Backends(t)[0])
	ctx := newBrowser(t)
	run := func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		c, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		if err := chromedp.Do(c, actions...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	run("the login page", chromedp.Navigate(e.base+"/ui/login"), chromedp.WaitVisible(chromedp.CSS("#keyfile")))
	// signIn signs message with the key file in the page, as the console
	// does, and returns the signature or the error's message.
	signIn := func(file string, message string) (string, string) {
		t.Helper()
		f, _ := json.Marshal(file)
		m, _ := json.Marshal(message)
		c, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		out, err := chromedp.Run(c, chromedp.Evaluate[[]string](`importKey(new Blob([`+string(f)+`]))
			.then((k) => sign(k, new TextEncoder().encode(`+string(m)+`))).then((s) => [b64(s), ""], (err) => ["", String(err.message)])`, chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatal(err)
		}
		return out[0], out[1]
	}
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	rk, _ := rsa.GenerateKey(rand.Reader, 2048)
	_, ed, _ := ed25519.GenerateKey(rand.Reader)
	block := func(typ string, der []byte) string {
		return string(pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}))
	}
	pkcs8 := func(k crypto.Signer) string {
		der, err := x509.MarshalPKCS8PrivateKey(k)
		if err != nil {
			t.Fatal(err)
		}
		return block("PRIVATE KEY", der)
	}
	sec1, _ := x509.MarshalECPrivateKey(ec)
	prime256v1 := []byte{0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07}
	files := []struct {
		name, file string
		key        crypto.Signer
	}{
		{"PKCS#8 Ed25519", pkcs8(ed), ed},
		{"PKCS#8 ECDSA P-256", pkcs8(ec), ec},
		{"PKCS#8 RSA", pkcs8(rk), rk},
		{"SEC1 after EC PARAMETERS", block("EC PARAMETERS", prime256v1) + block("EC PRIVATE KEY", sec1), ec},
		{"PKCS#1 RSA", block("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(rk)), rk},
	}
	const message = "maksa set digest"
	hash := sha256.Sum256([]byte(message))
	for _, f := range files {
		sig64, failure := signIn(f.file, message)
		sig, _ := base64.StdEncoding.DecodeString(sig64)
		ok := false
		switch pub := f.key.Public().(type) {
		case ed25519.PublicKey:
			ok = ed25519.Verify(pub, []byte(message), sig)
		case *ecdsa.PublicKey: // WebCrypto's r‖s
			ok = len(sig) == 64 && ecdsa.Verify(pub, hash[:], new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:]))
		case *rsa.PublicKey:
			ok = rsa.VerifyPSS(pub, crypto.SHA256, hash[:], sig, &rsa.PSSOptions{SaltLength: 32}) == nil
		}
		if !ok {
			t.Errorf("%s: signature %q does not verify (%s)", f.name, sig64, failure)
		}
	}
	if _, failure := signIn("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n", message); !strings.Contains(failure, "no PEM private key") {
		t.Errorf("a public key as the key file: %q", failure)
	}
}
