package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"maksa"
)

// config is the treasury's configuration file (--config, MAKSA_CONFIG, or
// maksa.yaml in the data folder when it exists). Every field is optional.
type config struct {
	Cutoffs               map[string]string `yaml:"cutoffs"`                // kind: "HH:MM"
	AnnouncementThreshold string            `yaml:"announcement_threshold"` // EUR
	AnnouncementDeadline  string            `yaml:"announcement_deadline"`  // "HH:MM" the working day before
	BudgetAccounts        []string          `yaml:"budget_accounts"`        // the State Revenue Service's accounts
	TaxCodes              []string          `yaml:"tax_codes"`
	BudgetCodes           []string          `yaml:"budget_codes"`
	ClosedDays            []string          `yaml:"closed_days"`   // extra non-working days
	SamePayments          string            `yaml:"same_payments"` // warn (default) or reject: a payment the same as one already accepted (AM05)
	CashAccount           string            `yaml:"cash_account"`
	ClearingAccount       string            `yaml:"clearing_account"`
	Payees                payeeConfig       `yaml:"vop"` // verification of payee at other banks

	dir string // the folder of the file: relative paths are relative to it
}

// loadConfig reads the configuration and returns the rules, the calendar
// and the file's account settings.
func (m *Main) loadConfig() (maksa.Rules, maksa.Calendar, config, error) {
	rules, cal, cfg := maksa.DefaultRules(), m.calendar(), config{}
	path := m.ConfigFile
	if path == "" {
		if p := filepath.Join(m.Home, "maksa.yaml"); fileExists(p) {
			path = p
		}
	}
	if path == "" {
		return rules, cal, cfg, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return rules, cal, cfg, err
	}
	dec := yaml.NewDecoder(strings.NewReader(string(data)))
	dec.KnownFields(true)
	if err := dec.Decode(&cfg); err != nil {
		return rules, cal, cfg, usageErrorf("%s: %v", path, err)
	}
	cfg.dir = filepath.Dir(path)
	for kind, at := range cfg.Cutoffs {
		d, err := timeOfDay(at)
		if err != nil || !maksa.Kind(kind).Valid() {
			return rules, cal, cfg, usageErrorf("%s: cutoffs: %s: %q must be a kind and HH:MM", path, kind, at)
		}
		rules.Cutoffs[maksa.Kind(kind)] = d
	}
	if cfg.AnnouncementThreshold != "" {
		if rules.AnnouncementThreshold, err = maksa.ParseDecimal(cfg.AnnouncementThreshold); err != nil {
			return rules, cal, cfg, usageErrorf("%s: announcement_threshold %q is not an amount", path, cfg.AnnouncementThreshold)
		}
	}
	if cfg.AnnouncementDeadline != "" {
		if rules.AnnouncementDeadline, err = timeOfDay(cfg.AnnouncementDeadline); err != nil {
			return rules, cal, cfg, usageErrorf("%s: announcement_deadline %q is not HH:MM", path, cfg.AnnouncementDeadline)
		}
	}
	switch cfg.SamePayments {
	case "", "warn":
	case "reject":
		rules.RejectSamePayments = true
	default:
		return rules, cal, cfg, usageErrorf("%s: same_payments %q must be warn or reject", path, cfg.SamePayments)
	}
	for _, list := range []struct {
		values []string
		set    map[string]bool
	}{{cfg.BudgetAccounts, rules.BudgetAccounts}, {cfg.TaxCodes, rules.TaxCodes}, {cfg.BudgetCodes, rules.BudgetCodes}, {cfg.ClosedDays, cal.Closed}} {
		for _, v := range list.values {
			list.set[v] = true
		}
	}
	return rules, cal, cfg, nil
}

func timeOfDay(s string) (time.Duration, error) {
	t, err := time.Parse("15:04", s)
	if err != nil {
		return 0, fmt.Errorf("%q is not HH:MM", s)
	}
	return time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute, nil
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
