package s23web

import (
	"net/http"

	"dco/internal/web"
)

func (s *Web) apiS23Get(w http.ResponseWriter, r *http.Request) {
	actor := s.Actor(r)
	id, err := web.PathID(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	n, err := s.db.Get(r.Context(), actor, id)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	s.writeS23(w, r, http.StatusOK, actor, n)
}
