package store

import (
	"context"
	"strings"
	"testing"

	"dco/internal/errs"
)

// noICBDCO is the fixture's DCO as an account of no ICB would be: an admin
// could make one before every case-data account had to belong to an ICB.
func noICBDCO(f *Fixture) Actor {
	a := f.DCO
	a.OrgID = 0
	return a
}

// TestChildMoveRule is issue 8 item 1: only the DCO team of the child's ICB
// changes a child's LA, and only to an LA of that ICB. Every other editor
// may keep the LA as it is; a move by anyone else is refused naming la_id,
// changes nothing and is audited as refused with both LAs; a move made is
// audited with both LAs.
func TestChildMoveRule(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		f := newFixture(t, s)
		o := SeedOtherICB(t, s)
		national := noICBDCO(f)
		const (
			ok       = ""
			refused  = "refused"
			notFound = "not found"
			// A DCO of no ICB may never move a child; whether it sees
			// the child at all is the scope's decision (icbWide), so
			// either refusal will do, and keeping the LA may be saved.
			notMoved = "refused or not found"
			either   = "saved or not found"
		)
		targets := []struct {
			name string
			la   int64
		}{{"own LA", f.LA1.ID}, {"other LA of the ICB", f.LA2.ID}, {"another ICB's LA", o.LA.ID}}
		tests := []struct {
			name  string
			actor Actor
			want  [3]string // by target
		}{
			{"DCO of the child's ICB", f.DCO, [3]string{ok, ok, refused}},
			{"LA user of the child's LA", f.LA1User, [3]string{ok, refused, refused}},
			{"provider granted the child", f.Provider1User, [3]string{ok, refused, refused}},
			{"clinician granted the child", f.Clinician, [3]string{ok, refused, refused}},
			{"DCO of another ICB", o.DCO, [3]string{notFound, notFound, notFound}},
			{"DCO of no ICB", national, [3]string{either, notMoved, notMoved}},
			{"LA user of another ICB", o.LAUser, [3]string{notFound, notFound, notFound}},
			{"provider of another ICB", o.ProviderUser, [3]string{notFound, notFound, notFound}},
			{"dco itself", System, [3]string{ok, ok, ok}},
		}
		i := 0
		for _, tc := range tests {
			for ti, target := range targets {
				t.Run(tc.name+"/"+target.name, func(t *testing.T) {
					i++
					c := mustCreate(t, s, System, child(t, 100+i, f.LA1.ID))
					for _, err := range []error{
						s.GrantChildAccess(ctx, System, c.ID, 0, f.Provider1.ID, "test"),
						s.GrantChildAccess(ctx, System, c.ID, f.Clinician.UserID, 0, "test"),
					} {
						if err != nil {
							t.Fatal(err)
						}
					}
					refusedBefore := countAudit(t, s, ActionAccessRefused, c.ID)
					upd := c
					upd.Setting = "Changed"
					upd.LAID = target.la
					err := s.UpdateChild(ctx, tc.actor, &upd)
					got, gerr := s.GetChild(ctx, System, c.ID)
					if gerr != nil {
						t.Fatal(gerr)
					}
					want := tc.want[ti]
					switch {
					case want == notMoved && errs.CodeOf(err) == errs.NotFound:
						want = notFound
					case want == notMoved:
						want = refused
					case want == either && errs.CodeOf(err) == errs.NotFound:
						want = notFound
					case want == either:
						want = ok
					}
					switch want {
					case ok:
						if err != nil {
							t.Fatalf("got %v (%v), want the change saved", err, errs.FieldsOf(err))
						}
						if got.LAID != target.la || got.Setting != "Changed" {
							t.Errorf("stored LA %d setting %q, want LA %d setting %q", got.LAID, got.Setting, target.la, "Changed")
						}
						rows, _, err := s.ListAudit(ctx, AuditFilter{Action: "child.update", ChildID: c.ID})
						if err != nil || len(rows) != 1 {
							t.Fatalf("child.update rows: got %d (%v), want 1", len(rows), err)
						}
						wantDetail := "fields=setting"
						if target.la != f.LA1.ID {
							wantDetail = "fields=la_id,setting la_from=" + itoa(f.LA1.ID) + " la_to=" + itoa(target.la)
						}
						if rows[0].Detail != wantDetail {
							t.Errorf("audit detail: got %q, want %q", rows[0].Detail, wantDetail)
						}
					case refused, notFound:
						wantCode := errs.Invalid
						if want == notFound {
							wantCode = errs.NotFound
						}
						if errs.CodeOf(err) != wantCode {
							t.Fatalf("got %v (%v), want %s", err, errs.FieldsOf(err), wantCode)
						}
						if want == refused && errs.FieldsOf(err)["la_id"] == "" {
							t.Errorf("fields: got %v, want la_id named", errs.FieldsOf(err))
						}
						if got.LAID != f.LA1.ID || got.Version != c.Version {
							t.Errorf("stored LA %d version %d, want LA %d version %d unchanged", got.LAID, got.Version, f.LA1.ID, c.Version)
						}
						rows, _, err := s.ListAudit(ctx, AuditFilter{Action: ActionAccessRefused, ChildID: c.ID, Limit: 1})
						if err != nil || len(rows) == 0 || countAudit(t, s, ActionAccessRefused, c.ID) != refusedBefore+1 {
							t.Fatalf("access.refused rows: got %d (%v), want %d", countAudit(t, s, ActionAccessRefused, c.ID), err, refusedBefore+1)
						}
						if want == refused {
							wantDetail := "action=child.update la_from=" + itoa(f.LA1.ID) + " la_to=" + itoa(target.la)
							if rows[0].Detail != wantDetail {
								t.Errorf("refusal detail: got %q, want %q", rows[0].Detail, wantDetail)
							}
						}
					}
				})
			}
		}
	})
}

