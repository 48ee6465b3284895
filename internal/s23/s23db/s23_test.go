package s23db

import (
	"context"
	"strings"
	"testing"
	"time"

	"dco/internal/errs"
	"dco/internal/s23"
	"dco/internal/send"
	"dco/internal/store"
)

func sd(t testing.TB, s string) send.Date {
	t.Helper()
	if s == "" {
		return send.Date{}
	}
	d, err := send.ParseDate(s)
	if err != nil {
		t.Fatalf("date %q: %v", s, err)
	}
	return d
}

// notification is a valid notification of a child, the parent informed on
// parent and the LA on notified ("" for not yet).
func notification(t testing.TB, childID int64, parent, notified string) Notification {
	return Notification{
		ChildID:      childID,
		Professional: "Test Health Visitor",
		Service:      "Health visiting",
		Needs:        []string{"communication"},
		Reasons:      "Speech and language delay",
		Steps: s23.Steps{
			OpinionOn:           sd(t, parent),
			ParentInformedOn:    sd(t, parent),
			DiscussionOfferedOn: sd(t, parent),
			LANotifiedOn:        sd(t, notified),
		},
		Consent: s23.ConsentYes,
	}
}

func mustNotify(t *testing.T, s *store.Store, actor store.Actor, n Notification) Notification {
	t.Helper()
	if err := New(s).Create(context.Background(), actor, &n, nil); err != nil {
		t.Fatalf("create notification: %v (%v)", err, errs.FieldsOf(err))
	}
	return n
}

// notifyAbout makes a notification of c as actor, giving the child's
// details rather than its id, as a provider that has not seen the child in
// dco does.
func notifyAbout(t *testing.T, s *store.Store, actor store.Actor, n Notification, c store.Child) Notification {
	t.Helper()
	n.ChildID = 0
	details := store.Child{NHSNumber: c.NHSNumber, GivenName: c.GivenName, FamilyName: c.FamilyName, DateOfBirth: c.DateOfBirth, LAID: c.LAID}
	if err := New(s).Create(context.Background(), actor, &n, &details); err != nil {
		t.Fatalf("create notification: %v (%v)", err, errs.FieldsOf(err))
	}
	return n
}

// wantField fails unless err is invalid with a message for field.
func wantField(t *testing.T, err error, field string) {
	t.Helper()
	store.WantCode(t, err, errs.Invalid)
	if _, ok := errs.FieldsOf(err)[field]; !ok {
		t.Fatalf("fields: got %v, want one for %s", errs.FieldsOf(err), field)
	}
}

func TestS23Ordering(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := store.NewTestFixture(t, s)
		c := store.MustCreateChild(t, s, f.Provider1User, store.TestYoungChild(t, 1, f.LA1.ID))
		tests := []struct {
			name             string
			parent, notified string
			wantField        string
		}{
			{"same day parent and LA allowed", "2025-05-06", "2025-05-06", ""},
			{"LA after parent allowed", "2025-05-06", "2025-05-16", ""},
			{"parent only", "2025-05-06", "", ""},
			{"LA before parent refused", "2025-05-06", "2025-05-05", s23.FieldLANotified},
			{"LA without parent date refused", "", "2025-05-05", s23.FieldLANotified},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				n := notification(t, c.ID, tt.parent, tt.notified)
				n.Steps.OpinionOn = sd(t, "2025-05-01")
				if tt.parent == "" {
					n.Steps.DiscussionOfferedOn = send.Date{}
				}
				before := store.CountAudit(t, s, ActionCreate, c.ID)
				err := New(s).Create(ctx, f.Provider1User, &n, nil)
				if tt.wantField == "" {
					if err != nil {
						t.Fatalf("got %v (%v), want it stored", err, errs.FieldsOf(err))
					}
					return
				}
				wantField(t, err, tt.wantField)
				if n.ID != 0 || store.CountAudit(t, s, ActionCreate, c.ID) != before {
					t.Errorf("a refused notification was stored or audited")
				}
			})
		}

		// The database refuses the wrong order too, whatever writes it.
		n := mustNotify(t, s, f.Provider1User, notification(t, c.ID, "2025-05-06", ""))
		err := s.Write(ctx, func(tx *store.Tx) error {
			_, err := tx.ExecN(ctx, "UPDATE s23_notifications SET la_notified_on = '2025-05-05' WHERE id = ?", n.ID)
			return err
		})
		store.WantCode(t, err, errs.Invalid)
		err = s.Write(ctx, func(tx *store.Tx) error {
			_, err := tx.ExecN(ctx, "UPDATE s23_notifications SET parent_informed_on = '', la_notified_on = '2025-05-07' WHERE id = ?", n.ID)
			return err
		})
		store.WantCode(t, err, errs.Invalid)

		// Updating and marking the LA letter sent keep the order too.
		n.Steps.LANotifiedOn = sd(t, "2025-05-01")
		wantField(t, New(s).Update(ctx, f.Provider1User, &n), s23.FieldLANotified)
		n = mustNotify(t, s, f.Provider1User, Notification{ChildID: c.ID, Professional: "HV", Needs: []string{"cognition"},
			Steps: s23.Steps{OpinionOn: sd(t, "2025-05-01")}})
		_, err = New(s).MarkLetterSent(ctx, f.Provider1User, n.ID, n.Version, LetterLA, sd(t, "2025-05-20"))
		wantField(t, err, "sent_on")
		got, err := New(s).MarkLetterSent(ctx, f.Provider1User, n.ID, n.Version, LetterParent, sd(t, "2025-05-20"))
		if err != nil || !got.Steps.ParentInformedOn.Equal(sd(t, "2025-05-20")) || !got.ParentLetterSentOn.Equal(sd(t, "2025-05-20")) {
			t.Fatalf("parent letter sent: got %+v, %v; want the parent informed on 20 May", got.Steps, err)
		}
		// Under s.23 the discussion must be offered before the LA is told.
		_, err = New(s).MarkLetterSent(ctx, f.Provider1User, n.ID, got.Version, LetterLA, sd(t, "2025-05-21"))
		wantField(t, err, "sent_on")
		got.Steps.DiscussionOfferedOn = sd(t, "2025-05-20")
		if err := New(s).Update(ctx, f.Provider1User, &got); err != nil {
			t.Fatalf("offer discussion: %v", err)
		}
		got, err = New(s).MarkLetterSent(ctx, f.Provider1User, n.ID, got.Version, LetterLA, sd(t, "2025-05-21"))
		if err != nil || !got.Steps.LANotifiedOn.Equal(sd(t, "2025-05-21")) {
			t.Fatalf("LA letter sent: got %+v, %v", got.Steps, err)
		}
	})
}

