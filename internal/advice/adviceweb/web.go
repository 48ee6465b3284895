// Package adviceweb is the health advice workflow's web part (SEND
// Regulations 2014 reg 8): its pages, JSON API and download, on the kernel
// of internal/web, with its store in advicedb and its rules in
// internal/advice. The LA's request
// comes in, the DCO triages and assigns it, clinicians answer, and the DCO
// returns one combined response within six weeks. internal/workflows wires
// it in with one line (README "How to add a workflow").
package adviceweb

import (
	"context"
	"embed"
	"slices"

	"dco/internal/advice"
	"dco/internal/advice/advicedb"
	"dco/internal/send"
	"dco/internal/store"
	"dco/internal/web"
)

//go:embed templates/*.html
var templateFS embed.FS

// Web is the health advice workflow's handlers, on the server's kit.
type Web struct {
	*web.Kit
	db *advicedb.DB
}

// New returns the health advice workflow on its store, for web.Options.
func New(db *advicedb.DB) *Web { return &Web{db: db} }

// Web binds the workflow to the server's kit and returns what it adds to
// the service.
func (s *Web) Web(k *web.Kit) web.Parts {
	s.Kit = k
	return web.Parts{
		Routes:       s.routes(),
		Pages:        web.Templates(templateFS),
		Nav:          adviceNav,
		Home:         s.home,
		HomeTemplate: "adviceQueues",
		Child:        s.child,
		// The six-week clock in the ledger of deadlines, as advicedb
		// writes it (kind "advice"), on the kernel's deadline lists.
		Deadlines: []web.DeadlineKind{{Kind: "advice", Rule: send.RuleHealthAdvice, Label: "Health advice to the LA",
			Link: advicePath, List: web.NavItem{Href: "/advice-requests", Text: "All health advice requests"}}},
		ActionLabels: adviceActionLabels,
		Flashes:      adviceFlashes,
		// A clinician's uploaded advice may be up to advice.MaxDocument;
		// the form around it is small.
		BodyLimits: map[string]int64{"POST /advice-contributions/{id}/document": advice.MaxDocument + 1<<20},
		Settings: []web.SettingDef{{Key: "advice_reuse_months", Label: "Health advice: how old existing advice may be to offer it for reuse (months)",
			Hint: "Advice given for another purpose within this many months before a request can be offered instead of new advice (SEND Regulations 2014 reg 6(4)).", Min: 1, Max: 120, Default: "12"}},
	}
}

// Shorter names for the roles, so each route's policy fits on its line.
const (
	dco       = store.RoleDCO
	la        = store.RoleLA
	clinician = store.RoleClinician
)

