package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"dco/internal/errs"
	"dco/internal/send"
)

// The ledger of deadlines (docs/design.md §4, "The ledger of deadlines"):
// one row in deadlines for every clock a workflow runs on one of its
// records. The workflow writes the row with SetDeadline in the same
// transaction as every change to the record that starts, moves, pauses,
// meets or closes the clock, so the ledger always says what the records
// say. Pages that show deadlines from every workflow (home work lists, the
// child's timeline, "at risk this week", on-time figures) and reminders
// read it with ListDeadlines and DeadlineCounts, without knowing which
// workflow wrote a row. Due dates come from internal/send; the ledger only
// stores them and compares them with days internal/send gives.

// Deadline is one clock on one record.
type Deadline struct {
	ID int64
	// Kind is the workflow that runs the clock, by its folder name under
	// internal/.
	Kind string
	// RecordType and RecordID name the record the clock belongs to, as the
	// workflow names its table and row. With Kind and Rule they identify the row.
	RecordType string
	RecordID   int64
	ChildID    int64
	LAID       int64 // the LA the work is for, which scopes an LA user's view
	ICBID      int64 // the ICB whose work it is, which scopes a DCO's view
	// Rule is the internal/send rule or the name of the local standard that
	// sets DueOn.
	Rule     string
	StartsOn send.Date
	DueOn    send.Date
	// Paused is the recorded exception that lifts the time limit (such as
	// a SEND Regulations 2014 reg 8(2) kind), "" when none. A paused clock is neither
	// overdue nor counted in the on-time figures.
	Paused string
	// MetOn is the day the step the clock waits for was taken; zero while
	// it has not been.
	MetOn send.Date
	// OnTime says whether MetOn was within the rule, as the workflow's
	// rule decides (send.OnTime, send.LocalStandardMet). It means nothing
	// while MetOn is zero, and is stored as NULL then.
	OnTime bool
	// Closed is a clock stopped without being met: the request withdrawn.
	Closed    bool
	UpdatedAt time.Time

	// Read only, filled by ListDeadlines: the child's name, for a list that
	// shows whose deadline it is, and the status on the day asked.
	GivenName, FamilyName string
	Status                DeadlineStatus
}

// Open reports whether the clock is still running: neither met nor closed.
func (d Deadline) Open() bool { return d.MetOn.IsZero() && !d.Closed }

// DeadlineStatus is an open deadline's standing on a day, as internal/send
// counts it: days left or, when overdue, days past (send.DueStatus), and
// whether it falls within the "due soon" horizon (send.Calendar.DueSoonBy).
// A paused, met or closed deadline has the zero status.
type DeadlineStatus struct {
	Days    int
	Overdue bool
	DueSoon bool   // not overdue, and due on or before the fifth working day from today
	Text    string // "due in 3 days", "5 days overdue" (send.DueText)
}

// deadlineStatus is d's standing on today, with soon the last day of the
// "due soon" horizon.
func deadlineStatus(d Deadline, today, soon send.Date) DeadlineStatus {
	if !d.Open() || d.Paused != "" {
		return DeadlineStatus{}
	}
	days, overdue := send.DueStatus(today, d.DueOn)
	return DeadlineStatus{Days: days, Overdue: overdue, DueSoon: !overdue && !d.DueOn.After(soon), Text: send.DueText(today, d.DueOn)}
}

// checkDeadline refuses a row the ledger cannot hold: it is the writer's
// mistake, never the user's, so it is an internal error.
func checkDeadline(d Deadline) error {
	var bad []string
	if d.Kind == "" || d.RecordType == "" || d.Rule == "" {
		bad = append(bad, "kind, record type and rule are required")
	}
	if d.RecordID <= 0 || d.ChildID <= 0 || d.LAID <= 0 || d.ICBID <= 0 {
		bad = append(bad, "record, child, LA and ICB are required")
	}
	if d.StartsOn.IsZero() || d.DueOn.IsZero() {
		bad = append(bad, "start and due dates are required")
	}
	if len(bad) > 0 {
		return errs.E(errs.Internal, "deadline %s %s/%d: %s", d.Rule, d.RecordType, d.RecordID, strings.Join(bad, "; "))
	}
	return nil
}

// SetDeadline records the clock d in the ledger, or brings its row up to
// date: one row per kind, record and rule. Call it in the transaction of
// every change to the record that touches the clock, with the whole of the
// clock as the record now says (start, due, exception, met, closed). It is
// exported for the workflows' own store packages; it writes no audit row,
// as the change that calls it writes its own.
func (t *tx) SetDeadline(ctx context.Context, d Deadline) error {
	if err := checkDeadline(d); err != nil {
		return err
	}
	var onTime any // NULL while not met
	if !d.MetOn.IsZero() {
		onTime = d.OnTime
	}
	return t.execPrepared(ctx, `INSERT INTO deadlines (kind, record_type, record_id, child_id, la_id, icb_id, rule,
		starts_on, due_on, paused, met_on, on_time, closed, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (kind, record_type, record_id, rule) DO UPDATE SET child_id = excluded.child_id,
		la_id = excluded.la_id, icb_id = excluded.icb_id, starts_on = excluded.starts_on, due_on = excluded.due_on,
		paused = excluded.paused, met_on = excluded.met_on, on_time = excluded.on_time, closed = excluded.closed,
		updated_at = excluded.updated_at`,
		d.Kind, d.RecordType, d.RecordID, d.ChildID, d.LAID, d.ICBID, d.Rule, d.StartsOn.String(), d.DueOn.String(),
		d.Paused, d.MetOn.String(), onTime, d.Closed, fmtTime(t.s.now()))
}

