package advicedb

import (
	"context"
	"strings"

	"dco/internal/advice"
	"dco/internal/errs"
	"dco/internal/send"
	"dco/internal/store"
)

// Changing the LA's details of an open request.

// UpdateAdviceRequest saves the LA's details of an open request: its
// reference, the date the assessment was requested, the services asked
// and the note; a DCO may also correct the date received, which moves the
// due date by cal. r.Version must be the version read. Audited
// "advice.update" with the names of the fields changed.
func (s *DB) UpdateAdviceRequest(ctx context.Context, actor store.Actor, cal *send.Calendar, r *Request) error {
	const action = "advice.update"
	if !mayRequest(actor) {
		s.st.Refuse(ctx, actor, action, "advice_request", r.ID, 0)
		return errs.E(errs.Forbidden, "Your role cannot change advice requests")
	}
	now := s.st.Clock()
	today, at := send.Today(now), store.FmtTime(now)
	return s.adviceWrite(ctx, actor, action, r.ID, func(t *store.Tx) error {
		cur, err := requestInScope(ctx, t, actor, r.ID, true)
		if err != nil {
			return err
		}
		if cur.Version != r.Version {
			return store.ErrStale()
		}
		if cur.State != advice.StateOpen {
			return errs.E(errs.Conflict, "This request has been %s and can no longer be changed", cur.State)
		}
		if actor.Role != store.RoleDCO && !store.IsSystem(actor) && !r.ReceivedOn.Equal(cur.ReceivedOn) {
			return errs.InvalidFields(map[string]string{"received_on": "Only the DCO team can change the date health received the request"})
		}
		bad := checkRequest(r, today)
		if len(bad) > 0 {
			return errs.InvalidFields(bad)
		}
		due, err := advice.Due(cal, r.ReceivedOn)
		if err != nil {
			return err
		}
		var changed []string
		for _, f := range []struct {
			name string
			diff bool
		}{
			{"la_reference", cur.LAReference != r.LAReference}, {"received_on", !cur.ReceivedOn.Equal(r.ReceivedOn)},
			{"assessment_requested_on", !cur.AssessmentRequestedOn.Equal(r.AssessmentRequestedOn)},
			{"services_requested", cur.ServicesRequested != r.ServicesRequested}, {"request_note", cur.RequestNote != r.RequestNote},
		} {
			if f.diff {
				changed = append(changed, f.name)
			}
		}
		n, err := t.ExecN(ctx, `UPDATE advice_requests SET la_reference = ?, received_on = ?, assessment_requested_on = ?,
			services_requested = ?, request_note = ?, due_on = ?, version = version + 1, updated_at = ?
			WHERE id = ? AND version = ?`, r.LAReference, r.ReceivedOn.String(), r.AssessmentRequestedOn.String(),
			r.ServicesRequested, r.RequestNote, due.String(), at, r.ID, r.Version)
		if errs.Is(err, errs.Conflict) {
			return errDuplicateReference(err)
		}
		if err != nil {
			return err
		}
		if n != 1 {
			return store.ErrStale()
		}
		if err := syncAdviceDeadline(ctx, t, r.ID); err != nil {
			return err
		}
		keep := *r
		*r = cur
		r.LAReference, r.ReceivedOn, r.AssessmentRequestedOn = keep.LAReference, keep.ReceivedOn, keep.AssessmentRequestedOn
		r.ServicesRequested, r.RequestNote, r.DueOn = keep.ServicesRequested, keep.RequestNote, due
		r.Version, r.UpdatedAt = cur.Version+1, store.ParseTime(at)
		return t.AppendAudit(ctx, store.Entry(actor, action, "advice_request", r.ID, r.ChildID, store.OutcomeOK, "fields="+strings.Join(changed, ",")))
	})
}