// TestS23CompulsorySchoolAge: s.23 covers children under compulsory school
// age. A child born 1 January 2020 is of compulsory school age from
// 31 March 2025.
func TestS23CompulsorySchoolAge(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := store.NewTestFixture(t, s)
		c := child(t, 2, f.LA1.ID)
		c.DateOfBirth = sd(t, "2020-01-01")
		c = store.MustCreateChild(t, s, f.DCO, c)
		mk := func(opinion string, kind s23.Kind) Notification {
			n := notification(t, c.ID, opinion, "")
			n.Kind, n.ProviderOrgID = kind, f.Provider1.ID
			return n
		}
		// The day before compulsory school age: s.23 applies.
		notifyAbout(t, s, f.Provider1User, mk("2025-03-30", s23.KindS23), c)
		// The first day: it does not; the provider is told why.
		n := mk("2025-03-31", s23.KindS23)
		err := New(s).Create(ctx, f.Provider1User, &n, nil)
		wantField(t, err, "kind")
		if msg := errs.FieldsOf(err)["kind"]; !strings.Contains(msg, "31 March 2025") || !strings.Contains(msg, "Section 23 does not apply") {
			t.Errorf("warning: got %q", msg)
		}
		// A provider cannot record it as "other"; a DCO can.
		n = mk("2025-03-31", s23.KindOther)
		wantField(t, New(s).Create(ctx, f.Provider1User, &n, nil), "kind")
		n = mk("2025-03-31", s23.KindS23)
		wantField(t, New(s).Create(ctx, f.DCO, &n, nil), "kind")
		other := mustNotify(t, s, f.DCO, mk("2025-03-31", s23.KindOther))
		if other.Kind != s23.KindOther || other.ProviderName != f.Provider1.Name {
			t.Errorf("other: got kind %s provider %q", other.Kind, other.ProviderName)
		}
		// The provider may then carry on with the DCO's "other" notification.
		got, err := New(s).Get(ctx, f.Provider1User, other.ID)
		if err != nil {
			t.Fatalf("provider reads the DCO's notification: %v", err)
		}
		got.Steps.LANotifiedOn = sd(t, "2025-04-02")
		if err := New(s).Update(ctx, f.Provider1User, &got); err != nil {
			t.Fatalf("provider updates an other notification: %v (%v)", err, errs.FieldsOf(err))
		}
	})
}

