package adviceweb

import (
	"context"
	"net/http"
	"strconv"

	"dco/internal/advice"
	"dco/internal/errs"
	"dco/internal/store"
	"dco/internal/web"
)

// --- the list ---

// adviceListPage is the list of requests with its filters.
type adviceListPage struct {
	web.Page
	Rows      []adviceRow
	Total     int
	Pager     web.Pager
	Filtered  bool
	LAs       []option
	Statuses  []option
	Queues    []option
	Services  []option
	Assignees []option
	Month     string
	// Unassigned and ToReturn are the "waiting on" boxes ticked.
	Unassigned bool
	ToReturn   bool
	ShowLA     bool
	CanCreate  bool
	CSV        string
	Heading    string
}

var adviceFilterFields = []string{"la", "status", "queue", "service", "assignee", "month"}

func (s *Web) adviceList(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	actor := s.Actor(r)
	clock, err := s.adviceClock(ctx)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	q, f, bad, err := s.readAdviceQuery(ctx, r.URL.Query())
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	p := &adviceListPage{Month: q.Month, Unassigned: q.Unassigned, ToReturn: q.ToReturn, ShowLA: actor.Role == store.RoleDCO,
		CanCreate: actor.Role == store.RoleLA || actor.Role == store.RoleDCO}
	p.Title, p.Heading = "Advice requests", "Advice requests"
	if actor.Role == store.RoleClinician {
		p.Heading = "Advice requests assigned to you"
	}
	p.Back, p.BackText = "/", "Home"
	if err := s.adviceFilterOptions(ctx, actor, q, p); err != nil {
		s.Fail(w, r, err)
		return
	}
	if len(bad) > 0 {
		p.SetErrors(bad, adviceFilterFields, nil)
		s.Render(w, r, http.StatusUnprocessableEntity, "advice_list.html", p)
		return
	}
	f.Limit = advicePageSize
	f.Offset, _ = strconv.Atoi(r.URL.Query().Get("offset"))
	f.Offset = max(f.Offset, 0)
	list, total, err := s.db.ListAdviceRequests(ctx, actor, clock, f)
	if err != nil {
		if fields := errs.FieldsOf(err); len(fields) > 0 {
			p.SetErrors(fields, adviceFilterFields, nil)
			s.Render(w, r, http.StatusUnprocessableEntity, "advice_list.html", p)
			return
		}
		s.Fail(w, r, err)
		return
	}
	for _, rq := range list {
		p.Rows = append(p.Rows, toAdviceRow(rq, clock))
	}
	p.Total = total
	p.Filtered = len(q.values()) > 0
	p.Pager = web.NewPager("/advice-requests", q.values(), f.Offset, advicePageSize, len(list), total)
	p.CSV = "/advice-requests.csv"
	if v := q.values(); len(v) > 0 {
		p.CSV += "?" + v.Encode()
	}
	s.Render(w, r, http.StatusOK, "advice_list.html", p)
}

// adviceFilterOptions fills the filter selects, marking what is chosen.
func (s *Web) adviceFilterOptions(ctx context.Context, actor store.Actor, q adviceQuery, p *adviceListPage) error {
	if p.ShowLA {
		las, err := s.LocalAuthorities(ctx, actor)
		if err != nil {
			return err
		}
		for _, o := range las {
			p.LAs = append(p.LAs, option{Value: o.Code, Label: o.Name, Selected: o.Code == q.LA})
		}
		// The DCO's ICB's clinicians: a DCO's requests are that ICB's.
		users, err := s.clinicians(ctx, actor.OrgID)
		if err != nil {
			return err
		}
		for _, u := range users {
			id := strconv.FormatInt(u.ID, 10)
			p.Assignees = append(p.Assignees, option{Value: id, Label: u.Name, Selected: id == q.Assignee})
		}
	}
	for _, st := range advice.Statuses() {
		p.Statuses = append(p.Statuses, option{Value: string(st), Label: st.Label(), Selected: string(st) == q.Status})
	}
	for _, qu := range advice.Queues() {
		p.Queues = append(p.Queues, option{Value: string(qu), Label: qu.Label(), Selected: string(qu) == q.Queue})
	}
	for _, sv := range advice.Services() {
		p.Services = append(p.Services, option{Value: sv.Code, Label: sv.Label, Selected: sv.Code == q.Service})
	}
	return nil
}
