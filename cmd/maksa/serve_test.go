package main_test

import (
	"bufio"
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"maksa/internal/test/testdb"
	"maksa/internal/test/testgen"
	"maksa/internal/test/xsdcheck"
	"maksa/signing"
)

// pki is a test certificate authority.
type pki struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pem  []byte
}

func newCA(t *testing.T, name string) *pki {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name}, NotBefore: testTime.Add(-96 * time.Hour),
		NotAfter: testTime.Add(24 * time.Hour), IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	return &pki{cert: cert, key: key, pem: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}
}

// issue makes a certificate for a client (or, with ips, the server).
func (ca *pki) issue(t *testing.T, name string, notAfter time.Time, ips ...string) (certPEM []byte, key *ecdsa.PrivateKey, tc tls.Certificate) {
	key, _ = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl := &x509.Certificate{SerialNumber: serial, Subject: pkix.Name{CommonName: name},
		NotBefore: testTime.Add(-72 * time.Hour), NotAfter: notAfter, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth, x509.ExtKeyUsageServerAuth}}
	for _, ip := range ips {
		tmpl.IPAddresses = append(tmpl.IPAddresses, net.ParseIP(ip))
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, key.Public(), ca.key)
	if err != nil {
		t.Fatal(err)
	}
	certPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	kder, _ := x509.MarshalPKCS8PrivateKey(key)
	tc, err = tls.X509KeyPair(certPEM, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}))
	if err != nil {
		t.Fatal(err)
	}
	return certPEM, key, tc
}

// apiEnv is a running "maksa serve" with its users' client certificates.
type apiEnv struct {
	*env
	base    string
	ca      *pki
	clients map[string]tls.Certificate
	keys    map[string]*ecdsa.PrivateKey
	server  *exec.Cmd
	stderr  *syncBuffer
	dir     string // directory.yaml and the certificates
	metrics string // the URL of /metrics, on the address --metrics-addr gave
}

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func newAPIEnv(t *testing.T, b testdb.Backend, extra ...string) *apiEnv {
	t.Helper()
	e := &apiEnv{env: newEnv(t, b), ca: newCA(t, "maksa test CA"), clients: map[string]tls.Certificate{}, keys: map[string]*ecdsa.PrivateKey{}}
	dir := t.TempDir()
	e.dir = dir
	write := func(name string, data []byte) string {
		path := filepath.Join(dir, name)
		os.WriteFile(path, data, 0o600)
		return path
	}
	valid := testTime.Add(24 * time.Hour)
	for _, user := range []string{"prep", "s1", "s2", "far", "blk", "gone", "other"} {
		certPEM, key, tc := e.ca.issue(t, user, valid)
		write(user+".crt", certPEM)
		e.clients[user], e.keys[user] = tc, key
	}
	expiredPEM, _, expired := e.ca.issue(t, "old", testTime.Add(-time.Hour))
	write("old.crt", expiredPEM)
	e.clients["old"] = expired
	_, _, e.clients["unknown"] = e.ca.issue(t, "unknown", valid)
	_, _, e.clients["rogue"] = newCA(t, "another CA").issue(t, "prep", valid)
	user := func(id, modes, ip string) string {
		return fmt.Sprintf("  - id: %s\n    name: %s\n    valid_until: 2030-12-31\n    ip_allow: [%q]\n    keys: [%s.crt]\n    grants:\n      - {account: %s, modes: [%s], payment_limit: \"1000000.00\", daily_limit: \"1000000.00\"}\n", id, id, ip, id, accountA, modes)
	}
	doc := "clients: [{id: \"1\", name: Klients}]\naccounts:\n  - {iban: " + accountA + ", client: \"1\", currency: EUR, balance: \"100000.00\", signatures: 2}\n" +
		"  - {iban: " + accountB + ", client: \"1\", currency: EUR, balance: \"100.00\", signatures: 1}\nusers:\n" +
		strings.Replace(user("other", "sign1", "127.0.0.1"), "account: "+accountA, "account: "+accountB, 1) +
		user("prep", "prepare, view_all", "127.0.0.1") + user("s1", "sign1", "127.0.0.0/30") + user("s2", "sign2", "127.0.0.1") +
		user("far", "prepare", "127.0.0.1") + user("old", "prepare", "127.0.0.1") +
		strings.Replace(user("blk", "prepare", "127.0.0.1"), "valid_until", "status: blocked\n    valid_until", 1) +
		strings.Replace(user("gone", "prepare", "127.0.0.1"), "valid_until: 2030-12-31", "valid_until: 2026-01-31", 1)
	e.mustRun(0, "directory", "apply", write("directory.yaml", []byte(doc)))
	serverPEM, serverKey, _ := e.ca.issue(t, "maksa", valid, "127.0.0.1")
	kder, _ := x509.MarshalPKCS8PrivateKey(serverKey)
	args := append([]string{"--home", e.home, "--db", e.dsn, "serve", "--addr", "127.0.0.1:0", "--cert", write("server.crt", serverPEM),
		"--key", write("server.key", pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder})), "--client-ca", write("ca.crt", e.ca.pem),
		"--metrics-addr", "127.0.0.1:0"}, extra...)
	e.server, e.stderr, e.base = e.serve(t, args...)
	if m := regexp.MustCompile(`msg="serving metrics" .*addr=(\S+)`).FindStringSubmatch(e.stderr.String()); m != nil {
		e.metrics = "http://" + m[1] + "/metrics"
	}
	return e
}

