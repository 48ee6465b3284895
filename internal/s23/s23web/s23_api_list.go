package s23web

import (
	"net/http"
	"strconv"

	"dco/internal/errs"
	"dco/internal/web"
)

func (s *Web) apiS23List(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	actor := s.Actor(r)
	cfg, err := s.s23ActorSettings(ctx, actor)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	q := r.URL.Query()
	bad := map[string]string{}
	fl, err := s.readS23Filters(ctx, actor, q, cfg, bad)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	fl.f.Limit = 50
	if v := q.Get("child_id"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 {
			bad["child_id"] = "child_id must be a whole number"
		}
		fl.f.ChildID = n
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 200 {
			bad["limit"] = "Limit must be a whole number from 1 to 200"
		}
		fl.f.Limit = n
	}
	if v := q.Get("offset"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			bad["offset"] = "Offset must be a whole number, 0 or more"
		}
		fl.f.Offset = n
	}
	if len(bad) > 0 {
		s.Fail(w, r, errs.InvalidFields(bad))
		return
	}
	ns, total, err := s.db.List(ctx, actor, fl.f)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	codes, err := s.s23OrgCodes(ctx)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	cal, err := s.s23Cal(ctx)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	today := s.s23Today()
	out := struct {
		Items []s23JSON `json:"items"`
		Total int       `json:"total"`
	}{Items: []s23JSON{}, Total: total}
	for _, n := range ns {
		out.Items = append(out.Items, s23ToJSON(n, codes, s23Tag(actor.Role, n, cfg, cal, today)))
	}
	web.WriteJSON(w, http.StatusOK, out)
}
