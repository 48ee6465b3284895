package adviceweb

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"dco/internal/advice"
	"dco/internal/advice/advicedb"
	"dco/internal/errs"
	"dco/internal/send"
	"dco/internal/store"
	"dco/internal/web"
)

// Health advice for EHC needs assessments (SEND Regulations 2014 reg 8):
// the LA's request comes in, the DCO triages and assigns it, clinicians
// answer, and the DCO returns one combined response within six weeks.
// These pages read and write through the store, which scopes and audits
// every request; deadlines come from the statutory clock in internal/send.

// The banners after each change to an advice request.
const (
	flashAdviceCreated   = "advice-created"
	flashAdviceUpdated   = "advice-updated"
	flashAdviceTriaged   = "advice-triaged"
	flashAdviceAssigned  = "advice-assigned"
	flashAdviceRemoved   = "advice-removed"
	flashAdviceAnswered  = "advice-answered"
	flashAdviceUploaded  = "advice-uploaded"
	flashAdviceException = "advice-exception"
	flashAdviceCleared   = "advice-exception-cleared"
	flashAdviceReturned  = "advice-returned"
	flashAdviceWithdrawn = "advice-withdrawn"
)

// adviceFlashes are the banners, by the code SetFlash is given.
var adviceFlashes = map[string]web.Flash{
	flashAdviceCreated:   {Success: true, Text: "Advice request recorded"},
	flashAdviceUpdated:   {Success: true, Text: "Advice request details updated"},
	flashAdviceTriaged:   {Success: true, Text: "Triage saved"},
	flashAdviceAssigned:  {Success: true, Text: "Advice assigned"},
	flashAdviceRemoved:   {Success: true, Text: "Contribution removed"},
	flashAdviceAnswered:  {Success: true, Text: "Advice saved and marked as returned"},
	flashAdviceUploaded:  {Success: true, Text: "Document uploaded and advice marked as returned"},
	flashAdviceException: {Success: true, Text: "Exception recorded"},
	flashAdviceCleared:   {Success: true, Text: "Exception removed"},
	flashAdviceReturned:  {Success: true, Text: "Response sent to the local authority"},
	flashAdviceWithdrawn: {Success: true, Text: "Request withdrawn"},
}

// advicePageSize is how many requests a list page shows.
const advicePageSize = 25

// adviceCalendar is the working-day calendar: the one from Options, or the
// embedded bank holidays when none was given.
func (s *Web) adviceCalendar(ctx context.Context) (*send.Calendar, error) {
	return s.Calendar(ctx)
}

// adviceClock is today's clock for the work queues.
func (s *Web) adviceClock(ctx context.Context) (advice.Clock, error) {
	cal, err := s.adviceCalendar(ctx)
	if err != nil {
		return advice.Clock{}, err
	}
	return advice.NewClock(cal, send.Today(s.Now())), nil
}

// advicePath is the address of a request's page.
func advicePath(id int64) string { return "/advice-requests/" + strconv.FormatInt(id, 10) }

// adviceRow is one request as a table shows it.
type adviceRow struct {
	ID          int64
	Href        string
	Child       string
	ChildHref   string
	NHS         string
	LA          string
	Reference   string
	Received    string
	Due         string
	DueText     string
	Status      string
	Colour      string
	Waiting     string // whose the open parts are
	Returned    string // the date the response was returned to the LA
	Withdrawn   string // the date the LA withdrew the request
	OnTime      string
	Exception   string
	Services    string
	TriageLabel string
}

// waitingOnDCOTeam is whose an open request is when every part is
// answered: the DCO team's, to send the combined response to the LA.
const waitingOnDCOTeam = "DCO team (to return to the LA)"

// waitingOn names the clinicians whose parts of a request are still open,
// or says that a part has no clinician yet, or that every part is answered
// and the DCO team has still to return the response.
func waitingOn(r advicedb.Request, clock advice.Clock) string {
	if r.State != advice.StateOpen {
		return ""
	}
	if r.QueueFacts().ToReturn() {
		return waitingOnDCOTeam
	}
	var names []string
	seen := map[int64]bool{}
	for _, c := range r.Contributions {
		if !c.Done() && c.AssigneeID != 0 && !seen[c.AssigneeID] {
			seen[c.AssigneeID] = true
			names = append(names, c.AssigneeName)
		}
	}
	if clock.In(advice.QueueUnassigned, r.QueueFacts()) && !r.ContributionsHidden {
		names = append(names, "Not yet assigned")
	}
	if len(names) == 0 && r.ContributionsHidden {
		return "Health (DCO team)"
	}
	return strings.Join(names, ", ")
}

// onTimeText words whether a returned request met the six weeks, and
// whether it counts in the measure.
func onTimeText(r advicedb.Request) string {
	if r.State != advice.StateReturned {
		return ""
	}
	onTime, counted := r.OnTime()
	switch {
	case !counted && onTime:
		return "On time (exception recorded: not counted in the measure)"
	case !counted:
		return "Late (exception recorded: not counted in the measure)"
	case onTime:
		return "On time"
	}
	// Judged on the day it was returned, the due date was this many days past.
	late, _ := send.DueStatus(r.ReturnedOn, r.DueOn)
	return fmt.Sprintf("Late, %s after the due date", plural(late, "day"))
}

// plural writes "1 day", "3 days".
func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return strconv.Itoa(n) + " " + unit + "s"
}

