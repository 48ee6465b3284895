package store

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"dco/internal/errs"
	"dco/internal/send"
)

func TestChildCreateAndGet(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		f := newFixture(t, s)
		c := child(t, 1, f.LA1.ID)
		c.NHSNumber = send.NHSNumber(c.NHSNumber.String()) // with spaces
		c.GivenName, c.FamilyName = "  Amy ", " Smith"
		c.Flags.LookedAfter, c.Flags.PersonalHealthBudget = true, true
		if err := s.CreateChild(ctx, f.DCO, &c); err != nil {
			t.Fatal(err)
		}
		if c.ID == 0 || c.Version != 1 || c.Postcode != "BA1 1AA" || c.GivenName != "Amy" || len(c.NHSNumber) != 10 ||
			c.LAName != f.LA1.Name || c.ICBID != f.ICB.ID {
			t.Fatalf("created: %+v", c)
		}
		got, err := s.GetChild(ctx, f.DCO, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.NHSNumber != c.NHSNumber || got.GivenName != "Amy" || got.FamilyName != "Smith" || !got.DateOfBirth.Equal(c.DateOfBirth) ||
			got.Postcode != "BA1 1AA" || got.LAID != f.LA1.ID || got.LAName != f.LA1.Name || got.Setting != c.Setting ||
			got.Flags != c.Flags || got.Version != 1 || !got.CreatedAt.Equal(testNow) {
			t.Errorf("got %+v, want %+v", got, c)
		}
		if countAudit(t, s, "child.create", c.ID) != 1 || countAudit(t, s, "child.view", c.ID) != 1 {
			t.Errorf("audit rows for create and view missing")
		}
		// duplicate NHS number: conflict that says nothing about the other child
		d := child(t, 2, f.LA2.ID)
		d.NHSNumber = c.NHSNumber
		err = s.CreateChild(ctx, f.LA2User, &d)
		wantCode(t, err, errs.Conflict)
		if msg := errs.MessageOf(err); msg != msgDuplicateNHS || strings.Contains(msg, f.LA1.Name) {
			t.Errorf("duplicate message: got %q, want %q", msg, msgDuplicateNHS)
		}
		if d.ID != 0 {
			t.Errorf("duplicate got an id")
		}
		// The attempt shows on the record it collided with, for the DCO.
		if n := countAudit(t, s, ActionAccessRefused, c.ID); n != 1 {
			t.Errorf("refused create audited against the existing child: got %d rows, want 1", n)
		}
	})
}

func TestChildValidation(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		f := newFixture(t, s)
		today := send.Today(testNow)
		tests := []struct {
			name   string
			actor  Actor
			change func(c *Child)
			field  string
		}{
			{"no NHS number", f.DCO, func(c *Child) { c.NHSNumber = "" }, "nhs_number"},
			{"bad check digit", f.DCO, func(c *Child) { c.NHSNumber = "9990000019" }, "nhs_number"},
			{"no given name", f.DCO, func(c *Child) { c.GivenName = "  " }, "given_name"},
			{"long family name", f.DCO, func(c *Child) { c.FamilyName = strings.Repeat("x", 101) }, "family_name"},
			{"no date of birth", f.DCO, func(c *Child) { c.DateOfBirth = send.Date{} }, "date_of_birth"},
			{"born tomorrow", f.DCO, func(c *Child) { c.DateOfBirth = today.AddDays(1) }, "date_of_birth"},
			{"over 26", f.DCO, func(c *Child) { c.DateOfBirth = send.NewDate(today.Year()-26, today.Month(), today.Day()-1) }, "date_of_birth"},
			{"bad postcode", f.DCO, func(c *Child) { c.Postcode = "BA1" }, "postcode"},
			{"no LA", f.DCO, func(c *Child) { c.LAID = 0 }, "la_id"},
			{"LA is a provider", f.DCO, func(c *Child) { c.LAID = f.Provider1.ID }, "la_id"},
			{"LA user, other LA", f.LA1User, func(c *Child) { c.LAID = f.LA2.ID }, "la_id"},
		}
		for i, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				c := child(t, 10+i, f.LA1.ID)
				tc.change(&c)
				err := s.CreateChild(ctx, tc.actor, &c)
				wantCode(t, err, errs.Invalid)
				if _, ok := errs.FieldsOf(err)[tc.field]; !ok {
					t.Errorf("fields: got %v, want %s", errs.FieldsOf(err), tc.field)
				}
			})
		}
		ok := child(t, 40, 0)
		ok.DateOfBirth = send.NewDate(today.Year()-26, today.Month(), today.Day())
		ok.Postcode = "sw1a1aa"
		if err := s.CreateChild(ctx, f.LA1User, &ok); err != nil || ok.LAID != f.LA1.ID || ok.Postcode != "SW1A 1AA" {
			t.Errorf("LA user, LA defaulted, 26 today: %v, la %d, postcode %q", err, ok.LAID, ok.Postcode)
		}
		noPostcode := child(t, 41, f.LA1.ID)
		noPostcode.Postcode = ""
		if err := s.CreateChild(ctx, f.DCO, &noPostcode); err != nil {
			t.Errorf("no postcode: %v", err)
		}
	})
}

