package s23web

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"dco/internal/errs"
	"dco/internal/s23"
	"dco/internal/s23/s23db"
	"dco/internal/send"
	"dco/internal/store"
	"dco/internal/web"
)

// Section 23 notifications (Children and Families Act 2014 s.23): the pages
// a provider makes them with, an LA receives them with and a DCO oversees
// them with. The rules are internal/s23's and the scoping s23db's; these
// handlers decode, call the store and draw. Routes are in web.go.

// The banners after each change.
const (
	flashS23Created      = "s23-created"
	flashS23Sent         = "s23-sent"
	flashS23Saved        = "s23-saved"
	flashS23Acknowledged = "s23-acknowledged"
	flashS23LetterSent   = "s23-letter-sent"
	flashS23Settings     = "s23-settings"
)

var s23Flashes = map[string]web.Flash{
	flashS23Created:      {Success: true, Text: "Notification recorded. The LA will see it once you record the date it was notified."},
	flashS23Sent:         {Success: true, Text: "Notification recorded and sent to the local authority"},
	flashS23Saved:        {Success: true, Text: "Notification saved"},
	flashS23Acknowledged: {Success: true, Text: "Notification acknowledged"},
	flashS23LetterSent:   {Success: true, Text: "Letter recorded as sent"},
	flashS23Settings:     {Success: true, Text: "Notification settings saved"},
}

// s23PageSize is how many notifications a list page shows.
const s23PageSize = 25

// s23Path is the address of a notification's page.
func s23Path(id int64) string { return "/s23-notifications/" + strconv.FormatInt(id, 10) }

// s23Cal returns the working-day calendar for status tags.
func (s *Web) s23Cal(ctx context.Context) (*send.Calendar, error) { return s.Calendar(ctx) }

// s23Today is today's date in England.
func (s *Web) s23Today() send.Date { return send.Today(s.Now()) }

// s23ActorSettings is the Section 23 configuration of the actor's ICB (its
// own values, else the defaults), for the lists, counts and compliance
// figures an actor sees. A notification's own page, status and letters use
// its ICB's instead (S23Settings(ctx, n.ICBID)).
func (s *Web) s23ActorSettings(ctx context.Context, actor store.Actor) (s23db.Config, error) {
	icb, err := s.Store().ActorICB(ctx, actor)
	if err != nil {
		return s23db.Config{}, err
	}
	return s.db.Settings(ctx, icb)
}

// s23Tag is a notification's status for the role looking: the LA sees
// its receipt (how long it has had it, whether acknowledged); everyone else
// the health side's progress against the local standard.
func s23Tag(role store.Role, n s23db.Notification, cfg s23db.Config, cal *send.Calendar, today send.Date) s23.Tag {
	if role == store.RoleLA {
		return s23.Receipt(n.Steps, cfg.AckStandardDays, cal, today)
	}
	return s23.Progress(n.Kind, n.Steps, cfg.StandardDays, cal, today)
}

// s23Row is one line of a list of notifications.
type s23Row struct {
	ID                   int64
	Href                 string
	ChildName            string
	NHSNumber            send.NHSNumber
	ProviderName, LAName string
	Kind                 s23.Kind
	ParentInformedOn     send.Date
	LANotifiedOn         send.Date
	Tag                  s23.Tag
	Duplicate            bool
}

func s23RowOf(n s23db.Notification, tag s23.Tag) s23Row {
	return s23Row{
		ID: n.ID, Href: s23Path(n.ID), ChildName: n.Child.GivenName + " " + n.Child.FamilyName, NHSNumber: n.Child.NHSNumber,
		ProviderName: n.ProviderName, LAName: n.LAName, Kind: n.Kind,
		ParentInformedOn: n.Steps.ParentInformedOn, LANotifiedOn: n.Steps.LANotifiedOn, Tag: tag, Duplicate: n.Others > 0,
	}
}

// s23Option is one choice in a select.
type s23Option struct {
	Value, Text string
	Selected    bool
}

// s23StatusOptions words each status filter the role can use.
func s23StatusOptions(role store.Role, selected string) []s23Option {
	labels := map[string]string{
		s23db.StatusNotInformed:    "Parent not yet informed",
		s23db.StatusAwaitingLA:     "Parent informed, LA not yet notified",
		s23db.StatusOverdue:        "LA notification overdue",
		s23db.StatusUnacknowledged: "Not yet acknowledged by the LA",
		s23db.StatusAcknowledged:   "Acknowledged by the LA",
		s23db.StatusDuplicate:      "Possible duplicate (child notified more than once)",
	}
	out := []s23Option{{Value: "", Text: "All statuses", Selected: selected == ""}}
	for _, st := range s23db.Statuses {
		if role == store.RoleLA && (st == s23db.StatusNotInformed || st == s23db.StatusAwaitingLA || st == s23db.StatusOverdue) {
			continue // an LA sees only what it was sent
		}
		out = append(out, s23Option{Value: st, Text: labels[st], Selected: st == selected})
	}
	return out
}

