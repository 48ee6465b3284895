package adviceweb

import (
	"net/http"

	"dco/internal/advice"
	"dco/internal/advice/advicedb"
	"dco/internal/errs"
	"dco/internal/store"
	"dco/internal/web"
)

// Changing the details of an advice request from its page: the LA's
// reference, the date health received it (the DCO team only: the six weeks
// are counted from it), the date the EHC needs assessment was requested,
// the services asked and the LA's note. Only an open request can be
// changed. The store decides again who may change what, scopes the request
// to the actor, works out the new due date and audits "advice.update".

// adviceEditPage is the form that changes a request's details.
type adviceEditPage struct {
	web.Page
	R        advicedb.Request
	Row      adviceRow
	In       adviceInput
	Version  int64
	Services []checkOption
	// CanChangeReceived is true for the DCO team; others see the date
	// received but cannot change it.
	CanChangeReceived bool
	// Closed says why a request that is no longer open cannot be changed;
	// the form is not drawn then.
	Closed string
	Action string
}

var adviceEditFields = []string{"", "la_reference", "received_on", "assessment_requested_on", "services_requested", "request_note"}

// mayEditAdvice reports whether a role may change a request's details; the
// route and the store make the same decision.
func mayEditAdvice(role store.Role) bool { return role == store.RoleDCO || role == store.RoleLA }

// inputFromAdvice fills the form from a stored request.
func inputFromAdvice(rq advicedb.Request) adviceInput {
	return adviceInput{LAReference: rq.LAReference, Received: web.DatePartsOf(rq.ReceivedOn),
		AssessmentRequested: web.DatePartsOf(rq.AssessmentRequestedOn), Services: advice.SplitServices(rq.ServicesRequested),
		Note: rq.RequestNote}
}

// closedText says why a request that is not open can no longer be changed.
func closedText(rq advicedb.Request, row adviceRow) string {
	switch rq.State {
	case advice.StateReturned:
		return "This request was returned to " + rq.LAName + " on " + row.Returned + ". Its details can no longer be changed."
	case advice.StateWithdrawn:
		return "This request was withdrawn on " + row.Withdrawn + ". Its details can no longer be changed."
	}
	return "This request is closed. Its details can no longer be changed."
}

func (s *Web) adviceEditPageFor(actor store.Actor, rq advicedb.Request, row adviceRow, in adviceInput, version int64) *adviceEditPage {
	p := &adviceEditPage{R: rq, Row: row, In: in, Version: version, Services: serviceChecks(in.Services),
		CanChangeReceived: actor.Role == store.RoleDCO, Action: advicePath(rq.ID) + "/edit"}
	p.Title = "Change the request's details"
	if rq.State != advice.StateOpen {
		p.Closed = closedText(rq, row)
		p.Title = "The request's details cannot be changed"
	}
	p.Back, p.BackText = advicePath(rq.ID), "Back to the request"
	return p
}

// adviceEditAnchors sends the error summary to the first box of each date
// and the first checkbox; without the DCO's date input, an error about the
// date received goes to where the date is shown.
func adviceEditAnchors(canChangeReceived bool) map[string]string {
	a := map[string]string{"received_on": "received_on-day", "assessment_requested_on": "assessment_requested_on-day",
		"services_requested": "services_requested-paediatrics"}
	if !canChangeReceived {
		a["received_on"] = "received_on"
	}
	return a
}

func (s *Web) adviceEdit(w http.ResponseWriter, r *http.Request) {
	actor := s.Actor(r)
	rq, clock, ok := s.loadAdvice(w, r)
	if !ok {
		return
	}
	p := s.adviceEditPageFor(actor, rq, toAdviceRow(rq, clock), inputFromAdvice(rq), rq.Version)
	s.Render(w, r, http.StatusOK, "advice_edit.html", p)
}

func (s *Web) adviceEditSave(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	actor := s.Actor(r)
	// The request first: one the actor may not see is "not found",
	// whatever the form says.
	rq, clock, ok := s.loadAdvice(w, r)
	if !ok {
		return
	}
	row := toAdviceRow(rq, clock)
	in, version := decodeAdviceForm(r), formVersion(r)
	canChangeReceived := actor.Role == store.RoleDCO
	if !canChangeReceived {
		// Only the DCO team moves the six weeks; anyone else keeps the
		// date as it is, whatever the form carried.
		in.Received = web.DatePartsOf(rq.ReceivedOn)
	}
	reshow := func(status int, fields map[string]string) {
		p := s.adviceEditPageFor(actor, rq, row, in, version)
		p.SetErrors(fields, adviceEditFields, adviceEditAnchors(canChangeReceived))
		s.Render(w, r, status, "advice_edit.html", p)
	}
	if rq.State != advice.StateOpen {
		// Returned or withdrawn since the form was drawn: say so, and save
		// nothing.
		s.Render(w, r, http.StatusConflict, "advice_edit.html", s.adviceEditPageFor(actor, rq, row, in, version))
		return
	}
	bad := map[string]string{}
	up := rq
	up.Version = version
	up.LAReference, up.RequestNote = in.LAReference, in.Note
	if canChangeReceived {
		up.ReceivedOn = web.CheckDateParts(bad, "received_on", "Date health received the request", in.Received)
	}
	up.AssessmentRequestedOn = optionalDate(bad, "assessment_requested_on", "Date the assessment was requested", in.AssessmentRequested)
	codes, unknown := advice.JoinServices(in.Services)
	if len(unknown) > 0 {
		bad["services_requested"] = "Choose services from the list"
	}
	up.ServicesRequested = codes
	if len(bad) > 0 {
		reshow(http.StatusUnprocessableEntity, bad)
		return
	}
	cal, err := s.adviceCalendar(ctx)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	if err := s.db.UpdateAdviceRequest(ctx, actor, cal, &up); err != nil {
		if errs.Is(err, errs.Conflict) && len(errs.FieldsOf(err)) == 0 {
			// Returned or withdrawn while this form was being saved: say
			// that rather than only "changed by someone else".
			if now, gerr := s.db.GetAdviceRequest(ctx, actor, rq.ID); gerr == nil && now.State != advice.StateOpen {
				nowRow := toAdviceRow(now, clock)
				s.Render(w, r, http.StatusConflict, "advice_edit.html", s.adviceEditPageFor(actor, now, nowRow, in, version))
				return
			}
		}
		s.FailForm(w, r, web.StaleToMessage(err), reshow)
		return
	}
	s.backToAdvice(w, r, rq.ID, flashAdviceUpdated)
}