func TestNormalisePostcode(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"ba1 1aa", "BA1 1AA", true},
		{"SN11AA", "SN1 1AA", true},
		{" ec1a 1bb ", "EC1A 1BB", true},
		{"W1A 0AX", "W1A 0AX", true},
		{"M1 1AE", "M1 1AE", true},
		{"BA1", "BA1", false},
		{"12345", "12345", false},
		{"BA1 1A1", "BA11A1", false},
	}
	for _, tc := range tests {
		got, ok := NormalisePostcode(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("NormalisePostcode(%q): got %q %v, want %q %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestChildScope(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		f := newFixture(t, s)
		a := mustCreate(t, s, f.LA1User, child(t, 1, 0))              // in LA 1
		b := mustCreate(t, s, f.DCO, child(t, 2, f.LA2.ID))           // in LA 2
		p := mustCreate(t, s, f.Provider1User, child(t, 3, f.LA2.ID)) // registered by provider 1

		sees := func(actor Actor, want ...int64) {
			t.Helper()
			got, total, err := s.SearchChildren(ctx, actor, ChildFilter{})
			if err != nil {
				t.Fatalf("search as %s: %v", actor.Email, err)
			}
			var ids []int64
			for _, c := range got {
				ids = append(ids, c.ID)
			}
			if total != len(want) || len(ids) != len(want) {
				t.Fatalf("search as %s: got %v (total %d), want %v", actor.Email, ids, total, want)
			}
			for i := range want {
				if ids[i] != want[i] {
					t.Fatalf("search as %s: got %v, want %v", actor.Email, ids, want)
				}
			}
			n, err := s.CountChildren(ctx, actor)
			if err != nil || n != len(want) {
				t.Errorf("count as %s: got %d, %v, want %d", actor.Email, n, err, len(want))
			}
			for _, id := range want {
				if _, err := s.GetChild(ctx, actor, id); err != nil {
					t.Errorf("get %d as %s: %v", id, actor.Email, err)
				}
			}
		}
		sees(f.DCO, a.ID, b.ID, p.ID)
		sees(f.LA1User, a.ID)
		sees(f.LA2User, b.ID, p.ID)
		sees(f.Provider1User, p.ID)
		sees(f.Provider2User)
		sees(f.Clinician)
		sees(System, a.ID, b.ID, p.ID)

		// out of scope: not found, exactly as absent, and audited as refused
		refusedBefore := countAudit(t, s, ActionAccessRefused, b.ID)
		_, err := s.GetChild(ctx, f.LA1User, b.ID)
		wantCode(t, err, errs.NotFound)
		_, errAbsent := s.GetChild(ctx, f.LA1User, 999999)
		if errs.MessageOf(err) != errs.MessageOf(errAbsent) {
			t.Errorf("out of scope and absent differ: %q vs %q", errs.MessageOf(err), errs.MessageOf(errAbsent))
		}
		upd := b
		upd.Setting = "Moved"
		upd.LAID = f.LA1.ID
		wantCode(t, s.UpdateChild(ctx, f.LA1User, &upd), errs.NotFound)
		_, err = s.FindDuplicates(ctx, f.LA1User, b)
		wantCode(t, err, errs.NotFound)
		wantCode(t, s.GrantChildAccess(ctx, f.DCO, b.ID+1000, f.Clinician.UserID, 0, "x"), errs.NotFound)
		if got := countAudit(t, s, ActionAccessRefused, b.ID) - refusedBefore; got != 3 {
			t.Errorf("refused rows for child %d: got %d, want 3", b.ID, got)
		}
		if got, _ := s.GetChild(ctx, f.DCO, b.ID); got.Setting != b.Setting || got.Version != 1 {
			t.Errorf("refused update changed the child: %+v", got)
		}
		// an LA filter for another LA finds nothing for an LA user
		got, total, err := s.SearchChildren(ctx, f.LA1User, ChildFilter{LAID: f.LA2.ID})
		if err != nil || total != 0 || len(got) != 0 {
			t.Errorf("LA 1 filtering on LA 2: got %d, %v", total, err)
		}
		// duplicates of another LA's child stay hidden from a new record too
		probe := child(t, 50, f.LA1.ID)
		probe.NHSNumber = b.NHSNumber
		if dups, err := s.FindDuplicates(ctx, f.LA1User, probe); err != nil || len(dups) != 0 {
			t.Errorf("duplicates across LAs: got %d, %v", len(dups), err)
		}

		// viewer and admin see no case data at all
		for _, actor := range []Actor{f.Viewer, f.Admin} {
			_, err := s.GetChild(ctx, actor, a.ID)
			wantCode(t, err, errs.Forbidden)
			_, _, err = s.SearchChildren(ctx, actor, ChildFilter{})
			wantCode(t, err, errs.Forbidden)
			_, err = s.CountChildren(ctx, actor)
			wantCode(t, err, errs.Forbidden)
			_, err = s.FindDuplicates(ctx, actor, a)
			wantCode(t, err, errs.Forbidden)
			c := child(t, 60, f.LA1.ID)
			wantCode(t, s.CreateChild(ctx, actor, &c), errs.Forbidden)
			_, err = s.ImportChildren(ctx, actor, []Child{c})
			wantCode(t, err, errs.Forbidden)
			_, err = s.ChildAccessLog(ctx, actor, a.ID)
			wantCode(t, err, errs.Forbidden)
		}
		if n := countAudit(t, s, ActionAccessRefused, a.ID); n < 2 {
			t.Errorf("viewer/admin refusals on child %d: got %d rows", a.ID, n)
		}
	})
}

