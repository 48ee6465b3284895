package adviceweb

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"dco/internal/advice"
	"dco/internal/advice/advicedb"
	"dco/internal/errs"
	"dco/internal/send"
	"dco/internal/web"
)

// adviceJSON is an advice request as the API returns it. due_on, status,
// due_text and on_time are derived on the day of the request, from the
// statutory clock; none is stored by hand.
type adviceJSON struct {
	ID                    int64              `json:"id"`
	Child                 adviceChildJSON    `json:"child"`
	LACode                string             `json:"la_code"`
	LAName                string             `json:"la_name"`
	LAReference           string             `json:"la_reference"`
	ReceivedOn            send.Date          `json:"received_on"`
	DueOn                 send.Date          `json:"due_on"`
	DueText               string             `json:"due_text,omitempty"`
	AssessmentRequestedOn send.Date          `json:"assessment_requested_on"`
	FinalPlanDueOn        send.Date          `json:"final_plan_due_on"`
	ServicesRequested     []string           `json:"services_requested"`
	State                 advice.State       `json:"state"`
	Status                advice.Status      `json:"status"`
	StatusLabel           string             `json:"status_label"`
	Triage                advice.Triage      `json:"triage"`
	KnownServices         []string           `json:"known_services"`
	ReturnedOn            send.Date          `json:"returned_on"` // returned, or withdrawn (openapi.json)
	Outcome               advice.Outcome     `json:"outcome"`
	OnTime                *bool              `json:"on_time"`
	CountedInMeasure      *bool              `json:"counted_in_measure"`
	Exception             *exceptionJSON     `json:"exception"`
	Imported              bool               `json:"imported"`
	Contributions         []contributionJSON `json:"contributions"`
	ContributionsHidden   bool               `json:"contributions_hidden,omitempty"`
	Version               int64              `json:"version"`
}

// adviceChildJSON names the child a request is about.
type adviceChildJSON struct {
	ID          int64     `json:"id"`
	NHSNumber   string    `json:"nhs_number"`
	GivenName   string    `json:"given_name"`
	FamilyName  string    `json:"family_name"`
	DateOfBirth send.Date `json:"date_of_birth"`
}

// exceptionJSON is a recorded reg 8(2) exception.
type exceptionJSON struct {
	Kind   send.Exception `json:"kind"`
	Reason string         `json:"reason"`
	On     send.Date      `json:"on"`
}

func exceptionOf(e advice.Exception) *exceptionJSON {
	if e.Kind == "" {
		return nil
	}
	return &exceptionJSON{Kind: e.Kind, Reason: e.Reason, On: e.On}
}

// contributionJSON is one part of the advice.
type contributionJSON struct {
	ID         int64          `json:"id"`
	Service    string         `json:"service"`
	Assignee   string         `json:"assignee"`
	Kind       advice.Kind    `json:"kind"`
	ReturnedOn send.Date      `json:"returned_on"`
	Advice     *advice.Advice `json:"advice,omitempty"`
	Checks     *advice.Checks `json:"checks,omitempty"`
	Reuse      *reuseJSON     `json:"reuse,omitempty"`
	Document   *documentJSON  `json:"document,omitempty"`
	Exception  *exceptionJSON `json:"exception"`
	Version    int64          `json:"version"`
}

// reuseJSON is advice reused under reg 6(4), with who agreed it is
// sufficient: the person who wrote it, the LA, the parent or young person.
type reuseJSON struct {
	Source       string    `json:"source"`
	Dated        send.Date `json:"dated"`
	AuthorAgreed bool      `json:"author_agreed"`
	LAAgreed     bool      `json:"la_agreed"`
	FamilyAgreed bool      `json:"family_agreed"`
}

