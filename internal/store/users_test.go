package store

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"dco/internal/errs"
)

// fieldsOf returns the sorted names of the fields an error complains of.
func fieldsOf(err error) string {
	var names []string
	for k := range errs.FieldsOf(err) {
		names = append(names, k)
	}
	sort.Strings(names)
	return strings.Join(names, " ")
}

// A case-data account belongs to exactly one ICB, named by the field that
// fits its role, and anything else is refused naming that field (issue 8:
// an administrator made a DCO of no ICB, who then saw every ICB's
// children). Checked as dco itself (the command line) and as the
// administrator of the whole service, who may place an account in any ICB.
func TestUserBelongsToOneICB(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		f := newFixture(t, s)
		icbB, laB, provB, _ := otherICB(t, s)
		n := 0
		for _, tc := range []struct {
			name        string
			role        Role
			org, la     int64
			wantFields  string // "" for accepted
			wantICB     int64
			extraFields bool // the case also leaves out the name and email
		}{
			{"dco of an ICB", RoleDCO, f.ICB.ID, 0, "", f.ICB.ID, false},
			{"dco of another ICB", RoleDCO, icbB.ID, 0, "", icbB.ID, false},
			{"dco of no ICB", RoleDCO, 0, 0, "org_id", 0, false},
			{"dco of a provider", RoleDCO, f.Provider1.ID, 0, "org_id", 0, false},
			{"dco of an LA", RoleDCO, f.LA1.ID, 0, "org_id", 0, false},
			{"dco with an LA as well", RoleDCO, f.ICB.ID, f.LA1.ID, "la_id", 0, false},
			{"dco of no ICB, with no name or email", RoleDCO, 0, 0, "email name org_id", 0, true},
			{"la user of an LA", RoleLA, 0, f.LA1.ID, "", f.ICB.ID, false},
			{"la user of another ICB's LA", RoleLA, 0, laB.ID, "", icbB.ID, false},
			{"la user of no LA", RoleLA, 0, 0, "la_id", 0, false},
			{"la user of a provider", RoleLA, 0, f.Provider1.ID, "la_id", 0, false},
			{"la user with an organisation too", RoleLA, f.ICB.ID, f.LA1.ID, "org_id", 0, false},
			{"clinician of a provider", RoleClinician, f.Provider1.ID, 0, "", f.ICB.ID, false},
			{"clinician of no organisation", RoleClinician, 0, 0, "org_id", 0, false},
			{"clinician of an ICB", RoleClinician, f.ICB.ID, 0, "org_id", 0, false},
			{"clinician of an LA", RoleClinician, f.LA1.ID, 0, "org_id", 0, false},
			{"provider user of a provider", RoleProvider, provB.ID, 0, "", icbB.ID, false},
			{"provider user of no organisation", RoleProvider, 0, 0, "org_id", 0, false},
			{"provider user of an ICB", RoleProvider, f.ICB.ID, 0, "org_id", 0, false},
			{"viewer of an ICB", RoleViewer, f.ICB.ID, 0, "", f.ICB.ID, false},
			{"viewer of no ICB", RoleViewer, 0, 0, "org_id", 0, false},
			{"viewer of a provider", RoleViewer, f.Provider1.ID, 0, "org_id", 0, false},
			{"admin of an ICB", RoleAdmin, f.ICB.ID, 0, "", f.ICB.ID, false},
			{"admin of the whole service", RoleAdmin, 0, 0, "", 0, false},
			{"admin of a provider", RoleAdmin, f.Provider1.ID, 0, "org_id", 0, false},
			{"admin with an LA", RoleAdmin, 0, f.LA1.ID, "la_id", 0, false},
		} {
			for _, actor := range []struct {
				name string
				a    Actor
			}{{"dco itself", System}, {"the administrator of the whole service", f.Admin}} {
				t.Run(tc.name+"/"+actor.name, func(t *testing.T) {
					n++
					u := User{Email: fmt.Sprintf("u%d@example.nhs.uk", n), Name: "A Person", Role: tc.role, OrgID: tc.org, LAID: tc.la}
					if tc.extraFields {
						u.Email, u.Name = "", ""
					}
					err := s.CreateUser(ctx, actor.a, &u)
					if got := fieldsOf(err); got != tc.wantFields || (tc.wantFields == "" && err != nil) {
						t.Fatalf("fields: got %q (%v), want %q", got, err, tc.wantFields)
					}
					if tc.wantFields != "" {
						wantCode(t, err, errs.Invalid)
						return
					}
					icb, err := s.ActorICB(ctx, Actor{UserID: u.ID, Role: u.Role, OrgID: u.OrgID, LAID: u.LAID})
					if err != nil || icb != tc.wantICB {
						t.Errorf("ICB: got %d (%v), want %d", icb, err, tc.wantICB)
					}
				})
			}
		}
	})
}

