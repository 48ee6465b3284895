package advicedb

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"dco/internal/advice"
	"dco/internal/errs"
	"dco/internal/send"
	"dco/internal/store"
)

// Reading one request, and the lists and work queues of requests.

// hideFromLA keeps an open request's contributions from the LA: what the
// LA receives is the combined response, once it is returned.
func hideFromLA(actor store.Actor, r *Request) {
	if actor.Role == store.RoleLA && !store.IsSystem(actor) && r.State != advice.StateReturned {
		r.Contributions = nil
		r.ContributionsHidden = true
	}
}

// GetAdviceRequest returns a request the actor may see with its
// contributions, their provision and documents (an LA sees contributions
// once the response is returned). Audited "advice.view" with the child.
func (s *DB) GetAdviceRequest(ctx context.Context, actor store.Actor, id int64) (Request, error) {
	const action = "advice.view"
	var r Request
	err := s.adviceWrite(ctx, actor, action, id, func(t *store.Tx) error {
		var err error
		if r, err = requestInScope(ctx, t, actor, id, false); err != nil {
			return err
		}
		rs := []Request{r}
		if err := loadContributions(ctx, t, rs, true); err != nil {
			return err
		}
		r = rs[0]
		hideFromLA(actor, &r)
		return t.AppendAudit(ctx, store.Entry(actor, action, "advice_request", id, r.ChildID, store.OutcomeOK, ""))
	})
	if err != nil {
		return Request{}, err
	}
	return r, nil
}

// GetAdviceRequestOf returns the request a contribution belongs to, as
// GetAdviceRequest does, for pages addressed by the contribution. A
// contribution of a request out of scope is not_found. Audited
// "advice.view" with the child.
func (s *DB) GetAdviceRequestOf(ctx context.Context, actor store.Actor, contributionID int64) (Request, error) {
	const action = "advice.view"
	var r Request
	err := s.adviceWrite(ctx, actor, action, 0, func(t *store.Tx) error {
		_, req, err := contributionInScope(ctx, t, actor, contributionID, false)
		if err != nil {
			return err
		}
		rs := []Request{req}
		if err := loadContributions(ctx, t, rs, true); err != nil {
			return err
		}
		r = rs[0]
		hideFromLA(actor, &r)
		return t.AppendAudit(ctx, store.Entry(actor, action, "advice_request", r.ID, r.ChildID, store.OutcomeOK, "contribution="+itoa(contributionID)))
	})
	if err != nil {
		return Request{}, err
	}
	return r, nil
}

// adviceWhere turns a filter into SQL conditions on r, judged on the
// clock's day. Each status and queue is the SQL form of advice.Clock's
// Status and In; a test holds them together.
func adviceWhere(f Filter, c advice.Clock) (string, []any, error) {
	var w store.Conds
	add := w.Add
	if f.LAID != 0 {
		add("r.la_id = ?", f.LAID)
	}
	if f.ChildID != 0 {
		add("r.child_id = ?", f.ChildID)
	}
	if f.Open {
		add("r.state = 'open'")
	}
	if f.Month != "" {
		if len(f.Month) != 7 {
			return "", nil, errs.InvalidFields(map[string]string{"month": "Enter the month as YYYY-MM"})
		}
		if _, err := send.ParseDate(f.Month + "-01"); err != nil {
			return "", nil, errs.InvalidFields(map[string]string{"month": "Enter the month as YYYY-MM"})
		}
		add("r.received_on >= ? AND r.received_on <= ?", f.Month+"-01", f.Month+"-31")
	}
	if f.AssigneeID != 0 {
		add("r.id IN (SELECT ka.request_id FROM advice_contributions ka WHERE ka.assignee_id = ? AND ka.kind = '')", f.AssigneeID)
	}
	if f.Service != "" {
		add("r.id IN (SELECT ks.request_id FROM advice_contributions ks WHERE ks.service = ? AND ks.kind = '')", f.Service)
	}
	if f.Unassigned {
		add("r.state = 'open' AND " + unassignedSQL)
	}
	if f.ToReturn {
		add("r.state = 'open' AND " + toReturnSQL)
	}
	if err := statusWhere(f.Status, c, add); err != nil {
		return "", nil, err
	}
	if err := queueWhere(f.Queue, c, add); err != nil {
		return "", nil, err
	}
	if len(w.Where) == 0 {
		return "1 = 1", nil, nil
	}
	return strings.Join(w.Where, " AND "), w.Args, nil
}

