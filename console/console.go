// Package console is maksa's web console for signers and treasury staff,
// served by "maksa serve" under /ui/ beside the API: the same process, TLS,
// directory rules (grants, access modes, IP allow-list, user and card
// validity) and services; no rule of its own but the HTTP layer's.
//
// Pages are rendered on the server (html/template) in Latvian or English;
// a little JavaScript, embedded like every other asset, signs in the
// browser with the user's key file, which never leaves it (WebCrypto:
// ECDSA P-256, RSA-PSS, Ed25519). A login proves possession of a directory
// key by signing a server challenge, or uses the browser's client
// certificate; the session is a cookie (Secure, HttpOnly, SameSite=Strict)
// that ends after the idle timeout or its lifetime, like an API session.
// Every form and request that changes something carries a CSRF token
// derived from the session.
package console

import (
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"html/template"
	"io/fs"
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
)

//go:embed templates/*.html static/*
var assets embed.FS

// Server serves the console. Set its fields before Handler.
type Server struct {
	Store    *store.DB
	Importer *importer.Importer
	Signing  *signing.Service
	Exporter *exporter.Exporter
	Home     string // the data folder; uploads wait in processing/ui/
	Now      maksa.Clock
	Location *time.Location
	// MaxUpload is the largest payment file accepted, in bytes.
	MaxUpload int64
	// IdleTimeout ends a session without a request for this long;
	// SessionLifetime ends it this long after login, however busy.
	IdleTimeout     time.Duration
	SessionLifetime time.Duration
	// Poll is how often a payment's page looks for changes to push.
	Poll time.Duration
	// Operators are the users who see the operator's page: the nightly
	// runs and their daily reports, held payments to release, the audit
	// chain's verification.
	Operators []string
	Log       *slog.Logger

	pages      map[string]*template.Template
	mu         sync.Mutex
	challenges map[string]challenge // login challenges, by their text
	strangers  map[netip.Addr]*rate.Limiter
}

// challenge is a login challenge handed out and not used yet.
type challenge struct {
	user    string
	expires time.Time
}

const (
	sessionCookie = "maksa_session"
	langCookie    = "maksa_lang"
	challengeTTL  = 2 * time.Minute
)

// Handler returns the console's handler, to be mounted at /ui/.
func (s *Server) Handler() http.Handler {
	if s.SessionLifetime == 0 {
		s.SessionLifetime = 8 * time.Hour
	}
	if s.Poll == 0 {
		s.Poll = time.Second
	}
	s.challenges, s.strangers = map[string]challenge{}, map[netip.Addr]*rate.Limiter{}
	s.pages = parsePages()
	mux := http.NewServeMux()
	for pattern, h := range s.routes() {
		mux.Handle(pattern, h)
	}
	return secure(mux)
}

// routes are the console's pages and actions by their patterns.
func (s *Server) routes() map[string]http.Handler {
	static, _ := fs.Sub(assets, "static")
	auth := s.authenticated
	return map[string]http.Handler{
		"GET /ui/static/":            http.StripPrefix("/ui/static/", http.FileServerFS(static)),
		"GET /ui/login":              http.HandlerFunc(s.loginPage),
		"POST /ui/login/challenge":   http.HandlerFunc(s.newChallenge),
		"POST /ui/login":             http.HandlerFunc(s.keyLogin),
		"POST /ui/login/certificate": http.HandlerFunc(s.certificateLogin),
		"GET /ui/lang/{lang}":        http.HandlerFunc(s.switchLanguage),
		"POST /ui/logout":            auth(s.logout),
		"GET /ui/{$}": auth(func(w http.ResponseWriter, r *http.Request, c *call) {
			http.Redirect(w, r, "/ui/queue", http.StatusSeeOther)
		}),
		"GET /ui/queue":                          auth(s.queuePage),
		"POST /ui/sign/prepare":                  auth(s.prepareSet),
		"POST /ui/sign":                          auth(s.signSet),
		"POST /ui/refuse":                        auth(s.refuse),
		"GET /ui/payments":                       auth(s.paymentsPage),
		"GET /ui/payments/{id}":                  auth(s.paymentPage),
		"GET /ui/payments/{id}/events":           auth(s.paymentEvents),
		"GET /ui/files":                          auth(s.filesPage),
		"POST /ui/files":                         auth(s.upload),
		"GET /ui/files/{batch}":                  auth(s.filePage),
		"GET /ui/files/{batch}/pain002":          auth(s.fileAnswer),
		"GET /ui/statements":                     auth(s.statementsPage),
		"GET /ui/statements/{iban}/{format}":     auth(s.statement),
		"GET /ui/limits":                         auth(s.limitsPage),
		"GET /ui/operator":                       auth(s.operatorOnly(s.operatorPage)),
		"POST /ui/operator/release":              auth(s.operatorOnly(s.release)),
		"POST /ui/operator/verify":               auth(s.operatorOnly(s.verifyAudit)),
		"GET /ui/operator/reports/{date}/{name}": auth(s.operatorOnly(s.dailyReport)),
	}
}