func toAdviceRow(r advicedb.Request, clock advice.Clock) adviceRow {
	st := clock.Status(r.Facts())
	row := adviceRow{
		ID: r.ID, Href: advicePath(r.ID), Child: r.FamilyName + ", " + r.GivenName, ChildHref: web.ChildPath(r.ChildID),
		NHS: r.NHSNumber.String(), LA: r.LAName, Reference: r.LAReference, Received: r.ReceivedOn.Long(),
		Due: r.DueOn.Long(), DueText: clock.DueText(r.Facts()), Status: st.Label(), Colour: st.Colour(),
		Waiting: waitingOn(r, clock), Returned: r.ReturnedOn.Long(), Withdrawn: r.WithdrawnOn.Long(), OnTime: onTimeText(r),
		Services: advice.ServiceLabels(r.ServicesRequested), TriageLabel: r.Triage.Label(),
	}
	if r.Exception.Kind != "" {
		row.Exception = r.Exception.Kind.Label()
	}
	return row
}

// option is one choice in a select.
type option struct {
	Value, Label string
	Selected     bool
}

// adviceQuery is the list's filters as the URL carries them.
type adviceQuery struct {
	LA, Status, Queue, Month, Assignee, Service string
	Unassigned                                  bool
	// ToReturn: waiting on the DCO team alone, every part answered
	// (to_return=1).
	ToReturn bool
}

// values is the query for links and the pager: only the filters set.
func (q adviceQuery) values() url.Values {
	v := url.Values{}
	set := func(k, val string) {
		if val != "" {
			v.Set(k, val)
		}
	}
	set("la", q.LA)
	set("status", q.Status)
	set("queue", q.Queue)
	set("month", q.Month)
	set("assignee", q.Assignee)
	set("service", q.Service)
	if q.Unassigned {
		v.Set("unassigned", "1")
	}
	if q.ToReturn {
		v.Set("to_return", "1")
	}
	return v
}

// adviceListURL is the list filtered by q.
func adviceListURL(q adviceQuery) string {
	v := q.values()
	if len(v) == 0 {
		return "/advice-requests"
	}
	return "/advice-requests?" + v.Encode()
}

// readAdviceQuery reads the filters from a URL and turns them into a store
// filter, naming each one that is wrong.
func (s *Web) readAdviceQuery(ctx context.Context, v url.Values) (adviceQuery, advicedb.Filter, map[string]string, error) {
	q := adviceQuery{
		LA: strings.TrimSpace(v.Get("la")), Status: strings.TrimSpace(v.Get("status")), Queue: strings.TrimSpace(v.Get("queue")),
		Month: strings.TrimSpace(v.Get("month")), Assignee: strings.TrimSpace(v.Get("assignee")),
		Service: strings.TrimSpace(v.Get("service")), Unassigned: v.Get("unassigned") == "1",
		ToReturn: v.Get("to_return") == "1",
	}
	f := advicedb.Filter{Month: q.Month, Service: q.Service, Unassigned: q.Unassigned, ToReturn: q.ToReturn}
	bad := map[string]string{}
	if q.LA != "" {
		org, err := s.Store().FindLA(ctx, q.LA)
		switch {
		case errs.Is(err, errs.NotFound):
			bad["la"] = "Choose a local authority from the list"
		case err != nil:
			return q, f, nil, err
		default:
			f.LAID = org.ID
		}
	}
	if q.Status != "" {
		st, ok := advice.ParseStatus(q.Status)
		if !ok {
			bad["status"] = "Choose a status from the list"
		}
		f.Status = st
	}
	if q.Queue != "" {
		qu, ok := advice.ParseQueue(q.Queue)
		if !ok {
			bad["queue"] = "Choose a work queue from the list"
		}
		f.Queue = qu
	}
	if q.Month != "" {
		if _, err := send.ParseDate(q.Month + "-01"); err != nil || len(q.Month) != 7 {
			bad["month"] = "Enter the month as a year and month, like 2025-05"
			f.Month = ""
		}
	}
	if q.Assignee != "" {
		id, err := strconv.ParseInt(q.Assignee, 10, 64)
		if err != nil || id <= 0 {
			bad["assignee"] = "Choose a clinician from the list"
		}
		f.AssigneeID = id
	}
	if q.Service != "" && !advice.ValidService(q.Service) {
		bad["service"] = "Choose a service from the list"
	}
	return q, f, bad, nil
}

// clinicians lists the active clinicians of an ICB's providers, those a
// request of that ICB may be assigned to (the store refuses any other);
// icbID 0 lists none: a DCO of no ICB sees no request.
func (s *Web) clinicians(ctx context.Context, icbID int64) ([]store.User, error) {
	return s.db.CliniciansOfICB(ctx, icbID)
}

// loadAdvice reads the request named in the path, with the calendar.
func (s *Web) loadAdvice(w http.ResponseWriter, r *http.Request) (advicedb.Request, advice.Clock, bool) {
	ctx := r.Context()
	id, err := web.PathID(r)
	if err != nil {
		s.Fail(w, r, err)
		return advicedb.Request{}, advice.Clock{}, false
	}
	clock, err := s.adviceClock(ctx)
	if err != nil {
		s.Fail(w, r, err)
		return advicedb.Request{}, advice.Clock{}, false
	}
	rq, err := s.db.GetAdviceRequest(ctx, s.Actor(r), id)
	if err != nil {
		s.Fail(w, r, err)
		return advicedb.Request{}, advice.Clock{}, false
	}
	return rq, clock, true
}
