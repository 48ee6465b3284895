package s23web

import (
	"net/http"
	"strconv"

	"dco/internal/errs"
	"dco/internal/store"
	"dco/internal/web"
)

// s23New shows the form: for the child named by ?child= (one the user can
// see), or with questions about the child.
func (s *Web) s23New(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	actor := s.Actor(r)
	in := s23Input{Dates: map[string]s23DateIn{}, FromForm: true}
	var child *store.Child
	if v := r.URL.Query().Get("child"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			s.Fail(w, r, errs.E(errs.NotFound, "Page not found"))
			return
		}
		c, err := s.Store().GetChild(ctx, actor, id)
		if err != nil {
			s.Fail(w, r, err)
			return
		}
		child, in.ChildID = &c, c.ID
	}
	p, err := s.s23FormPage(ctx, actor, in, child)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	s.newS23Page(p)
	s.Render(w, r, http.StatusOK, "s23_form.html", p)
}

func (s *Web) newS23Page(p *s23FormPage) {
	p.Title, p.Action = "New Section 23 notification", "/s23-notifications/check"
	p.Back, p.BackText = "/s23-notifications", "Notifications"
	if p.Child != nil {
		p.Back, p.BackText = web.ChildPath(p.Child.ID), "Back to the child's record"
	}
}
