// Package directory reads a maksa directory file: the YAML that declares
// clients, accounts, users, their keys and their grants, in this shape:
//
//	clients:  [{id, name, reg_no, vop_opt_out, address: {street, building, postcode, town, country}}]
//	accounts: [{iban, client, currency, balance, signatures, status, kinds, budget, statements: [fidavista, camt054]}]
//	users:    [{id, name, status, valid_until, ip_allow, keys, grants, pain002_version}]
//	grants:   [{account, modes, payment_limit, daily_limit, card_valid_until}] under each user
//
// Key paths are relative to the directory file. Every problem is reported
// with the file, line and field, and Load returns them all at once.
package directory

import (
	"bytes"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/shopspring/decimal"
	"go.yaml.in/yaml/v3"

	"maksa"
)

// Error is one problem in a directory file.
type Error struct {
	File  string
	Line  int
	Field string
	Err   error
}

func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("%s:%d: %s: %v", e.File, e.Line, e.Field, e.Err)
	}
	return fmt.Sprintf("%s:%d: %v", e.File, e.Line, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

type file struct {
	Clients  []yaml.Node `yaml:"clients"`
	Accounts []yaml.Node `yaml:"accounts"`
	Users    []yaml.Node `yaml:"users"`
}

type clientIn struct {
	ID          string    `yaml:"id"`
	Name        string    `yaml:"name"`
	Address     yaml.Node `yaml:"address"`
	RegNo       string    `yaml:"reg_no"`
	PayeeOptOut bool      `yaml:"vop_opt_out"`
}

type addressIn struct {
	Street   string `yaml:"street"`
	Building string `yaml:"building"`
	Postcode string `yaml:"postcode"`
	Town     string `yaml:"town"`
	Country  string `yaml:"country"`
}

type accountIn struct {
	IBAN       string   `yaml:"iban"`
	Client     string   `yaml:"client"`
	Currency   string   `yaml:"currency"`
	Balance    string   `yaml:"balance"`
	Signatures int      `yaml:"signatures"`
	Status     string   `yaml:"status"`
	Kinds      []string `yaml:"kinds"`
	Budget     bool     `yaml:"budget"`
	Statements []string `yaml:"statements"`
}

type userIn struct {
	ID         string      `yaml:"id"`
	Name       string      `yaml:"name"`
	Status     string      `yaml:"status"`
	ValidUntil string      `yaml:"valid_until"`
	IPAllow    []string    `yaml:"ip_allow"`
	Keys       []string    `yaml:"keys"`
	Grants     []yaml.Node `yaml:"grants"`
	Pain002    int         `yaml:"pain002_version"`
}

type grantIn struct {
	Account        string   `yaml:"account"`
	Modes          []string `yaml:"modes"`
	PaymentLimit   string   `yaml:"payment_limit"`
	DailyLimit     string   `yaml:"daily_limit"`
	CardValidUntil string   `yaml:"card_valid_until"`
}

var knownKeys = map[string][]string{
	"top":     {"clients", "accounts", "users"},
	"client":  {"id", "name", "address", "reg_no", "vop_opt_out"},
	"address": {"street", "building", "postcode", "town", "country"},
	"account": {"iban", "client", "currency", "balance", "signatures", "status", "kinds", "budget", "statements"},
	"user":    {"id", "name", "status", "valid_until", "ip_allow", "keys", "grants", "pain002_version"},
	"grant":   {"account", "modes", "payment_limit", "daily_limit", "card_valid_until"},
}

// Load reads and checks the directory file at path. On any problem it
// returns a nil directory and all problems joined (each an *Error).
func Load(path string) (*maksa.Directory, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, data, relativeTo(filepath.Dir(path)))
}

// relativeTo reads files relative to a folder, "../keys/a.pem" included
// (os.DirFS would refuse to leave the folder); an absolute path is read as
// it is.
type relativeTo string

func (dir relativeTo) Open(name string) (fs.File, error) {
	if filepath.IsAbs(name) {
		return os.Open(name)
	}
	return os.Open(filepath.Join(string(dir), filepath.FromSlash(name)))
}

// Parse checks the directory file data read from name; key files are read
// from keys (the folder the file is in).
func Parse(name string, data []byte, keys fs.FS) (*maksa.Directory, error) {
	l := &loader{name: name, keys: keys}
	d := l.parse(data)
	if len(l.errs) > 0 {
		return nil, errors.Join(l.errs...)
	}
	return d, nil
}

