package s23web

import (
	"net/http"
	"strconv"

	"dco/internal/errs"
	"dco/internal/web"
)

func (s *Web) apiS23List(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	l, err := s.s23ReadListing(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	actor, cfg, q, fl, bad := l.actor, l.cfg, l.q, l.fl, l.bad
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
	tag, err := s.s23Tagger(ctx, actor.Role, cfg)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	out := struct {
		Items []s23JSON `json:"items"`
		Total int       `json:"total"`
	}{Items: []s23JSON{}, Total: total}
	for _, n := range ns {
		out.Items = append(out.Items, s23ToJSON(n, codes, tag(n)))
	}
	web.WriteJSON(w, http.StatusOK, out)
}
