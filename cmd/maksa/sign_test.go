package main_test

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"maksa"
	"maksa/formats/pain001"
	"maksa/internal/test/testdb"
	"maksa/internal/test/xsdcheck"
	"maksa/signing"
)

const (
	accountA = "LV21TREL9160100000000" // two signature levels
	accountB = "LV11TREL9160200000002" // three
)

// signer is a user's key pair written to files.
type signer struct {
	key     string // private key file (PKCS#8 PEM)
	public  string // public key or certificate file, relative to the directory file
	private crypto.Signer
}

// newSigner makes a key of kind ed25519, ecdsa or rsa; with a validity
// period, the directory gets an X.509 certificate instead of a bare key.
func newSigner(t *testing.T, dir, name, kind string, notBefore, notAfter time.Time) signer {
	t.Helper()
	var key crypto.Signer
	switch kind {
	case "ed25519":
		_, key, _ = ed25519.GenerateKey(rand.Reader)
	case "ecdsa":
		key, _ = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case "rsa":
		key, _ = rsa.GenerateKey(rand.Reader, 2048)
	}
	der, _ := x509.MarshalPKCS8PrivateKey(key)
	s := signer{key: filepath.Join(dir, name+".key"), private: key}
	os.WriteFile(s.key, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600)
	if notBefore.IsZero() {
		pub, _ := x509.MarshalPKIXPublicKey(key.Public())
		s.public = name + ".pub"
		os.WriteFile(filepath.Join(dir, s.public), pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub}), 0o644)
		return s
	}
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl := &x509.Certificate{SerialNumber: serial, Subject: pkix.Name{CommonName: name},
		NotBefore: notBefore, NotAfter: notAfter, KeyUsage: x509.KeyUsageDigitalSignature}
	cert, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	s.public = name + ".crt"
	os.WriteFile(filepath.Join(dir, s.public), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert}), 0o644)
	return s
}

// signingEnv is an env with a directory of signers in every state, and one
// imported batch of payments awaiting signatures.
type signingEnv struct {
	*env
	dir     string
	signers map[string]signer
}

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func newSigningEnv(t *testing.T, b testdb.Backend) *signingEnv {
	t.Helper()
	e := &signingEnv{env: newEnv(t, b), dir: t.TempDir(), signers: map[string]signer{}}
	valid, validTo := date(2026, 1, 1), date(2027, 12, 31)
	for name, kind := range map[string]string{"s1a": "ecdsa", "s1b": "ed25519", "s2": "rsa", "s2b": "ed25519", "s3": "ed25519", "blk": "ed25519", "card": "ed25519", "rev": "ed25519"} {
		e.signers[name] = newSigner(t, e.dir, name, kind, time.Time{}, time.Time{})
	}
	e.signers["s1a"] = newSigner(t, e.dir, "s1a", "ecdsa", valid, validTo)
	e.signers["exp"] = newSigner(t, e.dir, "exp", "ecdsa", date(2025, 1, 1), date(2026, 6, 30))
	e.signers["fut"] = newSigner(t, e.dir, "fut", "ecdsa", date(2027, 1, 1), date(2028, 1, 1))
	e.writeDirectory(t, e.signers)
	return e
}

