package s23web

import (
	"context"
	"net/http"

	"dco/internal/s23"
	"dco/internal/s23/s23db"
	"dco/internal/store"
)

func (s *Web) s23EditPage(ctx context.Context, actor store.Actor, n s23db.Notification, in s23Input) (*s23FormPage, error) {
	c := n.Child
	p, err := s.s23FormPage(ctx, actor, in, &c)
	if err != nil {
		return nil, err
	}
	p.Editing, p.ID, p.ShowProvider = true, n.ID, false
	p.Sent = !n.Steps.LANotifiedOn.IsZero()
	p.Warning = ""
	if applies, from := s23.Applies(c.DateOfBirth, n.Steps.OpinionOn); !applies && n.Kind == s23.KindS23 {
		p.Warning = s23.NotApplicableText(from) + "."
	}
	p.Title, p.Action = "Change the notification", s23Path(n.ID)
	p.Back, p.BackText = s23Path(n.ID), "Back to the notification"
	return p, nil
}

func (s *Web) s23Edit(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	actor := s.Actor(r)
	_, n, err := s.s23Read(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	la, prov, err := s.s23Codes(ctx, n)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	p, err := s.s23EditPage(ctx, actor, n, s23InputFrom(n, la, prov))
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	s.Render(w, r, http.StatusOK, "s23_form.html", p)
}
