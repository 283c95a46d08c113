package main_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"maksa"
	"maksa/formats/directory"
	"maksa/internal/test/testdb"
)

func TestDirectoryApplyShowRoundTrip(t *testing.T) {
	for _, b := range testdb.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			e := newEnv(t, b)
			file := repo("testdata/demo/directory.yaml")
			var applied struct {
				Changes []map[string]string `json:"changes"`
			}
			e.runJSON(0, &applied, "directory", "apply", file)
			if len(applied.Changes) != 29 {
				t.Errorf("first apply: %d changes, want 29", len(applied.Changes))
			}
			var shown maksa.Directory
			e.runJSON(0, &shown, "directory", "show")
			want, err := directory.Load(file)
			if err != nil {
				t.Fatal(err)
			}
			// The file lists grants per user; the store sorts them.
			if !sameJSON(t, shown.Clients, want.Clients) || !sameJSON(t, shown.Accounts, sortedAccounts(want.Accounts)) || len(shown.Users) != len(want.Users) || len(shown.Grants) != len(want.Grants) {
				t.Errorf("directory show does not round-trip the applied file:\n%+v", shown)
			}
			e.runJSON(0, &applied, "directory", "apply", file)
			if len(applied.Changes) != 0 {
				t.Errorf("second apply: changes %v, want none", applied.Changes)
			}
			r := e.mustRun(0, "directory", "apply", file)
			if !strings.Contains(r.stdout, "No changes.") {
				t.Errorf("second apply says %q, want No changes.", r.stdout)
			}
		})
	}
}

func sameJSON(t *testing.T, a, b any) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return reflect.DeepEqual(ja, jb)
}

func sortedAccounts(a []maksa.Account) []maksa.Account {
	out := append([]maksa.Account(nil), a...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j].IBAN < out[i].IBAN {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
}

// TestDirectoryBadInput checks that each kind of bad directory file is
// refused with file:line, field and reason, and changes nothing.
func TestDirectoryBadInput(t *testing.T) {
	const header = `clients:
  - id: "1"
    name: "Klients"
accounts:
  - iban: LV21TREL9160100000000
    client: "1"
    currency: EUR
    balance: "10.00"
    signatures: 1
`
	user := func(grant string) string {
		return header + `users:
  - id: u
    name: U
    valid_until: 2030-01-01
    grants:
      - ` + grant + "\n"
	}
	tests := []struct {
		name, yaml, want string
	}{
		{"unknown account in grant", user(`{account: LV91TREL9160100000001, modes: [prepare], payment_limit: "1", daily_limit: "1"}`), `:15: grant.account: unknown account "LV91TREL9160100000001"`},
		{"unknown mode", user(`{account: LV21TREL9160100000000, modes: [approve], payment_limit: "1", daily_limit: "1"}`), `:15: grant.modes: unknown mode "approve"`},
		{"negative limit", user(`{account: LV21TREL9160100000000, modes: [prepare], payment_limit: "-5", daily_limit: "1"}`), `:15: grant.payment_limit: must not be negative`},
		{"malformed limit", user(`{account: LV21TREL9160100000000, modes: [prepare], payment_limit: "1", daily_limit: "1 000,00"}`), `:15: grant.daily_limit: "1 000,00" is not a decimal amount`},
		{"invalid IBAN checksum", strings.Replace(header, "LV21TREL9160100000000", "LV22TREL9160100000000", 1), `:5: account.iban: "LV22TREL9160100000000": IBAN check digits are wrong`},
		{"invalid IBAN length", strings.Replace(header, "LV21TREL9160100000000", "LV21TREL916010000000", 1), `:5: account.iban: "LV21TREL916010000000": IBAN length is wrong for its country`},
		{"signature levels", strings.Replace(header, "signatures: 1", "signatures: 4", 1), `:9: account.signatures: must be 1, 2 or 3, got 4`},
		{"duplicate client", strings.Replace(header, "accounts:", "  - id: \"1\"\n    name: Cits\naccounts:", 1), `:4: client.id: duplicate client "1"`},
		{"unknown field", strings.Replace(header, "currency: EUR", "currency: EUR\n    colour: red", 1), `:8: account.colour: unknown field`},
		{"key not PEM", header + "users:\n  - id: u\n    name: U\n    valid_until: 2030-01-01\n    keys: [notakey.txt]\n", `:14: user.keys: notakey.txt: not a PEM file`},
		{"key file missing", header + "users:\n  - id: u\n    name: U\n    valid_until: 2030-01-01\n    keys: [nosuch.pem]\n", `:14: user.keys: nosuch.pem:`},
		{"bad valid_until", header + "users:\n  - id: u\n    name: U\n    valid_until: 30.01.2030\n", `:13: user.valid_until: "30.01.2030" is not a date`},
		{"bad ip", header + "users:\n  - id: u\n    name: U\n    valid_until: 2030-01-01\n    ip_allow: [\"300.1.2.3\"]\n", `:14: user.ip_allow: "300.1.2.3" is not an IP address`},
		{"duplicate user", header + "users:\n  - id: u\n    name: U\n    valid_until: 2030-01-01\n  - id: u\n    name: V\n    valid_until: 2030-01-01\n", `:14: user.id: duplicate user "u"`},
	}
	b := testdb.Backends(t)[0]
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, b)
			dir := t.TempDir()
			os.WriteFile(filepath.Join(dir, "notakey.txt"), []byte("hello"), 0o600)
			file := filepath.Join(dir, "directory.yaml")
			if err := os.WriteFile(file, []byte(tt.yaml), 0o600); err != nil {
				t.Fatal(err)
			}
			r := e.mustRun(1, "directory", "apply", file)
			if !strings.Contains(r.stderr, file+tt.want) {
				t.Errorf("stderr = %q, want it to contain %q", r.stderr, file+tt.want)
			}
			var shown maksa.Directory
			e.runJSON(0, &shown, "directory", "show")
			if len(shown.Clients) != 0 || len(shown.Accounts) != 0 {
				t.Errorf("a refused file changed the directory: %+v", shown)
			}
		})
	}
}

