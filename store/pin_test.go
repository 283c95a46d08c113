package store

import (
	"context"
	"testing"
	"time"

	"maksa/internal/test/testdb"
)

// TestPinKeepsOneConnection: every transaction of a pinned store, and its
// lock heartbeat, runs on the one connection it was pinned to — where a
// temporary table made in the first is still there — even when the pool
// would hand another out: the connection a transaction of the unpinned
// store just gave back.
func TestPinKeepsOneConnection(t *testing.T) {
	for _, b := range testdb.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			db, err := Open(ctx, b.DSN(t))
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			db.Now = func() time.Time { return time.Date(2026, 12, 7, 22, 0, 0, 0, time.UTC) }
			if err := db.AcquireLock(ctx, "nightly-batch", "me", time.Hour, nil); err != nil {
				t.Fatal(err)
			}
			pinned, release, err := db.Pin(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer release()
			tx, err := pinned.begin(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := tx.ExecContext(ctx, `CREATE TEMPORARY TABLE pin_probe (n INTEGER)`); err != nil {
				t.Fatal(err)
			}
			if err := tx.Commit(); err != nil {
				t.Fatal(err)
			}
			for i := range 5 {
				other, err := db.begin(ctx) // takes another connection, and gives it back last
				if err != nil {
					t.Fatal(err)
				}
				if _, err := other.ExecContext(ctx, db.x.Rebind(`UPDATE locks SET heartbeat = heartbeat WHERE name = ?`), "nightly-batch"); err != nil {
					t.Fatal(err)
				}
				if err := other.Commit(); err != nil {
					t.Fatal(err)
				}
				tx, err := pinned.begin(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := tx.ExecContext(ctx, db.x.Rebind(`INSERT INTO pin_probe (n) VALUES (?)`), i); err != nil {
					t.Fatalf("transaction %d of the pinned store: %v", i+2, err)
				}
				if err := tx.Commit(); err != nil {
					t.Fatal(err)
				}
				if err := pinned.RefreshLock(ctx, "nightly-batch", "me"); err != nil {
					t.Fatal(err)
				}
			}
			var n int
			if err := pinned.conn.GetContext(ctx, &n, `SELECT COUNT(*) FROM pin_probe`); err != nil || n != 5 {
				t.Errorf("the pinned connection's table holds %d rows (%v), want 5", n, err)
			}
		})
	}
}
