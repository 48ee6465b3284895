package store

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"dco/internal/errs"
)

// TestConstraintMapping proves driver errors are recognised by code on each
// engine: raw statements that break each kind of constraint.
func TestConstraintMapping(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		f := newFixture(t, s)
		now := fmtTime(testNow)
		tests := []struct {
			name  string
			query string
			args  []any
			want  constraint
			code  errs.Code
		}{
			{"unique", "INSERT INTO users (email, name, role, version, created_at, updated_at) VALUES (?, 'x', 'dco', 1, ?, ?)",
				[]any{f.DCO.Email, now, now}, uniqueViolation, errs.Conflict},
			{"primary key", "INSERT INTO settings (key, value, version, updated_at) VALUES ('k', 'v', 1, ?), ('k', 'w', 1, ?)",
				[]any{now, now}, uniqueViolation, errs.Conflict},
			{"foreign key", "INSERT INTO sessions (id_hash, user_id, csrf_token, created_at, last_seen_at) VALUES ('h', 99999, '', ?, ?)",
				[]any{now, now}, foreignKeyViolation, errs.Invalid},
			{"check", "INSERT INTO bank_holidays (date, title) VALUES ('2025-1-1', 'x')",
				nil, checkViolation, errs.Invalid},
			{"not null", "INSERT INTO settings (key, value, version, updated_at) VALUES ('n', NULL, 1, ?)",
				[]any{now}, notNullViolation, errs.Invalid},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				_, err := s.wdb.ExecContext(ctx, s.rebind(tc.query), tc.args...)
				if err == nil {
					t.Fatal("no error")
				}
				if got := constraintOf(err); got != tc.want {
					t.Errorf("constraint: got %d, want %d (%v)", got, tc.want, err)
				}
				wantCode(t, mapErr(err, "test"), tc.code)
			})
		}
	})
}

func TestUnavailable(t *testing.T) {
	ctx := context.Background()
	_, err := Open(ctx, filepath.Join(t.TempDir(), "no", "such", "dir", "dco.db"), nil)
	wantCode(t, err, errs.Unavailable)
	_, err = Open(ctx, "postgres://dco:dco@127.0.0.1:1/dco?connect_timeout=2", nil)
	wantCode(t, err, errs.Unavailable)
	for _, code := range []string{"53100", "08006", "57P01", "40P01"} {
		wantCode(t, mapErr(fmt.Errorf("x: %w", &pgconn.PgError{Code: code}), "test"), errs.Unavailable)
	}
	wantCode(t, mapErr(&pgconn.PgError{Code: "42601"}, "test"), errs.Internal)
}