func TestS23LAScoping(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := store.NewTestFixture(t, s)
		c1 := store.MustCreateChild(t, s, f.DCO, store.TestYoungChild(t, 1, f.LA1.ID))
		c2 := store.MustCreateChild(t, s, f.DCO, store.TestYoungChild(t, 2, f.LA2.ID))
		toLA1 := notifyAbout(t, s, f.Provider1User, notification(t, 0, "2025-05-01", "2025-05-02"), c1)
		draftLA1 := mustNotify(t, s, f.Provider1User, notification(t, c1.ID, "2025-05-03", ""))
		toLA2 := notifyAbout(t, s, f.Provider1User, notification(t, 0, "2025-05-01", "2025-05-05"), c2)

		list := func(a store.Actor) []int64 {
			t.Helper()
			ns, total, err := New(s).List(ctx, a, Filter{})
			if err != nil {
				t.Fatalf("list as %s: %v", a.Email, err)
			}
			if total != len(ns) {
				t.Errorf("total %d, listed %d", total, len(ns))
			}
			var ids []int64
			for _, n := range ns {
				ids = append(ids, n.ID)
			}
			return ids
		}
		if got := list(f.LA1User); len(got) != 1 || got[0] != toLA1.ID {
			t.Errorf("LA1 lists %v, want only %d (not the one not yet sent, not LA2's)", got, toLA1.ID)
		}
		if got := list(f.LA2User); len(got) != 1 || got[0] != toLA2.ID {
			t.Errorf("LA2 lists %v, want only %d", got, toLA2.ID)
		}
		if got := list(f.DCO); len(got) != 3 {
			t.Errorf("DCO lists %v, want all 3", got)
		}
		for _, id := range []int64{toLA2.ID, draftLA1.ID, 999999} {
			before := store.CountAudit(t, s, store.ActionAccessRefused, 0)
			_, err := New(s).Get(ctx, f.LA1User, id)
			store.WantCode(t, err, errs.NotFound)
			if store.CountAudit(t, s, store.ActionAccessRefused, 0) != before+1 {
				t.Errorf("refused read of %d not audited", id)
			}
			_, err = New(s).Acknowledge(ctx, f.LA1User, id, 1, send.Date{})
			store.WantCode(t, err, errs.NotFound)
		}
		// A filter cannot widen the scope.
		if ns, _, err := New(s).List(ctx, f.LA1User, Filter{LAID: f.LA2.ID}); err != nil || len(ns) != 0 {
			t.Errorf("LA1 filtering on LA2: got %d, %v, want none", len(ns), err)
		}
		got, err := New(s).Get(ctx, f.LA1User, toLA1.ID)
		if err != nil || got.Child.NHSNumber != c1.NHSNumber || got.LAName != f.LA1.Name {
			t.Fatalf("LA1 reads its own: got %+v, %v", got, err)
		}
		if got.Others != 0 {
			t.Errorf("LA1 sees %d others, want 0: the one not yet sent is not theirs to know of", got.Others)
		}
		if n := store.CountAudit(t, s, ActionView, c1.ID); n != 1 {
			t.Errorf("view audit rows with the child: got %d, want 1", n)
		}

		// Acknowledging.
		ack, err := New(s).Acknowledge(ctx, f.LA1User, toLA1.ID, got.Version, sd(t, "2025-05-04"))
		if err != nil || !ack.Steps.AcknowledgedOn.Equal(sd(t, "2025-05-04")) || ack.AcknowledgedBy != f.LA1User.UserID {
			t.Fatalf("acknowledge: got %+v, %v", ack.Steps, err)
		}
		_, err = New(s).Acknowledge(ctx, f.LA1User, toLA1.ID, ack.Version, send.Date{})
		store.WantCode(t, err, errs.Conflict)
		_, err = New(s).Acknowledge(ctx, f.LA2User, toLA2.ID, toLA2.Version, sd(t, "2025-05-04"))
		wantField(t, err, s23.FieldAcknowledged) // before it was notified on 5 May
		_, err = New(s).Acknowledge(ctx, f.Provider1User, toLA2.ID, toLA2.Version, send.Date{})
		store.WantCode(t, err, errs.Forbidden)
		if n := store.CountAudit(t, s, ActionAcknowledge, c1.ID); n != 1 {
			t.Errorf("acknowledge audit rows: got %d, want 1", n)
		}
		// An LA cannot change the health side.
		store.WantCode(t, New(s).Update(ctx, f.LA1User, &got), errs.Forbidden)
	})
}

