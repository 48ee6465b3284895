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
		f := store.NewTestFixture(t, s)
		o := store.SeedOtherICB(t, s)
		// A Section 23 notification about a child new to dco registers it
		// through the same rule: provider 1 only in its own ICB's LAs.
		store.RunRegisterCases(t, s, "Section 23 new child", []store.RegisterCase{
			{Name: "provider, own ICB", Actor: f.Provider1User, LA: f.LA2.ID, Want: store.RegisterOK},
			{Name: "provider, another ICB", Actor: f.Provider1User, LA: o.LA.ID, Want: store.RegisterRefused},
			{Name: "provider of the other ICB, its own", Actor: o.ProviderUser, LA: o.LA.ID, Want: store.RegisterOK},
			{Name: "DCO, another ICB", Actor: f.DCO, LA: o.LA.ID, Want: store.RegisterRefused},
		}, "child_la_id", func(t *testing.T, i int, tc store.RegisterCase) error {
			nt := notification(t, 0, "2025-05-01", "")
			if tc.Actor.Role == store.RoleDCO {
				nt.ProviderOrgID = f.Provider1.ID
			}
			nt.LAID = tc.LA
			fresh := store.TestYoungChild(t, 800+i, tc.LA)
			err := New(s).Create(ctx, tc.Actor, &nt, &fresh)
			if tc.Want == store.RegisterRefused && errs.FieldsOf(err)["child_la_id"] == "" {
				t.Fatalf("got %v (%v), want invalid naming child_la_id", err, errs.FieldsOf(err))
			}
			return err
		})

		// The DCO team's imports register a new child through the same
		// rule: a DCO only in its ICB's LAs, a DCO of no ICB nowhere.
		store.RunRegisterCases(t, s, "imports/Section 23", store.ImportRegisterCases(f, o), "", func(t *testing.T, i int, tc store.RegisterCase) error {
			nt := notification(t, 0, "2025-05-01", "")
			nt.ProviderOrgID, nt.Steps.OpinionOn = f.Provider1.ID, send.Date{}
			nt.Consent = s23.ConsentNotRecorded
			res, err := New(s).Import(ctx, tc.Actor, []ImportRow{{Line: 2, Child: store.TestYoungChild(t, 1000+i, tc.LA), Notification: nt}}, false)
			if tc.Want == store.RegisterRefused && (len(res.Problems) == 0 || res.Problems[0].Field != "la_id") {
				t.Fatalf("problems: got %+v, want one on la_id", res.Problems)
			}
			return err
		})
	})
}
