package web

import (
	"context"
	"slices"

	"dco/internal/send"
	"dco/internal/store"
)

// The ledger of deadlines on the pages (docs/design.md §4 and §8): every
// home page that sees case data starts with what is overdue and what is due
// in the next 5 working days, and a child's page lists the child's running
// clocks, from store.ListDeadlines whichever workflow wrote the rows. Each
// workflow words its clocks and links them to its records through
// Parts.Deadlines (kit.go), so a new workflow's deadlines appear here
// without a change to this file.

// homeDeadlineSize is how many rows each list of a home page shows before
// saying how many there are in all.
const homeDeadlineSize = 10

// deadlineRow is one clock as a list shows it: whose, what, when and its
// status tag (NHS.UK tags: red overdue, orange due soon, purple paused).
type deadlineRow struct {
	Child  string
	Href   string
	Label  string
	DueOn  send.Date
	Colour string
	Status string
	Detail string // "3 days overdue", "due in 2 days"
}

// deadlineList is one bounded list, as the "deadlineTable" partial draws
// it: the rows shown, how many match in all, and the workflows' lists to
// see the rest. Heading names it; ShowChild adds whose clock each is, as a
// home page needs and a child's page does not.
type deadlineList struct {
	Heading, Empty string
	ShowChild      bool
	Rows           []deadlineRow
	Total          int
	More           []navItem
}

// homeDeadlines is the section of deadlines at the top of a home page:
// overdue, then due soon.
type homeDeadlines struct {
	Lists []deadlineList
}

// Empty reports whether nothing is overdue or due soon.
func (h *homeDeadlines) Empty() bool {
	for _, l := range h.Lists {
		if l.Total > 0 {
			return false
		}
	}
	return true
}

// seesDeadlines reports whether role's home page lists deadlines: the
// roles that see case data.
func seesDeadlines(role store.Role) bool {
	switch role {
	case store.RoleDCO, store.RoleLA, store.RoleClinician, store.RoleProvider:
		return true
	}
	return false
}

// deadlineCalendar is the working-day calendar the lists count with.
func (s *Server) deadlineCalendar(ctx context.Context) (*send.Calendar, error) {
	return (&Kit{s: s}).Calendar(ctx)
}

// homeDeadlines reads the actor's overdue and due-soon clocks, earliest
// first, homeDeadlineSize of each. Paused clocks are in neither: an
// exception lifts the time limit.
func (s *Server) homeDeadlines(ctx context.Context, actor store.Actor) (*homeDeadlines, error) {
	cal, err := s.deadlineCalendar(ctx)
	if err != nil {
		return nil, err
	}
	today := send.Today(s.now())
	soon, _ := cal.DueSoonBy(today)
	var h homeDeadlines
	for _, l := range []struct {
		heading, empty string
		f              store.DeadlineFilter
	}{
		{"Overdue", "Nothing is overdue.", store.DeadlineFilter{DueBy: today.AddDays(-1)}},
		{"Due in the next 5 working days", "Nothing is due in the next 5 working days.", store.DeadlineFilter{DueFrom: today, DueBy: soon}},
	} {
		l.f.Running, l.f.Limit = true, homeDeadlineSize
		ds, total, err := s.store.ListDeadlines(ctx, actor, cal, today, l.f)
		if err != nil {
			return nil, err
		}
		dl := deadlineList{Heading: l.heading, Empty: l.empty, ShowChild: true, Rows: s.deadlineRows(ds), Total: total}
		if total > len(ds) {
			if dl.More, err = s.deadlineLists(ctx, actor, cal, today, l.f); err != nil {
				return nil, err
			}
		}
		h.Lists = append(h.Lists, dl)
	}
	return &h, nil
}

// childDeadlines reads a child's clocks that are still open, earliest
// first: at most a page of them, as a child has few.
func (s *Server) childDeadlines(ctx context.Context, actor store.Actor, childID int64) (deadlineList, error) {
	cal, err := s.deadlineCalendar(ctx)
	if err != nil {
		return deadlineList{}, err
	}
	ds, total, err := s.store.ListDeadlines(ctx, actor, cal, send.Today(s.now()), store.DeadlineFilter{ChildID: childID, Open: true})
	if err != nil {
		return deadlineList{}, err
	}
	return deadlineList{Heading: "Deadlines", Empty: "No deadline is running for this child.", Rows: s.deadlineRows(ds), Total: total}, nil
}

// deadlineKind is the workflow's wording of d's clock; a clock no workflow
// words is named by its rule and links to the child.
func (s *Server) deadlineKind(d store.Deadline) DeadlineKind {
	for _, p := range s.workflows {
		for _, k := range p.Deadlines {
			if k.Kind == d.Kind && k.Rule == d.Rule {
				return k
			}
		}
	}
	return DeadlineKind{Kind: d.Kind, Rule: d.Rule, Label: d.Rule}
}

// deadlineRows words the ledger's rows for a list.
func (s *Server) deadlineRows(ds []store.Deadline) []deadlineRow {
	out := make([]deadlineRow, 0, len(ds))
	for _, d := range ds {
		k := s.deadlineKind(d)
		row := deadlineRow{Child: d.GivenName + " " + d.FamilyName, Href: childPath(d.ChildID), Label: k.Label, DueOn: d.DueOn,
			Colour: "blue", Status: "Open", Detail: d.Status.Text}
		if k.Link != nil {
			row.Href = k.Link(d.RecordID)
		}
		switch {
		case d.Paused != "":
			row.Colour, row.Status, row.Detail = "purple", "Paused", "an exception is recorded"
		case d.Status.Overdue:
			row.Colour, row.Status = "red", "Overdue"
		case d.Status.DueSoon:
			row.Colour, row.Status = "orange", "Due soon"
		}
		out = append(out, row)
	}
	return out
}

// deadlineLists are the workflows' lists that hold the rest of a home
// page's list f: those of the kinds with a clock f chooses, that the
// actor's role may open.
func (s *Server) deadlineLists(ctx context.Context, actor store.Actor, cal *send.Calendar, today send.Date, f store.DeadlineFilter) ([]navItem, error) {
	var out []navItem
	for _, p := range s.workflows {
		for _, k := range p.Deadlines {
			l := k.List
			if l.Href == "" || !s.mayGet(actor.Role, l.Href) || slices.ContainsFunc(out, func(n navItem) bool { return n.Href == l.Href }) {
				continue
			}
			f.Kind, f.Rule = k.Kind, k.Rule
			n, err := s.store.DeadlineCounts(ctx, actor, cal, today, f)
			if err != nil {
				return nil, err
			}
			if n.Open > 0 {
				out = append(out, l)
			}
		}
	}
	return out, nil
}

// mayGet reports whether role may open the page at path, by the route
// table's policy for "GET path".
func (s *Server) mayGet(role store.Role, path string) bool {
	for _, rt := range s.routes {
		if rt.pattern == "GET "+path {
			return rt.policy.permits(role)
		}
	}
	return false
}
