package main_test

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"maksa"
	"maksa/formats/pain001"
	"maksa/importer"
	"maksa/internal/test/testdb"
	"maksa/signing"
	"maksa/vop"
)

// The requesting treasury's accounts (bank code KASE): a municipality's
// (the debtor), a company's that is paid (a treasury account, verified
// locally) and an opted-out institution's. The responding treasury's are
// TREL accounts.
const (
	payeeDebtor  = "LV59KASE9160900000009"
	payeeKoks    = "LV32KASE9160900000010"
	payeeOptOut  = "LV05KASE9160900000011"
	payeeUnknown = "LV64TREL9160100000099" // at the responding treasury, no account
)

// TestVerificationOfPayee imports payments to the treasury's own accounts
// (verified against the directory) and to another treasury — a second
// "maksa serve" answering over mutual TLS, so that maksa's requester
// talks to maksa's responder — and follows the outcomes to the import's
// answer, the pain.002, the queue, the signatures that need confirming,
// correct-name, the history and the audit.
func TestVerificationOfPayee(t *testing.T) {
	for _, b := range testdb.Backends(t) {
		t.Run(b.Name, func(t *testing.T) { testVerificationOfPayee(t, b) })
	}
}

func testVerificationOfPayee(t *testing.T, b testdb.Backend) {
	dir := t.TempDir()
	write := func(name, data string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	// The responding treasury: accountA and accountB are held by "Klients";
	// it answers the PSPs whose certificates the PSP CA issued.
	psp := newCA(t, "PSP CA")
	bank := newAPIEnv(t, b, "--vop-peer-ca", write("psp-ca.crt", string(psp.pem)), "--vop-rate", "1000", "--vop-burst", "1000")
	pspCert, pspKey, pspTLS := psp.issue(t, "Requesting treasury", testTime.Add(24*time.Hour))
	write("psp.crt", string(pspCert))
	write("psp.key", string(pemKey(t, pspKey)))
	write("bank-ca.crt", string(bank.ca.pem))

	// The requesting treasury routes LV:TREL to the responding one.
	e := newEnv(t, b)
	write("routes.yaml", fmt.Sprintf("participants:\n  - {name: Responding treasury, bic: TRELLV22, banks: [\"LV:TREL\"], url: %q}\n", bank.base+vop.Path))
	os.WriteFile(filepath.Join(e.home, "maksa.yaml"), []byte(fmt.Sprintf("vop: {routes: %q, cert: %q, key: %q, ca: %q, timeout: 5s, parallel: 4}\n",
		filepath.Join(dir, "routes.yaml"), filepath.Join(dir, "psp.crt"), filepath.Join(dir, "psp.key"), filepath.Join(dir, "bank-ca.crt"))), 0o600)
	s1 := newSigner(t, dir, "s1", "ed25519", time.Time{}, time.Time{})
	big := `payment_limit: "1000000.00", daily_limit: "1000000.00"`
	e.mustRun(0, "directory", "apply", write("directory.yaml", `clients:
  - {id: m, name: "Rīgas pilsētas pašvaldība"}
  - {id: k, name: "SIA Koks", reg_no: "40003009497"}
  - {id: o, name: "Opt-out iestāde", vop_opt_out: true}
accounts:
  - {iban: `+payeeDebtor+`, client: m, currency: EUR, balance: "100000.00", signatures: 1}
  - {iban: `+payeeKoks+`, client: k, currency: EUR, balance: "0.00", signatures: 1}
  - {iban: `+payeeOptOut+`, client: o, currency: EUR, balance: "100000.00", signatures: 1}
users:
  - id: prep
    name: Prep
    valid_until: 2030-12-31
    grants: [{account: `+payeeDebtor+`, modes: [prepare], `+big+`}, {account: `+payeeOptOut+`, modes: [prepare], `+big+`}]
  - id: s1
    name: S1
    valid_until: 2030-12-31
    keys: [s1.pub]
    grants: [{account: `+payeeDebtor+`, modes: [sign1, sign4], `+big+`}, {account: `+payeeOptOut+`, modes: [sign1], `+big+`}]
`))

	if r := e.mustRun(0, "directory", "apply", filepath.Join(dir, "directory.yaml")); !strings.Contains(r.stderr, "s1 holds sign4 on "+payeeDebtor+"; payments need 1 to 3 signature levels, so sign4 lets nobody sign") {
		t.Errorf("directory apply does not explain sign4:\n%s", r.stderr)
	}
	if r := e.mustRun(0, "directory", "show"); !strings.Contains(r.stdout, "40003009497") || !strings.Contains(r.stdout, "opted out for files") {
		t.Errorf("directory show does not tell the registration number and the opt-out:\n%s", r.stdout)
	}

	type pay struct{ e2e, name, iban, id string }
	file := func(name, debtor string, payments ...pay) string {
		path := filepath.Join(dir, name)
		f, _ := os.Create(path)
		w := pain001.NewWriter(f, 3)
		n := len(payments)
		w.WriteHeader(&pain001.GroupHeader{MessageID: name, CreationTime: testTime, NbOfTxs: n, CtrlSum: decimal.NewFromInt(int64(10*n + n*(n+1)/2)), InitiatingParty: "Klients"})
		for i, p := range payments { // amounts differ: no payment is the same as another (AM05)
			w.Write(&maksa.Payment{PaymentInfoID: "B1", EndToEndID: p.e2e, DebtorIBAN: debtor, CreditorIBAN: p.iban, CreditorIsIBAN: true, CreditorName: p.name,
				Amount: decimal.NewFromInt(int64(11 + i)), Currency: "EUR", ExecutionDate: date(2026, 11, 27)})
		}
		w.Close()
		f.Close()
		// The writer writes no creditor id: the payer's registration
		// number of the payee goes in by hand.
		data, _ := os.ReadFile(path)
		for _, p := range payments {
			if p.id != "" {
				data = []byte(strings.Replace(string(data), "<Nm>"+p.name+"</Nm>", "<Nm>"+p.name+"</Nm><Id><OrgId><Othr><Id>"+p.id+"</Id></Othr></OrgId></Id>", 1))
			}
		}
		os.WriteFile(path, data, 0o600)
		return path
	}
	want := map[string]maksa.PayeeCheck{
		"T-MTCH":  {Result: maksa.PayeeMatch},
		"T-CMTC":  {Result: maksa.PayeeCloseMatch, Name: "SIA Koks"},
		"T-NMTC":  {Result: maksa.PayeeNoMatch},
		"T-ID":    {Result: maksa.PayeeMatch},
		"B-MTCH":  {Result: maksa.PayeeMatch},
		"B-CMTC":  {Result: maksa.PayeeCloseMatch, Name: "Klients"},
		"B-NMTC":  {Result: maksa.PayeeNoMatch},
		"B-NOAP":  {Result: maksa.PayeeNotPossible, Note: "the payee's bank could not verify the name"},
		"X-ROUTE": {Result: maksa.PayeeNotPossible, Note: "no VoP route to the payee's bank (LV)"},
	}
	path := file("payees.xml", payeeDebtor,
		pay{"T-MTCH", "SIA \"Koks\"", payeeKoks, ""}, pay{"T-CMTC", "Koks", payeeKoks, ""}, pay{"T-NMTC", "SIA Baltic Trade", payeeKoks, ""},
		pay{"T-ID", "Whoever", payeeKoks, "40003009497"},
		pay{"B-MTCH", "KLIENTS", accountA, ""}, pay{"B-CMTC", "Klientss", accountA, ""}, pay{"B-NMTC", "Cits Vārds", accountB, ""},
		pay{"B-NOAP", "Klients", payeeUnknown, ""}, pay{"X-ROUTE", "Jānis Bērziņš", "LV44HABA0551000000001", ""})

	// The import's answer: every payment's outcome, and the warnings.
	var results []importer.Result
	e.runJSON(0, &results, "import", "--user", "prep", path)
	ids := map[string]int64{}
	for _, p := range results[0].Payments {
		ids[p.EndToEndID] = p.PaymentID
		if p.Payee == nil || *p.Payee != want[p.EndToEndID] {
			t.Errorf("%s: vop %+v, want %+v", p.EndToEndID, p.Payee, want[p.EndToEndID])
		}
	}
	if c := results[0].PayeeCounts; c[maksa.PayeeMatch] != 3 || c[maksa.PayeeCloseMatch] != 2 || c[maksa.PayeeNoMatch] != 2 || c[maksa.PayeeNotPossible] != 2 || len(results[0].PayeeWarnings) != 6 {
		t.Errorf("counts %v, %d warnings", c, len(results[0].PayeeWarnings))
	}
	// The pain.002 tells each outcome a signer must confirm.
	report, err := os.ReadFile(results[0].Report)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"verification of payee CMTC: close match, the account is held by \u201cSIA Koks\u201d", "verification of payee NMTC", "NOAP: verification not possible (no VoP route"} {
		if !strings.Contains(string(report), s) {
			t.Errorf("the pain.002 does not say %q:\n%s", s, report)
		}
	}
	if strings.Contains(string(report), "<OrgnlEndToEndId>T-MTCH<") {
		t.Error("the pain.002 lists a payment whose payee matched")
	}
	checkReport(t, results[0].Report, results[0])

	// The queue shows it; signing without confirming signs the matches only.
	var queue []signing.QueueLine
	e.runJSON(0, &queue, "queue", "--user", "s1")
	for _, l := range queue {
		if l.Payee == nil || *l.Payee != want[l.EndToEndID] {
			t.Errorf("queue %s: vop %+v", l.EndToEndID, l.Payee)
		}
	}
	var outcomes []signing.Outcome
	e.runJSON(1, &outcomes, "sign", "--user", "s1", "--key", s1.key, "--all")
	for _, o := range outcomes {
		needs := want[o.EndToEndID].NeedsConfirmation()
		if o.Signed == needs {
			t.Errorf("%s signed %v without --confirm-vop", o.EndToEndID, o.Signed)
		}
		if needs && (len(o.Reasons) != 1 || !strings.Contains(o.Reasons[0].Message, "--confirm-vop")) {
			t.Errorf("%s refused with %+v", o.EndToEndID, o.Reasons)
		}
		if o.EndToEndID == "T-CMTC" && !strings.Contains(o.Reasons[0].Message, "SIA Koks") {
			t.Errorf("the refusal of a close match does not name the registered name: %s", o.Reasons[0].Message)
		}
	}

	// A close match can take the registered name before anyone signs it.
	r := e.mustRun(0, "payments", "correct-name", fmt.Sprint(ids["T-CMTC"]), "--user", "prep")
	if !strings.Contains(r.stdout, `"SIA Koks"`) {
		t.Errorf("correct-name: %s", r.stdout)
	}
	e.mustRun(1, "payments", "correct-name", fmt.Sprint(ids["T-NMTC"]), "--user", "prep") // no close match
	e.mustRun(2, "payments", "correct-name", fmt.Sprint(ids["B-CMTC"]), "--user", "nobody")
	var shown struct {
		Payment shownPayment `json:"payment"`
	}
	e.runJSON(0, &shown, "payments", "show", fmt.Sprint(ids["T-CMTC"]))
	if shown.Payment.CreditorName != "SIA Koks" || shown.Payment.Payee == nil || shown.Payment.Payee.Result != maksa.PayeeMatch {
		t.Errorf("after correct-name: %+v", shown.Payment)
	}

	// Confirming signs the rest; the confirmation is in the history and the audit.
	e.runJSON(0, &outcomes, "sign", "--confirm-vop", "--user", "s1", "--key", s1.key, "--all")
	if len(outcomes) != 6 { // T-CMTC (corrected: a match now), T-NMTC, B-CMTC, B-NMTC, B-NOAP, X-ROUTE
		t.Errorf("--confirm-vop signed %d payments: %+v", len(outcomes), outcomes)
	}
	e.mustRun(1, "payments", "correct-name", fmt.Sprint(ids["B-CMTC"]), "--user", "prep") // signed: too late
	r = e.mustRun(0, "payments", "show", fmt.Sprint(ids["B-NMTC"]))
	for _, s := range []string{"Verification of payee  NMTC: the name does not match the account holder", "confirming verification of payee NMTC"} {
		if !strings.Contains(r.stdout, s) {
			t.Errorf("payments show does not say %q:\n%s", s, r.stdout)
		}
	}
	if r := e.mustRun(0, "--json", "audit", "list"); !strings.Contains(r.stdout, `\"vop_confirmed\":\"NMTC\"`) {
		t.Errorf("the audit does not record the confirmation:\n%s", r.stdout)
	}

	// Search by outcome; a wrong outcome is a usage error.
	var found []shownPayment
	e.runJSON(0, &found, "payments", "--vop", "NOAP")
	if len(found) != 2 || found[0].Signatures == nil || found[0].Signatures.Done != 1 || found[0].Signatures.Required != 1 {
		t.Errorf("payments --vop NOAP: %d, the first with signatures %+v (want 1 of 1)", len(found), found[0].Signatures)
	}
	e.mustRun(2, "payments", "--vop", "MAYBE")

	// A client that opted out: a file of many payments is not checked, a
	// single payment is.
	results = nil
	e.runJSON(0, &results, "import", "--user", "prep", file("optout-2.xml", payeeOptOut, pay{"O-1", "Koks", payeeKoks, ""}, pay{"O-2", "Koks", payeeKoks, ""}))
	for _, p := range results[0].Payments {
		if p.Payee == nil || p.Payee.Result != maksa.PayeeOptedOut {
			t.Errorf("opted out, many payments: %s vop %+v", p.EndToEndID, p.Payee)
		}
	}
	results = nil
	e.runJSON(0, &results, "import", "--user", "prep", file("optout-1.xml", payeeOptOut, pay{"O-3", "Koks", payeeKoks, ""}))
	if p := results[0].Payments[0]; p.Payee == nil || p.Payee.Result != maksa.PayeeCloseMatch || results[0].PayeeCounts[maksa.PayeeOptedOut] != 0 {
		t.Errorf("opted out, one payment: vop %+v, counts %v", p.Payee, results[0].PayeeCounts)
	}

	// A payment from a template is verified as a file's: the table tells it.
	e.mustRun(0, "template", "add", "--user", "prep", "--file", write("koks.yaml",
		"client: m\nname: koks\naccount: "+payeeDebtor+"\ncreditor_name: Koks\ncreditor_iban: "+payeeKoks+"\nremittance: Rēķins 7\n"))
	r = e.mustRun(0, "pay", "--user", "prep", "--template", "koks", "--amount", "7.00", "--date", "2026-11-27")
	for _, s := range []string{"Verification of payee in", "1 CMTC", "CMTC: close match, the account is held by \u201cSIA Koks\u201d", "--confirm-vop"} {
		if !strings.Contains(r.stdout, s) {
			t.Errorf("pay does not tell %q:\n%s", s, r.stdout)
		}
	}

	// The responder: bad requests are 400, a user's certificate is no PSP's.
	roots := bank.client("", "").Transport.(*http.Transport).TLSClientConfig.RootCAs
	pspClient := bankClient(roots, pspTLS)
	for body, code := range map[string]int{
		`{"partyAccount": {"iban": "LV00XXXX"}, "partyName": "Klients"}`:    400,
		`{"partyAccount": {"iban": "` + accountA + `"}, "partyName": "  "}`: 400,
		`not json`: 400,
		`{"partyAccount": {"iban": "` + accountA + `"}, "partyName": "Klients"}`: 200,
	} {
		if got := post(t, pspClient, bank.base+vop.Path, body); got != code {
			t.Errorf("responder answered %d to %s, want %d", got, body, code)
		}
	}
	if got := post(t, bank.client("s1", ""), bank.base+vop.Path, `{"partyAccount": {"iban": "`+accountA+`"}, "partyName": "Klients"}`); got != 403 {
		t.Errorf("a user's certificate got %d from the VoP responder, want 403", got)
	}
	metrics := bank.scrape(t)
	for _, s := range []string{`maksa_vop_responses_total{outcome="MTCH"}`, `maksa_vop_responses_total{outcome="CMTC"} 1`, `maksa_vop_responses_total{outcome="invalid"} 3`, `maksa_vop_responses_total{outcome="refused"} 1`} {
		if !strings.Contains(metrics, s) {
			t.Errorf("/metrics lacks %s:\n%s", s, metrics)
		}
	}
}

