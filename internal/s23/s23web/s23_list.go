package s23web

import (
	"net/http"
	"strconv"

	"dco/internal/store"
	"dco/internal/web"
)

// s23ListPage is the list of notifications.
type s23ListPage struct {
	web.Page
	Role       store.Role
	Heading    string
	Rows       []s23Row
	Total      int
	Pager      web.Pager
	LAs        []s23Option
	Providers  []s23Option
	Kinds      []s23Option
	Statuses   []s23Option
	Months     []s23Option
	ShowLA     bool
	ShowProv   bool
	Filtered   bool
	CSV        string
	CanNew     bool
	CanComply  bool
	IsDCO      bool
	Standard   int
	AckDays    int
	TodayLabel string
	// OnLabel is the day an overdue list is judged on, when not today.
	OnLabel string
}

var s23ListFields = []string{"la", "provider", "kind", "status", "month"}

func (s *Web) s23List(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	l, err := s.s23ReadListing(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	actor, cfg, q, fl, bad := l.actor, l.cfg, l.q, l.fl, l.bad
	p := &s23ListPage{
		Role: actor.Role, ShowLA: actor.Role != store.RoleLA, ShowProv: actor.Role != store.RoleProvider,
		CanNew: actor.Role == store.RoleDCO || actor.Role == store.RoleProvider, IsDCO: actor.Role == store.RoleDCO,
		CanComply: actor.Role == store.RoleDCO || actor.Role == store.RoleProvider,
		Standard:  cfg.StandardDays, AckDays: cfg.AckStandardDays,
	}
	switch actor.Role {
	case store.RoleLA:
		p.Title, p.Heading = "Notifications received", "Notifications received"
	case store.RoleProvider:
		p.Title, p.Heading = "Notifications (ours)", "Your organisation's notifications"
	default:
		p.Title, p.Heading = "Notifications", "Section 23 notifications"
	}
	p.Back, p.BackText = "/", "Home"
	if p.ShowLA {
		las, err := s.LocalAuthorities(ctx, actor)
		if err != nil {
			s.Fail(w, r, err)
			return
		}
		p.LAs = s23OrgOptions(las, fl.LACode, "All local authorities")
	}
	if p.ShowProv {
		provs, err := s.s23Providers(ctx, actor)
		if err != nil {
			s.Fail(w, r, err)
			return
		}
		p.Providers = s23OrgOptions(provs, fl.ProvCode, "All providers")
	}
	p.Kinds = s23KindOptions(fl.Kind)
	p.Statuses = s23StatusOptions(actor.Role, fl.Status)
	p.Months = s23MonthOptions(s.s23Today(), fl.Month, "Any month")
	if len(bad) > 0 {
		p.SetErrors(bad, s23ListFields, nil)
		s.Render(w, r, http.StatusUnprocessableEntity, "s23_list.html", p)
		return
	}
	fl.f.Limit = s23PageSize
	fl.f.Offset, _ = strconv.Atoi(q.Get("offset"))
	fl.f.Offset = max(fl.f.Offset, 0)
	ns, total, err := s.db.List(ctx, actor, fl.f)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	tag, err := s.s23Tagger(ctx, actor.Role, cfg)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	for _, n := range ns {
		p.Rows = append(p.Rows, s23RowOf(n, tag(n)))
	}
	p.Total = total
	p.Filtered = len(fl.Keep) > 0
	if !fl.f.OverdueOn.IsZero() {
		p.OnLabel = fl.f.OverdueOn.Long()
	}
	p.Pager = web.NewPager("/s23-notifications", fl.Keep, fl.f.Offset, s23PageSize, len(ns), total)
	p.CSV = web.PageURL("/s23-notifications.csv", fl.Keep, 0)
	s.Render(w, r, http.StatusOK, "s23_list.html", p)
}
