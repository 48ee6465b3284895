package s23web

import (
	"net/http"
	"strconv"

	"dco/internal/s23"
	"dco/internal/web"
)

// s23Acknowledge records the LA's acknowledgement on the date given.
func (s *Web) s23Acknowledge(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	actor := s.Actor(r)
	id, err := web.PathID(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	version, _ := strconv.ParseInt(r.PostFormValue("version"), 10, 64)
	bad := map[string]string{}
	parts := s23FormDate(r, s23.FieldAcknowledged).Parts
	on := web.CheckDateParts(bad, s23.FieldAcknowledged, "Date of acknowledgement", parts)
	reshow := func(status int, fields map[string]string) {
		n, err := s.db.Get(ctx, actor, id)
		if err != nil {
			s.Fail(w, r, err)
			return
		}
		p, err := s.s23ViewData(ctx, actor, n)
		if err != nil {
			s.Fail(w, r, err)
			return
		}
		p.Ack = parts
		p.SetErrors(fields, []string{s23.FieldAcknowledged}, map[string]string{s23.FieldAcknowledged: s23.FieldAcknowledged + "-day"})
		s.Render(w, r, status, "s23_view.html", p)
	}
	if len(bad) > 0 {
		reshow(http.StatusUnprocessableEntity, bad)
		return
	}
	if _, err := s.db.Acknowledge(ctx, actor, id, version, on); err != nil {
		s.FailForm(w, r, web.StaleToMessage(err), reshow)
		return
	}
	s.SetFlash(w, r, flashS23Acknowledged)
	http.Redirect(w, r, s23Path(id), http.StatusSeeOther)
}
