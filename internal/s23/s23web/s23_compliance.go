package s23web

import (
	"net/http"
	"net/url"
	"strings"

	"dco/internal/s23"
	"dco/internal/s23/s23db"
	"dco/internal/send"
	"dco/internal/store"
	"dco/internal/web"
)

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
