package main_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"maksa"
	"maksa/internal/test/testdb"
	"maksa/internal/test/testgen"
	"maksa/nightly"
)

// consoleLogin logs user in to the web console the way the page's script
// does — a challenge signed as WebCrypto signs (ECDSA P-256 over SHA-256,
// r‖s) — from address from, and returns a client holding the session
// cookie, or the status the login was answered with.
func (e *apiEnv) consoleLogin(t *testing.T, user, from string) (*http.Client, int) {
	t.Helper()
	c := e.client("", from)
	c.Jar, _ = cookiejar.New(nil)
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	var ch struct{ Challenge string }
	body, _ := json.Marshal(map[string]string{"user": user})
	if code := e.call(t, c, "POST", "/ui/login/challenge", bytes.NewReader(body), map[string]string{"Content-Type": "application/json"}, &ch); code != 200 {
		t.Fatalf("challenge for %s: %d", user, code)
	}
	sig := webCryptoECDSA(t, e.keys[user], []byte(ch.Challenge))
	body, _ = json.Marshal(map[string]string{"user": user, "challenge": ch.Challenge, "signature": base64.StdEncoding.EncodeToString(sig)})
	var out map[string]string
	code := e.call(t, c, "POST", "/ui/login", bytes.NewReader(body), map[string]string{"Content-Type": "application/json"}, &out)
	return c, code
}

