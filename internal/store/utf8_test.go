package store

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"dco/internal/errs"
)

// TestChildNotUTF8 is issue 8 item 7 in the store: a child's text that is
// not UTF-8 is refused naming the field, on both engines alike (SQLite
// would store the bytes as they came, PostgreSQL refuse them with a
// database error), by CreateChild, UpdateChild and ImportChildren.
func TestChildNotUTF8(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		f := newFixture(t, s)
		stored := mustCreate(t, s, f.DCO, child(t, 1, f.LA1.ID))
		tests := []struct {
			name   string
			change func(c *Child)
			field  string
		}{
			{"given name", func(c *Child) { c.GivenName = "\xff\xfe" }, "given_name"},
			{"family name", func(c *Child) { c.FamilyName = "Sm\xc0ith" }, "family_name"},
			{"setting", func(c *Child) { c.Setting = "St Mary\xe2\x82s" }, "setting"},
		}
		for i, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				check := func(what string, err error) {
					t.Helper()
					if errs.CodeOf(err) != errs.Invalid || errs.FieldsOf(err)[tc.field] != MsgNotUTF8 {
						t.Errorf("%s: got %v (%v), want invalid with %s: %q", what, err, errs.FieldsOf(err), tc.field, MsgNotUTF8)
					}
				}
				c := child(t, 10+i, f.LA1.ID)
				tc.change(&c)
				check("create", s.CreateChild(ctx, f.DCO, &c))
				u, _ := s.GetChild(ctx, System, stored.ID)
				tc.change(&u)
				check("update", s.UpdateChild(ctx, f.DCO, &u))
				batch := []Child{child(t, 20+i, f.LA1.ID)}
				tc.change(&batch[0])
				_, err := s.ImportChildren(ctx, f.DCO, batch)
				check("import", err)
				if !strings.Contains(errs.MessageOf(err), "Row 1") {
					t.Errorf("import message: got %q, want it to name row 1", errs.MessageOf(err))
				}
			})
		}
		if got, _ := s.GetChild(ctx, System, stored.ID); got.Version != 1 {
			t.Errorf("stored child's version: got %d, want 1", got.Version)
		}
		if n, _ := s.CountChildren(ctx, System); n != 1 {
			t.Errorf("children: got %d, want 1", n)
		}
	})
}

// TestMapErrNotUTF8: PostgreSQL's refusal of text that is not UTF-8 is the
// caller's invalid input, never an internal error (a 500), whatever record
// a route stores.
func TestMapErrNotUTF8(t *testing.T) {
	err := mapErr(&pgconn.PgError{Code: "22021", Message: "invalid byte sequence for encoding \"UTF8\": 0xff"}, "insert")
	if errs.CodeOf(err) != errs.Invalid || errs.MessageOf(err) != MsgNotUTF8 {
		t.Errorf("got %v %q, want invalid %q", errs.CodeOf(err), errs.MessageOf(err), MsgNotUTF8)
	}
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		t.Errorf("the cause is not kept for the log: %v", err)
	}
}