// TestChildRegisterRule is issue 8 item 1 for a new child: an LA user
// registers only in its LA, a DCO, provider or clinician only in an LA of
// its own ICB (a provider's ICB is its organisation's), and an account of
// no ICB nowhere, by every way a child is registered: CreateChild,
// ImportChildren (a Section 23 notification and an advice request about a
// new child: s23db.TestS23ChildRegisterRule, advicedb.TestAdviceChildRegisterRule). A refused registration stores nothing, names
// the LA field, and CreateChild audits it.
func TestChildRegisterRule(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		f := newFixture(t, s)
		o := SeedOtherICB(t, s)
		national := noICBDCO(f)
		const (
			ok        = ""
			refused   = "refused"
			forbidden = "forbidden"
		)
		las := []struct {
			name string
			id   int64
		}{{"LA 1", f.LA1.ID}, {"LA 2", f.LA2.ID}, {"another ICB's LA", o.LA.ID}}
		tests := []struct {
			name  string
			actor Actor
			want  [3]string
		}{
			{"DCO", f.DCO, [3]string{ok, ok, refused}},
			{"LA user", f.LA1User, [3]string{ok, refused, refused}},
			{"provider", f.Provider1User, [3]string{ok, ok, refused}},
			{"provider of the other ICB", o.ProviderUser, [3]string{refused, refused, ok}},
			{"DCO of the other ICB", o.DCO, [3]string{refused, refused, ok}},
			{"DCO of no ICB", national, [3]string{refused, refused, refused}},
			{"clinician", f.Clinician, [3]string{forbidden, forbidden, forbidden}},
			{"dco itself", System, [3]string{ok, ok, ok}},
		}
		n := 0
		check := func(t *testing.T, err error, want, field string, before int) {
			t.Helper()
			switch want {
			case ok:
				if err != nil {
					t.Fatalf("got %v (%v), want the child registered", err, errs.FieldsOf(err))
				}
				return
			case refused:
				if errs.CodeOf(err) != errs.Invalid || (field != "" && errs.FieldsOf(err)[field] == "") {
					t.Fatalf("got %v (%v), want invalid naming %s", err, errs.FieldsOf(err), field)
				}
			case forbidden:
				if errs.CodeOf(err) != errs.Forbidden {
					t.Fatalf("got %v, want forbidden", err)
				}
			}
			if after, _ := s.CountChildren(ctx, System); after != before {
				t.Errorf("children: got %d, want %d (nothing stored)", after, before)
			}
		}
		for _, tc := range tests {
			for li, la := range las {
				t.Run(tc.name+"/"+la.name, func(t *testing.T) {
					n++
					before, _ := s.CountChildren(ctx, System)
					refusedBefore := countAudit(t, s, ActionAccessRefused, 0)
					c := child(t, 300+n, la.id)
					err := s.CreateChild(ctx, tc.actor, &c)
					check(t, err, tc.want[li], "la_id", before)
					if tc.want[li] == refused {
						rows, _, _ := s.ListAudit(ctx, AuditFilter{Action: ActionAccessRefused, Limit: 1})
						wantDetail := "action=child.create la_to=" + itoa(la.id)
						last := ""
						if len(rows) > 0 {
							last = rows[0].Detail
						}
						if got := countAudit(t, s, ActionAccessRefused, 0) - refusedBefore; got != 1 || last != wantDetail {
							t.Errorf("refusal audit: got %d new rows, last %q, want 1 with %q", got, last, wantDetail)
						}
					}

					before, _ = s.CountChildren(ctx, System)
					_, err = s.ImportChildren(ctx, tc.actor, []Child{child(t, 600+n, la.id)})
					check(t, err, tc.want[li], "la_id", before)
				})
			}
		}
	})
}

// TestChildMoveUnchangedLA: an editor who may not move a child may still
// save it with its LA given as it is, and a DCO keeps working within the
// ICB; the error text of a refused move says who can move the child.
func TestChildMoveUnchangedLA(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		f := newFixture(t, s)
		c := mustCreate(t, s, f.Provider1User, child(t, 1, f.LA1.ID))
		c.Setting = "Same LA, given"
		if err := s.UpdateChild(ctx, f.Provider1User, &c); err != nil {
			t.Fatalf("provider keeps the LA: got %v, want saved", err)
		}
		c.Setting, c.LAID = "Same LA, not given", 0
		if err := s.UpdateChild(ctx, f.Provider1User, &c); err != nil || c.LAID != f.LA1.ID {
			t.Fatalf("provider, LA 0: got %v, LA %d, want saved in LA %d", err, c.LAID, f.LA1.ID)
		}
		c.LAID = f.LA2.ID
		err := s.UpdateChild(ctx, f.Provider1User, &c)
		if msg := errs.FieldsOf(err)["la_id"]; !strings.Contains(msg, "DCO team") {
			t.Errorf("refused move: got %q, want a message saying the DCO team moves children", msg)
		}
	})
}