// scrape reads /metrics as Prometheus would, from the metrics address.
func (e *apiEnv) scrape(t *testing.T) string {
	t.Helper()
	resp, err := http.Get(e.metrics)
	if err != nil {
		t.Fatalf("scraping %q: %v", e.metrics, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s", e.metrics, resp.StatusCode, data)
	}
	return string(data)
}

// serve starts `maksa serve` with args on the env's business clock and
// returns it, its log and its https address once it listens; the test's
// end stops it.
func (e *env) serve(t *testing.T, args ...string) (*exec.Cmd, *syncBuffer, string) {
	t.Helper()
	server := exec.Command(binary, args...)
	server.Env = append(os.Environ(), "MAKSA_NOW="+e.now)
	stderr := &syncBuffer{}
	pr, pw := io.Pipe()
	server.Stderr = io.MultiWriter(stderr, pw)
	if err := server.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		server.Process.Signal(syscall.SIGTERM)
		server.Wait()
	})
	found := make(chan string, 1)
	go func() {
		re := regexp.MustCompile(`msg=serving .*addr=(\S+)`)
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				found <- m[1]
			}
		}
	}()
	select {
	case addr := <-found:
		return server, stderr, "https://" + addr
	case <-time.After(10 * time.Second):
		t.Fatalf("maksa serve did not start:\n%s", stderr.String())
	}
	return nil, nil, ""
}

// client returns an HTTP client presenting the user's certificate (none for
// ""), connecting from the given loopback address.
func (e *apiEnv) client(user, from string) *http.Client {
	roots := x509.NewCertPool()
	roots.AddCert(e.ca.cert)
	cfg := &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12, Time: func() time.Time { return testTime }}
	if user != "" {
		cfg.Certificates = []tls.Certificate{e.clients[user]}
	}
	dialer := &net.Dialer{Timeout: 5 * time.Second}
	if from != "" {
		dialer.LocalAddr = &net.TCPAddr{IP: net.ParseIP(from)}
	}
	return &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{TLSClientConfig: cfg, DialContext: dialer.DialContext}}
}

