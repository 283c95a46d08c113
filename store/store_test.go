package store_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"maksa"
	"maksa/formats/directory"
	"maksa/internal/test/testdb"
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
			if c, err := db.VerifyAudit(ctx); err != nil || c.Checked != 2 {
				t.Errorf("VerifyAudit = %d, %v; want 2 events, nil", c.Checked, err)
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
					if c, err := db.VerifyAudit(ctx); err != nil || c.Checked != 3 {
						t.Fatalf("before tampering: %d, %v", c.Checked, err)
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

// TestAuditAnchorsShowARemovedEnd: removing the newest events, or
// rewriting the whole chain with fresh hashes, leaves a chain that
// verifies on its own; an anchor noted before shows both.
func TestAuditAnchorsShowARemovedEnd(t *testing.T) {
	for _, b := range testdb.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			db, dsn := MustOpen(t, b)
			for _, action := range []string{"one", "two", "three"} {
				if err := db.Audit(ctx, "test", action, "obj", nil); err != nil {
					t.Fatal(err)
				}
			}
			head, err := db.AuditHead(ctx)
			if err != nil || head.ID != 3 {
				t.Fatalf("head %v, %v", head, err)
			}
			anchor, err := store.ParseAuditAnchor(fmt.Sprintf("%d:%s", head.ID, head.Hash[:12]))
			if err != nil {
				t.Fatal(err)
			}
			if c, err := db.VerifyAudit(ctx, anchor); err != nil || c.Checked != 3 || c.Last != head {
				t.Fatalf("before: %+v, %v", c, err)
			}
			// Rewritten: event 3's details changed and its hash computed again.
			var e3 maksa.AuditEvent
			db.AuditEvents(ctx, func(e maksa.AuditEvent) error {
				if e.ID == 3 {
					e3 = e
				}
				return nil
			})
			e3.Details = `{"rewritten":true}`
			testdb.Exec(t, dsn, `UPDATE audit_events SET details = '{"rewritten":true}', hash = '`+e3.ComputeHash()+`' WHERE id = 3`)
			var broken *store.BrokenChainError
			if _, err := db.VerifyAudit(ctx); err != nil {
				t.Fatalf("the rewritten chain verifies on its own: %v", err)
			}
			if _, err := db.VerifyAudit(ctx, anchor); !errors.As(err, &broken) || broken.ID != 3 {
				t.Errorf("rewritten chain against the anchor: %v, want event 3 broken", err)
			}
			// Cut: the newest event removed.
			testdb.Exec(t, dsn, `DELETE FROM audit_events WHERE id = 3`)
			if c, err := db.VerifyAudit(ctx); err != nil || c.Checked != 2 {
				t.Fatalf("the cut chain verifies on its own: %+v, %v", c, err)
			}
			if _, err := db.VerifyAudit(ctx, anchor); !errors.As(err, &broken) || broken.ID != 3 || !strings.Contains(broken.Reason, "ends at event 2") {
				t.Errorf("cut chain against the anchor: %v, want event 3 missing", err)
			}
			for _, bad := range []string{"3", "x:abcdefabcdef", "3:abc", "3:zzzzzzzzzzzz", "0:abcdefabcdef"} {
				if _, err := store.ParseAuditAnchor(bad); err == nil {
					t.Errorf("anchor %q accepted", bad)
				}
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
