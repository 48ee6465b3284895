package adviceweb

import (
	"net/http"
	"strconv"

	"dco/internal/advice"
	"dco/internal/advice/advicedb"
	"dco/internal/web"
)

// --- "which requests will miss six weeks this week, and whose are they?" ---

// atRiskPage answers the DCO's question in one page: every open request due
// within seven days or already overdue, who it is waiting on, and counts
// that each link to the list of exactly the requests they count.
type atRiskPage struct {
	web.Page
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

func (s *Web) adviceAtRisk(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	actor := s.Actor(r)
	clock, err := s.adviceClock(ctx)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	list, total, err := s.db.ListAdviceRequests(ctx, actor, clock, advicedb.Filter{Queue: advice.QueueAtRisk, Limit: atRiskMax})
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	p := &atRiskPage{WeekEnd: clock.WeekEnd.Long(), Total: total, Truncated: total > len(list)}
	p.Title = "Requests that will miss six weeks this week"
	p.Back, p.BackText = "/", "Home"
	p.TotalLink = adviceListURL(adviceQuery{Queue: string(advice.QueueAtRisk)})
	p.OverdueLink = adviceListURL(adviceQuery{Queue: string(advice.QueueOverdue)})
	p.DueWeekLink = adviceListURL(adviceQuery{Queue: string(advice.QueueDueThisWeek)})
	p.PausedLink = adviceListURL(adviceQuery{Queue: string(advice.QueueAtRisk), Status: string(advice.StatusPaused)})
	for _, rq := range list {
		p.Rows = append(p.Rows, toAdviceRow(rq, clock))
		riskOf(clock, rq.QueueFacts()).count(&p.Overdue, &p.DueWeek, &p.Paused)
	}
	p.People = atRiskPeople(list, clock)
	s.Render(w, r, http.StatusOK, "advice_at_risk.html", p)
}

// atRiskKey is whose a request is: a clinician by id, 0 for "not yet
// assigned", and atRiskDCOTeam for requests with every part answered.
type atRiskKey struct {
	id   int64
	name string
}

const atRiskDCOTeam = -1

// risk is which of the at-risk counts a request is in: overdue first, then
// due this week, then paused by an exception.
type risk struct{ overdue, dueWeek, paused bool }

func riskOf(clock advice.Clock, qf advice.QueueFacts) risk {
	return risk{overdue: clock.In(advice.QueueOverdue, qf), dueWeek: clock.In(advice.QueueDueThisWeek, qf),
		paused: clock.In(advice.QueuePaused, qf)}
}

// count adds the request to one of the counts.
func (k risk) count(overdue, dueWeek, paused *int) {
	switch {
	case k.overdue:
		*overdue++
	case k.dueWeek:
		*dueWeek++
	case k.paused:
		*paused++
	}
}

// atRiskPeople is "whose are they": each request counted for every
// clinician with an open part of it, for "not yet assigned", or for the DCO
// team, the most overdue first.
func atRiskPeople(list []advicedb.Request, clock advice.Clock) []atRiskPerson {
	people := map[atRiskKey]*atRiskPerson{}
	var order []atRiskKey
	for _, rq := range list {
		qf := rq.QueueFacts()
		k := riskOf(clock, qf)
		for _, who := range atRiskWhose(rq, clock, qf) {
			ap, ok := people[who]
			if !ok {
				ap = newAtRiskPerson(who)
				people[who] = ap
				order = append(order, who)
			}
			ap.Total++
			k.count(&ap.Overdue, &ap.DueWeek, &ap.Paused)
		}
	}
	var out []atRiskPerson
	for _, who := range order {
		out = append(out, *people[who])
	}
	// The most overdue people first; "not yet assigned" is a person too.
	sortPeople(out)
	return out
}

// atRiskWhose is whose an at-risk request is.
func atRiskWhose(rq advicedb.Request, clock advice.Clock, qf advice.QueueFacts) []atRiskKey {
	var whose []atRiskKey
	seen := map[int64]bool{}
	for _, c := range rq.Contributions {
		if !c.Done() && c.AssigneeID != 0 && !seen[c.AssigneeID] {
			seen[c.AssigneeID] = true
			whose = append(whose, atRiskKey{c.AssigneeID, c.AssigneeName})
		}
	}
	if clock.In(advice.QueueUnassigned, qf) {
		whose = append(whose, atRiskKey{0, "Not yet assigned"})
	}
	if qf.ToReturn() {
		whose = append(whose, atRiskKey{atRiskDCOTeam, waitingOnDCOTeam})
	}
	return whose
}

// newAtRiskPerson is a person's line with no requests counted, each count
// linking to the list of the requests it counts.
func newAtRiskPerson(k atRiskKey) *atRiskPerson {
	base := adviceQuery{Assignee: strconv.FormatInt(k.id, 10)}
	switch k.id {
	case 0:
		base = adviceQuery{Unassigned: true}
	case atRiskDCOTeam:
		base = adviceQuery{ToReturn: true}
	}
	with := func(queue advice.Queue, status advice.Status) string {
		q := base
		q.Queue, q.Status = string(queue), string(status)
		return adviceListURL(q)
	}
	return &atRiskPerson{Name: k.name,
		OverdueLink: with(advice.QueueOverdue, ""), DueWeekLink: with(advice.QueueDueThisWeek, ""),
		PausedLink: with(advice.QueueAtRisk, advice.StatusPaused), TotalLink: with(advice.QueueAtRisk, "")}
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