// webCryptoECDSA signs message as a browser's WebCrypto does with an ECDSA
// P-256 key: over its SHA-256, the signature r‖s.
func webCryptoECDSA(t *testing.T, key *ecdsa.PrivateKey, message []byte) []byte {
	t.Helper()
	if key == nil {
		return make([]byte, 64)
	}
	sum := sha256.Sum256(message)
	r, s, err := ecdsa.Sign(rand.Reader, key, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	out := make([]byte, 64)
	r.FillBytes(out[:32])
	s.FillBytes(out[32:])
	return out
}

// page gets a console page and returns its status and body.
func (e *apiEnv) page(t *testing.T, c *http.Client, method, path string, form url.Values) (int, string) {
	t.Helper()
	var body io.Reader
	header := map[string]string{}
	if form != nil {
		body, header["Content-Type"] = strings.NewReader(form.Encode()), "application/x-www-form-urlencoded"
	}
	var out []byte
	code := e.call(t, c, method, path, body, header, &out)
	return code, string(out)
}

var csrfField = regexp.MustCompile(`data-csrf="([0-9a-f]+)"`)

// TestConsoleRules: the console's routes keep the API's rules — no
// session, another's account, a form without its CSRF token, an address
// outside the allow-list, a blocked or expired user or certificate, a
// challenge used twice — on both databases.
func TestConsoleRules(t *testing.T) {
	for _, b := range testdb.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			e := newAPIEnv(t, b)
			anonymous := e.client("", "")
			anonymous.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
			if code, _ := e.page(t, anonymous, "GET", "/ui/queue", nil); code != http.StatusSeeOther {
				t.Errorf("the queue without a session: %d, want 303 to the login page", code)
			}
			if code, _ := e.page(t, anonymous, "POST", "/ui/refuse", url.Values{"ids": {"1"}, "reason": {"x"}}); code != http.StatusUnauthorized {
				t.Errorf("a refusal without a session: %d, want 401", code)
			}
			if code, body := e.page(t, anonymous, "GET", "/ui/login", nil); code != 200 || !strings.Contains(body, `id="keyfile"`) {
				t.Errorf("the login page: %d\n%s", code, body)
			}

			prep, code := e.consoleLogin(t, "prep", "")
			if code != 200 {
				t.Fatalf("prep's login: %d", code)
			}
			// An upload without the form's CSRF token is refused; with it, imported.
			upload := func(c *http.Client, csrf string) (int, string) {
				var buf bytes.Buffer
				mw := multipart.NewWriter(&buf)
				if csrf != "" {
					mw.WriteField("csrf", csrf)
				}
				fw, _ := mw.CreateFormFile("file", "console.xml")
				fw.Write(payFile(t, "CONSOLE-1", 3))
				mw.Close()
				var out []byte
				code := e.call(t, c, "POST", "/ui/files", &buf, map[string]string{"Content-Type": mw.FormDataContentType()}, &out)
				return code, string(out)
			}
			if code, _ := upload(prep, ""); code != http.StatusForbidden {
				t.Errorf("an upload without the CSRF token: %d, want 403", code)
			}
			_, queuePage := e.page(t, prep, "GET", "/ui/files", nil)
			m := csrfField.FindStringSubmatch(queuePage)
			if m == nil {
				t.Fatalf("no CSRF token on the files page:\n%s", queuePage)
			}
			if code, body := upload(prep, m[1]); code != http.StatusSeeOther {
				t.Fatalf("an upload with the CSRF token: %d\n%s", code, body)
			}
			if code, body := e.page(t, prep, "GET", "/ui/payments/1", nil); code != 200 || !strings.Contains(body, "PDNG") {
				t.Errorf("prep's own payment: %d\n%s", code, body)
			}
			if code, _ := e.page(t, prep, "GET", "/ui/statements/"+accountB+"/pdf?from=2026-11-25&to=2026-11-25", nil); code != http.StatusForbidden {
				t.Errorf("a statement of an account prep holds no mode on: %d, want 403", code)
			}
			if code, body := e.page(t, prep, "GET", "/ui/statements/"+accountA+"/pdf?from=2026-11-25&to=2026-11-25", nil); code != 200 || !strings.HasPrefix(body, "%PDF") {
				t.Errorf("prep's statement of %s: %d %.40q", accountA, code, body)
			}

			other, code := e.consoleLogin(t, "other", "")
			if code != 200 {
				t.Fatalf("other's login: %d", code)
			}
			if code, _ := e.page(t, other, "GET", "/ui/payments/1", nil); code != http.StatusNotFound {
				t.Errorf("a payment of another account: %d, want 404", code)
			}
			if _, body := e.page(t, other, "GET", "/ui/queue", nil); !strings.Contains(body, "No payment awaits") && !strings.Contains(body, "Nav maksājumu") {
				t.Errorf("other's queue shows account A's payments:\n%s", body)
			}
			// A form posted with another session's token is refused.
			if code, _ := e.page(t, other, "POST", "/ui/refuse", url.Values{"ids": {"1"}, "reason": {"x"}, "csrf": {m[1]}}); code != http.StatusForbidden {
				t.Errorf("a refusal with prep's CSRF token in other's session: %d, want 403", code)
			}

			// s1 may call from 127.0.0.0/30 only; blk is blocked, gone past
			// valid-until; old's certificate has expired; unknown is nobody.
			if _, code := e.consoleLogin(t, "s1", "127.0.0.5"); code != http.StatusForbidden {
				t.Errorf("s1 from outside the allow-list: %d, want 403", code)
			}
			for _, user := range []string{"blk", "gone"} {
				if _, code := e.consoleLogin(t, user, ""); code != http.StatusForbidden {
					t.Errorf("%s's login: %d, want 403", user, code)
				}
			}
			for _, user := range []string{"old", "unknown"} {
				if _, code := e.consoleLogin(t, user, ""); code != http.StatusUnauthorized {
					t.Errorf("%s's login: %d, want 401", user, code)
				}
			}
			// A challenge signed once opens one session.
			c := e.client("", "")
			var ch struct{ Challenge string }
			e.call(t, c, "POST", "/ui/login/challenge", strings.NewReader(`{"user":"s2"}`), nil, &ch)
			sig := base64.StdEncoding.EncodeToString(webCryptoECDSA(t, e.keys["s2"], []byte(ch.Challenge)))
			login := fmt.Sprintf(`{"user":"s2","challenge":%q,"signature":%q}`, ch.Challenge, sig)
			if code := e.call(t, c, "POST", "/ui/login", strings.NewReader(login), nil, nil); code != 200 {
				t.Errorf("s2's login: %d", code)
			}
			if code := e.call(t, c, "POST", "/ui/login", strings.NewReader(login), nil, nil); code != http.StatusUnauthorized {
				t.Errorf("the same challenge again: %d, want 401", code)
			}
			// Logged out, the cookie opens nothing.
			_, body := e.page(t, prep, "GET", "/ui/queue", nil)
			token := csrfField.FindStringSubmatch(body)[1]
			if code, _ := e.page(t, prep, "POST", "/ui/logout", url.Values{"csrf": {token}}); code != http.StatusSeeOther {
				t.Errorf("logout: %d", code)
			}
			if code, _ := e.page(t, prep, "GET", "/ui/queue", nil); code != http.StatusSeeOther {
				t.Errorf("the queue after logout: %d, want 303 to the login page", code)
			}
		})
	}
}

