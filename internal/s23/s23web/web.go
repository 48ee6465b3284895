// Package s23web is the Section 23 workflow's web part (Children and
// Families Act 2014 s.23): its pages, JSON API and downloads, on the
// kernel of internal/web, with its store in s23db and its rules in
// internal/s23. cmd/dco wires it in with one line (README "How to add a
// workflow").
package s23web

import (
	"context"
	"embed"

	"dco/internal/s23"
	"dco/internal/s23/s23db"
	"dco/internal/store"
	"dco/internal/web"
)

//go:embed templates/*.html
var templateFS embed.FS

// Web is the Section 23 workflow's handlers, on the server's kit.
type Web struct {
	*web.Kit
	db *s23db.DB
}

// New returns the Section 23 workflow on its store, for web.Options.
func New(db *s23db.DB) *Web { return &Web{db: db} }

// Web binds the workflow to the server's kit and returns what it adds to
// the service.
func (s *Web) Web(k *web.Kit) web.Parts {
	s.Kit = k
	s23List := web.NavItem{Href: "/s23-notifications", Text: "All Section 23 notifications"}
	return web.Parts{
		Routes:       s.routes(),
		Pages:        web.Templates(templateFS),
		Nav:          s23Nav,
		Home:         s.home,
		HomeTemplate: "s23HomeSection",
		Child:        s.child,
		// Its two local standards in the ledger of deadlines (s23db), on
		// the kernel's deadline lists.
		Deadlines: []web.DeadlineKind{
			{Kind: s23db.DeadlineKind, Rule: s23db.RuleLocalStandard, Label: "Section 23 notification to the LA", Link: s23Path, List: s23List},
			{Kind: s23db.DeadlineKind, Rule: s23db.RuleAckStandard, Label: "LA to acknowledge a Section 23 notification", Link: s23Path, List: s23List},
		},
		ActionLabels: s23ActionLabels,
		Flashes:      s23Flashes,
		Settings: []web.SettingDef{{Key: s23.SettingStandardDays, Label: "Section 23 notifications: local standard (days)",
			Hint: "How many days a health body should take to notify the LA after informing the parent. There is no statutory deadline.",
			Min:  1, Max: 365, Default: "10"}},
	}
}

// Shorter names for the roles, so each route's policy fits on its line.
const (
	dco      = store.RoleDCO
	la       = store.RoleLA
	provider = store.RoleProvider
)

// routes are the notification routes, each with who may use it: a provider
// makes notifications, the LA notified receives and acknowledges them, the
// DCO oversees them. s23db scopes each again: its own for a provider, what
// it was sent for an LA. internal/web/testdata/access-policy.txt reviews
// them with every other route.
func (s *Web) routes() []web.Route {
	allow := web.Allow
	return []web.Route{
		{Pattern: "GET /s23-notifications", Policy: allow(dco, la, provider), Handler: s.s23List},
		{Pattern: "GET /s23-notifications.csv", Policy: allow(dco, la, provider), Handler: s.s23ListCSV},
		{Pattern: "GET /s23-notifications/new", Policy: allow(dco, provider), Handler: s.s23New},
		{Pattern: "POST /s23-notifications/check", Policy: allow(dco, provider), Handler: s.s23Check},
		{Pattern: "POST /s23-notifications", Policy: allow(dco, provider), Handler: s.s23Create},
		{Pattern: "GET /s23-notifications/compliance", Policy: allow(dco, provider), Handler: s.s23Compliance},
		{Pattern: "GET /s23-notifications/compliance.csv", Policy: allow(dco, provider), Handler: s.s23ComplianceCSV},
		{Pattern: "GET /s23-notifications/settings", Policy: allow(dco), Handler: s.s23SettingsForm},
		{Pattern: "POST /s23-notifications/settings", Policy: allow(dco), Handler: s.s23SettingsSave},
		{Pattern: "GET /s23-notifications/{id}", Policy: allow(dco, la, provider), Handler: s.s23View},
		{Pattern: "GET /s23-notifications/{id}/edit", Policy: allow(dco, provider), Handler: s.s23Edit},
		{Pattern: "POST /s23-notifications/{id}", Policy: allow(dco, provider), Handler: s.s23Update},
		{Pattern: "POST /s23-notifications/{id}/acknowledge", Policy: allow(dco, la), Handler: s.s23Acknowledge},
		{Pattern: "GET /s23-notifications/{id}/parent-letter", Policy: allow(dco, provider), Handler: s.s23ParentLetter},
		{Pattern: "POST /s23-notifications/{id}/parent-letter/sent", Policy: allow(dco, provider), Handler: s.s23ParentLetterSent},
		{Pattern: "GET /s23-notifications/{id}/la-letter", Policy: allow(dco, la, provider), Handler: s.s23LALetter},
		{Pattern: "POST /s23-notifications/{id}/la-letter/sent", Policy: allow(dco, provider), Handler: s.s23LALetterSent},

		// The JSON API for provider and LA systems (bearer tokens).
		{Pattern: "GET /api/v1/s23-notifications", Policy: allow(dco, la, provider), Handler: s.apiS23List},
		{Pattern: "POST /api/v1/s23-notifications", Policy: allow(dco, provider), Handler: s.apiS23Create},
		{Pattern: "GET /api/v1/s23-notifications/{id}", Policy: allow(dco, la, provider), Handler: s.apiS23Get},
		{Pattern: "PATCH /api/v1/s23-notifications/{id}", Policy: allow(dco, la, provider), Handler: s.apiS23Patch},
	}
}

// home is the notifications section of the actor's home page, or nil.
func (s *Web) home(ctx context.Context, actor store.Actor) (any, error) {
	h, err := s.s23HomeSummary(ctx, actor)
	if h == nil || err != nil {
		return nil, err
	}
	return h, nil
}

// child is what the workflow adds to a child's page: the child's
// notifications on its timeline, and a link to make one.
func (s *Web) child(ctx context.Context, actor store.Actor, c store.Child) ([]web.TimelineEntry, []web.NavItem, error) {
	entries, err := s.s23Timeline(ctx, actor, c.ID)
	if err != nil {
		return nil, nil, err
	}
	return entries, s23ChildActions(actor, c), nil
}
