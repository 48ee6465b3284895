package adviceweb

import (
	"context"
	"strconv"

	"dco/internal/advice"
	"dco/internal/advice/advicedb"
	"dco/internal/store"
	"dco/internal/web"
)

// --- on the child's page ---

// adviceTimeline adds a child's advice requests, as the actor may see
// them, to the child's timeline: dated when received, with the status tag
// and "due in N days".
func (s *Web) adviceTimeline(ctx context.Context, actor store.Actor, childID int64) ([]web.TimelineEntry, error) {
	switch actor.Role {
	case store.RoleDCO, store.RoleLA, store.RoleClinician:
	default:
		return nil, nil
	}
	clock, err := s.adviceClock(ctx)
	if err != nil {
		return nil, err
	}
	list, _, err := s.db.ListAdviceRequests(ctx, actor, clock, advicedb.Filter{ChildID: childID, Limit: 100})
	if err != nil {
		return nil, err
	}
	var out []web.TimelineEntry
	for _, rq := range list {
		row := toAdviceRow(rq, clock)
		detail := "due " + row.Due
		if row.DueText != "" {
			detail += ", " + row.DueText
		}
		if rq.State != advice.StateOpen {
			detail = string(rq.State) + " " + rq.ClosedOn().Long()
			if row.OnTime != "" {
				detail += ": " + row.OnTime
			}
		}
		title := "Health advice requested by " + rq.LAName
		if rq.LAReference != "" {
			title += " (" + rq.LAReference + ")"
		}
		out = append(out, web.TimelineEntry{Date: rq.ReceivedOn, Title: title, Href: row.Href, Colour: row.Colour,
			Status: row.Status, Detail: detail})
	}
	return out, nil
}

// adviceChildActions offers an advice request from a child's page to those
// who record them.
func adviceChildActions(actor store.Actor, c store.Child) []web.NavItem {
	if actor.Role != store.RoleDCO && actor.Role != store.RoleLA {
		return nil
	}
	return []web.NavItem{{Href: "/advice-requests/new?child=" + strconv.FormatInt(c.ID, 10), Text: "Record a request for health advice"}}
}

// adviceActionLabels word the health-advice audit actions for "who has
// accessed this record": a list that showed the child's request is there
// too, since every read of a child's data is (docs/hazard-log.md, H6).
var adviceActionLabels = map[string]string{
	"advice.view":             "Viewed a health advice request",
	"advice.list":             "Listed health advice requests",
	"advice.create":           "Recorded a health advice request",
	"advice.import":           "Imported a health advice request",
	"advice.update":           "Changed a health advice request",
	"advice.triage":           "Triaged a health advice request",
	"advice.assign":           "Assigned part of a health advice request",
	"advice.unassign":         "Removed part of a health advice request",
	"advice.reuse_candidates": "Looked for advice to reuse",
	"advice.answer":           "Recorded health advice",
	"advice.exception":        "Recorded an exception to the six weeks",
	"advice.document.view":    "Opened an advice document",
	"advice.return":           "Returned the health advice to the LA",
	"advice.withdraw":         "Withdrew a health advice request",
}
