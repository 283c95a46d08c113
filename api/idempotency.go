package api

import (
	"bytes"
	"context"
	"net/http"
	"unicode"

	"maksa"
)

// bufferedResponse keeps what a handler answers, to record it before it is
// sent.
type bufferedResponse struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (b *bufferedResponse) Header() http.Header { return b.header }
func (b *bufferedResponse) WriteHeader(code int) {
	if b.status == 0 {
		b.status = code
	}
}
func (b *bufferedResponse) Write(p []byte) (int, error) {
	if b.status == 0 {
		b.status = http.StatusOK
	}
	return b.body.Write(p)
}

// idempotent runs h once for each Idempotency-Key a user sends: a retry
// with the same key gets the first answer byte for byte, and the work is
// not done twice (an upload is not imported again, a signature not given
// again). A key first used for another request is refused (422); a retry
// while the first is still being answered gets 409. An answer of the
// server's own failure (5xx) is not kept, so that a retry does the work.
// Answers are kept for store.KeepAnswers (a week); a key whose request
// was never answered (its server died) is claimed anew by a retry after
// store.AbandonAfter (an hour).
func (s *Server) idempotent(h func(http.ResponseWriter, *http.Request, *maksa.User)) func(http.ResponseWriter, *http.Request, *maksa.User) {
	return func(w http.ResponseWriter, r *http.Request, u *maksa.User) {
		key := r.Header.Get("Idempotency-Key")
		if key == "" {
			h(w, r, u)
			return
		}
		if len(key) > 255 || containsControl(key) {
			writeError(w, http.StatusBadRequest, maksa.NARR, "the Idempotency-Key header is at most 255 printable characters")
			return
		}
		scope := r.Method + " " + r.URL.RequestURI()
		first, err := s.Store.ClaimKey(r.Context(), u.ID, key, scope, s.Now())
		switch {
		case err != nil:
			s.internal(w, err)
			return
		case first != nil && first.Scope != scope:
			writeError(w, http.StatusUnprocessableEntity, maksa.NARR, "this Idempotency-Key was used for another request: "+first.Scope)
			return
		case first != nil && first.Status == 0:
			writeError(w, http.StatusConflict, maksa.NARR, "a request with this Idempotency-Key is still being answered: ask again shortly")
			return
		case first != nil:
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Idempotent-Replayed", "true")
			w.WriteHeader(first.Status)
			w.Write([]byte(first.Body))
			return
		}
		buf := &bufferedResponse{header: w.Header()}
		h(buf, r, u)
		if buf.status == 0 {
			buf.status = http.StatusOK
		}
		ctx := context.WithoutCancel(r.Context())
		if buf.status >= 500 {
			err = s.Store.ReleaseKey(ctx, u.ID, key)
		} else {
			err = s.Store.RecordAnswer(ctx, u.ID, key, buf.status, buf.body.Bytes())
		}
		if err != nil {
			s.Log.Error("idempotency key not recorded", "user", u.ID, "err", err)
		}
		w.WriteHeader(buf.status)
		w.Write(buf.body.Bytes())
	}
}

func containsControl(s string) bool {
	for _, r := range s {
		if unicode.IsControl(r) || r > unicode.MaxASCII {
			return true
		}
	}
	return false
}
