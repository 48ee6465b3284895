package web

import (
	"net/http"
	"strconv"

	"dco/internal/advice"
	"dco/internal/store"
)

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