// auditEnv is a home with two audit events: a directory applied and a
// file imported.
func auditEnv(t *testing.T, b testdb.Backend) *env {
	e := newEnv(t, b)
	e.mustRun(0, "directory", "apply", repo("testdata/import/directory.yaml"))
	e.mustRun(0, "import", "--user", "acc", repo("testdata/pain001/good-3.xml"))
	return e
}

// TestAuditAnchorShowsARemovedEnd: the anchor audit verify prints, given
// back with --anchor, shows that the newest event was deleted, which the
// chain alone cannot.
func TestAuditAnchorShowsARemovedEnd(t *testing.T) {
	for _, b := range testdb.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			e := auditEnv(t, b)
			var ok struct {
				OK     bool   `json:"ok"`
				Anchor string `json:"anchor"`
			}
			e.runJSON(0, &ok, "audit", "verify")
			if !ok.OK || !strings.HasPrefix(ok.Anchor, "2:") {
				t.Fatalf("audit verify = %+v, want ok with the anchor of event 2", ok)
			}
			e.mustRun(0, "audit", "verify", "--anchor", ok.Anchor)
			testdb.Exec(t, e.dsn, `DELETE FROM audit_events WHERE id = 2`)
			e.mustRun(0, "audit", "verify") // the chain alone cannot tell
			r := e.mustRun(1, "audit", "verify", "--anchor", ok.Anchor[:14])
			if !strings.Contains(r.stdout, "audit event 2:") || !strings.Contains(r.stdout, "ends at event 1") {
				t.Errorf("audit verify output %q does not say event 2 was removed from the end", r.stdout)
			}
			if r := e.run("audit", "verify", "--anchor", "2:xyz"); r.code != 2 || !strings.Contains(r.stderr, "EVENT-ID:HASH") {
				t.Errorf("a malformed anchor: exit %d, %q", r.code, r.stderr)
			}
		})
	}
}

func TestAuditVerifyDetectsEditedRow(t *testing.T) {
	for _, b := range testdb.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			e := auditEnv(t, b)
			var ok struct {
				OK      bool `json:"ok"`
				Checked int  `json:"checked"`
			}
			e.runJSON(0, &ok, "audit", "verify")
			if !ok.OK || ok.Checked != 2 {
				t.Fatalf("audit verify = %+v, want ok with 2 events", ok)
			}
			testdb.Exec(t, e.dsn, `UPDATE audit_events SET details = replace(details, '"accepted":3', '"accepted":2') WHERE id = 2`)
			r := e.mustRun(1, "audit", "verify")
			if !strings.Contains(r.stdout, "audit event 2:") || !strings.Contains(r.stdout, "altered") {
				t.Errorf("audit verify output %q does not name event 2 as altered", r.stdout)
			}
			var list []maksa.AuditEvent
			e.runJSON(0, &list, "audit", "list")
			if len(list) != 2 || list[0].Action != "directory.apply" || list[1].Action != "file.import" {
				t.Errorf("audit list = %+v", list)
			}
			if !strings.Contains(list[1].Actor, "MAKSA_NOW="+testNow) {
				t.Errorf("actor %q does not say the clock was set by MAKSA_NOW", list[1].Actor)
			}
		})
	}
}

