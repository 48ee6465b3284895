package adviceweb

import (
	"net/http"
	"strconv"
	"strings"

	"dco/internal/advice"
	"dco/internal/advice/advicedb"
	"dco/internal/errs"
	"dco/internal/web"
)

// formVersion reads the version a form was drawn from.
func formVersion(r *http.Request) int64 {
	v, _ := strconv.ParseInt(r.PostFormValue("version"), 10, 64)
	return v
}

// formDate reads an NHS.UK date input from a posted form.
func formDate(r *http.Request, name string) web.DateParts {
	return web.DateParts{Day: strings.TrimSpace(r.PostFormValue(name + "-day")), Month: strings.TrimSpace(r.PostFormValue(name + "-month")),
		Year: strings.TrimSpace(r.PostFormValue(name + "-year"))}
}

// back sends the browser to a request's page with a banner.
func (s *Web) backToAdvice(w http.ResponseWriter, r *http.Request, id int64, code string) {
	s.SetFlash(w, r, code)
	http.Redirect(w, r, advicePath(id), http.StatusSeeOther)
}

// loadContribution reads the part named in the path with its request,
// which the store scopes and audits as a read of the request.
func (s *Web) loadContribution(w http.ResponseWriter, r *http.Request) (advicedb.Request, advicedb.Contribution, advice.Clock, bool) {
	ctx := r.Context()
	id, err := web.PathID(r)
	if err != nil {
		s.Fail(w, r, err)
		return advicedb.Request{}, advicedb.Contribution{}, advice.Clock{}, false
	}
	clock, err := s.adviceClock(ctx)
	if err != nil {
		s.Fail(w, r, err)
		return advicedb.Request{}, advicedb.Contribution{}, advice.Clock{}, false
	}
	rq, err := s.db.GetAdviceRequestOf(ctx, s.Actor(r), id)
	if err != nil {
		s.Fail(w, r, err)
		return advicedb.Request{}, advicedb.Contribution{}, advice.Clock{}, false
	}
	for _, c := range rq.Contributions {
		if c.ID == id {
			return rq, c, clock, true
		}
	}
	s.Fail(w, r, errs.E(errs.NotFound, "Page not found"))
	return advicedb.Request{}, advicedb.Contribution{}, advice.Clock{}, false
}
