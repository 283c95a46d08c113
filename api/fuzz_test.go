package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"maksa/exporter"
	"maksa/importer"
	"maksa/internal/test/fixture"
	"maksa/internal/test/testdb"
)

// FuzzRequests sends arbitrary methods, paths, bodies and Idempotency-Key
// headers through the whole
// API as an authenticated user (a session token; the TLS handshake is not
// fuzzed) over a real SQLite database. No request may panic or end in an
// internal error, and every JSON answer must be valid JSON.
func FuzzRequests(f *testing.F) {
	fx := fixture.New(f, testdb.SQLite, 3)
	s := &Server{Store: fx.Store, Signing: fx.Signing, Home: f.TempDir(), Now: fixture.Clock, Location: fixture.Riga,
		Importer:  &importer.Importer{Store: fx.Store, Now: fixture.Clock, Location: fixture.Riga, DaysPast: 10, DaysFuture: 90},
		Exporter:  &exporter.Exporter{Store: fx.Store, Location: fixture.Riga},
		MaxUpload: 1 << 20, IdleTimeout: time.Hour, Rate: 1e9, Burst: 1e9, Log: slog.New(slog.DiscardHandler)}
	handler := s.Handler()
	d, err := fx.Store.Directory(context.Background())
	if err != nil {
		f.Fatal(err)
	}
	var key string
	for _, u := range d.Users {
		if u.ID == "u" && len(u.Keys) > 0 {
			key = u.Keys[0].Fingerprint
		}
	}
	if err := fx.Store.OpenSession(context.Background(), "token", "u", key, fixture.Clock()); err != nil {
		f.Fatal(err)
	}
	probe := httptest.NewRequest("GET", "http://maksa/v1/queue", nil)
	probe.RemoteAddr = "192.0.2.1:4000"
	probe.Header.Set("Authorization", "Bearer token")
	rec := httptest.NewRecorder()
	handler.ServeHTTP(rec, probe)
	if rec.Code != 200 {
		f.Fatalf("the fuzzer's session does not work: %d %s", rec.Code, rec.Body)
	}
	id := fx.IDs[0]
	for _, seed := range []struct{ method, path, body string }{
		{"POST", fmt.Sprintf("/v1/payments/%d/signatures", id), `{"signature": "AAAA"}`},
		{"POST", fmt.Sprintf("/v1/payments/%d/signatures", id), `{"signature": 1, "x": [}`},
		{"POST", "/v1/payments/-1/signatures", `{"signature": "////"}`},
		{"GET", fmt.Sprintf("/v1/payments/%d/digest", id), ""},
		{"GET", "/v1/payments?status=PDNG&from=2026-11-01&limit=5", ""},
		{"GET", "/v1/payments?amount_min=1e999&limit=-1", ""},
		{"GET", "/v1/queue", ""},
		{"GET", "/v1/files/1/status", ""},
		{"GET", "/v1/statements/" + fixture.Account + "?date=2026-11-27&format=camt053", ""},
		{"POST", "/v1/files?name=a.xml", `<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"><CstmrCdtTrfInitn/></Document>`},
		{"POST", "/v1/files?name=a.csv", "IBAN;Summa\nLV21TREL9160100000000;1,00\n"},
		{"DELETE", "/v1/session", ""},
	} {
		f.Add(seed.method, seed.path, []byte(seed.body), "")
		f.Add(seed.method, seed.path, []byte(seed.body), "key-1") // the same key for other requests: refused, never replayed across
	}
	f.Add("POST", "/v1/files?name=b.xml", []byte("x"), "\x00\n")
	f.Fuzz(func(t *testing.T, method, path string, body []byte, idempotencyKey string) {
		if !strings.HasPrefix(path, "/") || strings.ContainsAny(path, " \r\n\t#") {
			return // not a request line an HTTP server would hand over
		}
		if method == "DELETE" {
			return // would end the fuzzer's own session
		}
		req, err := http.NewRequest(method, "http://maksa"+path, bytes.NewReader(body))
		if err != nil {
			return
		}
		req.RemoteAddr = "192.0.2.1:4000"
		req.Header.Set("Authorization", "Bearer token")
		if idempotencyKey != "" {
			req.Header.Set("Idempotency-Key", idempotencyKey)
		}
		rec := httptest.NewRecorder()
		handler.ServeHTTP(rec, req)
		res := rec.Result()
		out, _ := io.ReadAll(res.Body)
		if res.StatusCode >= 500 {
			t.Fatalf("%s %s: %d %s", method, path, res.StatusCode, out)
		}
		if strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") && !json.Valid(out) {
			t.Fatalf("%s %s: invalid JSON %q", method, path, out)
		}
	})
}
