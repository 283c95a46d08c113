package store

import (
	"context"
	"encoding/json"
	"reflect"
	"sort"
	"strings"

	"github.com/jmoiron/sqlx"
	"github.com/shopspring/decimal"

	"maksa"
)

// Change is one difference that applying a directory made.
type Change struct {
	Kind   string `json:"kind"`   // client, account, user, key, grant
	ID     string `json:"id"`     // its identifier
	Action string `json:"action"` // added, updated, removed, revoked
}

// ApplyDirectory makes the stored directory match d and returns what changed.
// Clients, accounts and users are added or updated; a listed user's grants
// are replaced by the listed ones; a key no longer listed for a user is
// revoked, never deleted, so that old signatures stay verifiable. Nothing
// is deleted that the file does not mention. Applying the same directory
// twice changes nothing and returns no changes. All of it is one
// transaction with one audit event.
func (db *DB) ApplyDirectory(ctx context.Context, d *maksa.Directory, actor string) ([]Change, error) {
	tx, err := db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	old, err := loadDirectory(ctx, tx)
	if err != nil {
		return nil, err
	}
	var changes []Change
	note := func(kind, id, action string) { changes = append(changes, Change{kind, id, action}) }

	oldClients := map[string]maksa.Client{}
	for _, c := range old.Clients {
		oldClients[c.ID] = c
	}
	for _, c := range d.Clients {
		o, ok := oldClients[c.ID]
		switch {
		case !ok:
			_, err = tx.ExecContext(ctx, tx.Rebind(`INSERT INTO clients (id, name, address, reg_no, vop_opt_out) VALUES (?, ?, ?, ?, ?)`),
				c.ID, c.Name, c.Address.Encode(), c.RegNo, flag(c.PayeeOptOut))
			note("client", c.ID, "added")
		case o.Name != c.Name || o.Address.Encode() != c.Address.Encode() || o.RegNo != c.RegNo || o.PayeeOptOut != c.PayeeOptOut:
			_, err = tx.ExecContext(ctx, tx.Rebind(`UPDATE clients SET name = ?, address = ?, reg_no = ?, vop_opt_out = ? WHERE id = ?`),
				c.Name, c.Address.Encode(), c.RegNo, flag(c.PayeeOptOut), c.ID)
			note("client", c.ID, "updated")
		}
		if err != nil {
			return nil, err
		}
	}

	oldAccounts := map[string]maksa.Account{}
	for _, a := range old.Accounts {
		oldAccounts[a.IBAN] = a
	}
	for _, a := range d.Accounts {
		o, ok := oldAccounts[a.IBAN]
		args := []any{a.ClientID, a.Currency, a.OpeningBalance.String(), a.Signatures, a.Status, kindsText(a.Kinds), flag(a.Budget), strings.Join(a.Statements, ","), a.IBAN}
		switch {
		case !ok:
			_, err = tx.ExecContext(ctx, tx.Rebind(`INSERT INTO accounts (client_id, currency, opening_balance, signatures, status, kinds, budget, statement_formats, iban) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`), args...)
			note("account", a.IBAN, "added")
		case !sameAccount(o, a):
			_, err = tx.ExecContext(ctx, tx.Rebind(`UPDATE accounts SET client_id = ?, currency = ?, opening_balance = ?, signatures = ?, status = ?, kinds = ?, budget = ?, statement_formats = ? WHERE iban = ?`), args...)
			note("account", a.IBAN, "updated")
		}
		if err != nil {
			return nil, err
		}
	}

	oldUsers := map[string]maksa.User{}
	for _, u := range old.Users {
		oldUsers[u.ID] = u
	}
	for _, u := range d.Users {
		o, ok := oldUsers[u.ID]
		ips, _ := json.Marshal(nonNil(u.IPAllow))
		args := []any{u.Name, u.Status, date(u.ValidUntil), string(ips), u.Pain002Version, u.ID}
		switch {
		case !ok:
			_, err = tx.ExecContext(ctx, tx.Rebind(`INSERT INTO users (name, status, valid_until, ip_allow, pain002_version, id) VALUES (?, ?, ?, ?, ?, ?)`), args...)
			note("user", u.ID, "added")
		case o.Name != u.Name || o.Status != u.Status || !o.ValidUntil.Equal(u.ValidUntil) || !reflect.DeepEqual(nonNil(o.IPAllow), nonNil(u.IPAllow)) ||
			o.Pain002Version != u.Pain002Version:
			_, err = tx.ExecContext(ctx, tx.Rebind(`UPDATE users SET name = ?, status = ?, valid_until = ?, ip_allow = ?, pain002_version = ? WHERE id = ?`), args...)
			note("user", u.ID, "updated")
		}
		if err != nil {
			return nil, err
		}
		if err := applyKeys(ctx, tx, u, o.Keys, note); err != nil {
			return nil, err
		}
	}

	if err := applyGrants(ctx, tx, d, old.Grants, note); err != nil {
		return nil, err
	}
	if len(changes) == 0 {
		return nil, nil
	}
	if err := db.appendAudit(ctx, tx, actor, "directory.apply", "directory", changes); err != nil {
		return nil, err
	}
	return changes, tx.Commit()
}