// TestConsoleOperator: the operator's page (maksa serve --operators) lists
// the nightly runs with their daily report to download, the payments held
// for an unannounced total, releases them, and verifies the audit chain;
// anyone else is refused it.
func TestConsoleOperator(t *testing.T) {
	e := newAPIEnv(t, testdb.Backends(t)[0], "--operators", "prep")
	// Payments above an unannounced 50 EUR a day wait for an operator.
	os.WriteFile(filepath.Join(e.home, "maksa.yaml"), []byte("announcement_threshold: \"50.00\"\n"), 0o600)
	file := filepath.Join(e.dir, "held.xml")
	os.WriteFile(file, payFile(t, "HELD-1", 3), 0o644)
	e.mustRun(0, "import", "--user", "prep", file)
	e.mustRun(0, "sign", "--confirm-vop", "--user", "s1", "--key", e.keyFile(t, "s1"), "--all")
	e.mustRun(0, "sign", "--confirm-vop", "--user", "s2", "--key", e.keyFile(t, "s2"), "--all")
	var sum nightly.Summary
	e.runJSON(0, &sum, "batch", "run", "--ahead", "--date", "2026-11-27")
	if sum.Held == 0 {
		t.Fatalf("nothing held: %+v", sum)
	}
	// A payment whose execution date maksa moved (a Saturday to the
	// Monday) carries a note too, and is not held.
	var moved bytes.Buffer
	if err := (testgen.Spec{Count: 1, MessageID: "MOVED-1", Seed: 4, Date: date(2026, 11, 28), DebtorIBANs: []string{accountA}, MaxAmount: 10}).WritePain001(&moved); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(e.dir, "moved.xml"), moved.Bytes(), 0o644)
	e.mustRun(0, "import", "--user", "prep", filepath.Join(e.dir, "moved.xml"))
	if n := testdb.Count(t, e.dsn, `SELECT COUNT(*) FROM payments WHERE note LIKE 'execution date moved%'`); n != 1 {
		t.Fatalf("%d payments with their date moved, want 1", n)
	}

	s1, _ := e.consoleLogin(t, "s1", "")
	if code, body := e.page(t, s1, "GET", "/ui/operator", nil); code != http.StatusForbidden || !strings.Contains(body, "AG08") {
		t.Errorf("a signer on the operator's page: %d\n%s", code, body)
	}
	if code, _ := e.page(t, s1, "GET", "/ui/queue", nil); code != 200 {
		t.Fatalf("s1's queue: %d", code)
	}
	_, body := e.page(t, s1, "GET", "/ui/queue", nil)
	csrf1 := csrfField.FindStringSubmatch(body)[1]
	if code, _ := e.page(t, s1, "POST", "/ui/operator/release", url.Values{"csrf": {csrf1}, "ids": {"1", "2", "3"}}); code != http.StatusForbidden {
		t.Errorf("a signer releasing: %d", code)
	}

	op, _ := e.consoleLogin(t, "prep", "")
	code, body := e.page(t, op, "GET", "/ui/operator", nil)
	if code != 200 || !strings.Contains(body, `href="/ui/operator/reports/2026-11-27/daily.xlsx"`) || strings.Count(body, `name="ids"`) != sum.Held {
		t.Fatalf("the operator's page: %d, want the night's daily report and %d held payments\n%s", code, sum.Held, body)
	}
	csrf := csrfField.FindStringSubmatch(body)[1]
	if code, _ := e.page(t, op, "POST", "/ui/operator/release", url.Values{"ids": {"1", "2", "3"}}); code != http.StatusForbidden {
		t.Errorf("a release without the CSRF token: %d", code)
	}
	var report []byte
	if code := e.call(t, op, "GET", "/ui/operator/reports/2026-11-27/daily.xlsx", nil, nil, &report); code != 200 || !bytes.HasPrefix(report, []byte("PK")) {
		t.Errorf("the daily report: %d, %d bytes", code, len(report))
	}
	for _, bad := range []string{"/ui/operator/reports/2026-11-27/..%2Fmaksa.db", "/ui/operator/reports/..%2F..%2Fmaksa.db/x", "/ui/operator/reports/2026-11-28/daily.xlsx"} {
		if code := e.call(t, op, "GET", bad, nil, nil, &report); code != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", bad, code)
		}
	}
	// (The test's client asks for no language: the console answers in Latvian.)
	code, body = e.page(t, op, "POST", "/ui/operator/release", url.Values{"csrf": {csrf}, "ids": {"1", "2", "3"}})
	if code != 200 || !strings.Contains(body, fmt.Sprintf("Atbrīvoti maksājumi: %d.", sum.Held)) || strings.Contains(body, `name="ids"`) {
		t.Errorf("the release: %d\n%s", code, body)
	}
	e.runJSON(0, &sum, "batch", "run", "--ahead", "--date", "2026-11-27")
	if sum.Executed == 0 || sum.Held != 0 {
		t.Errorf("the night after the release: %+v", sum)
	}
	code, body = e.page(t, op, "POST", "/ui/operator/verify", url.Values{"csrf": {csrf}})
	if code != 200 || !regexp.MustCompile(`Kārtībā: \d+ notikumi pārbaudīti\. Pierakstiet enkuru ārpus datubāzes: \d+:[0-9a-f]{64}`).MatchString(body) {
		t.Errorf("audit verify: %d\n%s", code, body)
	}
	var events []maksa.AuditEvent
	e.runJSON(0, &events, "audit", "list")
	if !slices.ContainsFunc(events, func(ev maksa.AuditEvent) bool {
		return ev.Action == "payments.release" && ev.Actor == "prep (console)"
	}) {
		t.Error("the release is not in the audit log in the operator's name")
	}
}

