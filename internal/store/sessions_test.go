package store

import (
	"context"
	"testing"
	"time"

	"dco/internal/errs"
)

func TestSessions(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		f := newFixture(t, s)
		t0 := testNow
		sess := Session{IDHash: "aa11", UserID: f.LA1User.UserID, CSRFToken: "csrf", CreatedAt: t0, LastSeenAt: t0}
		if err := s.CreateSession(ctx, sess); err != nil {
			t.Fatal(err)
		}
		got, u, err := s.GetSession(ctx, "aa11")
		if err != nil || got.UserID != f.LA1User.UserID || got.CSRFToken != "csrf" || !got.CreatedAt.Equal(t0) || u.Email != f.LA1User.Email || u.LAID != f.LA1.ID {
			t.Fatalf("get: %+v %+v %v", got, u, err)
		}
		if _, _, err := s.GetSession(ctx, "nope"); !errs.Is(err, errs.NotFound) {
			t.Errorf("absent: got %v", err)
		}
		if err := s.TouchSession(ctx, "aa11", t0.Add(10*time.Minute)); err != nil {
			t.Fatal(err)
		}
		if got, _, _ := s.GetSession(ctx, "aa11"); !got.LastSeenAt.Equal(t0.Add(10 * time.Minute)) {
			t.Errorf("touched: got %v", got.LastSeenAt)
		}
		wantCode(t, s.TouchSession(ctx, "nope", t0), errs.NotFound)

		// expiry: idle and absolute
		for _, x := range []Session{
			{IDHash: "idle", UserID: f.DCO.UserID, CreatedAt: t0, LastSeenAt: t0.Add(-40 * time.Minute)},
			{IDHash: "old", UserID: f.DCO.UserID, CreatedAt: t0.Add(-13 * time.Hour), LastSeenAt: t0},
			{IDHash: "fresh", UserID: f.DCO.UserID, CreatedAt: t0, LastSeenAt: t0},
		} {
			if err := s.CreateSession(ctx, x); err != nil {
				t.Fatal(err)
			}
		}
		n, err := s.DeleteExpiredSessions(ctx, t0.Add(-30*time.Minute), t0.Add(-12*time.Hour))
		if err != nil || n != 2 {
			t.Errorf("expired: got %d, %v, want 2", n, err)
		}
		if _, _, err := s.GetSession(ctx, "fresh"); err != nil {
			t.Errorf("fresh session gone: %v", err)
		}
		if err := s.DeleteSession(ctx, "fresh"); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.GetSession(ctx, "fresh"); !errs.Is(err, errs.NotFound) {
			t.Errorf("deleted: got %v", err)
		}
		if err := s.DeleteUserSessions(ctx, f.LA1User.UserID); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.GetSession(ctx, "aa11"); !errs.Is(err, errs.NotFound) {
			t.Errorf("after DeleteUserSessions: got %v", err)
		}
		if err := s.CreateSession(ctx, Session{IDHash: "x", UserID: 99999}); !errs.Is(err, errs.Invalid) {
			t.Errorf("session for no user: got %v, want invalid", err)
		}
	})
}