// CloseDeadlines closes every open clock of a record, when the record
// ends without its steps being taken and the writer has no more to say of
// each clock. A clock already met stays as it was.
func (t *tx) CloseDeadlines(ctx context.Context, kind, recordType string, recordID int64) error {
	_, err := t.exec(ctx, `UPDATE deadlines SET closed = ?, updated_at = ?
		WHERE kind = ? AND record_type = ? AND record_id = ? AND met_on = '' AND closed = ?`,
		true, fmtTime(t.s.now()), kind, recordType, recordID, false)
	return err
}

// DeadlineFilter chooses deadlines. The zero filter is every deadline the
// actor may see.
type DeadlineFilter struct {
	Open    bool      // only clocks neither met nor closed
	Running bool      // only open clocks not paused by an exception: those that can be overdue or due soon
	DueFrom send.Date // only those due on or after this day
	DueBy   send.Date // only those due on or before this day
	ChildID int64
	LAID    int64
	Kind    string
	Rule    string
	// MetFrom and MetTo, when set, choose clocks met within the days
	// given, both included: the on-time figures of a period.
	MetFrom, MetTo send.Date
	Limit, Offset  int
}

// deadlineScope returns the SQL condition, on deadlines aliased d joined to
// children aliased c, that limits rows to what a may see: for dco itself
// and a DCO, the ICB's (icbWide); for an LA user, the deadlines of work for
// their LA, as they see their LA's requests; for everyone else who
// sees children, the deadlines of the children they may see (scopeOf).
func deadlineScope(a Actor) (string, []any, error) {
	if cond, args, ok := icbWide(a, "d"); ok {
		return cond, args, nil
	}
	if a.Role == RoleLA {
		return "d.la_id = ?", []any{a.LAID}, nil
	}
	return scopeOf(a)
}

// deadlineWhere is f as SQL on d.
func deadlineWhere(f DeadlineFilter) (string, []any) {
	var w Conds
	add := w.Add
	if f.Open {
		add("d.closed = ? AND d.met_on = ''", false)
	}
	if f.Running {
		add("d.closed = ? AND d.met_on = '' AND d.paused = ''", false)
	}
	if !f.DueFrom.IsZero() {
		add("d.due_on >= ?", f.DueFrom.String())
	}
	if !f.DueBy.IsZero() {
		add("d.due_on <= ?", f.DueBy.String())
	}
	if f.ChildID != 0 {
		add("d.child_id = ?", f.ChildID)
	}
	if f.LAID != 0 {
		add("d.la_id = ?", f.LAID)
	}
	if f.Kind != "" {
		add("d.kind = ?", f.Kind)
	}
	if f.Rule != "" {
		add("d.rule = ?", f.Rule)
	}
	if !f.MetFrom.IsZero() {
		add("d.met_on >= ?", f.MetFrom.String())
	}
	if !f.MetTo.IsZero() {
		add("d.met_on <> '' AND d.met_on <= ?", f.MetTo.String())
	}
	if len(w.Where) == 0 {
		return "1 = 1", nil
	}
	return strings.Join(w.Where, " AND "), w.Args
}

const deadlineColumns = `d.id, d.kind, d.record_type, d.record_id, d.child_id, d.la_id, d.icb_id, d.rule, d.starts_on,
	d.due_on, d.paused, d.met_on, d.on_time, d.closed, d.updated_at, c.given_name, c.family_name`

const deadlineFrom = ` FROM deadlines d JOIN children c ON c.id = d.child_id`

func scanDeadline(row interface{ Scan(...any) error }) (Deadline, error) {
	var d Deadline
	var starts, due, met, updated string
	var onTime sql.NullBool
	if err := row.Scan(&d.ID, &d.Kind, &d.RecordType, &d.RecordID, &d.ChildID, &d.LAID, &d.ICBID, &d.Rule, &starts,
		&due, &d.Paused, &met, &onTime, &d.Closed, &updated, &d.GivenName, &d.FamilyName); err != nil {
		return Deadline{}, err
	}
	for _, p := range []struct {
		to *send.Date
		s  string
	}{{&d.StartsOn, starts}, {&d.DueOn, due}, {&d.MetOn, met}} {
		v, err := optDate(p.s)
		if err != nil {
			return Deadline{}, err
		}
		*p.to = v
	}
	d.OnTime, d.UpdatedAt = onTime.Valid && onTime.Bool, parseTime(updated)
	return d, nil
}