func post(t *testing.T, c *http.Client, url, body string) int {
	t.Helper()
	resp, err := c.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var v map[string]any
	json.NewDecoder(resp.Body).Decode(&v)
	return resp.StatusCode
}

// pemKey is a private key as PKCS#8 PEM.
func pemKey(t *testing.T, key *ecdsa.PrivateKey) []byte {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
}

// bankClient is a PSP's client of another treasury's VoP service.
func bankClient(roots *x509.CertPool, cert tls.Certificate) *http.Client {
	cfg := &tls.Config{RootCAs: roots, Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12, Time: func() time.Time { return testTime }}
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: cfg}}
}

// shownPayment is what payments --json and payments show --json say of a
// payment's creditor and verification.
type shownPayment struct {
	CreditorName string                        `json:"creditor_name"`
	Payee        *maksa.PayeeCheck             `json:"vop"`
	Signatures   *struct{ Done, Required int } `json:"signatures"`
}

// TestAPIVerificationOfPayee: over the API the upload answers each
// payment's verification, a payment shows it, and a signature of a payment
// whose payee could not be verified needs confirm_vop.
func TestAPIVerificationOfPayee(t *testing.T) {
	e := newAPIEnv(t, testdb.Backend{Name: "sqlite", DSN: testdb.SQLite})
	var up struct {
		Result importer.Result
	}
	if code := e.call(t, e.client("prep", ""), "POST", "/v1/files?name=vop.xml", bytes.NewReader(payFile(t, "API-VOP", 1)), nil, &up); code != 200 {
		t.Fatalf("upload: %d", code)
	}
	p := up.Result.Payments[0]
	if p.Payee == nil || p.Payee.Result != maksa.PayeeNotPossible { // the test's serve asks no other bank
		t.Fatalf("upload answers vop %+v, want NOAP", p.Payee)
	}
	var shown struct {
		Payment map[string]any `json:"payment"`
	}
	e.call(t, e.client("prep", ""), "GET", fmt.Sprintf("/v1/payments/%d", p.PaymentID), nil, nil, &shown)
	if vop, _ := shown.Payment["vop"].(map[string]any); vop["result"] != "NOAP" || shown.Payment["kind"] != "sepa" || fmt.Sprint(shown.Payment["signatures"]) != "map[done:0 required:2]" {
		t.Errorf("GET payment: %v", shown.Payment)
	}
	var d struct{ Digest string }
	c := e.client("s1", "")
	e.call(t, c, "GET", fmt.Sprintf("/v1/payments/%d/digest", p.PaymentID), nil, nil, &d)
	digest, _ := hex.DecodeString(d.Digest)
	sig, _ := signing.Sign(crypto.Signer(e.keys["s1"]), digest)
	var out signing.Outcome
	body, _ := json.Marshal(map[string]any{"signature": base64.StdEncoding.EncodeToString(sig)})
	if code := e.call(t, c, "POST", fmt.Sprintf("/v1/payments/%d/signatures", p.PaymentID), bytes.NewReader(body), nil, &out); code != 422 ||
		len(out.Reasons) != 1 || !strings.Contains(out.Reasons[0].Message, "confirm_vop") {
		t.Errorf("a signature without confirm_vop: %d %+v", code, out)
	}
	body, _ = json.Marshal(map[string]any{"signature": base64.StdEncoding.EncodeToString(sig), "confirm_vop": true})
	if code := e.call(t, c, "POST", fmt.Sprintf("/v1/payments/%d/signatures", p.PaymentID), bytes.NewReader(body), nil, &out); code != 200 || !out.Signed {
		t.Errorf("a signature with confirm_vop: %d %+v", code, out)
	}
}
