package adviceweb

import (
	"context"
	"net/http"
	"strconv"

	"dco/internal/advice"
	"dco/internal/advice/advicedb"
	"dco/internal/store"
	"dco/internal/web"
)

// --- triage and assignment (the DCO) ---

// adviceTriagePage is the DCO's triage of a request and the assignment of
// its parts.
type adviceTriagePage struct {
	web.Page
	R          advicedb.Request
	Row        adviceRow
	Triages    []option
	Known      []checkOption
	Note       string
	Services   []option
	Clinicians []option
	Parts      []contributionView
}

var triageFields = []string{"triage", "known_services", "triage_note", "service", "assignee_id"}

var triageAnchors = map[string]string{"triage": "triage-known", "known_services": "known_services-paediatrics"}

func (s *Web) adviceTriagePageFor(ctx context.Context, actor store.Actor, rq advicedb.Request, clock advice.Clock,
	triage advice.Triage, known []string, note, service, assignee string) (*adviceTriagePage, error) {
	p := &adviceTriagePage{R: rq, Row: toAdviceRow(rq, clock), Known: serviceChecks(known), Note: note,
		Parts: s.contributionViews(actor, rq, clock)}
	for _, t := range advice.Triages() {
		p.Triages = append(p.Triages, option{Value: string(t), Label: t.Label(), Selected: t == triage})
	}
	for _, sv := range advice.Services() {
		p.Services = append(p.Services, option{Value: sv.Code, Label: sv.Label, Selected: sv.Code == service})
	}
	users, err := s.clinicians(ctx, rq.ICBID)
	if err != nil {
		return nil, err
	}
	for _, u := range users {
		id := strconv.FormatInt(u.ID, 10)
		p.Clinicians = append(p.Clinicians, option{Value: id, Label: u.Name, Selected: id == assignee})
	}
	p.Title = "Triage and assign"
	p.Back, p.BackText = advicePath(rq.ID), "Back to the request"
	return p, nil
}

func (s *Web) adviceTriage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	actor := s.Actor(r)
	rq, clock, ok := s.loadAdvice(w, r)
	if !ok {
		return
	}
	known := advice.SplitServices(rq.KnownServices)
	if rq.Triage == "" {
		known = advice.SplitServices(rq.ServicesRequested)
	}
	p, err := s.adviceTriagePageFor(ctx, actor, rq, clock, rq.Triage, known, rq.TriageNote, "", "")
	s.Show(w, r, "advice_triage.html", p, err)
}

func (s *Web) adviceTriageSave(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	actor := s.Actor(r)
	rq, clock, ok := s.loadAdvice(w, r)
	if !ok {
		return
	}
	triage := advice.Triage(r.PostFormValue("triage"))
	known, note := r.PostForm["known_services"], r.PostFormValue("triage_note")
	_, err := s.db.TriageAdviceRequest(ctx, actor, rq.ID, formVersion(r), triage, known, note)
	if err != nil {
		s.FailForm(w, r, web.StaleToMessage(err), func(status int, fields map[string]string) {
			p, perr := s.adviceTriagePageFor(ctx, actor, rq, clock, triage, known, note, "", "")
			if perr != nil {
				s.Fail(w, r, perr)
				return
			}
			p.SetErrors(fields, triageFields, triageAnchors)
			s.Render(w, r, status, "advice_triage.html", p)
		})
		return
	}
	s.backToAdvice(w, r, rq.ID, flashAdviceTriaged)
}
