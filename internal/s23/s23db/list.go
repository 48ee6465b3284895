package s23db

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"dco/internal/errs"
	"dco/internal/send"
	"dco/internal/store"
)

// s23Where turns a filter into SQL conditions on notifications aliased n.
func s23Where(actor store.Actor, f Filter) (string, []any, error) {
	scope, args, err := s23Scope(actor, "n")
	if err != nil {
		return "", nil, err
	}
	w := store.Conds{Where: []string{scope}, Args: args}
	add := w.Add
	if f.LAID != 0 {
		add("n.la_id = ?", f.LAID)
	}
	if f.ProviderOrgID != 0 {
		add("n.provider_org_id = ?", f.ProviderOrgID)
	}
	if f.ChildID != 0 {
		add("n.child_id = ?", f.ChildID)
	}
	if f.Kind != "" {
		add("n.kind = ?", string(f.Kind))
	}
	if !f.NotifiedFrom.IsZero() {
		add("n.la_notified_on >= ?", f.NotifiedFrom.String())
	}
	if !f.NotifiedTo.IsZero() {
		add("n.la_notified_on <> '' AND n.la_notified_on <= ?", f.NotifiedTo.String())
	}
	switch f.Status {
	case "":
	case StatusNotInformed:
		add("n.parent_informed_on = ''")
	case StatusAwaitingLA:
		add("n.parent_informed_on <> '' AND n.la_notified_on = ''")
	case StatusOverdue:
		today := f.Today
		if today.IsZero() {
			return "", nil, errs.E(errs.Internal, "an overdue filter needs today's date")
		}
		// Overdue when today is after the local standard's due date
		// (s23.Steps.NotifyDue): the parent informed before the cut-off
		// send works out, so the deadline is counted in one place.
		if on := f.OverdueOn; !on.IsZero() {
			// As s23.ComplianceFor counts a month's backlog: parent
			// informed, the LA not told by the end of that day.
			add("n.kind = 's23' AND n.parent_informed_on <> '' AND (n.la_notified_on = '' OR n.la_notified_on > ?) AND n.parent_informed_on < ?",
				on.String(), send.LocalStandardOverdueBefore(on, f.StandardDays).String())
			break
		}
		add("n.kind = 's23' AND n.parent_informed_on <> '' AND n.la_notified_on = '' AND n.parent_informed_on < ?",
			send.LocalStandardOverdueBefore(today, f.StandardDays).String())
	case StatusUnacknowledged:
		add("n.la_notified_on <> '' AND n.acknowledged_on = ''")
	case StatusAcknowledged:
		add("n.acknowledged_on <> ''")
	case StatusDuplicate:
		dscope, dargs, _ := s23Scope(actor, "d")
		add("EXISTS (SELECT 1 FROM s23_notifications d WHERE d.child_id = n.child_id AND d.id <> n.id AND "+dscope+")", dargs...)
	default:
		return "", nil, errs.InvalidFields(map[string]string{"status": "Choose a status from the list"})
	}
	return strings.Join(w.Where, " AND "), w.Args, nil
}

// s23Segment is one run of a listing: the rows meeting cond, in order.
type s23Segment struct{ cond, order string }

// s23Segments are the listing order, as runs that follow one another. An
// LA reads its inbox: unacknowledged first, oldest first, then the rest
// newest first. Everyone else reads work by due date: those awaiting the
// LA by the day the parent was informed (so by due date under the local
// standard), then those whose parent is still to be told, then those sent,
// newest first. Each run's order is plain columns that the indexes of
// 0002_s23.sql serve, so a page reads a page's worth of index, not every
// notification in scope.
func s23Segments(actor store.Actor) []s23Segment {
	if actor.Role == store.RoleLA {
		return []s23Segment{
			{"n.acknowledged_on = ''", "n.la_notified_on, n.id"},
			{"n.acknowledged_on <> ''", "n.la_notified_on DESC, n.id DESC"},
		}
	}
	return []s23Segment{
		{"n.la_notified_on = '' AND n.parent_informed_on <> ''", "n.parent_informed_on, n.id"},
		{"n.la_notified_on = '' AND n.parent_informed_on = ''", "n.id DESC"},
		{"n.la_notified_on <> ''", "n.la_notified_on DESC, n.id DESC"},
	}
}

// List returns a page of the notifications the actor may see that match
// the filter, and how many match in all, each with Others set. Audited
// "s23.list" with the count and the children of the page, as a search of
// children is.
func (s *DB) List(ctx context.Context, actor store.Actor, f Filter) ([]Notification, int, error) {
	var out []Notification
	var total int
	err := s.s23Write(ctx, actor, ActionList, 0, func(t *store.Tx) error {
		where, args, err := s23Where(actor, f)
		if err != nil {
			return err
		}
		// The page's ids, run by run; then those rows with their child and
		// organisations. Sorting the narrow rows before joining, and each
		// run by an index, keeps a large LA's inbox quick.
		limit, offset := store.PageOf(f.Limit, f.Offset)
		var ids []int64
		for _, seg := range s23Segments(actor) {
			cond := where + " AND " + seg.cond
			var n int
			if err := t.QueryRow(ctx, "SELECT count(*) FROM s23_notifications n WHERE "+cond, args...).Scan(&n); err != nil {
				return store.MapErr(err, "count notifications")
			}
			total += n
			if offset >= n {
				offset -= n
				continue
			}
			if want := limit - len(ids); want > 0 {
				got, err := s23PageIDs(ctx, t, "SELECT n.id FROM s23_notifications n WHERE "+cond+" ORDER BY "+seg.order+" LIMIT ? OFFSET ?",
					append(slices.Clone(args), want, offset)...)
				if err != nil {
					return err
				}
				ids = append(ids, got...)
			}
			offset = 0
		}
		if len(ids) > 0 {
			dscope, dargs, _ := s23Scope(actor, "d")
			others := ", (SELECT count(*) FROM s23_notifications d WHERE d.child_id = n.child_id AND d.id <> n.id AND " + dscope + ")"
			in := strings.Repeat("?, ", len(ids)-1) + "?"
			idArgs := make([]any, len(ids))
			pos := make(map[int64]int, len(ids))
			for i, id := range ids {
				idArgs[i], pos[id] = id, i
			}
			rows, err := t.Query(ctx, "SELECT "+s23Columns+others+s23From+" WHERE n.id IN ("+in+")", append(dargs, idArgs...)...)
			if err != nil {
				return err
			}
			defer rows.Close()
			out = make([]Notification, len(ids))
			for rows.Next() {
				n, err := scanS23(rows, true)
				if err != nil {
					return store.MapErr(err, "scan notification")
				}
				out[pos[n.ID]] = n
			}
			if err := rows.Err(); err != nil {
				return store.MapErr(err, "list notifications")
			}
		}
		// The children shown, not the filter's: a filter naming a child
		// the actor cannot see shows nothing of it.
		return t.AppendAudit(ctx, store.Entry(actor, ActionList, s23ObjectType, 0, 0, store.OutcomeOK, fmt.Sprintf("results=%d", total)).
			WithChildren(store.ChildIDs(out, func(n Notification) int64 { return n.ChildID })))
	})
	if err != nil {
		return nil, 0, err
	}
	return out, total, nil
}

// s23PageIDs runs a query of ids.
func s23PageIDs(ctx context.Context, t *store.Tx, q string, args ...any) ([]int64, error) {
	rows, err := t.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	return store.ScanAll(rows, "ids", func(rows interface{ Scan(...any) error }) (int64, error) {
		var id int64
		err := rows.Scan(&id)
		return id, err
	})
}
