package store

import (
	"context"
	"fmt"
	"slices"
	"testing"
)

// listFixture is four children of LA 1 (Family1 to Family4, in that order
// by name) and one of LA 2, each with a health-advice request, due in that
// order.
type listFixture struct {
	*Fixture
	kids  []Child // LA 1's four
	other Child   // LA 2's
}

func newListFixture(t *testing.T, s *Store) listFixture {
	t.Helper()
	lf := listFixture{Fixture: newFixture(t, s)}
	for i := 1; i <= 4; i++ {
		lf.kids = append(lf.kids, mustCreate(t, s, lf.DCO, youngChild(t, i, lf.LA1.ID)))
	}
	lf.other = mustCreate(t, s, lf.DCO, youngChild(t, 5, lf.LA2.ID))
	return lf
}

// TestListsRecordChildrenShown: every child whose data a list, search or
// duplicates check returns has the read in its access history, and no
// other child does, whatever the filter named (issue 8 item 5).
func TestListsRecordChildrenShown(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		lf := newListFixture(t, s)
		k := lf.kids
		all := append(slices.Clone(k), lf.other)
		tests := []struct {
			name   string
			actor  Actor
			action string
			read   func() (int, error) // returns how many rows it returned
			shown  []Child
		}{
			{"search by NHS number", lf.LA1User, "child.search", func() (int, error) {
				cs, _, err := s.SearchChildren(ctx, lf.LA1User, ChildFilter{Query: string(k[0].NHSNumber)})
				return len(cs), err
			}, []Child{k[0]}},
			{"search, a page of three", lf.DCO, "child.search", func() (int, error) {
				cs, _, err := s.SearchChildren(ctx, lf.DCO, ChildFilter{LAID: lf.LA1.ID, Limit: 3})
				return len(cs), err
			}, k[:3]},
			{"search, counting only", lf.LA1User, "child.search", func() (int, error) {
				cs, _, err := s.SearchChildren(ctx, lf.LA1User, ChildFilter{Limit: 1, Offset: 1 << 30})
				return len(cs), err
			}, nil},
			{"duplicates check", lf.LA1User, "child.duplicates", func() (int, error) {
				d := k[1]
				d.ID, d.NHSNumber = 0, nhsNumber(t, 99)
				cs, err := s.FindDuplicates(ctx, lf.LA1User, d)
				return len(cs), err
			}, []Child{k[1]}},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				before := map[int64]int{}
				for _, c := range all {
					before[c.ID] = shownIn(t, s, lf.DCO, c.ID, tc.action, tc.actor)
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
					if slices.ContainsFunc(tc.shown, func(x Child) bool { return x.ID == c.ID }) {
						want = 1
					}
					if got := shownIn(t, s, lf.DCO, c.ID, tc.action, tc.actor) - before[c.ID]; got != want {
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

// TestListAuditDetailNamesChildren: the children a page showed are in the
// hashed detail, once each and in order, and in the child filter of the
// audit trail; ChildAccessLog lists a row once even when it names the
// child both ways.
func TestListAuditDetailNamesChildren(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		lf := newListFixture(t, s)
		k := lf.kids
		if _, _, err := s.SearchChildren(ctx, lf.DCO, ChildFilter{LAID: lf.LA1.ID, Limit: 3}); err != nil {
			t.Fatal(err)
		}
		rows, _, err := s.ListAudit(ctx, AuditFilter{Action: "child.search", Limit: 1})
		if err != nil || len(rows) != 1 {
			t.Fatalf("search audit: %v %v", rows, err)
		}
		want := fmt.Sprintf("results=4 children=%d,%d,%d", k[0].ID, k[1].ID, k[2].ID)
		if rows[0].Detail != want || rows[0].ChildID != 0 {
			t.Errorf("search audit detail: got %q (child %d), want %q (child 0)", rows[0].Detail, rows[0].ChildID, want)
		}
		if got := rows[0].Children; !slices.Equal(got, []int64{k[0].ID, k[1].ID, k[2].ID}) {
			t.Errorf("search audit children: got %v, want %d, %d, %d", got, k[0].ID, k[1].ID, k[2].ID)
		}
		for i, c := range k {
			want := 0
			if i < 3 {
				want = 1
			}
			if got := countAudit(t, s, "child.search", c.ID); got != want {
				t.Errorf("audit trail filtered by %s: got %d searches, want %d", c.FamilyName, got, want)
			}
		}

		// The duplicates check names the child it checks (child_id) and
		// those it finds (children): k[1], checked against k[2]'s name and
		// date of birth, finds k[2].
		d := k[2]
		d.ID, d.NHSNumber = k[1].ID, nhsNumber(t, 98)
		if _, err := s.FindDuplicates(ctx, lf.DCO, d); err != nil {
			t.Fatal(err)
		}
		for _, c := range k[1:3] {
			if got := shownIn(t, s, lf.DCO, c.ID, "child.duplicates", lf.DCO); got != 1 {
				t.Errorf("duplicates checks in %s's history: got %d, want 1", c.FamilyName, got)
			}
		}
		// A row naming a child both ways is listed once, newest first.
		if err := s.Audit(ctx, AuditEntry{Action: "test.both", ChildID: k[2].ID, Children: []int64{k[3].ID, k[2].ID}}); err != nil {
			t.Fatal(err)
		}
		log, err := s.ChildAccessLog(ctx, lf.DCO, k[2].ID)
		if err != nil {
			t.Fatal(err)
		}
		seen := map[int64]bool{}
		for i, e := range log {
			if seen[e.ID] {
				t.Errorf("access log lists row %d twice", e.ID)
			}
			seen[e.ID] = true
			if i > 0 && e.ID >= log[i-1].ID {
				t.Errorf("access log not newest first: row %d after %d", e.ID, log[i-1].ID)
			}
		}
		if len(log) == 0 || log[0].Action != "test.both" || !slices.Equal(log[0].Children, []int64{k[2].ID, k[3].ID}) {
			t.Errorf("newest row of the access log: got %+v, want test.both naming %d and %d", log[0], k[2].ID, k[3].ID)
		}
		if _, broken, err := s.VerifyAudit(ctx); err != nil || broken != 0 {
			t.Errorf("verify: broken at %d, %v; want an intact chain", broken, err)
		}
	})
}

// TestAuditChildrenTamper: the index of children is append-only as the
// trail is, and `dco audit verify` finds an index row that the hashed
// detail does not support (an access made up, or one hidden).
func TestAuditChildrenTamper(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		lf := newListFixture(t, s)
		k := lf.kids
		if _, _, err := s.SearchChildren(ctx, lf.LA1User, ChildFilter{Query: string(k[0].NHSNumber)}); err != nil {
			t.Fatal(err)
		}
		rows, _, err := s.ListAudit(ctx, AuditFilter{Action: "child.search", Limit: 1})
		if err != nil || len(rows) != 1 {
			t.Fatalf("search audit: %v %v", rows, err)
		}
		search := rows[0].ID
		for _, q := range []string{
			"UPDATE audit_children SET child_id = " + itoa(k[1].ID),
			"DELETE FROM audit_children",
		} {
			if _, err := s.wdb.ExecContext(ctx, q); err == nil {
				t.Errorf("%s: allowed, want refused (append-only)", q)
			}
		}
		if _, broken, err := s.VerifyAudit(ctx); err != nil || broken != 0 {
			t.Fatalf("verify before tampering: broken at %d, %v", broken, err)
		}
		tests := []struct {
			name string
			sql  string
			want int64
		}{
			{"an index row of no audit row", fmt.Sprintf("INSERT INTO audit_children (child_id, audit_id) VALUES (%d, 99999)", k[1].ID), 99999},
			{"a child added to a search's row", fmt.Sprintf("INSERT INTO audit_children (child_id, audit_id) VALUES (%d, %d)", k[3].ID, search), search},
			{"a child given a row that names none", fmt.Sprintf("INSERT INTO audit_children (child_id, audit_id) VALUES (%d, 1)", k[2].ID), 1},
		}
		// Each tampering is found, on top of the one before; the earliest
		// broken row is reported.
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				if _, err := s.wdb.ExecContext(ctx, tc.sql); err != nil {
					t.Fatal(err)
				}
				if _, broken, err := s.VerifyAudit(ctx); err != nil || broken != tc.want {
					t.Errorf("verify: got broken at %d (%v), want %d", broken, err, tc.want)
				}
			})
		}
	})
}

// TestAuditWithChildren: the one place a row names the children it showed.
func TestAuditWithChildren(t *testing.T) {
	tests := []struct {
		name, detail string
		ids          []int64
		want         string
		children     []int64
	}{
		{"none", "results=0", nil, "results=0", nil},
		{"sorted, once each", "results=5", []int64{40, 12, 15, 12, 0}, "results=5 children=12,15,40", []int64{12, 15, 40}},
		{"no detail before", "", []int64{7}, "children=7", []int64{7}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := entry(System, "child.search", "child", 0, 0, OutcomeOK, tc.detail).withChildren(tc.ids)
			if e.Detail != tc.want || !slices.Equal(e.Children, tc.children) {
				t.Errorf("got %q %v, want %q %v", e.Detail, e.Children, tc.want, tc.children)
			}
			if got := detailChildren(e.Detail); !slices.Equal(got, tc.children) {
				t.Errorf("read back: got %v, want %v", got, tc.children)
			}
		})
	}
	if got := detailChildren("fields=children=3"); got != nil {
		t.Errorf("a detail that only contains the key: got %v, want none", got)
	}
}