// routes are the advice routes, each with who may use it.
// internal/web/testdata/access-policy.txt reviews them with every other
// route.
func (s *Web) routes() []web.Route {
	allow := web.Allow
	return []web.Route{
		// Health advice for EHC needs assessments (SEND Regs 2014 reg 8): the
		// LA's request in, the DCO's triage and assignment, the clinicians'
		// answers, the combined response to the LA. The store scopes each
		// request again: an LA its own, a clinician only those assigned.
		{Pattern: "GET /advice-requests", Policy: allow(dco, la, clinician), Handler: s.adviceList},
		{Pattern: "GET /advice-requests.csv", Policy: allow(dco, la, clinician), Handler: s.adviceCSV},
		{Pattern: "GET /advice-requests/at-risk", Policy: allow(dco), Handler: s.adviceAtRisk},
		{Pattern: "GET /advice-requests/new", Policy: allow(dco, la), Handler: s.adviceNew},
		{Pattern: "POST /advice-requests", Policy: allow(dco, la), Handler: s.adviceCreate},
		{Pattern: "GET /advice-requests/{id}", Policy: allow(dco, la, clinician), Handler: s.adviceView},
		{Pattern: "GET /advice-requests/{id}/response", Policy: allow(dco, la, clinician), Handler: s.adviceResponse},
		{Pattern: "GET /advice-requests/{id}/edit", Policy: allow(dco, la), Handler: s.adviceEdit},
		{Pattern: "POST /advice-requests/{id}/edit", Policy: allow(dco, la), Handler: s.adviceEditSave},
		{Pattern: "GET /advice-requests/{id}/triage", Policy: allow(dco), Handler: s.adviceTriage},
		{Pattern: "POST /advice-requests/{id}/triage", Policy: allow(dco), Handler: s.adviceTriageSave},
		{Pattern: "POST /advice-requests/{id}/contributions", Policy: allow(dco), Handler: s.adviceAssign},
		{Pattern: "GET /advice-contributions/{id}", Policy: allow(dco, clinician), Handler: s.adviceContribution},
		{Pattern: "POST /advice-contributions/{id}/advice", Policy: allow(dco, clinician), Handler: s.adviceAnswerAdvice},
		{Pattern: "POST /advice-contributions/{id}/not-known", Policy: allow(dco, clinician), Handler: s.adviceAnswerNotKnown},
		{Pattern: "POST /advice-contributions/{id}/reuse", Policy: allow(dco, clinician), Handler: s.adviceAnswerReuse},
		{Pattern: "POST /advice-contributions/{id}/document", Policy: allow(dco, clinician), Handler: s.adviceUpload},
		{Pattern: "POST /advice-contributions/{id}/exception", Policy: allow(dco, clinician), Handler: s.adviceContributionException},
		{Pattern: "POST /advice-contributions/{id}/assign", Policy: allow(dco), Handler: s.adviceReassign},
		{Pattern: "POST /advice-contributions/{id}/remove", Policy: allow(dco), Handler: s.adviceRemovePart},
		{Pattern: "POST /advice-requests/{id}/exception", Policy: allow(dco), Handler: s.adviceRequestException},
		{Pattern: "GET /advice-requests/{id}/return", Policy: allow(dco), Handler: s.adviceReturnCheck},
		{Pattern: "POST /advice-requests/{id}/return", Policy: allow(dco), Handler: s.adviceReturn},
		{Pattern: "GET /advice-requests/{id}/withdraw", Policy: allow(dco, la), Handler: s.adviceWithdrawConfirm},
		{Pattern: "POST /advice-requests/{id}/withdraw", Policy: allow(dco, la), Handler: s.adviceWithdraw},
		{Pattern: "GET /advice-documents/{id}", Policy: allow(dco, la, clinician), Handler: s.adviceDocument},

		// The JSON API for LA systems (bearer tokens).
		{Pattern: "GET /api/v1/advice-requests", Policy: allow(dco, la, clinician), Handler: s.apiAdviceList},
		{Pattern: "POST /api/v1/advice-requests", Policy: allow(dco, la), Handler: s.apiAdviceCreate},
		{Pattern: "GET /api/v1/advice-requests/{id}", Policy: allow(dco, la, clinician), Handler: s.apiAdviceGet},
		{Pattern: "PATCH /api/v1/advice-requests/{id}", Policy: allow(dco, la), Handler: s.apiAdvicePatch},
	}
}

// adviceNav puts "Advice requests" after "Children" for those who work on
// requests.
func adviceNav(role store.Role, items []web.NavItem) []web.NavItem {
	if role != dco && role != la && role != clinician {
		return items
	}
	entry := web.NavItem{Href: "/advice-requests", Text: "Advice requests"}
	for i, it := range items {
		if it.Href == "/children" {
			return slices.Insert(items, i+1, entry)
		}
	}
	return append(items, entry)
}

// home is the advice work queues of the actor's home page, or nil.
func (s *Web) home(ctx context.Context, actor store.Actor) (any, error) {
	h, err := s.adviceHomeFor(ctx, actor)
	if h == nil || err != nil {
		return nil, err
	}
	return h, nil
}

// child is what the workflow adds to a child's page: the child's requests
// on its timeline, and a link to record one.
func (s *Web) child(ctx context.Context, actor store.Actor, c store.Child) ([]web.TimelineEntry, []web.NavItem, error) {
	entries, err := s.adviceTimeline(ctx, actor, c.ID)
	if err != nil {
		return nil, nil, err
	}
	return entries, adviceChildActions(actor, c), nil
}
