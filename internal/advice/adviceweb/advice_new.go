package adviceweb

import (
	"context"
	"net/http"
	"strings"

	"dco/internal/advice"
	"dco/internal/advice/advicedb"
	"dco/internal/errs"
	"dco/internal/send"
	"dco/internal/store"
	"dco/internal/web"
)

// --- a new request ---

// adviceNewPage is the form an LA caseworker (or the DCO) records a request on.
type adviceNewPage struct {
	web.Page
	In       adviceInput
	LAs      []option
	FixedLA  string
	Services []checkOption
	DueHint  string
}

// checkOption is one checkbox.
type checkOption struct {
	Value, Label string
	Checked      bool
}

// adviceInput is a new request as the form or the API sends it.
type adviceInput struct {
	NHSNumber           string
	GivenName           string
	FamilyName          string
	DOB                 web.DateParts
	LACode              string
	LAReference         string
	Received            web.DateParts
	AssessmentRequested web.DateParts
	Services            []string
	Note                string
}

var adviceNewFields = []string{"nhs_number", "given_name", "family_name", "date_of_birth", "la_code", "la_reference",
	"received_on", "assessment_requested_on", "services_requested", "request_note"}

var adviceNewAnchors = map[string]string{"date_of_birth": "date_of_birth-day", "received_on": "received_on-day",
	"assessment_requested_on": "assessment_requested_on-day", "services_requested": "services_requested-paediatrics"}

func serviceChecks(chosen []string) []checkOption {
	in := map[string]bool{}
	for _, c := range chosen {
		in[c] = true
	}
	var out []checkOption
	for _, sv := range advice.Services() {
		out = append(out, checkOption{Value: sv.Code, Label: sv.Label, Checked: in[sv.Code]})
	}
	return out
}

func (s *Web) adviceNewPage(ctx context.Context, actor store.Actor, in adviceInput) (*adviceNewPage, error) {
	p := &adviceNewPage{In: in, Services: serviceChecks(in.Services)}
	p.Title = "Record a request for health advice"
	p.Back, p.BackText = "/advice-requests", "Advice requests"
	if actor.Role == store.RoleLA {
		org, err := s.Store().GetOrg(ctx, actor.LAID)
		if err != nil {
			return nil, err
		}
		p.FixedLA = org.Name
		return p, nil
	}
	las, err := s.LocalAuthorities(ctx, actor)
	if err != nil {
		return nil, err
	}
	for _, o := range las {
		p.LAs = append(p.LAs, option{Value: o.Code, Label: o.Name, Selected: o.Code == in.LACode})
	}
	return p, nil
}

