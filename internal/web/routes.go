package web

import (
	"net/http"
	"slices"
	"strings"

	"dco/internal/store"
)

// Shorter names for the roles, so each route's policy fits on its line.
const (
	dco       = store.RoleDCO
	la        = store.RoleLA
	clinician = store.RoleClinician
	provider  = store.RoleProvider
	viewer    = store.RoleViewer
	admin     = store.RoleAdmin
)

// routeTable is every route the service answers, each with who may use it.
// It is the single place access is decided at the HTTP layer: guard() wraps
// every handler in the policy on its own line, and TestAccessMatrix walks
// this table for every role. TestRoutePolicyReviewed holds it to
// testdata/access-policy.txt, the policy as reviewed against docs/design.md §2, and
// TestRoutePolicyRules to rules taken from docs/design.md §2 directly. The store makes the same decision again in SQL
// for every child record, so a mistake here cannot on its own leak a record.
//
// A route under /api/ authenticates with a bearer token and never with a
// cookie; every other route uses the session cookie.
var routeTable = []route{
	// Operations and files: no sign-in, no personal data.
	{"GET /healthz", public(), (*Server).healthz},
	{"GET /readyz", public(), (*Server).readyz},
	{"GET /static/{hash}/{name}", public(), (*Server).serveStatic},
	{"GET /assets/{path...}", public(), (*Server).serveAsset},

	// Signing in and out.
	{"GET /sign-in", public(), (*Server).signInForm},
	{"POST /sign-in", public(), (*Server).signIn},
	{"POST /sign-out", signedIn(), (*Server).signOut},
	// An account an administrator added chooses its own password at first
	// sign-in, before any other page (guard; password.go).
	{"GET /account/password", signedIn(), (*Server).passwordForm},
	{"POST /account/password", signedIn(), (*Server).passwordSave},

	// Home: each role's work list (the viewer's is a dashboard of counts).
	{"GET /{$}", signedIn(), (*Server).home},

	// Children and young people.
	{"GET /children", allow(dco, la, clinician, provider), (*Server).childList},
	{"GET /children/new", allow(dco, la, provider), (*Server).childNew},
	{"POST /children", allow(dco, la, provider), (*Server).childCreate},
	{"GET /children/{id}", allow(dco, la, clinician, provider), (*Server).childView},
	{"GET /children/{id}/edit", allow(dco, la, provider), (*Server).childEdit},
	{"POST /children/{id}", allow(dco, la, provider), (*Server).childUpdate},
	{"GET /children/{id}/access", allow(dco), (*Server).childAccess},
	// Registrations of an NHS number held in another ICB, for the
	// submitter's DCO team to resolve (registration.go).
	{"GET /registration-requests", allow(dco), (*Server).registrationList},
	{"POST /registration-requests/{id}/resolve", allow(dco), (*Server).registrationResolve},

	// Administration: accounts, organisations, settings, audit. No case data.
	{"GET /admin/users", allow(admin), (*Server).userList},
	{"GET /admin/users/new", allow(admin), (*Server).userNew},
	{"POST /admin/users/new", allow(admin), (*Server).userCreate},
	{"GET /admin/users/{id}/disable", allow(admin), (*Server).userDisableConfirm},
	{"POST /admin/users/{id}/disable", allow(admin), (*Server).userDisable},
	{"GET /admin/orgs", allow(admin), (*Server).orgList},
	{"GET /admin/orgs/new", allow(admin), (*Server).orgNew},
	{"POST /admin/orgs/new", allow(admin), (*Server).orgCreate},
	{"GET /admin/audit", allow(admin), (*Server).auditList},
	{"GET /admin/settings", allow(admin), (*Server).settingsForm},
	{"POST /admin/settings", allow(admin), (*Server).settingsSave},

	// The JSON API for LA and provider systems (bearer tokens).
	{"GET /api/v1/openapi.json", public(), (*Server).apiOpenAPI},
	{"GET /api/v1/children", allow(dco, la, clinician, provider), (*Server).apiChildList},
	{"POST /api/v1/children", allow(dco, la, provider), (*Server).apiChildCreate},
	{"GET /api/v1/children/{id}", allow(dco, la, clinician, provider), (*Server).apiChildGet},
	{"PATCH /api/v1/children/{id}", allow(dco, la, provider), (*Server).apiChildPatch},
}

// route is one line of the table. A workflow's routes are added to the
// table when the server is built (Options.Workflows, kit.go).
type route struct {
	pattern string
	policy  policy
	handler func(*Server, http.ResponseWriter, *http.Request)
}

// policy says who may use a route.
type policy struct {
	public bool         // anyone, signed in or not
	roles  []store.Role // when not public: these roles; empty means any signed-in user
}

// public lets anyone in: health checks, static files, the sign-in page.
func public() policy { return policy{public: true} }

// signedIn lets in any signed-in user, whatever the role.
func signedIn() policy { return policy{} }

// allow lets in signed-in users with one of the roles.
func allow(roles ...store.Role) policy { return policy{roles: roles} }

// permits reports whether a signed-in user with role may use the route.
func (p policy) permits(role store.Role) bool {
	return p.public || len(p.roles) == 0 || slices.Contains(p.roles, role)
}

// RouteInfo describes one route and its access policy, for tests that must
// cover every route and for documentation.
type RouteInfo struct {
	Method  string // GET, POST, PATCH
	Path    string // the ServeMux path pattern, e.g. /children/{id}
	Public  bool   // reachable without signing in
	Roles   []store.Role
	API     bool // authenticated by bearer token rather than session cookie
	Pattern string
}

// Allows reports whether a signed-in user with the role may use the route.
func (ri RouteInfo) Allows(role store.Role) bool {
	return ri.Public || len(ri.Roles) == 0 || slices.Contains(ri.Roles, role)
}

// Routes lists every route with its policy: routes.go's, in its order, then
// each workflow's. A route with no Roles and Public false is open to every
// signed-in user. It binds each workflow to a kit that serves nothing, so
// pass workflows made for the listing, not a running server's.
func Routes(workflows ...Workflow) []RouteInfo {
	rts := slices.Clone(routeTable)
	for _, w := range workflows {
		for _, rt := range w.Web(&Kit{}).Routes {
			rts = append(rts, route{pattern: rt.Pattern, policy: rt.Policy})
		}
	}
	out := make([]RouteInfo, 0, len(rts))
	for _, rt := range rts {
		method, path, _ := strings.Cut(rt.pattern, " ")
		out = append(out, RouteInfo{
			Method:  method,
			Path:    path,
			Public:  rt.policy.public,
			Roles:   slices.Clone(rt.policy.roles),
			API:     isAPIPath(path),
			Pattern: rt.pattern,
		})
	}
	return out
}

// isAPIPath reports whether a path belongs to the JSON API, which answers
// in JSON and authenticates by bearer token only.
func isAPIPath(path string) bool { return strings.HasPrefix(path, "/api/") }