// openSQL begins the condition of a status or queue that only an open
// request can be in.
const openSQL = "r.state = 'open' AND "

// statusWhere adds to a request list's condition, through add, the
// requests of one status on the clock's day (advice.Status).
func statusWhere(status advice.Status, c advice.Clock, add func(cond string, a ...any)) error {
	const open = openSQL
	today, soon := c.Today.String(), c.Soon.String()
	switch status {
	case "":
	case advice.StatusNotStarted:
		add(open+"r.exception = '' AND r.due_on > ? AND r.triage = ''", soon)
	case advice.StatusInProgress:
		add(open+"r.exception = '' AND r.due_on > ? AND r.triage <> ''", soon)
	case advice.StatusDueSoon:
		add(open+"r.exception = '' AND r.due_on >= ? AND r.due_on <= ?", today, soon)
	case advice.StatusOverdue:
		add(open+"r.exception = '' AND r.due_on < ?", today)
	case advice.StatusPaused:
		add(open + "r.exception <> ''")
	case advice.StatusOnTime:
		add("r.state = 'returned' AND r.returned_on <= r.due_on")
	case advice.StatusLate:
		add("r.state = 'returned' AND r.returned_on > r.due_on")
	case advice.StatusWithdrawn:
		add("r.state = 'withdrawn'")
	default:
		return errs.InvalidFields(map[string]string{"status": "Choose a status from the list"})
	}
	return nil
}

// queueWhere adds to a request list's condition, through add, the
// requests in one work queue on the clock's day (advice.Queue).
func queueWhere(queue advice.Queue, c advice.Clock, add func(cond string, a ...any)) error {
	const open = openSQL
	today, week := c.Today.String(), c.WeekEnd.String()
	switch queue {
	case "":
	case advice.QueueOverdue:
		add(open+"r.exception = '' AND r.due_on < ?", today)
	case advice.QueueDueThisWeek:
		add(open+"r.exception = '' AND r.due_on >= ? AND r.due_on <= ?", today, week)
	case advice.QueueAtRisk:
		add(open+"r.due_on <= ?", week)
	case advice.QueueUnassigned:
		add(open + unassignedSQL)
	case advice.QueuePaused:
		add(open + "r.exception <> ''")
	default:
		return errs.InvalidFields(map[string]string{"queue": "Choose a work queue from the list"})
	}
	return nil
}

// unassignedSQL is advice.QueueUnassigned on r: not triaged, or no
// contribution yet, or an open contribution with no clinician.
const unassignedSQL = `(r.triage = ''
	OR NOT EXISTS (SELECT 1 FROM advice_contributions ku WHERE ku.request_id = r.id)
	OR EXISTS (SELECT 1 FROM advice_contributions ku WHERE ku.request_id = r.id AND ku.kind = '' AND ku.assignee_id IS NULL))`

// toReturnSQL is advice.QueueFacts.ToReturn on an open r: it has parts,
// and none is still open.
const toReturnSQL = `EXISTS (SELECT 1 FROM advice_contributions kr WHERE kr.request_id = r.id)
	AND NOT EXISTS (SELECT 1 FROM advice_contributions kr WHERE kr.request_id = r.id AND kr.kind = '')`

// ListAdviceRequests returns a page of the requests the actor may see that
// match the filter on the clock's day, by due date, with who is assigned
// to each, and how many match in all. Audited "advice.list" with the count
// and the children of the page, as a search of children is.
func (s *DB) ListAdviceRequests(ctx context.Context, actor store.Actor, clock advice.Clock, f Filter) ([]Request, int, error) {
	const action = "advice.list"
	var out []Request
	var total int
	err := s.adviceWrite(ctx, actor, action, 0, func(t *store.Tx) error {
		scope, sargs, err := adviceScope(actor)
		if err != nil {
			return err
		}
		where, args, err := adviceWhere(f, clock)
		if err != nil {
			return err
		}
		where = scope + " AND " + where
		args = append(sargs, args...)
		if err := t.QueryRow(ctx, "SELECT count(*) FROM advice_requests r WHERE "+where, args...).Scan(&total); err != nil {
			return store.MapErr(err, "count advice requests")
		}
		limit, offset := store.PageOf(f.Limit, f.Offset)
		if total > offset {
			rows, err := t.Query(ctx, "SELECT "+adviceColumns+adviceFrom+" WHERE "+where+
				" ORDER BY r.due_on, r.id LIMIT ? OFFSET ?", append(args, limit, offset)...)
			if err != nil {
				return err
			}
			if out, err = store.ScanAll(rows, "advice requests", scanAdvice); err != nil {
				return err
			}
			if err := loadContributions(ctx, t, out, false); err != nil {
				return err
			}
			for i := range out {
				hideFromLA(actor, &out[i])
			}
		}
		// The children shown, not the filter's: a filter naming a child
		// the actor cannot see shows nothing of it.
		return t.AppendAudit(ctx, store.Entry(actor, action, "advice_request", 0, 0, store.OutcomeOK, fmt.Sprintf("results=%d", total)).
			WithChildren(store.ChildIDs(out, func(r Request) int64 { return r.ChildID })))
	})
	if err != nil {
		return nil, 0, err
	}
	return out, total, nil
}