func TestTokensAndDisableUser(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		f := newFixture(t, s)
		if err := s.CreateToken(ctx, f.Admin, f.LA2User.UserID, "tok1"); err != nil {
			t.Fatal(err)
		}
		u, err := s.UserByToken(ctx, "tok1")
		if err != nil || u.ID != f.LA2User.UserID {
			t.Fatalf("by token: %+v %v", u, err)
		}
		if _, err := s.UserByToken(ctx, "tok2"); !errs.Is(err, errs.NotFound) {
			t.Errorf("unknown token: got %v", err)
		}
		wantCode(t, s.CreateToken(ctx, f.Admin, f.LA1User.UserID, "tok1"), errs.Conflict)
		wantCode(t, s.CreateToken(ctx, f.Admin, 99999, "tok3"), errs.NotFound)

		for _, h := range []string{"s1", "s2"} {
			if err := s.CreateSession(ctx, Session{IDHash: h, UserID: f.LA2User.UserID}); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.CreateSession(ctx, Session{IDHash: "other", UserID: f.LA1User.UserID}); err != nil {
			t.Fatal(err)
		}
		if err := s.DisableUser(ctx, f.Admin, "LA2@example.gov.uk"); err != nil {
			t.Fatal(err)
		}
		for _, h := range []string{"s1", "s2"} {
			if _, _, err := s.GetSession(ctx, h); !errs.Is(err, errs.NotFound) {
				t.Errorf("session %s after disable: got %v", h, err)
			}
		}
		if _, _, err := s.GetSession(ctx, "other"); err != nil {
			t.Errorf("another user's session: %v", err)
		}
		if _, err := s.UserByToken(ctx, "tok1"); !errs.Is(err, errs.NotFound) {
			t.Errorf("token after disable: got %v", err)
		}
		var n int
		if err := s.db.QueryRowContext(ctx, s.rebind("SELECT count(*) FROM api_tokens WHERE user_id = ?"), f.LA2User.UserID).Scan(&n); err != nil || n != 0 {
			t.Errorf("tokens left: %d, %v", n, err)
		}
		got, _ := s.GetUser(ctx, f.LA2User.UserID)
		if !got.Disabled || got.Version != 2 {
			t.Errorf("user after disable: %+v", got)
		}
		// a session created for a disabled user is never returned
		if err := s.CreateSession(ctx, Session{IDHash: "s3", UserID: f.LA2User.UserID}); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.GetSession(ctx, "s3"); !errs.Is(err, errs.NotFound) {
			t.Errorf("session of disabled user: got %v", err)
		}
		if n := countAudit(t, s, "user.disable", 0); n != 1 {
			t.Errorf("user.disable audit rows: got %d", n)
		}
		wantCode(t, s.DisableUser(ctx, f.Admin, "nobody@example.org"), errs.NotFound)
	})
}

// TestTokenExpiry: a token works until its expiry and not from then on; the
// default life is 90 days and none may be longer than 365; a token issued
// before expiry was recorded lives 90 days from its issue.
func TestTokenExpiry(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		f := newFixture(t, s)
		now := testNow
		s.Now = func() time.Time { return now }
		if err := s.CreateToken(ctx, f.Admin, f.LA1User.UserID, "default"); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateTokenUntil(ctx, f.Admin, f.LA1User.UserID, "week", now.Add(7*24*time.Hour)); err != nil {
			t.Fatal(err)
		}
		wantCode(t, s.CreateTokenUntil(ctx, f.Admin, f.LA1User.UserID, "past", now), errs.Invalid)
		wantCode(t, s.CreateTokenUntil(ctx, f.Admin, f.LA1User.UserID, "long", now.Add(MaxTokenLifetime+time.Second)), errs.Invalid)
		if err := s.CreateTokenUntil(ctx, f.Admin, f.LA1User.UserID, "year", now.Add(MaxTokenLifetime)); err != nil {
			t.Errorf("a token of exactly 365 days: %v", err)
		}
		// A token from before expiry was recorded: expires_at ''.
		if _, err := s.wdb.ExecContext(ctx, s.rebind("INSERT INTO api_tokens (token_hash, user_id, created_at) VALUES (?, ?, ?)"),
			"legacy", f.LA1User.UserID, fmtTime(now)); err != nil {
			t.Fatal(err)
		}
		works := func(when time.Duration, tok string, want bool) {
			t.Helper()
			now = testNow.Add(when)
			_, err := s.UserByToken(ctx, tok)
			switch {
			case want && err != nil:
				t.Errorf("%s at +%v: %v, want it to work", tok, when, err)
			case !want && !errs.Is(err, errs.NotFound):
				t.Errorf("%s at +%v: got %v, want not_found", tok, when, err)
			}
		}
		day := 24 * time.Hour
		works(7*day-time.Microsecond, "week", true)
		works(7*day, "week", false)
		works(90*day-time.Microsecond, "default", true)
		works(90*day, "default", false)
		works(90*day-time.Microsecond, "legacy", true)
		works(90*day, "legacy", false)
		works(365*day-time.Microsecond, "year", true)
		works(365*day, "year", false)
	})
}
