package s23web

import (
	"fmt"
	"net/http"

	"dco/internal/errs"
)

func (s *Web) apiS23Create(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	actor := s.Actor(r)
	req, err := decodeS23JSON(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	if req.AcknowledgedOn != nil || req.Version != nil {
		s.Fail(w, r, errs.InvalidFields(map[string]string{"acknowledged_on": "A new notification has no acknowledgement or version: leave them out"}))
		return
	}
	if req.ChildID == nil && req.Child == nil {
		s.Fail(w, r, errs.InvalidFields(map[string]string{"child": "Send child_id, or the child's details in child"}))
		return
	}
	n, child, err := s.s23Validate(ctx, actor, req.apply(s23Input{}), false)
	if err != nil {
		s.Fail(w, r, apiS23Fields(err))
		return
	}
	if err := s.db.Create(ctx, actor, &n, child); err != nil {
		s.Fail(w, r, apiS23Fields(err))
		return
	}
	w.Header().Set("Location", fmt.Sprintf("/api/v1/s23-notifications/%d", n.ID))
	s.writeS23(w, r, http.StatusCreated, actor, n)
}