// s23MonthOf reads "2025-03" as the first and last days of the month.
func s23MonthOf(v string) (first, last send.Date, ok bool) {
	if len(v) != 7 || v[4] != '-' {
		return send.Date{}, send.Date{}, false
	}
	y, err1 := strconv.Atoi(v[:4])
	m, err2 := strconv.Atoi(v[5:])
	if err1 != nil || err2 != nil || y < 2000 || y > 2200 || m < 1 || m > 12 {
		return send.Date{}, send.Date{}, false
	}
	first = send.NewDate(y, time.Month(m), 1)
	return first, first.AddMonths(1).AddDays(-1), true
}

// s23MonthKey writes the month of d as "2025-03".
func s23MonthKey(d send.Date) string { return d.String()[:7] }

// s23MonthLabel writes the month of d as "March 2025".
func s23MonthLabel(d send.Date) string { return d.Month().String() + " " + strconv.Itoa(d.Year()) }

// s23KindOptions offers the kinds of notification to filter on.
func s23KindOptions(selected string) []s23Option {
	out := []s23Option{{Value: "", Text: "All kinds", Selected: selected == ""}}
	for _, k := range []s23.Kind{s23.KindS23, s23.KindOther} {
		out = append(out, s23Option{Value: string(k), Text: k.Label() + "s", Selected: string(k) == selected})
	}
	return out
}

// s23Filters is what a list's query string asks for, read and checked.
type s23Filters struct {
	f        s23db.Filter
	LACode   string
	ProvCode string
	Kind     string
	Status   string
	Month    string
	On       string     // with status overdue: the day judged on, YYYY-MM-DD
	Keep     url.Values // the filters as given, for links that keep them
}

// readS23Filters reads la, provider, kind, status and month from a query,
// reporting in bad what is wrong. An LA's own filter on LA is meaningless
// and a provider's on provider likewise: their scope already fixes them.
func (s *Web) readS23Filters(ctx context.Context, actor store.Actor, q url.Values, cfg s23db.Config, bad map[string]string) (s23Filters, error) {
	fl := s23Filters{
		LACode: strings.TrimSpace(q.Get("la")), ProvCode: strings.TrimSpace(q.Get("provider")), Kind: strings.TrimSpace(q.Get("kind")),
		Status: strings.TrimSpace(q.Get("status")), Month: strings.TrimSpace(q.Get("month")), Keep: url.Values{},
	}
	fl.f.Today, fl.f.StandardDays = s.s23Today(), cfg.StandardDays
	if fl.LACode != "" && actor.Role != store.RoleLA {
		org, err := s.Store().FindLA(ctx, fl.LACode)
		switch {
		case errs.Is(err, errs.NotFound):
			bad["la"] = "Choose a local authority from the list"
		case err != nil:
			return fl, err
		default:
			fl.f.LAID = org.ID
			fl.Keep.Set("la", fl.LACode)
		}
	}
	if fl.ProvCode != "" && actor.Role != store.RoleProvider {
		org, err := s.Store().FindOrgByCode(ctx, store.OrgProvider, fl.ProvCode)
		switch {
		case errs.Is(err, errs.NotFound):
			bad["provider"] = "Choose a provider from the list"
		case err != nil:
			return fl, err
		default:
			fl.f.ProviderOrgID = org.ID
			fl.Keep.Set("provider", fl.ProvCode)
		}
	}
	if fl.Kind != "" {
		if k := s23.Kind(fl.Kind); !k.Valid() {
			bad["kind"] = "Choose a kind of notification from the list"
		} else {
			fl.f.Kind = k
			fl.Keep.Set("kind", fl.Kind)
		}
	}
	if fl.Status != "" {
		valid := false
		for _, o := range s23StatusOptions(actor.Role, "") {
			valid = valid || (o.Value != "" && o.Value == fl.Status)
		}
		if !valid {
			bad["status"] = "Choose a status from the list"
		} else {
			fl.f.Status = fl.Status
			fl.Keep.Set("status", fl.Status)
		}
	}
	if fl.On = strings.TrimSpace(q.Get("on")); fl.On != "" {
		d, err := send.ParseDate(fl.On)
		switch {
		case err != nil:
			bad["on"] = "Enter the date as YYYY-MM-DD, like 2025-12-31"
		case fl.Status != s23db.StatusOverdue:
			bad["on"] = "A date to judge on goes with the status \"overdue\" only"
		default:
			fl.f.OverdueOn = d
			fl.Keep.Set("on", fl.On)
		}
	}
	if fl.Month != "" {
		first, last, ok := s23MonthOf(fl.Month)
		if !ok {
			bad["month"] = "Choose a month from the list"
		} else {
			fl.f.NotifiedFrom, fl.f.NotifiedTo = first, last
			fl.Keep.Set("month", fl.Month)
		}
	}
	return fl, nil
}