func TestS23ProviderScoping(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := store.NewTestFixture(t, s)
		// The LA registered the child; provider 1 has never seen it.
		c := store.MustCreateChild(t, s, f.LA1User, store.TestYoungChild(t, 3, f.LA1.ID))
		_, err := s.GetChild(ctx, f.Provider1User, c.ID)
		store.WantCode(t, err, errs.NotFound)
		// Found by its details, it is matched, and provider 1 is given
		// sight of it in the same transaction.
		details := store.TestYoungChild(t, 3, f.LA1.ID)
		details.GivenName = "different given name is fine"
		n := notification(t, 0, "2025-05-01", "")
		if err := New(s).Create(ctx, f.Provider1User, &n, &details); err != nil {
			t.Fatalf("notify by details: %v (%v)", err, errs.FieldsOf(err))
		}
		if n.ChildID != c.ID || n.ProviderOrgID != f.Provider1.ID {
			t.Fatalf("matched child %d provider %d, want %d, %d", n.ChildID, n.ProviderOrgID, c.ID, f.Provider1.ID)
		}
		if _, err := s.GetChild(ctx, f.Provider1User, c.ID); err != nil {
			t.Fatalf("provider 1 after notifying: %v", err)
		}
		if store.CountAudit(t, s, "child.grant", c.ID) != 1 {
			t.Errorf("grant not audited")
		}
		// A mismatched date of birth is refused without saying which detail differs.
		wrong := store.TestYoungChild(t, 3, f.LA1.ID)
		wrong.DateOfBirth = wrong.DateOfBirth.AddDays(1)
		n2 := notification(t, 0, "2025-05-01", "")
		err = New(s).Create(ctx, f.Provider2User, &n2, &wrong)
		wantField(t, err, "nhs_number")
		if _, err := s.GetChild(ctx, f.Provider2User, c.ID); !errs.Is(err, errs.NotFound) {
			t.Fatalf("provider 2 gained sight of the child: %v", err)
		}
		// A new child is registered by the notification.
		fresh := store.TestYoungChild(t, 4, f.LA2.ID)
		n3 := notification(t, 0, "2025-05-01", "2025-05-02")
		if err := New(s).Create(ctx, f.Provider2User, &n3, &fresh); err != nil {
			t.Fatalf("notify a new child: %v (%v)", err, errs.FieldsOf(err))
		}
		if store.CountAudit(t, s, "child.create", n3.ChildID) != 1 || n3.LAID != f.LA2.ID {
			t.Errorf("new child: audit or LA wrong (LA %d)", n3.LAID)
		}

		// Each provider sees only what it sent.
		for _, tc := range []struct {
			actor store.Actor
			want  int64
		}{{f.Provider1User, n.ID}, {f.Provider2User, n3.ID}} {
			ns, total, err := New(s).List(ctx, tc.actor, Filter{})
			if err != nil || total != 1 || len(ns) != 1 || ns[0].ID != tc.want {
				t.Errorf("%s lists %d (%v), want only %d", tc.actor.Email, total, err, tc.want)
			}
		}
		_, err = New(s).Get(ctx, f.Provider2User, n.ID)
		store.WantCode(t, err, errs.NotFound)
		other := n
		store.WantCode(t, New(s).Update(ctx, f.Provider2User, &other), errs.NotFound)
		_, err = New(s).MarkLetterSent(ctx, f.Provider2User, n.ID, n.Version, LetterParent, send.Date{})
		store.WantCode(t, err, errs.NotFound)
		// A provider always notifies as itself.
		n4 := notification(t, c.ID, "2025-05-01", "")
		n4.ProviderOrgID = f.Provider2.ID
		mustNotify(t, s, f.Provider1User, n4)
		if ns, _, _ := New(s).List(ctx, f.Provider2User, Filter{}); len(ns) != 1 {
			t.Errorf("provider 1 made a notification in provider 2's name")
		}

		// store.Roles without notifications are refused.
		for _, a := range []store.Actor{f.Viewer, f.Admin, f.Clinician} {
			_, _, err := New(s).List(ctx, a, Filter{})
			store.WantCode(t, err, errs.Forbidden)
			_, err = New(s).Get(ctx, a, n.ID)
			store.WantCode(t, err, errs.Forbidden)
			x := notification(t, c.ID, "2025-05-01", "")
			store.WantCode(t, New(s).Create(ctx, a, &x, nil), errs.Forbidden)
		}
	})
}