// An ICB's administrator adds and changes accounts of that ICB only: not a
// DCO, or any other account, of another ICB or of none (issue 8). A refusal
// names the field and is audited. Nobody but an administrator and dco
// itself adds or changes accounts at all.
func TestAdminOfICBManagesOnlyItsICB(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		f := newFixture(t, s)
		icbB, laB, provB, dcoB := otherICB(t, s)
		a := User{Email: "admin.a@example.nhs.uk", Name: "Admin of A", Role: RoleAdmin, OrgID: f.ICB.ID}
		if err := s.CreateUser(ctx, System, &a); err != nil {
			t.Fatal(err)
		}
		adminA := Actor{UserID: a.ID, Email: a.Email, Role: a.Role, OrgID: a.OrgID}

		n := 0
		for _, tc := range []struct {
			name      string
			role      Role
			org, la   int64
			wantField string // "" for accepted
		}{
			{"a DCO of its ICB", RoleDCO, f.ICB.ID, 0, ""},
			{"an LA user of its LA", RoleLA, 0, f.LA2.ID, ""},
			{"a clinician of its provider", RoleClinician, f.Provider2.ID, 0, ""},
			{"an administrator of its ICB", RoleAdmin, f.ICB.ID, 0, ""},
			{"a DCO of another ICB", RoleDCO, icbB.ID, 0, "org_id"},
			{"a DCO of no ICB", RoleDCO, 0, 0, "org_id"},
			{"an LA user of another ICB's LA", RoleLA, 0, laB.ID, "la_id"},
			{"a provider user of another ICB's provider", RoleProvider, provB.ID, 0, "org_id"},
			{"a clinician of another ICB's provider", RoleClinician, provB.ID, 0, "org_id"},
			{"a viewer of another ICB", RoleViewer, icbB.ID, 0, "org_id"},
			{"an administrator of another ICB", RoleAdmin, icbB.ID, 0, "org_id"},
			{"an administrator of the whole service", RoleAdmin, 0, 0, "org_id"},
		} {
			t.Run("create "+tc.name, func(t *testing.T) {
				n++
				refusedBefore := countAudit(t, s, ActionAccessRefused, 0)
				u := User{Email: fmt.Sprintf("new%d@example.nhs.uk", n), Name: "New Person", Role: tc.role, OrgID: tc.org, LAID: tc.la}
				err := s.CreateUser(ctx, adminA, &u)
				if tc.wantField == "" {
					if err != nil {
						t.Fatalf("got %v (%v), want the account added", err, errs.FieldsOf(err))
					}
					return
				}
				wantCode(t, err, errs.Invalid)
				if got := fieldsOf(err); got != tc.wantField {
					t.Errorf("fields: got %q, want %q", got, tc.wantField)
				}
				// Naming an organisation outside the ICB is a refusal, and
				// audited; naming none is a mistake in the form.
				want := refusedBefore + 1
				if tc.org == 0 && tc.la == 0 && tc.role != RoleAdmin {
					want = refusedBefore
				}
				if got := countAudit(t, s, ActionAccessRefused, 0); got != want {
					t.Errorf("access.refused rows: got %d, want %d", got, want)
				}
				if _, err := s.GetUserByEmail(ctx, u.Email); !errs.Is(err, errs.NotFound) {
					t.Errorf("the refused account was stored: %v", err)
				}
			})
		}

		t.Run("change an account of its ICB into another ICB", func(t *testing.T) {
			u, err := s.GetUser(ctx, f.LA1User.UserID)
			if err != nil {
				t.Fatal(err)
			}
			u.LAID = laB.ID
			err = s.UpdateUser(ctx, adminA, &u)
			wantCode(t, err, errs.Invalid)
			if got := fieldsOf(err); got != "la_id" {
				t.Errorf("fields: got %q, want la_id", got)
			}
			u.Role, u.LAID, u.OrgID = RoleDCO, 0, icbB.ID
			if got := fieldsOf(s.UpdateUser(ctx, adminA, &u)); got != "org_id" {
				t.Errorf("making them another ICB's DCO: fields got %q, want org_id", got)
			}
			if got, _ := s.GetUser(ctx, u.ID); got.LAID != f.LA1.ID || got.Role != RoleLA {
				t.Errorf("stored: got role %s LA %d, want la %d", got.Role, got.LAID, f.LA1.ID)
			}
		})

		t.Run("another ICB's account is not found", func(t *testing.T) {
			u, err := s.GetUser(ctx, dcoB.UserID)
			if err != nil {
				t.Fatal(err)
			}
			moved := u
			moved.OrgID = f.ICB.ID
			wantCode(t, s.UpdateUser(ctx, adminA, &moved), errs.NotFound)
			wantCode(t, s.DisableUser(ctx, adminA, u.Email), errs.NotFound)
			wantCode(t, s.SetPasswordHash(ctx, adminA, u.ID, "x"), errs.NotFound)
			_, err = s.GetUserFor(ctx, adminA, u.ID)
			wantCode(t, err, errs.NotFound)
			if got, _ := s.GetUser(ctx, u.ID); got.OrgID != icbB.ID || got.Disabled || got.PasswordHash != u.PasswordHash {
				t.Errorf("another ICB's DCO changed: %+v", got)
			}
			list, err := s.ListUsersFor(ctx, adminA)
			if err != nil {
				t.Fatal(err)
			}
			for _, l := range list {
				if l.Email == u.Email || l.Email == f.Admin.Email || l.Email == f.Clinician2.Email {
					t.Errorf("the ICB's administrator lists %s, of another ICB or none", l.Email)
				}
			}
			if !slices.ContainsFunc(list, func(l User) bool { return l.ID == f.DCO.UserID }) {
				t.Errorf("the ICB's administrator does not list the ICB's DCO")
			}
			all, _ := s.ListUsersFor(ctx, f.Admin)
			if !slices.ContainsFunc(all, func(l User) bool { return l.ID == u.ID }) {
				t.Errorf("the administrator of the whole service does not list another ICB's DCO")
			}
		})

		t.Run("only an administrator manages accounts", func(t *testing.T) {
			for _, who := range []Actor{f.DCO, f.LA1User, f.Clinician, f.Provider1User, f.Viewer} {
				u := User{Email: "sneaky@example.nhs.uk", Name: "Sneaky", Role: RoleDCO, OrgID: f.ICB.ID}
				refusedBefore := countAudit(t, s, ActionAccessRefused, 0)
				wantCode(t, s.CreateUser(ctx, who, &u), errs.Forbidden)
				if got := countAudit(t, s, ActionAccessRefused, 0); got != refusedBefore+1 {
					t.Errorf("%s: access.refused rows: got %d, want %d", who.Role, got, refusedBefore+1)
				}
				me, _ := s.GetUser(ctx, who.UserID)
				me.Role, me.OrgID, me.LAID = RoleAdmin, 0, 0
				wantCode(t, s.UpdateUser(ctx, who, &me), errs.Forbidden)
				_, err := s.ListUsersFor(ctx, who)
				wantCode(t, err, errs.Forbidden)
			}
		})
	})
}

