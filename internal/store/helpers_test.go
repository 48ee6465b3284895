package store

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"dco/internal/errs"
	"dco/internal/send"
)

// forEachEngine runs fn on a fresh, migrated SQLite store and, when
// DCO_TEST_POSTGRES_URL is set, on a fresh PostgreSQL schema.
func forEachEngine(t *testing.T, fn func(t *testing.T, s *Store)) {
	t.Helper()
	t.Run(EngineSQLite, func(t *testing.T) {
		t.Parallel()
		fn(t, OpenTestSQLite(t))
	})
	t.Run(EnginePostgres, func(t *testing.T) {
		if os.Getenv(TestPostgresEnv) == "" {
			t.Skip(TestPostgresEnv + " is not set")
		}
		t.Parallel()
		fn(t, OpenTestPostgres(t))
	})
}

// testNow is the clock the tests run at.
var testNow = time.Date(2025, 6, 2, 9, 30, 0, 0, time.UTC)

// nhsNumber returns the i-th valid NHS number in the never-issued 999 range.
func nhsNumber(t testing.TB, i int) send.NHSNumber {
	t.Helper()
	for n := 999000000 + i*3; ; n++ {
		s := strconv.Itoa(n)
		sum := 0
		for k := 0; k < 9; k++ {
			sum += int(s[k]-'0') * (10 - k)
		}
		check := 11 - sum%11
		if check == 11 {
			check = 0
		}
		if check == 10 {
			continue
		}
		v, err := send.ParseNHSNumber(s + strconv.Itoa(check))
		if err != nil {
			t.Fatalf("nhs number %d: %v", i, err)
		}
		return v
	}
}

// fixture is a small ICB: two LAs, two providers, and an actor of each role.
type fixture struct {
	icb, la1, la2, prov1, prov2                                             Org
	dco, la1User, la2User, clin, clin2, prov1User, prov2User, viewer, admin Actor
}

func actorOf(u User) Actor {
	return Actor{UserID: u.ID, Email: u.Email, Role: u.Role, OrgID: u.OrgID, LAID: u.LAID, Addr: "192.0.2.1"}
}

func newFixture(t *testing.T, s *Store) *fixture {
	t.Helper()
	s.Now = func() time.Time { return testNow }
	ctx := context.Background()
	f := &fixture{
		icb:   Org{Kind: OrgICB, Name: "BSW ICB", Code: "QOX", ONSCode: "E54000040"},
		la1:   Org{Kind: OrgLA, Name: "Bath and North East Somerset", Code: "800", ONSCode: "E06000022"},
		la2:   Org{Kind: OrgLA, Name: "Swindon", Code: "866", ONSCode: "E06000030"},
		prov1: Org{Kind: OrgProvider, Name: "HCRG Care Group", Code: "NLX"},
		prov2: Org{Kind: OrgProvider, Name: "Oxford Health", Code: "RNU"},
	}
	for _, o := range []*Org{&f.icb, &f.la1, &f.la2, &f.prov1, &f.prov2} {
		if err := s.CreateOrg(ctx, System, o); err != nil {
			t.Fatalf("create org %s: %v", o.Name, err)
		}
	}
	user := func(email string, role Role, org, la int64) Actor {
		u := User{Email: email, Name: "Test " + string(role), Role: role, OrgID: org, LAID: la}
		if err := s.CreateUser(ctx, System, &u); err != nil {
			t.Fatalf("create user %s: %v", email, err)
		}
		return actorOf(u)
	}
	f.dco = user("dco@example.nhs.uk", RoleDCO, f.icb.ID, 0)
	f.la1User = user("la1@example.gov.uk", RoleLA, 0, f.la1.ID)
	f.la2User = user("la2@example.gov.uk", RoleLA, 0, f.la2.ID)
	f.clin = user("clin@example.nhs.uk", RoleClinician, f.prov1.ID, 0)
	f.clin2 = user("clin2@example.nhs.uk", RoleClinician, 0, 0)
	f.prov1User = user("prov1@example.nhs.uk", RoleProvider, f.prov1.ID, 0)
	f.prov2User = user("prov2@example.nhs.uk", RoleProvider, f.prov2.ID, 0)
	f.viewer = user("viewer@example.nhs.uk", RoleViewer, 0, 0)
	f.admin = user("admin@example.nhs.uk", RoleAdmin, 0, 0)
	return f
}

// child returns a valid child of an LA, numbered i.
func child(t testing.TB, i int, laID int64) Child {
	return Child{
		NHSNumber:   nhsNumber(t, i),
		GivenName:   fmt.Sprintf("Given%d", i),
		FamilyName:  fmt.Sprintf("Family%d", i),
		DateOfBirth: send.NewDate(2015, time.March, 1+i%28),
		Postcode:    "ba1 1aa",
		LAID:        laID,
		Setting:     "Test Primary School",
	}
}

// mustCreate registers a child as actor, failing the test on error.
func mustCreate(t *testing.T, s *Store, actor Actor, c Child) Child {
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
func countAudit(t *testing.T, s *Store, action string, childID int64) int {
	t.Helper()
	_, n, err := s.ListAudit(context.Background(), AuditFilter{Action: action, ChildID: childID, Limit: 1})
	if err != nil {
		t.Fatalf("list audit: %v", err)
	}
	return n
}