func TestS23UpdateAndDuplicates(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := store.NewTestFixture(t, s)
		c := store.MustCreateChild(t, s, f.DCO, store.TestYoungChild(t, 5, f.LA1.ID))
		a := notifyAbout(t, s, f.Provider1User, notification(t, 0, "2025-05-01", ""), c)
		b := notifyAbout(t, s, f.Provider2User, notification(t, 0, "2025-05-02", ""), c)

		// Stale versions are conflicts.
		first, second := a, a
		first.Service = "Speech and language therapy"
		if err := New(s).Update(ctx, f.Provider1User, &first); err != nil {
			t.Fatalf("update: %v", err)
		}
		second.Service = "Something else"
		store.WantCode(t, New(s).Update(ctx, f.Provider1User, &second), errs.Conflict)
		got, _ := New(s).Get(ctx, f.Provider1User, a.ID)
		if got.Service != "Speech and language therapy" || got.Version != 2 {
			t.Errorf("after a conflict: got %q v%d", got.Service, got.Version)
		}
		if n := store.CountAudit(t, s, ActionUpdate, c.ID); n != 1 {
			t.Errorf("update audit rows: got %d, want 1", n)
		}

		// Another LA needs a reason, and only until the LA is told.
		got.LAID = f.LA2.ID
		wantField(t, New(s).Update(ctx, f.Provider1User, &got), "la_reason")
		got.LAReason = "The family moved to Swindon last week"
		if err := New(s).Update(ctx, f.Provider1User, &got); err != nil {
			t.Fatalf("move LA with a reason: %v", err)
		}
		got.Steps.LANotifiedOn = sd(t, "2025-05-03")
		if err := New(s).Update(ctx, f.Provider1User, &got); err != nil {
			t.Fatalf("notify: %v", err)
		}
		got.LAID, got.LAReason = f.LA1.ID, ""
		wantField(t, New(s).Update(ctx, f.Provider1User, &got), "la_id")

		// The DCO sees both as possible duplicates; each provider sees none.
		ns, total, err := New(s).List(ctx, f.DCO, Filter{Status: StatusDuplicate})
		if err != nil || total != 2 || ns[0].Others != 1 || ns[1].Others != 1 {
			t.Fatalf("duplicates: got %d, %v", total, err)
		}
		if ns, _, _ := New(s).List(ctx, f.Provider2User, Filter{Status: StatusDuplicate}); len(ns) != 0 {
			t.Errorf("provider 2 learns of provider 1's notification")
		}
		if n, _ := New(s).Get(ctx, f.Provider2User, b.ID); n.Others != 0 {
			t.Errorf("provider 2 sees %d others", n.Others)
		}

		// Status and month filters.
		for _, tc := range []struct {
			f    Filter
			want int
		}{
			{Filter{Status: StatusAwaitingLA}, 1},
			{Filter{Status: StatusUnacknowledged}, 1},
			{Filter{Status: StatusOverdue, Today: sd(t, "2025-06-02"), StandardDays: 10}, 1},
			{Filter{Status: StatusOverdue, Today: sd(t, "2025-05-12"), StandardDays: 10}, 0}, // due 12 May: not yet
			{Filter{Status: StatusOverdue, Today: sd(t, "2025-05-13"), StandardDays: 10}, 1}, // the day after
			// Judged on another day (a month's end): b is past its due 12 May
			// on the 13th; a, told on 3 May, was never past its standard.
			{Filter{Status: StatusOverdue, Today: sd(t, "2025-06-02"), OverdueOn: sd(t, "2025-05-12"), StandardDays: 10}, 0},
			{Filter{Status: StatusOverdue, Today: sd(t, "2025-06-02"), OverdueOn: sd(t, "2025-05-13"), StandardDays: 10}, 1},
			{Filter{Status: StatusOverdue, Today: sd(t, "2025-06-02"), OverdueOn: sd(t, "2025-04-30"), StandardDays: 10}, 0},
			{Filter{NotifiedFrom: sd(t, "2025-05-01"), NotifiedTo: sd(t, "2025-05-31")}, 1},
			{Filter{NotifiedFrom: sd(t, "2025-04-01"), NotifiedTo: sd(t, "2025-04-30")}, 0},
			{Filter{ProviderOrgID: f.Provider2.ID}, 1},
			{Filter{LAID: f.LA2.ID}, 1},
			{Filter{ChildID: c.ID}, 2},
		} {
			if _, total, err := New(s).List(ctx, f.DCO, tc.f); err != nil || total != tc.want {
				t.Errorf("filter %+v: got %d, %v, want %d", tc.f, total, err, tc.want)
			}
		}
		_, _, err = New(s).List(ctx, f.DCO, Filter{Status: "bogus"})
		store.WantCode(t, err, errs.Invalid)
	})
}

