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
		f := store.NewTestFixture(t, s)
		o := store.SeedOtherICB(t, s)
		received := send.Today(testNow).AddDays(-3)
		// The DCO team's imports register a new child through the same
		// rule: a DCO only in its ICB's LAs, a DCO of no ICB nowhere.
		store.RunRegisterCases(t, s, "imports/advice requests", store.ImportRegisterCases(f, o), "", func(t *testing.T, i int, tc store.RegisterCase) error {
			row := ImportRow{Line: 2, LAID: tc.LA, Child: child(t, 1100+i, 0), ReceivedOn: received}
			_, err := New(s).ImportAdviceRequests(ctx, tc.Actor, send.DefaultCalendar(), []ImportRow{row}, false)
			var ie *ImportError
			if tc.Want == store.RegisterRefused && (!errors.As(err, &ie) || len(ie.Lines) == 0 || !strings.Contains(ie.Lines[0].Message, "la_code")) {
				t.Fatalf("got %v, want a problem on la_code", err)
			}
			return err
		})

		// An advice request about a child new to dco registers it through
		// the same rule.
		store.RunRegisterCases(t, s, "advice request new child", []store.RegisterCase{
			{Name: "LA user, own LA", Actor: f.LA1User, LA: f.LA1.ID, Want: store.RegisterOK},
			{Name: "LA user, another LA", Actor: f.LA1User, LA: f.LA2.ID, Want: store.RegisterRefused},
			{Name: "DCO, own ICB", Actor: f.DCO, LA: f.LA2.ID, Want: store.RegisterOK},
			{Name: "DCO, another ICB", Actor: f.DCO, LA: o.LA.ID, Want: store.RegisterRefused},
		}, "la_id", func(t *testing.T, i int, tc store.RegisterCase) error {
			reg := child(t, 900+i, tc.LA)
			r := Request{ReceivedOn: received}
			return New(s).CreateAdviceRequest(ctx, tc.Actor, send.DefaultCalendar(), &r, &reg)
		})
	})
}