// The password an administrator types works once: the account must choose
// its own. Accounts dco itself adds (the command line, the demo) do so only
// when asked. Choosing one's own clears the flag and ends the other
// sessions.
func TestMustChangePassword(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		f := newFixture(t, s)
		byAdmin := User{Email: "new@example.nhs.uk", Name: "New", Role: RoleLA, LAID: f.LA1.ID, PasswordHash: "typed"}
		if err := s.CreateUser(ctx, f.Admin, &byAdmin); err != nil {
			t.Fatal(err)
		}
		bySystem := User{Email: "cli@example.nhs.uk", Name: "CLI", Role: RoleLA, LAID: f.LA1.ID, PasswordHash: "own"}
		if err := s.CreateUser(ctx, System, &bySystem); err != nil {
			t.Fatal(err)
		}
		asked := User{Email: "asked@example.nhs.uk", Name: "Asked", Role: RoleLA, LAID: f.LA1.ID, PasswordHash: "typed", MustChangePassword: true}
		if err := s.CreateUser(ctx, System, &asked); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			name  string
			email string
			want  bool
		}{
			{"added by an administrator", byAdmin.Email, true},
			{"added by dco itself", bySystem.Email, false},
			{"added by dco itself, asked to", asked.Email, true},
		} {
			if got, err := s.GetUserByEmail(ctx, tc.email); err != nil || got.MustChangePassword != tc.want {
				t.Errorf("%s: must change password got %v (%v), want %v", tc.name, got.MustChangePassword, err, tc.want)
			}
		}

		for _, h := range []string{"s1", "s2"} {
			if err := s.CreateSession(ctx, Session{IDHash: h, UserID: byAdmin.ID, CSRFToken: "c"}); err != nil {
				t.Fatal(err)
			}
		}
		if _, u, err := s.GetSession(ctx, "s1"); err != nil || !u.MustChangePassword {
			t.Fatalf("session user: must change got %v (%v), want true", u.MustChangePassword, err)
		}
		me := Actor{UserID: byAdmin.ID, Email: byAdmin.Email, Role: byAdmin.Role, LAID: byAdmin.LAID}
		if err := s.SetOwnPassword(ctx, me, "chosen", "s1"); err != nil {
			t.Fatal(err)
		}
		got, _ := s.GetUser(ctx, byAdmin.ID)
		if got.MustChangePassword || got.PasswordHash != "chosen" {
			t.Errorf("after choosing: must change %v, hash %q; want false, chosen", got.MustChangePassword, got.PasswordHash)
		}
		if _, _, err := s.GetSession(ctx, "s1"); err != nil {
			t.Errorf("the session that chose the password: got %v, want kept", err)
		}
		if _, _, err := s.GetSession(ctx, "s2"); !errs.Is(err, errs.NotFound) {
			t.Errorf("another session: got %v, want ended", err)
		}

		// A reset by an administrator works once too; one's own does not.
		if err := s.SetPasswordHash(ctx, f.Admin, byAdmin.ID, "reset"); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.GetUser(ctx, byAdmin.ID); !got.MustChangePassword {
			t.Error("after a reset by an administrator: must change got false, want true")
		}
		if err := s.SetPasswordHash(ctx, System, bySystem.ID, "cli"); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.GetUser(ctx, bySystem.ID); got.MustChangePassword {
			t.Error("after a reset by dco itself: must change got true, want false")
		}
	})
}

