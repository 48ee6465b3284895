package advicedb

import (
	"context"
	"errors"
	"strings"
	"testing"

	"dco/internal/send"
	"dco/internal/store"
)

// TestAdviceChildRegisterRule: an advice request about a new child, on the
// form or in an import, registers it through the store's one rule for
// where a child may be registered (TestChildRegisterRule).
func TestAdviceChildRegisterRule(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := newFixture(t, s)
		o := store.SeedOtherICB(t, s)
		national := store.NoICBDCO(f)
		const (
			ok        = store.RegisterOK
			refused   = store.RegisterRefused
			forbidden = store.RegisterForbidden
		)
		n := 0
		check := func(t *testing.T, err error, want, field string, before int) {
			t.Helper()
			store.CheckRegistered(t, s, err, want, field, before)
		}
		// The DCO team's imports register a new child through the same
		// rule: a DCO only in its ICB's LAs, a DCO of no ICB nowhere.
		t.Run("imports", func(t *testing.T) {
			for _, tc := range []struct {
				name  string
				actor store.Actor
				la    int64
				want  string
			}{
				{"DCO, own ICB", f.DCO, f.LA2.ID, ok},
				{"DCO, another ICB", f.DCO, o.LA.ID, refused},
				{"DCO of no ICB", national, f.LA1.ID, refused},
			} {
				t.Run("advice requests/"+tc.name, func(t *testing.T) {
					n++
					before, _ := s.CountChildren(ctx, store.System)
					row := ImportRow{Line: 2, LAID: tc.la, Child: child(t, 1100+n, 0), ReceivedOn: send.Today(testNow).AddDays(-3)}
					_, err := New(s).ImportAdviceRequests(ctx, tc.actor, send.DefaultCalendar(), []ImportRow{row}, false)
					var ie *ImportError
					if tc.want == refused && (!errors.As(err, &ie) || len(ie.Lines) == 0 || !strings.Contains(ie.Lines[0].Message, "la_code")) {
						t.Fatalf("got %v, want a problem on la_code", err)
					}
					check(t, err, tc.want, "", before)
				})
			}
		})

		// An advice request about a child new to dco registers it through
		// the same rule.
		t.Run("advice request new child", func(t *testing.T) {
			for _, tc := range []struct {
				name  string
				actor store.Actor
				la    int64
				want  string
			}{
				{"LA user, own LA", f.LA1User, f.LA1.ID, ok},
				{"LA user, another LA", f.LA1User, f.LA2.ID, refused},
				{"DCO, own ICB", f.DCO, f.LA2.ID, ok},
				{"DCO, another ICB", f.DCO, o.LA.ID, refused},
			} {
				t.Run(tc.name, func(t *testing.T) {
					n++
					before, _ := s.CountChildren(ctx, store.System)
					reg := child(t, 900+n, tc.la)
					r := Request{ReceivedOn: send.Today(testNow).AddDays(-3)}
					err := New(s).CreateAdviceRequest(ctx, tc.actor, send.DefaultCalendar(), &r, &reg)
					check(t, err, tc.want, "la_id", before)
				})
			}
		})
	})
}