// call makes a request and decodes a JSON answer into out (when not nil).
func (e *apiEnv) call(t *testing.T, c *http.Client, method, path string, body io.Reader, header map[string]string, out any) int {
	t.Helper()
	req, _ := http.NewRequest(method, e.base+path, body)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := c.Do(req)
	if err != nil {
		return -1
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if out != nil {
		if b, ok := out.(*[]byte); ok {
			*b = data
		} else if err := json.Unmarshal(data, out); err != nil {
			t.Fatalf("%s %s: %d, not JSON: %s", method, path, resp.StatusCode, data)
		}
	}
	return resp.StatusCode
}

func payFile(t *testing.T, msgID string, n int) []byte {
	var buf bytes.Buffer
	if err := (testgen.Spec{Count: n, MessageID: msgID, Seed: 3, Date: date(2026, 11, 27), DebtorIBANs: []string{accountA}, MaxAmount: 10000}).WritePain001(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// signOverAPI fetches a payment's digest and posts the user's signature.
func (e *apiEnv) signOverAPI(t *testing.T, user string, id int64) int {
	c := e.client(user, "")
	var d struct{ Digest string }
	if code := e.call(t, c, "GET", fmt.Sprintf("/v1/payments/%d/digest", id), nil, nil, &d); code != 200 {
		t.Fatalf("%s digest of %d: %d", user, id, code)
	}
	digest, _ := hex.DecodeString(d.Digest)
	sig, err := signing.Sign(crypto.Signer(e.keys[user]), digest)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(map[string]any{"signature": base64.StdEncoding.EncodeToString(sig), "confirm_vop": true})
	var out signing.Outcome
	code := e.call(t, c, "POST", fmt.Sprintf("/v1/payments/%d/signatures", id), bytes.NewReader(body), nil, &out)
	if code == 200 && !out.Signed {
		t.Errorf("signature by %s accepted with 200 but not signed: %+v", user, out)
	}
	return code
}

func TestAPIFlow(t *testing.T) {
	for _, b := range testdb.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			e := newAPIEnv(t, b)
			prep := e.client("prep", "")
			var up struct {
				Result struct {
					BatchID  int64 `json:"batch_id"`
					Status   string
					Accepted int
					Payments []struct {
						PaymentID int64 `json:"payment_id"`
					}
				}
				StatusURL string `json:"status_url"`
			}
			if code := e.call(t, prep, "POST", "/v1/files?name=pay.xml", bytes.NewReader(payFile(t, "API-1", 3)), nil, &up); code != 200 || up.Result.Accepted != 3 {
				t.Fatalf("upload: %d %+v", code, up)
			}
			var status struct{ Status string }
			e.call(t, prep, "GET", up.StatusURL, nil, nil, &status)
			var report []byte
			e.call(t, prep, "GET", up.StatusURL, nil, map[string]string{"Accept": "application/xml"}, &report)
			path := filepath.Join(t.TempDir(), "status.xml")
			os.WriteFile(path, report, 0o600)
			xsdcheck.Validate(t, path, "pain.002.001.03.xsd")
			if status.Status != "ACTC" {
				t.Errorf("status %q", status.Status)
			}
			var queue []signing.QueueLine
			e.call(t, e.client("s1", ""), "GET", "/v1/queue", nil, nil, &queue)
			if len(queue) != 3 {
				t.Fatalf("s1's queue has %d payments", len(queue))
			}
			for _, p := range up.Result.Payments {
				if c := e.signOverAPI(t, "s1", p.PaymentID); c != 200 {
					t.Fatalf("s1 signs %d: %d", p.PaymentID, c)
				}
				if c := e.signOverAPI(t, "s1", p.PaymentID); c != 422 {
					t.Errorf("s1 signs %d again: %d, want 422 (DS26)", p.PaymentID, c)
				}
				if c := e.signOverAPI(t, "s2", p.PaymentID); c != 200 {
					t.Fatalf("s2 signs %d: %d", p.PaymentID, c)
				}
			}
			e.call(t, prep, "GET", up.StatusURL, nil, nil, &status)
			if status.Status != "ACCP" {
				t.Errorf("after both signatures the batch is %q, want ACCP", status.Status)
			}
			e.mustRun(0, "batch", "run", "--ahead", "--date", batchDay)
			var stmt []byte
			if code := e.call(t, prep, "GET", "/v1/statements/"+accountA+"?from=2026-11-27&to=2026-11-27", nil, nil, &stmt); code != 200 {
				t.Fatalf("statement: %d %s", code, stmt)
			}
			path = filepath.Join(t.TempDir(), "stmt.xml")
			os.WriteFile(path, stmt, 0o600)
			readStatement(t, path)
			var pdf []byte
			if code := e.call(t, prep, "GET", "/v1/statements/"+accountA+"?from=2026-11-27&to=2026-11-27&format=pdf", nil, nil, &pdf); code != 200 || !bytes.HasPrefix(pdf, []byte("%PDF")) {
				t.Errorf("PDF statement: %d", code)
			}
			if code := e.call(t, e.client("s2", ""), "GET", "/v1/statements/"+accountA+"?from=2026-11-27&to=2026-11-27", nil, nil, nil); code != 403 {
				t.Errorf("a signer without a view mode got the statement: %d", code)
			}
			var payments []map[string]any
			e.call(t, prep, "GET", "/v1/payments?status=ACSC", nil, nil, &payments)
			if len(payments) != 3 {
				t.Errorf("%d executed payments, want 3", len(payments))
			}
			metrics := e.scrape(t)
			if !strings.Contains(metrics, `maksa_payments{status="ACSC"} 3`) || !strings.Contains(metrics, "maksa_http_request_duration_seconds_count") ||
				!strings.Contains(metrics, "go_goroutines") || !strings.Contains(metrics, "process_resident_memory_bytes") {
				t.Errorf("metrics:\n%s", metrics)
			}
			// The API's own address does not answer /metrics, to anyone:
			// a scrape counts every stored payment.
			for _, c := range []*http.Client{e.client("", ""), prep} {
				if code := e.call(t, c, "GET", "/metrics", nil, nil, nil); code != 404 && code != 401 {
					t.Errorf("GET /metrics on the API's address: %d, want 404 (or 401 without a certificate)", code)
				}
			}
			if n := testdb.Count(t, e.dsn, `SELECT COUNT(*) FROM audit_events WHERE action = 'api.request'`); n < 10 {
				t.Errorf("only %d API requests in the audit log", n)
			}
			e.mustRun(0, "audit", "verify")
		})
	}
}

