package s23web

import (
	"net/http"
)

func (s *Web) apiS23Get(w http.ResponseWriter, r *http.Request) {
	actor := s.Actor(r)
	_, n, err := s.s23Read(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	s.writeS23(w, r, http.StatusOK, actor, n)
}
