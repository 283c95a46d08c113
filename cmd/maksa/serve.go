package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/spf13/cobra"

	"maksa/api"
	"maksa/console"
	"maksa/vop"
)

func (m *Main) serveCommand() *cobra.Command {
	var (
		addr, metricsAddr, certFile, keyFile, caFile string
		clearing                                     string
		peerCAFile                                   string
		peerRate                                     float64
		peerBurst                                    int
		maxUpload                                    int64
		idle, lifetime, failEvery                    time.Duration
		failBurst                                    int
		operators                                    []string
		rateLimit                                    float64
		burst, camt, signDays                        int
		f                                            importFlags
	)
	cmd := &cobra.Command{
		Use:   "serve --cert server.crt --key server.key --client-ca ca.crt",
		Short: "The online exchange: an HTTPS API with client certificates (see api/openapi.yaml) and the web console at /ui/",
		Long: `Serve the HTTPS API for accounting systems and signers. TLS 1.2 or newer;
a client certificate must chain to --client-ca and be one of an active
user's keys in the directory, and the caller's address must be in that
user's ip_allow. With --vop-peer-ca, other banks may ask at ` + vop.Path + `
whether a name is the one a treasury account is held in. POST /v1/session exchanges a certificate for a bearer token
that expires after --idle without a request. The web console for signers
and treasury staff is at /ui/ (docs/console.md): a login signs a challenge
with the user's key file in the browser, or uses a client certificate; its
session ends after --idle too. Every request is an audit event. Prometheus
metrics are at /metrics on --metrics-addr only, over plain HTTP: give it an
address only the monitoring network reaches. SIGTERM or SIGINT stops the
server gracefully.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if certFile == "" || keyFile == "" || caFile == "" {
				return usageErrorf("serve needs --cert, --key and --client-ca")
			}
			cert, err := tls.LoadX509KeyPair(certFile, keyFile)
			if err != nil {
				return usageErrorf("server certificate: %v", err)
			}
			caPEM, err := os.ReadFile(caFile)
			if err != nil {
				return err
			}
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM(caPEM) {
				return usageErrorf("%s holds no PEM certificate", caFile)
			}
			var payees *vop.Responder
			if peerCAFile != "" {
				peerPEM, err := os.ReadFile(peerCAFile)
				if err != nil {
					return err
				}
				peers := x509.NewCertPool()
				if !peers.AppendCertsFromPEM(peerPEM) || !pool.AppendCertsFromPEM(peerPEM) {
					return usageErrorf("%s holds no PEM certificate", peerCAFile)
				}
				payees = &vop.Responder{Peers: peers, Rate: peerRate, Burst: peerBurst, Now: m.clock, Log: m.log.With("component", "vop")}
			}
			db, err := m.openWaiting(ctx, f.patience)
			if err != nil {
				return err
			}
			ex, err := m.exporter(db, clearing, camt)
			if err != nil {
				return err
			}
			im, err := m.importer(db, f)
			if err != nil {
				return err
			}
			srv := &api.Server{Store: db, Signing: m.signingService(db, signDays), Exporter: ex, Home: m.Home, Now: m.clock, Location: m.location,
				Importer: im, Payees: payees, MaxUpload: maxUpload, IdleTimeout: idle, SessionLifetime: lifetime, FailureBurst: failBurst, FailureEvery: failEvery, Rate: rateLimit, Burst: burst, Log: m.log}
			if payees != nil {
				payees.Holder = db.AccountHolder
			}
			ui := &console.Server{Store: db, Signing: srv.Signing, Importer: im, Exporter: ex, Home: m.Home, Now: m.clock, Location: m.location,
				MaxUpload: maxUpload, IdleTimeout: idle, SessionLifetime: lifetime, Operators: operators, Log: m.log.With("component", "console")}
			mux := http.NewServeMux()
			mux.Handle("/ui/", ui.Handler())
			mux.Handle("/", srv.Handler())
			hs := &http.Server{
				Handler: mux,
				TLSConfig: &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{cert}, ClientCAs: pool, ClientAuth: tls.VerifyClientCertIfGiven, GetConfigForClient: srv.Handshake,
					Time: m.clock}, // certificates are valid or not on the business day (MAKSA_NOW)
				ReadHeaderTimeout: 10 * time.Second,
				ReadTimeout:       5 * time.Minute,
				WriteTimeout:      10 * time.Minute,
				IdleTimeout:       2 * time.Minute,
				MaxHeaderBytes:    64 << 10,
				ErrorLog:          slog.NewLogLogger(m.log.Handler(), slog.LevelWarn),
			}
			servers := []*http.Server{hs}
			if metricsAddr != "" {
				ms, err := m.serveMetrics(metricsAddr, srv.Metrics())
				if err != nil {
					return err
				}
				servers = append(servers, ms)
			}
			ln, err := net.Listen("tcp", addr)
			if err != nil {
				return err
			}
			m.log.Info("serving", "addr", ln.Addr().String())
			go func() {
				<-ctx.Done()
				shutdown, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				defer cancel()
				for _, s := range servers {
					s.Shutdown(shutdown)
				}
			}()
			if err := hs.ServeTLS(ln, "", ""); !errors.Is(err, http.ErrServerClosed) {
				return err
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&addr, "addr", m.env("MAKSA_ADDR", ":8443"), "listen address (MAKSA_ADDR)")
	fl.StringVar(&metricsAddr, "metrics-addr", m.env("MAKSA_METRICS_ADDR", ""), "serve Prometheus metrics at /metrics on this address, over plain HTTP and to anyone who reaches it: one only the monitoring network reaches, such as 127.0.0.1:9464 (MAKSA_METRICS_ADDR); none when empty")
	fl.StringVar(&certFile, "cert", "", "the server certificate (PEM)")
	fl.StringVar(&keyFile, "key", "", "the server's private key (PEM)")
	fl.StringVar(&caFile, "client-ca", "", "the CA that client certificates must chain to (PEM)")
	fl.Int64Var(&maxUpload, "max-upload", 100<<20, "largest file accepted, bytes")
	fl.DurationVar(&idle, "idle", 5*time.Minute, "a session token unused this long expires")
	fl.DurationVar(&lifetime, "session-lifetime", 8*time.Hour, "a session token expires this long after it was opened, however busy")
	fl.StringSliceVar(&operators, "operators", nil, "users who see the web console's operator page (nightly runs, daily reports, held payments, audit verify)")
	fl.IntVar(&failBurst, "auth-failures", 20, "failed authentications an address may make before it must wait")
	fl.DurationVar(&failEvery, "auth-failure-every", time.Second, "then one more each this long")
	fl.Float64Var(&rateLimit, "rate", 20, "requests per second per user")
	fl.IntVar(&burst, "burst", 40, "requests a user may make at once")
	fl.StringVar(&peerCAFile, "vop-peer-ca", "", "answer verification of payee requests ("+vop.Path+") from PSPs whose client certificate chains to this CA (PEM)")
	fl.Float64Var(&peerRate, "vop-rate", 100, "verification of payee requests per second per PSP")
	fl.IntVar(&peerBurst, "vop-burst", 200, "verification of payee requests a PSP may make at once")
	m.addExportFlags(cmd, &clearing, &camt)
	m.addSignDays(cmd, &signDays)
	addPatience(cmd, &f.patience)
	m.addImportFlags(cmd, &f)
	return cmd
}

// serveMetrics starts answering /metrics, and nothing else, over plain HTTP
// on addr; the server returned is to be shut down with the API's.
func (m *Main) serveMetrics(addr string, metrics http.Handler) (*http.Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("--metrics-addr: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", metrics)
	ms := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second, WriteTimeout: time.Minute,
		MaxHeaderBytes: 16 << 10, ErrorLog: slog.NewLogLogger(m.log.Handler(), slog.LevelWarn)}
	m.log.Info("serving metrics", "addr", ln.Addr().String())
	go func() {
		if err := ms.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			m.log.Error("metrics server stopped", "err", err)
		}
	}()
	return ms, nil
}