func TestAPIRefusals(t *testing.T) {
	for _, b := range testdb.Backends(t) {
		t.Run(b.Name, func(t *testing.T) { testAPIRefusals(t, b) })
	}
}

func testAPIRefusals(t *testing.T, b testdb.Backend) {
	e := newAPIEnv(t, b, "--idle", "1s", "--max-upload", "4000")
	get := func(user, from string, header map[string]string) int {
		return e.call(t, e.client(user, from), "GET", "/v1/queue", nil, header, nil)
	}
	// A client does not even present a certificate the server's CA did not
	// issue; if it did, the handshake would fail.
	if code := get("rogue", "", nil); code != -1 && code != 401 {
		t.Errorf("a certificate from another CA: %d, want a refused handshake or 401", code)
	}
	if code := get("old", "", nil); code != -1 {
		t.Errorf("an expired certificate: %d, want a refused handshake", code)
	}
	if code := get("unknown", "", nil); code != 401 {
		t.Errorf("a certificate of no user: %d, want 401", code)
	}
	if code := get("", "", nil); code != 401 {
		t.Errorf("no certificate, no token: %d, want 401", code)
	}
	if code := get("far", "127.0.0.2", nil); code != 403 {
		t.Errorf("from an address outside the allow-list: %d, want 403", code)
	}
	if code := get("blk", "", nil); code != 403 {
		t.Errorf("a blocked user: %d, want 403", code)
	}
	if code := get("gone", "", nil); code != 403 {
		t.Errorf("a user past valid-until: %d, want 403", code)
	}
	if code := get("s1", "127.0.0.2", nil); code != 200 {
		t.Errorf("from an address inside the allow-list range: %d, want 200", code)
	}
	var sess struct{ Token string }
	if code := e.call(t, e.client("prep", ""), "POST", "/v1/session", nil, nil, &sess); code != 201 || sess.Token == "" {
		t.Fatalf("session: %d", code)
	}
	bearer := map[string]string{"Authorization": "Bearer " + sess.Token}
	if code := get("", "", bearer); code != 200 {
		t.Errorf("a fresh token: %d", code)
	}
	time.Sleep(1500 * time.Millisecond)
	if code := get("", "", bearer); code != 401 {
		t.Errorf("a token idle past the timeout: %d, want 401", code)
	}
	if code := e.call(t, e.client("prep", ""), "POST", "/v1/files?name=big.xml", bytes.NewReader(payFile(t, "BIG", 30)), nil, nil); code != 413 {
		t.Errorf("an oversize upload: %d, want 413", code)
	}
	file := payFile(t, "DUP", 2)
	var first, second struct {
		Result struct{ Problems []struct{ Code string } }
	}
	e.call(t, e.client("prep", ""), "POST", "/v1/files?name=dup.xml", bytes.NewReader(file), nil, &first)
	if code := e.call(t, e.client("prep", ""), "POST", "/v1/files?name=dup.xml", bytes.NewReader(file), nil, &second); code != 422 || len(second.Result.Problems) == 0 || second.Result.Problems[0].Code != "DU01" {
		t.Errorf("a duplicate upload: %d %+v", code, second)
	}
	if n := testdb.Count(t, e.dsn, `SELECT COUNT(*) FROM batches`); n != 1 {
		t.Errorf("%d batches after a file and its duplicate", n)
	}
	if strings.Contains(e.stderr.String(), "panic") {
		t.Errorf("the server panicked:\n%s", e.stderr.String())
	}
}