// TestS23NotifiedDateFixed: once the LA has been told, no role can take the
// notification back out of the LA's inbox by clearing the date it was told,
// nor move that date and with it the compliance figures. Other fields stay
// changeable.
func TestS23NotifiedDateFixed(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := store.NewTestFixture(t, s)
		c := store.MustCreateChild(t, s, f.DCO, store.TestYoungChild(t, 11, f.LA1.ID))
		sent := notifyAbout(t, s, f.Provider1User, notification(t, 0, "2025-05-01", "2025-05-06"), c)
		acked := mustNotify(t, s, f.Provider1User, notification(t, c.ID, "2025-05-01", "2025-05-06"))
		if _, err := New(s).Acknowledge(ctx, f.LA1User, acked.ID, acked.Version, sd(t, "2025-05-07")); err != nil {
			t.Fatalf("acknowledge: %v", err)
		}
		tests := []struct {
			name     string
			actor    store.Actor
			id       int64
			notified string
			want     string // in the la_notified_on message
		}{
			{"provider clears it", f.Provider1User, sent.ID, "", "cannot be removed"},
			{"provider moves it later", f.Provider1User, sent.ID, "2025-05-20", "cannot be changed"},
			{"provider moves it earlier, still after the parent", f.Provider1User, sent.ID, "2025-05-02", "cannot be changed"},
			{"provider moves it before the parent", f.Provider1User, sent.ID, "2025-04-30", "cannot be changed"},
			{"DCO clears it", f.DCO, sent.ID, "", "cannot be removed"},
			{"DCO moves it", f.DCO, sent.ID, "2025-05-08", "cannot be changed"},
			{"dco itself moves it", store.System, sent.ID, "2025-05-08", "cannot be changed"},
			{"provider clears an acknowledged one", f.Provider1User, acked.ID, "", "cannot be removed"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				n, err := New(s).Get(ctx, tt.actor, tt.id)
				if err != nil {
					t.Fatal(err)
				}
				before := store.CountAudit(t, s, ActionUpdate, c.ID)
				n.Steps.LANotifiedOn = sd(t, tt.notified)
				err = New(s).Update(ctx, tt.actor, &n)
				wantField(t, err, s23.FieldLANotified)
				fields := errs.FieldsOf(err)
				if msg := fields[s23.FieldLANotified]; !strings.Contains(msg, tt.want) || !strings.Contains(msg, "6 May 2025") {
					t.Errorf("message: got %q, want it to say the LA was notified on 6 May 2025 and the date %s", msg, tt.want)
				}
				if _, ok := fields[s23.FieldAcknowledged]; ok {
					t.Errorf("fields: got %v, want no acknowledged_on message for a refused LA date", fields)
				}
				got, err := New(s).Get(ctx, f.LA1User, tt.id)
				if err != nil || !got.Steps.LANotifiedOn.Equal(sd(t, "2025-05-06")) {
					t.Errorf("the LA's copy: got %v, %v; want it still in the inbox, notified on 2025-05-06", got.Steps.LANotifiedOn, err)
				}
				if after := store.CountAudit(t, s, ActionUpdate, c.ID); after != before {
					t.Errorf("update audit rows: got %d, want %d", after, before)
				}
			})
		}
		// The rest of the record stays changeable, with the date as it was.
		n, _ := New(s).Get(ctx, f.Provider1User, sent.ID)
		n.Service = "Community paediatrics"
		if err := New(s).Update(ctx, f.Provider1User, &n); err != nil {
			t.Fatalf("change the service of a sent notification: %v (%v)", err, errs.FieldsOf(err))
		}
		if got, _ := New(s).Get(ctx, f.LA1User, sent.ID); got.Service != "Community paediatrics" || !got.Steps.LANotifiedOn.Equal(sd(t, "2025-05-06")) {
			t.Errorf("after changing the service: got %q, notified %s", got.Service, got.Steps.LANotifiedOn)
		}
	})
}

