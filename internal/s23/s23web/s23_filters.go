package s23web

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"time"

	"dco/internal/errs"
	"dco/internal/s23"
	"dco/internal/s23/s23db"
	"dco/internal/send"
	"dco/internal/store"
)

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
