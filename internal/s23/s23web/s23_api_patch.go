package s23web

import (
	"net/http"
	"strings"

	"dco/internal/errs"
	"dco/internal/send"
	"dco/internal/store"
)

// apiS23Patch changes a notification. version is required and a stale one
// is 409. An LA (or a DCO recording it for one) acknowledges by sending
// acknowledged_on alone; a provider or DCO sends the fields it changes.
func (s *Web) apiS23Patch(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	actor := s.Actor(r)
	// Read it first: one out of scope is "not found" whatever was sent.
	id, cur, err := s.s23Read(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	req, err := decodeS23JSON(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	if req.Version == nil {
		s.Fail(w, r, errs.InvalidFields(map[string]string{"version": "Send the version of the notification you last read"}))
		return
	}
	if req.ChildID != nil || req.Child != nil || req.ProviderCode != nil {
		s.Fail(w, r, errs.InvalidFields(map[string]string{"child": "The child and the provider of a notification cannot be changed"}))
		return
	}
	if req.AcknowledgedOn != nil {
		others := req
		others.AcknowledgedOn, others.Version = nil, nil
		if others != (s23Request{}) {
			s.Fail(w, r, errs.InvalidFields(map[string]string{"acknowledged_on": "Acknowledge in a request of its own: send only version and acknowledged_on"}))
			return
		}
		on, err := send.ParseDate(strings.TrimSpace(*req.AcknowledgedOn))
		if err != nil {
			s.Fail(w, r, errs.InvalidFields(map[string]string{"acknowledged_on": "acknowledged_on must be a real date, written YYYY-MM-DD"}))
			return
		}
		n, err := s.db.Acknowledge(ctx, actor, id, *req.Version, on)
		if err != nil {
			s.Fail(w, r, err)
			return
		}
		s.writeS23(w, r, http.StatusOK, actor, n)
		return
	}
	if actor.Role == store.RoleLA {
		s.Fail(w, r, errs.E(errs.Forbidden, "A local authority can only acknowledge a notification: send version and acknowledged_on"))
		return
	}
	la, prov, err := s.s23Codes(ctx, cur)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	in := req.apply(s23InputFrom(cur, la, prov))
	n, _, err := s.s23Validate(ctx, actor, in, true)
	if err != nil {
		s.Fail(w, r, apiS23Fields(err))
		return
	}
	n.ID = id
	if err := s.db.Update(ctx, actor, &n); err != nil {
		s.Fail(w, r, apiS23Fields(err))
		return
	}
	got, err := s.db.Get(ctx, actor, id)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	s.writeS23(w, r, http.StatusOK, actor, got)
}
