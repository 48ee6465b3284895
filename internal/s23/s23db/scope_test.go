package s23db

import (
	"context"
	"slices"
	"testing"

	"dco/internal/send"
	"dco/internal/store"
)

// A DCO of no ICB (an account made before every DCO had to name one) sees
// no notification, whatever ICB it is in, and makes none.
func TestDCOOfNoICBSeesNoNotification(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := store.NewTestFixture(t, s)
		national := store.LegacyDCO(t, s)
		a := store.MustCreateChild(t, s, f.DCO, store.TestYoungChild(t, 1, f.LA1.ID))
		n := notification(t, a.ID, "2025-05-01", "2025-05-06")
		n.ProviderOrgID = f.Provider1.ID
		mustNotify(t, s, f.DCO, n)
		if got, total, err := New(s).List(ctx, national, Filter{Today: send.Today(testNow), StandardDays: 10}); err != nil || total != 0 || len(got) != 0 {
			t.Errorf("Section 23 list: got %d of %d (%v), want none", len(got), total, err)
		}
		// Nor can such a DCO place a notification in any LA.
		n2 := notification(t, a.ID, "2025-05-01", "")
		n2.ProviderOrgID = f.Provider1.ID
		if err := New(s).Create(ctx, national, &n2, nil); err == nil {
			t.Error("a DCO of no ICB made a notification")
		}
	})
}

// TestListRecordsChildrenShown: every child a list of notifications shows
// has the read in its access history, and no other child does, whatever
// the filter named (store.TestListsRecordChildrenShown for the others).
func TestListRecordsChildrenShown(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := store.NewTestFixture(t, s)
		var k []store.Child
		for i := 1; i <= 4; i++ {
			k = append(k, store.MustCreateChild(t, s, f.DCO, store.TestYoungChild(t, i, f.LA1.ID)))
		}
		all := append(slices.Clone(k), store.MustCreateChild(t, s, f.DCO, store.TestYoungChild(t, 5, f.LA2.ID)))
		for _, c := range k[:2] {
			notifyAbout(t, s, f.Provider1User, notification(t, 0, "2025-05-01", ""), c)
		}
		db := New(s)
		tests := []struct {
			name  string
			actor store.Actor
			f     Filter
			shown []store.Child
		}{
			{"notifications", f.Provider1User, Filter{}, k[:2]},
			{"notifications filtered by a child the provider cannot see", f.Provider2User, Filter{ChildID: k[0].ID}, nil},
			{"notifications filtered by a child the LA was not sent", f.LA2User, Filter{ChildID: k[1].ID}, nil},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				before := map[int64]int{}
				for _, c := range all {
					before[c.ID] = store.ShownIn(t, s, f.DCO, c.ID, ActionList, tc.actor)
				}
				ns, _, err := db.List(ctx, tc.actor, tc.f)
				if err != nil {
					t.Fatal(err)
				}
				if len(ns) != len(tc.shown) {
					t.Fatalf("the read returned %d rows, want %d", len(ns), len(tc.shown))
				}
				for _, c := range all {
					want := 0
					if slices.ContainsFunc(tc.shown, func(x store.Child) bool { return x.ID == c.ID }) {
						want = 1
					}
					if got := store.ShownIn(t, s, f.DCO, c.ID, ActionList, tc.actor) - before[c.ID]; got != want {
						t.Errorf("%s rows added to %s's access history: got %d, want %d", ActionList, c.FamilyName, got, want)
					}
				}
			})
		}
	})
}