// TestAPILoad uploads 40 files, each twice, with at most 8 requests at a
// time: every file is stored exactly once.
func TestAPILoad(t *testing.T) {
	for _, b := range testdb.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			e := newAPIEnv(t, b, "--rate", "1000", "--burst", "1000")
			c := e.client("prep", "")
			sem := make(chan struct{}, 8)
			var wg sync.WaitGroup
			var mu sync.Mutex
			codes := map[int]int{}
			for i := 0; i < 80; i++ {
				wg.Add(1)
				go func(i int) {
					defer wg.Done()
					sem <- struct{}{}
					defer func() { <-sem }()
					code := e.call(t, c, "POST", fmt.Sprintf("/v1/files?name=f%d.xml", i%40), bytes.NewReader(payFile(t, fmt.Sprintf("L%d", i%40), 2)), nil, nil)
					mu.Lock()
					codes[code]++
					mu.Unlock()
				}(i)
			}
			wg.Wait()
			if codes[200] != 40 || codes[422] != 40 {
				t.Errorf("answers %v, want 40 stored (200) and 40 duplicates (422)", codes)
			}
			if n := testdb.Count(t, e.dsn, `SELECT COUNT(*) FROM batches`); n != 40 {
				t.Errorf("%d batches, want 40", n)
			}
		})
	}
}

// TestAPINoOracle: the signing endpoint answers a payment the caller may
// not see exactly as one that does not exist, whatever the body — it tells
// nobody which payments exist or what they are.
func TestAPINoOracle(t *testing.T) {
	for _, b := range testdb.Backends(t) {
		t.Run(b.Name, func(t *testing.T) { testNoOracle(t, newAPIEnv(t, b)) })
	}
}

func testNoOracle(t *testing.T, e *apiEnv) {
	var up struct {
		Result struct {
			Payments []struct {
				PaymentID int64 `json:"payment_id"`
			}
		}
	}
	if code := e.call(t, e.client("prep", ""), "POST", "/v1/files?name=pay.xml", bytes.NewReader(payFile(t, "ORACLE", 1)), nil, &up); code != 200 || len(up.Result.Payments) != 1 {
		t.Fatalf("upload: %d %+v", code, up)
	}
	other := e.client("other", "") // signs on another account only
	answer := func(id int64, body string) (int, string) {
		var out []byte
		code := e.call(t, other, "POST", fmt.Sprintf("/v1/payments/%d/signatures", id), strings.NewReader(body), nil, &out)
		return code, string(out)
	}
	existing, missing := up.Result.Payments[0].PaymentID, int64(987654)
	for _, body := range []string{`{"signature": "AAAA"}`, `not json`, ``} {
		c1, b1 := answer(existing, body)
		c2, b2 := answer(missing, body)
		if c1 != 404 || c1 != c2 || b1 != b2 {
			t.Errorf("body %q: a payment of another account answers %d %s, a missing one %d %s", body, c1, b1, c2, b2)
		}
		if strings.Contains(b1, "ORACLE") {
			t.Errorf("the answer tells the payment's end-to-end id: %s", b1)
		}
	}
}

// TestAPIUploadNames: an upload whose name holds control characters is
// refused, as the watcher refuses such a file, and nothing is stored; a
// good upload's answer names its report without a server path.
func TestAPIUploadNames(t *testing.T) {
	for _, b := range testdb.Backends(t) {
		t.Run(b.Name, func(t *testing.T) { testUploadNames(t, newAPIEnv(t, b)) })
	}
}