func TestS23NotifiedFixedRule(t *testing.T) {
	tests := []struct {
		name     string
		was, now string
		want     string // "" when allowed, else in the message
	}{
		{"not yet told, still not", "", "", ""},
		{"told for the first time", "", "2025-05-06", ""},
		{"kept", "2025-05-06", "2025-05-06", ""},
		{"cleared", "2025-05-06", "", "cannot be removed"},
		{"moved", "2025-05-06", "2025-05-07", "cannot be changed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := s23NotifiedFixed(sd(t, tt.was), sd(t, tt.now))
			if (got == "") != (tt.want == "") || !strings.Contains(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// TestS23Compliance works May 2025 by hand under a standard of 10 days.
func TestS23Compliance(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := store.NewTestFixture(t, s)
		c := store.MustCreateChild(t, s, f.DCO, store.TestYoungChild(t, 6, f.LA1.ID))
		notifyAbout(t, s, f.Provider1User, notification(t, 0, "2025-05-01", "2025-05-01"), c) // 0 days
		mustNotify(t, s, f.Provider1User, notification(t, c.ID, "2025-05-01", "2025-05-15"))  // 14 days, late
		mustNotify(t, s, f.Provider1User, notification(t, c.ID, "2025-05-10", ""))            // open, overdue at 31 May
		notifyAbout(t, s, f.Provider2User, notification(t, 0, "2025-04-20", "2025-05-02"), c) // 12 days, late
		mustNotify(t, s, f.Provider2User, notification(t, c.ID, "2025-04-01", "2025-04-03"))  // April

		by, total, err := New(s).Compliance(ctx, f.DCO, sd(t, "2025-05-01"), sd(t, "2025-05-31"), 10)
		if err != nil || len(by) != 2 {
			t.Fatalf("compliance: got %+v, %v", by, err)
		}
		p1, p2 := by[0], by[1] // HCRG Care Group, Oxford Health
		if p1.ProviderID != f.Provider1.ID || p1.Notified != 2 || p1.ParentFirst != 2 || p1.WithinStandard != 1 ||
			p1.OpenOverdue != 1 || p1.Median() != "7" || p1.MaxDays != 14 {
			t.Errorf("provider 1: got %+v", p1)
		}
		if p2.ProviderID != f.Provider2.ID || p2.Notified != 1 || p2.WithinStandard != 0 || p2.Median() != "12" {
			t.Errorf("provider 2: got %+v", p2)
		}
		if total.Notified != 3 || total.WithinStandard != 1 || total.PercentWithinStandard() != "33%" {
			t.Errorf("total: got %+v", total)
		}
		// A provider sees its own figures only.
		by, _, err = New(s).Compliance(ctx, f.Provider2User, sd(t, "2025-05-01"), sd(t, "2025-05-31"), 10)
		if err != nil || len(by) != 1 || by[0].ProviderID != f.Provider2.ID {
			t.Errorf("provider 2's compliance: got %+v, %v", by, err)
		}
		_, _, err = New(s).Compliance(ctx, f.Viewer, sd(t, "2025-05-01"), sd(t, "2025-05-31"), 10)
		store.WantCode(t, err, errs.Forbidden)
	})
}

func TestS23Import(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := store.NewTestFixture(t, s)
		known := store.MustCreateChild(t, s, f.LA1User, store.TestYoungChild(t, 7, f.LA1.ID))
		row := func(line int, c store.Child, provider int64, parent, notified string) ImportRow {
			n := notification(t, 0, parent, notified)
			n.ProviderOrgID, n.Consent, n.Steps.OpinionOn = provider, s23.ConsentNotRecorded, send.Date{}
			return ImportRow{Line: line, Child: c, Notification: n}
		}
		// The known child's family name as a spreadsheet may give it: the
		// same once normalised.
		shouted := store.TestYoungChild(t, 7, f.LA1.ID)
		shouted.FamilyName = "  FAMILY7 "
		good := []ImportRow{
			row(2, shouted, f.Provider1.ID, "2025-05-01", "2025-05-02"),
			row(3, store.TestYoungChild(t, 8, f.LA2.ID), f.Provider2.ID, "2025-05-01", ""),
			row(4, store.TestYoungChild(t, 8, f.LA2.ID), f.Provider1.ID, "2025-05-03", "2025-05-03"),
		}
		res, err := New(s).Import(ctx, store.System, good, true)
		if err != nil || res.Notifications != 3 || res.ChildrenCreated != 1 || res.ChildrenMatched != 2 {
			t.Fatalf("dry run: got %+v, %v", res, err)
		}
		if _, total, _ := New(s).List(ctx, f.DCO, Filter{}); total != 0 {
			t.Fatalf("a dry run stored %d notifications", total)
		}

		bad := []ImportRow{
			good[0],
			row(5, store.TestYoungChild(t, 9, f.LA1.ID), f.Provider1.ID, "2025-05-06", "2025-05-05"),
			row(6, store.TestYoungChild(t, 10, f.LA1.ID), 0, "2025-05-06", ""),
		}
		wrongDOB := store.TestYoungChild(t, 7, f.LA1.ID)
		wrongDOB.DateOfBirth = wrongDOB.DateOfBirth.AddDays(-1)
		bad = append(bad, row(7, wrongDOB, f.Provider1.ID, "2025-05-06", ""))
		wrongFamily := store.TestYoungChild(t, 7, f.LA1.ID)
		wrongFamily.FamilyName = "Otherfamily"
		bad = append(bad, row(8, wrongFamily, f.Provider1.ID, "2025-05-06", ""))
		movedLA := store.TestYoungChild(t, 7, f.LA2.ID) // registered in LA1
		movedLA.GivenName = "A given name may differ"
		mlRow := row(9, movedLA, f.Provider1.ID, "2025-05-06", "")
		mlRow.Notification.LAID = f.LA2.ID // the importer gives the file's LA as both
		bad = append(bad, mlRow)
		// Line 5's child is new to dco: a later row must agree with it too.
		sameImport := store.TestYoungChild(t, 9, f.LA1.ID)
		sameImport.FamilyName = "Notfamily9"
		bad = append(bad, row(10, sameImport, f.Provider1.ID, "2025-05-06", ""))
		res, err = New(s).Import(ctx, store.System, bad, false)
		store.WantCode(t, err, errs.Invalid)
		want := []ImportProblem{
			{Line: 5, Field: s23.FieldLANotified},
			{Line: 6, Field: "provider_org_id"},
			// One message whichever detail differs (sameIdentity).
			{Line: 7, Field: "nhs_number", Message: store.MsgIdentityMismatch},
			{Line: 8, Field: "nhs_number", Message: store.MsgIdentityMismatch},
			{Line: 9, Field: "la_id", Message: "The child is registered in " + f.LA1.Name + ", not " + f.LA2.Name + ": give " + f.LA1.Name +
				" as the child's local authority, or, if the child has moved, change the local authority on their record in dco first"},
			{Line: 10, Field: "nhs_number", Message: store.MsgIdentityMismatch},
		}
		if len(res.Problems) != len(want) {
			t.Fatalf("problems: got %+v, want %d", res.Problems, len(want))
		}
		for i, p := range res.Problems {
			if p.Line != want[i].Line || p.Field != want[i].Field || p.Message == "" || (want[i].Message != "" && p.Message != want[i].Message) {
				t.Errorf("problem %d: got %+v, want line %d field %s %q", i, p, want[i].Line, want[i].Field, want[i].Message)
			}
		}
		if _, total, _ := New(s).List(ctx, f.DCO, Filter{}); total != 0 {
			t.Fatalf("a failed import stored %d notifications", total)
		}

		res, err = New(s).Import(ctx, store.System, good, false)
		if err != nil || res.Notifications != 3 {
			t.Fatalf("import: got %+v, %v", res, err)
		}
		if got := store.CountAudit(t, s, ActionImport, known.ID); got != 1 {
			t.Errorf("import audit rows for the known child: got %d, want 1", got)
		}
		ns, _, _ := New(s).List(ctx, f.Provider1User, Filter{})
		if len(ns) != 2 {
			t.Errorf("provider 1 sees %d imported notifications, want 2", len(ns))
		}
		if _, err := s.GetChild(ctx, f.Provider1User, known.ID); err != nil {
			t.Errorf("import did not grant provider 1 sight of the child: %v", err)
		}
		_, err = New(s).Import(ctx, f.Provider1User, good, true)
		store.WantCode(t, err, errs.Forbidden)
	})
}

