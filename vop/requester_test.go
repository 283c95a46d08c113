package vop

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"maksa"
)

// testPKI is a certificate authority for the tests' banks and PSPs.
type testPKI struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pool *x509.CertPool
}

func newPKI(t testing.TB, name string) *testPKI {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name}, NotBefore: time.Now().Add(-time.Hour),
		NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &testPKI{cert: cert, key: key, pool: pool}
}

func (ca *testPKI) issue(t testing.TB, name string) tls.Certificate {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl := &x509.Certificate{SerialNumber: serial, Subject: pkix.Name{CommonName: name}, NotBefore: time.Now().Add(-time.Hour),
		NotAfter: time.Now().Add(time.Hour), KeyUsage: x509.KeyUsageDigitalSignature, IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth, x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, key.Public(), ca.key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// bank is a test VoP service over mutual TLS.
func bank(t *testing.T, ca *testPKI, peers *x509.CertPool, h http.Handler) *httptest.Server {
	srv := httptest.NewUnstartedServer(h)
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{ca.issue(t, "bank")}, ClientCAs: peers, ClientAuth: tls.VerifyClientCertIfGiven}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv
}

// requester asks the given URL for every LV:TREL account, presenting the
// PSP's certificate and trusting the banks' CA.
func requester(url string, banks *testPKI, cert tls.Certificate, timeout time.Duration) *Requester {
	routes := &Routes{Participants: []Participant{{Name: "bank", BIC: "TRELLV22", Banks: []string{"LV:TREL"}, URL: url + Path}}}
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: banks.pool, Certificates: []tls.Certificate{cert}}, MaxIdleConnsPerHost: 64}}
	return &Requester{Routes: routes, Client: client, Timeout: timeout, Parallel: 64}
}

const (
	heldIBAN    = "LV21TREL9160100000000"
	notHeldIBAN = "LV11TREL9160200000002"
)

func responder(peers *x509.CertPool) *Responder {
	return &Responder{Peers: peers, Holder: func(_ context.Context, iban string) (*maksa.Client, error) {
		if iban == heldIBAN {
			return &maksa.Client{Name: "SIA Koks", RegNo: "40003009497"}, nil
		}
		return nil, nil
	}}
}

func ask(rq *Requester, queries ...Query) []maksa.PayeeCheck {
	r := rq.Start(context.Background())
	pending := make([]*Pending, len(queries))
	for i, q := range queries {
		pending[i] = r.Ask(q)
	}
	r.Close()
	out := make([]maksa.PayeeCheck, len(queries))
	for i, p := range pending {
		out[i] = p.Wait()
	}
	return out
}

func TestRequesterAndResponder(t *testing.T) {
	banks, psps := newPKI(t, "banks"), newPKI(t, "psps")
	srv := bank(t, banks, psps.pool, responder(psps.pool))
	rq := requester(srv.URL, banks, psps.issue(t, "treasury"), 5*time.Second)
	got := ask(rq,
		Query{IBAN: heldIBAN, Name: "SIA Koks"},
		Query{IBAN: heldIBAN, Name: "Koks"},
		Query{IBAN: heldIBAN, Name: "SIA Cits"},
		Query{IBAN: heldIBAN, Name: "Anybody", ID: "40003009497"},
		Query{IBAN: notHeldIBAN, Name: "SIA Koks"},
		Query{IBAN: "LV44HABA0551000000001", Name: "SIA Koks"},  // no route
		Query{IBAN: "CH9300762011623852957", Name: "Koks AG"},   // outside the EEA
		Query{IBAN: "GB29NWBK60161331926819", Name: "Koks Ltd"}, // outside the EEA
	)
	want := []maksa.PayeeCheck{
		{Result: maksa.PayeeMatch},
		{Result: maksa.PayeeCloseMatch, Name: "SIA Koks"},
		{Result: maksa.PayeeNoMatch},
		{Result: maksa.PayeeMatch},
		{Result: maksa.PayeeNotPossible, Note: "the payee's bank could not verify the name"},
		{Result: maksa.PayeeNotPossible, Note: "no VoP route to the payee's bank (LV)"},
		{Result: maksa.PayeeNotPossible, Note: "the payee's bank is outside the EEA and takes no part in the VoP scheme"},
		{Result: maksa.PayeeNotPossible, Note: "the payee's bank is outside the EEA and takes no part in the VoP scheme"},
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("query %d: %+v, want %+v", i, got[i], want[i])
		}
	}
}

