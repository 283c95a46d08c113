// Package api is maksa's online exchange for accounting systems and
// signers: an HTTPS JSON API (see api/openapi.yaml) with mutual TLS. A
// client certificate must chain to the configured client CA and be a key of
// an active user in the directory; the caller's address must be in that
// user's IP allow-list. Tools that cannot keep a TLS session exchange their
// certificate for a bearer token (POST /v1/session) that expires after five
// idle minutes. Every request is an audit event.
package api

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"maksa"
	"maksa/exporter"
	"maksa/importer"
	"maksa/signing"
	"maksa/store"
	"maksa/vop"
)

// Server serves the API. Set its fields before Handler.
type Server struct {
	Store    *store.DB
	Importer *importer.Importer
	Signing  *signing.Service
	Exporter *exporter.Exporter
	Home     string // the data folder; uploads wait in processing/api/
	Now      maksa.Clock
	Location *time.Location
	// MaxUpload is the largest file accepted, in bytes.
	MaxUpload int64
	// IdleTimeout ends a session token unused for this long.
	IdleTimeout time.Duration
	// SessionLifetime ends a session token this long after it was opened,
	// however busy (default 8 hours).
	SessionLifetime time.Duration
	// FailureBurst failed authentications of one address are allowed, then
	// one each FailureEvery; past that budget the address's requests are
	// refused before anything is looked up (default 20, one a second).
	FailureBurst int
	FailureEvery time.Duration
	// Rate and Burst limit each user's requests per second.
	Rate  float64
	Burst int
	// Payees answers other banks' verification of payee requests about
	// treasury accounts (at vop.Path); nil answers none.
	Payees *vop.Responder
	Log    *slog.Logger

	mu       sync.Mutex
	limiters map[string]*rate.Limiter
	// strangers limit the failed authentications of each address, and
	// audited says when each address's last failure was audited.
	strangers map[netip.Addr]*rate.Limiter
	audited   map[netip.Addr]time.Time
	metrics   *metrics
}

// The default budget of failed authentications of one address: a burst
// of 20, then one a second (Server.FailureBurst, FailureEvery).
const (
	defaultFailureBurst = 20
	defaultFailureEvery = time.Second
)

// apiError is the body of every error response.
type apiError struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

func writeError(w http.ResponseWriter, status int, code maksa.Reason, message string) {
	var e apiError
	e.Error.Code, e.Error.Message = string(code), message
	writeJSON(w, status, e)
}

// Handler returns the API's HTTP handler.
func (s *Server) Handler() http.Handler {
	s.limiters, s.strangers, s.audited = map[string]*rate.Limiter{}, map[netip.Addr]*rate.Limiter{}, map[netip.Addr]time.Time{}
	if s.SessionLifetime == 0 {
		s.SessionLifetime = 8 * time.Hour
	}
	if s.FailureBurst == 0 {
		s.FailureBurst, s.FailureEvery = defaultFailureBurst, defaultFailureEvery
	}
	s.metrics = newMetrics(s.Store)
	if s.Payees != nil {
		s.Payees.Count = s.metrics.payee
	}
	mux := http.NewServeMux()
	for _, r := range s.routes() {
		mux.Handle(r.pattern, r.handler)
	}
	return s.measure(mux)
}

// route is one endpoint: "METHOD /path" and what answers it.
type route struct {
	pattern string
	handler http.Handler
}

// routes are the API's endpoints, each described in api/openapi.yaml
// (TestRoutesDocumented).
func (s *Server) routes() []route {
	auth := func(h func(http.ResponseWriter, *http.Request, *maksa.User)) http.Handler { return s.authenticated(h) }
	routes := []route{
		{"GET /healthz", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok\n")) })},
		{"POST /v1/session", s.certOnly(s.openSession)},
		{"DELETE /v1/session", auth(s.closeSession)},
		{"POST /v1/files", auth(s.idempotent(s.upload))},
		{"GET /v1/files/{batch}/status", auth(s.status)},
		{"GET /v1/queue", auth(s.queue)},
		{"GET /v1/payments", auth(s.payments)},
		{"GET /v1/payments/{id}", auth(s.payment)},
		{"GET /v1/payments/{id}/digest", auth(s.digest)},
		{"POST /v1/payments/{id}/signatures", auth(s.idempotent(s.sign))},
		{"GET /v1/statements/{iban}", auth(s.statement)},
	}
	if s.Payees != nil {
		routes = append(routes, route{"POST " + vop.Path, s.Payees})
	}
	return routes
}

// peerIP returns the caller's address.
func peerIP(r *http.Request) (netip.Addr, error) {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return netip.Addr{}, err
	}
	addr, err := netip.ParseAddr(host)
	return addr.Unmap(), err
}

