package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"maksa/internal/test/testdb"
	"maksa/store"
)

// TestSessions: a session is found by its token until it is idle too long
// or older than its lifetime, then it is gone; closing removes it.
func TestSessions(t *testing.T) {
	ctx := context.Background()
	for _, b := range testdb.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			db, _ := MustOpen(t, b)
			t0 := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
			if err := db.OpenSession(ctx, "tok", "u", "fp", t0); err != nil {
				t.Fatal(err)
			}
			s, err := db.UseSession(ctx, "tok", t0.Add(time.Minute), 5*time.Minute, time.Hour)
			if err != nil || s.UserID != "u" || s.Fingerprint != "fp" {
				t.Fatalf("UseSession = %+v, %v", s, err)
			}
			if _, err := db.UseSession(ctx, "tok", t0.Add(7*time.Minute), 5*time.Minute, time.Hour); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("a session idle 6 minutes: %v, want ErrNotFound", err)
			}
			db.OpenSession(ctx, "busy", "u", "fp", t0)
			for m := 4; m < 60; m += 4 {
				if _, err := db.UseSession(ctx, "busy", t0.Add(time.Duration(m)*time.Minute), 5*time.Minute, time.Hour); err != nil {
					t.Fatalf("minute %d: %v", m, err)
				}
			}
			if _, err := db.UseSession(ctx, "busy", t0.Add(62*time.Minute), 5*time.Minute, time.Hour); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("a busy session past its lifetime: %v, want ErrNotFound", err)
			}
			db.OpenSession(ctx, "old", "u", "fp", t0)
			if n, err := db.PurgeSessions(ctx, t0.Add(time.Minute), t0.Add(-time.Hour)); err != nil || n != 1 {
				t.Errorf("PurgeSessions = %d, %v; want the idle one", n, err)
			}
		})
	}
}

// TestIdempotencyKeys: an answer is given again for a week, then the key is
// forgotten; a key claimed and never answered (its server died) is told
// "still being answered" for an hour, then a retry claims it anew.
func TestIdempotencyKeys(t *testing.T) {
	ctx := context.Background()
	for _, b := range testdb.Backends(t) {
		t.Run(b.Name, func(t *testing.T) {
			db, _ := MustOpen(t, b)
			t0 := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
			claim := func(key string, at time.Time) *store.Answer {
				t.Helper()
				a, err := db.ClaimKey(ctx, "u", key, "POST /v1/files", at)
				if err != nil {
					t.Fatal(err)
				}
				return a
			}
			if a := claim("answered", t0); a != nil {
				t.Fatalf("a new key: %+v", a)
			}
			if err := db.RecordAnswer(ctx, "u", "answered", 201, []byte(`{"batch":1}`)); err != nil {
				t.Fatal(err)
			}
			if a := claim("answered", t0.Add(store.KeepAnswers-time.Minute)); a == nil || a.Status != 201 || a.Body != `{"batch":1}` {
				t.Errorf("a retry within the week: %+v, want the first answer", a)
			}
			if a := claim("lost", t0); a != nil {
				t.Fatalf("a new key: %+v", a)
			}
			if a := claim("lost", t0.Add(store.AbandonAfter-time.Minute)); a == nil || a.Status != 0 {
				t.Errorf("a retry while the first may still be answered: %+v, want status 0", a)
			}
			if a := claim("lost", t0.Add(store.AbandonAfter+time.Minute)); a != nil {
				t.Errorf("a retry after the first was abandoned: %+v, want the key claimed anew", a)
			}
			if a := claim("other", t0.Add(store.KeepAnswers+time.Minute)); a != nil {
				t.Fatalf("a new key: %+v", a)
			}
			if a := claim("answered", t0.Add(store.KeepAnswers+time.Minute)); a != nil {
				t.Errorf("a key used more than a week ago: %+v, want it forgotten", a)
			}
		})
	}
}