func TestChildGrants(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		f := newFixture(t, s)
		a := mustCreate(t, s, f.DCO, child(t, 1, f.LA1.ID))
		b := mustCreate(t, s, f.DCO, child(t, 2, f.LA2.ID))
		if _, err := s.GetChild(ctx, f.Clinician, a.ID); !errs.Is(err, errs.NotFound) {
			t.Fatalf("clinician before grant: %v", err)
		}
		if err := s.GrantChildAccess(ctx, f.DCO, a.ID, f.Clinician.UserID, 0, "health advice request"); err != nil {
			t.Fatal(err)
		}
		if err := s.GrantChildAccess(ctx, f.DCO, a.ID, f.Clinician.UserID, 0, "again"); err != nil {
			t.Errorf("granting twice: %v", err)
		}
		if _, err := s.GetChild(ctx, f.Clinician, a.ID); err != nil {
			t.Errorf("clinician after grant: %v", err)
		}
		if _, err := s.GetChild(ctx, f.Clinician2, a.ID); !errs.Is(err, errs.NotFound) {
			t.Errorf("another clinician: %v", err)
		}
		if _, err := s.GetChild(ctx, f.Clinician, b.ID); !errs.Is(err, errs.NotFound) {
			t.Errorf("clinician, ungranted child: %v", err)
		}
		if err := s.GrantChildAccess(ctx, f.DCO, b.ID, 0, f.Provider2.ID, "section 23 notification"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.GetChild(ctx, f.Provider2User, b.ID); err != nil {
			t.Errorf("provider after org grant: %v", err)
		}
		if _, err := s.GetChild(ctx, f.Provider1User, b.ID); !errs.Is(err, errs.NotFound) {
			t.Errorf("other provider: %v", err)
		}
		tests := []struct {
			name             string
			actor            Actor
			child, user, org int64
			reason           string
			code             errs.Code
		}{
			{"LA user cannot grant", f.LA1User, a.ID, f.Clinician2.UserID, 0, "r", errs.Forbidden},
			{"clinician cannot grant", f.Clinician, a.ID, f.Clinician2.UserID, 0, "r", errs.Forbidden},
			{"both grantees", f.DCO, a.ID, f.Clinician2.UserID, f.Provider1.ID, "r", errs.Invalid},
			{"no grantee", f.DCO, a.ID, 0, 0, "r", errs.Invalid},
			{"no reason", f.DCO, a.ID, f.Clinician2.UserID, 0, " ", errs.Invalid},
			{"user not a clinician", f.DCO, a.ID, f.LA1User.UserID, 0, "r", errs.Invalid},
			{"org not a provider", f.DCO, a.ID, 0, f.LA1.ID, "r", errs.Invalid},
			{"absent child", f.DCO, 99999, f.Clinician2.UserID, 0, "r", errs.NotFound},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				wantCode(t, s.GrantChildAccess(ctx, tc.actor, tc.child, tc.user, tc.org, tc.reason), tc.code)
			})
		}
		if n := countAudit(t, s, "child.grant", 0); n != 3 {
			t.Errorf("child.grant rows: got %d, want 3", n)
		}
	})
}