func testUploadNames(t *testing.T, e *apiEnv) {
	prep := e.client("prep", "")
	for _, name := range []string{"pay%0Aevil.xml", "pay%1B%5B31m.xml", "pay%FF.xml"} {
		var out struct{ Error struct{ Code string } }
		if code := e.call(t, prep, "POST", "/v1/files?name="+name, bytes.NewReader(payFile(t, "NAME-"+name, 1)), nil, &out); code != 400 || out.Error.Code != "FF01" {
			t.Errorf("name %s: %d %+v, want 400 FF01", name, code, out)
		}
	}
	if n := testdb.Count(t, e.dsn, `SELECT COUNT(*) FROM batches`); n != 0 {
		t.Errorf("%d batches stored from refused names", n)
	}
	// The answer names the report by its place in the outbox, never by a
	// path on the server.
	var up struct{ Result struct{ Report string } }
	var raw []byte
	e.call(t, prep, "POST", "/v1/files?name=good.xml", bytes.NewReader(payFile(t, "NAME-GOOD", 1)), nil, &raw)
	if err := json.Unmarshal(raw, &up); err != nil || up.Result.Report != "outbox/prep/good.xml.pain002.xml" || bytes.Contains(raw, []byte(e.home)) {
		t.Errorf("the answer names the report %q (%v):\n%s", up.Result.Report, err, raw)
	}
}

// TestAPISessions: a session token lives in the database and ends after its
// absolute lifetime however busy, and as soon as the key that opened it is
// no longer its user's in the directory.
func TestAPISessions(t *testing.T) {
	for _, b := range testdb.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			e := newAPIEnv(t, b, "--session-lifetime", "2s", "--idle", "1m")
			open := func(user string) map[string]string {
				var sess struct{ Token string }
				if code := e.call(t, e.client(user, ""), "POST", "/v1/session", nil, nil, &sess); code != 201 || sess.Token == "" {
					t.Fatalf("session of %s: %d", user, code)
				}
				return map[string]string{"Authorization": "Bearer " + sess.Token}
			}
			get := func(bearer map[string]string) int {
				var out []byte
				code := e.call(t, e.client("", ""), "GET", "/v1/queue", nil, bearer, &out)
				if code != 200 {
					t.Logf("GET /v1/queue: %d %s", code, out)
				}
				return code
			}
			if n := testdb.Count(t, e.dsn, `SELECT COUNT(*) FROM api_sessions`); n != 0 {
				t.Fatalf("%d sessions before any was opened", n)
			}
			busy := open("s1")
			if n := testdb.Count(t, e.dsn, `SELECT COUNT(*) FROM api_sessions`); n != 1 {
				t.Errorf("%d sessions in the database, want 1", n)
			}
			if code := get(busy); code != 200 {
				t.Fatalf("a fresh token: %d", code)
			}
			// Past its lifetime, long before its idle timeout. (That a busy
			// session ends too is TestSessions's, on the store's clock.)
			time.Sleep(2500 * time.Millisecond)
			if code := get(busy); code != 401 {
				t.Errorf("a token past its lifetime of 2 s: %d, want 401", code)
			}

			revoked := open("s2")
			if code := get(revoked); code != 200 {
				t.Fatalf("s2's token: %d", code)
			}
			directory := filepath.Join(e.dir, "directory.yaml")
			doc, _ := os.ReadFile(directory)
			os.WriteFile(directory, bytes.Replace(doc, []byte("keys: [s2.crt]"), []byte("keys: []"), 1), 0o600)
			e.mustRun(0, "directory", "apply", directory)
			if code := get(revoked); code != 401 {
				t.Errorf("a token whose key left the directory: %d, want 401", code)
			}
		})
	}
}

// TestAPIStrangers: requests that do not authenticate cost little — past a
// budget their address is refused before anything is looked up, even the
// TLS handshake — and they are counted, logged, and audited at most once
// an address a minute; an address that authenticates is not held back.
func TestAPIStrangers(t *testing.T) {
	for _, b := range testdb.Backends(t) {
		t.Run(b.Name, func(t *testing.T) { testStrangers(t, newAPIEnv(t, b, "--auth-failure-every", "1h")) }) // no refill while the test runs
	}
}