// AdviceQueueCounts counts the open requests the actor may see in each work
// queue on the clock's day, grouped by LA, or counts open contributions by
// service or by assignee. It reads counts only, no record, so it is not
// audited.
func (s *DB) AdviceQueueCounts(ctx context.Context, actor store.Actor, clock advice.Clock, by string) ([]Count, error) {
	scope, sargs, err := adviceScope(actor)
	if err != nil {
		if e, ok := store.Refused(err); ok {
			return nil, e
		}
		return nil, err
	}
	today, week := clock.Today.String(), clock.WeekEnd.String()
	sums := `SUM(CASE WHEN r.exception = '' AND r.due_on < ? THEN 1 ELSE 0 END),
		SUM(CASE WHEN r.exception = '' AND r.due_on >= ? AND r.due_on <= ? THEN 1 ELSE 0 END),
		SUM(CASE WHEN %s THEN 1 ELSE 0 END),
		SUM(CASE WHEN r.exception <> '' THEN 1 ELSE 0 END),
		SUM(CASE WHEN r.due_on <= ? THEN 1 ELSE 0 END),
		count(*)`
	var q string
	switch by {
	case ByLA:
		q = `SELECT r.la_id, la.code, la.name, ` + fmt.Sprintf(sums, unassignedSQL) + `
			FROM advice_requests r JOIN orgs la ON la.id = r.la_id
			WHERE r.state = 'open' AND ` + scope + ` GROUP BY r.la_id, la.code, la.name ORDER BY la.name`
	case ByService:
		// Requests waiting on each service: the list filtered by service
		// and queue shows exactly the requests counted.
		q = `SELECT 0, k.service, k.service, ` + fmt.Sprintf(sums, unassignedSQL) + `
			FROM (SELECT DISTINCT request_id, service FROM advice_contributions WHERE kind = '') k
			JOIN advice_requests r ON r.id = k.request_id
			WHERE r.state = 'open' AND ` + scope + ` GROUP BY k.service`
	case ByAssignee:
		// Requests waiting on each clinician, as the list filtered by
		// assignee and queue shows them; parts with no clinician are not
		// anyone's and are counted by the unassigned queue instead.
		q = `SELECT k.assignee_id, u.email, u.name, ` + fmt.Sprintf(sums, unassignedSQL) + `
			FROM (SELECT DISTINCT request_id, assignee_id FROM advice_contributions WHERE kind = '' AND assignee_id IS NOT NULL) k
			JOIN advice_requests r ON r.id = k.request_id JOIN users u ON u.id = k.assignee_id
			WHERE r.state = 'open' AND ` + scope + ` GROUP BY k.assignee_id, u.email, u.name ORDER BY u.name, k.assignee_id`
	default:
		return nil, errs.E(errs.Invalid, "unknown grouping %q", by)
	}
	args := append([]any{today, today, week, week}, sargs...)
	rows, err := s.st.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Count
	for rows.Next() {
		var c Count
		if err := rows.Scan(&c.ID, &c.Code, &c.Label, &c.Overdue, &c.DueThisWeek, &c.Unassigned, &c.Paused, &c.AtRisk, &c.Open); err != nil {
			return nil, store.MapErr(err, "scan advice counts")
		}
		if by == ByService {
			c.Label = advice.ServiceLabel(c.Code)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, store.MapErr(err, "read advice counts")
	}
	if by == ByService {
		// In the order forms offer the services.
		rank := map[string]int{}
		for i, sv := range advice.Services() {
			rank[sv.Code] = i
		}
		sort.SliceStable(out, func(i, j int) bool { return rank[out[i].Code] < rank[out[j].Code] })
	}
	return out, nil
}