func (e *signingEnv) writeDirectory(t *testing.T, keys map[string]signer) {
	t.Helper()
	user := func(id, status, grants string) string {
		k := ""
		if s, ok := keys[id]; ok {
			k = "\n    keys: [" + s.public + "]"
		}
		return fmt.Sprintf("  - id: %s\n    name: %s\n    status: %s\n    valid_until: 2030-12-31%s\n    grants:\n%s", id, strings.ToUpper(id), status, k, grants)
	}
	grant := func(account, modes, limit, daily, card string) string {
		return fmt.Sprintf("      - {account: %s, modes: [%s], payment_limit: %q, daily_limit: %q, card_valid_until: %s}\n", account, modes, limit, daily, card)
	}
	big := "1000000.00"
	doc := `clients: [{id: "1", name: Klients, address: {street: "Smilšu iela", building: "1", postcode: "LV-1919", town: "Rīga", country: "LV"}}]
accounts:
  - {iban: ` + accountA + `, client: "1", currency: EUR, balance: "100000.00", signatures: 2}
  - {iban: ` + accountB + `, client: "1", currency: EUR, balance: "100000.00", signatures: 3}
users:
` + user("prep", "active", grant(accountA, "prepare", big, big, "2030-12-31")+grant(accountB, "prepare", big, big, "2030-12-31")) +
		user("s1a", "active", grant(accountA, "sign1", "5000.00", "1000.00", "2030-12-31")+grant(accountB, "sign1", big, big, "2030-12-31")) +
		user("s1b", "active", grant(accountA, "sign1", big, big, "2030-12-31")) +
		user("s2", "active", grant(accountA, "sign2", big, big, "2030-12-31")+grant(accountB, "sign2", big, big, "2030-12-31")) +
		user("s2b", "active", grant(accountA, "sign2", big, big, "2030-12-31")) +
		user("s3", "active", grant(accountB, "sign3", big, big, "2030-12-31")) +
		user("exp", "active", grant(accountA, "sign1", big, big, "2030-12-31")) +
		user("fut", "active", grant(accountA, "sign1", big, big, "2030-12-31")) +
		user("rev", "active", grant(accountA, "sign1", big, big, "2030-12-31")) +
		user("blk", "blocked", grant(accountA, "sign1", big, big, "2030-12-31")) +
		user("card", "active", grant(accountA, "sign1", big, big, "2026-06-30")) +
		user("view", "active", "      - {account: "+accountA+", modes: [view_all]}\n")
	path := filepath.Join(e.dir, "directory.yaml")
	if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	e.mustRun(0, "directory", "apply", path)
}

// importPayments imports one file of payments (debtor account, amount) for
// prep and returns the batch's result.
func (e *signingEnv) importPayments(t *testing.T, name string, execution time.Time, payments ...[2]string) {
	t.Helper()
	path := filepath.Join(e.dir, name)
	f, _ := os.Create(path)
	w := pain001.NewWriter(f, 3)
	sum := decimal.Zero
	for _, p := range payments {
		sum = sum.Add(decimal.RequireFromString(p[1]))
	}
	w.WriteHeader(&pain001.GroupHeader{MessageID: name, CreationTime: testTime, NbOfTxs: len(payments), CtrlSum: sum, InitiatingParty: "Klients"})
	for i, p := range payments {
		w.Write(&maksa.Payment{PaymentInfoID: p[0], EndToEndID: fmt.Sprintf("%s-%d", name, i+1), DebtorIBAN: p[0], CreditorIBAN: "LV44HABA0551000000001",
			CreditorIsIBAN: true, CreditorName: "Jānis Bērziņš", Amount: decimal.RequireFromString(p[1]), Currency: "EUR", ExecutionDate: execution})
	}
	w.Close()
	f.Close()
	e.mustRun(0, "import", "--user", "prep", path)
}

// sign runs maksa sign and returns the one outcome and the exit code.
func (e *signingEnv) sign(t *testing.T, want int, user, key string, payment int64, extra ...string) signing.Outcome {
	t.Helper()
	var out []signing.Outcome
	args := []string{"sign", "--confirm-vop", "--user", user, "--payment", fmt.Sprint(payment)}
	if key != "" {
		args = append(args, "--key", key)
	}
	e.runJSON(want, &out, append(args, extra...)...)
	if len(out) != 1 {
		t.Fatalf("sign printed %d outcomes", len(out))
	}
	return out[0]
}

func refusedWith(t *testing.T, o signing.Outcome, code maksa.Reason) {
	t.Helper()
	if o.Signed || len(o.Reasons) == 0 || o.Reasons[0].Code != code {
		t.Errorf("outcome %+v, want refused with %s", o, code)
	}
}

