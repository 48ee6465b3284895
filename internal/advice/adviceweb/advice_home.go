package adviceweb

import (
	"context"
	"strconv"

	"dco/internal/advice"
	"dco/internal/advice/advicedb"
	"dco/internal/store"
)

// --- home page work queues ---

// adviceHome is the advice part of a home page's work list.
type adviceHome struct {
	Role       store.Role
	ByLA       []queueLine
	ByService  []queueLine
	Mine       []adviceRow // a clinician's open parts, by due date
	MineTotal  int
	MineLink   string
	AtRiskLink string
	AtRisk     int
	ListLink   string
	NewLink    string
}

// queueLine is one row of a queue table: each figure links to the list of
// the requests it counts.
type queueLine struct {
	Label       string
	Overdue     int
	OverdueLink string
	DueWeek     int
	DueWeekLink string
	Unassigned  int
	UnassLink   string
	Paused      int
	PausedLink  string
	AtRisk      int
	AtRiskLink  string
}

func queueLineOf(c advicedb.Count, base adviceQuery) queueLine {
	with := func(q advice.Queue) string {
		b := base
		b.Queue = string(q)
		return adviceListURL(b)
	}
	return queueLine{Label: c.Label, Overdue: c.Overdue, OverdueLink: with(advice.QueueOverdue),
		DueWeek: c.DueThisWeek, DueWeekLink: with(advice.QueueDueThisWeek),
		Unassigned: c.Unassigned, UnassLink: with(advice.QueueUnassigned),
		Paused: c.Paused, PausedLink: with(advice.QueuePaused),
		AtRisk: c.AtRisk, AtRiskLink: with(advice.QueueAtRisk)}
}

// homeListAdvice is how many of a clinician's requests their home lists.
const homeListAdvice = 10

// adviceHomeFor builds the advice work queues for a home page: per LA and
// per service for the DCO, for their own LA for an LA caseworker, and the
// caseload for a clinician. Other roles have none.
func (s *Web) adviceHomeFor(ctx context.Context, actor store.Actor) (*adviceHome, error) {
	switch actor.Role {
	case store.RoleDCO, store.RoleLA, store.RoleClinician:
	default:
		return nil, nil
	}
	clock, err := s.adviceClock(ctx)
	if err != nil {
		return nil, err
	}
	h := &adviceHome{Role: actor.Role, ListLink: "/advice-requests", AtRiskLink: "/advice-requests/at-risk"}
	if actor.Role != store.RoleClinician {
		h.NewLink = "/advice-requests/new"
	}
	byLA, err := s.db.AdviceQueueCounts(ctx, actor, clock, advicedb.ByLA)
	if err != nil {
		return nil, err
	}
	for _, c := range byLA {
		base := adviceQuery{LA: c.Code}
		if actor.Role != store.RoleDCO {
			base = adviceQuery{}
		}
		h.ByLA = append(h.ByLA, queueLineOf(c, base))
		h.AtRisk += c.AtRisk
	}
	if actor.Role == store.RoleDCO {
		bySvc, err := s.db.AdviceQueueCounts(ctx, actor, clock, advicedb.ByService)
		if err != nil {
			return nil, err
		}
		for _, c := range bySvc {
			h.ByService = append(h.ByService, queueLineOf(c, adviceQuery{Service: c.Code}))
		}
	}
	if actor.Role == store.RoleClinician {
		mine := adviceQuery{Assignee: strconv.FormatInt(actor.UserID, 10)}
		list, total, err := s.db.ListAdviceRequests(ctx, actor, clock, advicedb.Filter{AssigneeID: actor.UserID, Open: true, Limit: homeListAdvice})
		if err != nil {
			return nil, err
		}
		for _, rq := range list {
			h.Mine = append(h.Mine, toAdviceRow(rq, clock))
		}
		h.MineTotal, h.MineLink = total, adviceListURL(mine)
		h.ByLA = nil
		counts, err := s.db.AdviceQueueCounts(ctx, actor, clock, advicedb.ByAssignee)
		if err != nil {
			return nil, err
		}
		for _, c := range counts {
			if c.ID == actor.UserID {
				c.Label = "Waiting on you"
				line := queueLineOf(c, mine)
				line.UnassLink = "" // a clinician's own parts always have a clinician
				h.ByLA = append(h.ByLA, line)
			}
		}
	}
	return h, nil
}