func TestS23Settings(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		c, err := New(s).Settings(ctx, 0)
		if err != nil || c.StandardDays != 10 || c.AckStandardDays != 10 || c.ParentLetter != s23.DefaultParentLetter {
			t.Fatalf("defaults: got %+v, %v", c, err)
		}
		if err := s.SetSetting(ctx, store.System, 0, s23.SettingStandardDays, "15", 0); err != nil {
			t.Fatal(err)
		}
		if err := s.SetSetting(ctx, store.System, 0, s23.SettingLANotification, "Dear {{la_name}}", 0); err != nil {
			t.Fatal(err)
		}
		if err := s.SetSetting(ctx, store.System, 0, s23.SettingAckStandardDays, "nonsense", 0); err != nil {
			t.Fatal(err)
		}
		c, err = New(s).Settings(ctx, 0)
		if err != nil || c.StandardDays != 15 || c.AckStandardDays != 10 || c.LANotification != "Dear {{la_name}}" {
			t.Fatalf("set: got %+v, %v", c, err)
		}
	})
}

// BenchmarkS23 imports 20,000 notifications (new children, three LAs' worth
// of two years) and then times the reads the pages make: an LA's inbox,
// the DCO's first page of everything overdue, and a month's compliance.
// Each listing is audited, as in service.
func BenchmarkS23(b *testing.B) {
	store.ForEachEngineBench(b, func(b *testing.B, s *store.Store) {
		f := store.SeedFixture(b, s)
		ctx := context.Background()
		today := send.Today(testNow)
		const n = 20000
		rows := make([]ImportRow, n)
		for i := range rows {
			la := f.LA1.ID
			if i%2 == 1 {
				la = f.LA2.ID
			}
			prov := f.Provider1.ID
			if i%3 == 0 {
				prov = f.Provider2.ID
			}
			parent := today.AddDays(-(i % 700))
			var notified send.Date
			if i%10 != 0 {
				notified = parent.AddDays(i % 15)
				if notified.After(today) {
					notified = send.Date{}
				}
			}
			c := store.TestYoungChild(b, i, la)
			c.NHSNumber = nhsNumber(b, 100000+i)
			c.DateOfBirth = parent.AddDays(-400 - i%900)
			rows[i] = ImportRow{Line: i + 2, Child: c, Notification: Notification{
				ProviderOrgID: prov, LAID: la, Professional: "Health visitor", Reasons: "Delay",
				Steps: s23.Steps{ParentInformedOn: parent, DiscussionOfferedOn: parent, LANotifiedOn: notified},
			}}
		}
		start := time.Now()
		res, err := New(s).Import(ctx, store.System, rows, false)
		if err != nil || res.Notifications != n {
			b.Fatalf("import: %+v %v", res.Problems[:min(3, len(res.Problems))], err)
		}
		b.Logf("%s: imported %d notifications at %.0f rows/s", s.Engine(), n, float64(n)/time.Since(start).Seconds())
		if s.Engine() == store.EnginePostgres {
			// As autovacuum would soon after a bulk load.
			if err := s.Write(ctx, func(t *store.Tx) error { _, err := t.ExecN(ctx, "ANALYZE"); return err }); err != nil {
				b.Fatal(err)
			}
		}
		for name, run := range map[string]func() error{
			"la-inbox": func() error {
				_, _, err := New(s).List(ctx, f.LA1User, Filter{Limit: 25})
				return err
			},
			"dco-overdue": func() error {
				_, _, err := New(s).List(ctx, f.DCO, Filter{Status: StatusOverdue, Today: today, StandardDays: 10, Limit: 25})
				return err
			},
			"compliance-month": func() error {
				_, _, err := New(s).Compliance(ctx, f.DCO, send.NewDate(2025, 5, 1), send.NewDate(2025, 5, 31), 10)
				return err
			},
		} {
			b.Run(name, func(b *testing.B) {
				for b.Loop() {
					if err := run(); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	})
}