// ListDeadlines returns a page of the deadlines the actor may see that
// match f, by due date, each with its status on today (soon and overdue as
// cal and internal/send count them), and how many match in all. Audited
// "deadline.list" with the count and the children of the page, as every
// list that shows children is.
func (s *Store) ListDeadlines(ctx context.Context, actor Actor, cal *send.Calendar, today send.Date, f DeadlineFilter) ([]Deadline, int, error) {
	const action = "deadline.list"
	soon, _ := cal.DueSoonBy(today)
	var out []Deadline
	var total int
	err := s.childWrite(ctx, actor, action, 0, func(t *tx) error {
		scope, sargs, err := deadlineScope(actor)
		if err != nil {
			return err
		}
		where, args := deadlineWhere(f)
		where = scope + " AND " + where
		args = append(sargs, args...)
		if err := t.queryRow(ctx, "SELECT count(*)"+deadlineFrom+" WHERE "+where, args...).Scan(&total); err != nil {
			return mapErr(err, "count deadlines")
		}
		limit, offset := pageOf(f.Limit, f.Offset)
		if total > offset {
			rows, err := t.query(ctx, "SELECT "+deadlineColumns+deadlineFrom+" WHERE "+where+
				" ORDER BY d.due_on, d.id LIMIT ? OFFSET ?", append(args, limit, offset)...)
			if err != nil {
				return err
			}
			if out, err = scanAll(rows, "deadlines", scanDeadline); err != nil {
				return err
			}
			for i := range out {
				out[i].Status = deadlineStatus(out[i], today, soon)
			}
		}
		// The children shown, not the filter's: a filter naming a child
		// the actor cannot see shows nothing of it.
		return t.appendAudit(ctx, entry(actor, action, "deadline", 0, 0, OutcomeOK, fmt.Sprintf("results=%d", total)).
			withChildren(childIDs(out, func(d Deadline) int64 { return d.ChildID })))
	})
	if err != nil {
		return nil, 0, err
	}
	return out, total, nil
}

// DeadlineTally counts the deadlines a filter chooses, as home pages and
// the on-time figures show them. Open clocks are counted by their status
// on the day asked; met clocks by whether they were on time, those paused
// by an exception counted apart (send.OnTime: a recorded exception takes
// work out of the measure without hiding it).
type DeadlineTally struct {
	Open        int // neither met nor closed
	Paused      int // open, with an exception recorded
	Overdue     int // open, not paused, due before today
	DueSoon     int // open, not paused, due from today to the fifth working day after it
	DueThisWeek int // open, not paused, due from today to seven days after it (send.WeekAheadBy)
	// AtRisk is the open work due by seven days from today, overdue
	// included, and paused work too: an exception lifts the time limit
	// but the work is still to do, so "at risk this week" keeps showing it
	// (as a workflow's at-risk list does).
	AtRisk    int
	MetOnTime int // met on or before the due date, no exception
	MetLate   int // met after the due date, no exception
	MetPaused int // met, with an exception recorded: not in the measure
	Closed    int
}

// DeadlineCounts counts the deadlines the actor may see that match f (its
// Limit and Offset aside) on today, with the horizons from cal and
// internal/send. It reads counts only, no record, so it is not audited.
func (s *Store) DeadlineCounts(ctx context.Context, actor Actor, cal *send.Calendar, today send.Date, f DeadlineFilter) (DeadlineTally, error) {
	scope, sargs, err := deadlineScope(actor)
	if err != nil {
		var r *refusal
		if errors.As(err, &r) {
			return DeadlineTally{}, r.err
		}
		return DeadlineTally{}, err
	}
	where, args := deadlineWhere(f)
	soon, _ := cal.DueSoonBy(today)
	week := send.WeekAheadBy(today)
	const open = "d.closed = ? AND d.met_on = ''"
	const running = open + " AND d.paused = ''"
	q := `SELECT
		COALESCE(SUM(CASE WHEN ` + open + ` THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN ` + open + ` AND d.paused <> '' THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN ` + running + ` AND d.due_on < ? THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN ` + running + ` AND d.due_on >= ? AND d.due_on <= ? THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN ` + running + ` AND d.due_on >= ? AND d.due_on <= ? THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN ` + open + ` AND d.due_on <= ? THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN d.met_on <> '' AND d.paused = '' AND d.on_time = ? THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN d.met_on <> '' AND d.paused = '' AND d.on_time = ? THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN d.met_on <> '' AND d.paused <> '' THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN d.closed = ? THEN 1 ELSE 0 END), 0)` +
		deadlineFrom + " WHERE " + scope + " AND " + where
	qargs := []any{false, false, false, today.String(), false, today.String(), soon.String(),
		false, today.String(), week.String(), false, week.String(), true, false, true}
	qargs = append(append(qargs, sargs...), args...)
	var n DeadlineTally
	if err := s.queryRow(ctx, q, qargs...).Scan(&n.Open, &n.Paused, &n.Overdue, &n.DueSoon, &n.DueThisWeek, &n.AtRisk,
		&n.MetOnTime, &n.MetLate, &n.MetPaused, &n.Closed); err != nil {
		return DeadlineTally{}, mapErr(err, "count deadlines")
	}
	return n, nil
}