// certUser returns the user whose directory key is the client certificate.
func (s *Server) certUser(ctx context.Context, cert *x509.Certificate) (*maksa.User, error) {
	return s.Store.UserByKey(ctx, fingerprint(cert))
}

func fingerprint(cert *x509.Certificate) string {
	sum := sha256.Sum256(cert.Raw)
	return hex.EncodeToString(sum[:])
}

// identify finds the caller: by client certificate, or by session token.
func (s *Server) identify(r *http.Request) (*maksa.User, string, error) {
	if r.TLS != nil && len(r.TLS.PeerCertificates) > 0 {
		u, err := s.certUser(r.Context(), r.TLS.PeerCertificates[0])
		if err != nil {
			return nil, "the client certificate is not a key of any user in the directory", err
		}
		return u, "", nil
	}
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		return nil, "a client certificate or a session token is required", errors.New("anonymous")
	}
	sess, err := s.Store.UseSession(r.Context(), token, s.Now(), s.IdleTimeout, s.SessionLifetime)
	if err != nil {
		return nil, "the session token is unknown or expired", errors.New("bad token")
	}
	// The key that opened the session must still be the user's: a key
	// removed from the directory or revoked ends its sessions.
	u, err := s.Store.UserByKey(r.Context(), sess.Fingerprint)
	if err != nil || u == nil || u.ID != sess.UserID {
		s.Store.CloseSession(context.WithoutCancel(r.Context()), token)
		return nil, "the key that opened this session is no longer the user's in the directory", errors.New("key gone")
	}
	return u, token, nil
}

// check applies the rules every request meets: a known, active user inside
// valid-until, calling from an allowed address, within the rate limit.
func (s *Server) check(w http.ResponseWriter, r *http.Request, u *maksa.User) bool {
	addr, err := peerIP(r)
	switch {
	case err != nil || !u.Allows(addr):
		s.refuse(w, r, u.ID, http.StatusForbidden, maksa.AG08, fmt.Sprintf("requests from %s are not in %s's IP allow-list", addr, u.ID))
		return false
	case !u.ActiveOn(maksa.Day(s.Now().In(s.Location))):
		s.refuse(w, r, u.ID, http.StatusForbidden, maksa.AG08, fmt.Sprintf("user %s is %s or past valid-until", u.ID, u.Status))
		return false
	case !s.limiter(u.ID).Allow():
		s.refuse(w, r, u.ID, http.StatusTooManyRequests, maksa.NARR, "too many requests: slow down")
		return false
	}
	return true
}

func (s *Server) limiter(user string) *rate.Limiter {
	s.mu.Lock()
	defer s.mu.Unlock()
	l := s.limiters[user]
	if l == nil {
		l = rate.NewLimiter(rate.Limit(s.Rate), s.Burst)
		s.limiters[user] = l
	}
	return l
}

// failed answers a request that did not authenticate: 401, logged,
// counted, charged to its address's budget, and audited at most once an
// address a minute.
func (s *Server) failed(w http.ResponseWriter, r *http.Request, addr netip.Addr, why string) {
	s.stranger(addr).Allow()
	s.metrics.failure("refused")
	s.Log.Warn("authentication failed", "ip", addr.String(), "path", r.URL.Path, "why", why)
	if s.auditFailure(addr, s.Now()) {
		s.audit(r.Context(), "", r, addr, http.StatusUnauthorized)
	}
	writeError(w, http.StatusUnauthorized, maksa.AG08, why)
}