// s23MonthOptions offers the last 24 months, newest first.
func s23MonthOptions(today send.Date, selected, allText string) []s23Option {
	out := []s23Option{}
	if allText != "" {
		out = append(out, s23Option{Value: "", Text: allText, Selected: selected == ""})
	}
	first := send.NewDate(today.Year(), today.Month(), 1)
	for i := 0; i < 24; i++ {
		m := first.AddMonths(-i)
		out = append(out, s23Option{Value: s23MonthKey(m), Text: s23MonthLabel(m), Selected: s23MonthKey(m) == selected})
	}
	return out
}

// s23OrgOptions offers organisations by code.
func s23OrgOptions(orgs []store.Org, selected, allText string) []s23Option {
	out := []s23Option{}
	if allText != "" {
		out = append(out, s23Option{Value: "", Text: allText, Selected: selected == ""})
	}
	for _, o := range orgs {
		out = append(out, s23Option{Value: o.Code, Text: o.Name, Selected: o.Code == selected})
	}
	return out
}

// s23Providers returns the health providers an actor chooses among: those
// of a DCO's ICB (none for a DCO of no ICB), or every one.
func (s *Web) s23Providers(ctx context.Context, actor store.Actor) ([]store.Org, error) {
	all, err := s.Store().ListOrgs(ctx, store.OrgProvider)
	if err != nil || actor.Role != store.RoleDCO {
		return all, err
	}
	if actor.OrgID == 0 {
		return nil, nil
	}
	var out []store.Org
	for _, o := range all {
		if o.ParentID == actor.OrgID || o.ParentID == 0 {
			out = append(out, o)
		}
	}
	return out, nil
}

// --- The list: a DCO's oversight, a provider's own, an LA's inbox ---

// s23ListPage is the list of notifications.
type s23ListPage struct {
	web.Page
	Role       store.Role
	Heading    string
	Rows       []s23Row
	Total      int
	Pager      web.Pager
	LAs        []s23Option
	Providers  []s23Option
	Kinds      []s23Option
	Statuses   []s23Option
	Months     []s23Option
	ShowLA     bool
	ShowProv   bool
	Filtered   bool
	CSV        string
	CanNew     bool
	CanComply  bool
	IsDCO      bool
	Standard   int
	AckDays    int
	TodayLabel string
	// OnLabel is the day an overdue list is judged on, when not today.
	OnLabel string
}

var s23ListFields = []string{"la", "provider", "kind", "status", "month"}

func (s *Web) s23List(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	actor := s.Actor(r)
	cfg, err := s.s23ActorSettings(ctx, actor)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	q := r.URL.Query()
	bad := map[string]string{}
	fl, err := s.readS23Filters(ctx, actor, q, cfg, bad)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	p := &s23ListPage{
		Role: actor.Role, ShowLA: actor.Role != store.RoleLA, ShowProv: actor.Role != store.RoleProvider,
		CanNew: actor.Role == store.RoleDCO || actor.Role == store.RoleProvider, IsDCO: actor.Role == store.RoleDCO,
		CanComply: actor.Role == store.RoleDCO || actor.Role == store.RoleProvider,
		Standard:  cfg.StandardDays, AckDays: cfg.AckStandardDays,
	}
	switch actor.Role {
	case store.RoleLA:
		p.Title, p.Heading = "Notifications received", "Notifications received"
	case store.RoleProvider:
		p.Title, p.Heading = "Notifications (ours)", "Your organisation's notifications"
	default:
		p.Title, p.Heading = "Notifications", "Section 23 notifications"
	}
	p.Back, p.BackText = "/", "Home"
	if p.ShowLA {
		las, err := s.LocalAuthorities(ctx, actor)
		if err != nil {
			s.Fail(w, r, err)
			return
		}
		p.LAs = s23OrgOptions(las, fl.LACode, "All local authorities")
	}
	if p.ShowProv {
		provs, err := s.s23Providers(ctx, actor)
		if err != nil {
			s.Fail(w, r, err)
			return
		}
		p.Providers = s23OrgOptions(provs, fl.ProvCode, "All providers")
	}
	p.Kinds = s23KindOptions(fl.Kind)
	p.Statuses = s23StatusOptions(actor.Role, fl.Status)
	p.Months = s23MonthOptions(s.s23Today(), fl.Month, "Any month")
	if len(bad) > 0 {
		p.SetErrors(bad, s23ListFields, nil)
		s.Render(w, r, http.StatusUnprocessableEntity, "s23_list.html", p)
		return
	}
	fl.f.Limit = s23PageSize
	fl.f.Offset, _ = strconv.Atoi(q.Get("offset"))
	fl.f.Offset = max(fl.f.Offset, 0)
	ns, total, err := s.db.List(ctx, actor, fl.f)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	cal, err := s.s23Cal(ctx)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	today := s.s23Today()
	for _, n := range ns {
		p.Rows = append(p.Rows, s23RowOf(n, s23Tag(actor.Role, n, cfg, cal, today)))
	}
	p.Total = total
	p.Filtered = len(fl.Keep) > 0
	if !fl.f.OverdueOn.IsZero() {
		p.OnLabel = fl.f.OverdueOn.Long()
	}
	p.Pager = web.NewPager("/s23-notifications", fl.Keep, fl.f.Offset, s23PageSize, len(ns), total)
	p.CSV = web.PageURL("/s23-notifications.csv", fl.Keep, 0)
	s.Render(w, r, http.StatusOK, "s23_list.html", p)
}