func (s *Web) adviceNew(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	actor := s.Actor(r)
	in := adviceInput{Received: web.DatePartsOf(send.Today(s.Now()))}
	// Started from a child's page: the child is known.
	c, err := s.QueryChild(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	if c != nil {
		in.NHSNumber = c.NHSNumber.String()
		in.LACode, _ = s.LACode(ctx, c.LAID)
	}
	p, err := s.adviceNewPage(ctx, actor, in)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	s.Render(w, r, http.StatusOK, "advice_new.html", p)
}

func decodeAdviceForm(r *http.Request) adviceInput {
	parts := func(name string) web.DateParts {
		return web.DateParts{Day: strings.TrimSpace(r.PostFormValue(name + "-day")), Month: strings.TrimSpace(r.PostFormValue(name + "-month")),
			Year: strings.TrimSpace(r.PostFormValue(name + "-year"))}
	}
	return adviceInput{
		NHSNumber: r.PostFormValue("nhs_number"), GivenName: r.PostFormValue("given_name"), FamilyName: r.PostFormValue("family_name"),
		DOB: parts("date_of_birth"), LACode: r.PostFormValue("la_code"), LAReference: r.PostFormValue("la_reference"),
		Received: parts("received_on"), AssessmentRequested: parts("assessment_requested_on"),
		Services: r.PostForm["services_requested"], Note: r.PostFormValue("request_note"),
	}
}

// requestFrom turns the input into a request for the store: the child the
// actor can see with that NHS number, or, when there is none and the name
// and date of birth are given, a child to register. A child the actor
// cannot see is "not found", whether or not it exists.
func (s *Web) requestFrom(ctx context.Context, actor store.Actor, in adviceInput, dob, received, assessment send.Date, bad map[string]string) (advicedb.Request, *store.Child, error) {
	today := send.Today(s.Now())
	// put adds problems to bad, keeping a date the route could not read.
	put := func(more map[string]string) {
		for k, v := range more {
			if _, ok := bad[k]; !ok {
				bad[k] = v
			}
		}
	}
	// The request's one set of rules, as the import and the store apply
	// them (advice.Request.Validate), with the child's: all in one round.
	rec := advice.Request{LAReference: in.LAReference, ReceivedOn: received, AssessmentRequestedOn: assessment,
		ServicesRequested: strings.Join(in.Services, ","), RequestNote: in.Note}
	put(rec.Validate(today))
	var rq advicedb.Request
	rq.SetRecord(rec)
	nhsText := strings.TrimSpace(in.NHSNumber)
	if nhsText == "" {
		bad["nhs_number"] = "Enter the child's NHS number"
		return rq, nil, nil
	}
	nhs, err := send.ParseNHSNumber(nhsText)
	if err != nil {
		bad["nhs_number"] = web.Sentence(err.Error())
		return rq, nil, nil
	}
	found, _, err := s.Store().SearchChildren(ctx, actor, store.ChildFilter{Query: string(nhs), Limit: 2})
	if err != nil {
		return rq, nil, err
	}
	for _, c := range found {
		if c.NHSNumber == nhs {
			rq.ChildID = c.ID
			return rq, nil, nil
		}
	}
	// Not registered (or not in the actor's scope): register, if told who.
	if strings.TrimSpace(in.GivenName) == "" && strings.TrimSpace(in.FamilyName) == "" && dob.IsZero() {
		bad["nhs_number"] = "No child with this NHS number is registered that you can see. Check the number, or give the child's name and date of birth to register them"
		return rq, nil, nil
	}
	reg := &store.Child{NHSNumber: nhs, GivenName: in.GivenName, FamilyName: in.FamilyName, DateOfBirth: dob}
	put(reg.Validate(today)) // the child's one set of rules (child.Validate)
	if actor.Role != store.RoleLA {
		code := strings.TrimSpace(in.LACode)
		if code == "" {
			bad["la_code"] = "Choose the local authority that sent the request"
		} else if org, err := s.Store().FindLA(ctx, code); err != nil {
			if !errs.Is(err, errs.NotFound) {
				return rq, nil, err
			}
			bad["la_code"] = "Choose the local authority that sent the request"
		} else {
			reg.LAID = org.ID
		}
	}
	return rq, reg, nil
}

// optionalDate reads a date input that may be left empty.
func optionalDate(bad map[string]string, field, label string, p web.DateParts) send.Date {
	if p == (web.DateParts{}) {
		return send.Date{}
	}
	return web.CheckDateParts(bad, field, label, p)
}

func (s *Web) adviceCreate(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	actor := s.Actor(r)
	in := decodeAdviceForm(r)
	reshow := func(status int, fields map[string]string) {
		p, err := s.adviceNewPage(ctx, actor, in)
		if err != nil {
			s.Fail(w, r, err)
			return
		}
		p.SetErrors(fields, adviceNewFields, adviceNewAnchors)
		s.Render(w, r, status, "advice_new.html", p)
	}
	bad := map[string]string{}
	received := web.CheckDateParts(bad, "received_on", "Date health received the request", in.Received)
	assessment := optionalDate(bad, "assessment_requested_on", "Date the assessment was requested", in.AssessmentRequested)
	dob := optionalDate(bad, "date_of_birth", "Date of birth", in.DOB)
	rq, reg, err := s.requestFrom(ctx, actor, in, dob, received, assessment, bad)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	if len(bad) > 0 {
		reshow(http.StatusUnprocessableEntity, bad)
		return
	}
	cal, err := s.adviceCalendar(ctx)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	if err := s.db.CreateAdviceRequest(ctx, actor, cal, &rq, reg); err != nil {
		s.FailForm(w, r, web.StoreFields(err), reshow)
		return
	}
	s.SetFlash(w, r, flashAdviceCreated)
	http.Redirect(w, r, advicePath(rq.ID), http.StatusSeeOther)
}