// TestRequesterNeverFails: a bank that answers garbage, slowly, with a
// wrong certificate, with an error or not at all gives NOAP, never an error.
func TestRequesterNeverFails(t *testing.T) {
	banks, psps := newPKI(t, "banks"), newPKI(t, "psps")
	treasury := psps.issue(t, "treasury")
	handler := func(body string, status int, delay time.Duration) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			time.Sleep(delay)
			w.WriteHeader(status)
			fmt.Fprint(w, body)
		})
	}
	closed := httptest.NewServer(nil)
	closed.Close()
	cases := []struct {
		name string
		url  string
		rq   func(url string) *Requester
		note string
	}{
		{"garbage", bank(t, banks, psps.pool, handler("<html>oops", 200, 0)).URL, nil, "the payee's bank did not answer: an answer that is not the scheme's"},
		{"unknown outcome", bank(t, banks, psps.pool, handler(`{"partyNameMatch": "YES"}`, 200, 0)).URL, nil, "the payee's bank answered no known outcome"},
		{"close match without a name", bank(t, banks, psps.pool, handler(`{"partyNameMatch": "CMTC"}`, 200, 0)).URL, nil, "the payee's bank answered a close match without the registered name"},
		{"server error", bank(t, banks, psps.pool, handler(`{}`, 500, 0)).URL, nil, "the payee's bank did not answer: HTTP 500"},
		{"slow", bank(t, banks, psps.pool, handler(`{"partyNameMatch": "MTCH"}`, 200, 2*time.Second)).URL, nil, "the payee's bank did not answer: no answer in time"},
		{"certificate of another CA", bank(t, newPKI(t, "rogue"), psps.pool, handler(`{"partyNameMatch": "MTCH"}`, 200, 0)).URL, nil, "the payee's bank did not answer: its certificate is not trusted"},
		{"no server", closed.URL, nil, "the payee's bank did not answer: no connection"},
		{"refused: no PSP certificate", bank(t, banks, psps.pool, responder(psps.pool)).URL, func(url string) *Requester {
			return requester(url, banks, newPKI(t, "strangers").issue(t, "stranger"), time.Second)
		}, "the payee's bank did not answer: HTTP 403"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rq := requester(tc.url, banks, treasury, 300*time.Millisecond)
			if tc.rq != nil {
				rq = tc.rq(tc.url)
			}
			got := ask(rq, Query{IBAN: heldIBAN, Name: "SIA Koks"})[0]
			if got.Result != maksa.PayeeNotPossible || got.Note != tc.note {
				t.Errorf("%+v, want NOAP: %s", got, tc.note)
			}
		})
	}
}

func TestResponderRefusesBadRequests(t *testing.T) {
	banks, psps := newPKI(t, "banks"), newPKI(t, "psps")
	rs := responder(psps.pool)
	rs.Rate, rs.Burst = 1, 3
	var counted atomic.Int64
	rs.Count = func(string) { counted.Add(1) }
	srv := bank(t, banks, psps.pool, rs)
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: banks.pool, Certificates: []tls.Certificate{psps.issue(t, "psp")}}}}
	post := func(body string) (int, map[string]any) {
		resp, err := client.Post(srv.URL+Path, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var v map[string]any
		json.NewDecoder(resp.Body).Decode(&v)
		return resp.StatusCode, v
	}
	if code, v := post(`{"partyAccount": {"iban": "LV21TREL9160100000001"}, "partyName": "SIA Koks"}`); code != 400 || !strings.Contains(fmt.Sprint(v["error"]), "iban") {
		t.Errorf("a malformed IBAN: %d %v", code, v)
	}
	if code, v := post(`{"partyAccount": {"iban": "` + heldIBAN + `"}, "partyName": ""}`); code != 400 || !strings.Contains(fmt.Sprint(v["error"]), "partyName") {
		t.Errorf("an empty name: %d %v", code, v)
	}
	code, v := post(`{"partyAccount": {"iban": "` + heldIBAN + `"}, "partyName": "Koks"}`)
	if code != 200 || v["partyNameMatch"] != "CMTC" || v["partyName"] != "SIA Koks" || len(v) != 2 {
		t.Errorf("a close match reveals more than the outcome and the name: %d %v", code, v)
	}
	if code, _ := post(`{"partyAccount": {"iban": "` + heldIBAN + `"}, "partyName": "Koks"}`); code != 429 {
		t.Errorf("past the burst: %d, want 429", code)
	}
	if counted.Load() != 4 {
		t.Errorf("%d answers counted, want 4", counted.Load())
	}
}

// BenchmarkRequester1000 asks about 1,000 payees of other banks, each
// answering after 50 ms; with 64 requests at once the round takes about
// 1000/64 × 50 ms.
func BenchmarkRequester1000(b *testing.B) {
	t := b
	banks, psps := newPKI(t, "banks"), newPKI(t, "psps")
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(50 * time.Millisecond)
		fmt.Fprint(w, `{"partyNameMatch": "MTCH"}`)
	}))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{banks.issue(t, "bank")}, ClientCAs: psps.pool, ClientAuth: tls.VerifyClientCertIfGiven}
	srv.StartTLS()
	defer srv.Close()
	rq := requester(srv.URL, banks, psps.issue(t, "treasury"), 5*time.Second)
	queries := make([]Query, 1000)
	for i := range queries {
		queries[i] = Query{IBAN: heldIBAN, Name: fmt.Sprintf("Payee %d", i)}
	}
	for b.Loop() {
		for _, c := range ask(rq, queries...) {
			if c.Result != maksa.PayeeMatch {
				b.Fatalf("%+v", c)
			}
		}
	}
}

// BenchmarkMatch is one verification against the treasury's register.
func BenchmarkMatch(b *testing.B) {
	h := Prepare(Holder{Name: "Rīgas pilsētas pašvaldība"})
	for b.Loop() {
		h.Match("Rigas pilsetas pasvaldiba", "")
	}
}

// BenchmarkPrepareAndMatch is a payee's first payment: its holder's name
// taken apart, then matched.
func BenchmarkPrepareAndMatch(b *testing.B) {
	for b.Loop() {
		Prepare(Holder{Name: "SIA „Rīgas Ūdens” Būvniecība"}).Match("SIA Rigas Udens Buvnieciba", "")
	}
}