type loader struct {
	name string
	keys fs.FS
	errs []error
	// owners are the users of the keys read so far, by fingerprint: a key
	// signs for one user only.
	owners map[string]string
}

func (l *loader) fail(line int, field string, format string, args ...any) {
	l.errs = append(l.errs, &Error{File: l.name, Line: line, Field: field, Err: fmt.Errorf(format, args...)})
}

// line returns the line of key in the mapping node n, or n's own line.
func line(n *yaml.Node, key string) int {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1].Line
		}
	}
	return n.Line
}

// decode decodes node n into v after checking that it is a mapping with
// only known keys.
func (l *loader) decode(n *yaml.Node, kind string, v any) bool {
	if n.Kind != yaml.MappingNode {
		l.fail(n.Line, kind, "must be a mapping")
		return false
	}
	ok := true
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		if !contains(knownKeys[kind], k.Value) {
			l.fail(k.Line, kind+"."+k.Value, "unknown field (known: %s)", strings.Join(knownKeys[kind], ", "))
			ok = false
		}
	}
	if err := n.Decode(v); err != nil {
		l.fail(n.Line, kind, "%v", err)
		return false
	}
	return ok
}

// address reads a client's postal address: every part optional but the
// town and the country, which the EPC rules require of an address; text in
// the Latin script within the ISO 20022 lengths.
func (l *loader) address(n *yaml.Node) maksa.Address {
	var in addressIn
	if n.Kind == 0 || !l.decode(n, "address", &in) { // no address given, or a bad one
		return maksa.Address{}
	}
	a := maksa.Address{Street: in.Street, Building: in.Building, PostCode: in.Postcode, Town: in.Town, Country: in.Country}
	if a.Town == "" {
		l.fail(n.Line, "client.address.town", "missing: an address names its town (and country)")
	}
	if !maksa.ValidCountry(a.Country) {
		l.fail(line(n, "country"), "client.address.country", "%q is not an ISO 3166 country code (two capital letters, e.g. LV)", a.Country)
	}
	for _, e := range a.Elements() {
		key := map[string]string{"StrtNm": "street", "BldgNb": "building", "PstCd": "postcode", "TwnNm": "town"}[e.Tag]
		if key == "" {
			continue
		}
		if r, ok := maksa.AllowedText(*e.Value); !ok {
			l.fail(line(n, key), "client.address."+key, "%q: %q is not a character of the Latin script", *e.Value, r)
		} else if len([]rune(*e.Value)) > e.Max {
			l.fail(line(n, key), "client.address."+key, "%q is longer than %d characters", *e.Value, e.Max)
		}
	}
	return a
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func (l *loader) parse(data []byte) *maksa.Directory {
	var root yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&root); err != nil {
		l.fail(0, "", "not a YAML document: %v", err)
		return nil
	}
	if len(root.Content) == 0 {
		l.fail(1, "", "empty directory file")
		return nil
	}
	var f file
	if !l.decode(root.Content[0], "top", &f) {
		return nil
	}
	d := &maksa.Directory{Clients: []maksa.Client{}, Accounts: []maksa.Account{}, Users: []maksa.User{}, Grants: []maksa.Grant{}}
	clients := map[string]bool{}
	for i := range f.Clients {
		n := &f.Clients[i]
		var c clientIn
		if !l.decode(n, "client", &c) {
			continue
		}
		switch {
		case c.ID == "":
			l.fail(n.Line, "client.id", "missing")
		case clients[c.ID]:
			l.fail(line(n, "id"), "client.id", "duplicate client %q", c.ID)
		}
		clients[c.ID] = true
		d.Clients = append(d.Clients, maksa.Client{ID: c.ID, Name: c.Name, Address: l.address(&c.Address), RegNo: c.RegNo, PayeeOptOut: c.PayeeOptOut})
	}
	accounts := map[string]bool{}
	for i := range f.Accounts {
		if a, ok := l.account(&f.Accounts[i], clients, accounts); ok {
			d.Accounts = append(d.Accounts, a)
		}
	}
	users := map[string]bool{}
	for i := range f.Users {
		n := &f.Users[i]
		var u userIn
		if !l.decode(n, "user", &u) {
			continue
		}
		user, ok := l.user(n, u, users)
		if !ok {
			continue
		}
		d.Users = append(d.Users, user)
		granted := map[string]bool{}
		for j := range u.Grants {
			if g, ok := l.grant(&u.Grants[j], user.ID, accounts, granted); ok {
				d.Grants = append(d.Grants, g)
			}
		}
	}
	return d
}

