package vop

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"maksa"
)

// Responder answers other banks' verification requests about treasury
// accounts, with the matcher the treasury's own payments use. Only PSPs
// whose client certificate chains to Peers are answered, each within its
// rate; an answer reveals the outcome and, on a close match, the
// registered name — nothing else about the account or its holder.
type Responder struct {
	// Holder returns an account's holder, nil when the IBAN is no open
	// treasury account.
	Holder func(ctx context.Context, iban string) (*maksa.Client, error)
	Peers  *x509.CertPool
	// Rate and Burst bound each PSP's requests.
	Rate  float64
	Burst int
	// Now is the clock certificates are checked on.
	Now maksa.Clock
	// Count counts each answer by outcome (or "refused", "invalid",
	// "limited"), for /metrics.
	Count func(outcome string)
	Log   *slog.Logger

	mu       sync.Mutex
	limiters map[string]*rate.Limiter
}

// maxRequest bounds a request body.
const maxRequest = 16 << 10

func (rs *Responder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	peer, ok := rs.peer(r)
	if !ok {
		rs.count("refused")
		writeProblem(w, http.StatusForbidden, "a VoP request needs the client certificate of a PSP this treasury answers")
		return
	}
	if !rs.limiter(peer).Allow() {
		rs.count("limited")
		w.Header().Set("Retry-After", "1")
		writeProblem(w, http.StatusTooManyRequests, "too many requests")
		return
	}
	var req Request
	dec := json.NewDecoder(io.LimitReader(r.Body, maxRequest))
	if err := dec.Decode(&req); err != nil {
		rs.count("invalid")
		writeProblem(w, http.StatusBadRequest, "the body is not a VoP request: "+err.Error())
		return
	}
	iban := strings.ToUpper(strings.ReplaceAll(req.PartyAccount.IBAN, " ", ""))
	if err := maksa.CheckIBAN(iban); err != nil {
		rs.count("invalid")
		writeProblem(w, http.StatusBadRequest, "partyAccount.iban: "+err.Error())
		return
	}
	if strings.TrimSpace(req.PartyName) == "" && strings.TrimSpace(req.PartyID) == "" {
		rs.count("invalid")
		writeProblem(w, http.StatusBadRequest, "partyName is empty")
		return
	}
	if len(req.PartyName) > 140 || len(req.PartyID) > 35 {
		rs.count("invalid")
		writeProblem(w, http.StatusBadRequest, "partyName is longer than 140 characters or partyIdentification than 35")
		return
	}
	holder, err := rs.Holder(r.Context(), iban)
	if err != nil {
		if rs.Log != nil {
			rs.Log.Error("verification of payee: the store failed", "err", err)
		}
		writeProblem(w, http.StatusServiceUnavailable, "the account register is not available")
		return
	}
	var resp Response
	if holder == nil {
		resp.PartyNameMatch = maksa.PayeeNotPossible // not a treasury account: nothing to compare with
	} else {
		c := Match(req.PartyName, "", Holder{Name: holder.Name}) // the identifier is answered apart
		resp.PartyNameMatch, resp.PartyName = c.Result, c.Name
		if req.PartyID != "" && holder.RegNo != "" {
			resp.PartyIDMatch = maksa.PayeeNoMatch
			if foldID(req.PartyID) == foldID(holder.RegNo) {
				resp.PartyIDMatch = maksa.PayeeMatch
			}
		}
	}
	rs.count(string(resp.PartyNameMatch))
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(resp)
}

// peer returns the requesting PSP's name (its certificate's subject) when
// its certificate chains to Peers.
func (rs *Responder) peer(r *http.Request) (string, bool) {
	if rs.Peers == nil || r.TLS == nil || len(r.TLS.PeerCertificates) == 0 {
		return "", false
	}
	leaf := r.TLS.PeerCertificates[0]
	inter := x509.NewCertPool()
	for _, c := range r.TLS.PeerCertificates[1:] {
		inter.AddCert(c)
	}
	opts := x509.VerifyOptions{Roots: rs.Peers, Intermediates: inter, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	if rs.Now != nil {
		opts.CurrentTime = rs.Now()
	}
	if _, err := leaf.Verify(opts); err != nil {
		return "", false
	}
	return leaf.Subject.String(), true
}

func (rs *Responder) limiter(peer string) *rate.Limiter {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	if rs.limiters == nil {
		rs.limiters = map[string]*rate.Limiter{}
	}
	l := rs.limiters[peer]
	if l == nil {
		every, burst := rate.Limit(rs.Rate), rs.Burst
		if every <= 0 {
			every = 100
		}
		if burst <= 0 {
			burst = 200
		}
		l = rate.NewLimiter(every, burst)
		rs.limiters[peer] = l
	}
	return l
}

func (rs *Responder) count(outcome string) {
	if rs.Count != nil {
		rs.Count(outcome)
	}
}

// writeProblem answers an error as the scheme's API does: a status and a
// JSON body that says why.
func writeProblem(w http.ResponseWriter, status int, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"error": message})
}

// DefaultTimeout is how long a request to another bank may take.
const DefaultTimeout = 2 * time.Second
