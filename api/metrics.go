package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"sync"
	"time"

	"maksa"
)

// metrics counts what /metrics exposes in the Prometheus text format.
type metrics struct {
	mu        sync.Mutex
	requests  map[int]int       // by status code
	files     map[string]int    // uploads by outcome
	durations [len(buckets)]int // cumulative histogram of request seconds
	count     int
	sum       float64
	failures  map[string]int // failed authentications by outcome: refused, limited
	payees    map[string]int // verification of payee answers to other banks by outcome
}

// payee counts one answer of the VoP responder.
func (m *metrics) payee(outcome string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.payees == nil {
		m.payees = map[string]int{}
	}
	m.payees[outcome]++
}

func (m *metrics) failure(outcome string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.failures == nil {
		m.failures = map[string]int{}
	}
	m.failures[outcome]++
}

var buckets = [...]float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

func (m *metrics) file(status maksa.Status) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.files == nil {
		m.files = map[string]int{}
	}
	m.files[string(status)]++
}

func (m *metrics) request(code int, d time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.requests == nil {
		m.requests = map[int]int{}
	}
	m.requests[code]++
	m.count++
	m.sum += d.Seconds()
	for i, b := range buckets {
		if d.Seconds() <= b {
			m.durations[i]++
		}
	}
}

// measure times every request.
func (s *Server) measure(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		h.ServeHTTP(rec, r)
		s.metrics.request(rec.status, time.Since(start))
	})
}

func (s *Server) serveMetrics(w http.ResponseWriter, r *http.Request) {
	counts, err := s.Store.Counts(r.Context())
	if err != nil {
		s.internal(w, err)
		return
	}
	w.Header().Set("Content-Type", "text/plain; version=0.0.4")
	fmt.Fprintln(w, "# HELP maksa_batches Stored batches by status.\n# TYPE maksa_batches gauge")
	writeLabelled(w, "maksa_batches", "status", counts["batches"])
	fmt.Fprintln(w, "# HELP maksa_payments Stored payments by status.\n# TYPE maksa_payments gauge")
	writeLabelled(w, "maksa_payments", "status", counts["payments"])
	s.metrics.mu.Lock()
	defer s.metrics.mu.Unlock()
	fmt.Fprintln(w, "# HELP maksa_api_uploads_total Files uploaded through the API by outcome.\n# TYPE maksa_api_uploads_total counter")
	writeLabelled(w, "maksa_api_uploads_total", "status", s.metrics.files)
	fmt.Fprintln(w, "# HELP maksa_api_auth_failures_total Requests that failed to authenticate: refused, or limited (their address had failed too often).\n# TYPE maksa_api_auth_failures_total counter")
	writeLabelled(w, "maksa_api_auth_failures_total", "outcome", s.metrics.failures)
	fmt.Fprintln(w, "# HELP maksa_vop_responses_total Verification of payee requests from other banks by outcome (MTCH, CMTC, NMTC, NOAP; refused, limited, invalid).\n# TYPE maksa_vop_responses_total counter")
	writeLabelled(w, "maksa_vop_responses_total", "outcome", s.metrics.payees)
	fmt.Fprintln(w, "# HELP maksa_http_requests_total API requests by status code.\n# TYPE maksa_http_requests_total counter")
	codes := map[string]int{}
	for c, n := range s.metrics.requests {
		codes[fmt.Sprint(c)] = n
	}
	writeLabelled(w, "maksa_http_requests_total", "code", codes)
	fmt.Fprintln(w, "# HELP maksa_http_request_duration_seconds API request latency.\n# TYPE maksa_http_request_duration_seconds histogram")
	for i, b := range buckets {
		fmt.Fprintf(w, "maksa_http_request_duration_seconds_bucket{le=\"%g\"} %d\n", b, s.metrics.durations[i])
	}
	fmt.Fprintf(w, "maksa_http_request_duration_seconds_bucket{le=\"+Inf\"} %d\n", s.metrics.count)
	fmt.Fprintf(w, "maksa_http_request_duration_seconds_sum %g\nmaksa_http_request_duration_seconds_count %d\n", s.metrics.sum, s.metrics.count)
}

func writeLabelled(w http.ResponseWriter, name, label string, values map[string]int) {
	keys := make([]string, 0, len(values))
	for k := range values {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(w, "%s{%s=%q} %d\n", name, label, k, values[k])
	}
}

// jsonBody decodes a small JSON request body.
func jsonBody(r *http.Request, v any) error {
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}