func TestUpdateChild(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		f := newFixture(t, s)
		c := mustCreate(t, s, f.LA1User, child(t, 1, 0))
		c.Setting = "New School"
		c.Flags.YouthJustice = true
		s.Now = func() time.Time { return testNow.Add(time.Hour) }
		if err := s.UpdateChild(ctx, f.LA1User, &c); err != nil {
			t.Fatal(err)
		}
		if c.Version != 2 || !c.UpdatedAt.Equal(testNow.Add(time.Hour)) {
			t.Errorf("after update: v%d at %v", c.Version, c.UpdatedAt)
		}
		got, _ := s.GetChild(ctx, f.LA1User, c.ID)
		if got.Setting != "New School" || !got.Flags.YouthJustice || got.Version != 2 {
			t.Errorf("stored: %+v", got)
		}
		rows, _, err := s.ListAudit(ctx, AuditFilter{Action: "child.update", ChildID: c.ID})
		if err != nil || len(rows) != 1 || rows[0].Detail != "fields=setting,flags" {
			t.Errorf("audit: %+v %v", rows, err)
		}
		// an LA user cannot move a child to another LA
		move := got
		move.LAID = f.LA2.ID
		wantCode(t, s.UpdateChild(ctx, f.LA1User, &move), errs.Invalid)
		// the DCO can
		move = got
		move.LAID = f.LA2.ID
		if err := s.UpdateChild(ctx, f.DCO, &move); err != nil {
			t.Fatal(err)
		}
		if _, err := s.GetChild(ctx, f.LA1User, c.ID); !errs.Is(err, errs.NotFound) {
			t.Errorf("LA 1 after move: %v", err)
		}
		if got, err := s.GetChild(ctx, f.LA2User, c.ID); err != nil || got.LAName != f.LA2.Name {
			t.Errorf("LA 2 after move: %+v %v", got, err)
		}
		// changing to an NHS number already registered is a conflict
		other := mustCreate(t, s, f.DCO, child(t, 2, f.LA2.ID))
		other.NHSNumber = c.NHSNumber
		wantCode(t, s.UpdateChild(ctx, f.DCO, &other), errs.Conflict)
	})
}