// --- One notification ---

// s23ViewPage is a notification's page.
type s23ViewPage struct {
	web.Page
	N             s23db.Notification
	Path          string
	Tag           s23.Tag
	Receipt       s23.Tag
	Needs         []string
	Consent       string
	CSAFrom       send.Date
	Applies       bool
	StandardDays  int
	NotifyDue     send.Date
	DueText       string
	CanEdit       bool
	CanAck        bool
	CanLetters    bool
	CanLALetter   bool
	ShowChildLink bool
	IsLA          bool
	Ack           web.DateParts
	OthersHref    string
}

// s23ViewData builds a notification's page for the actor.
func (s *Web) s23ViewData(ctx context.Context, actor store.Actor, n s23db.Notification) (*s23ViewPage, error) {
	cfg, err := s.db.Settings(ctx, n.ICBID)
	if err != nil {
		return nil, err
	}
	cal, err := s.s23Cal(ctx)
	if err != nil {
		return nil, err
	}
	today := s.s23Today()
	p := &s23ViewPage{
		N: n, Path: s23Path(n.ID), StandardDays: cfg.StandardDays, IsLA: actor.Role == store.RoleLA,
		Tag:     s23.Progress(n.Kind, n.Steps, cfg.StandardDays, cal, today),
		Receipt: s23.Receipt(n.Steps, cfg.AckStandardDays, cal, today),
		Consent: n.Consent.Label(),
		CanEdit: actor.Role == store.RoleDCO || actor.Role == store.RoleProvider,
		CanAck: (actor.Role == store.RoleLA || actor.Role == store.RoleDCO) &&
			!n.Steps.LANotifiedOn.IsZero() && n.Steps.AcknowledgedOn.IsZero(),
		CanLetters:  actor.Role == store.RoleDCO || actor.Role == store.RoleProvider,
		CanLALetter: true,
		Ack:         web.DatePartsOf(today),
	}
	// The LA sees the child's record only when the child lives there.
	p.ShowChildLink = actor.Role != store.RoleLA || n.Child.LAID == actor.LAID
	for _, k := range n.Needs {
		if l, ok := s23.NeedLabel(k); ok {
			p.Needs = append(p.Needs, l)
		}
	}
	p.Applies, p.CSAFrom = s23.Applies(n.Child.DateOfBirth, n.Steps.OpinionOn)
	if due, ok := n.Steps.NotifyDue(cfg.StandardDays); ok && n.Steps.LANotifiedOn.IsZero() && n.Kind == s23.KindS23 {
		p.NotifyDue, p.DueText = due, send.DueText(today, due)
	}
	if n.Others > 0 && actor.Role != store.RoleLA {
		p.OthersHref = "/s23-notifications?" + url.Values{"status": {s23db.StatusDuplicate}}.Encode()
	}
	p.Title = n.Child.GivenName + " " + n.Child.FamilyName + ": " + n.Kind.Label()
	p.Back, p.BackText = "/s23-notifications", "Notifications"
	if actor.Role == store.RoleLA {
		p.BackText = "Notifications received"
	}
	return p, nil
}

