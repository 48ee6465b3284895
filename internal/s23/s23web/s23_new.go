package s23web

import (
	"net/http"

	"dco/internal/web"
)

// s23New shows the form: for the child named by ?child= (one the user can
// see), or with questions about the child.
func (s *Web) s23New(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	actor := s.Actor(r)
	in := s23Input{Dates: map[string]s23DateIn{}, FromForm: true}
	child, err := s.QueryChild(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	if child != nil {
		in.ChildID = child.ID
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
