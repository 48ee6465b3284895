package web

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"dco/internal/advice"
	"dco/internal/errs"
	"dco/internal/send"
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

// --- triage and assignment (the DCO) ---

// adviceTriagePage is the DCO's triage of a request and the assignment of
// its parts.
type adviceTriagePage struct {
	page
	R          store.AdviceRequest
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

func (s *Server) adviceTriagePageFor(ctx context.Context, actor store.Actor, rq store.AdviceRequest, clock advice.Clock,
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

func (s *Server) adviceTriage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	actor := state(r).actor(r)
	rq, clock, ok := s.loadAdvice(w, r)
	if !ok {
		return
	}
	known := advice.SplitServices(rq.KnownServices)
	if rq.Triage == "" {
		known = advice.SplitServices(rq.ServicesRequested)
	}
	p, err := s.adviceTriagePageFor(ctx, actor, rq, clock, rq.Triage, known, rq.TriageNote, "", "")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "advice_triage.html", p)
}

func (s *Server) adviceTriageSave(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	actor := state(r).actor(r)
	rq, clock, ok := s.loadAdvice(w, r)
	if !ok {
		return
	}
	triage := advice.Triage(r.PostFormValue("triage"))
	known, note := r.PostForm["known_services"], r.PostFormValue("triage_note")
	_, err := s.store.TriageAdviceRequest(ctx, actor, rq.ID, formVersion(r), triage, known, note)
	if err != nil {
		s.failForm(w, r, staleToMessage(err), func(status int, fields map[string]string) {
			p, perr := s.adviceTriagePageFor(ctx, actor, rq, clock, triage, known, note, "", "")
			if perr != nil {
				s.fail(w, r, perr)
				return
			}
			p.setErrors(fields, triageFields, triageAnchors)
			s.render(w, r, status, "advice_triage.html", p)
		})
		return
	}
	s.backToAdvice(w, r, rq.ID, flashAdviceTriaged)
}

// parseAssignee reads the clinician chosen in a form: "" or "0" for none.
func parseAssignee(v string) (int64, bool) {
	if v == "" || v == "0" {
		return 0, true
	}
	id, err := strconv.ParseInt(v, 10, 64)
	return id, err == nil && id > 0
}

