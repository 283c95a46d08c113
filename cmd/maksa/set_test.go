package main_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"maksa"
	"maksa/internal/test/testdb"
	"maksa/signing"
)

// TestSetSignatures signs payments as sets: level 1 with one signature
// made by maksa (one payment above the signer's limit is refused inside
// the set, the others are signed), level 2 with one signature made by
// openssl over the set digest "queue digest --list" wrote; the night
// executes them, verifying each set once. A payment changed after its set
// was signed is refused at night (DS0E) and the rest of its set executes;
// a set whose list was changed in the database is refused whole.
func TestSetSignatures(t *testing.T) {
	openssl, err := exec.LookPath("openssl")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("openssl is not installed in CI")
		}
		t.Skip("SKIP: openssl is not installed")
	}
	for _, b := range testdb.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			e := newSigningEnv(t, b)
			e.importPayments(t, "set.xml", date(2026, 11, 27), [2]string{accountA, "10.00"}, [2]string{accountA, "20.00"},
				[2]string{accountA, "30.00"}, [2]string{accountA, "6000.00"})
			// Level 1: s1a signs the four as one set; 6000.00 is above s1a's
			// single-payment limit and is refused inside it.
			var outcomes []signing.Outcome
			e.runJSON(1, &outcomes, "sign", "--confirm-vop", "--user", "s1a", "--key", e.signers["s1a"].key, "--all", "--set")
			signed := 0
			for _, o := range outcomes {
				switch {
				case o.Signed:
					signed++
				case o.EndToEndID != "set.xml-4" || len(o.Reasons) != 1 || o.Reasons[0].Code != maksa.AM14:
					t.Errorf("refused inside the set: %+v", o)
				}
			}
			if signed != 3 || len(outcomes) != 4 {
				t.Fatalf("the set signed %d of %d payments, want 3 of 4", signed, len(outcomes))
			}
			if n := testdb.Count(t, e.dsn, `SELECT COUNT(*) FROM signature_sets`); n != 1 {
				t.Errorf("%d set signatures stored, want 1", n)
			}
			if n := testdb.Count(t, e.dsn, `SELECT COUNT(*) FROM signatures WHERE set_id IS NOT NULL AND signature = ''`); n != 3 {
				t.Errorf("%d payments signed by the set, want 3", n)
			}
			// The set is listed and signed in one transaction: with nothing
			// left that awaits s1a (four eyes; the fourth above the limit
			// is listed and refused again), a second set stores nothing.
			e.runJSON(1, &outcomes, "sign", "--confirm-vop", "--user", "s1a", "--key", e.signers["s1a"].key, "--all", "--set")
			if len(outcomes) != 1 || outcomes[0].Signed || outcomes[0].Reasons[0].Code != maksa.AM14 {
				t.Errorf("a second set of s1a's: %+v, want the one above the limit refused again", outcomes)
			}
			if n := testdb.Count(t, e.dsn, `SELECT COUNT(*) FROM signature_sets`); n != 2 {
				t.Errorf("%d set signatures stored, want 2", n)
			}

			// Level 2: s2 (RSA) signs the set of what awaits it, on "another
			// device" (openssl).
			list, digest := filepath.Join(e.dir, "set.txt"), filepath.Join(e.dir, "set.bin")
			e.mustRun(0, "queue", "digest", "--user", "s2", "--all", "--list", list, "--out", digest)
			data, _ := os.ReadFile(list)
			if lines := strings.Split(strings.TrimSpace(string(data)), "\n"); len(lines) != 4 || !strings.HasPrefix(lines[0], "# maksa-set-v1 3 ") {
				t.Fatalf("the list:\n%s", data)
			}
			sig := digest + ".sig"
			args := []string{"pkeyutl", "-sign", "-inkey", e.signers["s2"].key, "-in", digest, "-out", sig,
				"-pkeyopt", "digest:sha256", "-pkeyopt", "rsa_padding_mode:pss", "-pkeyopt", "rsa_pss_saltlen:32"}
			if out, err := exec.Command(openssl, args...).CombinedOutput(); err != nil {
				t.Fatalf("openssl %v: %v\n%s", args, err, out)
			}
			// A signature over another digest attaches nothing.
			other := filepath.Join(e.dir, "other.sig")
			os.WriteFile(other, []byte(strings.Repeat("x", 256)), 0o600)
			if r := e.run("sign", "--confirm-vop", "--user", "s2", "--set-list", list, "--signature-file", other); r.code != 1 || !strings.Contains(r.stderr, "DS0E") {
				t.Errorf("a signature that does not verify: exit %d, %s", r.code, r.stderr)
			}
			e.runJSON(0, &outcomes, "sign", "--confirm-vop", "--user", "s2", "--set-list", list, "--signature-file", sig)
			for _, o := range outcomes {
				if !o.Signed || o.Status != maksa.ACCP {
					t.Errorf("level 2 by the set: %+v", o)
				}
			}

			// Two more payments, both levels by sets; one is changed after.
			e.importPayments(t, "more.xml", date(2026, 11, 27), [2]string{accountA, "40.00"}, [2]string{accountA, "50.00"})
			e.mustRun(0, "sign", "--confirm-vop", "--user", "s1b", "--key", e.signers["s1b"].key, "--batch", "2", "--set")
			e.mustRun(0, "sign", "--confirm-vop", "--user", "s2b", "--key", e.signers["s2b"].key, "--batch", "2", "--set")
			testdb.Exec(t, e.dsn, `UPDATE payments SET amount = '400.00', amount_minor = 40000 WHERE end_to_end_id = 'more.xml-1'`)

			var run struct {
				Executed int `json:"executed"`
				Refused  int `json:"refused"`
			}
			e.runJSON(0, &run, "batch", "run", "--ahead", "--date", batchDay)
			if run.Executed != 4 || run.Refused != 1 {
				t.Errorf("the night: %+v, want the 3 of the first sets and 50.00 executed, the changed 40.00 refused", run)
			}
			var refused []struct {
				EndToEndID string          `json:"end_to_end_id"`
				Reasons    []maksa.Problem `json:"reasons"`
			}
			e.runJSON(0, &refused, "payments", "--status", "RJCT")
			if len(refused) != 1 || refused[0].EndToEndID != "more.xml-1" || refused[0].Reasons[0].Code != maksa.DS0E ||
				!strings.Contains(refused[0].Reasons[0].Message, "does not cover the payment as it is now") {
				t.Errorf("refused at night: %+v", refused)
			}
			e.mustRun(0, "audit", "verify")
			if n := testdb.Count(t, e.dsn, `SELECT COUNT(*) FROM audit_events WHERE action = 'payments.sign_set'`); n != 5 {
				t.Errorf("%d set signatures audited, want 5", n)
			}
			// s1b signs the one left at level 1; then nothing awaits s1b: no
			// set, and nothing stored for it.
			e.mustRun(0, "sign", "--confirm-vop", "--user", "s1b", "--key", e.signers["s1b"].key, "--all", "--set")
			if r := e.run("sign", "--confirm-vop", "--user", "s1b", "--key", e.signers["s1b"].key, "--all", "--set"); r.code != 1 || !strings.Contains(r.stderr, "there is no set to sign") {
				t.Errorf("an empty set: exit %d, %s", r.code, r.stderr)
			}
			if n := testdb.Count(t, e.dsn, `SELECT COUNT(*) FROM signature_sets`); n != 6 {
				t.Errorf("%d set signatures stored after an empty one, want 6", n)
			}
		})
	}
}

