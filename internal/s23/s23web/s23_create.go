package s23web

import (
	"net/http"
)

// s23Create records a checked notification, or, asked to change the
// answers, shows the form again with them.
func (s *Web) s23Create(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	actor := s.Actor(r)
	in := decodeS23Form(r)
	if r.PostFormValue("change") != "" {
		s.s23Reshow(w, r, actor, in, http.StatusOK, nil)
		return
	}
	reshow := func(status int, fields map[string]string) { s.s23Reshow(w, r, actor, in, status, fields) }
	n, child, err := s.s23Validate(ctx, actor, in, false)
	if err != nil {
		s.FailForm(w, r, err, reshow)
		return
	}
	if err := s.db.Create(ctx, actor, &n, child); err != nil {
		s.FailForm(w, r, s23FormFieldsOf(err), reshow)
		return
	}
	if n.Steps.LANotifiedOn.IsZero() {
		s.SetFlash(w, r, flashS23Created)
	} else {
		s.SetFlash(w, r, flashS23Sent)
	}
	http.Redirect(w, r, s23Path(n.ID), http.StatusSeeOther)
}
