package api

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"maksa"
	"maksa/store"
)

// metrics is what /metrics exposes: the stored batches and payments by
// status (read at each scrape), the API's requests, uploads, failed
// authentications and verification of payee answers, and the Go runtime's
// and the process's own metrics.
type metrics struct {
	registry  *prometheus.Registry
	requests  *prometheus.CounterVec // by status code
	durations prometheus.Histogram   // request seconds
	files     *prometheus.CounterVec // uploads by outcome
	failures  *prometheus.CounterVec // failed authentications by outcome: refused, limited
	payees    *prometheus.CounterVec // verification of payee answers to other banks by outcome
}

func newMetrics(db *store.DB) *metrics {
	m := &metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "maksa_http_requests_total", Help: "API requests by status code."}, []string{"code"}),
		durations: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "maksa_http_request_duration_seconds", Help: "API request latency.",
			Buckets: []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}}),
		files:    prometheus.NewCounterVec(prometheus.CounterOpts{Name: "maksa_api_uploads_total", Help: "Files uploaded through the API by outcome."}, []string{"status"}),
		failures: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "maksa_api_auth_failures_total", Help: "Requests that failed to authenticate: refused, or limited (their address had failed too often)."}, []string{"outcome"}),
		payees: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "maksa_vop_responses_total",
			Help: "Verification of payee requests from other banks by outcome (MTCH, CMTC, NMTC, NOAP; refused, limited, invalid)."}, []string{"outcome"}),
	}
	m.registry.MustRegister(m.requests, m.durations, m.files, m.failures, m.payees, stored{db},
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

func (m *metrics) failure(outcome string)   { m.failures.WithLabelValues(outcome).Inc() }
func (m *metrics) file(status maksa.Status) { m.files.WithLabelValues(string(status)).Inc() }
func (m *metrics) payee(outcome string)     { m.payees.WithLabelValues(outcome).Inc() }

func (m *metrics) request(code int, d time.Duration) {
	m.requests.WithLabelValues(strconv.Itoa(code)).Inc()
	m.durations.Observe(d.Seconds())
}

// stored collects the stored batches and payments by status at each
// scrape.
type stored struct{ db *store.DB }

var (
	batchesDesc  = prometheus.NewDesc("maksa_batches", "Stored batches by status.", []string{"status"}, nil)
	paymentsDesc = prometheus.NewDesc("maksa_payments", "Stored payments by status.", []string{"status"}, nil)
)

func (c stored) Describe(ch chan<- *prometheus.Desc) {
	ch <- batchesDesc
	ch <- paymentsDesc
}

func (c stored) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	counts, err := c.db.Counts(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(batchesDesc, err)
		return
	}
	for status, n := range counts["batches"] {
		ch <- prometheus.MustNewConstMetric(batchesDesc, prometheus.GaugeValue, float64(n), status)
	}
	for status, n := range counts["payments"] {
		ch <- prometheus.MustNewConstMetric(paymentsDesc, prometheus.GaugeValue, float64(n), status)
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

// Metrics answers /metrics in the Prometheus text format, after Handler
// was made. It is not among the API's routes: anyone who reaches it may
// read it, and each scrape counts the stored batches and payments, so
// maksa serve answers it only on the address --metrics-addr gives, for the
// monitoring network, never on the API's own.
func (s *Server) Metrics() http.Handler {
	return promhttp.HandlerFor(s.metrics.registry, promhttp.HandlerOpts{})
}

// jsonBody decodes a small JSON request body.
func jsonBody(r *http.Request, v any) error {
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}