// An account of no ICB sees no child, never every child (issue 8): before,
// a DCO whose organisation was empty listed every ICB's children. Such an
// account can no longer be made (TestUserBelongsToOneICB) but a database
// may hold one; dco itself still sees everything.
func TestDCOOfNoICBSeesNoChild(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		f := newFixture(t, s)
		_, laB, _, dcoB := otherICB(t, s)
		u := InsertLegacyUser(t, s, User{Email: "national@example.nhs.uk", Name: "National", Role: RoleDCO})
		national := Actor{UserID: u.ID, Email: u.Email, Role: RoleDCO}
		viewer := InsertLegacyUser(t, s, User{Email: "board@example.nhs.uk", Name: "Board", Role: RoleViewer})
		noICBViewer := Actor{UserID: viewer.ID, Email: viewer.Email, Role: RoleViewer}

		a := mustCreate(t, s, f.DCO, youngChild(t, 1, f.LA1.ID))
		b := mustCreate(t, s, dcoB, youngChild(t, 2, laB.ID))

		for _, c := range []Child{a, b} {
			_, err := s.GetChild(ctx, national, c.ID)
			wantCode(t, err, errs.NotFound)
		}
		if got, total, err := s.SearchChildren(ctx, national, ChildFilter{}); err != nil || total != 0 || len(got) != 0 {
			t.Errorf("search: got %d of %d (%v), want none", len(got), total, err)
		}
		if got, total, err := s.SearchChildren(ctx, national, ChildFilter{Query: string(a.NHSNumber)}); err != nil || total != 0 || len(got) != 0 {
			t.Errorf("search by NHS number: got %d of %d (%v), want none", len(got), total, err)
		}
		for _, who := range []struct {
			name string
			a    Actor
		}{{"a DCO of no ICB", national}, {"a viewer of no ICB", noICBViewer}} {
			if counts, err := s.CountChildrenByLA(ctx, who.a); err != nil || len(counts) != 0 {
				t.Errorf("%s's counts: got %v (%v), want none", who.name, counts, err)
			}
		}
		if _, total, _ := s.SearchChildren(ctx, System, ChildFilter{}); total != 2 {
			t.Errorf("dco itself: got %d children, want 2", total)
		}
	})
}

