package adviceweb

import (
	"net/http"

	"dco/internal/advice"
	"dco/internal/advice/advicedb"
	"dco/internal/send"
	"dco/internal/store"
	"dco/internal/web"
)

// --- the response returned to the LA (the DCO) ---

// adviceReturnPage is "check your answers" before the combined response
// goes to the LA: everything it holds, the date it goes and the note with it.
type adviceReturnPage struct {
	web.Page
	R        advicedb.Request
	Row      adviceRow
	Parts    []contributionView
	Returned web.DateParts
	Note     string
	Outcome  string
}

func (s *Web) adviceReturnPageFor(rq advicedb.Request, clock advice.Clock, actor store.Actor, returned web.DateParts, note string) *adviceReturnPage {
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

func (s *Web) adviceReturnCheck(w http.ResponseWriter, r *http.Request) {
	actor := s.Actor(r)
	rq, clock, ok := s.loadAdvice(w, r)
	if !ok {
		return
	}
	if rq.State != advice.StateOpen {
		http.Redirect(w, r, advicePath(rq.ID)+"/response", http.StatusSeeOther)
		return
	}
	s.Render(w, r, http.StatusOK, "advice_return.html", s.adviceReturnPageFor(rq, clock, actor, web.DatePartsOf(send.Today(s.Now())), ""))
}

func (s *Web) adviceReturn(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	actor := s.Actor(r)
	rq, clock, ok := s.loadAdvice(w, r)
	if !ok {
		return
	}
	returned, note := formDate(r, "returned_on"), r.PostFormValue("response_note")
	reshow := func(status int, fields map[string]string) {
		p := s.adviceReturnPageFor(rq, clock, actor, returned, note)
		p.SetErrors(fields, []string{"", "returned_on", "response_note"}, map[string]string{"returned_on": "returned_on-day"})
		s.Render(w, r, status, "advice_return.html", p)
	}
	bad := map[string]string{}
	on := web.CheckDateParts(bad, "returned_on", "Date returned", returned)
	if len(bad) > 0 {
		reshow(http.StatusUnprocessableEntity, bad)
		return
	}
	if _, err := s.db.ReturnAdviceRequest(ctx, actor, rq.ID, formVersion(r), on, note); err != nil {
		s.FailForm(w, r, web.StaleToMessage(err), reshow)
		return
	}
	s.SetFlash(w, r, flashAdviceReturned)
	http.Redirect(w, r, advicePath(rq.ID)+"/response", http.StatusSeeOther)
}
