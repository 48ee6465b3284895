package s23web

import (
	"context"
	"net/url"
	"slices"
	"strconv"

	"dco/internal/s23"
	"dco/internal/s23/s23db"
	"dco/internal/send"
	"dco/internal/store"
	"dco/internal/web"
)

// s23Home is the notifications part of a role's home page: the counts that
// need action, each linking to the filtered list.
type s23Home struct {
	Lines  []s23HomeLine
	New    bool // may make a notification
	Comply string
}

// s23HomeLine is one count on the home page.
type s23HomeLine struct {
	Text, Href string
	Count      int
	Colour     s23.Colour
}

// s23HomeSummary counts what needs doing for the role: for a provider and
// a DCO, notifications overdue and waiting to go to the LA; for an LA,
// those not yet acknowledged. Counting reads no child's details (the list
// is asked for no rows), and each count is audited as a listing.
func (s *Web) s23HomeSummary(ctx context.Context, actor store.Actor) (*s23Home, error) {
	if actor.Role != store.RoleDCO && actor.Role != store.RoleProvider && actor.Role != store.RoleLA {
		return nil, nil
	}
	cfg, err := s.s23ActorSettings(ctx, actor)
	if err != nil {
		return nil, err
	}
	today := s.s23Today()
	count := func(status string, extra func(*s23db.Filter)) (int, error) {
		f := s23db.Filter{Status: status, Today: today, StandardDays: cfg.StandardDays, Limit: 1, Offset: web.CountOnly}
		if extra != nil {
			extra(&f)
		}
		_, n, err := s.db.List(ctx, actor, f)
		return n, err
	}
	h := &s23Home{New: actor.Role != store.RoleLA}
	add := func(status, text string, colour s23.Colour, extra func(*s23db.Filter), query url.Values) error {
		n, err := count(status, extra)
		if err != nil {
			return err
		}
		if query == nil {
			query = url.Values{}
		}
		if status != "" {
			query.Set("status", status)
		}
		h.Lines = append(h.Lines, s23HomeLine{Text: text, Count: n, Colour: colour, Href: web.PageURL("/s23-notifications", query, 0)})
		return nil
	}
	first := send.NewDate(today.Year(), today.Month(), 1)
	thisMonth := func(f *s23db.Filter) { f.NotifiedFrom, f.NotifiedTo = first, today }
	var steps []func() error
	switch actor.Role {
	case store.RoleLA:
		steps = []func() error{
			func() error {
				return add(s23db.StatusUnacknowledged, "waiting for you to acknowledge", s23.Blue, nil, nil)
			},
			func() error {
				return add("", "received this month", s23.Grey, thisMonth, url.Values{"month": {s23MonthKey(today)}})
			},
		}
	default:
		steps = []func() error{
			func() error {
				return add(s23db.StatusOverdue, "overdue: the LA not told within "+strconv.Itoa(cfg.StandardDays)+" days of the parent", s23.Red, nil, nil)
			},
			func() error {
				return add(s23db.StatusAwaitingLA, "parent informed, LA not yet notified", s23.Blue, nil, nil)
			},
			func() error { return add(s23db.StatusNotInformed, "parent not yet informed", s23.Grey, nil, nil) },
			func() error {
				return add("", "sent to the LA this month", s23.Green, thisMonth, url.Values{"month": {s23MonthKey(today)}})
			},
		}
		h.Comply = "/s23-notifications/compliance"
	}
	if actor.Role == store.RoleDCO {
		steps = append(steps, func() error {
			return add(s23db.StatusDuplicate, "possible duplicates to check", s23.Orange, nil, nil)
		})
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return nil, err
		}
	}
	return h, nil
}

// s23Timeline adds a child's notifications, as the actor may see them, to
// the child's page.
func (s *Web) s23Timeline(ctx context.Context, actor store.Actor, childID int64) ([]web.TimelineEntry, error) {
	if actor.Role != store.RoleDCO && actor.Role != store.RoleProvider && actor.Role != store.RoleLA {
		return nil, nil
	}
	ns, _, err := s.db.List(ctx, actor, s23db.Filter{ChildID: childID, Limit: 100})
	if err != nil {
		return nil, err
	}
	if len(ns) == 0 {
		return nil, nil
	}
	cal, err := s.s23Cal(ctx)
	if err != nil {
		return nil, err
	}
	today := s.s23Today()
	cfgs := map[int64]s23db.Config{} // each notification's status is by its own ICB's standard
	var out []web.TimelineEntry
	for _, n := range ns {
		cfg, ok := cfgs[n.ICBID]
		if !ok {
			if cfg, err = s.db.Settings(ctx, n.ICBID); err != nil {
				return nil, err
			}
			cfgs[n.ICBID] = cfg
		}
		t := s23Tag(actor.Role, n, cfg, cal, today)
		date := n.Steps.OpinionOn
		if !n.Steps.LANotifiedOn.IsZero() {
			date = n.Steps.LANotifiedOn
		}
		out = append(out, web.TimelineEntry{
			Date: date, Title: n.Kind.Label() + " to " + n.LAName + " by " + n.ProviderName, Href: s23Path(n.ID),
			Colour: string(t.Colour), Status: t.Label, Detail: t.Detail,
		})
	}
	return out, nil
}

// s23Nav adds the notification pages to a role's navigation where docs/design.md §8
// puts them: the DCO's "Notifications" after Children; the LA's
// "Notifications received" after Advice requests; the provider's
// "Notifications (ours)" and "New notification" after Home.
func s23Nav(role store.Role, items []web.NavItem) []web.NavItem {
	after := func(href string, add ...web.NavItem) []web.NavItem {
		for i, it := range items {
			if it.Href == href {
				return slices.Insert(items, i+1, add...)
			}
		}
		return append(items, add...)
	}
	switch role {
	case store.RoleDCO:
		return after("/children", web.NavItem{Href: "/s23-notifications", Text: "Notifications"})
	case store.RoleLA:
		return after("/advice-requests", web.NavItem{Href: "/s23-notifications", Text: "Notifications received"})
	case store.RoleProvider:
		return after("/", web.NavItem{Href: "/s23-notifications", Text: "Notifications (ours)"},
			web.NavItem{Href: "/s23-notifications/new", Text: "New notification"})
	}
	return items
}

// s23ChildActions offers a notification from a child's page to those who
// make them.
func s23ChildActions(actor store.Actor, c store.Child) []web.NavItem {
	if actor.Role != store.RoleDCO && actor.Role != store.RoleProvider {
		return nil
	}
	return []web.NavItem{{Href: "/s23-notifications/new?child=" + strconv.FormatInt(c.ID, 10), Text: "Make a Section 23 notification"}}
}

// s23ActionLabels word the notification audit actions for "who has
// accessed this record".
var s23ActionLabels = map[string]string{
	s23db.ActionCreate:      "Made a Section 23 notification",
	s23db.ActionView:        "Viewed a notification",
	s23db.ActionLetterView:  "Viewed a notification letter",
	s23db.ActionList:        "Listed notifications",
	s23db.ActionUpdate:      "Changed a notification",
	s23db.ActionAcknowledge: "Acknowledged a notification",
	s23db.ActionLetterSent:  "Recorded a notification letter as sent",
	s23db.ActionImport:      "Imported a notification",
}