type documentJSON struct {
	Filename    string `json:"filename"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
	SHA256      string `json:"sha256"`
	Href        string `json:"href"`
}

func orEmpty(v []string) []string {
	if v == nil {
		return []string{}
	}
	return v
}

func (s *Web) adviceToJSON(rq advicedb.Request, clock advice.Clock, cal *send.Calendar) adviceJSON {
	st := clock.Status(rq.Facts())
	out := adviceJSON{
		ID: rq.ID, Child: adviceChildJSON{ID: rq.ChildID, NHSNumber: string(rq.NHSNumber), GivenName: rq.GivenName,
			FamilyName: rq.FamilyName, DateOfBirth: rq.DateOfBirth},
		LACode: rq.LACode, LAName: rq.LAName, LAReference: rq.LAReference, ReceivedOn: rq.ReceivedOn, DueOn: rq.DueOn,
		DueText: clock.DueText(rq.Facts()), AssessmentRequestedOn: rq.AssessmentRequestedOn,
		FinalPlanDueOn:    advice.FinalPlanDue(cal, rq.AssessmentRequestedOn),
		ServicesRequested: orEmpty(advice.SplitServices(rq.ServicesRequested)), State: rq.State, Status: st,
		StatusLabel: st.Label(), Triage: rq.Triage, KnownServices: orEmpty(advice.SplitServices(rq.KnownServices)),
		ReturnedOn: rq.ClosedOn(), Outcome: rq.Outcome, Exception: exceptionOf(rq.Exception), Imported: rq.Imported,
		Contributions: []contributionJSON{}, ContributionsHidden: rq.ContributionsHidden, Version: rq.Version,
	}
	if rq.State == advice.StateReturned {
		onTime, counted := rq.OnTime()
		out.OnTime, out.CountedInMeasure = &onTime, &counted
	}
	for _, c := range rq.Contributions {
		cj := contributionJSON{ID: c.ID, Service: c.Service, Assignee: c.AssigneeName, Kind: c.Kind, ReturnedOn: c.ReturnedOn,
			Exception: exceptionOf(c.Exception), Version: c.Version}
		switch c.Kind {
		case advice.KindAdvice:
			a := c.Advice
			cj.Advice = &a
		case advice.KindNotKnown:
			ch := c.Checks
			cj.Checks = &ch
		case advice.KindReuse:
			cj.Reuse = &reuseJSON{Source: c.Reuse.Source, Dated: c.Reuse.Dated, AuthorAgreed: c.Reuse.AuthorAgreed,
				LAAgreed: c.Reuse.LAAgreed, FamilyAgreed: c.Reuse.FamilyAgreed}
		}
		if c.Document != nil {
			cj.Document = &documentJSON{Filename: c.Document.Filename, ContentType: c.Document.ContentType, Size: c.Document.Size,
				SHA256: c.Document.SHA256, Href: fmt.Sprintf("/advice-documents/%d", c.Document.ID)}
		}
		out.Contributions = append(out.Contributions, cj)
	}
	return out
}

// adviceListJSON is a page of requests.
type adviceListJSON struct {
	Items []adviceJSON `json:"items"`
	Total int          `json:"total"`
}

func (s *Web) apiAdviceList(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	actor := s.Actor(r)
	clock, err := s.adviceClock(ctx)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	cal, err := s.adviceCalendar(ctx)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	v := r.URL.Query()
	_, f, bad, err := s.readAdviceQuery(ctx, v)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	f.Limit = 50
	if x := v.Get("limit"); x != "" {
		n, err := strconv.Atoi(x)
		if err != nil || n < 1 || n > 200 {
			bad["limit"] = "Limit must be a whole number from 1 to 200"
		}
		f.Limit = n
	}
	if x := v.Get("offset"); x != "" {
		n, err := strconv.Atoi(x)
		if err != nil || n < 0 {
			bad["offset"] = "Offset must be a whole number, 0 or more"
		}
		f.Offset = n
	}
	if len(bad) > 0 {
		s.Fail(w, r, errs.InvalidFields(bad))
		return
	}
	list, total, err := s.db.ListAdviceRequests(ctx, actor, clock, f)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	out := adviceListJSON{Items: []adviceJSON{}, Total: total}
	for _, rq := range list {
		out.Items = append(out.Items, s.adviceToJSON(rq, clock, cal))
	}
	web.WriteJSON(w, http.StatusOK, out)
}

func (s *Web) apiAdviceGet(w http.ResponseWriter, r *http.Request) {
	rq, clock, ok := s.loadAdvice(w, r)
	if !ok {
		return
	}
	s.writeAdvice(w, r, http.StatusOK, rq, clock)
}

func (s *Web) writeAdvice(w http.ResponseWriter, r *http.Request, status int, rq advicedb.Request, clock advice.Clock) {
	cal, err := s.adviceCalendar(r.Context())
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	web.WriteJSON(w, status, s.adviceToJSON(rq, clock, cal))
}

// adviceRequestJSON is the body of POST and PATCH. Every field is optional
// in the decoding; each handler says which it needs.
type adviceRequestJSON struct {
	NHSNumber             *string        `json:"nhs_number"`
	GivenName             *string        `json:"given_name"`
	FamilyName            *string        `json:"family_name"`
	DateOfBirth           *string        `json:"date_of_birth"`
	LACode                *string        `json:"la_code"`
	LAReference           *string        `json:"la_reference"`
	ReceivedOn            *string        `json:"received_on"`
	AssessmentRequestedOn *string        `json:"assessment_requested_on"`
	ServicesRequested     *[]string      `json:"services_requested"`
	RequestNote           *string        `json:"request_note"`
	Status                *string        `json:"status"`
	ReturnedOn            *string        `json:"returned_on"`
	WithdrawnOn           *string        `json:"withdrawn_on"`
	ResponseNote          *string        `json:"response_note"`
	Exception             *exceptionBody `json:"exception"`
	ClearException        bool           `json:"clear_exception"`
	Version               *int64         `json:"version"`
}

// exceptionBody is an exception as a client sends it.
type exceptionBody struct {
	Kind   string `json:"kind"`
	Reason string `json:"reason"`
	On     string `json:"on"`
}

// decodeAdviceJSON reads a request body, naming any field it does not know
// rather than ignoring it.
func decodeAdviceJSON(r *http.Request, known map[string]bool) (adviceRequestJSON, error) {
	var req adviceRequestJSON
	err := web.DecodeStrict(r, &req, known, nil, "The request has fields this API does not know, or that cannot be sent here")
	return req, err
}

// apiDate reads an optional YYYY-MM-DD field.
func apiDate(bad map[string]string, field string, v *string) send.Date {
	if v == nil || strings.TrimSpace(*v) == "" {
		return send.Date{}
	}
	d, err := send.ParseDate(strings.TrimSpace(*v))
	if err != nil {
		bad[field] = "Must be a real date, written YYYY-MM-DD"
	}
	return d
}

func str(v *string) string {
	if v == nil {
		return ""
	}
	return *v
}

var advicePostFields = map[string]bool{"nhs_number": true, "given_name": true, "family_name": true, "date_of_birth": true,
	"la_code": true, "la_reference": true, "received_on": true, "assessment_requested_on": true, "services_requested": true,
	"request_note": true}

func (s *Web) apiAdviceCreate(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	actor := s.Actor(r)
	req, err := decodeAdviceJSON(r, advicePostFields)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	bad := map[string]string{}
	received := apiDate(bad, "received_on", req.ReceivedOn)
	if req.ReceivedOn == nil || strings.TrimSpace(*req.ReceivedOn) == "" {
		bad["received_on"] = "Enter the date health received the request, YYYY-MM-DD"
	}
	assessment := apiDate(bad, "assessment_requested_on", req.AssessmentRequestedOn)
	dob := apiDate(bad, "date_of_birth", req.DateOfBirth)
	in := adviceInput{NHSNumber: str(req.NHSNumber), GivenName: str(req.GivenName), FamilyName: str(req.FamilyName),
		LACode: str(req.LACode), LAReference: str(req.LAReference), Note: str(req.RequestNote)}
	if req.ServicesRequested != nil {
		in.Services = *req.ServicesRequested
	}
	rq, reg, err := s.requestFrom(ctx, actor, in, dob, received, assessment, bad)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	if len(bad) > 0 {
		s.Fail(w, r, errs.InvalidFields(bad))
		return
	}
	cal, err := s.adviceCalendar(ctx)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	if err := s.db.CreateAdviceRequest(ctx, actor, cal, &rq, reg); err != nil {
		s.Fail(w, r, web.StoreFields(err))
		return
	}
	got, err := s.db.GetAdviceRequest(ctx, actor, rq.ID)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	clock, err := s.adviceClock(ctx)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	w.Header().Set("Location", fmt.Sprintf("/api/v1/advice-requests/%d", rq.ID))
	s.writeAdvice(w, r, http.StatusCreated, got, clock)
}