func TestSigningPolicy(t *testing.T) {
	e := newSigningEnv(t, testdb.Backends(t)[0])
	e.importPayments(t, "batch1.xml", date(2026, 11, 27),
		[2]string{accountA, "100.00"}, [2]string{accountA, "200.00"}, [2]string{accountA, "300.00"}, [2]string{accountA, "5500.00"},
		[2]string{accountA, "400.00"}, [2]string{accountA, "500.00"}, [2]string{accountA, "600.00"}, [2]string{accountA, "700.00"},
		[2]string{accountB, "1000.00"})
	key := func(u string) string { return e.signers[u].key }

	var queue []signing.QueueLine
	e.runJSON(0, &queue, "queue", "--user", "s1a")
	if len(queue) != 9 {
		t.Fatalf("s1a's queue has %d payments, want 9", len(queue))
	}
	e.runJSON(0, &queue, "queue", "--user", "s2")
	if len(queue) != 0 {
		t.Errorf("s2 may sign nothing before level 1 is signed, but the queue lists %d", len(queue))
	}

	t.Run("level 1 needs sign1", func(t *testing.T) { refusedWith(t, e.sign(t, 1, "s2", key("s2"), 1), maksa.DS0H) })
	t.Run("sign level 1", func(t *testing.T) {
		if o := e.sign(t, 0, "s1a", key("s1a"), 1); !o.Signed || o.Level != 1 || o.Status != maksa.PDNG {
			t.Errorf("outcome %+v", o)
		}
	})
	t.Run("four eyes", func(t *testing.T) { refusedWith(t, e.sign(t, 1, "s1a", key("s1a"), 1), maksa.DS26) })
	t.Run("key of another user", func(t *testing.T) { refusedWith(t, e.sign(t, 1, "s1a", key("s1b"), 2), maksa.DS0C) })
	t.Run("expired certificate", func(t *testing.T) { refusedWith(t, e.sign(t, 1, "exp", key("exp"), 2), maksa.DS0D) })
	t.Run("certificate not yet valid", func(t *testing.T) { refusedWith(t, e.sign(t, 1, "fut", key("fut"), 2), maksa.DS0D) })
	t.Run("blocked signer", func(t *testing.T) { refusedWith(t, e.sign(t, 1, "blk", key("blk"), 2), maksa.DS0H) })
	t.Run("expired card", func(t *testing.T) { refusedWith(t, e.sign(t, 1, "card", key("card"), 2), maksa.DS0H) })
	t.Run("single-payment limit", func(t *testing.T) { refusedWith(t, e.sign(t, 1, "s1a", key("s1a"), 4), maksa.AM14) })
	t.Run("daily limit", func(t *testing.T) {
		for _, id := range []int64{2, 3, 5} { // 100 + 200 + 300 + 400 = 1000: at the limit
			if o := e.sign(t, 0, "s1a", key("s1a"), id); !o.Signed {
				t.Fatalf("payment %d: %+v", id, o)
			}
		}
		refusedWith(t, e.sign(t, 1, "s1a", key("s1a"), 6), maksa.AM21)
	})
	t.Run("level 2 completes", func(t *testing.T) {
		if o := e.sign(t, 0, "s2", key("s2"), 1); !o.Signed || o.Level != 2 || o.Status != maksa.ACCP {
			t.Errorf("outcome %+v", o)
		}
		refusedWith(t, e.sign(t, 1, "s2b", key("s2b"), 1), maksa.NARR)
	})
	t.Run("signature file that does not verify", func(t *testing.T) {
		sig := filepath.Join(e.dir, "garbage.sig")
		os.WriteFile(sig, bytes.Repeat([]byte{7}, 64), 0o600)
		refusedWith(t, e.sign(t, 1, "s1b", "", 6, "--signature-file", sig), maksa.DS0E)
	})
	t.Run("tampered payment", func(t *testing.T) {
		testdb.Exec(t, e.dsn, `UPDATE payments SET amount = '999.00', amount_minor = 99900 WHERE id = 2`)
		refusedWith(t, e.sign(t, 1, "s2", key("s2"), 2), maksa.DS0E)
	})
	t.Run("three levels", func(t *testing.T) {
		e.sign(t, 0, "s1a", key("s1a"), 9)
		e.sign(t, 0, "s2", key("s2"), 9)
		refusedWith(t, e.sign(t, 1, "s2b", key("s2b"), 9), maksa.DS0H)
		if o := e.sign(t, 0, "s3", key("s3"), 9); o.Level != 3 || o.Status != maksa.ACCP {
			t.Errorf("outcome %+v", o)
		}
	})
	t.Run("reject", func(t *testing.T) {
		var out []signing.Outcome
		e.runJSON(1, &out, "reject", "--user", "view", "--payment", "7", "--reason", "not mine")
		refusedWith(t, out[0], maksa.DS0H)
		e.runJSON(0, &out, "reject", "--user", "s1b", "--payment", "7", "--reason", "wrong creditor")
		if out[0].Status != maksa.RJCT || out[0].Reasons[0].Code != maksa.DS02 {
			t.Errorf("reject outcome %+v", out[0])
		}
		// Retried (its answer lost): a no-op with the first outcome.
		events := testdb.Count(t, e.dsn, `SELECT COUNT(*) FROM audit_events`)
		var again []signing.Outcome
		e.runJSON(0, &again, "reject", "--user", "s1b", "--payment", "7", "--reason", "wrong creditor")
		if fmt.Sprint(again) != fmt.Sprint(out) || testdb.Count(t, e.dsn, `SELECT COUNT(*) FROM audit_events`) != events {
			t.Errorf("a retried refusal: %+v, first %+v; audit events %d → %d", again, out, events, testdb.Count(t, e.dsn, `SELECT COUNT(*) FROM audit_events`))
		}
		refusedWith(t, e.sign(t, 1, "s1b", key("s1b"), 7), maksa.NARR)
	})
	t.Run("revoked key", func(t *testing.T) {
		keys := map[string]signer{}
		for k, v := range e.signers {
			if k != "rev" {
				keys[k] = v
			}
		}
		e.writeDirectory(t, keys)
		refusedWith(t, e.sign(t, 1, "rev", key("rev"), 8), maksa.DS0C)
	})
	var list []maksa.AuditEvent
	e.runJSON(0, &list, "audit", "list")
	e.mustRun(0, "audit", "verify")
}

