package main

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"maksa"
	"maksa/store"
	"maksa/vop"
)

// payeeConfig is the "vop" section of the configuration file: how maksa
// asks other banks to verify the payees of payments to them.
//
//	vop:
//	  routes: vop-routes.yaml  # which bank's VoP service answers for which IBANs
//	  cert: treasury-vop.crt   # the treasury's client certificate and key
//	  key: treasury-vop.key
//	  ca: banks-ca.crt         # the CAs the banks' servers chain to
//	  timeout: 2s              # one request at most
//	  parallel: 16             # requests at once
//	  bic: TRELLV22            # the treasury's BIC, sent as the requesting agent
type payeeConfig struct {
	Routes   string `yaml:"routes"`
	Cert     string `yaml:"cert"`
	Key      string `yaml:"key"`
	CA       string `yaml:"ca"`
	Timeout  string `yaml:"timeout"`
	Parallel int    `yaml:"parallel"`
	BIC      string `yaml:"bic"`
}

// payeeRequester returns the requester the configuration describes, or
// nil when it has no routing file (payments to other banks are then
// NOAP).
func (m *Main) payeeRequester(cfg config) (*vop.Requester, error) {
	c := cfg.Payees
	if c.Routes == "" {
		return nil, nil
	}
	path := func(p string) string {
		if p == "" || filepath.IsAbs(p) {
			return p
		}
		return filepath.Join(cfg.dir, p)
	}
	routes, err := vop.LoadRoutes(path(c.Routes))
	if err != nil {
		return nil, usageErrorf("vop: %v", err)
	}
	tlsConf := &tls.Config{MinVersion: tls.VersionTLS12, Time: m.clock} // certificates are valid or not on the business day, as serve checks them
	if c.Cert != "" || c.Key != "" {
		pair, err := tls.LoadX509KeyPair(path(c.Cert), path(c.Key))
		if err != nil {
			return nil, usageErrorf("vop: the treasury's client certificate: %v", err)
		}
		tlsConf.Certificates = []tls.Certificate{pair}
	}
	if c.CA != "" {
		pem, err := os.ReadFile(path(c.CA))
		if err != nil {
			return nil, usageErrorf("vop: %v", err)
		}
		tlsConf.RootCAs = x509.NewCertPool()
		if !tlsConf.RootCAs.AppendCertsFromPEM(pem) {
			return nil, usageErrorf("vop: %s holds no PEM certificate", c.CA)
		}
	}
	timeout := vop.DefaultTimeout
	if c.Timeout != "" {
		if timeout, err = time.ParseDuration(c.Timeout); err != nil || timeout <= 0 {
			return nil, usageErrorf("vop: timeout %q is not a duration such as 2s", c.Timeout)
		}
	}
	parallel := c.Parallel
	if parallel == 0 {
		parallel = 16
	}
	if parallel < 0 || parallel > 1000 {
		return nil, usageErrorf("vop: parallel %d must be 1..1000", parallel)
	}
	bic := c.BIC
	if bic == "" {
		bic = m.env("MAKSA_TREASURY_BIC", "TRELLV22")
	}
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: tlsConf, MaxIdleConnsPerHost: parallel, ForceAttemptHTTP2: true}, Timeout: timeout}
	return &vop.Requester{Routes: routes, Client: client, Timeout: timeout, Parallel: parallel, BIC: bic, Log: m.log.With("component", "vop")}, nil
}

// correctNameCommand gives a payment whose verification of payee was a
// close match the registered name, before anyone signed it.
func (m *Main) correctNameCommand() *cobra.Command {
	var user string
	cmd := &cobra.Command{
		Use:   "correct-name P --user ID",
		Short: "Take the registered name for a payment whose verification of payee was a close match (CMTC)",
		Long: `A payment whose creditor name was a close match (CMTC) of the name its
account is held in can take the registered name instead of being signed
with --confirm-vop: its creditor name becomes the registered one and its
verification a match (MTCH). Only before any signature, by a user who may
prepare or sign payments on the debtor account; audited with both names.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			var id int64
			if _, err := fmt.Sscan(strings.TrimPrefix(args[0], "P"), &id); err != nil || id <= 0 {
				return usageErrorf("%q is not a payment id", args[0])
			}
			if user == "" {
				return usageErrorf("correct-name needs --user: who corrects the name")
			}
			db, err := m.open(ctx)
			if err != nil {
				return err
			}
			dir, err := db.Directory(ctx)
			if err != nil {
				return err
			}
			if dir.User(user) == nil {
				return usageErrorf("--user %q is no user in the directory", user)
			}
			today := maksa.Day(m.clock().In(m.location))
			p, err := db.CorrectPayeeName(ctx, id, m.actor(user), func(p *maksa.Payment) error {
				g := dir.Grant(user, p.DebtorIBAN)
				if u := dir.User(user); !u.ActiveOn(today) || g == nil || !g.MovesMoney() {
					return fmt.Errorf("%s may not prepare or sign payments of account %s: %w", user, p.DebtorIBAN, errRejected)
				}
				return nil
			})
			switch {
			case errors.Is(err, store.ErrNoCorrection):
				return fmt.Errorf("%w: %w", err, errRejected)
			case err != nil:
				return err
			}
			if m.JSON {
				return m.printJSON(toJSON(p))
			}
			fmt.Fprintf(m.Stdout, "Payment %d: the creditor name is now %q (verification of payee %s).\n", p.ID, p.CreditorName, p.Payee.Result)
			return nil
		},
	}
	cmd.Flags().StringVar(&user, "user", "", "who corrects the name (prepare or sign mode on the debtor account)")
	return cmd
}
