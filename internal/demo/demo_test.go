package demo

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"dco/internal/auth"
	"dco/internal/send"
	"dco/internal/store"
)

const testPassword = "correct-horse-battery"

func TestSeed(t *testing.T) {
	ctx := context.Background()
	s := store.OpenTestSQLite(t)
	now := time.Now()

	first, err := Seed(ctx, s, testPassword, now)
	if err != nil {
		t.Fatalf("Seed: %v", err)
	}
	if !first.Created || first.Children != 300 {
		t.Fatalf("first seed: got created %v, %d children; want true, 300", first.Created, first.Children)
	}
	second, err := Seed(ctx, s, "another-password-entirely", now)
	if err != nil {
		t.Fatalf("second Seed: %v", err)
	}
	if second.Created || second.Children != 0 {
		t.Errorf("second seed: got created %v, %d children; want false, 0", second.Created, second.Children)
	}
	if len(second.Users) != len(first.Users) {
		t.Fatalf("second seed users: got %d, want %d", len(second.Users), len(first.Users))
	}
	for i := range first.Users {
		if first.Users[i] != second.Users[i] {
			t.Errorf("user %d: got %+v the second time, want %+v", i, second.Users[i], first.Users[i])
		}
	}
	n, err := s.CountChildren(ctx, store.System)
	if err != nil || n != 300 {
		t.Errorf("children stored: got %d (%v), want 300", n, err)
	}
	orgs, err := s.ListOrgs(ctx, "")
	if err != nil || len(orgs) != 1+len(laSpecs)+len(providerSpecs) {
		t.Errorf("organisations: got %d (%v), want %d", len(orgs), err, 1+len(laSpecs)+len(providerSpecs))
	}

	// Every role exists; LA users belong to the right LA; one hash, the password.
	roles := map[store.Role]bool{}
	laOf := map[string]string{"la.banes@demo.dco.test": "800", "la.swindon@demo.dco.test": "866", "la.wiltshire@demo.dco.test": "865"}
	var hash string
	for _, email := range Emails() {
		u, err := s.GetUserByEmail(ctx, email)
		if err != nil {
			t.Fatalf("user %s: %v", email, err)
		}
		roles[u.Role] = true
		if hash == "" {
			hash = u.PasswordHash
		} else if u.PasswordHash != hash {
			t.Errorf("%s: the password is hashed again, want one shared hash", email)
		}
		if code, isLA := laOf[email]; isLA {
			la, err := s.FindLA(ctx, code)
			if err != nil || u.LAID != la.ID || u.Role != store.RoleLA {
				t.Errorf("%s: got role %s LA %d, want la of %s (%d, %v)", email, u.Role, u.LAID, code, la.ID, err)
			}
		}
	}
	for _, r := range store.Roles {
		if !roles[r] {
			t.Errorf("no demo user with role %s", r)
		}
	}
	if ok, err := auth.CheckPassword(hash, testPassword); !ok || err != nil {
		t.Errorf("password check: got %v %v, want true", ok, err)
	}

	// The clinician and the provider see some children; the viewer none.
	for _, email := range []string{"clinician@demo.dco.test", "provider@demo.dco.test"} {
		u, _ := s.GetUserByEmail(ctx, email)
		a := store.Actor{UserID: u.ID, Email: u.Email, Role: u.Role, OrgID: u.OrgID, LAID: u.LAID}
		n, err := s.CountChildren(ctx, a)
		lo, hi := 6, 6
		if u.Role == store.RoleProvider {
			// It also sees the children it notified under s.23 (s23.go),
			// some of which may be among the six.
			d := s23Notified(t, s, a)
			lo, hi = max(6, d), 6+d
		}
		if u.Role == store.RoleClinician {
			// It also sees the children of the open advice requests
			// assigned to it (advice.go).
			d := adviceAssigned(t, s, a)
			lo, hi = max(6, d), 6+d
		}
		if err != nil || n < lo || n > hi {
			t.Errorf("%s sees %d children (%v), want %d to %d", email, n, err, lo, hi)
		}
	}
	icb, err := s.FindOrgByCode(ctx, store.OrgICB, ICBCode)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range Settings {
		v, err := s.Setting(ctx, store.System, icb.ID, k.Key)
		if err != nil || v.Value != k.Value || v.ICBID != 0 {
			t.Errorf("setting %s for the demo ICB: got %q from ICB %d (%v), want %q from the defaults (ICB 0)", k.Key, v.Value, v.ICBID, err, k.Value)
		}
	}
}