// Handshake is the TLS server's GetConfigForClient: an address whose
// failed authentications passed their budget gets no handshake either, so
// that it cannot make the server do the expensive part of TLS on end.
func (s *Server) Handshake(hello *tls.ClientHelloInfo) (*tls.Config, error) {
	addr, err := netip.ParseAddrPort(hello.Conn.RemoteAddr().String())
	if err == nil && s.stranger(addr.Addr().Unmap()).Tokens() < 1 {
		s.metrics.failure("limited")
		return nil, errors.New("too many failed authentications from this address")
	}
	return nil, nil
}

// stranger returns the limiter of an address's failed authentications.
func (s *Server) stranger(addr netip.Addr) *rate.Limiter {
	s.mu.Lock()
	defer s.mu.Unlock()
	l := s.strangers[addr]
	if l == nil {
		l = rate.NewLimiter(rate.Every(s.FailureEvery), s.FailureBurst)
		s.strangers[addr] = l
	}
	return l
}

// auditFailure reports whether a failed authentication from addr goes in
// the audit log: at most one an address a minute, so that nobody who can
// reach the port can flood the log.
func (s *Server) auditFailure(addr netip.Addr, now time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if last, ok := s.audited[addr]; ok && now.Sub(last) < time.Minute {
		return false
	}
	s.audited[addr] = now
	return true
}

// refuse answers with an error and puts the refusal in the audit log.
func (s *Server) refuse(w http.ResponseWriter, r *http.Request, user string, status int, code maksa.Reason, message string) {
	addr, _ := peerIP(r)
	s.audit(r.Context(), user, r, addr, status)
	writeError(w, status, code, message)
}

func (s *Server) audit(ctx context.Context, user string, r *http.Request, addr netip.Addr, status int) {
	if user == "" {
		user = "anonymous"
	}
	details := map[string]any{"ip": addr.String(), "method": r.Method, "path": r.URL.Path, "status": status}
	if err := s.Store.Audit(context.WithoutCancel(ctx), user, "api.request", r.Method+" "+r.URL.Path, details); err != nil {
		s.Log.Error("audit event lost", "err", err)
	}
}

// statusRecorder remembers the status a handler wrote.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (w *statusRecorder) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

// authenticated runs h for an identified, checked user, and audits the
// request with its outcome.
func (s *Server) authenticated(h func(http.ResponseWriter, *http.Request, *maksa.User)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		addr, _ := peerIP(r)
		if s.stranger(addr).Tokens() < 1 {
			s.metrics.failure("limited")
			writeError(w, http.StatusTooManyRequests, maksa.NARR, "too many failed authentications from this address: wait")
			return
		}
		u, why, err := s.identify(r)
		if err != nil {
			s.failed(w, r, addr, why)
			return
		}
		if !s.check(w, r, u) {
			return
		}
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		h(rec, r, u)
		s.audit(r.Context(), u.ID, r, addr, rec.status)
	})
}

// certOnly is authenticated, but only by a client certificate.
func (s *Server) certOnly(h func(http.ResponseWriter, *http.Request, *maksa.User)) http.Handler {
	inner := s.authenticated(h)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.TLS == nil || len(r.TLS.PeerCertificates) == 0 {
			addr, _ := peerIP(r)
			s.failed(w, r, addr, "a session is opened with a client certificate")
			return
		}
		inner.ServeHTTP(w, r)
	})
}

// openSession opens a session with the client certificate (certOnly): it
// lives in the database, so every serve process knows it, ends after the
// idle timeout or its lifetime, and with the key that opened it. Opening
// one removes the expired ones.
func (s *Server) openSession(w http.ResponseWriter, r *http.Request, u *maksa.User) {
	token, now := newToken(), s.Now()
	if _, err := s.Store.PurgeSessions(r.Context(), now.Add(-s.IdleTimeout), now.Add(-s.SessionLifetime)); err != nil {
		s.internal(w, err)
		return
	}
	if err := s.Store.OpenSession(r.Context(), token, u.ID, fingerprint(r.TLS.PeerCertificates[0]), now); err != nil {
		s.internal(w, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"token": token, "user": u.ID, "idle_timeout_seconds": int(s.IdleTimeout.Seconds()),
		"lifetime_seconds": int(s.SessionLifetime.Seconds())})
}

func (s *Server) closeSession(w http.ResponseWriter, r *http.Request, u *maksa.User) {
	token, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if err := s.Store.CloseSession(r.Context(), token); err != nil {
		s.internal(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
