package store

import "context"

// MigrateDownTo undoes the schema migrations after version, for tests of
// what a migration does to a database that has data.
func (db *DB) MigrateDownTo(ctx context.Context, version int64) error {
	p, err := db.migrations()
	if err != nil {
		return err
	}
	_, err = p.DownTo(ctx, version)
	return err
}
