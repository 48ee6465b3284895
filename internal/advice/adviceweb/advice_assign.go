package adviceweb

import (
	"net/http"
	"strconv"

	"dco/internal/advice"
	"dco/internal/web"
)

// parseAssignee reads the clinician chosen in a form: "" or "0" for none.
func parseAssignee(v string) (int64, bool) {
	if v == "" || v == "0" {
		return 0, true
	}
	id, err := strconv.ParseInt(v, 10, 64)
	return id, err == nil && id > 0
}

func (s *Web) adviceAssign(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	actor := s.Actor(r)
	rq, clock, ok := s.loadAdvice(w, r)
	if !ok {
		return
	}
	service, who := r.PostFormValue("service"), r.PostFormValue("assignee_id")
	reshow := func(status int, fields map[string]string) {
		p, err := s.adviceTriagePageFor(ctx, actor, rq, clock, rq.Triage, advice.SplitServices(rq.KnownServices), rq.TriageNote, service, who)
		if err != nil {
			s.Fail(w, r, err)
			return
		}
		p.SetErrors(fields, triageFields, triageAnchors)
		s.Render(w, r, status, "advice_triage.html", p)
	}
	id, valid := parseAssignee(who)
	if !valid {
		reshow(http.StatusUnprocessableEntity, map[string]string{"assignee_id": "Choose a clinician from the list"})
		return
	}
	if _, err := s.db.AddAdviceContribution(ctx, actor, rq.ID, service, id); err != nil {
		s.FailForm(w, r, err, reshow)
		return
	}
	s.SetFlash(w, r, flashAdviceAssigned)
	http.Redirect(w, r, advicePath(rq.ID)+"/triage", http.StatusSeeOther)
}

// adviceReassign gives an open part to another clinician, or back to its
// service, from the request's page.
func (s *Web) adviceReassign(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	actor := s.Actor(r)
	rq, c, clock, ok := s.loadContribution(w, r)
	if !ok {
		return
	}
	reshow := func(status int, fields map[string]string) {
		p, err := s.adviceViewPageFor(ctx, actor, rq, clock)
		if err != nil {
			s.Fail(w, r, err)
			return
		}
		p.SetErrors(fields, []string{"assignee_id"}, nil)
		s.Render(w, r, status, "advice_view.html", p)
	}
	id, valid := parseAssignee(r.PostFormValue("assignee_id"))
	if !valid {
		reshow(http.StatusUnprocessableEntity, map[string]string{"assignee_id": "Choose a clinician from the list"})
		return
	}
	if err := s.db.AssignAdviceContribution(ctx, actor, c.ID, formVersion(r), id); err != nil {
		s.FailForm(w, r, web.StaleToMessage(err), reshow)
		return
	}
	s.backToAdvice(w, r, rq.ID, flashAdviceAssigned)
}

func (s *Web) adviceRemovePart(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	actor := s.Actor(r)
	rq, c, clock, ok := s.loadContribution(w, r)
	if !ok {
		return
	}
	if err := s.db.RemoveAdviceContribution(ctx, actor, c.ID, formVersion(r)); err != nil {
		s.FailForm(w, r, web.StaleToMessage(err), func(status int, fields map[string]string) {
			p, perr := s.adviceViewPageFor(ctx, actor, rq, clock)
			if perr != nil {
				s.Fail(w, r, perr)
				return
			}
			p.SetErrors(fields, nil, nil)
			s.Render(w, r, status, "advice_view.html", p)
		})
		return
	}
	s.backToAdvice(w, r, rq.ID, flashAdviceRemoved)
}