func TestChildren(t *testing.T) {
	today := send.NewDate(2025, 9, 1)
	orgs := map[string]store.Org{"800": {ID: 1, Name: "B"}, "866": {ID: 2, Name: "S"}, "865": {ID: 3, Name: "W"}}
	cs := Children(today, orgs)
	if len(cs) != 300 {
		t.Fatalf("got %d children, want 300", len(cs))
	}
	perLA := map[int64]int{}
	seen := map[send.NHSNumber]bool{}
	oldest := send.NewDate(2000, 9, 1)
	var flagged int
	for _, c := range cs {
		perLA[c.LAID]++
		n, err := send.ParseNHSNumber(string(c.NHSNumber))
		if err != nil || !strings.HasPrefix(string(n), "999") {
			t.Errorf("NHS number %q: %v, want valid and in the 999 range", c.NHSNumber, err)
		}
		if seen[n] {
			t.Errorf("NHS number %s repeated", n)
		}
		seen[n] = true
		if !c.DateOfBirth.Before(today) || c.DateOfBirth.Before(oldest) {
			t.Errorf("date of birth %s not within 25 years before %s", c.DateOfBirth, today)
		}
		p, ok := store.NormalisePostcode(c.Postcode)
		if !ok || p != c.Postcode || !(strings.HasPrefix(p, "BA") || strings.HasPrefix(p, "SN")) {
			t.Errorf("postcode %q: want a BA or SN postcode", c.Postcode)
		}
		if c.GivenName == "" || c.FamilyName == "" || c.Setting == "" {
			t.Errorf("incomplete child %+v", c)
		}
		if c.Flags != (store.Flags{}) {
			flagged++
		}
	}
	if perLA[1] != 80 || perLA[2] != 100 || perLA[3] != 120 {
		t.Errorf("children per LA: got %v, want 80, 100, 120", perLA)
	}
	if flagged < 20 || flagged > 120 {
		t.Errorf("children with a flag: got %d, want some but not most", flagged)
	}
	again := Children(today, orgs)
	for i := range cs {
		if cs[i] != again[i] {
			t.Fatalf("child %d differs between runs: want the same children every time", i)
		}
	}
}

func TestSeedRefusesOtherData(t *testing.T) {
	ctx := context.Background()
	s := store.OpenTestSQLite(t)
	icb := store.Org{Kind: store.OrgICB, Name: "NHS Somewhere ICB", Code: "QZZ"}
	if err := s.CreateOrg(ctx, store.System, &icb); err != nil {
		t.Fatal(err)
	}
	_, err := Seed(ctx, s, testPassword, time.Now())
	if !errors.Is(err, ErrNotDemo) {
		t.Fatalf("got %v, want ErrNotDemo", err)
	}
	users, _ := s.ListUsers(ctx)
	if len(users) != 0 {
		t.Errorf("got %d users, want none", len(users))
	}
}

func TestSeedRefusesRealICB(t *testing.T) {
	// A real BSW database has the ICB QOX but no demo users.
	ctx := context.Background()
	s := store.OpenTestSQLite(t)
	icb := store.Org{Kind: store.OrgICB, Name: "BSW ICB", Code: ICBCode}
	if err := s.CreateOrg(ctx, store.System, &icb); err != nil {
		t.Fatal(err)
	}
	if _, err := Seed(ctx, s, testPassword, time.Now()); !errors.Is(err, ErrNotDemo) {
		t.Fatalf("got %v, want ErrNotDemo", err)
	}
}

func TestSeedShortPassword(t *testing.T) {
	s := store.OpenTestSQLite(t)
	if _, err := Seed(context.Background(), s, "short", time.Now()); !errors.Is(err, auth.ErrWeakPassword) {
		t.Fatalf("got %v, want ErrWeakPassword", err)
	}
	orgs, _ := s.ListOrgs(context.Background(), "")
	if len(orgs) != 0 {
		t.Errorf("got %d organisations after a refused seed, want none", len(orgs))
	}
}

func TestNewPassword(t *testing.T) {
	a, err := NewPassword()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := NewPassword()
	if a == b || len(a) != 23 || len(a) < auth.MinPasswordLength || strings.Count(a, "-") != 3 {
		t.Errorf("got %q and %q, want two different 4×5 passwords", a, b)
	}
	if strings.Trim(a, passwordAlphabet+"-") != "" {
		t.Errorf("got %q, want only base32 characters", a)
	}
}

func TestAnnounce(t *testing.T) {
	r := Result{Created: true, Children: 300, Users: []User{
		{"dco@demo.dco.test", store.RoleDCO, "NHS BSW ICB"},
		{"la.banes@demo.dco.test", store.RoleLA, "Bath and North East Somerset"},
	}}
	var b bytes.Buffer
	Announce(&b, r, "abcde-fghij-klmno-pqrst", true)
	want := `Seeded the demo ICB (QOX): 3 local authorities, 6 providers, 300 synthetic children.
Demo users:
  dco@demo.dco.test       dco  NHS BSW ICB
  la.banes@demo.dco.test  la   Bath and North East Somerset
Password for every demo user (shown this once, not stored anywhere): abcde-fghij-klmno-pqrst
`
	if b.String() != want {
		t.Errorf("generated:\ngot\n%s\nwant\n%s", b.String(), want)
	}
	b.Reset()
	Announce(&b, r, "from-the-environment", false)
	if strings.Contains(b.String(), "from-the-environment") || !strings.Contains(b.String(), "the one in DCO_DEMO_PASSWORD") {
		t.Errorf("password from the environment: got\n%s\nwant it named, not echoed", b.String())
	}
	b.Reset()
	r.Created = false
	Announce(&b, r, "abcde-fghij-klmno-pqrst", true)
	if strings.Contains(b.String(), "abcde") || !strings.Contains(b.String(), "shown when they were created") ||
		!strings.Contains(b.String(), "la.banes@demo.dco.test") {
		t.Errorf("already seeded: got\n%s\nwant the users and no password", b.String())
	}
}