func testStrangers(t *testing.T, e *apiEnv) {
	before := testdb.Count(t, e.dsn, `SELECT COUNT(*) FROM audit_events`)
	codes := map[int]int{}
	for range 40 {
		codes[e.call(t, e.client("", "127.0.0.3"), "GET", "/v1/queue", nil, nil, nil)]++
	}
	if codes[401] != 20 || codes[401]+codes[429]+codes[-1] != 40 || codes[200] != 0 {
		t.Errorf("40 anonymous requests answered %v, want 20 × 401 and then 429 or no handshake", codes)
	}
	if n := testdb.Count(t, e.dsn, `SELECT COUNT(*) FROM audit_events`) - before; n != 1 {
		t.Errorf("%d audit events for 40 anonymous requests, want 1", n)
	}
	if code := e.call(t, e.client("s1", "127.0.0.2"), "GET", "/v1/queue", nil, nil, nil); code != 200 {
		t.Errorf("a user from another address: %d", code)
	}
	if metrics := e.scrape(t); !strings.Contains(metrics, `maksa_api_auth_failures_total{outcome="refused"} 20`) {
		t.Errorf("metrics do not count the failures:\n%s", metrics)
	}
	if !strings.Contains(e.stderr.String(), "authentication failed") {
		t.Error("failed authentications are not logged")
	}
}

// TestAPIIdempotency: an upload or a signature retried with the same
// Idempotency-Key gets the first answer byte for byte and does nothing
// again; the key used for another request is refused.
func TestAPIIdempotency(t *testing.T) {
	for _, b := range testdb.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			e := newAPIEnv(t, b)
			prep := e.client("prep", "")
			file := payFile(t, "IDEM", 2)
			key := map[string]string{"Idempotency-Key": "upload-7"}
			var first, again []byte
			c1 := e.call(t, prep, "POST", "/v1/files?name=pay.xml", bytes.NewReader(file), key, &first)
			c2 := e.call(t, prep, "POST", "/v1/files?name=pay.xml", bytes.NewReader(file), key, &again)
			if c1 != 200 || c2 != 200 || !bytes.Equal(first, again) {
				t.Fatalf("upload %d, retried %d; answers differ:\n%s\n%s", c1, c2, first, again)
			}
			if n := testdb.Count(t, e.dsn, `SELECT COUNT(*) FROM batches`); n != 1 {
				t.Errorf("%d batches after a retried upload, want 1", n)
			}
			if code := e.call(t, prep, "POST", "/v1/files?name=other.xml", bytes.NewReader(file), key, nil); code != 422 {
				t.Errorf("the key reused for another upload: %d, want 422", code)
			}
			var up struct {
				Result struct {
					Payments []struct {
						PaymentID int64 `json:"payment_id"`
					}
				}
			}
			json.Unmarshal(first, &up)
			id := up.Result.Payments[0].PaymentID
			c := e.client("s1", "")
			var d struct{ Digest string }
			e.call(t, c, "GET", fmt.Sprintf("/v1/payments/%d/digest", id), nil, nil, &d)
			digest, _ := hex.DecodeString(d.Digest)
			sig, _ := signing.Sign(crypto.Signer(e.keys["s1"]), digest)
			body, _ := json.Marshal(map[string]any{"signature": base64.StdEncoding.EncodeToString(sig), "confirm_vop": true})
			skey := map[string]string{"Idempotency-Key": "sign-1"}
			c1 = e.call(t, c, "POST", fmt.Sprintf("/v1/payments/%d/signatures", id), bytes.NewReader(body), skey, &first)
			c2 = e.call(t, c, "POST", fmt.Sprintf("/v1/payments/%d/signatures", id), bytes.NewReader(body), skey, &again)
			if c1 != 200 || c2 != 200 || !bytes.Equal(first, again) {
				t.Errorf("signature %d, retried %d; answers differ:\n%s\n%s", c1, c2, first, again)
			}
			if n := testdb.Count(t, e.dsn, `SELECT COUNT(*) FROM signatures`); n != 1 {
				t.Errorf("%d signatures after a retried one, want 1", n)
			}
		})
	}
}
