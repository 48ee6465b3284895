package s23db

import (
	"context"

	"dco/internal/s23"
	"dco/internal/send"
	"dco/internal/store"
)

// The Section 23 clocks in the ledger of deadlines (docs/design.md §4, "The
// ledger of deadlines"), both local standards of the ICB, in calendar days
// (send.LocalStandardDue), as the pages count them:
//
//   - RuleLocalStandard: a s.23 notification, from the parent being
//     informed to the LA being notified (s23.Steps.NotifyDue, met as
//     s23.Steps.NotifiedWithin says). An "other" notification has no
//     standard and no row, nor has one whose parent is not yet informed.
//   - RuleAckStandard: every notification sent to the LA, from then to the
//     LA's acknowledgement (s23.Steps.AckDue, send.LocalStandardMet).
//
// Every change that moves a step, the kind, the LA or the ICB (create by
// form, API or import, update, acknowledge, a letter marked sent) writes
// both rows with syncDeadlines in its own transaction. The ICB's standards
// are read in that transaction; when an ICB changes a standard, or the
// default changes, syncStandards rewrites every row it governs in the
// transaction that saves the setting (store.Store.OnSettingSaved), because
// the pages and the compliance figures judge every notification, met or
// not, by the standard as it stands now.

// Ledger names of the Section 23 clocks: those migration 0012 backfilled.
const (
	DeadlineKind      = "s23"
	DeadlineRecord    = s23ObjectType
	RuleLocalStandard = "s23-local-standard"
	RuleAckStandard   = "s23-ack-standard"
)

// standards are an ICB's two local standards, in days.
type standards struct{ notify, ack int }

// standardsIn reads ICB icbID's local standards in t, through cache when
// one is given (an import reads each ICB's once).
func standardsIn(ctx context.Context, t *store.Tx, icbID int64, cache map[int64]standards) (standards, error) {
	if v, ok := cache[icbID]; ok {
		return v, nil
	}
	v := standards{s23.DefaultStandardDays, s23.DefaultAckStandardDays}
	m, err := t.SettingsFor(ctx, icbID, s23.SettingStandardDays, s23.SettingAckStandardDays)
	if err != nil {
		return standards{}, err
	}
	if x, ok := m[s23.SettingStandardDays]; ok {
		v.notify, _ = s23.ParseStandard(x.Value, v.notify)
	}
	if x, ok := m[s23.SettingAckStandardDays]; ok {
		v.ack, _ = s23.ParseStandard(x.Value, v.ack)
	}
	if cache != nil {
		cache[icbID] = v
	}
	return v, nil
}

// deadlinesOf are the ledger rows n's clocks are under the standards std:
// the row to write for each rule, or, when a rule sets no clock on n, its
// name in drop.
func deadlinesOf(n Notification, std standards) (set []store.Deadline, drop []string) {
	row := func(rule string) store.Deadline {
		return store.Deadline{Kind: DeadlineKind, RecordType: DeadlineRecord, RecordID: n.ID, ChildID: n.ChildID,
			LAID: n.LAID, ICBID: n.ICBID, Rule: rule}
	}
	if due, ok := n.Steps.NotifyDue(std.notify); ok && n.Kind == s23.KindS23 {
		d := row(RuleLocalStandard)
		d.StartsOn, d.DueOn, d.MetOn = n.Steps.ParentInformedOn, due, n.Steps.LANotifiedOn
		d.OnTime, _ = n.Steps.NotifiedWithin(std.notify)
		set = append(set, d)
	} else {
		drop = append(drop, RuleLocalStandard)
	}
	if due, ok := n.Steps.AckDue(std.ack); ok {
		d := row(RuleAckStandard)
		d.StartsOn, d.DueOn, d.MetOn = n.Steps.LANotifiedOn, due, n.Steps.AcknowledgedOn
		if !d.MetOn.IsZero() {
			d.OnTime = send.LocalStandardMet(n.Steps.LANotifiedOn, n.Steps.AcknowledgedOn, std.ack)
		}
		set = append(set, d)
	} else {
		drop = append(drop, RuleAckStandard)
	}
	return set, drop
}

// syncDeadlines writes n's two clocks to the ledger as n now stands in t:
// call it after every write of a notification, with n as written. cache,
// when not nil, keeps each ICB's standards across an import's rows.
func syncDeadlines(ctx context.Context, t *store.Tx, n Notification, cache map[int64]standards) error {
	std, err := standardsIn(ctx, t, n.ICBID, cache)
	if err != nil {
		return err
	}
	set, drop := deadlinesOf(n, std)
	for _, d := range set {
		if err := t.SetDeadline(ctx, d); err != nil {
			return err
		}
	}
	for _, rule := range drop {
		if err := t.DropDeadline(ctx, DeadlineKind, DeadlineRecord, n.ID, rule); err != nil {
			return err
		}
	}
	return nil
}

// syncStandards is the setting hook (store.Store.OnSettingSaved): when a
// local standard is saved for an ICB, every notification of that ICB has
// its clocks rewritten; when the default is saved, every notification's
// (an ICB with its own value reads that again, unchanged).
func syncStandards(ctx context.Context, t *store.Tx, icbID int64, key string) error {
	if key != s23.SettingStandardDays && key != s23.SettingAckStandardDays {
		return nil
	}
	q := `SELECT id, icb_id, child_id, la_id, kind, parent_informed_on, la_notified_on, acknowledged_on
		FROM s23_notifications`
	var args []any
	if icbID != 0 {
		q += " WHERE icb_id = ?"
		args = append(args, icbID)
	}
	rows, err := t.Query(ctx, q+" ORDER BY id", args...)
	if err != nil {
		return err
	}
	ns, err := store.ScanAll(rows, "notifications", func(r interface{ Scan(...any) error }) (Notification, error) {
		var n Notification
		var kind string
		var dates [3]string
		if err := r.Scan(&n.ID, &n.ICBID, &n.ChildID, &n.LAID, &kind, &dates[0], &dates[1], &dates[2]); err != nil {
			return Notification{}, err
		}
		n.Kind = s23.Kind(kind)
		for i, p := range []*send.Date{&n.Steps.ParentInformedOn, &n.Steps.LANotifiedOn, &n.Steps.AcknowledgedOn} {
			if dates[i] == "" {
				continue
			}
			if *p, err = send.ParseDate(dates[i]); err != nil {
				return Notification{}, err
			}
		}
		return n, nil
	})
	if err != nil {
		return err
	}
	cache := map[int64]standards{}
	for _, n := range ns {
		if err := syncDeadlines(ctx, t, n, cache); err != nil {
			return err
		}
	}
	return nil
}