// TestSignatureMadeWithOpenSSL signs the digest with openssl pkeyutl, as a
// signer with a smart card or another tool would, and attaches it.
func TestSignatureMadeWithOpenSSL(t *testing.T) {
	openssl, err := exec.LookPath("openssl")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("openssl is not installed in CI")
		}
		t.Skip("SKIP: openssl is not installed")
	}
	e := newSigningEnv(t, testdb.Backends(t)[0])
	e.importPayments(t, "ext.xml", date(2026, 11, 27), [2]string{accountA, "10.00"}, [2]string{accountA, "20.00"})
	for _, step := range []struct {
		user    string
		payment int64
		args    []string
	}{
		{"s1b", 1, []string{"-rawin"}}, // Ed25519 signs the digest bytes as its message
		{"s2", 1, []string{"-pkeyopt", "digest:sha256", "-pkeyopt", "rsa_padding_mode:pss", "-pkeyopt", "rsa_pss_saltlen:32"}},
		{"s1a", 2, nil}, // ECDSA P-256 over the digest
	} {
		digest := filepath.Join(e.dir, fmt.Sprintf("digest-%s-%d.bin", step.user, step.payment))
		sig := digest + ".sig"
		e.mustRun(0, "queue", "digest", "--payment", fmt.Sprint(step.payment), "--out", digest)
		args := append([]string{"pkeyutl", "-sign", "-inkey", e.signers[step.user].key, "-in", digest, "-out", sig}, step.args...)
		if out, err := exec.Command(openssl, args...).CombinedOutput(); err != nil {
			t.Fatalf("openssl %v: %v\n%s", args, err, out)
		}
		if o := e.sign(t, 0, step.user, "", step.payment, "--signature-file", sig); !o.Signed {
			t.Errorf("%s's openssl signature refused: %+v", step.user, o)
		}
	}
	var queue []signing.QueueLine
	e.runJSON(0, &queue, "queue")
	if len(queue) != 1 || queue[0].PaymentID != 2 || queue[0].LevelsDone != 1 {
		t.Errorf("queue = %+v, want payment 2 with one level signed", queue)
	}
}

// TestSettledBatchReport signs a batch completely and checks the updated
// pain.002 the importing user receives.
func TestSettledBatchReport(t *testing.T) {
	e := newSigningEnv(t, testdb.Backends(t)[0])
	e.importPayments(t, "settle.xml", date(2026, 11, 27), [2]string{accountA, "10.00"}, [2]string{accountA, "20.00"}, [2]string{accountA, "30.00"})
	e.mustRun(0, "sign", "--confirm-vop", "--user", "s1b", "--key", e.signers["s1b"].key, "--batch", "1")
	e.mustRun(0, "reject", "--user", "s2", "--payment", "3", "--reason", "duplicate invoice")
	e.mustRun(0, "sign", "--confirm-vop", "--user", "s2", "--key", e.signers["s2"].key, "--all")
	report := filepath.Join(e.home, "outbox", "prep", "settle.xml.2.pain002.xml")
	xsdcheck.Validate(t, report, "pain.002.001.03.xsd")
	data, err := os.ReadFile(report)
	if err != nil {
		t.Fatalf("no updated report: %v", err)
	}
	for _, want := range []string{"<GrpSts>PART</GrpSts>", "<OrgnlEndToEndId>settle.xml-3</OrgnlEndToEndId>", "<Cd>DS02</Cd>"} {
		if !bytes.Contains(data, []byte(want)) {
			t.Errorf("report lacks %s:\n%s", want, data)
		}
	}
	if bytes.Contains(data, []byte("settle.xml-1<")) {
		t.Errorf("report lists a signed payment as rejected:\n%s", data)
	}
}