func sameAccount(a, b maksa.Account) bool {
	return a.ClientID == b.ClientID && a.Currency == b.Currency && a.OpeningBalance.Equal(b.OpeningBalance) &&
		a.Signatures == b.Signatures && a.Status == b.Status && kindsText(a.Kinds) == kindsText(b.Kinds) && a.Budget == b.Budget &&
		strings.Join(a.Statements, ",") == strings.Join(b.Statements, ",")
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func applyKeys(ctx context.Context, tx *sqlx.Tx, u maksa.User, old []maksa.Key, note func(kind, id, action string)) error {
	listed := map[string]bool{}
	oldKeys := map[string]maksa.Key{}
	for _, k := range old {
		oldKeys[k.Fingerprint] = k
	}
	for _, k := range u.Keys {
		listed[k.Fingerprint] = true
		o, ok := oldKeys[k.Fingerprint]
		var err error
		switch {
		case !ok:
			_, err = tx.ExecContext(ctx, tx.Rebind(`INSERT INTO user_keys (user_id, fingerprint, pem, revoked) VALUES (?, ?, ?, 0)`), u.ID, k.Fingerprint, k.PEM)
			note("key", u.ID+"/"+k.Fingerprint[:16], "added")
		case o.Revoked:
			_, err = tx.ExecContext(ctx, tx.Rebind(`UPDATE user_keys SET revoked = 0 WHERE user_id = ? AND fingerprint = ?`), u.ID, k.Fingerprint)
			note("key", u.ID+"/"+k.Fingerprint[:16], "updated")
		}
		if err != nil {
			return err
		}
	}
	for _, k := range old {
		if !listed[k.Fingerprint] && !k.Revoked {
			if _, err := tx.ExecContext(ctx, tx.Rebind(`UPDATE user_keys SET revoked = 1 WHERE user_id = ? AND fingerprint = ?`), u.ID, k.Fingerprint); err != nil {
				return err
			}
			note("key", u.ID+"/"+k.Fingerprint[:16], "revoked")
		}
	}
	return nil
}

// applyGrants replaces the grants of every user the directory lists.
func applyGrants(ctx context.Context, tx *sqlx.Tx, d *maksa.Directory, old []maksa.Grant, note func(kind, id, action string)) error {
	listedUsers := map[string]bool{}
	for _, u := range d.Users {
		listedUsers[u.ID] = true
	}
	key := func(g maksa.Grant) string { return g.UserID + "/" + g.AccountIBAN }
	oldGrants := map[string]maksa.Grant{}
	for _, g := range old {
		oldGrants[key(g)] = g
	}
	newGrants := map[string]bool{}
	for _, g := range d.Grants {
		newGrants[key(g)] = true
		o, ok := oldGrants[key(g)]
		args := []any{modesText(g.Modes), g.PaymentLimit.String(), g.DailyLimit.String(), date(g.CardValidUntil), g.UserID, g.AccountIBAN}
		var err error
		switch {
		case !ok:
			_, err = tx.ExecContext(ctx, tx.Rebind(`INSERT INTO grants (modes, payment_limit, daily_limit, card_valid_until, user_id, account_iban) VALUES (?, ?, ?, ?, ?, ?)`), args...)
			note("grant", key(g), "added")
		case modesText(o.Modes) != modesText(g.Modes) || !o.PaymentLimit.Equal(g.PaymentLimit) || !o.DailyLimit.Equal(g.DailyLimit) || !o.CardValidUntil.Equal(g.CardValidUntil):
			_, err = tx.ExecContext(ctx, tx.Rebind(`UPDATE grants SET modes = ?, payment_limit = ?, daily_limit = ?, card_valid_until = ? WHERE user_id = ? AND account_iban = ?`), args...)
			note("grant", key(g), "updated")
		}
		if err != nil {
			return err
		}
	}
	for _, g := range old {
		if listedUsers[g.UserID] && !newGrants[key(g)] {
			if _, err := tx.ExecContext(ctx, tx.Rebind(`DELETE FROM grants WHERE user_id = ? AND account_iban = ?`), g.UserID, g.AccountIBAN); err != nil {
				return err
			}
			note("grant", key(g), "removed")
		}
	}
	return nil
}

func modesText(ms []maksa.Mode) string {
	s := make([]string, len(ms))
	for i, m := range ms {
		s[i] = string(m)
	}
	sort.Strings(s)
	return strings.Join(s, " ")
}

// Directory returns the whole stored directory, sorted by identifier.
func (db *DB) Directory(ctx context.Context) (*maksa.Directory, error) {
	return loadDirectory(ctx, db.x)
}

type clientRow struct {
	ID          string `db:"id"`
	Name        string `db:"name"`
	Address     string `db:"address"`
	RegNo       string `db:"reg_no"`
	PayeeOptOut bool   `db:"vop_opt_out"`
}

func (c *clientRow) client() maksa.Client {
	return maksa.Client{ID: c.ID, Name: c.Name, Address: maksa.DecodeAddress(c.Address), RegNo: c.RegNo, PayeeOptOut: c.PayeeOptOut}
}

// accountColumns are the columns accountRow reads.
const accountColumns = `iban, client_id, currency, opening_balance, signatures, status, kinds, budget, statement_formats`

type accountRow struct {
	IBAN           string `db:"iban"`
	ClientID       string `db:"client_id"`
	Currency       string `db:"currency"`
	OpeningBalance string `db:"opening_balance"`
	Signatures     int    `db:"signatures"`
	Status         string `db:"status"`
	Kinds          string `db:"kinds"`
	Budget         bool   `db:"budget"`
	Statements     string `db:"statement_formats"`
}

func (r accountRow) account() maksa.Account {
	bal, _ := decimal.NewFromString(r.OpeningBalance)
	a := maksa.Account{IBAN: r.IBAN, ClientID: r.ClientID, Currency: r.Currency, OpeningBalance: bal, Signatures: r.Signatures, Status: r.Status, Budget: r.Budget}
	for _, k := range strings.Fields(r.Kinds) {
		a.Kinds = append(a.Kinds, maksa.Kind(k))
	}
	if r.Statements != "" {
		a.Statements = strings.Split(r.Statements, ",")
	}
	return a
}

func kindsText(ks []maksa.Kind) string {
	s := make([]string, len(ks))
	for i, k := range ks {
		s[i] = string(k)
	}
	return strings.Join(s, " ")
}

type userRow struct {
	ID         string `db:"id"`
	Name       string `db:"name"`
	Status     string `db:"status"`
	ValidUntil string `db:"valid_until"`
	IPAllow    string `db:"ip_allow"`
	Pain002    int    `db:"pain002_version"`
}

type keyRow struct {
	UserID      string `db:"user_id"`
	Fingerprint string `db:"fingerprint"`
	PEM         string `db:"pem"`
	Revoked     bool   `db:"revoked"`
}

type grantRow struct {
	UserID         string `db:"user_id"`
	AccountIBAN    string `db:"account_iban"`
	Modes          string `db:"modes"`
	PaymentLimit   string `db:"payment_limit"`
	DailyLimit     string `db:"daily_limit"`
	CardValidUntil string `db:"card_valid_until"`
}

func (r grantRow) grant() maksa.Grant {
	g := maksa.Grant{UserID: r.UserID, AccountIBAN: r.AccountIBAN, CardValidUntil: parseDate(r.CardValidUntil)}
	for _, m := range strings.Fields(r.Modes) {
		g.Modes = append(g.Modes, maksa.Mode(m))
	}
	g.PaymentLimit, _ = decimal.NewFromString(r.PaymentLimit)
	g.DailyLimit, _ = decimal.NewFromString(r.DailyLimit)
	return g
}

func loadDirectory(ctx context.Context, q sqlx.QueryerContext) (*maksa.Directory, error) {
	d := &maksa.Directory{Clients: []maksa.Client{}, Accounts: []maksa.Account{}, Users: []maksa.User{}, Grants: []maksa.Grant{}}
	var clients []clientRow
	if err := sqlx.SelectContext(ctx, q, &clients, `SELECT id, name, address, reg_no, vop_opt_out FROM clients ORDER BY id`); err != nil {
		return nil, err
	}
	for _, c := range clients {
		d.Clients = append(d.Clients, c.client())
	}
	var accounts []accountRow
	if err := sqlx.SelectContext(ctx, q, &accounts, `SELECT `+accountColumns+` FROM accounts ORDER BY iban`); err != nil {
		return nil, err
	}
	for _, a := range accounts {
		d.Accounts = append(d.Accounts, a.account())
	}
	var keys []keyRow
	if err := sqlx.SelectContext(ctx, q, &keys, `SELECT user_id, fingerprint, pem, revoked FROM user_keys ORDER BY user_id, fingerprint`); err != nil {
		return nil, err
	}
	keysOf := map[string][]maksa.Key{}
	for _, k := range keys {
		keysOf[k.UserID] = append(keysOf[k.UserID], maksa.Key{Fingerprint: k.Fingerprint, PEM: k.PEM, Revoked: k.Revoked})
	}
	var users []userRow
	if err := sqlx.SelectContext(ctx, q, &users, `SELECT id, name, status, valid_until, ip_allow, pain002_version FROM users ORDER BY id`); err != nil {
		return nil, err
	}
	for _, u := range users {
		var ips []string
		_ = json.Unmarshal([]byte(u.IPAllow), &ips)
		d.Users = append(d.Users, maksa.User{ID: u.ID, Name: u.Name, Status: u.Status, ValidUntil: parseDate(u.ValidUntil), IPAllow: ips, Keys: keysOf[u.ID], Pain002Version: u.Pain002})
	}
	var grants []grantRow
	if err := sqlx.SelectContext(ctx, q, &grants, `SELECT user_id, account_iban, modes, payment_limit, daily_limit, card_valid_until FROM grants ORDER BY user_id, account_iban`); err != nil {
		return nil, err
	}
	for _, g := range grants {
		d.Grants = append(d.Grants, g.grant())
	}
	return d, nil
}

// flag is a yes/no as the INTEGER columns of both dialects keep it.
func flag(b bool) int {
	if b {
		return 1
	}
	return 0
}

// AccountHolders returns the holder of every treasury account, by IBAN:
// whom the verification of payee checks a payment to a treasury account
// against.
func (db *DB) AccountHolders(ctx context.Context) (map[string]*maksa.Client, error) {
	return db.accountHolders(ctx, "")
}

// AccountHolder returns the holder of one treasury account, or nil when
// the IBAN is none (or the account is closed).
func (db *DB) AccountHolder(ctx context.Context, iban string) (*maksa.Client, error) {
	m, err := db.accountHolders(ctx, iban)
	return m[iban], err
}

func (db *DB) accountHolders(ctx context.Context, iban string) (map[string]*maksa.Client, error) {
	query := `SELECT a.iban, c.id, c.name, c.address, c.reg_no, c.vop_opt_out FROM accounts a JOIN clients c ON c.id = a.client_id
		WHERE a.status <> 'closed'`
	var args []any
	if iban != "" {
		query += ` AND a.iban = ?`
		args = append(args, iban)
	}
	rows, err := db.x.QueryxContext(ctx, db.x.Rebind(query), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]*maksa.Client{}
	clients := map[string]*maksa.Client{}
	for rows.Next() {
		var r struct {
			IBAN string `db:"iban"`
			clientRow
		}
		if err := rows.StructScan(&r); err != nil {
			return nil, err
		}
		c := clients[r.ID]
		if c == nil {
			cl := r.client()
			c = &cl
			clients[r.ID] = c
		}
		out[r.IBAN] = c
	}
	return out, rows.Err()
}