func (l *loader) account(n *yaml.Node, clients, seen map[string]bool) (maksa.Account, bool) {
	var in accountIn
	if !l.decode(n, "account", &in) {
		return maksa.Account{}, false
	}
	errs := len(l.errs)
	if err := maksa.CheckIBAN(in.IBAN); err != nil {
		l.fail(line(n, "iban"), "account.iban", "%q: %v", in.IBAN, err)
	} else if seen[in.IBAN] {
		l.fail(line(n, "iban"), "account.iban", "duplicate account %s", in.IBAN)
	}
	seen[in.IBAN] = true
	if !clients[in.Client] {
		l.fail(line(n, "client"), "account.client", "unknown client %q", in.Client)
	}
	if _, ok := maksa.LookupCurrency(in.Currency); !ok {
		l.fail(line(n, "currency"), "account.currency", "%q is not an ISO 4217 currency", in.Currency)
	}
	bal := l.decimal(n, "account.balance", "balance", in.Balance, true)
	if in.Signatures < 1 || in.Signatures > 3 {
		l.fail(line(n, "signatures"), "account.signatures", "must be 1, 2 or 3, got %d", in.Signatures)
	}
	if in.Status == "" {
		in.Status = maksa.AccountActive
	}
	if !contains([]string{maksa.AccountActive, maksa.AccountBlocked, maksa.AccountClosed}, in.Status) {
		l.fail(line(n, "status"), "account.status", "must be active, blocked or closed, got %q", in.Status)
	}
	a := maksa.Account{IBAN: in.IBAN, ClientID: in.Client, Currency: in.Currency, OpeningBalance: bal, Signatures: in.Signatures, Status: in.Status, Budget: in.Budget}
	for _, f := range in.Statements {
		if f != maksa.StatementFiDAViSTA && f != maksa.StatementCamt054 {
			l.fail(line(n, "statements"), "account.statements", "unknown statement format %q (known: fidavista camt054; camt053 is always written)", f)
			continue
		}
		a.Statements = append(a.Statements, f)
	}
	for _, k := range in.Kinds {
		if !maksa.Kind(k).Valid() {
			l.fail(line(n, "kinds"), "account.kinds", "unknown kind %q (known: sepa urgent crossborder budget internal cash)", k)
			continue
		}
		a.Kinds = append(a.Kinds, maksa.Kind(k))
	}
	return a, len(l.errs) == errs
}

// decimal parses a decimal string field; limits must not be negative.
func (l *loader) decimal(n *yaml.Node, field, key, s string, mayBeNegative bool) decimal.Decimal {
	if s == "" {
		s = "0"
	}
	d, err := maksa.ParseDecimal(s)
	if err != nil {
		l.fail(line(n, key), field, "%q is not a decimal amount", s)
		return d
	}
	if d.IsNegative() && !mayBeNegative {
		l.fail(line(n, key), field, "must not be negative, got %s", s)
	}
	return d
}

func (l *loader) date(n *yaml.Node, field, key, s string) time.Time {
	t, err := time.Parse(maksa.DateLayout, s)
	if err != nil {
		l.fail(line(n, key), field, "%q is not a date (YYYY-MM-DD)", s)
	}
	return t
}