// secure sets the headers every answer carries: no scripts, styles or
// frames from anywhere else, nothing cached.
func secure(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Referrer-Policy", "same-origin") // "no-referrer" makes the browser send "Origin: null" with forms
		hd.Set("X-Frame-Options", "DENY")
		if !strings.HasPrefix(r.URL.Path, "/ui/static/") {
			hd.Set("Cache-Control", "no-store")
		}
		h.ServeHTTP(w, r)
	})
}

// call is one authenticated request: its user, session, language.
type call struct {
	user  *maksa.User
	token string
	lang  string
	addr  netip.Addr
}

// csrf is the token a session's forms carry: derived from the session's
// own secret, which the page's scripts never see (the cookie is HttpOnly).
func (c *call) csrf() string { return csrfOf(c.token) }

func csrfOf(token string) string {
	sum := sha256.Sum256([]byte("maksa-ui-csrf-v1\x00" + token))
	return hex.EncodeToString(sum[:16])
}

// authenticated runs h for a request with a live session of an active
// user calling from an allowed address; a request that changes something
// must carry the session's CSRF token and come from this site. A page
// asked for without a session goes to the login page.
func (s *Server) authenticated(h func(http.ResponseWriter, *http.Request, *call)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		lang := langOf(r)
		addr, _ := peerIP(r)
		cookie, err := r.Cookie(sessionCookie)
		if err != nil || cookie.Value == "" {
			s.noSession(w, r, "")
			return
		}
		sess, err := s.Store.UseSession(r.Context(), cookie.Value, s.Now(), s.IdleTimeout, s.SessionLifetime)
		if err != nil {
			s.noSession(w, r, "expired")
			return
		}
		u, err := s.Store.UserByKey(r.Context(), sess.Fingerprint)
		if err != nil || u == nil || u.ID != sess.UserID { // the key that logged in is no longer the user's
			s.Store.CloseSession(context.WithoutCancel(r.Context()), cookie.Value)
			s.noSession(w, r, "expired")
			return
		}
		c := &call{user: u, token: cookie.Value, lang: lang, addr: addr}
		switch {
		case !u.Allows(addr):
			s.refuse403(w, r, c, maksa.AG08, t(lang, "err.ip", addr.String()))
			return
		case !u.ActiveOn(maksa.Day(s.Now().In(s.Location))):
			s.refuse403(w, r, c, maksa.AG08, t(lang, "err.inactive"))
			return
		case r.Method != http.MethodGet && !sameSite(r, c):
			s.refuse403(w, r, c, maksa.NARR, t(lang, "err.csrf"))
			return
		}
		h(w, r, c)
	})
}

// sameSite reports whether a request that changes something came from the
// console's own pages: its CSRF token (a form field or the X-CSRF-Token
// header) is the session's, and its origin, when the browser names one,
// is this host.
func sameSite(r *http.Request, c *call) bool {
	if o := r.Header.Get("Origin"); o != "" && o != "https://"+r.Host {
		return false
	}
	token := r.Header.Get("X-CSRF-Token")
	if token == "" {
		token = r.FormValue("csrf")
	}
	return token != "" && token == c.csrf()
}

// noSession sends a page request to the login page and answers any other
// with 401.
func (s *Server) noSession(w http.ResponseWriter, r *http.Request, why string) {
	if r.Method == http.MethodGet && !strings.HasSuffix(r.URL.Path, "/events") {
		target := "/ui/login"
		if why != "" {
			target += "?" + why + "=1"
		}
		http.Redirect(w, r, target, http.StatusSeeOther)
		return
	}
	http.Error(w, t(langOf(r), "err.nosession"), http.StatusUnauthorized)
}

// refuse403 answers a request the rules refuse, and audits it.
func (s *Server) refuse403(w http.ResponseWriter, r *http.Request, c *call, code maksa.Reason, message string) {
	s.audit(r, c.user.ID, http.StatusForbidden, string(code)+" "+message)
	w.WriteHeader(http.StatusForbidden)
	s.render(w, r, "error", c, map[string]any{"Code": code, "Message": message})
}

// audit records a console event in the audit log.
func (s *Server) audit(r *http.Request, user string, status int, note string) {
	addr, _ := peerIP(r)
	details := map[string]any{"ip": addr.String(), "method": r.Method, "path": r.URL.Path, "status": status}
	if note != "" {
		details["note"] = note
	}
	if err := s.Store.Audit(context.WithoutCancel(r.Context()), user, "ui.request", r.Method+" "+r.URL.Path, details); err != nil {
		s.Log.Error("audit event lost", "err", err)
	}
}

// internal answers a failure inside maksa without its details.
func (s *Server) internal(w http.ResponseWriter, r *http.Request, err error) {
	s.Log.Error("console request failed", "path", r.URL.Path, "err", err)
	http.Error(w, t(langOf(r), "err.internal"), http.StatusInternalServerError)
}

func peerIP(r *http.Request) (netip.Addr, error) {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return netip.Addr{}, err
	}
	addr, err := netip.ParseAddr(host)
	return addr.Unmap(), err
}

// stranger limits an address's failed logins: a burst of 10, then one
// every 6 seconds.
func (s *Server) stranger(addr netip.Addr) *rate.Limiter {
	s.mu.Lock()
	defer s.mu.Unlock()
	l := s.strangers[addr]
	if l == nil {
		l = rate.NewLimiter(rate.Every(6*time.Second), 10)
		s.strangers[addr] = l
	}
	return l
}