// TestCommandsSayNo: a flag naming what does not exist, or a malformed
// date or amount, is a usage error (exit 2) that names the value and what
// is allowed.
func TestCommandsSayNo(t *testing.T) {
	e := newEnv(t, testdb.Backends(t)[0])
	e.mustRun(0, "directory", "apply", repo("testdata/demo/directory.yaml"))
	for _, tt := range []struct {
		args []string
		says string
	}{
		{[]string{"payments", "--status", "BOGUS"}, `"BOGUS" is no payment status: one of PDNG, ACCP, ACSC, RJCT, CANC`},
		{[]string{"payments", "--user", "nobody"}, `"nobody" is no user in the directory`},
		{[]string{"payments", "--from", "2026-13-40"}, `date "2026-13-40": month out of range`},
		{[]string{"payments", "--to", "2026-02-30"}, `date "2026-02-30": day out of range`},
		{[]string{"payments", "--min", "12,5x"}, `amount "12,5x" is not an amount`},
		{[]string{"batch", "run", "--date", "2026-1-5"}, `date "2026-1-5" is not a date: write it as YYYY-MM-DD`},
		{[]string{"sign", "--confirm-vop", "--user", "nobody", "--key", repo("testdata/demo/keys/janis.key"), "--all"}, `"nobody" is no user in the directory`},
		{[]string{"payments", "--account", "LV00NOPE"}, `--account "LV00NOPE" is no treasury account in the directory`},
		{[]string{"payments", "--batch", "-3"}, `--batch -3 is no batch id`},
		{[]string{"queue", "--user", "nobody"}, `--user "nobody" is no user in the directory`},
		{[]string{"queue", "--account", "LV00NOPE"}, `--account "LV00NOPE" is no treasury account`},
		{[]string{"reject", "--user", "nobody", "--payment", "1", "--reason", "x"}, `--user "nobody" is no user`},
		{[]string{"announce", "--account", "LV00NOPE", "--date", "2026-11-30", "--amount", "100", "--user", "anna"}, `--account "LV00NOPE" is no treasury account`},
		{[]string{"announce", "--account", "LV21TREL9160100000000", "--date", "2026-11-30", "--amount", "1e5x", "--user", "anna"}, `--amount "1e5x" is not an amount`},
		{[]string{"limits", "override", "--user", "nobody", "--account", "LV21TREL9160100000000", "--date", "2026-11-30"}, `--user "nobody" is no user`},
		{[]string{"release", "--client", "nobody", "--date", "2026-11-30"}, `--client "nobody" is no client in the directory`},
		{[]string{"template", "list", "--user", "nobody"}, `--user "nobody" is no user`},
		{[]string{"export", "statement", "--account", "LV21TREL9160100000000", "--from", "2026-11-31", "--to", "2026-11-30"}, `date "2026-11-31": day out of range`},
		{[]string{"export", "cash-orders", "--date", "2026-02-30"}, `date "2026-02-30": day out of range`},
		{[]string{"payments", "--vop", "MAYBE"}, `--vop "MAYBE" is no verification of payee outcome`},
		{[]string{"db", "copy"}, `db copy needs --to`},
		{[]string{"reject", "--user", "janis", "--batch", "99", "--reason", "x"}, `--batch 99: no such batch`},
	} {
		r := e.mustRun(2, tt.args...)
		if !strings.Contains(r.stderr, tt.says) {
			t.Errorf("maksa %v said %q, want %q", tt.args, r.stderr, tt.says)
		}
	}
}

// TestSignAllByExpiredUser: an expired user's sign --all does not print an
// empty table and succeed: it says the user may sign nothing (exit 1).
func TestSignAllByExpiredUser(t *testing.T) {
	e := newEnv(t, testdb.Backends(t)[0])
	e.mustRun(0, "directory", "apply", repo("testdata/demo/directory.yaml"))
	// A user in force with nothing to sign: exit 0, saying so.
	if r := e.mustRun(0, "sign", "--confirm-vop", "--user", "janis", "--key", repo("testdata/demo/keys/janis.key"), "--all"); !strings.Contains(r.stdout, "Nothing signed") {
		t.Errorf("sign --all with nothing to sign said %q", r.stdout)
	}
	for args, says := range map[string]string{"queue --user anna": "No payment awaits anna's signature.", "payments": "No payment matches.", "template list": "No templates."} {
		if r := e.mustRun(0, strings.Fields(args)...); !strings.Contains(r.stdout, says) {
			t.Errorf("maksa %s with nothing to show said %q, want %q", args, r.stdout, says)
		}
	}
	directory := filepath.Join(t.TempDir(), "directory.yaml")
	doc, _ := os.ReadFile(repo("testdata/demo/directory.yaml"))
	doc = []byte(strings.Replace(string(doc), "keys/", repo("testdata/demo/keys")+"/", -1))
	doc = []byte(strings.Replace(string(doc), "valid_until: 9999-12-31\n    ip_allow: [\"127.0.0.1\"]\n    keys:\n      - "+repo("testdata/demo/keys")+"/janis.pub",
		"valid_until: 2026-01-31\n    ip_allow: [\"127.0.0.1\"]\n    keys:\n      - "+repo("testdata/demo/keys")+"/janis.pub", 1))
	os.WriteFile(directory, doc, 0o644)
	e.mustRun(0, "directory", "apply", directory)
	r := e.mustRun(1, "sign", "--confirm-vop", "--user", "janis", "--key", repo("testdata/demo/keys/janis.key"), "--all")
	if !strings.Contains(r.stderr, "user janis is active, valid until 2026-01-31: may sign nothing on 2026-11-25") || strings.Contains(r.stderr, "input rejected") {
		t.Errorf("an expired user's sign --all said:\n%s", r.stderr)
	}
}
