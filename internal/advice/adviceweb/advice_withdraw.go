package adviceweb

import (
	"net/http"

	"dco/internal/advice/advicedb"
	"dco/internal/send"
	"dco/internal/web"
)

// --- withdrawn by the LA ---

// adviceWithdrawPage confirms a withdrawal.
type adviceWithdrawPage struct {
	web.Page
	R   advicedb.Request
	Row adviceRow
	On  web.DateParts
}

func (s *Web) adviceWithdrawConfirm(w http.ResponseWriter, r *http.Request) {
	rq, clock, ok := s.loadAdvice(w, r)
	if !ok {
		return
	}
	p := &adviceWithdrawPage{R: rq, Row: toAdviceRow(rq, clock), On: web.DatePartsOf(send.Today(s.Now()))}
	p.Title = "Withdraw this request"
	p.Back, p.BackText = advicePath(rq.ID), "Back to the request"
	s.Render(w, r, http.StatusOK, "advice_withdraw.html", p)
}

func (s *Web) adviceWithdraw(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	actor := s.Actor(r)
	rq, clock, ok := s.loadAdvice(w, r)
	if !ok {
		return
	}
	onParts := formDate(r, "withdrawn_on")
	reshow := func(status int, fields map[string]string) {
		p := &adviceWithdrawPage{R: rq, Row: toAdviceRow(rq, clock), On: onParts}
		p.Title = "Withdraw this request"
		p.Back, p.BackText = advicePath(rq.ID), "Back to the request"
		p.SetErrors(fields, []string{"", "withdrawn_on"}, map[string]string{"withdrawn_on": "withdrawn_on-day"})
		s.Render(w, r, status, "advice_withdraw.html", p)
	}
	bad := map[string]string{}
	on := web.CheckDateParts(bad, "withdrawn_on", "Date withdrawn", onParts)
	if len(bad) > 0 {
		reshow(http.StatusUnprocessableEntity, bad)
		return
	}
	if err := s.db.WithdrawAdviceRequest(ctx, actor, rq.ID, formVersion(r), on); err != nil {
		s.FailForm(w, r, web.StaleToMessage(err), reshow)
		return
	}
	s.backToAdvice(w, r, rq.ID, flashAdviceWithdrawn)
}
