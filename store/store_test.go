package store_test

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"maksa"
	"maksa/formats/directory"
	"maksa/internal/testdb"
	"maksa/store"
)

// MustOpen opens a fresh database of the backend.
func MustOpen(tb testing.TB, b testdb.Backend) (*store.DB, string) {
	tb.Helper()
	dsn := b.DSN(tb)
	db, err := store.Open(context.Background(), dsn)
	if err != nil {
		tb.Fatalf("open %s: %v", b.Name, err)
	}
	tb.Cleanup(func() { db.Close() })
	return db, dsn
}

func demoDirectory(tb testing.TB) *maksa.Directory {
	tb.Helper()
	d, err := directory.Load("../testdata/demo/directory.yaml")
	if err != nil {
		tb.Fatal(err)
	}
	return d
}

func TestApplyDirectory(t *testing.T) {
	for _, b := range testdb.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			db, _ := MustOpen(t, b)
			want := demoDirectory(t)
			changes, err := db.ApplyDirectory(ctx, want, "test")
			if err != nil {
				t.Fatal(err)
			}
			if len(changes) != 29 {
				t.Errorf("first apply: %d changes, want 29: %v", len(changes), changes)
			}
			got, err := db.Directory(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(got.Accounts) != 4 || len(got.Users) != 7 || len(got.Grants) != 11 {
				t.Fatalf("stored %d accounts, %d users, %d grants; want 4, 7, 11", len(got.Accounts), len(got.Users), len(got.Grants))
			}
			// A second apply of the same file changes nothing.
			changes, err = db.ApplyDirectory(ctx, want, "test")
			if err != nil || len(changes) != 0 {
				t.Fatalf("second apply: changes %v, err %v; want none", changes, err)
			}
			// A changed file changes exactly what changed.
			changed := demoDirectory(t)
			changed.Accounts[1].Status = maksa.AccountBlocked
			changed.Grants = changed.Grants[1:] // drops gramatvediba's first grant
			changed.Users[1].Keys = nil         // revokes anna's key
			changes, err = db.ApplyDirectory(ctx, changed, "test")
			if err != nil {
				t.Fatal(err)
			}
			wantChanges := []store.Change{
				{Kind: "account", ID: "LV91TREL9160100000001", Action: "updated"},
				{Kind: "key", ID: changes[1].ID, Action: "revoked"},
				{Kind: "grant", ID: "gramatvediba/LV21TREL9160100000000", Action: "removed"},
			}
			if !reflect.DeepEqual(changes, wantChanges) {
				t.Errorf("changes = %v, want %v", changes, wantChanges)
			}
			if n, err := db.VerifyAudit(ctx); err != nil || n != 2 {
				t.Errorf("VerifyAudit = %d, %v; want 2 events, nil", n, err)
			}
		})
	}
}

func TestVerifyAuditDetectsTampering(t *testing.T) {
	for _, b := range testdb.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			for _, tamper := range []struct {
				name   string
				sql    string
				wantID int64
			}{
				{"altered details", `UPDATE audit_events SET details = '{"x":1}' WHERE id = 2`, 2},
				{"altered actor", `UPDATE audit_events SET actor = 'mallory' WHERE id = 1`, 1},
				{"removed event", `DELETE FROM audit_events WHERE id = 2`, 3},
			} {
				t.Run(tamper.name, func(t *testing.T) {
					db, dsn := MustOpen(t, b)
					for _, action := range []string{"one", "two", "three"} {
						if err := db.Audit(ctx, "test", action, "obj", map[string]string{"a": action}); err != nil {
							t.Fatal(err)
						}
					}
					if n, err := db.VerifyAudit(ctx); err != nil || n != 3 {
						t.Fatalf("before tampering: %d, %v", n, err)
					}
					testdb.Exec(t, dsn, tamper.sql)
					_, err := db.VerifyAudit(ctx)
					var broken *store.BrokenChainError
					if !errors.As(err, &broken) || broken.ID != tamper.wantID {
						t.Fatalf("VerifyAudit error = %v, want broken event %d", err, tamper.wantID)
					}
				})
			}
		})
	}
}

// TestLockAcquiredAgainByItsOwner: a run whose lock was taken but whose
// answer was lost to an outage asks again and gets it; another owner is
// refused while the heartbeat is fresh and its holder alive.
func TestLockAcquiredAgainByItsOwner(t *testing.T) {
	for _, b := range testdb.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			db, _ := MustOpen(t, b)
			if err := db.AcquireLock(ctx, "l", "a", time.Hour, nil); err != nil {
				t.Fatal(err)
			}
			if err := db.AcquireLock(ctx, "l", "a", time.Hour, nil); err != nil {
				t.Errorf("the owner asking again: %v", err)
			}
			if err := db.AcquireLock(ctx, "l", "b", time.Hour, nil); !errors.Is(err, store.ErrLocked) {
				t.Errorf("another owner: %v, want ErrLocked", err)
			}
			if err := db.AcquireLock(ctx, "l", "b", time.Hour, func(string) bool { return true }); err != nil {
				t.Errorf("another owner, the holder gone: %v", err)
			}
		})
	}
}
