package maksa

import (
	"net/netip"
	"time"

	"github.com/shopspring/decimal"
)

// Mode is an access mode a grant gives a user on an account.
type Mode string

// The access modes of the treasury service.
const (
	ModeViewIncoming Mode = "view_incoming"
	ModeViewOutgoing Mode = "view_outgoing"
	ModeViewAll      Mode = "view_all"
	ModePrepare      Mode = "prepare"
	ModeSign1        Mode = "sign1"
	ModeSign2        Mode = "sign2"
	ModeSign3        Mode = "sign3"
	ModeSign4        Mode = "sign4"
)

// Modes lists every valid mode.
var Modes = []Mode{ModeViewIncoming, ModeViewOutgoing, ModeViewAll, ModePrepare, ModeSign1, ModeSign2, ModeSign3, ModeSign4}

// Valid reports whether m is one of Modes.
func (m Mode) Valid() bool {
	for _, v := range Modes {
		if m == v {
			return true
		}
	}
	return false
}

// Client is a public institution that holds accounts at the treasury.
type Client struct {
	ID      string  `json:"id"`
	Name    string  `json:"name"`
	Address Address `json:"address"` // the postal address, the debtor's in outbound files
	// RegNo is its registration number: a payer who gives it as the
	// creditor's id is verified as paying the holder, whatever the name.
	RegNo string `json:"reg_no,omitempty"`
	// PayeeOptOut: the client (never a consumer) chose not to have the
	// payees of its files of many payments verified; single payments are.
	PayeeOptOut bool `json:"vop_opt_out,omitempty"`
}

// Account statuses.
const (
	AccountActive  = "active"
	AccountBlocked = "blocked"
	AccountClosed  = "closed"
)

// Account is a treasury account of a client.
type Account struct {
	IBAN           string          `json:"iban"`
	ClientID       string          `json:"client"`
	Currency       string          `json:"currency"`
	OpeningBalance decimal.Decimal `json:"balance"`
	Signatures     int             `json:"signatures"` // signature levels a payment needs: 1..3
	Status         string          `json:"status"`
	Kinds          []Kind          `json:"kinds,omitempty"`  // the kinds it may be used for; empty: all
	Budget         bool            `json:"budget,omitempty"` // a budget institution's account
	// Statements are the formats the nightly batch writes the account's
	// statement in beside camt.053: StatementFiDAViSTA, StatementCamt054.
	Statements []string `json:"statements,omitempty"`
}

// The statement formats an account may have written beside camt.053.
const (
	StatementFiDAViSTA = "fidavista"
	StatementCamt054   = "camt054"
)

// Allows reports whether the account may be used for payments of kind k.
func (a *Account) Allows(k Kind) bool {
	if len(a.Kinds) == 0 {
		return true
	}
	for _, v := range a.Kinds {
		if v == k {
			return true
		}
	}
	return false
}

// User statuses.
const (
	UserActive     = "active"
	UserBlocked    = "blocked"
	UserTerminated = "terminated"
)

// User is a person or an accounting system using the service.
type User struct {
	ID         string    `json:"id"`
	Name       string    `json:"name"`
	Status     string    `json:"status"`
	ValidUntil time.Time `json:"valid_until"`
	IPAllow    []string  `json:"ip_allow"`
	Keys       []Key     `json:"keys"`
	// Pain002Version is the version of the status reports of the user's
	// files (3 or 10); 0 answers each file in the version its own calls for.
	Pain002Version int `json:"pain002_version,omitempty"`
}

// Allows reports whether addr is inside the user's IP allow-list. An empty
// list allows nothing: the allow-list is mandatory.
func (u *User) Allows(addr netip.Addr) bool {
	for _, entry := range u.IPAllow {
		if p, err := netip.ParsePrefix(entry); err == nil && p.Contains(addr) {
			return true
		}
		if a, err := netip.ParseAddr(entry); err == nil && a == addr {
			return true
		}
	}
	return false
}

// ActiveOn reports whether the user may act on the given day: active and
// not past valid-until.
func (u *User) ActiveOn(day time.Time) bool {
	return u.Status == UserActive && !day.After(u.ValidUntil)
}

