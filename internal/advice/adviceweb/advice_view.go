package adviceweb

import (
	"context"
	"fmt"
	"net/http"
	"strconv"

	"dco/internal/advice"
	"dco/internal/advice/advicedb"
	"dco/internal/send"
	"dco/internal/store"
	"dco/internal/web"
)

// --- a request's page ---

// adviceViewPage is a request and everything done on it.
type adviceViewPage struct {
	web.Page
	R              advicedb.Request
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
	ExcOn          web.DateParts
	ExcReason      string
	ResponseLink   string
}

// contributionView is one part of the advice as the pages show it.
type contributionView struct {
	C          advicedb.Contribution
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

func (s *Web) contributionViews(actor store.Actor, r advicedb.Request, clock advice.Clock) []contributionView {
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

func (s *Web) adviceViewPageFor(ctx context.Context, actor store.Actor, rq advicedb.Request, clock advice.Clock) (*adviceViewPage, error) {
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

func (s *Web) adviceView(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	actor := s.Actor(r)
	rq, clock, ok := s.loadAdvice(w, r)
	if !ok {
		return
	}
	p, err := s.adviceViewPageFor(ctx, actor, rq, clock)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	s.Render(w, r, http.StatusOK, "advice_view.html", p)
}
