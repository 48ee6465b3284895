package advicedb

import (
	"context"
	"testing"
	"time"

	"dco/internal/errs"
	"dco/internal/send"
	"dco/internal/store"
)

// The store's test helpers, for the advice store tests (store/testing.go).
var (
	forEachEngine = store.ForEachEngine
	testNow       = store.TestNow
)

func child(t testing.TB, i int, laID int64) store.Child { return store.TestChild(t, i, laID) }

// newFixture seeds the shared test fixture and sets the clock to testNow.
func newFixture(t *testing.T, s *store.Store) *store.Fixture {
	t.Helper()
	s.Now = func() time.Time { return testNow }
	return store.SeedFixture(t, s)
}

// mustCreate registers a child as actor, failing the test on error.
func mustCreate(t *testing.T, s *store.Store, actor store.Actor, c store.Child) store.Child {
	t.Helper()
	if err := s.CreateChild(context.Background(), actor, &c); err != nil {
		t.Fatalf("create child: %v", err)
	}
	return c
}

// wantCode fails the test unless err carries code.
func wantCode(t *testing.T, err error, code errs.Code) {
	t.Helper()
	if got := errs.CodeOf(err); got != code {
		t.Fatalf("error code: got %q (%v), want %q", got, err, code)
	}
}

// countAudit counts audit rows with an action (and a child, when non-zero).
func countAudit(t *testing.T, s *store.Store, action string, childID int64) int {
	t.Helper()
	_, n, err := s.ListAudit(context.Background(), store.AuditFilter{Action: action, ChildID: childID, Limit: 1})
	if err != nil {
		t.Fatalf("list audit: %v", err)
	}
	return n
}

// otherICB adds a second ICB with one LA, one provider and a DCO.
func otherICB(t *testing.T, s *store.Store) (icb, la, prov store.Org, dco store.Actor) {
	t.Helper()
	ctx := context.Background()
	icb = store.Org{Kind: store.OrgICB, Name: "Kent and Medway ICB", Code: "QKS"}
	if err := s.CreateOrg(ctx, store.System, &icb); err != nil {
		t.Fatal(err)
	}
	la = store.Org{Kind: store.OrgLA, Name: "Medway", Code: "887", ONSCode: "E06000035", ParentID: icb.ID}
	prov = store.Org{Kind: store.OrgProvider, Name: "Kent Community Health", Code: "RYY", ParentID: icb.ID}
	for _, o := range []*store.Org{&la, &prov} {
		if err := s.CreateOrg(ctx, store.System, o); err != nil {
			t.Fatal(err)
		}
	}
	u := store.User{Email: "dco@kent.example.nhs.uk", Name: "Kent DCO", Role: store.RoleDCO, OrgID: icb.ID}
	if err := s.CreateUser(ctx, store.System, &u); err != nil {
		t.Fatal(err)
	}
	return icb, la, prov, store.Actor{UserID: u.ID, Email: u.Email, Role: u.Role, OrgID: u.OrgID}
}

// youngChild is child i, born in 2022: under compulsory school age.
func youngChild(t testing.TB, i int, laID int64) store.Child {
	c := child(t, i, laID)
	c.DateOfBirth = send.NewDate(2022, time.May, 1+i%28)
	return c
}
