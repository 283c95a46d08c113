package main

import (
	"context"

	"maksa"
	"maksa/store"
)

// known checks that the values flags name exist in the directory: an
// unknown user, account or client is a usage error (exit 2) naming the
// flag and the value, never an empty answer.
type known struct {
	dir *maksa.Directory
}

// knownIn reads the directory once for the checks.
func knownIn(ctx context.Context, db *store.DB) (known, error) {
	d, err := db.Directory(ctx)
	return known{d}, err
}

// user is nil when id is empty or a user of the directory.
func (k known) user(flag, id string) error {
	if id == "" || k.dir.User(id) != nil {
		return nil
	}
	return usageErrorf("%s %q is no user in the directory", flag, id)
}

// account is nil when iban is empty or a treasury account.
func (k known) account(flag, iban string) error {
	if iban == "" || k.dir.Account(iban) != nil {
		return nil
	}
	return usageErrorf("%s %q is no treasury account in the directory", flag, iban)
}

// client is nil when id is empty or a client of the directory.
func (k known) client(flag, id string) error {
	if id == "" {
		return nil
	}
	for _, c := range k.dir.Clients {
		if c.ID == id {
			return nil
		}
	}
	return usageErrorf("%s %q is no client in the directory", flag, id)
}
