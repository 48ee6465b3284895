package web

import (
	"net/http"

	"dco/internal/advice"
	"dco/internal/send"
	"dco/internal/store"
)

// --- the response returned to the LA (the DCO) ---

// adviceReturnPage is "check your answers" before the combined response
// goes to the LA: everything it holds, the date it goes and the note with it.
type adviceReturnPage struct {
	page
	R        store.AdviceRequest
	Row      adviceRow
	Parts    []contributionView
	Returned dateParts
	Note     string
	Outcome  string
}

func (s *Server) adviceReturnPageFor(rq store.AdviceRequest, clock advice.Clock, actor store.Actor, returned dateParts, note string) *adviceReturnPage {
	var kinds []advice.Kind
	for _, c := range rq.Contributions {
		kinds = append(kinds, c.Kind)
	}
	p := &adviceReturnPage{R: rq, Row: toAdviceRow(rq, clock), Parts: s.contributionViews(actor, rq, clock),
		Returned: returned, Note: note, Outcome: advice.OutcomeOf(kinds).Label()}
	p.Title = "Check the response before it goes to " + rq.LAName
	p.Back, p.BackText = advicePath(rq.ID), "Back to the request"
	return p
}

func (s *Server) adviceReturnCheck(w http.ResponseWriter, r *http.Request) {
	actor := state(r).actor(r)
	rq, clock, ok := s.loadAdvice(w, r)
	if !ok {
		return
	}
	if rq.State != advice.StateOpen {
		http.Redirect(w, r, advicePath(rq.ID)+"/response", http.StatusSeeOther)
		return
	}
	s.render(w, r, http.StatusOK, "advice_return.html", s.adviceReturnPageFor(rq, clock, actor, datePartsOf(send.Today(s.now())), ""))
}

func (s *Server) adviceReturn(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	actor := state(r).actor(r)
	rq, clock, ok := s.loadAdvice(w, r)
	if !ok {
		return
	}
	returned, note := formDate(r, "returned_on"), r.PostFormValue("response_note")
	reshow := func(status int, fields map[string]string) {
		p := s.adviceReturnPageFor(rq, clock, actor, returned, note)
		p.setErrors(fields, []string{"", "returned_on", "response_note"}, map[string]string{"returned_on": "returned_on-day"})
		s.render(w, r, status, "advice_return.html", p)
	}
	bad := map[string]string{}
	on := checkDateParts(bad, "returned_on", "Date returned", returned)
	if len(bad) > 0 {
		reshow(http.StatusUnprocessableEntity, bad)
		return
	}
	if _, err := s.store.ReturnAdviceRequest(ctx, actor, rq.ID, formVersion(r), on, note); err != nil {
		s.failForm(w, r, staleToMessage(err), reshow)
		return
	}
	s.setFlash(w, r, flashAdviceReturned)
	http.Redirect(w, r, advicePath(rq.ID)+"/response", http.StatusSeeOther)
}
