package s23db

import (
	"context"
	"testing"

	"dco/internal/errs"
	"dco/internal/s23"
	"dco/internal/send"
	"dco/internal/store"
)

// TestS23ChildRegisterRule: a Section 23 notification about a new child,
// on the form or in an import, registers it through the store's one rule
// for where a child may be registered (store.TestChildRegisterRule).
func TestS23ChildRegisterRule(t *testing.T) {
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
		// A Section 23 notification about a child new to dco registers it
		// through the same rule: provider 1 only in its own ICB's LAs.
		t.Run("Section 23 new child", func(t *testing.T) {
			for _, tc := range []struct {
				name  string
				actor store.Actor
				la    int64
				want  string
			}{
				{"provider, own ICB", f.Provider1User, f.LA2.ID, ok},
				{"provider, another ICB", f.Provider1User, o.LA.ID, refused},
				{"provider of the other ICB, its own", o.ProviderUser, o.LA.ID, ok},
				{"DCO, another ICB", f.DCO, o.LA.ID, refused},
			} {
				t.Run(tc.name, func(t *testing.T) {
					n++
					before, _ := s.CountChildren(ctx, store.System)
					nt := notification(t, 0, "2025-05-01", "")
					if tc.actor.Role == store.RoleDCO {
						nt.ProviderOrgID = f.Provider1.ID
					}
					nt.LAID = tc.la
					fresh := youngChild(t, 800+n, tc.la)
					err := New(s).Create(ctx, tc.actor, &nt, &fresh)
					if tc.want == refused && errs.FieldsOf(err)["child_la_id"] == "" {
						t.Fatalf("got %v (%v), want invalid naming child_la_id", err, errs.FieldsOf(err))
					}
					check(t, err, tc.want, "child_la_id", before)
				})
			}
		})

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
				t.Run("Section 23/"+tc.name, func(t *testing.T) {
					n++
					before, _ := s.CountChildren(ctx, store.System)
					nt := notification(t, 0, "2025-05-01", "")
					nt.ProviderOrgID, nt.Steps.OpinionOn = f.Provider1.ID, send.Date{}
					nt.Consent = s23.ConsentNotRecorded
					res, err := New(s).Import(ctx, tc.actor, []ImportRow{{Line: 2, Child: youngChild(t, 1000+n, tc.la), Notification: nt}}, false)
					if tc.want == refused && (len(res.Problems) == 0 || res.Problems[0].Field != "la_id") {
						t.Fatalf("problems: got %+v, want one on la_id", res.Problems)
					}
					check(t, err, tc.want, "", before)
				})
			}
		})
	})
}