// TestUnsignedPaymentsExpire lets the signing deadline pass and checks
// that the payment is cancelled with DS24 and reported.
func TestUnsignedPaymentsExpire(t *testing.T) {
	e := newSigningEnv(t, testdb.Backends(t)[0])
	e.importPayments(t, "late.xml", date(2026, 11, 27), [2]string{accountA, "10.00"})
	e.mustRun(0, "sign", "--confirm-vop", "--user", "s1b", "--key", e.signers["s1b"].key, "--payment", "1")
	cmd := exec.Command(binary, "--home", e.home, "--db", e.dsn, "--json", "queue", "--sign-days", "5")
	cmd.Env = append(os.Environ(), "MAKSA_NOW=2026-12-03T10:00:00+02:00")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("queue: %v\n%s", err, out)
	}
	if n := testdb.Count(t, e.dsn, `SELECT COUNT(*) FROM payments WHERE status = 'CANC' AND reasons LIKE '%DS24%'`); n != 1 {
		t.Fatalf("%d payments cancelled with DS24, want 1", n)
	}
	report := filepath.Join(e.home, "outbox", "prep", "late.xml.2.pain002.xml")
	xsdcheck.Validate(t, report, "pain.002.001.03.xsd")
	data, _ := os.ReadFile(report)
	if !bytes.Contains(data, []byte("<Cd>DS24</Cd>")) || !bytes.Contains(data, []byte("<GrpSts>RJCT</GrpSts>")) {
		t.Errorf("report does not announce the cancellation:\n%s", data)
	}
	r := e.mustRun(0, "payments", "show", "1")
	for _, s := range []string{"2026-11-25 10:00:00 imported from late.xml by prep", "2026-11-25 10:00:00 signed level 1 of 2 by s1b", "State CANC", "2026-12-03 10:00:00 cancelled: its signatures were not complete in time (DS24)"} {
		if !strings.Contains(r.stdout, s) {
			t.Errorf("payments show does not say %q:\n%s", s, r.stdout)
		}
	}
}

// TestConcurrentSigning lets two signers sign the same level of the same
// payments at the same moment: exactly one of each pair succeeds.
func TestConcurrentSigning(t *testing.T) {
	for _, b := range testdb.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			e := newSigningEnv(t, b)
			var payments [][2]string
			for i := 0; i < 5; i++ {
				payments = append(payments, [2]string{accountA, "10.00"})
			}
			e.importPayments(t, "race.xml", date(2026, 11, 27), payments...)
			e.mustRun(0, "sign", "--confirm-vop", "--user", "s1b", "--key", e.signers["s1b"].key, "--batch", "1")
			for id := 1; id <= 5; id++ {
				results := make(chan int, 2)
				for _, u := range []string{"s2", "s2b"} {
					go func(u string) {
						cmd := exec.Command(binary, "--home", e.home, "--db", e.dsn, "sign", "--confirm-vop", "--user", u, "--key", e.signers[u].key, "--payment", fmt.Sprint(id))
						cmd.Env = append(os.Environ(), "MAKSA_NOW="+testNow)
						err := cmd.Run()
						code := 0
						if ee, ok := err.(*exec.ExitError); ok {
							code = ee.ExitCode()
						}
						results <- code
					}(u)
				}
				a, c := <-results, <-results
				if a+c != 1 {
					t.Errorf("payment %d: exit codes %d and %d, want one success (0) and one refusal (1)", id, a, c)
				}
			}
			if n := testdb.Count(t, e.dsn, `SELECT COUNT(*) FROM signatures WHERE level = 2`); n != 5 {
				t.Errorf("%d level-2 signatures, want 5", n)
			}
			if n := testdb.Count(t, e.dsn, `SELECT COUNT(*) FROM payments WHERE status = 'ACCP'`); n != 5 {
				t.Errorf("%d payments ACCP, want 5", n)
			}
		})
	}
}