// TestLostUpdate: many writers save the same child from the same version;
// exactly one wins, the rest conflict, and the version rises by one.
func TestLostUpdate(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		f := newFixture(t, s)
		c := mustCreate(t, s, f.DCO, child(t, 1, f.LA1.ID))
		const writers = 16
		var wg sync.WaitGroup
		results := make([]error, writers)
		for i := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				mine := c
				mine.Setting = "Writer " + string(rune('A'+i))
				results[i] = s.UpdateChild(ctx, f.DCO, &mine)
			}()
		}
		wg.Wait()
		won, lost := 0, 0
		for _, err := range results {
			switch {
			case err == nil:
				won++
			case errs.Is(err, errs.Conflict):
				lost++
				if !strings.Contains(errs.MessageOf(err), "changed by someone else") {
					t.Errorf("conflict message: %q", errs.MessageOf(err))
				}
			default:
				t.Errorf("unexpected error: %v", err)
			}
		}
		if won != 1 || lost != writers-1 {
			t.Errorf("got %d won, %d conflicts; want 1 and %d", won, lost, writers-1)
		}
		got, _ := s.GetChild(ctx, f.DCO, c.ID)
		if got.Version != 2 {
			t.Errorf("version: got %d, want 2", got.Version)
		}
		if n := countAudit(t, s, "child.update", c.ID); n != 1 {
			t.Errorf("child.update rows: got %d, want 1", n)
		}
	})
}

func TestSearchChildren(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		f := newFixture(t, s)
		mk := func(i int, given, family string, dob send.Date) Child {
			c := child(t, i, f.LA1.ID)
			c.GivenName, c.FamilyName, c.DateOfBirth = given, family, dob
			return mustCreate(t, s, f.DCO, c)
		}
		d1, d2 := send.NewDate(2016, 1, 5), send.NewDate(2018, 7, 9)
		amy := mk(1, "Amy", "Smith", d1)
		bob := mk(2, "Bob", "smithson", d2)
		cat := mk(3, "Cat", "Jones", d1)
		dan := mk(4, "Dan", "O'Neil_x%", d2)
		mk(5, "Eve", "Adams", d2)

		tests := []struct {
			name string
			f    ChildFilter
			want []int64
			tot  int
		}{
			{"family fragment any case", ChildFilter{Query: "SMITH"}, []int64{amy.ID, bob.ID}, 2},
			{"given family", ChildFilter{Query: "amy  smith"}, []int64{amy.ID}, 1},
			{"given fragment", ChildFilter{Query: "ca"}, []int64{cat.ID}, 1},
			{"NHS number with spaces", ChildFilter{Query: cat.NHSNumber.String()}, []int64{cat.ID}, 1},
			{"NHS number prefix", ChildFilter{Query: string(bob.NHSNumber[:9])}, []int64{bob.ID}, 1},
			{"date of birth", ChildFilter{DateOfBirth: d1}, []int64{cat.ID, amy.ID}, 2},
			{"name and dob", ChildFilter{Query: "smith", DateOfBirth: d2}, []int64{bob.ID}, 1},
			{"wildcards are literal", ChildFilter{Query: "_x%"}, []int64{dan.ID}, 1},
			{"a percent is a percent", ChildFilter{Query: "%%"}, nil, 0},
			{"page", ChildFilter{Limit: 2, Offset: 1}, []int64{cat.ID, dan.ID}, 5},
			{"LA filter", ChildFilter{LAID: f.LA2.ID}, nil, 0},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				got, total, err := s.SearchChildren(ctx, f.DCO, tc.f)
				if err != nil {
					t.Fatal(err)
				}
				var ids []int64
				for _, c := range got {
					ids = append(ids, c.ID)
				}
				if total != tc.tot || len(ids) != len(tc.want) {
					t.Fatalf("got %v (total %d), want %v (total %d)", ids, total, tc.want, tc.tot)
				}
				for i := range ids {
					if ids[i] != tc.want[i] {
						t.Fatalf("got %v, want %v", ids, tc.want)
					}
				}
			})
		}
		rows, _, err := s.ListAudit(ctx, AuditFilter{Action: "child.search", Limit: 1})
		if err != nil || len(rows) != 1 || rows[0].Detail != "results=0" {
			t.Errorf("search audit: %+v %v", rows, err)
		}
		for _, r := range rows {
			if strings.Contains(r.Detail, "Smith") || strings.Contains(r.Detail, string(amy.NHSNumber)) {
				t.Errorf("personal data in audit detail: %q", r.Detail)
			}
		}
	})
}

