package s23db

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"testing"
	"time"

	"dco/internal/s23"
	"dco/internal/store"
)

// s23LedgerRow is a deadlines row as text, for comparing ledgers.
type s23LedgerRow struct {
	recordID, childID, laID, icbID int64
	rule, starts, due, met, onTime string
	closed                         bool
}

func (r s23LedgerRow) String() string {
	return fmt.Sprintf("s23_notification/%d child=%d la=%d icb=%d %s %s→%s met=%q on_time=%q closed=%v",
		r.recordID, r.childID, r.laID, r.icbID, r.rule, r.starts, r.due, r.met, r.onTime, r.closed)
}

// s23Ledger reads the Section 23 rows of the ledger, by record and rule.
func s23Ledger(t *testing.T, s *store.Store) []s23LedgerRow {
	t.Helper()
	rows, err := s.Query(context.Background(), `SELECT record_id, child_id, la_id, icb_id, rule, starts_on, due_on, met_on,
		CASE WHEN on_time IS NULL THEN '' WHEN on_time THEN 'true' ELSE 'false' END, closed
		FROM deadlines WHERE kind = 's23' AND record_type = 's23_notification' AND paused = '' ORDER BY record_id, rule`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []s23LedgerRow
	for rows.Next() {
		var r s23LedgerRow
		if err := rows.Scan(&r.recordID, &r.childID, &r.laID, &r.icbID, &r.rule, &r.starts, &r.due, &r.met, &r.onTime, &r.closed); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if n := countRows(t, s, "SELECT count(*) FROM deadlines WHERE kind = 's23'"); n != len(out) {
		t.Errorf("ledger: %d Section 23 rows, %d of them notifications' clocks, unpaused", n, len(out))
	}
	return out
}

// s23LedgerWanted derives, from s23_notifications and settings alone, the
// ledger the Section 23 clocks should have, written apart from the code
// under test (with time.Time, not internal/send or internal/s23) so that
// the two can disagree: a s.23 notification whose parent is informed has
// its local standard, due that many calendar days later, met when the LA
// is notified, on time when on or before the due day; every notification
// sent to the LA has its acknowledgement standard likewise. The standards
// are the ICB's settings, else the default row's, else 10; a value that is
// not a whole number from 1 to 365 counts as 10.
func s23LedgerWanted(t *testing.T, s *store.Store) []s23LedgerRow {
	t.Helper()
	ctx := context.Background()
	setting := func(icb int64, key string) int {
		rows, err := s.Query(ctx, "SELECT value FROM settings WHERE key = ? AND icb_id IN (?, 0) ORDER BY icb_id DESC", key, icb)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		if !rows.Next() {
			return 10
		}
		var v string
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		if n, err := strconv.Atoi(v); err == nil && n >= 1 && n <= 365 {
			return n
		}
		return 10
	}
	clock := func(r s23LedgerRow, days int, met string) s23LedgerRow {
		from, err := time.Parse(time.DateOnly, r.starts)
		if err != nil {
			t.Fatal(err)
		}
		r.due, r.met = from.AddDate(0, 0, days).Format(time.DateOnly), met
		if met != "" {
			r.onTime = strconv.FormatBool(met <= r.due)
		}
		return r
	}
	rows, err := s.Query(ctx, `SELECT id, child_id, la_id, icb_id, kind, parent_informed_on, la_notified_on, acknowledged_on
		FROM s23_notifications ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	type note struct {
		r                         s23LedgerRow
		kind, parent, la, acknowl string
	}
	var ns []note
	for rows.Next() {
		var n note
		if err := rows.Scan(&n.r.recordID, &n.r.childID, &n.r.laID, &n.r.icbID, &n.kind, &n.parent, &n.la, &n.acknowl); err != nil {
			t.Fatal(err)
		}
		ns = append(ns, n)
	}
	rows.Close()
	var out []s23LedgerRow
	for _, n := range ns {
		if n.la != "" { // "s23-ack-standard" sorts before "s23-local-standard"
			r := n.r
			r.rule, r.starts = RuleAckStandard, n.la
			out = append(out, clock(r, setting(n.r.icbID, s23.SettingAckStandardDays), n.acknowl))
		}
		if n.kind == "s23" && n.parent != "" {
			r := n.r
			r.rule, r.starts = RuleLocalStandard, n.parent
			out = append(out, clock(r, setting(n.r.icbID, s23.SettingStandardDays), n.la))
		}
	}
	return out
}

// checkS23Ledger fails unless the ledger is what the notifications say.
func checkS23Ledger(t *testing.T, s *store.Store, step string) {
	t.Helper()
	store.DiffRows(t, step, "notifications", s23Ledger(t, s), s23LedgerWanted(t, s))
}

// The ledger says what the notifications say after every kind of change to
// them (made by form or API, both Create; updated, including a change of
// kind and a parent-informed date taken back; acknowledged; a letter marked
// sent; imported), and after an ICB's local standard or the default one is
// saved; a change that fails leaves both as they were.
func TestDeadlineLedgerFollowsS23(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := store.NewTestFixture(t, s)
		db := New(s)
		c1 := store.MustCreateChild(t, s, f.Provider1User, store.TestYoungChild(t, 1, f.LA1.ID))
		c2 := store.MustCreateChild(t, s, f.Provider1User, store.TestYoungChild(t, 2, f.LA2.ID))
		checkS23Ledger(t, s, "no notifications")

		notInformed := notification(t, c1.ID, "", "")
		notInformed.Steps.OpinionOn, notInformed.Steps.DiscussionOfferedOn = sd(t, "2025-05-01"), sd(t, "")
		notInformed.ProviderOrgID = f.Provider1.ID
		notInformed = mustNotify(t, s, f.DCO, notInformed)
		checkS23Ledger(t, s, "a notification whose parent is not informed")
		awaiting := mustNotify(t, s, f.Provider1User, notification(t, c1.ID, "2025-05-20", ""))
		checkS23Ledger(t, s, "a notification awaiting the LA")
		late := mustNotify(t, s, f.Provider1User, notification(t, c2.ID, "2025-05-01", "2025-05-14"))
		checkS23Ledger(t, s, "a notification sent late")
		if n := len(s23Ledger(t, s)); n != 3 {
			t.Fatalf("ledger rows: got %d, want 3", n)
		}

		update := func(step string, actor store.Actor, n *Notification, change func(*Notification)) {
			t.Helper()
			got, err := db.Get(ctx, actor, n.ID)
			if err != nil {
				t.Fatal(err)
			}
			change(&got)
			if err := db.Update(ctx, actor, &got); err != nil {
				t.Fatalf("%s: %v", step, err)
			}
			*n = got
			checkS23Ledger(t, s, step)
		}
		update("the parent informed", f.DCO, &notInformed, func(n *Notification) {
			n.Steps.ParentInformedOn, n.Steps.DiscussionOfferedOn = sd(t, "2025-05-02"), sd(t, "2025-05-02")
		})
		update("the date the parent was informed corrected", f.DCO, &notInformed, func(n *Notification) {
			n.Steps.ParentInformedOn = sd(t, "2025-05-01")
		})
		update("the kind changed to other", f.DCO, &notInformed, func(n *Notification) { n.Kind = s23.KindOther })
		update("the other notification sent", f.DCO, &notInformed, func(n *Notification) { n.Steps.LANotifiedOn = sd(t, "2025-05-03") })
		update("the kind changed back to s23", f.DCO, &notInformed, func(n *Notification) { n.Kind = s23.KindS23 })
		update("the parent-informed date taken back", f.Provider1User, &awaiting, func(n *Notification) {
			n.Steps.ParentInformedOn, n.Steps.DiscussionOfferedOn = sd(t, ""), sd(t, "")
		})
		update("the parent informed again", f.Provider1User, &awaiting, func(n *Notification) {
			n.Steps.ParentInformedOn, n.Steps.DiscussionOfferedOn = sd(t, "2025-05-28"), sd(t, "2025-05-28")
		})
		update("the LA changed before it is told", f.DCO, &awaiting, func(n *Notification) {
			n.LAID, n.LAReason = f.LA2.ID, "The family is moving to Swindon"
		})

		sent, err := db.MarkLetterSent(ctx, f.Provider1User, awaiting.ID, awaiting.Version, LetterLA, sd(t, "2025-05-30"))
		if err != nil {
			t.Fatal(err)
		}
		checkS23Ledger(t, s, "the LA letter marked sent")
		if _, err := db.Acknowledge(ctx, f.LA2User, sent.ID, sent.Version, sd(t, "2025-06-02")); err != nil {
			t.Fatal(err)
		}
		checkS23Ledger(t, s, "an acknowledgement on time")
		if _, err := db.Acknowledge(ctx, f.LA2User, late.ID, late.Version, sd(t, "2025-06-01")); err != nil {
			t.Fatal(err)
		}
		checkS23Ledger(t, s, "an acknowledgement late")

		// A change refused leaves notification and ledger as they were.
		before := s23Ledger(t, s)
		stale := notInformed
		stale.Version--
		stale.Steps.LANotifiedOn = sd(t, "2025-05-31")
		if err := db.Update(ctx, f.DCO, &stale); err == nil {
			t.Fatal("a stale update was saved")
		}
		if got := s23Ledger(t, s); !slices.Equal(got, before) {
			t.Errorf("a refused update changed the ledger: got %v, want %v", got, before)
		}

		row := func(line int, c store.Child, parent, notified string) ImportRow {
			n := notification(t, 0, parent, notified)
			n.ProviderOrgID, n.Consent = f.Provider2.ID, s23.ConsentNotRecorded
			return ImportRow{Line: line, Child: c, Notification: n}
		}
		if _, err := db.Import(ctx, store.System, []ImportRow{
			row(2, store.TestYoungChild(t, 3, f.LA1.ID), "2025-05-05", "2025-05-06"),
			row(3, store.TestYoungChild(t, 4, f.LA2.ID), "2025-05-26", ""),
		}, false); err != nil {
			t.Fatal(err)
		}
		checkS23Ledger(t, s, "an import")

		// The standards as the pages read them, now: the ICB's own, then
		// the default for both.
		if err := s.SetSetting(ctx, f.DCO, f.ICB.ID, s23.SettingStandardDays, "3", 0); err != nil {
			t.Fatal(err)
		}
		checkS23Ledger(t, s, "the ICB's local standard saved")
		if err := s.SetSetting(ctx, store.System, 0, s23.SettingAckStandardDays, "1", 0); err != nil {
			t.Fatal(err)
		}
		checkS23Ledger(t, s, "the default acknowledgement standard saved")
		if err := s.SetSetting(ctx, store.System, 0, s23.SettingStandardDays, "30", 0); err != nil {
			t.Fatal(err)
		}
		checkS23Ledger(t, s, "the default local standard saved under the ICB's own")
	})
}

// The notification's message for text that is not UTF-8 is the child's
// record's: one wording whichever field it is.
func TestMsgNotUTF8Shared(t *testing.T) {
	if s23.MsgNotUTF8 != store.MsgNotUTF8 {
		t.Errorf("got %q, want %q (store.MsgNotUTF8)", s23.MsgNotUTF8, store.MsgNotUTF8)
	}
}
