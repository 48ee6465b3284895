package s23web

import (
	"context"
	"net/http"
	"net/url"

	"dco/internal/s23"
	"dco/internal/s23/s23db"
	"dco/internal/send"
	"dco/internal/store"
	"dco/internal/web"
)

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
	_, n, err := s.s23Read(r)
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