func TestFindDuplicates(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		f := newFixture(t, s)
		a := child(t, 1, f.LA1.ID)
		a.GivenName, a.FamilyName = "Amy", "Smith"
		a = mustCreate(t, s, f.DCO, a)
		b := child(t, 2, f.LA1.ID) // same name and dob, other NHS number
		b.GivenName, b.FamilyName, b.DateOfBirth = "AMY", "smith", a.DateOfBirth
		b = mustCreate(t, s, f.DCO, b)
		mustCreate(t, s, f.DCO, child(t, 3, f.LA1.ID))

		dups, err := s.FindDuplicates(ctx, f.LA1User, a)
		if err != nil || len(dups) != 1 || dups[0].ID != b.ID {
			t.Fatalf("dups of a: %+v %v", dups, err)
		}
		probe := Child{NHSNumber: a.NHSNumber} // a new record with a's number
		dups, err = s.FindDuplicates(ctx, f.DCO, probe)
		if err != nil || len(dups) != 1 || dups[0].ID != a.ID {
			t.Fatalf("dups by NHS number: %+v %v", dups, err)
		}
		probe = Child{GivenName: "amy ", FamilyName: "SMITH", DateOfBirth: a.DateOfBirth, NHSNumber: nhsNumber(t, 9)}
		dups, err = s.FindDuplicates(ctx, f.DCO, probe)
		if err != nil || len(dups) != 2 {
			t.Fatalf("dups by name and dob: %d %v", len(dups), err)
		}
		if dups, _ := s.FindDuplicates(ctx, f.LA2User, probe); len(dups) != 0 {
			t.Errorf("LA 2 sees LA 1 duplicates: %d", len(dups))
		}
	})
}

func TestImportChildren(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		f := newFixture(t, s)
		batch := []Child{child(t, 1, f.LA1.ID), child(t, 2, f.LA2.ID), child(t, 3, f.LA1.ID)}
		n, err := s.ImportChildren(ctx, f.DCO, batch)
		if err != nil || n != 3 {
			t.Fatalf("import: %d %v", n, err)
		}
		if batch[0].ID == 0 || batch[2].Version != 1 {
			t.Errorf("ids not filled: %+v", batch)
		}
		if got := countAudit(t, s, "child.import", 0); got != 3 {
			t.Errorf("child.import rows: got %d, want 3", got)
		}
		before, _ := s.CountChildren(ctx, f.DCO)
		auditBefore := countAudit(t, s, "", 0)

		// a bad row anywhere stores nothing
		bad := []Child{child(t, 4, f.LA1.ID), child(t, 5, f.LA1.ID), child(t, 6, f.LA1.ID)}
		bad[2].DateOfBirth = send.Date{}
		_, err = s.ImportChildren(ctx, f.DCO, bad)
		wantCode(t, err, errs.Invalid)
		if !strings.Contains(errs.MessageOf(err), "Row 3") {
			t.Errorf("message: %q", errs.MessageOf(err))
		}
		// a duplicate (of a stored child, or within the batch) stores nothing
		dupStored := []Child{child(t, 7, f.LA1.ID), child(t, 1, f.LA1.ID)}
		_, err = s.ImportChildren(ctx, f.DCO, dupStored)
		wantCode(t, err, errs.Conflict)
		if !strings.HasPrefix(errs.MessageOf(err), "Row 2:") {
			t.Errorf("message: %q", errs.MessageOf(err))
		}
		dupBatch := []Child{child(t, 8, f.LA1.ID), child(t, 9, f.LA1.ID), child(t, 8, f.LA1.ID)}
		_, err = s.ImportChildren(ctx, f.DCO, dupBatch)
		wantCode(t, err, errs.Conflict)
		if !strings.HasPrefix(errs.MessageOf(err), "Row 3:") {
			t.Errorf("message: %q", errs.MessageOf(err))
		}
		if dupBatch[0].ID != 0 {
			t.Errorf("failed import left ids set")
		}
		// an LA user imports only into its own LA
		_, err = s.ImportChildren(ctx, f.LA1User, []Child{child(t, 10, f.LA1.ID), child(t, 11, f.LA2.ID)})
		wantCode(t, err, errs.Invalid)
		// a failure injected before commit stores nothing either
		s.failAfterChange = func() error { return errs.E(errs.Unavailable, "injected") }
		_, err = s.ImportChildren(ctx, f.DCO, []Child{child(t, 12, f.LA1.ID)})
		s.failAfterChange = nil
		wantCode(t, err, errs.Unavailable)

		after, _ := s.CountChildren(ctx, f.DCO)
		if after != before {
			t.Errorf("children after failed imports: got %d, want %d", after, before)
		}
		if got := countAudit(t, s, "", 0); got != auditBefore {
			t.Errorf("audit rows after failed imports: got %d, want %d", got, auditBefore)
		}
		// a provider's import grants it sight of what it imported
		pb := []Child{child(t, 13, f.LA2.ID)}
		if _, err := s.ImportChildren(ctx, f.Provider2User, pb); err != nil {
			t.Fatal(err)
		}
		if _, err := s.GetChild(ctx, f.Provider2User, pb[0].ID); err != nil {
			t.Errorf("provider import, then get: %v", err)
		}
	})
}

