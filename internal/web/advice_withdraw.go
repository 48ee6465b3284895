package web

import (
	"net/http"

	"dco/internal/send"
	"dco/internal/store"
)

// --- withdrawn by the LA ---

// adviceWithdrawPage confirms a withdrawal.
type adviceWithdrawPage struct {
	page
	R   store.AdviceRequest
	Row adviceRow
	On  dateParts
}

func (s *Server) adviceWithdrawConfirm(w http.ResponseWriter, r *http.Request) {
	rq, clock, ok := s.loadAdvice(w, r)
	if !ok {
		return
	}
	p := &adviceWithdrawPage{R: rq, Row: toAdviceRow(rq, clock), On: datePartsOf(send.Today(s.now()))}
	p.Title = "Withdraw this request"
	p.Back, p.BackText = advicePath(rq.ID), "Back to the request"
	s.render(w, r, http.StatusOK, "advice_withdraw.html", p)
}

func (s *Server) adviceWithdraw(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	actor := state(r).actor(r)
	rq, clock, ok := s.loadAdvice(w, r)
	if !ok {
		return
	}
	onParts := formDate(r, "withdrawn_on")
	reshow := func(status int, fields map[string]string) {
		p := &adviceWithdrawPage{R: rq, Row: toAdviceRow(rq, clock), On: onParts}
		p.Title = "Withdraw this request"
		p.Back, p.BackText = advicePath(rq.ID), "Back to the request"
		p.setErrors(fields, []string{"", "withdrawn_on"}, map[string]string{"withdrawn_on": "withdrawn_on-day"})
		s.render(w, r, status, "advice_withdraw.html", p)
	}
	bad := map[string]string{}
	on := checkDateParts(bad, "withdrawn_on", "Date withdrawn", onParts)
	if len(bad) > 0 {
		reshow(http.StatusUnprocessableEntity, bad)
		return
	}
	if err := s.store.WithdrawAdviceRequest(ctx, actor, rq.ID, formVersion(r), on); err != nil {
		s.failForm(w, r, staleToMessage(err), reshow)
		return
	}
	s.backToAdvice(w, r, rq.ID, flashAdviceWithdrawn)
}