// Key is a signer's public key or X.509 certificate as PEM.
type Key struct {
	Fingerprint string `json:"fingerprint"` // SHA-256 of the DER bytes, hex
	PEM         string `json:"pem"`
	Revoked     bool   `json:"revoked,omitempty"`
}

// Grant is what a user may do on one account.
type Grant struct {
	UserID         string          `json:"user"`
	AccountIBAN    string          `json:"account"`
	Modes          []Mode          `json:"modes"`
	PaymentLimit   decimal.Decimal `json:"payment_limit"`
	DailyLimit     decimal.Decimal `json:"daily_limit"`
	CardValidUntil time.Time       `json:"card_valid_until"`
}

// Has reports whether the grant includes mode m.
func (g *Grant) Has(m Mode) bool {
	for _, v := range g.Modes {
		if v == m {
			return true
		}
	}
	return false
}

// Directory is the whole set of clients, accounts, users and grants.
type Directory struct {
	Clients  []Client  `json:"clients"`
	Accounts []Account `json:"accounts"`
	Users    []User    `json:"users"`
	Grants   []Grant   `json:"grants"`
}

// SeesOutgoing reports whether the grant shows its account's outgoing
// payments: view_outgoing, view_all, prepare or any sign mode.
func (g *Grant) SeesOutgoing() bool {
	for _, m := range g.Modes {
		if m != ModeViewIncoming {
			return true
		}
	}
	return false
}

// SeesIncoming reports whether the grant shows its account's incoming
// payments: view_incoming or view_all.
func (g *Grant) SeesIncoming() bool { return g.Has(ModeViewIncoming) || g.Has(ModeViewAll) }

// HasViewMode reports whether the grant holds a view mode, which a
// statement of its account needs.
func (g *Grant) HasViewMode() bool {
	return g.Has(ModeViewIncoming) || g.Has(ModeViewOutgoing) || g.Has(ModeViewAll)
}

// User returns the user with the id, or nil.
func (d *Directory) User(id string) *User {
	for i := range d.Users {
		if d.Users[i].ID == id {
			return &d.Users[i]
		}
	}
	return nil
}

// Account returns the account with the IBAN, or nil.
func (d *Directory) Account(iban string) *Account {
	for i := range d.Accounts {
		if d.Accounts[i].IBAN == iban {
			return &d.Accounts[i]
		}
	}
	return nil
}

// Grant returns the user's grant on the account, or nil.
func (d *Directory) Grant(user, iban string) *Grant {
	for i := range d.Grants {
		if d.Grants[i].UserID == user && d.Grants[i].AccountIBAN == iban {
			return &d.Grants[i]
		}
	}
	return nil
}

// MayViewStatements reports whether the user holds a view mode on the
// account, which its statements need.
func (d *Directory) MayViewStatements(user, iban string) bool {
	for _, g := range d.Grants {
		if g.UserID == user && g.AccountIBAN == iban && g.HasViewMode() {
			return true
		}
	}
	return false
}

// MovesMoney reports whether the grant prepares or signs payments; such a
// grant has limits.
func (g *Grant) MovesMoney() bool {
	for _, m := range g.Modes {
		switch m {
		case ModePrepare, ModeSign1, ModeSign2, ModeSign3, ModeSign4:
			return true
		}
	}
	return false
}

// Visible returns the accounts whose payments user may see by the access
// modes: outgoing payments of the accounts where the user holds
// view_outgoing, view_all, prepare or a sign mode, incoming ones where the
// user holds view_incoming or view_all. The CLI and the API ask this one
// function, so that they cannot drift on who sees what.
func (d *Directory) Visible(user string) (outgoing, incoming []string) {
	for _, g := range d.Grants {
		if g.UserID != user {
			continue
		}
		if g.SeesOutgoing() {
			outgoing = append(outgoing, g.AccountIBAN)
		}
		if g.SeesIncoming() {
			incoming = append(incoming, g.AccountIBAN)
		}
	}
	return outgoing, incoming
}