func (s *Server) adviceAssign(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	actor := state(r).actor(r)
	rq, clock, ok := s.loadAdvice(w, r)
	if !ok {
		return
	}
	service, who := r.PostFormValue("service"), r.PostFormValue("assignee_id")
	reshow := func(status int, fields map[string]string) {
		p, err := s.adviceTriagePageFor(ctx, actor, rq, clock, rq.Triage, advice.SplitServices(rq.KnownServices), rq.TriageNote, service, who)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		p.setErrors(fields, triageFields, triageAnchors)
		s.render(w, r, status, "advice_triage.html", p)
	}
	id, valid := parseAssignee(who)
	if !valid {
		reshow(http.StatusUnprocessableEntity, map[string]string{"assignee_id": "Choose a clinician from the list"})
		return
	}
	if _, err := s.store.AddAdviceContribution(ctx, actor, rq.ID, service, id); err != nil {
		s.failForm(w, r, err, reshow)
		return
	}
	s.setFlash(w, r, flashAdviceAssigned)
	http.Redirect(w, r, advicePath(rq.ID)+"/triage", http.StatusSeeOther)
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

// adviceReassign gives an open part to another clinician, or back to its
// service, from the request's page.
func (s *Server) adviceReassign(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	actor := state(r).actor(r)
	rq, c, clock, ok := s.loadContribution(w, r)
	if !ok {
		return
	}
	reshow := func(status int, fields map[string]string) {
		p, err := s.adviceViewPageFor(ctx, actor, rq, clock)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		p.setErrors(fields, []string{"assignee_id"}, nil)
		s.render(w, r, status, "advice_view.html", p)
	}
	id, valid := parseAssignee(r.PostFormValue("assignee_id"))
	if !valid {
		reshow(http.StatusUnprocessableEntity, map[string]string{"assignee_id": "Choose a clinician from the list"})
		return
	}
	if err := s.store.AssignAdviceContribution(ctx, actor, c.ID, formVersion(r), id); err != nil {
		s.failForm(w, r, staleToMessage(err), reshow)
		return
	}
	s.backToAdvice(w, r, rq.ID, flashAdviceAssigned)
}

func (s *Server) adviceRemovePart(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	actor := state(r).actor(r)
	rq, c, clock, ok := s.loadContribution(w, r)
	if !ok {
		return
	}
	if err := s.store.RemoveAdviceContribution(ctx, actor, c.ID, formVersion(r)); err != nil {
		s.failForm(w, r, staleToMessage(err), func(status int, fields map[string]string) {
			p, perr := s.adviceViewPageFor(ctx, actor, rq, clock)
			if perr != nil {
				s.fail(w, r, perr)
				return
			}
			p.setErrors(fields, nil, nil)
			s.render(w, r, status, "advice_view.html", p)
		})
		return
	}
	s.backToAdvice(w, r, rq.ID, flashAdviceRemoved)
}

// --- a contribution answered (the clinician) ---

// provisionLines is how many lines of provision the form offers.
const provisionLines = 6

// adviceContributionPage is where a clinician answers their part: advice
// written, a document, not known to the service, or existing advice
// reused; and where they record a reg 8(2) exception.
type adviceContributionPage struct {
	page
	R          store.AdviceRequest
	Row        adviceRow
	Part       contributionView
	Open       string // which answer's section is open: advice, document, not_known, reuse, exception
	Advice     advice.Advice
	Lines      []provisionLine
	Checks     advice.Checks
	Returned   dateParts
	Candidates []option
	ReuseMonth int
	Reuse      advice.Reuse
	ReuseDated dateParts
	Exceptions []option
	ExcReason  string
	ExcOn      dateParts
	Action     string
	Version    int64
}

// provisionLine is one line of the provision table on the form.
type provisionLine struct {
	N int
	advice.Provision
	Err bool
}

var contributionFields = []string{"", "kind", "needs", "provision", "outcomes", "returned_on", "document", "doc_returned_on",
	"checks", "checks_note", "nk_returned_on", "reuse_of_id", "reuse_source", "reuse_dated", "reuse_agreed", "reuse_returned_on",
	"exception", "exception_reason", "exception_on"}

var contributionAnchors = map[string]string{"returned_on": "returned_on-day", "nk_returned_on": "nk_returned_on-day",
	"doc_returned_on": "doc_returned_on-day", "reuse_returned_on": "reuse_returned_on-day", "reuse_dated": "reuse_dated-day",
	"exception_on": "exception_on-day", "checks": "checks-records_reviewed", "provision": "provision-1-who",
	"reuse_of_id": "reuse_of_id-other", "reuse_agreed": "reuse_agreed-author"}

func (s *Server) contributionPageFor(ctx context.Context, actor store.Actor, rq store.AdviceRequest, c store.AdviceContribution, clock advice.Clock) (*adviceContributionPage, error) {
	var part contributionView
	for _, v := range s.contributionViews(actor, rq, clock) {
		if v.C.ID == c.ID {
			part = v
		}
	}
	p := &adviceContributionPage{R: rq, Row: toAdviceRow(rq, clock), Part: part, Advice: c.Advice, Checks: c.Checks,
		Returned: datePartsOf(send.Today(s.now())), Reuse: c.Reuse, ReuseDated: datePartsOf(c.Reuse.Dated),
		Exceptions: exceptionOptions(c.Exception.Kind), ExcReason: c.Exception.Reason, ExcOn: datePartsOf(c.Exception.On),
		Action: part.Href, Version: c.Version, ReuseMonth: s.store.AdviceReuseMonths(ctx, rq.ICBID)}
	if !c.ReturnedOn.IsZero() {
		p.Returned = datePartsOf(c.ReturnedOn)
	}
	p.setLines(c.Advice.Provision, nil)
	cands, err := s.store.AdviceReuseCandidates(ctx, actor, rq.ID)
	if err != nil {
		return nil, err
	}
	for _, k := range cands {
		label := advice.ServiceLabel(k.Service) + ", returned " + k.ReturnedOn.Long()
		if k.AssigneeName != "" {
			label += " by " + k.AssigneeName
		}
		p.Candidates = append(p.Candidates, option{Value: strconv.FormatInt(k.ID, 10), Label: label, Selected: k.ID == c.ReuseOfID})
	}
	p.Title = advice.ServiceLabel(c.Service) + " advice"
	p.Back, p.BackText = advicePath(rq.ID), "Back to the request"
	return p, nil
}

func (p *adviceContributionPage) setLines(ps []advice.Provision, bad map[string]string) {
	p.Lines = nil
	for i := 0; i < max(provisionLines, len(ps)); i++ {
		l := provisionLine{N: i + 1}
		if i < len(ps) {
			l.Provision = ps[i]
		}
		for _, f := range []string{"who", "what", "how_often", "how_long"} {
			if bad["provision-"+strconv.Itoa(i+1)+"-"+f] != "" {
				l.Err = true
			}
		}
		p.Lines = append(p.Lines, l)
	}
}

func (s *Server) adviceContribution(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	actor := state(r).actor(r)
	rq, c, clock, ok := s.loadContribution(w, r)
	if !ok {
		return
	}
	p, err := s.contributionPageFor(ctx, actor, rq, c, clock)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p.Open = string(c.Kind)
	if p.Open == "" {
		p.Open = string(advice.KindAdvice)
	}
	s.render(w, r, http.StatusOK, "advice_contribution.html", p)
}

// answerPosted runs one of the answer forms: read saves it, and a failure
// re-shows the page with what was typed and the section open.
// returnedField is the name of each answer form's "date returned" input:
// the forms share a page, and each input needs an id of its own.
var returnedField = map[string]string{
	string(advice.KindAdvice): "returned_on", string(advice.KindNotKnown): "nk_returned_on",
	string(advice.KindDocument): "doc_returned_on", string(advice.KindReuse): "reuse_returned_on",
}

func (s *Server) answerPosted(w http.ResponseWriter, r *http.Request, section string,
	save func(ctx context.Context, actor store.Actor, c store.AdviceContribution, bad map[string]string) error,
	keep func(p *adviceContributionPage), flashCode string) {
	ctx := r.Context()
	actor := state(r).actor(r)
	rq, c, clock, ok := s.loadContribution(w, r)
	if !ok {
		return
	}
	reshow := func(status int, fields map[string]string) {
		p, err := s.contributionPageFor(ctx, actor, rq, c, clock)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		p.Open = section
		keep(p)
		if name := returnedField[section]; name != "" && name != "returned_on" && fields["returned_on"] != "" {
			fields[name] = fields["returned_on"]
			delete(fields, "returned_on")
		}
		p.setErrors(fields, contributionFields, contributionAnchors)
		if section == string(advice.KindAdvice) {
			p.setLines(p.Advice.Provision, fields)
		}
		s.render(w, r, status, "advice_contribution.html", p)
	}
	bad := map[string]string{}
	err := save(ctx, actor, c, bad)
	if err == nil && len(bad) > 0 {
		err = errs.InvalidFields(bad)
	}
	if err != nil {
		s.failForm(w, r, staleToMessage(err), reshow)
		return
	}
	s.backToAdvice(w, r, rq.ID, flashCode)
}

func (s *Server) adviceAnswerAdvice(w http.ResponseWriter, r *http.Request) {
	var a advice.Advice
	var returned dateParts
	s.answerPosted(w, r, string(advice.KindAdvice), func(ctx context.Context, actor store.Actor, c store.AdviceContribution, bad map[string]string) error {
		a = advice.Advice{Needs: r.PostFormValue("needs"), Outcomes: r.PostFormValue("outcomes")}
		for i := 1; i <= 50; i++ {
			n := "provision-" + strconv.Itoa(i) + "-"
			if _, ok := r.PostForm[n+"who"]; !ok {
				break
			}
			a.Provision = append(a.Provision, advice.Provision{Who: r.PostFormValue(n + "who"), What: r.PostFormValue(n + "what"),
				HowOften: r.PostFormValue(n + "how_often"), HowLong: r.PostFormValue(n + "how_long")})
		}
		returned = formDate(r, "returned_on")
		on := checkDateParts(bad, "returned_on", "Date returned", returned)
		if len(bad) > 0 {
			for k, v := range advice.CheckAdvice(&a) {
				bad[k] = v
			}
			return nil
		}
		_, err := s.store.AnswerAdviceContribution(ctx, actor, c.ID, formVersion(r), store.AdviceAnswer{Kind: advice.KindAdvice, Advice: a, ReturnedOn: on})
		return err
	}, func(p *adviceContributionPage) { p.Advice, p.Returned = a, returned }, flashAdviceAnswered)
}

func (s *Server) adviceAnswerNotKnown(w http.ResponseWriter, r *http.Request) {
	var ch advice.Checks
	var returned dateParts
	s.answerPosted(w, r, string(advice.KindNotKnown), func(ctx context.Context, actor store.Actor, c store.AdviceContribution, bad map[string]string) error {
		done := map[string]bool{}
		for _, v := range r.PostForm["checks"] {
			done[v] = true
		}
		ch = advice.Checks{RecordsReviewed: done["records_reviewed"], FamilyContacted: done["family_contacted"],
			SENCOContacted: done["senco_contacted"], Note: r.PostFormValue("checks_note")}
		returned = formDate(r, "nk_returned_on")
		on := checkDateParts(bad, "returned_on", "Date returned", returned)
		if len(bad) > 0 {
			for k, v := range advice.CheckNotKnown(&ch) {
				bad[k] = v
			}
			return nil
		}
		_, err := s.store.AnswerAdviceContribution(ctx, actor, c.ID, formVersion(r), store.AdviceAnswer{Kind: advice.KindNotKnown, Checks: ch, ReturnedOn: on})
		return err
	}, func(p *adviceContributionPage) { p.Checks, p.Returned = ch, returned }, flashAdviceAnswered)
}

func (s *Server) adviceAnswerReuse(w http.ResponseWriter, r *http.Request) {
	var ru advice.Reuse
	var returned, dated dateParts
	s.answerPosted(w, r, string(advice.KindReuse), func(ctx context.Context, actor store.Actor, c store.AdviceContribution, bad map[string]string) error {
		returned, dated = formDate(r, "reuse_returned_on"), formDate(r, "reuse_dated")
		on := checkDateParts(bad, "returned_on", "Date returned", returned)
		a := store.AdviceAnswer{Kind: advice.KindReuse, ReturnedOn: on}
		agreed := map[string]bool{}
		for _, v := range r.PostForm["reuse_agreed"] {
			agreed[v] = true
		}
		ru = advice.Reuse{AuthorAgreed: agreed["author"], LAAgreed: agreed["la"], FamilyAgreed: agreed["family"]}
		if v := r.PostFormValue("reuse_of_id"); v != "" && v != "other" {
			id, err := strconv.ParseInt(v, 10, 64)
			if err != nil || id <= 0 {
				bad["reuse_of_id"] = "Choose advice from the list"
			}
			a.ReuseOfID = id
		} else {
			ru.Source = r.PostFormValue("reuse_source")
			ru.Dated = checkDateParts(bad, "reuse_dated", "Date the existing advice was written", dated)
		}
		a.Reuse = ru
		if len(bad) > 0 {
			advice.CheckReuseAgreed(bad, ru)
			return nil
		}
		_, err := s.store.AnswerAdviceContribution(ctx, actor, c.ID, formVersion(r), a)
		return err
	}, func(p *adviceContributionPage) { p.Reuse, p.Returned, p.ReuseDated = ru, returned, dated }, flashAdviceAnswered)
}

func (s *Server) adviceUpload(w http.ResponseWriter, r *http.Request) {
	var returned dateParts
	s.answerPosted(w, r, string(advice.KindDocument), func(ctx context.Context, actor store.Actor, c store.AdviceContribution, bad map[string]string) error {
		returned = formDate(r, "doc_returned_on")
		on := checkDateParts(bad, "returned_on", "Date returned", returned)
		f, hdr, err := r.FormFile("document")
		if err != nil {
			bad["document"] = "Select a PDF or Word (DOCX) file"
			return nil
		}
		defer f.Close()
		if hdr.Size > advice.MaxDocument {
			bad["document"] = "The file must be smaller than 10 MB"
			return nil
		}
		data, err := io.ReadAll(io.LimitReader(f, advice.MaxDocument+1))
		if err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				bad["document"] = "The file must be smaller than 10 MB"
				return nil
			}
			return err
		}
		if len(bad) > 0 {
			return nil
		}
		_, err = s.store.UploadAdviceDocument(ctx, actor, c.ID, formVersion(r), hdr.Filename, data, on)
		return err
	}, func(p *adviceContributionPage) { p.Returned = returned }, flashAdviceUploaded)
}