func (l *loader) user(n *yaml.Node, in userIn, seen map[string]bool) (maksa.User, bool) {
	errs := len(l.errs)
	switch {
	case in.ID == "":
		l.fail(n.Line, "user.id", "missing")
	case seen[in.ID]:
		l.fail(line(n, "id"), "user.id", "duplicate user %q", in.ID)
	case strings.ContainsAny(in.ID, "/\\. ") || in.ID != strings.TrimSpace(in.ID):
		l.fail(line(n, "id"), "user.id", "%q: a user id is a folder name and may not contain slashes, dots or spaces", in.ID)
	}
	seen[in.ID] = true
	if in.Status == "" {
		in.Status = maksa.UserActive
	}
	if !contains([]string{maksa.UserActive, maksa.UserBlocked, maksa.UserTerminated}, in.Status) {
		l.fail(line(n, "status"), "user.status", "must be active, blocked or terminated, got %q", in.Status)
	}
	u := maksa.User{ID: in.ID, Name: in.Name, Status: in.Status, IPAllow: in.IPAllow, Keys: []maksa.Key{}, Pain002Version: in.Pain002}
	if in.Pain002 != 0 && in.Pain002 != 3 && in.Pain002 != 10 {
		l.fail(line(n, "pain002_version"), "user.pain002_version", "must be 3 or 10 (or left out: the version each file calls for), got %d", in.Pain002)
	}
	u.ValidUntil = l.date(n, "user.valid_until", "valid_until", in.ValidUntil)
	for _, ip := range in.IPAllow {
		if _, err := netip.ParsePrefix(ip); err != nil {
			if _, err := netip.ParseAddr(ip); err != nil {
				l.fail(line(n, "ip_allow"), "user.ip_allow", "%q is not an IP address or CIDR range", ip)
			}
		}
	}
	for _, path := range in.Keys {
		k, err := l.key(path)
		if err != nil {
			l.fail(line(n, "keys"), "user.keys", "%s: %v", path, err)
			continue
		}
		if owner, ok := l.owners[k.Fingerprint]; ok && owner != u.ID {
			l.fail(line(n, "keys"), "user.keys", "%s is already a key of user %s: a key or certificate belongs to one user", path, owner)
			continue
		}
		if l.owners == nil {
			l.owners = map[string]string{}
		}
		l.owners[k.Fingerprint] = u.ID
		u.Keys = append(u.Keys, k)
	}
	return u, len(l.errs) == errs
}

// key reads a PEM public key or X.509 certificate.
func (l *loader) key(path string) (maksa.Key, error) {
	data, err := fs.ReadFile(l.keys, filepath.ToSlash(filepath.Clean(path)))
	if err != nil {
		return maksa.Key{}, err
	}
	block, _ := pem.Decode(data)
	if block == nil {
		return maksa.Key{}, errors.New("not a PEM file")
	}
	switch block.Type {
	case "CERTIFICATE":
		if _, err := x509.ParseCertificate(block.Bytes); err != nil {
			return maksa.Key{}, fmt.Errorf("not an X.509 certificate: %w", err)
		}
	case "PUBLIC KEY":
		if _, err := x509.ParsePKIXPublicKey(block.Bytes); err != nil {
			return maksa.Key{}, fmt.Errorf("not a public key: %w", err)
		}
	default:
		return maksa.Key{}, fmt.Errorf("PEM block %q is neither a PUBLIC KEY nor a CERTIFICATE", block.Type)
	}
	sum := sha256.Sum256(block.Bytes)
	return maksa.Key{Fingerprint: hex.EncodeToString(sum[:]), PEM: string(pem.EncodeToMemory(block))}, nil
}

func (l *loader) grant(n *yaml.Node, user string, accounts, seen map[string]bool) (maksa.Grant, bool) {
	var in grantIn
	if !l.decode(n, "grant", &in) {
		return maksa.Grant{}, false
	}
	errs := len(l.errs)
	switch {
	case !accounts[in.Account]:
		l.fail(line(n, "account"), "grant.account", "unknown account %q", in.Account)
	case seen[in.Account]:
		l.fail(line(n, "account"), "grant.account", "user %s has two grants on %s", user, in.Account)
	}
	seen[in.Account] = true
	g := maksa.Grant{UserID: user, AccountIBAN: in.Account}
	for _, m := range in.Modes {
		if !maksa.Mode(m).Valid() {
			l.fail(line(n, "modes"), "grant.modes", "unknown mode %q (known: view_incoming view_outgoing view_all prepare sign1 sign2 sign3 sign4)", m)
			continue
		}
		g.Modes = append(g.Modes, maksa.Mode(m))
	}
	g.PaymentLimit = l.decimal(n, "grant.payment_limit", "payment_limit", in.PaymentLimit, false)
	g.DailyLimit = l.decimal(n, "grant.daily_limit", "daily_limit", in.DailyLimit, false)
	if g.MovesMoney() && (!g.PaymentLimit.IsPositive() || !g.DailyLimit.IsPositive()) {
		l.fail(line(n, "payment_limit"), "grant.payment_limit", "a grant that prepares or signs payments needs a positive payment_limit and daily_limit")
	}
	if in.CardValidUntil != "" {
		g.CardValidUntil = l.date(n, "grant.card_valid_until", "card_valid_until", in.CardValidUntil)
	}
	return g, len(l.errs) == errs
}
