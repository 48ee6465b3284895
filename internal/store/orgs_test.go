package store

import (
	"context"
	"testing"

	"dco/internal/errs"
)

func TestOrgs(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		f := newFixture(t, s)
		if f.ICB.Version != 1 || f.LA1.ParentID != f.ICB.ID || f.Provider1.ParentID != f.ICB.ID || f.ICB.ParentID != 0 {
			t.Fatalf("created: icb %+v la %+v prov %+v", f.ICB, f.LA1, f.Provider1)
		}
		got, err := s.GetOrg(ctx, f.LA1.ID)
		if err != nil || got.Name != f.LA1.Name || got.ONSCode != "E06000022" || got.ParentID != f.ICB.ID {
			t.Fatalf("get: got %+v, %v", got, err)
		}
		for _, code := range []string{"800", "E06000022", "e06000022", " 800 "} {
			la, err := s.FindLA(ctx, code)
			if err != nil || la.ID != f.LA1.ID {
				t.Errorf("FindLA(%q): got %d, %v, want %d", code, la.ID, err, f.LA1.ID)
			}
		}
		for _, code := range []string{"", "999", "QOX", "E06000099"} {
			_, err := s.FindLA(ctx, code)
			if !errs.Is(err, errs.NotFound) {
				t.Errorf("FindLA(%q): got %v, want not_found", code, err)
			}
		}
		p, err := s.FindOrgByCode(ctx, OrgProvider, "nlx")
		if err != nil || p.ID != f.Provider1.ID {
			t.Errorf("FindOrgByCode: got %+v, %v", p, err)
		}
		if _, err := s.FindOrgByCode(ctx, OrgLA, "NLX"); !errs.Is(err, errs.NotFound) {
			t.Errorf("FindOrgByCode wrong kind: got %v, want not_found", err)
		}
		if _, err := s.GetOrg(ctx, 99999); !errs.Is(err, errs.NotFound) {
			t.Errorf("GetOrg absent: got %v, want not_found", err)
		}

		all, err := s.ListOrgs(ctx, "")
		if err != nil || len(all) != 5 {
			t.Fatalf("list all: got %d, %v", len(all), err)
		}
		wantOrder := []string{"BSW ICB", "Bath and North East Somerset", "Swindon", "HCRG Care Group", "Oxford Health"}
		for i, o := range all {
			if o.Name != wantOrder[i] {
				t.Errorf("list[%d]: got %s, want %s", i, o.Name, wantOrder[i])
			}
		}
		las, err := s.ListOrgs(ctx, OrgLA)
		if err != nil || len(las) != 2 {
			t.Errorf("list las: got %d, %v", len(las), err)
		}

		// duplicate code within a kind is a conflict; the same code in
		// another kind is fine.
		dup := Org{Kind: OrgLA, Name: "Another", Code: "800"}
		wantCode(t, s.CreateOrg(ctx, System, &dup), errs.Conflict)
		dupONS := Org{Kind: OrgLA, Name: "Another", Code: "801", ONSCode: "E06000022"}
		wantCode(t, s.CreateOrg(ctx, System, &dupONS), errs.Conflict)
		other := Org{Kind: OrgProvider, Name: "Code clash", Code: "QOX"}
		if err := s.CreateOrg(ctx, System, &other); err != nil {
			t.Errorf("same code, other kind: %v", err)
		}

		// update, versioned
		la := f.LA2
		la.Name = "Swindon Borough Council"
		if err := s.UpdateOrg(ctx, System, &la); err != nil || la.Version != 2 {
			t.Fatalf("update: %v, version %d", err, la.Version)
		}
		stale := f.LA2 // version 1
		stale.Name = "Stale"
		wantCode(t, s.UpdateOrg(ctx, System, &stale), errs.Conflict)
		if got, _ := s.GetOrg(ctx, la.ID); got.Name != "Swindon Borough Council" || got.Version != 2 {
			t.Errorf("after stale update: got %q v%d", got.Name, got.Version)
		}
		kind := la
		kind.Kind = OrgProvider
		wantCode(t, s.UpdateOrg(ctx, System, &kind), errs.Invalid)
	})
}

func TestOrgValidation(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		// an LA before any ICB has nowhere to belong
		early := Org{Kind: OrgLA, Name: "Wiltshire", Code: "865"}
		err := s.CreateOrg(ctx, System, &early)
		if _, ok := errs.FieldsOf(err)["parent_id"]; !ok {
			t.Fatalf("LA before ICB: got %v, want parent_id field error", err)
		}
		icb := Org{Kind: OrgICB, Name: "BSW", Code: "QOX"}
		if err := s.CreateOrg(ctx, System, &icb); err != nil {
			t.Fatal(err)
		}
		tests := []struct {
			name  string
			org   Org
			field string
		}{
			{"bad kind", Org{Kind: "school", Name: "X", Code: "ABC"}, "kind"},
			{"no name", Org{Kind: OrgLA, Code: "865"}, "name"},
			{"LA code not 3 digits", Org{Kind: OrgLA, Name: "W", Code: "86"}, "code"},
			{"LA code letters", Org{Kind: OrgLA, Name: "W", Code: "ABC"}, "code"},
			{"LA ONS code wrong", Org{Kind: OrgLA, Name: "W", Code: "865", ONSCode: "E05000001"}, "ons_code"},
			{"provider code", Org{Kind: OrgProvider, Name: "P", Code: "a!"}, "code"},
			{"parent not an ICB", Org{Kind: OrgProvider, Name: "P", Code: "RAB", ParentID: 999}, "parent_id"},
			{"ICB with parent", Org{Kind: OrgICB, Name: "I", Code: "QAB", ParentID: icb.ID}, "parent_id"},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				o := tc.org
				err := s.CreateOrg(ctx, System, &o)
				wantCode(t, err, errs.Invalid)
				if _, ok := errs.FieldsOf(err)[tc.field]; !ok {
					t.Errorf("fields: got %v, want %s", errs.FieldsOf(err), tc.field)
				}
			})
		}
		county := Org{Kind: OrgLA, Name: "Kent", Code: "886", ONSCode: "E10000016"}
		if err := s.CreateOrg(ctx, System, &county); err != nil {
			t.Errorf("county LA: %v", err)
		}
		// two ICBs: a new LA must say which
		icb2 := Org{Kind: OrgICB, Name: "Kent and Medway", Code: "QKS"}
		if err := s.CreateOrg(ctx, System, &icb2); err != nil {
			t.Fatal(err)
		}
		amb := Org{Kind: OrgLA, Name: "Medway", Code: "887"}
		if _, ok := errs.FieldsOf(s.CreateOrg(ctx, System, &amb))["parent_id"]; !ok {
			t.Errorf("two ICBs, no parent: want parent_id error")
		}
		amb.ParentID = icb2.ID
		if err := s.CreateOrg(ctx, System, &amb); err != nil || amb.ParentID != icb2.ID {
			t.Errorf("explicit parent: %v, parent %d", err, amb.ParentID)
		}
	})
}

