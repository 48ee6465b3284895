package adviceweb

import (
	"context"
	"net/http"

	"dco/internal/advice"
	"dco/internal/advice/advicedb"
	"dco/internal/send"
	"dco/internal/store"
	"dco/internal/web"
)

func (s *Web) adviceContributionException(w http.ResponseWriter, r *http.Request) {
	var e advice.Exception
	var on web.DateParts
	s.answerPosted(w, r, "exception", func(ctx context.Context, actor store.Actor, c advicedb.Contribution, bad map[string]string) error {
		on = formDate(r, "exception_on")
		e = advice.Exception{Kind: send.Exception(r.PostFormValue("exception")), Reason: r.PostFormValue("exception_reason")}
		e.On = web.CheckDateParts(bad, "exception_on", "Date of the exception", on)
		if len(bad) > 0 {
			return nil
		}
		_, err := s.db.RecordContributionException(ctx, actor, c.ID, formVersion(r), e)
		return err
	}, func(p *adviceContributionPage) {
		p.Exceptions, p.ExcReason, p.ExcOn = exceptionOptions(e.Kind), e.Reason, on
	}, flashAdviceException)
}

// adviceRequestException records or clears the request's own exception
// (the DCO), from the request's page.
func (s *Web) adviceRequestException(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	actor := s.Actor(r)
	rq, clock, ok := s.loadAdvice(w, r)
	if !ok {
		return
	}
	bad := map[string]string{}
	var e advice.Exception
	code := flashAdviceCleared
	on := formDate(r, "exception_on")
	if r.PostFormValue("clear") != "1" {
		code = flashAdviceException
		e = advice.Exception{Kind: send.Exception(r.PostFormValue("exception")), Reason: r.PostFormValue("exception_reason")}
		e.On = web.CheckDateParts(bad, "exception_on", "Date of the exception", on)
	}
	reshow := func(status int, fields map[string]string) {
		p, err := s.adviceViewPageFor(ctx, actor, rq, clock)
		if err != nil {
			s.Fail(w, r, err)
			return
		}
		p.ExceptionKinds, p.ExcOn, p.ExcReason = exceptionOptions(e.Kind), on, e.Reason
		p.SetErrors(fields, []string{"exception", "exception_reason", "exception_on"}, map[string]string{"exception_on": "exception_on-day"})
		s.Render(w, r, status, "advice_view.html", p)
	}
	if len(bad) > 0 {
		reshow(http.StatusUnprocessableEntity, bad)
		return
	}
	if _, err := s.db.RecordAdviceException(ctx, actor, rq.ID, formVersion(r), e); err != nil {
		s.FailForm(w, r, web.StaleToMessage(err), reshow)
		return
	}
	s.backToAdvice(w, r, rq.ID, code)
}