// A DCO's home lists the accounts of their ICB added this month, or whose
// role or organisation changed, with who did it; another ICB's, a change of
// name, and last month's are not listed.
func TestAccountChanges(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		f := newFixture(t, s)
		_, _, provB, dcoB := otherICB(t, s)
		// The fixture's accounts, and this one, were added before the
		// period listed.
		old := User{Email: "old@example.nhs.uk", Name: "Last Month", Role: RoleClinician, OrgID: f.Provider1.ID}
		if err := s.CreateUser(ctx, f.Admin, &old); err != nil {
			t.Fatal(err)
		}
		from := testNow.Add(time.Minute)
		to := from.AddDate(0, 1, 0)
		s.Now = func() time.Time { return from.Add(time.Hour) }
		added := User{Email: "added@example.nhs.uk", Name: "Added Clinician", Role: RoleClinician, OrgID: f.Provider2.ID}
		if err := s.CreateUser(ctx, f.Admin, &added); err != nil {
			t.Fatal(err)
		}
		elsewhere := User{Email: "b@example.nhs.uk", Name: "Other ICB Provider", Role: RoleProvider, OrgID: provB.ID}
		if err := s.CreateUser(ctx, f.Admin, &elsewhere); err != nil {
			t.Fatal(err)
		}
		// The clinician of last month becomes a DCO; the LA user is renamed
		// only; another ICB's provider user moves into this ICB's provider.
		old.Role, old.OrgID = RoleDCO, f.ICB.ID
		if err := s.UpdateUser(ctx, f.Admin, &old); err != nil {
			t.Fatal(err)
		}
		la, _ := s.GetUser(ctx, f.LA1User.UserID)
		la.Name = "Renamed"
		if err := s.UpdateUser(ctx, f.Admin, &la); err != nil {
			t.Fatal(err)
		}
		elsewhere.OrgID = f.Provider1.ID
		if err := s.UpdateUser(ctx, f.Admin, &elsewhere); err != nil {
			t.Fatal(err)
		}

		describe := func(cs []AccountChange) []string {
			var out []string
			for _, c := range cs {
				d := fmt.Sprintf("%s: %s org %d", c.Name, c.Role, c.OrgID)
				if c.Added {
					d = "added " + d
				} else {
					d += fmt.Sprintf(" (was %s org %d)", c.OldRole, c.OldOrgID)
				}
				out = append(out, d+" by "+c.ByEmail)
			}
			return out
		}
		for _, tc := range []struct {
			name string
			who  Actor
			want []string
		}{
			{"the ICB's DCO", f.DCO, []string{
				fmt.Sprintf("Other ICB Provider: provider org %d (was provider org %d) by admin@example.nhs.uk", f.Provider1.ID, provB.ID),
				fmt.Sprintf("Last Month: dco org %d (was clinician org %d) by admin@example.nhs.uk", f.ICB.ID, f.Provider1.ID),
				fmt.Sprintf("added Added Clinician: clinician org %d by admin@example.nhs.uk", f.Provider2.ID),
			}},
			{"the other ICB's DCO", dcoB, []string{
				fmt.Sprintf("Other ICB Provider: provider org %d (was provider org %d) by admin@example.nhs.uk", f.Provider1.ID, provB.ID),
				fmt.Sprintf("added Other ICB Provider: provider org %d by admin@example.nhs.uk", provB.ID),
			}},
			{"a DCO of no ICB", Actor{UserID: 999, Role: RoleDCO}, nil},
		} {
			t.Run(tc.name, func(t *testing.T) {
				got, err := s.AccountChanges(ctx, tc.who, from, to)
				if err != nil {
					t.Fatal(err)
				}
				if d := describe(got); !slices.Equal(d, tc.want) {
					t.Errorf("got %q, want %q", d, tc.want)
				}
			})
		}
		for _, who := range []Actor{f.LA1User, f.Provider1User, f.Viewer, f.Admin} {
			_, err := s.AccountChanges(ctx, who, from, to)
			wantCode(t, err, errs.Forbidden)
		}

		// The audit detail names the role and organisations, old and new,
		// as ids: never a name or an address.
		rows, _, err := s.ListAudit(ctx, AuditFilter{Action: "user.update", Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		want := fmt.Sprintf("old_role=clinician old_org_id=%d old_la_id=0 old_icb_id=%d role=dco org_id=%d la_id=0 icb_id=%d",
			f.Provider1.ID, f.ICB.ID, f.ICB.ID, f.ICB.ID)
		if !slices.ContainsFunc(rows, func(e AuditEntry) bool { return e.Detail == want }) {
			t.Errorf("user.update details: got %v, want one %q", rows, want)
		}
	})
}

