package s23web

import (
	"net/http"
	"strconv"

	"dco/internal/errs"
	"dco/internal/web"
)

// s23ListCSV downloads exactly what the list shows with the same filters,
// every page of it.
func (s *Web) s23ListCSV(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	l, err := s.s23ReadListing(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	actor, fl := l.actor, l.fl
	if len(l.bad) > 0 {
		s.Fail(w, r, errs.InvalidFields(l.bad))
		return
	}
	tag, err := s.s23Tagger(ctx, actor.Role, l.cfg)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	var out [][]string
	fl.f.Limit = web.CSVPage
	for fl.f.Offset = 0; fl.f.Offset < web.CSVMax; fl.f.Offset += fl.f.Limit {
		ns, total, err := s.db.List(ctx, actor, fl.f)
		if err != nil {
			s.Fail(w, r, err)
			return
		}
		for _, n := range ns {
			days := ""
			if d, ok := n.Steps.DaysToNotify(); ok {
				days = strconv.Itoa(d)
			}
			row := []string{strconv.FormatInt(n.ID, 10), string(n.Kind), string(n.Child.NHSNumber), n.Child.GivenName,
				n.Child.FamilyName, n.Child.DateOfBirth.String(), n.ProviderName, n.LAName, n.Professional,
				n.Steps.OpinionOn.String(), n.Steps.ParentInformedOn.String(), n.Steps.DiscussionOfferedOn.String(),
				n.Steps.DiscussionHeldOn.String(), n.Steps.LANotifiedOn.String(), n.Steps.AcknowledgedOn.String(), days,
				tag(n).Label, strconv.Itoa(n.Others)}
			out = append(out, row)
		}
		if fl.f.Offset+len(ns) >= total || len(ns) == 0 {
			break
		}
	}
	web.WriteCSV(w, "s23-notifications.csv", []string{"id", "kind", "nhs_number", "given_name", "family_name", "date_of_birth",
		"provider", "local_authority", "professional", "opinion_on", "parent_informed_on", "discussion_offered_on",
		"discussion_held_on", "la_notified_on", "acknowledged_on", "days_parent_to_la", "status", "other_notifications"}, out)
}

// s23ComplianceCSV downloads the compliance table of a month.
func (s *Web) s23ComplianceCSV(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	actor := s.Actor(r)
	cfg, err := s.s23ActorSettings(ctx, actor)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	bad := map[string]string{}
	key, first, last := s.s23Month(r.URL.Query(), bad)
	if len(bad) > 0 {
		s.Fail(w, r, errs.InvalidFields(bad))
		return
	}
	rows, total, err := s.db.Compliance(ctx, actor, first, last, cfg.StandardDays)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	var out [][]string
	for _, c := range append(rows, total) {
		longest := ""
		if c.Notified > 0 {
			longest = strconv.Itoa(c.MaxDays)
		}
		row := []string{key, c.ProviderName, strconv.Itoa(c.Notified), strconv.Itoa(c.ParentFirst), strconv.Itoa(c.WithinStandard),
			strconv.Itoa(c.StandardDays), c.PercentWithinStandard(), c.Median(), longest, strconv.Itoa(c.OpenOverdue)}
		out = append(out, row)
	}
	web.WriteCSV(w, "s23-compliance-"+key+".csv", []string{"month", "provider", "notified", "parent_informed_first",
		"within_standard", "standard_days", "percent_within_standard", "median_days", "longest_days",
		"awaiting_la_past_standard_at_month_end"}, out)
}