// TestConsoleSearch: the payments page filters as `maksa payments` does,
// and finds a name whatever the case of its letters, on both databases
// (SQLite's own lower() folds only ASCII).
func TestConsoleSearch(t *testing.T) {
	for _, b := range testdb.Backends(t) {
		t.Run(b.Name, func(t *testing.T) { consoleSearch(t, b) })
	}
}

func consoleSearch(t *testing.T, b testdb.Backend) {
	e := newAPIEnv(t, b)
	file := filepath.Join(e.dir, "search.xml")
	os.WriteFile(file, payFile(t, "SEARCH-1", 3), 0o644) // 10.00 to LV64…, 88.78 to LV65…, 47.29 to LV38…
	e.mustRun(0, "import", "--user", "prep", file)
	prep, _ := e.consoleLogin(t, "prep", "")
	for query, want := range map[string][]string{
		"min=20&max=50":                     {"3"},
		"min=10,00&max=10":                  {"1"},
		"iban=lv65+haba+0903+7567+2015+7":   {"2"},
		"creditor=%C5%BEagars":              {"2"},
		"text=%C5%BDAGARS":                  {"2"},
		"text=OZOLI%C5%85A":                 {"3"},
		"text=o%C5%BEoli%C5%86a":            {},
		"e2e=SEARCH-1-E2E-3":                {"3"},
		"batch=1&status=PDNG&direction=out": {"1", "2", "3"},
		"direction=in":                      {},
		"vop=NOAP&account=" + accountA:      {"1", "2", "3"},
		"vop=MTCH":                          {},
		"from=2026-11-28":                   {},
		"batch=one":                         {},
		"min=ten":                           {},
	} {
		code, body := e.page(t, prep, "GET", "/ui/payments?"+query, nil)
		var got []string
		for _, m := range regexp.MustCompile(`<a href="/ui/payments/(\d+)">`).FindAllStringSubmatch(body, -1) {
			got = append(got, m[1])
		}
		if code != 200 || !slices.Equal(got, want) && len(got)+len(want) > 0 {
			t.Errorf("?%s: %d, payments %v, want %v", query, code, got, want)
		}
		if strings.HasPrefix(query, "batch=one") || strings.HasPrefix(query, "min=ten") {
			if !strings.Contains(body, `class="error"`) {
				t.Errorf("?%s does not say what is wrong", query)
			}
		}
	}
}