// TestImportChildrenInChunks imports more children than one multi-row
// statement holds, and names the right row of a duplicate far into a batch.
func TestImportChildrenInChunks(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		f := newFixture(t, s)
		const n = childChunk*3 + 7
		batch := make([]Child, n)
		for i := range batch {
			batch[i] = child(t, 1000+i, f.LA1.ID+int64(i%2)*(f.LA2.ID-f.LA1.ID))
		}
		if got, err := s.ImportChildren(ctx, f.DCO, batch); err != nil || got != n {
			t.Fatalf("import: %d %v", got, err)
		}
		ids := map[int64]bool{}
		for i, c := range batch {
			if c.ID == 0 || ids[c.ID] {
				t.Fatalf("row %d: id %d missing or repeated", i+1, c.ID)
			}
			ids[c.ID] = true
			got, err := s.GetChild(ctx, f.DCO, c.ID)
			if err != nil || got.NHSNumber != c.NHSNumber || got.LAID != c.LAID {
				t.Fatalf("row %d: stored %+v, %v; imported %+v", i+1, got, err, c)
			}
			if rows := countAudit(t, s, "child.import", c.ID); rows != 1 {
				t.Errorf("row %d: %d child.import rows", i+1, rows)
			}
		}
		if _, broken, err := s.VerifyAudit(ctx); err != nil || broken != 0 {
			t.Errorf("audit chain: broken at %d, %v", broken, err)
		}
		// Row 130 repeats a stored child and row 140 one earlier in the batch:
		// the first is named.
		again := make([]Child, 150)
		for i := range again {
			again[i] = child(t, 5000+i, f.LA1.ID)
		}
		again[129] = child(t, 1003, f.LA1.ID)
		again[139] = child(t, 5001, f.LA1.ID)
		_, err := s.ImportChildren(ctx, f.DCO, again)
		wantCode(t, err, errs.Conflict)
		if !strings.HasPrefix(errs.MessageOf(err), "Row 130:") {
			t.Errorf("message: %q", errs.MessageOf(err))
		}
		again[129] = child(t, 6000, f.LA1.ID)
		_, err = s.ImportChildren(ctx, f.DCO, again)
		if !strings.HasPrefix(errs.MessageOf(err), "Row 140:") {
			t.Errorf("message: %q", errs.MessageOf(err))
		}
		if total, _ := s.CountChildren(ctx, f.DCO); total != n {
			t.Errorf("children after the refused imports: %d, want %d", total, n)
		}
	})
}