// The access matrix's account cells (issue 8 item 9): every kind of actor
// × creating an account, or changing an existing account's role and
// organisation × into the actor's own ICB, another ICB, or none. The
// expected answer is "" (done) or the error code.
func TestAccountMatrix(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		f := newFixture(t, s)
		icbB, _, _, _ := otherICB(t, s)
		mkAdmin := func(email string, icb int64) Actor {
			u := User{Email: email, Name: "Admin", Role: RoleAdmin, OrgID: icb}
			if err := s.CreateUser(ctx, System, &u); err != nil {
				t.Fatal(err)
			}
			return Actor{UserID: u.ID, Email: u.Email, Role: u.Role, OrgID: u.OrgID}
		}
		adminA := mkAdmin("admin.a@example.nhs.uk", f.ICB.ID)
		targets := []struct {
			name string
			org  int64
		}{{"own ICB", f.ICB.ID}, {"another ICB", icbB.ID}, {"no ICB", 0}}
		actors := []struct {
			name string
			a    Actor
			want [3]errs.Code // per target, as a DCO of it
		}{
			{"dco itself", System, [3]errs.Code{"", "", errs.Invalid}},
			{"administrator of the whole service", f.Admin, [3]errs.Code{"", "", errs.Invalid}},
			{"administrator of the ICB", adminA, [3]errs.Code{"", errs.Invalid, errs.Invalid}},
			{"dco", f.DCO, [3]errs.Code{errs.Forbidden, errs.Forbidden, errs.Forbidden}},
			{"la", f.LA1User, [3]errs.Code{errs.Forbidden, errs.Forbidden, errs.Forbidden}},
			{"clinician", f.Clinician, [3]errs.Code{errs.Forbidden, errs.Forbidden, errs.Forbidden}},
			{"provider", f.Provider1User, [3]errs.Code{errs.Forbidden, errs.Forbidden, errs.Forbidden}},
			{"viewer", f.Viewer, [3]errs.Code{errs.Forbidden, errs.Forbidden, errs.Forbidden}},
		}
		n := 0
		for _, actor := range actors {
			for i, target := range targets {
				want := actor.want[i]
				t.Run("create a DCO of "+target.name+"/"+actor.name, func(t *testing.T) {
					n++
					u := User{Email: fmt.Sprintf("m%d@example.nhs.uk", n), Name: "Matrix", Role: RoleDCO, OrgID: target.org}
					if got := errs.CodeOf(s.CreateUser(ctx, actor.a, &u)); got != want {
						t.Errorf("got %q, want %q", got, want)
					}
				})
				t.Run("make an LA user of the ICB a DCO of "+target.name+"/"+actor.name, func(t *testing.T) {
					n++
					u := User{Email: fmt.Sprintf("m%d@example.nhs.uk", n), Name: "Matrix", Role: RoleLA, LAID: f.LA1.ID}
					if err := s.CreateUser(ctx, System, &u); err != nil {
						t.Fatal(err)
					}
					u.Role, u.LAID, u.OrgID = RoleDCO, 0, target.org
					if got := errs.CodeOf(s.UpdateUser(ctx, actor.a, &u)); got != want {
						t.Errorf("got %q, want %q", got, want)
					}
					stored, _ := s.GetUser(ctx, u.ID)
					if changed := stored.Role == RoleDCO; changed != (want == "") {
						t.Errorf("stored role %s: changed %v, want %v", stored.Role, changed, want == "")
					}
				})
			}
		}
	})
}