func (s *Web) s23View(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	actor := s.Actor(r)
	id, err := web.PathID(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	n, err := s.db.Get(ctx, actor, id)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	p, err := s.s23ViewData(ctx, actor, n)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	s.Render(w, r, http.StatusOK, "s23_view.html", p)
}

// --- Compliance ---

// s23CompliancePage is each provider's compliance for a month.
type s23CompliancePage struct {
	web.Page
	Month      string
	MonthLabel string
	Months     []s23Option
	Rows       []s23ComplianceRow
	Total      s23.Compliance
	Standard   int
	Prev, Next string
	CSV        string
	IsDCO      bool
	ListHref   string
	// BacklogHref lists what the total's last figure counts.
	BacklogHref string
}

// s23ComplianceRow is one provider's line of the compliance table, with
// the address of the notifications it counts.
type s23ComplianceRow struct {
	s23.Compliance
	// Href lists the provider's Section 23 notifications that reached the
	// LA in the month: the ones its "LA notified" figure counts, so each
	// figure can be traced to its records.
	Href string
	// BacklogHref lists those its "waiting past the standard at month end"
	// figure counts.
	BacklogHref string
}

// s23BacklogHref is the list of the Section 23 notifications waiting past
// the local standard at the end of last (made by providerCode, when given):
// what the compliance table's last column counts.
func s23BacklogHref(last send.Date, providerCode string) string {
	q := url.Values{"kind": {string(s23.KindS23)}, "status": {s23db.StatusOverdue}, "on": {last.String()}}
	if providerCode != "" {
		q.Set("provider", providerCode)
	}
	return "/s23-notifications?" + q.Encode()
}

// s23CountedHref is the list of the Section 23 notifications whose LA was
// told in month (and, when providerCode is given, made by that provider):
// what the compliance table's "LA notified" figures count.
func s23CountedHref(month, providerCode string) string {
	q := url.Values{"kind": {string(s23.KindS23)}, "month": {month}}
	if providerCode != "" {
		q.Set("provider", providerCode)
	}
	return "/s23-notifications?" + q.Encode()
}

// s23Month reads the month a page asks for, this month by default.
func (s *Web) s23Month(q url.Values, bad map[string]string) (key string, first, last send.Date) {
	key = strings.TrimSpace(q.Get("month"))
	if key == "" {
		key = s23MonthKey(s.s23Today())
	}
	first, last, ok := s23MonthOf(key)
	if !ok {
		bad["month"] = "Choose a month from the list"
		key = s23MonthKey(s.s23Today())
		first, last, _ = s23MonthOf(key)
	}
	return key, first, last
}

func (s *Web) s23Compliance(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	actor := s.Actor(r)
	cfg, err := s.s23ActorSettings(ctx, actor)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	bad := map[string]string{}
	key, first, last := s.s23Month(r.URL.Query(), bad)
	p := &s23CompliancePage{Month: key, MonthLabel: s23MonthLabel(first), Standard: cfg.StandardDays,
		Months: s23MonthOptions(s.s23Today(), key, ""), IsDCO: actor.Role == store.RoleDCO}
	p.Title = "Section 23 compliance, " + p.MonthLabel
	p.Back, p.BackText = "/s23-notifications", "Notifications"
	if len(bad) > 0 {
		p.SetErrors(bad, []string{"month"}, nil)
		s.Render(w, r, http.StatusUnprocessableEntity, "s23_compliance.html", p)
		return
	}
	rows, total, err := s.db.Compliance(ctx, actor, first, last, cfg.StandardDays)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	codes, err := s.s23OrgCodes(ctx)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	for _, c := range rows {
		p.Rows = append(p.Rows, s23ComplianceRow{Compliance: c, Href: s23CountedHref(key, codes[c.ProviderID]),
			BacklogHref: s23BacklogHref(last, codes[c.ProviderID])})
	}
	p.Total = total
	p.Prev = "/s23-notifications/compliance?month=" + s23MonthKey(first.AddMonths(-1))
	if next := first.AddMonths(1); !next.After(s.s23Today()) {
		p.Next = "/s23-notifications/compliance?month=" + s23MonthKey(next)
	}
	p.CSV = "/s23-notifications/compliance.csv?month=" + key
	p.ListHref = s23CountedHref(key, "")
	p.BacklogHref = s23BacklogHref(last, "")
	s.Render(w, r, http.StatusOK, "s23_compliance.html", p)
}

// --- Settings: the local standards and the letter templates ---

// s23SettingsPage is the DCO's settings for notifications: their ICB's own
// values, or the defaults where the ICB has not set its own.
type s23SettingsPage struct {
	web.Page
	Standard, AckDays             string
	ParentLetter, LANotification  string
	Versions                      map[string]int64
	Fields                        []s23.Field
	StandardErr, AckErr           string
	ParentLetterErr, LANotifErr   string
	DefaultParent, DefaultLANotif string
	// ICBName is the ICB whose values the page edits (icb); NoICB is set
	// when the DCO belongs to no ICB, who sees the defaults and cannot save
	// them.
	icb     int64
	ICBName string
	NoICB   bool
	// Own says of each setting whether the ICB has its own value (false:
	// the default every ICB uses until it sets its own).
	Own map[string]bool
}

// s23SettingKeys are the settings the page edits, in its order.
var s23SettingKeys = []string{s23.SettingStandardDays, s23.SettingAckStandardDays, s23.SettingParentLetter, s23.SettingLANotification}

// s23SettingsLoad reads the settings of the DCO's ICB. Each version is the
// version of the ICB's own row, or 0 where the ICB has none, so that saving
// creates the ICB's own row and never changes the default.
func (s *Web) s23SettingsLoad(ctx context.Context, actor store.Actor) (*s23SettingsPage, error) {
	icb, err := s.Store().ActorICB(ctx, actor)
	if err != nil {
		return nil, err
	}
	cfg, err := s.db.Settings(ctx, icb)
	if err != nil {
		return nil, err
	}
	p := &s23SettingsPage{
		Standard: strconv.Itoa(cfg.StandardDays), AckDays: strconv.Itoa(cfg.AckStandardDays),
		ParentLetter: cfg.ParentLetter, LANotification: cfg.LANotification,
		Versions: map[string]int64{}, Own: map[string]bool{}, Fields: s23.Fields,
		DefaultParent: s23.DefaultParentLetter, DefaultLANotif: s23.DefaultLANotification,
		icb: icb, NoICB: icb == 0,
	}
	if icb != 0 {
		o, err := s.Store().GetOrg(ctx, icb)
		if err != nil {
			return nil, err
		}
		p.ICBName = o.Name
	}
	for _, k := range s23SettingKeys {
		v, err := s.Store().Setting(ctx, actor, icb, k)
		if err != nil && !errs.Is(err, errs.NotFound) {
			return nil, err
		}
		p.Versions[k], p.Own[k] = v.SaveVersion(), icb != 0 && v.Own
	}
	p.Title = "Notification settings"
	p.Back, p.BackText = "/s23-notifications", "Notifications"
	return p, nil
}

func (s *Web) s23SettingsForm(w http.ResponseWriter, r *http.Request) {
	p, err := s.s23SettingsLoad(r.Context(), s.Actor(r))
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	s.Render(w, r, http.StatusOK, "s23_settings.html", p)
}

// s23SettingsSave saves what changed as the DCO's ICB's own values; what
// did not change stays as it was, the ICB's own or the default. Each
// setting carries the version it was read at, so two DCOs saving at once
// cannot overwrite each other unnoticed. A template naming a field that
// does not exist is refused, so a typing slip cannot reach a family's
// letter.
func (s *Web) s23SettingsSave(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	actor := s.Actor(r)
	cur, err := s.s23SettingsLoad(ctx, actor)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	p := *cur
	p.Versions = map[string]int64{}
	for _, k := range s23SettingKeys {
		p.Versions[k], _ = strconv.ParseInt(r.PostFormValue(k+"-version"), 10, 64)
	}
	p.Standard = strings.TrimSpace(r.PostFormValue(s23.SettingStandardDays))
	p.AckDays = strings.TrimSpace(r.PostFormValue(s23.SettingAckStandardDays))
	p.ParentLetter = strings.ReplaceAll(r.PostFormValue(s23.SettingParentLetter), "\r\n", "\n")
	p.LANotification = strings.ReplaceAll(r.PostFormValue(s23.SettingLANotification), "\r\n", "\n")
	bad := map[string]string{}
	if _, ok := s23.ParseStandard(p.Standard, 0); !ok {
		bad[s23.SettingStandardDays] = "Enter the local standard as a whole number of days from 1 to 365"
	}
	if _, ok := s23.ParseStandard(p.AckDays, 0); !ok {
		bad[s23.SettingAckStandardDays] = "Enter the acknowledgement standard as a whole number of days from 1 to 365"
	}
	tmpl := func(key, label, v string) {
		switch {
		case strings.TrimSpace(v) == "":
			bad[key] = "Enter the " + label + " (the default text is shown below it)"
		case len(v) > 20000:
			bad[key] = "The " + label + " must be 20,000 characters or fewer"
		default:
			if u := s23.UnknownFields(v); len(u) > 0 {
				bad[key] = "The " + label + " uses {{" + strings.Join(u, "}}, {{") + "}}, which dco does not know: use the fields listed"
			}
		}
	}
	tmpl(s23.SettingParentLetter, "parent letter", p.ParentLetter)
	tmpl(s23.SettingLANotification, "LA notification", p.LANotification)
	reshow := func(status int, fields map[string]string) {
		p.StandardErr, p.AckErr = fields[s23.SettingStandardDays], fields[s23.SettingAckStandardDays]
		p.ParentLetterErr, p.LANotifErr = fields[s23.SettingParentLetter], fields[s23.SettingLANotification]
		p.SetErrors(fields, s23SettingKeys, nil)
		s.Render(w, r, status, "s23_settings.html", &p)
	}
	if len(bad) > 0 {
		reshow(http.StatusUnprocessableEntity, bad)
		return
	}
	values := map[string]string{
		s23.SettingStandardDays: p.Standard, s23.SettingAckStandardDays: p.AckDays,
		s23.SettingParentLetter: p.ParentLetter, s23.SettingLANotification: p.LANotification,
	}
	was := map[string]string{
		s23.SettingStandardDays: cur.Standard, s23.SettingAckStandardDays: cur.AckDays,
		s23.SettingParentLetter: cur.ParentLetter, s23.SettingLANotification: cur.LANotification,
	}
	for _, k := range s23SettingKeys {
		if values[k] == was[k] && p.Versions[k] == cur.Versions[k] {
			continue // unchanged: no write, no audit row
		}
		if err := s.Store().SetSetting(ctx, actor, cur.icb, k, values[k], p.Versions[k]); err != nil {
			if fresh, ferr := s.s23SettingsLoad(ctx, actor); ferr == nil {
				p.Versions = fresh.Versions
			}
			s.FailForm(w, r, web.StaleToMessage(err), reshow)
			return
		}
	}
	s.SetFlash(w, r, flashS23Settings)
	http.Redirect(w, r, "/s23-notifications/settings", http.StatusSeeOther)
}

// --- Letters ---

// s23LetterPage is a letter's print view.
type s23LetterPage struct {
	web.Page
	N        s23db.Notification
	Letter   string // s23db.LetterParent or s23db.LetterLA
	Heading  string
	Text     string
	Blank    []string
	SentOn   send.Date
	CanMark  bool
	Sent     web.DateParts
	Action   string
	Path     string
	Settings bool
}

func (s *Web) s23ParentLetter(w http.ResponseWriter, r *http.Request) {
	s.s23Letter(w, r, s23db.LetterParent)
}

func (s *Web) s23LALetter(w http.ResponseWriter, r *http.Request) {
	s.s23Letter(w, r, s23db.LetterLA)
}

// s23LetterData fills a letter from the record and the ICB's template.
func (s *Web) s23LetterData(ctx context.Context, actor store.Actor, n s23db.Notification, letter string) (*s23LetterPage, error) {
	cfg, err := s.db.Settings(ctx, n.ICBID)
	if err != nil {
		return nil, err
	}
	icb := ""
	if n.ICBID != 0 {
		if o, err := s.Store().GetOrg(ctx, n.ICBID); err == nil {
			icb = o.Name
		}
	}
	l := s23.Letter{
		ChildGivenName: n.Child.GivenName, ChildFamilyName: n.Child.FamilyName, ChildDateOfBirth: n.Child.DateOfBirth,
		ChildNHSNumber: n.Child.NHSNumber, ChildPostcode: n.Child.Postcode,
		LAName: n.LAName, ICBName: icb, ProviderName: n.ProviderName, Professional: n.Professional, Service: n.Service,
		Needs: n.Needs, Reasons: n.Reasons, Steps: n.Steps, Consent: n.Consent, VoluntaryOrgs: n.VoluntaryOrgs,
		Today: s.s23Today(),
	}
	tmpl, heading, sent := cfg.ParentLetter, "Letter to the parent", n.ParentLetterSentOn
	if letter == s23db.LetterLA {
		tmpl, heading, sent = cfg.LANotification, "Notification to "+n.LAName, n.LALetterSentOn
	}
	v := l.Values()
	p := &s23LetterPage{
		N: n, Letter: letter, Heading: heading, Text: s23.Fill(tmpl, v), Blank: s23.BlankFields(tmpl, v),
		SentOn: sent, CanMark: actor.Role == store.RoleDCO || actor.Role == store.RoleProvider,
		Sent: web.DatePartsOf(s.s23Today()), Path: s23Path(n.ID), Settings: actor.Role == store.RoleDCO,
	}
	p.Action = p.Path + "/" + letter + "-letter/sent"
	p.Title = heading + ": " + n.Child.GivenName + " " + n.Child.FamilyName
	p.Back, p.BackText = p.Path, "Back to the notification"
	return p, nil
}

func (s *Web) s23Letter(w http.ResponseWriter, r *http.Request, letter string) {
	ctx := r.Context()
	actor := s.Actor(r)
	id, err := web.PathID(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	n, err := s.db.GetLetter(ctx, actor, id, letter)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	p, err := s.s23LetterData(ctx, actor, n, letter)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	s.Render(w, r, http.StatusOK, "s23_letter.html", p)
}

// --- Home and the child's page ---

// s23Home is the notifications part of a role's home page: the counts that
// need action, each linking to the filtered list.
type s23Home struct {
	Lines  []s23HomeLine
	New    bool // may make a notification
	Comply string
}

// s23HomeLine is one count on the home page.
type s23HomeLine struct {
	Text, Href string
	Count      int
	Colour     s23.Colour
}

// s23HomeSummary counts what needs doing for the role: for a provider and
// a DCO, notifications overdue and waiting to go to the LA; for an LA,
// those not yet acknowledged. Counting reads no child's details (the list
// is asked for no rows), and each count is audited as a listing.
func (s *Web) s23HomeSummary(ctx context.Context, actor store.Actor) (*s23Home, error) {
	if actor.Role != store.RoleDCO && actor.Role != store.RoleProvider && actor.Role != store.RoleLA {
		return nil, nil
	}
	cfg, err := s.s23ActorSettings(ctx, actor)
	if err != nil {
		return nil, err
	}
	today := s.s23Today()
	count := func(status string, extra func(*s23db.Filter)) (int, error) {
		f := s23db.Filter{Status: status, Today: today, StandardDays: cfg.StandardDays, Limit: 1, Offset: web.CountOnly}
		if extra != nil {
			extra(&f)
		}
		_, n, err := s.db.List(ctx, actor, f)
		return n, err
	}
	h := &s23Home{New: actor.Role != store.RoleLA}
	add := func(status, text string, colour s23.Colour, extra func(*s23db.Filter), query url.Values) error {
		n, err := count(status, extra)
		if err != nil {
			return err
		}
		if query == nil {
			query = url.Values{}
		}
		if status != "" {
			query.Set("status", status)
		}
		h.Lines = append(h.Lines, s23HomeLine{Text: text, Count: n, Colour: colour, Href: web.PageURL("/s23-notifications", query, 0)})
		return nil
	}
	first := send.NewDate(today.Year(), today.Month(), 1)
	thisMonth := func(f *s23db.Filter) { f.NotifiedFrom, f.NotifiedTo = first, today }
	var steps []func() error
	switch actor.Role {
	case store.RoleLA:
		steps = []func() error{
			func() error {
				return add(s23db.StatusUnacknowledged, "waiting for you to acknowledge", s23.Blue, nil, nil)
			},
			func() error {
				return add("", "received this month", s23.Grey, thisMonth, url.Values{"month": {s23MonthKey(today)}})
			},
		}
	default:
		steps = []func() error{
			func() error {
				return add(s23db.StatusOverdue, "overdue: the LA not told within "+strconv.Itoa(cfg.StandardDays)+" days of the parent", s23.Red, nil, nil)
			},
			func() error {
				return add(s23db.StatusAwaitingLA, "parent informed, LA not yet notified", s23.Blue, nil, nil)
			},
			func() error { return add(s23db.StatusNotInformed, "parent not yet informed", s23.Grey, nil, nil) },
			func() error {
				return add("", "sent to the LA this month", s23.Green, thisMonth, url.Values{"month": {s23MonthKey(today)}})
			},
		}
		h.Comply = "/s23-notifications/compliance"
	}
	if actor.Role == store.RoleDCO {
		steps = append(steps, func() error {
			return add(s23db.StatusDuplicate, "possible duplicates to check", s23.Orange, nil, nil)
		})
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return nil, err
		}
	}
	return h, nil
}

// s23Timeline adds a child's notifications, as the actor may see them, to
// the child's page.
func (s *Web) s23Timeline(ctx context.Context, actor store.Actor, childID int64) ([]web.TimelineEntry, error) {
	if actor.Role != store.RoleDCO && actor.Role != store.RoleProvider && actor.Role != store.RoleLA {
		return nil, nil
	}
	ns, _, err := s.db.List(ctx, actor, s23db.Filter{ChildID: childID, Limit: 100})
	if err != nil {
		return nil, err
	}
	if len(ns) == 0 {
		return nil, nil
	}
	cal, err := s.s23Cal(ctx)
	if err != nil {
		return nil, err
	}
	today := s.s23Today()
	cfgs := map[int64]s23db.Config{} // each notification's status is by its own ICB's standard
	var out []web.TimelineEntry
	for _, n := range ns {
		cfg, ok := cfgs[n.ICBID]
		if !ok {
			if cfg, err = s.db.Settings(ctx, n.ICBID); err != nil {
				return nil, err
			}
			cfgs[n.ICBID] = cfg
		}
		t := s23Tag(actor.Role, n, cfg, cal, today)
		date := n.Steps.OpinionOn
		if !n.Steps.LANotifiedOn.IsZero() {
			date = n.Steps.LANotifiedOn
		}
		out = append(out, web.TimelineEntry{
			Date: date, Title: n.Kind.Label() + " to " + n.LAName + " by " + n.ProviderName, Href: s23Path(n.ID),
			Colour: string(t.Colour), Status: t.Label, Detail: t.Detail,
		})
	}
	return out, nil
}

// s23Nav adds the notification pages to a role's navigation where docs/design.md §8
// puts them: the DCO's "Notifications" after Children; the LA's
// "Notifications received" after Advice requests; the provider's
// "Notifications (ours)" and "New notification" after Home.
func s23Nav(role store.Role, items []web.NavItem) []web.NavItem {
	after := func(href string, add ...web.NavItem) []web.NavItem {
		for i, it := range items {
			if it.Href == href {
				return slices.Insert(items, i+1, add...)
			}
		}
		return append(items, add...)
	}
	switch role {
	case store.RoleDCO:
		return after("/children", web.NavItem{Href: "/s23-notifications", Text: "Notifications"})
	case store.RoleLA:
		return after("/advice-requests", web.NavItem{Href: "/s23-notifications", Text: "Notifications received"})
	case store.RoleProvider:
		return after("/", web.NavItem{Href: "/s23-notifications", Text: "Notifications (ours)"},
			web.NavItem{Href: "/s23-notifications/new", Text: "New notification"})
	}
	return items
}

// s23ChildActions offers a notification from a child's page to those who
// make them.
func s23ChildActions(actor store.Actor, c store.Child) []web.NavItem {
	if actor.Role != store.RoleDCO && actor.Role != store.RoleProvider {
		return nil
	}
	return []web.NavItem{{Href: "/s23-notifications/new?child=" + strconv.FormatInt(c.ID, 10), Text: "Make a Section 23 notification"}}
}

// s23ActionLabels word the notification audit actions for "who has
// accessed this record".
var s23ActionLabels = map[string]string{
	s23db.ActionCreate:      "Made a Section 23 notification",
	s23db.ActionView:        "Viewed a notification",
	s23db.ActionLetterView:  "Viewed a notification letter",
	s23db.ActionList:        "Listed notifications",
	s23db.ActionUpdate:      "Changed a notification",
	s23db.ActionAcknowledge: "Acknowledged a notification",
	s23db.ActionLetterSent:  "Recorded a notification letter as sent",
	s23db.ActionImport:      "Imported a notification",
}
