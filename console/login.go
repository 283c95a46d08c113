package console

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"

	"maksa"
)

// loginPage offers the key login and, when the browser presented a client
// certificate that is a user's key, the certificate login.
func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	lang := langOf(r)
	data := map[string]any{}
	if u := s.certificateUser(r); u != nil {
		data["Certificate"] = u.ID
	}
	q := r.URL.Query()
	switch {
	case q.Get("expired") != "":
		data["Notice"] = t(lang, "login.idle")
	case q.Get("bye") != "":
		data["Notice"] = t(lang, "login.bye")
	}
	s.render(w, r, "login", nil, data)
}

// certificateUser returns the user whose directory key is the TLS client
// certificate, if the browser presented one.
func (s *Server) certificateUser(r *http.Request) *maksa.User {
	if r.TLS == nil || len(r.TLS.PeerCertificates) == 0 {
		return nil
	}
	sum := sha256.Sum256(r.TLS.PeerCertificates[0].Raw)
	u, err := s.Store.UserByKey(r.Context(), hex.EncodeToString(sum[:]))
	if err != nil {
		return nil
	}
	return u
}

// newChallenge hands out a challenge for a user to sign: random, single
// use, valid for two minutes. Any user name gets one: the answer tells
// nobody who exists.
func (s *Server) newChallenge(w http.ResponseWriter, r *http.Request) {
	var body struct {
		User string `json:"user"`
	}
	r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil || body.User == "" || !sameOrigin(r) {
		http.Error(w, "a JSON body {\"user\": \"…\"} from this site", http.StatusBadRequest)
		return
	}
	var nonce [24]byte
	rand.Read(nonce[:])
	text := fmt.Sprintf("maksa-login-v1 %s %s %s", r.Host, body.User, base64.RawURLEncoding.EncodeToString(nonce[:]))
	now := s.Now()
	s.mu.Lock()
	for k, c := range s.challenges { // the expired ones go
		if now.After(c.expires) {
			delete(s.challenges, k)
		}
	}
	s.challenges[text] = challenge{user: body.User, expires: now.Add(challengeTTL)}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]string{"challenge": text})
}

// sameOrigin reports whether a request's Origin, when the browser names
// one, is this host.
func sameOrigin(r *http.Request) bool {
	o := r.Header.Get("Origin")
	return o == "" || o == "https://"+r.Host
}

// keyLogin opens a session for a user who signed a challenge with one of
// their directory keys.
func (s *Server) keyLogin(w http.ResponseWriter, r *http.Request) {
	lang := langOf(r)
	addr, _ := peerIP(r)
	if !s.stranger(addr).Allow() {
		http.Error(w, t(lang, "login.failed")+": too many attempts, wait", http.StatusTooManyRequests)
		return
	}
	var body struct {
		User      string `json:"user"`
		Challenge string `json:"challenge"`
		Signature string `json:"signature"` // base64
	}
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil || !sameOrigin(r) {
		http.Error(w, "a JSON body {user, challenge, signature} from this site", http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	c, ok := s.challenges[body.Challenge]
	delete(s.challenges, body.Challenge)
	s.mu.Unlock()
	fail := func(why string) {
		s.Log.Warn("console login failed", "ip", addr.String(), "user", body.User, "why", why)
		s.audit(r, "anonymous", http.StatusUnauthorized, "login of "+body.User+" failed: "+why)
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": t(lang, "login.failed") + ": " + why})
	}
	if !ok || c.user != body.User || s.Now().After(c.expires) {
		fail("the challenge is unknown, used or expired")
		return
	}
	sig, err := base64.StdEncoding.DecodeString(body.Signature)
	if err != nil {
		fail("the signature is not base64")
		return
	}
	key, err := s.Signing.LoginKey(r.Context(), body.User, []byte(body.Challenge), sig)
	if err != nil {
		fail("the signature does not verify with a valid key of this user")
		return
	}
	u, err := s.Store.UserByKey(r.Context(), key.Fingerprint)
	if err != nil || u == nil || u.ID != body.User {
		fail("the key is not this user's")
		return
	}
	if refusal := s.open(w, r, u, key.Fingerprint); refusal != "" {
		writeJSON(w, http.StatusForbidden, map[string]string{"error": t(lang, "login.failed") + ": " + refusal})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"next": "/ui/queue"})
}

// certificateLogin opens a session with the browser's client certificate.
func (s *Server) certificateLogin(w http.ResponseWriter, r *http.Request) {
	u := s.certificateUser(r)
	if u == nil || !sameOrigin(r) {
		http.Redirect(w, r, "/ui/login", http.StatusSeeOther)
		return
	}
	sum := sha256.Sum256(r.TLS.PeerCertificates[0].Raw)
	if refusal := s.open(w, r, u, hex.EncodeToString(sum[:])); refusal != "" {
		w.WriteHeader(http.StatusForbidden)
		s.render(w, r, "error", nil, map[string]any{"Code": maksa.AG08, "Message": refusal})
		return
	}
	http.Redirect(w, r, "/ui/queue", http.StatusSeeOther)
}

// open checks the user as every request is checked, opens a session and
// sets its cookie. It returns why it refused, or "" (then it set the
// cookie; an internal failure is a refusal too, its details logged).
func (s *Server) open(w http.ResponseWriter, r *http.Request, u *maksa.User, fingerprint string) string {
	lang := langOf(r)
	addr, _ := peerIP(r)
	refusal := ""
	switch {
	case !u.Allows(addr):
		refusal = "AG08 " + t(lang, "err.ip", addr.String())
	case !u.ActiveOn(maksa.Day(s.Now().In(s.Location))):
		refusal = "AG08 " + t(lang, "err.inactive")
	}
	if refusal != "" {
		s.audit(r, u.ID, http.StatusForbidden, "login refused: "+refusal)
		return refusal
	}
	now := s.Now()
	var b [32]byte
	rand.Read(b[:])
	token := hex.EncodeToString(b[:])
	_, err := s.Store.PurgeSessions(r.Context(), now.Add(-s.IdleTimeout), now.Add(-s.SessionLifetime))
	if err == nil {
		err = s.Store.OpenSession(r.Context(), token, u.ID, fingerprint, now)
	}
	if err != nil {
		s.Log.Error("console login failed", "err", err)
		return t(lang, "err.internal")
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: token, Path: "/ui/", Secure: true, HttpOnly: true, SameSite: http.SameSiteStrictMode})
	s.audit(r, u.ID, http.StatusOK, "logged in to the console")
	return ""
}

// logout ends the session.
func (s *Server) logout(w http.ResponseWriter, r *http.Request, c *call) {
	if err := s.Store.CloseSession(context.WithoutCancel(r.Context()), c.token); err != nil {
		s.internal(w, r, err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/ui/", Secure: true, HttpOnly: true, SameSite: http.SameSiteStrictMode, MaxAge: -1})
	s.audit(r, c.user.ID, http.StatusOK, "logged out of the console")
	http.Redirect(w, r, "/ui/login?bye=1", http.StatusSeeOther)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