// TestSetWithAlteredList: a set whose list of payments was changed in the
// database no longer gives the digest signed: the night refuses every
// payment it signed (DS0E), and none of another set.
func TestSetWithAlteredList(t *testing.T) {
	e := newSigningEnv(t, testdb.Backends(t)[0])
	e.importPayments(t, "a.xml", date(2026, 11, 27), [2]string{accountA, "10.00"}, [2]string{accountA, "20.00"})
	e.importPayments(t, "b.xml", date(2026, 11, 27), [2]string{accountA, "30.00"})
	for _, batch := range []string{"1", "2"} {
		e.mustRun(0, "sign", "--confirm-vop", "--user", "s1b", "--key", e.signers["s1b"].key, "--batch", batch, "--set")
		e.mustRun(0, "sign", "--confirm-vop", "--user", "s2b", "--key", e.signers["s2b"].key, "--batch", batch, "--set")
	}
	// Its first hex digit changed, whatever it was (replacing it by 'f' left
	// a digest that began with 'f' as it was, one run in sixteen).
	testdb.Exec(t, e.dsn, `UPDATE set_members SET digest = CASE WHEN substr(digest, 1, 1) = 'f' THEN '0' ELSE 'f' END || substr(digest, 2) WHERE set_id = 1 AND payment_id = 2`)
	var run struct {
		Executed int `json:"executed"`
		Refused  int `json:"refused"`
	}
	e.runJSON(0, &run, "batch", "run", "--ahead", "--date", batchDay)
	if run.Executed != 1 || run.Refused != 2 {
		t.Errorf("the night: %+v, want b.xml's payment executed, a.xml's two refused", run)
	}
	r := e.mustRun(0, "payments", "show", "1")
	if !strings.Contains(r.stdout, "is set 1, which does not verify: its list of payments is not the one signed") {
		t.Errorf("payment 1's refusal:\n%s", r.stdout)
	}

}

// TestSetSignedWithOpenSSL: a set's digest signed by openssl with an
// Ed25519 and an ECDSA P-256 key, as the README shows, signs the set.
func TestSetSignedWithOpenSSL(t *testing.T) {
	openssl, err := exec.LookPath("openssl")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("openssl is not installed in CI")
		}
		t.Skip("SKIP: openssl is not installed")
	}
	e := newSigningEnv(t, testdb.Backends(t)[0])
	e.importPayments(t, "dev.xml", date(2026, 11, 27), [2]string{accountA, "10.00"}, [2]string{accountA, "20.00"})
	for _, step := range []struct {
		user string
		args []string
	}{{"s1a", nil}, {"s2b", []string{"-rawin"}}} { // ECDSA P-256 at level 1, Ed25519 at level 2
		list, digest := filepath.Join(e.dir, step.user+".txt"), filepath.Join(e.dir, step.user+".bin")
		e.mustRun(0, "queue", "digest", "--user", step.user, "--all", "--list", list, "--out", digest)
		args := append([]string{"pkeyutl", "-sign", "-inkey", e.signers[step.user].key, "-in", digest, "-out", digest + ".sig"}, step.args...)
		if out, err := exec.Command(openssl, args...).CombinedOutput(); err != nil {
			t.Fatalf("openssl %v: %v\n%s", args, err, out)
		}
		var outcomes []signing.Outcome
		e.runJSON(0, &outcomes, "sign", "--confirm-vop", "--user", step.user, "--set-list", list, "--signature-file", digest+".sig")
		if len(outcomes) != 2 || !outcomes[0].Signed || !outcomes[1].Signed {
			t.Errorf("%s's set: %+v", step.user, outcomes)
		}
	}
	if n := testdb.Count(t, e.dsn, `SELECT COUNT(*) FROM payments WHERE status = 'ACCP'`); n != 2 {
		t.Errorf("%d payments ACCP after two sets, want 2", n)
	}
}