// TestConsoleSignsAWholeQueue: a queue longer than the page lists (600
// payments, 500 shown) is signed whole as one set with "all", the payee
// outcomes to confirm are sampled with their count, and the page shows
// the totals.
func TestConsoleSignsAWholeQueue(t *testing.T) {
	e := newAPIEnv(t, testdb.Backends(t)[0])
	file := filepath.Join(e.dir, "big.xml")
	os.WriteFile(file, payFile(t, "BIG-1", 600), 0o644)
	e.mustRun(0, "import", "--user", "prep", file)
	s1, _ := e.consoleLogin(t, "s1", "")
	code, body := e.page(t, s1, "GET", "/ui/queue", nil)
	if code != 200 || strings.Count(body, `name="ids"`) != 500 || !strings.Contains(body, "500 no 600") || !strings.Contains(body, "600 maksājumi, kopā") {
		t.Fatalf("the queue of 600: %d, %d listed\n%.3000s", code, strings.Count(body, `name="ids"`), body)
	}
	csrf := csrfField.FindStringSubmatch(body)[1]
	header := map[string]string{"Content-Type": "application/json", "X-CSRF-Token": csrf}
	var set struct {
		List         string           `json:"list"`
		Message      string           `json:"message"`
		Count        int              `json:"count"`
		Confirm      []map[string]any `json:"confirm"`
		ConfirmCount int              `json:"confirm_count"`
	}
	if code := e.call(t, s1, "POST", "/ui/sign/prepare", strings.NewReader(`{"all": true, "account": "`+accountA+`"}`), header, &set); code != 200 {
		t.Fatalf("prepare all: %d", code)
	}
	if set.Count != 600 || len(set.Confirm) != 50 || set.ConfirmCount != 600 {
		t.Fatalf("the set of all: %d payments, %d of %d outcomes to confirm listed", set.Count, len(set.Confirm), set.ConfirmCount)
	}
	message, _ := base64.StdEncoding.DecodeString(set.Message)
	sign, _ := json.Marshal(map[string]any{"list": set.List, "signature": base64.StdEncoding.EncodeToString(webCryptoECDSA(t, e.keys["s1"], message)), "confirm_vop": true})
	var answer struct{ Signed int }
	if code := e.call(t, s1, "POST", "/ui/sign", bytes.NewReader(sign), header, &answer); code != 200 || answer.Signed != 600 {
		t.Fatalf("sign all: %d, %d signed", code, answer.Signed)
	}
	if _, body := e.page(t, s1, "GET", "/ui/queue", nil); !strings.Contains(body, `class="empty"`) {
		t.Errorf("the queue after signing all of it still lists payments")
	}
	prep, _ := e.consoleLogin(t, "prep", "")
	if code, body := e.page(t, prep, "GET", "/ui/files/1", nil); code != 200 || strings.Count(body, `<a href="/ui/payments/`) != 500 || !strings.Contains(body, "pirmie 500") {
		t.Errorf("the file of 600: %d, %d listed", code, strings.Count(body, `<a href="/ui/payments/`))
	}
	var answer002 []byte
	if code := e.call(t, prep, "GET", "/ui/files/1/pain002", nil, nil, &answer002); code != 200 || !bytes.Contains(answer002, []byte("<OrgnlNbOfTxs>600</OrgnlNbOfTxs>")) {
		t.Errorf("the file's answer: %d\n%.500s", code, answer002)
	}
}
