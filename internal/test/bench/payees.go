package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"time"

	"maksa"
	"maksa/internal/test/testgen"
	"maksa/vop"
)

// payeesAtTreasury times the verification of payee of n payments whose
// creditors all hold treasury accounts — the directory lookup and the name
// matcher, each holder's name taken apart once as the importer does — and
// compares it with importing the same number of payments (imported, the
// import row of that size). Target: under 10 % of the import.
func (b *bench) payeesAtTreasury(n int, imported row) (row, error) {
	type payee struct{ iban, name string }
	var payees []payee
	holders := map[string]*vop.Registered{}
	names := map[string]string{} // the registered name of each creditor account
	i := 0
	err := testgen.Spec{Count: n, Seed: 11, MessageID: "VOP"}.Payments(func(p *maksa.Payment) error {
		name := p.CreditorName
		if i++; i%4 == 0 {
			name = "SIA " + name // a quarter are companies the payer names without the legal form: CMTC
		}
		payees = append(payees, payee{p.CreditorIBAN, p.CreditorName})
		names[p.CreditorIBAN] = name
		return nil
	})
	if err != nil {
		return row{}, err
	}
	start := time.Now()
	results := map[maksa.PayeeResult]int{}
	for _, p := range payees {
		h := holders[p.iban]
		if h == nil {
			h = vop.Prepare(vop.Holder{Name: names[p.iban]})
			holders[p.iban] = h
		}
		results[h.Match(p.name, "").Result]++
	}
	wall := time.Since(start)
	share := wall.Seconds() / imported.wall.Seconds() * 100
	r := row{step: "verification of payee, payees at treasury accounts", size: n, count: n, wall: wall,
		rate: fmt.Sprintf("%.0f/s (%.1f %% of the import)", float64(n)/wall.Seconds(), share), target: "< 10 % of the import", met: yesNo(share < 10)}
	if results[maksa.PayeeMatch] == 0 || results[maksa.PayeeCloseMatch] == 0 {
		return r, fmt.Errorf("verification of payee: outcomes %v", results)
	}
	return r, nil
}

// payeesAtBanks times asking other banks about n payees, each bank
// answering after 50 ms, over mutual TLS to a local responder, as many at
// once as maksa's default. Target: 1,000 in under 5 s.
func (b *bench) payeesAtBanks(n int) (row, error) {
	ca, err := newBenchCA()
	if err != nil {
		return row{}, err
	}
	serverCert, err := ca.issue("bank")
	if err != nil {
		return row{}, err
	}
	clientCert, err := ca.issue("treasury")
	if err != nil {
		return row{}, err
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(50 * time.Millisecond)
		fmt.Fprint(w, `{"partyNameMatch": "MTCH"}`)
	}))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{serverCert}, ClientCAs: ca.pool, ClientAuth: tls.RequireAndVerifyClientCert}
	srv.StartTLS()
	defer srv.Close()
	const parallel = 16 // the vop section's default
	rq := &vop.Requester{Routes: &vop.Routes{Participants: []vop.Participant{{Name: "bank", Banks: []string{"LV:HABA"}, URL: srv.URL + vop.Path}}},
		Client: &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: ca.pool, Certificates: []tls.Certificate{clientCert}},
			MaxIdleConnsPerHost: parallel}}, Timeout: 5 * time.Second, Parallel: parallel}
	start := time.Now()
	round := rq.Start(context.Background())
	var pending []*vop.Pending
	for i := range n {
		pending = append(pending, round.Ask(vop.Query{IBAN: testgen.IBAN("HABA", int64(i)), Name: fmt.Sprintf("Payee %d", i)}))
	}
	round.Close()
	for _, p := range pending {
		if c := p.Wait(); c.Result != maksa.PayeeMatch {
			return row{}, fmt.Errorf("verification of payee at a bank: %+v", c)
		}
	}
	wall := time.Since(start)
	return row{step: "verification of payee, payees at other banks (50 ms each)", size: n, count: n, wall: wall,
		rate: fmt.Sprintf("%.1f s", wall.Seconds()), target: "1 k in < 5 s", met: yesNo(n < 1000 || wall < 5*time.Second)}, nil
}

// benchCA issues the certificates of the local responder and requester.
type benchCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pool *x509.CertPool
}

func newBenchCA() (*benchCA, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "bench CA"}, NotBefore: now.Add(-time.Hour),
		NotAfter: now.Add(time.Hour), IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, err
	}
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &benchCA{cert: cert, key: key, pool: pool}, nil
}

func (ca *benchCA) issue(name string) (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	now := time.Now()
	serial, err := rand.Int(rand.Reader, big.NewInt(1<<62))
	if err != nil {
		return tls.Certificate{}, err
	}
	tmpl := &x509.Certificate{SerialNumber: serial, Subject: pkix.Name{CommonName: name}, NotBefore: now.Add(-time.Hour),
		NotAfter: now.Add(time.Hour), KeyUsage: x509.KeyUsageDigitalSignature, IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth, x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, key.Public(), ca.key)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, nil
}