func TestUsers(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		f := newFixture(t, s)
		u := User{Email: "  New.Person@Example.NHS.uk ", Name: "New Person", Role: RoleLA, LAID: f.LA1.ID, PasswordHash: "h1"}
		if err := s.CreateUser(ctx, f.Admin, &u); err != nil {
			t.Fatal(err)
		}
		if u.Email != "new.person@example.nhs.uk" || u.Version != 1 || u.ID == 0 {
			t.Fatalf("created: %+v", u)
		}
		got, err := s.GetUserByEmail(ctx, "NEW.person@example.nhs.uk")
		if err != nil || got.ID != u.ID || got.LAID != f.LA1.ID || got.Role != RoleLA || got.PasswordHash != "h1" {
			t.Fatalf("by email: %+v, %v", got, err)
		}
		if got, err := s.GetUser(ctx, u.ID); err != nil || got.Email != u.Email {
			t.Fatalf("by id: %+v, %v", got, err)
		}
		if _, err := s.GetUser(ctx, 99999); !errs.Is(err, errs.NotFound) {
			t.Errorf("absent: got %v", err)
		}
		dup := User{Email: "NEW.PERSON@example.nhs.uk", Name: "Dup", Role: RoleViewer, OrgID: f.ICB.ID}
		err = s.CreateUser(ctx, f.Admin, &dup)
		wantCode(t, err, errs.Conflict)
		if errs.FieldsOf(err)["email"] == "" {
			t.Errorf("duplicate email: want an email field message")
		}
		all, err := s.ListUsers(ctx)
		if err != nil || len(all) != 10 {
			t.Errorf("list: got %d, %v", len(all), err)
		}

		u.Name = "Renamed"
		if err := s.UpdateUser(ctx, f.Admin, &u); err != nil || u.Version != 2 {
			t.Fatalf("update: %v v%d", err, u.Version)
		}
		stale := u
		stale.Version = 1
		wantCode(t, s.UpdateUser(ctx, f.Admin, &stale), errs.Conflict)
		if err := s.SetPasswordHash(ctx, f.Admin, u.ID, "h2"); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.GetUser(ctx, u.ID); got.PasswordHash != "h2" || got.Name != "Renamed" || got.Version != 3 {
			t.Errorf("after password: %+v", got)
		}
		wantCode(t, s.SetPasswordHash(ctx, f.Admin, 99999, "x"), errs.NotFound)
		if n := countAudit(t, s, "user.update", 0); n != 1 {
			t.Errorf("user.update audit rows: got %d, want 1", n)
		}
	})
}

func TestUserValidation(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		f := newFixture(t, s)
		tests := []struct {
			name  string
			user  User
			field string
		}{
			{"no email", User{Name: "A", Role: RoleDCO}, "email"},
			{"bad email", User{Email: "not-an-email", Name: "A", Role: RoleDCO}, "email"},
			{"no name", User{Email: "a@x.uk", Role: RoleDCO}, "name"},
			{"bad role", User{Email: "a@x.uk", Name: "A", Role: "boss"}, "role"},
			{"la without LA", User{Email: "a@x.uk", Name: "A", Role: RoleLA}, "la_id"},
			{"la with a provider as LA", User{Email: "a@x.uk", Name: "A", Role: RoleLA, LAID: f.Provider1.ID}, "la_id"},
			{"provider without org", User{Email: "a@x.uk", Name: "A", Role: RoleProvider}, "org_id"},
			{"provider with an LA as org", User{Email: "a@x.uk", Name: "A", Role: RoleProvider, OrgID: f.LA1.ID}, "org_id"},
			{"clinician with an LA as org", User{Email: "a@x.uk", Name: "A", Role: RoleClinician, OrgID: f.LA1.ID}, "org_id"},
			{"dco with an LA", User{Email: "a@x.uk", Name: "A", Role: RoleDCO, LAID: f.LA1.ID}, "la_id"},
			{"dco with a provider", User{Email: "a@x.uk", Name: "A", Role: RoleDCO, OrgID: f.Provider1.ID}, "org_id"},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				u := tc.user
				err := s.CreateUser(ctx, f.Admin, &u)
				wantCode(t, err, errs.Invalid)
				if _, ok := errs.FieldsOf(err)[tc.field]; !ok {
					t.Errorf("fields: got %v, want %s", errs.FieldsOf(err), tc.field)
				}
			})
		}
	})
}
