package web

import (
	"net/http"
	"strconv"
	"strings"

	"dco/internal/advice"
	"dco/internal/errs"
	"dco/internal/store"
)

// formVersion reads the version a form was drawn from.
func formVersion(r *http.Request) int64 {
	v, _ := strconv.ParseInt(r.PostFormValue("version"), 10, 64)
	return v
}

// formDate reads an NHS.UK date input from a posted form.
func formDate(r *http.Request, name string) dateParts {
	return dateParts{Day: strings.TrimSpace(r.PostFormValue(name + "-day")), Month: strings.TrimSpace(r.PostFormValue(name + "-month")),
		Year: strings.TrimSpace(r.PostFormValue(name + "-year"))}
}

// back sends the browser to a request's page with a banner.
func (s *Server) backToAdvice(w http.ResponseWriter, r *http.Request, id int64, code string) {
	s.setFlash(w, r, code)
	http.Redirect(w, r, advicePath(id), http.StatusSeeOther)
}

// loadContribution reads the part named in the path with its request,
// which the store scopes and audits as a read of the request.
func (s *Server) loadContribution(w http.ResponseWriter, r *http.Request) (store.AdviceRequest, store.AdviceContribution, advice.Clock, bool) {
	ctx := r.Context()
	id, err := pathID(r)
	if err != nil {
		s.fail(w, r, err)
		return store.AdviceRequest{}, store.AdviceContribution{}, advice.Clock{}, false
	}
	clock, err := s.adviceClock(ctx)
	if err != nil {
		s.fail(w, r, err)
		return store.AdviceRequest{}, store.AdviceContribution{}, advice.Clock{}, false
	}
	rq, err := s.store.GetAdviceRequestOf(ctx, state(r).actor(r), id)
	if err != nil {
		s.fail(w, r, err)
		return store.AdviceRequest{}, store.AdviceContribution{}, advice.Clock{}, false
	}
	for _, c := range rq.Contributions {
		if c.ID == id {
			return rq, c, clock, true
		}
	}
	s.fail(w, r, errs.E(errs.NotFound, "Page not found"))
	return store.AdviceRequest{}, store.AdviceContribution{}, advice.Clock{}, false
}