func (s *Server) adviceContributionException(w http.ResponseWriter, r *http.Request) {
	var e advice.Exception
	var on dateParts
	s.answerPosted(w, r, "exception", func(ctx context.Context, actor store.Actor, c store.AdviceContribution, bad map[string]string) error {
		on = formDate(r, "exception_on")
		e = advice.Exception{Kind: send.Exception(r.PostFormValue("exception")), Reason: r.PostFormValue("exception_reason")}
		e.On = checkDateParts(bad, "exception_on", "Date of the exception", on)
		if len(bad) > 0 {
			return nil
		}
		_, err := s.store.RecordContributionException(ctx, actor, c.ID, formVersion(r), e)
		return err
	}, func(p *adviceContributionPage) {
		p.Exceptions, p.ExcReason, p.ExcOn = exceptionOptions(e.Kind), e.Reason, on
	}, flashAdviceException)
}

// adviceRequestException records or clears the request's own exception
// (the DCO), from the request's page.
func (s *Server) adviceRequestException(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	actor := state(r).actor(r)
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
		e.On = checkDateParts(bad, "exception_on", "Date of the exception", on)
	}
	reshow := func(status int, fields map[string]string) {
		p, err := s.adviceViewPageFor(ctx, actor, rq, clock)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		p.ExceptionKinds, p.ExcOn, p.ExcReason = exceptionOptions(e.Kind), on, e.Reason
		p.setErrors(fields, []string{"exception", "exception_reason", "exception_on"}, map[string]string{"exception_on": "exception_on-day"})
		s.render(w, r, status, "advice_view.html", p)
	}
	if len(bad) > 0 {
		reshow(http.StatusUnprocessableEntity, bad)
		return
	}
	if _, err := s.store.RecordAdviceException(ctx, actor, rq.ID, formVersion(r), e); err != nil {
		s.failForm(w, r, staleToMessage(err), reshow)
		return
	}
	s.backToAdvice(w, r, rq.ID, code)
}

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
