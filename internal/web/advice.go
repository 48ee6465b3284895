package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"dco/internal/advice"
	"dco/internal/errs"
	"dco/internal/send"
	"dco/internal/store"
)

// Health advice for EHC needs assessments (SEND Regulations 2014 reg 8):
// the LA's request comes in, the DCO triages and assigns it, clinicians
// answer, and the DCO returns one combined response within six weeks.
// These pages read and write through the store, which scopes and audits
// every request; deadlines come from the statutory clock in internal/send.

func init() {
	pageFiles = append(pageFiles, "advice_list.html", "advice_at_risk.html", "advice_new.html", "advice_view.html",
		"advice_triage.html", "advice_contribution.html", "advice_return.html", "advice_response.html", "advice_withdraw.html",
		"advice_edit.html")
	for code, f := range adviceFlashes {
		flashes[code] = f
	}
	// A clinician's uploaded advice may be up to advice.MaxDocument; the
	// form around it is small.
	routeBodyLimits["POST /advice-contributions/{id}/document"] = advice.MaxDocument + 1<<20
}

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

var adviceFlashes = map[string]flash{
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
func (s *Server) adviceCalendar(ctx context.Context) (*send.Calendar, error) {
	if s.calendar == nil {
		return send.DefaultCalendar(), nil
	}
	return s.calendar(ctx)
}

// adviceClock is today's clock for the work queues.
func (s *Server) adviceClock(ctx context.Context) (advice.Clock, error) {
	cal, err := s.adviceCalendar(ctx)
	if err != nil {
		return advice.Clock{}, err
	}
	return advice.NewClock(cal, send.Today(s.now())), nil
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
func waitingOn(r store.AdviceRequest, clock advice.Clock) string {
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
func onTimeText(r store.AdviceRequest) string {
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

func toAdviceRow(r store.AdviceRequest, clock advice.Clock) adviceRow {
	st := clock.Status(r.Facts())
	row := adviceRow{
		ID: r.ID, Href: advicePath(r.ID), Child: r.FamilyName + ", " + r.GivenName, ChildHref: childPath(r.ChildID),
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
func (s *Server) readAdviceQuery(ctx context.Context, v url.Values) (adviceQuery, store.AdviceFilter, map[string]string, error) {
	q := adviceQuery{
		LA: strings.TrimSpace(v.Get("la")), Status: strings.TrimSpace(v.Get("status")), Queue: strings.TrimSpace(v.Get("queue")),
		Month: strings.TrimSpace(v.Get("month")), Assignee: strings.TrimSpace(v.Get("assignee")),
		Service: strings.TrimSpace(v.Get("service")), Unassigned: v.Get("unassigned") == "1",
		ToReturn: v.Get("to_return") == "1",
	}
	f := store.AdviceFilter{Month: q.Month, Service: q.Service, Unassigned: q.Unassigned, ToReturn: q.ToReturn}
	bad := map[string]string{}
	if q.LA != "" {
		org, err := s.store.FindLA(ctx, q.LA)
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
func (s *Server) clinicians(ctx context.Context, icbID int64) ([]store.User, error) {
	return s.store.CliniciansOfICB(ctx, icbID)
}

// --- the list ---

// adviceListPage is the list of requests with its filters.
type adviceListPage struct {
	page
	Rows      []adviceRow
	Total     int
	Pager     pager
	Filtered  bool
	LAs       []option
	Statuses  []option
	Queues    []option
	Services  []option
	Assignees []option
	Month     string
	// Unassigned and ToReturn are the "waiting on" boxes ticked.
	Unassigned bool
	ToReturn   bool
	ShowLA     bool
	CanCreate  bool
	CSV        string
	Heading    string
}

var adviceFilterFields = []string{"la", "status", "queue", "service", "assignee", "month"}

func (s *Server) adviceList(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	actor := state(r).actor(r)
	clock, err := s.adviceClock(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	q, f, bad, err := s.readAdviceQuery(ctx, r.URL.Query())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p := &adviceListPage{Month: q.Month, Unassigned: q.Unassigned, ToReturn: q.ToReturn, ShowLA: actor.Role == store.RoleDCO,
		CanCreate: actor.Role == store.RoleLA || actor.Role == store.RoleDCO}
	p.Title, p.Heading = "Advice requests", "Advice requests"
	if actor.Role == store.RoleClinician {
		p.Heading = "Advice requests assigned to you"
	}
	p.Back, p.BackText = "/", "Home"
	if err := s.adviceFilterOptions(ctx, actor, q, p); err != nil {
		s.fail(w, r, err)
		return
	}
	if len(bad) > 0 {
		p.setErrors(bad, adviceFilterFields, nil)
		s.render(w, r, http.StatusUnprocessableEntity, "advice_list.html", p)
		return
	}
	f.Limit = advicePageSize
	f.Offset, _ = strconv.Atoi(r.URL.Query().Get("offset"))
	f.Offset = max(f.Offset, 0)
	list, total, err := s.store.ListAdviceRequests(ctx, actor, clock, f)
	if err != nil {
		if fields := errs.FieldsOf(err); len(fields) > 0 {
			p.setErrors(fields, adviceFilterFields, nil)
			s.render(w, r, http.StatusUnprocessableEntity, "advice_list.html", p)
			return
		}
		s.fail(w, r, err)
		return
	}
	for _, rq := range list {
		p.Rows = append(p.Rows, toAdviceRow(rq, clock))
	}
	p.Total = total
	p.Filtered = len(q.values()) > 0
	p.Pager = newPager("/advice-requests", q.values(), f.Offset, advicePageSize, len(list), total)
	p.CSV = "/advice-requests.csv"
	if v := q.values(); len(v) > 0 {
		p.CSV += "?" + v.Encode()
	}
	s.render(w, r, http.StatusOK, "advice_list.html", p)
}

// adviceFilterOptions fills the filter selects, marking what is chosen.
func (s *Server) adviceFilterOptions(ctx context.Context, actor store.Actor, q adviceQuery, p *adviceListPage) error {
	if p.ShowLA {
		las, err := s.localAuthorities(ctx, actor)
		if err != nil {
			return err
		}
		for _, o := range las {
			p.LAs = append(p.LAs, option{Value: o.Code, Label: o.Name, Selected: o.Code == q.LA})
		}
		// The DCO's ICB's clinicians: a DCO's requests are that ICB's.
		users, err := s.clinicians(ctx, actor.OrgID)
		if err != nil {
			return err
		}
		for _, u := range users {
			id := strconv.FormatInt(u.ID, 10)
			p.Assignees = append(p.Assignees, option{Value: id, Label: u.Name, Selected: id == q.Assignee})
		}
	}
	for _, st := range advice.Statuses() {
		p.Statuses = append(p.Statuses, option{Value: string(st), Label: st.Label(), Selected: string(st) == q.Status})
	}
	for _, qu := range advice.Queues() {
		p.Queues = append(p.Queues, option{Value: string(qu), Label: qu.Label(), Selected: string(qu) == q.Queue})
	}
	for _, sv := range advice.Services() {
		p.Services = append(p.Services, option{Value: sv.Code, Label: sv.Label, Selected: sv.Code == q.Service})
	}
	return nil
}

// adviceCSVMax bounds one download; a wider one is narrowed by filters.
const adviceCSVMax = 50_000

// adviceCSV downloads exactly what the list shows with the same filters,
// every page of it.
func (s *Server) adviceCSV(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	actor := state(r).actor(r)
	clock, err := s.adviceClock(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	_, f, bad, err := s.readAdviceQuery(ctx, r.URL.Query())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if len(bad) > 0 {
		s.fail(w, r, errs.InvalidFields(bad))
		return
	}
	var rows []adviceRow
	var all []store.AdviceRequest
	for f.Offset, f.Limit = 0, 1000; ; f.Offset += f.Limit {
		list, total, err := s.store.ListAdviceRequests(ctx, actor, clock, f)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		all = append(all, list...)
		if len(list) == 0 || f.Offset+len(list) >= total || len(all) >= adviceCSVMax {
			break
		}
	}
	for _, rq := range all {
		rows = append(rows, toAdviceRow(rq, clock))
	}
	out := make([][]string, 0, len(rows))
	for i, row := range rows {
		rq := all[i]
		out = append(out, []string{strconv.FormatInt(row.ID, 10), row.Child, string(rq.NHSNumber), row.LA,
			row.Reference, rq.ReceivedOn.String(), rq.DueOn.String(), row.Status, row.Waiting,
			rq.ClosedOn().String(), row.OnTime, row.Exception})
	}
	writeCSV(w, "advice-requests.csv", []string{"id", "child", "nhs_number", "la", "la_reference", "received_on", "due_on",
		"status", "waiting_on", "returned_on", "on_time", "exception"}, out)
}

// --- "which requests will miss six weeks this week, and whose are they?" ---

// atRiskPage answers the DCO's question in one page: every open request due
// within seven days or already overdue, who it is waiting on, and counts
// that each link to the list of exactly the requests they count.
type atRiskPage struct {
	page
	WeekEnd     string
	Total       int
	TotalLink   string
	Overdue     int
	OverdueLink string
	DueWeek     int
	DueWeekLink string
	Paused      int
	PausedLink  string
	People      []atRiskPerson
	Rows        []adviceRow
	Truncated   bool
}

// atRiskPerson is one line of "whose are they": a clinician, no one yet,
// or the DCO team when every part is answered and the response has still
// to go to the LA.
type atRiskPerson struct {
	Name        string
	Overdue     int
	OverdueLink string
	DueWeek     int
	DueWeekLink string
	Paused      int
	PausedLink  string
	Total       int
	TotalLink   string
}

// atRiskMax is how many requests the page lists; a week's risk for one ICB
// is far fewer.
const atRiskMax = 1000

func (s *Server) adviceAtRisk(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	actor := state(r).actor(r)
	clock, err := s.adviceClock(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	list, total, err := s.store.ListAdviceRequests(ctx, actor, clock, store.AdviceFilter{Queue: advice.QueueAtRisk, Limit: atRiskMax})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p := &atRiskPage{WeekEnd: clock.WeekEnd.Long(), Total: total, Truncated: total > len(list)}
	p.Title = "Requests that will miss six weeks this week"
	p.Back, p.BackText = "/", "Home"
	link := func(q adviceQuery) string { return adviceListURL(q) }
	p.TotalLink = link(adviceQuery{Queue: string(advice.QueueAtRisk)})
	p.OverdueLink = link(adviceQuery{Queue: string(advice.QueueOverdue)})
	p.DueWeekLink = link(adviceQuery{Queue: string(advice.QueueDueThisWeek)})
	p.PausedLink = link(adviceQuery{Queue: string(advice.QueueAtRisk), Status: string(advice.StatusPaused)})

	// key is whose: a clinician by id, 0 for "not yet assigned", and
	// dcoTeam for requests with every part answered.
	type key struct {
		id   int64
		name string
	}
	const dcoTeam = -1
	people := map[key]*atRiskPerson{}
	var order []key
	person := func(k key) *atRiskPerson {
		if ap, ok := people[k]; ok {
			return ap
		}
		base := adviceQuery{Assignee: strconv.FormatInt(k.id, 10)}
		switch k.id {
		case 0:
			base = adviceQuery{Unassigned: true}
		case dcoTeam:
			base = adviceQuery{ToReturn: true}
		}
		with := func(queue advice.Queue, status advice.Status) string {
			q := base
			q.Queue, q.Status = string(queue), string(status)
			return link(q)
		}
		ap := &atRiskPerson{Name: k.name,
			OverdueLink: with(advice.QueueOverdue, ""), DueWeekLink: with(advice.QueueDueThisWeek, ""),
			PausedLink: with(advice.QueueAtRisk, advice.StatusPaused), TotalLink: with(advice.QueueAtRisk, "")}
		people[k] = ap
		order = append(order, k)
		return ap
	}
	for _, rq := range list {
		p.Rows = append(p.Rows, toAdviceRow(rq, clock))
		qf := rq.QueueFacts()
		overdue, dueWeek := clock.In(advice.QueueOverdue, qf), clock.In(advice.QueueDueThisWeek, qf)
		paused := clock.In(advice.QueuePaused, qf)
		switch {
		case overdue:
			p.Overdue++
		case dueWeek:
			p.DueWeek++
		case paused:
			p.Paused++
		}
		var whose []key
		seen := map[int64]bool{}
		for _, c := range rq.Contributions {
			if !c.Done() && c.AssigneeID != 0 && !seen[c.AssigneeID] {
				seen[c.AssigneeID] = true
				whose = append(whose, key{c.AssigneeID, c.AssigneeName})
			}
		}
		if clock.In(advice.QueueUnassigned, qf) {
			whose = append(whose, key{0, "Not yet assigned"})
		}
		if qf.ToReturn() {
			whose = append(whose, key{dcoTeam, waitingOnDCOTeam})
		}
		for _, k := range whose {
			ap := person(k)
			ap.Total++
			switch {
			case overdue:
				ap.Overdue++
			case dueWeek:
				ap.DueWeek++
			case paused:
				ap.Paused++
			}
		}
	}
	for _, k := range order {
		p.People = append(p.People, *people[k])
	}
	// The most overdue people first; "not yet assigned" is a person too.
	sortPeople(p.People)
	s.render(w, r, http.StatusOK, "advice_at_risk.html", p)
}

// sortPeople orders "whose are they" by overdue, then by total, then name.
func sortPeople(ps []atRiskPerson) {
	for i := 1; i < len(ps); i++ {
		for j := i; j > 0 && lessPerson(ps[j], ps[j-1]); j-- {
			ps[j], ps[j-1] = ps[j-1], ps[j]
		}
	}
}

func lessPerson(a, b atRiskPerson) bool {
	if a.Overdue != b.Overdue {
		return a.Overdue > b.Overdue
	}
	if a.Total != b.Total {
		return a.Total > b.Total
	}
	return a.Name < b.Name
}

// --- home page work queues ---

// adviceHome is the advice part of a home page's work list.
type adviceHome struct {
	Role       store.Role
	ByLA       []queueLine
	ByService  []queueLine
	Mine       []adviceRow // a clinician's open parts, by due date
	MineTotal  int
	MineLink   string
	AtRiskLink string
	AtRisk     int
	ListLink   string
	NewLink    string
}

// queueLine is one row of a queue table: each figure links to the list of
// the requests it counts.
type queueLine struct {
	Label       string
	Overdue     int
	OverdueLink string
	DueWeek     int
	DueWeekLink string
	Unassigned  int
	UnassLink   string
	Paused      int
	PausedLink  string
	AtRisk      int
	AtRiskLink  string
}

func queueLineOf(c store.AdviceCount, base adviceQuery) queueLine {
	with := func(q advice.Queue) string {
		b := base
		b.Queue = string(q)
		return adviceListURL(b)
	}
	return queueLine{Label: c.Label, Overdue: c.Overdue, OverdueLink: with(advice.QueueOverdue),
		DueWeek: c.DueThisWeek, DueWeekLink: with(advice.QueueDueThisWeek),
		Unassigned: c.Unassigned, UnassLink: with(advice.QueueUnassigned),
		Paused: c.Paused, PausedLink: with(advice.QueuePaused),
		AtRisk: c.AtRisk, AtRiskLink: with(advice.QueueAtRisk)}
}

// homeListAdvice is how many of a clinician's requests their home lists.
const homeListAdvice = 10

// adviceHomeFor builds the advice work queues for a home page: per LA and
// per service for the DCO, for their own LA for an LA caseworker, and the
// caseload for a clinician. Other roles have none.
func (s *Server) adviceHomeFor(ctx context.Context, actor store.Actor) (*adviceHome, error) {
	switch actor.Role {
	case store.RoleDCO, store.RoleLA, store.RoleClinician:
	default:
		return nil, nil
	}
	clock, err := s.adviceClock(ctx)
	if err != nil {
		return nil, err
	}
	h := &adviceHome{Role: actor.Role, ListLink: "/advice-requests", AtRiskLink: "/advice-requests/at-risk"}
	if actor.Role != store.RoleClinician {
		h.NewLink = "/advice-requests/new"
	}
	byLA, err := s.store.AdviceQueueCounts(ctx, actor, clock, store.ByLA)
	if err != nil {
		return nil, err
	}
	for _, c := range byLA {
		base := adviceQuery{LA: c.Code}
		if actor.Role != store.RoleDCO {
			base = adviceQuery{}
		}
		h.ByLA = append(h.ByLA, queueLineOf(c, base))
		h.AtRisk += c.AtRisk
	}
	if actor.Role == store.RoleDCO {
		bySvc, err := s.store.AdviceQueueCounts(ctx, actor, clock, store.ByService)
		if err != nil {
			return nil, err
		}
		for _, c := range bySvc {
			h.ByService = append(h.ByService, queueLineOf(c, adviceQuery{Service: c.Code}))
		}
	}
	if actor.Role == store.RoleClinician {
		mine := adviceQuery{Assignee: strconv.FormatInt(actor.UserID, 10)}
		list, total, err := s.store.ListAdviceRequests(ctx, actor, clock, store.AdviceFilter{AssigneeID: actor.UserID, Open: true, Limit: homeListAdvice})
		if err != nil {
			return nil, err
		}
		for _, rq := range list {
			h.Mine = append(h.Mine, toAdviceRow(rq, clock))
		}
		h.MineTotal, h.MineLink = total, adviceListURL(mine)
		h.ByLA = nil
		counts, err := s.store.AdviceQueueCounts(ctx, actor, clock, store.ByAssignee)
		if err != nil {
			return nil, err
		}
		for _, c := range counts {
			if c.ID == actor.UserID {
				c.Label = "Waiting on you"
				line := queueLineOf(c, mine)
				line.UnassLink = "" // a clinician's own parts always have a clinician
				h.ByLA = append(h.ByLA, line)
			}
		}
	}
	return h, nil
}

// --- a new request ---

// adviceNewPage is the form an LA caseworker (or the DCO) records a request on.
type adviceNewPage struct {
	page
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
	DOB                 dateParts
	LACode              string
	LAReference         string
	Received            dateParts
	AssessmentRequested dateParts
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

func (s *Server) adviceNewPage(ctx context.Context, actor store.Actor, in adviceInput) (*adviceNewPage, error) {
	p := &adviceNewPage{In: in, Services: serviceChecks(in.Services)}
	p.Title = "Record a request for health advice"
	p.Back, p.BackText = "/advice-requests", "Advice requests"
	if actor.Role == store.RoleLA {
		org, err := s.store.GetOrg(ctx, actor.LAID)
		if err != nil {
			return nil, err
		}
		p.FixedLA = org.Name
		return p, nil
	}
	las, err := s.localAuthorities(ctx, actor)
	if err != nil {
		return nil, err
	}
	for _, o := range las {
		p.LAs = append(p.LAs, option{Value: o.Code, Label: o.Name, Selected: o.Code == in.LACode})
	}
	return p, nil
}

func (s *Server) adviceNew(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	actor := state(r).actor(r)
	in := adviceInput{Received: datePartsOf(send.Today(s.now()))}
	// Started from a child's page: the child is known.
	if v := r.URL.Query().Get("child"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			s.fail(w, r, errs.E(errs.NotFound, "Page not found"))
			return
		}
		c, err := s.store.GetChild(ctx, actor, id)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		in.NHSNumber = c.NHSNumber.String()
		in.LACode, _ = s.laCode(ctx, c.LAID)
	}
	p, err := s.adviceNewPage(ctx, actor, in)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "advice_new.html", p)
}

func decodeAdviceForm(r *http.Request) adviceInput {
	parts := func(name string) dateParts {
		return dateParts{Day: strings.TrimSpace(r.PostFormValue(name + "-day")), Month: strings.TrimSpace(r.PostFormValue(name + "-month")),
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
func (s *Server) requestFrom(ctx context.Context, actor store.Actor, in adviceInput, dob, received, assessment send.Date, bad map[string]string) (store.AdviceRequest, *store.Child, error) {
	rq := store.AdviceRequest{LAReference: in.LAReference, ReceivedOn: received, AssessmentRequestedOn: assessment, RequestNote: in.Note}
	codes, unknown := advice.JoinServices(in.Services)
	if len(unknown) > 0 {
		bad["services_requested"] = "Choose services from the list"
	}
	rq.ServicesRequested = codes
	nhsText := strings.TrimSpace(in.NHSNumber)
	if nhsText == "" {
		bad["nhs_number"] = "Enter the child's NHS number"
		return rq, nil, nil
	}
	nhs, err := send.ParseNHSNumber(nhsText)
	if err != nil {
		bad["nhs_number"] = sentence(err.Error())
		return rq, nil, nil
	}
	found, _, err := s.store.SearchChildren(ctx, actor, store.ChildFilter{Query: string(nhs), Limit: 2})
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
	given, family := strings.TrimSpace(in.GivenName), strings.TrimSpace(in.FamilyName)
	if given == "" && family == "" && dob.IsZero() {
		bad["nhs_number"] = "No child with this NHS number is registered that you can see. Check the number, or give the child's name and date of birth to register them"
		return rq, nil, nil
	}
	reg := &store.Child{NHSNumber: nhs, GivenName: checkName(bad, "given_name", "given name", given),
		FamilyName: checkName(bad, "family_name", "family name", family), DateOfBirth: dob}
	if dob.IsZero() {
		if _, ok := bad["date_of_birth"]; !ok {
			bad["date_of_birth"] = "Enter the date of birth"
		}
	}
	if actor.Role != store.RoleLA {
		code := strings.TrimSpace(in.LACode)
		if code == "" {
			bad["la_code"] = "Choose the local authority that sent the request"
		} else if org, err := s.store.FindLA(ctx, code); err != nil {
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
func optionalDate(bad map[string]string, field, label string, p dateParts) send.Date {
	if p == (dateParts{}) {
		return send.Date{}
	}
	return checkDateParts(bad, field, label, p)
}

func (s *Server) adviceCreate(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	actor := state(r).actor(r)
	in := decodeAdviceForm(r)
	reshow := func(status int, fields map[string]string) {
		p, err := s.adviceNewPage(ctx, actor, in)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		p.setErrors(fields, adviceNewFields, adviceNewAnchors)
		s.render(w, r, status, "advice_new.html", p)
	}
	bad := map[string]string{}
	received := checkDateParts(bad, "received_on", "Date health received the request", in.Received)
	assessment := optionalDate(bad, "assessment_requested_on", "Date the assessment was requested", in.AssessmentRequested)
	dob := optionalDate(bad, "date_of_birth", "Date of birth", in.DOB)
	rq, reg, err := s.requestFrom(ctx, actor, in, dob, received, assessment, bad)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if len(bad) > 0 {
		reshow(http.StatusUnprocessableEntity, bad)
		return
	}
	cal, err := s.adviceCalendar(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.store.CreateAdviceRequest(ctx, actor, cal, &rq, reg); err != nil {
		s.failForm(w, r, storeFields(err), reshow)
		return
	}
	s.setFlash(w, r, flashAdviceCreated)
	http.Redirect(w, r, advicePath(rq.ID), http.StatusSeeOther)
}

// --- a request's page ---

// adviceViewPage is a request and everything done on it.
type adviceViewPage struct {
	page
	R              store.AdviceRequest
	Row            adviceRow
	FinalPlanDue   string
	Assessment     string
	KnownServices  string
	Parts          []contributionView
	Hidden         bool
	IsDCO          bool
	IsLA           bool
	Open           bool
	CanEdit        bool // may change the request's details (advice_edit.go)
	CanReturn      bool
	OpenParts      int
	Clinicians     []option
	ExceptionKinds []option
	ExcOn          dateParts
	ExcReason      string
	ResponseLink   string
}

// contributionView is one part of the advice as the pages show it.
type contributionView struct {
	C          store.AdviceContribution
	Service    string
	Who        string
	Status     string
	Colour     string
	Returned   string
	KindLabel  string
	Href       string
	CanAnswer  bool
	DocHref    string
	DocSize    string
	Exception  string
	ExcOn      string
	ReuseDated string
	// ReuseAgreed says who agreed reused advice is sufficient (reg 6(4)),
	// or whose agreement is not recorded.
	ReuseAgreed string
}

func (s *Server) contributionViews(actor store.Actor, r store.AdviceRequest, clock advice.Clock) []contributionView {
	var out []contributionView
	for _, c := range r.Contributions {
		f := advice.Facts{State: advice.StateOpen, Due: r.DueOn, Exception: c.Exception.Kind, Started: c.AssigneeID != 0}
		if c.Done() {
			f.State, f.Returned = advice.StateReturned, c.ReturnedOn
		}
		st := clock.Status(f)
		who := c.AssigneeName
		if who == "" {
			who = "Not yet assigned"
		}
		v := contributionView{C: c, Service: advice.ServiceLabel(c.Service), Who: who, Status: st.Label(), Colour: st.Colour(),
			Returned: c.ReturnedOn.Long(), KindLabel: c.Kind.Label(),
			Href:       fmt.Sprintf("/advice-contributions/%d", c.ID),
			CanAnswer:  r.State == advice.StateOpen && (actor.Role == store.RoleDCO || (actor.Role == store.RoleClinician && c.AssigneeID == actor.UserID)),
			ReuseDated: c.Reuse.Dated.Long(),
		}
		if c.Kind == advice.KindReuse {
			v.ReuseAgreed = c.Reuse.AgreementText()
		}
		if c.Document != nil {
			v.DocHref = fmt.Sprintf("/advice-documents/%d", c.Document.ID)
			v.DocSize = humanSize(c.Document.Size)
		}
		if c.Exception.Kind != "" {
			v.Exception, v.ExcOn = c.Exception.Kind.Label(), c.Exception.On.Long()
		}
		out = append(out, v)
	}
	return out
}

// humanSize writes a byte count as people read it: 12 KB, 3.4 MB.
func humanSize(n int64) string {
	switch {
	case n < 1024:
		return fmt.Sprintf("%d bytes", n)
	case n < 1024*1024:
		return fmt.Sprintf("%d KB", (n+1023)/1024)
	}
	return fmt.Sprintf("%.1f MB", float64(n)/(1024*1024))
}

// exceptionOptions are the reg 8(2) exceptions for a select.
func exceptionOptions(chosen send.Exception) []option {
	var out []option
	for _, e := range send.Exceptions() {
		out = append(out, option{Value: string(e), Label: e.Label(), Selected: e == chosen})
	}
	return out
}

// loadAdvice reads the request named in the path, with the calendar.
func (s *Server) loadAdvice(w http.ResponseWriter, r *http.Request) (store.AdviceRequest, advice.Clock, bool) {
	ctx := r.Context()
	id, err := pathID(r)
	if err != nil {
		s.fail(w, r, err)
		return store.AdviceRequest{}, advice.Clock{}, false
	}
	clock, err := s.adviceClock(ctx)
	if err != nil {
		s.fail(w, r, err)
		return store.AdviceRequest{}, advice.Clock{}, false
	}
	rq, err := s.store.GetAdviceRequest(ctx, state(r).actor(r), id)
	if err != nil {
		s.fail(w, r, err)
		return store.AdviceRequest{}, advice.Clock{}, false
	}
	return rq, clock, true
}

func (s *Server) adviceViewPageFor(ctx context.Context, actor store.Actor, rq store.AdviceRequest, clock advice.Clock) (*adviceViewPage, error) {
	cal, err := s.adviceCalendar(ctx)
	if err != nil {
		return nil, err
	}
	p := &adviceViewPage{R: rq, Row: toAdviceRow(rq, clock), Parts: s.contributionViews(actor, rq, clock),
		Hidden: rq.ContributionsHidden, IsDCO: actor.Role == store.RoleDCO, IsLA: actor.Role == store.RoleLA,
		Open: rq.State == advice.StateOpen, KnownServices: advice.ServiceLabels(rq.KnownServices),
		Assessment: rq.AssessmentRequestedOn.Long(), FinalPlanDue: advice.FinalPlanDue(cal, rq.AssessmentRequestedOn).Long(),
		ExceptionKinds: exceptionOptions(""), ResponseLink: advicePath(rq.ID) + "/response"}
	for _, c := range rq.Contributions {
		if !c.Done() {
			p.OpenParts++
		}
	}
	p.CanReturn = p.IsDCO && p.Open && len(rq.Contributions) > 0 && p.OpenParts == 0
	if actor.Role == store.RoleClinician && !p.Open {
		// A clinician keeps the request they answered, not the child's
		// record: that access ended with the work (store.grantClinician).
		p.Row.ChildHref = ""
	}
	p.CanEdit = p.Open && mayEditAdvice(actor.Role)
	if p.IsDCO && p.Open {
		users, err := s.clinicians(ctx, rq.ICBID)
		if err != nil {
			return nil, err
		}
		for _, u := range users {
			p.Clinicians = append(p.Clinicians, option{Value: strconv.FormatInt(u.ID, 10), Label: u.Name})
		}
	}
	p.Title = "Advice request for " + rq.GivenName + " " + rq.FamilyName
	p.Back, p.BackText = "/advice-requests", "Advice requests"
	return p, nil
}

func (s *Server) adviceView(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	actor := state(r).actor(r)
	rq, clock, ok := s.loadAdvice(w, r)
	if !ok {
		return
	}
	p, err := s.adviceViewPageFor(ctx, actor, rq, clock)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "advice_view.html", p)
}

// --- the combined response ---

// adviceResponsePage is the combined health response to the LA, printable.
type adviceResponsePage struct {
	page
	R        store.AdviceRequest
	Row      adviceRow
	Parts    []contributionView
	Returned bool
	Outcome  string
}

func (s *Server) adviceResponse(w http.ResponseWriter, r *http.Request) {
	actor := state(r).actor(r)
	rq, clock, ok := s.loadAdvice(w, r)
	if !ok {
		return
	}
	p := &adviceResponsePage{R: rq, Row: toAdviceRow(rq, clock), Parts: s.contributionViews(actor, rq, clock),
		Returned: rq.State == advice.StateReturned, Outcome: rq.Outcome.Label()}
	p.Title = "Health advice for " + rq.GivenName + " " + rq.FamilyName
	p.Back, p.BackText = advicePath(rq.ID), "Back to the request"
	s.render(w, r, http.StatusOK, "advice_response.html", p)
}

// adviceDocument sends an uploaded document: always as a download, never
// shown in the browser, with its type fixed so that nothing sniffs it into
// something else.
func (s *Server) adviceDocument(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d, err := s.store.GetAdviceDocument(r.Context(), state(r).actor(r), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", d.ContentType)
	h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s"; filename*=UTF-8''%s`, asciiName(d.Filename), url.PathEscape(d.Filename)))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "sandbox; default-src 'none'")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Length", strconv.Itoa(len(d.Content)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(d.Content)
}

// asciiName is the filename for browsers that do not read filename*: plain
// ASCII, other characters replaced.
func asciiName(name string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' {
			return '_'
		}
		return r
	}, name)
}

// --- on the child's page ---

// adviceTimeline adds a child's advice requests, as the actor may see
// them, to the child's timeline: dated when received, with the status tag
// and "due in N days".
func (s *Server) adviceTimeline(ctx context.Context, actor store.Actor, childID int64) ([]timelineEntry, error) {
	switch actor.Role {
	case store.RoleDCO, store.RoleLA, store.RoleClinician:
	default:
		return nil, nil
	}
	clock, err := s.adviceClock(ctx)
	if err != nil {
		return nil, err
	}
	list, _, err := s.store.ListAdviceRequests(ctx, actor, clock, store.AdviceFilter{ChildID: childID, Limit: 100})
	if err != nil {
		return nil, err
	}
	var out []timelineEntry
	for _, rq := range list {
		row := toAdviceRow(rq, clock)
		detail := "due " + row.Due
		if row.DueText != "" {
			detail += ", " + row.DueText
		}
		if rq.State != advice.StateOpen {
			detail = string(rq.State) + " " + rq.ClosedOn().Long()
			if row.OnTime != "" {
				detail += ": " + row.OnTime
			}
		}
		title := "Health advice requested by " + rq.LAName
		if rq.LAReference != "" {
			title += " (" + rq.LAReference + ")"
		}
		out = append(out, timelineEntry{Date: rq.ReceivedOn, Title: title, Href: row.Href, Colour: row.Colour,
			Status: row.Status, Detail: detail})
	}
	return out, nil
}

// adviceChildActions offers an advice request from a child's page to those
// who record them.
func adviceChildActions(actor store.Actor, c store.Child) []navItem {
	if actor.Role != store.RoleDCO && actor.Role != store.RoleLA {
		return nil
	}
	return []navItem{{Href: "/advice-requests/new?child=" + strconv.FormatInt(c.ID, 10), Text: "Record a request for health advice"}}
}

// adviceActionLabels word the health-advice audit actions for "who has
// accessed this record": a list that showed the child's request is there
// too, since every read of a child's data is (docs/hazard-log.md, H6).
var adviceActionLabels = map[string]string{
	"advice.view":             "Viewed a health advice request",
	"advice.list":             "Listed health advice requests",
	"advice.create":           "Recorded a health advice request",
	"advice.import":           "Imported a health advice request",
	"advice.update":           "Changed a health advice request",
	"advice.triage":           "Triaged a health advice request",
	"advice.assign":           "Assigned part of a health advice request",
	"advice.unassign":         "Removed part of a health advice request",
	"advice.reuse_candidates": "Looked for advice to reuse",
	"advice.answer":           "Recorded health advice",
	"advice.exception":        "Recorded an exception to the six weeks",
	"advice.document.view":    "Opened an advice document",
	"advice.return":           "Returned the health advice to the LA",
	"advice.withdraw":         "Withdrew a health advice request",
}
