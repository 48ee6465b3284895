package advicedb

import (
	"context"
	"dco/internal/store"
	"fmt"
	"slices"
	"testing"
)

type listFixture struct {
	*store.Fixture
	kids  []store.Child // LA 1's four
	other store.Child   // LA 2's
}

func newListFixture(t *testing.T, s *store.Store) listFixture {
	t.Helper()
	lf := listFixture{Fixture: store.NewTestFixture(t, s)}
	for i := 1; i <= 4; i++ {
		lf.kids = append(lf.kids, store.MustCreateChild(t, s, lf.DCO, store.TestYoungChild(t, i, lf.LA1.ID)))
	}
	lf.other = store.MustCreateChild(t, s, lf.DCO, store.TestYoungChild(t, 5, lf.LA2.ID))
	for i, c := range append(slices.Clone(lf.kids), lf.other) {
		mustRequest(t, s, lf.DCO, c.ID, fmt.Sprintf("2025-05-%02d", 1+i), fmt.Sprintf("EHC-%d", i))
	}
	return lf
}

// TestAdviceListsRecordChildrenShown: every child whose request an advice
// list returns has the read in its access history, and no other child
// does, whatever the filter named (store.TestListsRecordChildrenShown).
func TestAdviceListsRecordChildrenShown(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		lf := newListFixture(t, s)
		k := lf.kids
		all := append(slices.Clone(k), lf.other)
		tests := []struct {
			name   string
			actor  store.Actor
			action string
			read   func() (int, error) // returns how many rows it returned
			shown  []store.Child
		}{
			{"advice requests, a page of three", lf.DCO, "advice.list", func() (int, error) {
				rs, _, err := New(s).ListAdviceRequests(ctx, lf.DCO, testClock(), Filter{Limit: 3})
				return len(rs), err
			}, k[:3]},
			{"advice requests of one child", lf.LA1User, "advice.list", func() (int, error) {
				rs, _, err := New(s).ListAdviceRequests(ctx, lf.LA1User, testClock(), Filter{ChildID: k[3].ID})
				return len(rs), err
			}, []store.Child{k[3]}},
			{"advice requests filtered by a child of another LA", lf.LA2User, "advice.list", func() (int, error) {
				rs, _, err := New(s).ListAdviceRequests(ctx, lf.LA2User, testClock(), Filter{ChildID: k[0].ID})
				return len(rs), err
			}, nil},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				before := map[int64]int{}
				for _, c := range all {
					before[c.ID] = store.ShownIn(t, s, lf.DCO, c.ID, tc.action, tc.actor)
				}
				n, err := tc.read()
				if err != nil {
					t.Fatal(err)
				}
				if n != len(tc.shown) {
					t.Fatalf("the read returned %d rows, want %d", n, len(tc.shown))
				}
				for _, c := range all {
					want := 0
					if slices.ContainsFunc(tc.shown, func(x store.Child) bool { return x.ID == c.ID }) {
						want = 1
					}
					if got := store.ShownIn(t, s, lf.DCO, c.ID, tc.action, tc.actor) - before[c.ID]; got != want {
						t.Errorf("%s rows added to %s's access history: got %d, want %d", tc.action, c.FamilyName, got, want)
					}
				}
			})
		}
		if _, broken, err := s.VerifyAudit(ctx); err != nil || broken != 0 {
			t.Errorf("verify: broken at %d, %v; want an intact chain", broken, err)
		}
	})
}

// TestListAuditPagedExport: an export that pages through a whole list, as
// the CSV downloads do, leaves a row in the history of every child it
// read, one per page.
func TestListAuditPagedExport(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		lf := newListFixture(t, s)
		f := Filter{LAID: lf.LA1.ID, Limit: 3}
		pages := 0
		for f.Offset = 0; ; f.Offset += f.Limit {
			rs, total, err := New(s).ListAdviceRequests(ctx, lf.LA1User, testClock(), f)
			if err != nil {
				t.Fatal(err)
			}
			pages++
			if f.Offset+len(rs) >= total {
				break
			}
		}
		if pages != 2 {
			t.Fatalf("pages: got %d, want 2", pages)
		}
		for _, c := range lf.kids {
			if got := store.ShownIn(t, s, lf.DCO, c.ID, "advice.list", lf.LA1User); got != 1 {
				t.Errorf("advice.list rows in %s's access history: got %d, want 1", c.FamilyName, got)
			}
		}
		if got := store.ShownIn(t, s, lf.DCO, lf.other.ID, "advice.list", lf.LA1User); got != 0 {
			t.Errorf("advice.list rows in another LA's child's history: got %d, want 0", got)
		}
	})
}
