package web

import (
	"bytes"
	"context"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"dco/internal/errs"
	"dco/internal/send"
	"dco/internal/store"
)

// The kernel API: what a workflow's web package (internal/<workflow>/
// <workflow>web, see README "How to add a workflow") builds on. A workflow
// hands the server its Parts once, through Options.Workflows: its routes
// with their role policy, its pages, its navigation entries, what it adds
// to the home page and to a child's page, its banners and its body limits.
// The server parses, guards and draws them exactly as its own; nothing here
// names a workflow.

// Workflow is one workflow's web part. Web is called once, when the server
// is built, with the Kit the workflow's handlers draw and answer through.
type Workflow interface {
	Web(k *Kit) Parts
}

// Parts is everything a workflow adds to the service.
type Parts struct {
	// Routes are its routes, each with who may use it, as routes.go's own.
	Routes []Route
	// Pages holds its page templates (*.html), each parsed with the
	// layout, the shared partials and the workflow's own partials.html.
	// partials.html may also define the template HomeTemplate names.
	Pages fs.FS
	// Nav adds its entries to a role's navigation.
	Nav func(role store.Role, items []NavItem) []NavItem
	// Home returns its section of the actor's home page, drawn with the
	// template HomeTemplate; nil data draws nothing.
	Home         func(ctx context.Context, actor store.Actor) (any, error)
	HomeTemplate string
	// Child returns its entries on a child's timeline and its links to
	// start new work from the child's page.
	Child func(ctx context.Context, actor store.Actor, c store.Child) ([]TimelineEntry, []NavItem, error)
	// Deadlines word its clocks in the ledger of deadlines (store.Deadline)
	// and link each to its record, for the kernel's deadline lists on the
	// home pages and the child's page (deadlines.go).
	Deadlines []DeadlineKind
	// ActionLabels word its audit actions in "who has accessed this record".
	ActionLabels map[string]string
	// Flashes are its banners, by the code SetFlash is given.
	Flashes map[string]Flash
	// BodyLimits raise the request body limit of its upload routes, by
	// route pattern.
	BodyLimits map[string]int64
	// Settings are its local standards whose defaults the administrator
	// sets on the settings page.
	Settings []SettingDef
}

// DeadlineKind says what one of a workflow's clocks is, for the pages that
// list the ledger of deadlines without knowing which workflow wrote a row:
// the row's Kind and Rule, as the workflow writes them with SetDeadline.
type DeadlineKind struct {
	Kind, Rule string
	// Label is what the clock is, as a list of deadlines names it: the
	// step awaited and who owes it.
	Label string
	// Link is the address of the record the clock belongs to.
	Link func(recordID int64) string
	// List is the workflow's list of this work (its address and name),
	// zero if none: a home page links to it when it shows only part of the
	// deadlines and the user's role may open it.
	List NavItem
}

// SettingDef is one setting the administrator may change: a whole number
// of days, with the range that makes sense.
type SettingDef = settingDef

// Route is one route of a workflow: "METHOD /path", who may use it, and
// its handler.
type Route struct {
	Pattern string
	Policy  Policy
	Handler http.HandlerFunc
}

// Policy says who may use a route.
type Policy = policy

// Allow lets in signed-in users with one of the roles.
func Allow(roles ...store.Role) Policy { return allow(roles...) }

// Kit is the server as a workflow's handlers use it: drawing pages,
// answering errors, banners, the signed-in actor, the store and the clock.
type Kit struct{ s *Server }

// Page is what every page's data embeds for the layout (see page).
type Page = page

// PageData is any page's data: a struct embedding Page, passed by pointer.
type PageData = pageData

// NavItem is one link in the navigation or a list of actions.
type NavItem = navItem

// TimelineEntry is one entry on a child's timeline.
type TimelineEntry = timelineEntry

// DateParts are the boxes of an NHS.UK date input, as typed.
type DateParts = dateParts

// DateField is what the "dateInput" partial draws.
type DateField = dateField

// Pager is the previous and next links under a paged list.
type Pager = pager

// FlagChoice is one checkbox of a group.
type FlagChoice = flagChoice

// Flash is a banner shown once after a change.
type Flash = flash

// CountOnly is an offset past the end of any list: asking for that page
// counts the matches and shows no record.
const CountOnly = countOnly

// SetErrors fills the error summary in the order of the form's fields
// (order), anchors naming the input to focus where it differs.
func (p *page) SetErrors(fields map[string]string, order []string, anchors map[string]string) {
	p.setErrors(fields, order, anchors)
}

// Render draws page name (one of the workflow's Pages) with data.
func (k *Kit) Render(w http.ResponseWriter, r *http.Request, status int, name string, data PageData) {
	k.s.render(w, r, status, name, data)
}

// Fail answers a request with the page or JSON its error's code calls for:
// the one error-to-response function.
func (k *Kit) Fail(w http.ResponseWriter, r *http.Request, err error) { k.s.fail(w, r, err) }

// FailForm re-shows a form with the error's field messages (reshow), or
// fails as Fail does when the error is not about the form.
func (k *Kit) FailForm(w http.ResponseWriter, r *http.Request, err error, reshow func(status int, fields map[string]string)) {
	k.s.failForm(w, r, err, reshow)
}

// SetFlash sets the banner the next page shows.
func (k *Kit) SetFlash(w http.ResponseWriter, r *http.Request, code string) { k.s.setFlash(w, r, code) }

// Actor is who is making the request, as the store scopes them.
func (k *Kit) Actor(r *http.Request) store.Actor { return state(r).actor(r) }

// Store is the kernel store.
func (k *Kit) Store() *store.Store { return k.s.store }

// Now is the server's clock.
func (k *Kit) Now() time.Time { return k.s.now() }

// Today is today's date in England.
func (k *Kit) Today() send.Date { return send.Today(k.s.now()) }

// Calendar is the working-day calendar for deadlines: the embedded bank
// holidays with those imported.
func (k *Kit) Calendar(ctx context.Context) (*send.Calendar, error) {
	if k.s.calendar == nil {
		return send.DefaultCalendar(), nil
	}
	return k.s.calendar(ctx)
}

// LocalAuthorities are the LAs an actor may choose from.
func (k *Kit) LocalAuthorities(ctx context.Context, a store.Actor) ([]store.Org, error) {
	return k.s.localAuthorities(ctx, a)
}

// LACode is the code of LA id, as forms and the API name it.
func (k *Kit) LACode(ctx context.Context, id int64) (string, error) { return k.s.laCode(ctx, id) }

// PathID reads the {id} of a route's path.
func PathID(r *http.Request) (int64, error) { return pathID(r) }

// WriteJSON answers with v as JSON.
func WriteJSON(w http.ResponseWriter, status int, v any) { writeJSON(w, status, v) }

// WriteCSV answers with a CSV download, every cell made safe for
// spreadsheets.
func WriteCSV(w http.ResponseWriter, filename string, header []string, rows [][]string) {
	writeCSV(w, filename, header, rows)
}

// DecodeStrict reads a JSON body, refusing fields not in known (and nested
// objects' fields not in nested) with unknownMessage.
func DecodeStrict(r *http.Request, dst any, known map[string]bool, nested map[string]map[string]bool, unknownMessage string) error {
	return decodeStrict(r, dst, known, nested, unknownMessage)
}

// StaleToMessage words a conflict with a newer version for a form.
func StaleToMessage(err error) error { return staleToMessage(err) }

// CheckDateParts reads a date input, adding to bad what is wrong.
func CheckDateParts(bad map[string]string, field, label string, p DateParts) send.Date {
	return checkDateParts(bad, field, label, p)
}

// DatePartsOf fills a date input's boxes with d.
func DatePartsOf(d send.Date) DateParts { return datePartsOf(d) }

// CheckName checks a person's name, adding to bad what is wrong.
func CheckName(bad map[string]string, field, label, v string) string {
	return checkName(bad, field, label, v)
}

// Sentence makes an error text a sentence for a page.
func Sentence(s string) string { return sentence(s) }

// PageURL returns path with the filters q and the page starting at offset.
func PageURL(path string, q url.Values, offset int) string { return pageURL(path, q, offset) }

// NewPager builds the links under a paged list.
func NewPager(path string, q url.Values, offset, limit, shown, total int) Pager {
	return newPager(path, q, offset, limit, shown, total)
}

// NewDateField builds a date input for a template.
func NewDateField(p PageData, name, label string, v DateParts, hint string) DateField {
	return newDateField(p, name, label, v, hint)
}

// ChildPath is the address of a child's page.
func ChildPath(id int64) string { return childPath(id) }

// addWorkflows takes each workflow's parts: its routes into the route
// table, its banners, limits and pages.
func (s *Server) addWorkflows(ws []Workflow) {
	s.routes = slices.Clone(routeTable)
	k := &Kit{s: s}
	for _, w := range ws {
		p := w.Web(k)
		for _, rt := range p.Routes {
			s.routes = append(s.routes, route{pattern: rt.Pattern, policy: rt.Policy, handler: workflowHandler(rt.Handler)})
		}
		s.workflows = append(s.workflows, p)
	}
}

// workflowHandler adapts a workflow's handler to the route table's shape.
func workflowHandler(h http.HandlerFunc) func(*Server, http.ResponseWriter, *http.Request) {
	return func(_ *Server, w http.ResponseWriter, r *http.Request) { h(w, r) }
}

// homeSections draws each workflow's section of the actor's home page.
func (s *Server) homeSections(ctx context.Context, actor store.Actor) ([]template.HTML, error) {
	var out []template.HTML
	for _, p := range s.workflows {
		if p.Home == nil {
			continue
		}
		data, err := p.Home(ctx, actor)
		if err != nil {
			return nil, err
		}
		if data == nil {
			continue
		}
		var buf bytes.Buffer
		if err := s.pages["home.html"].ExecuteTemplate(&buf, p.HomeTemplate, data); err != nil {
			return nil, err
		}
		out = append(out, template.HTML(buf.String())) // escaped: drawn by html/template
	}
	return out, nil
}

// workflowNav adds each workflow's navigation entries.
func (s *Server) workflowNav(role store.Role, items []navItem) []navItem {
	for _, p := range s.workflows {
		if p.Nav != nil {
			items = p.Nav(role, items)
		}
	}
	return items
}

// workflowActionLabel words a workflow's audit action, or "".
func (s *Server) workflowActionLabel(a string) (string, bool) {
	for _, p := range s.workflows {
		if l, ok := p.ActionLabels[a]; ok {
			return l, true
		}
	}
	return "", false
}

// workflowFlash is a workflow's banner for code.
func (s *Server) workflowFlash(code string) (flash, bool) {
	for _, p := range s.workflows {
		if f, ok := p.Flashes[code]; ok {
			return f, true
		}
	}
	return flash{}, false
}

// settingDefs are the administrator's settings: each workflow's, then the
// kernel's.
func (s *Server) settingDefs() []settingDef {
	var out []settingDef
	for _, p := range s.workflows {
		out = append(out, p.Settings...)
	}
	return append(out, settingDefs...)
}

// bodyLimit is the body limit a route raises the default to, if any.
func (s *Server) bodyLimit(pattern string) (int64, bool) {
	if n, ok := routeBodyLimits[pattern]; ok {
		return n, true
	}
	for _, p := range s.workflows {
		if n, ok := p.BodyLimits[pattern]; ok {
			return n, true
		}
	}
	return 0, false
}

// isWorkflowPage reports whether name is a page file, not a partial.
func isWorkflowPage(name string) bool {
	return strings.HasSuffix(name, ".html") && name != "partials.html"
}

// StoreFields renames the store's field names to the form's and the API's:
// the store speaks of la_id, people and clients choose an LA by its code.
func StoreFields(err error) error { return storeFields(err) }

// QueryChild is the child named by ?child= (a form started from a child's
// page), as the request's user may see it; nil when the query names none.
// A malformed id is not_found, as an absent child is.
func (k *Kit) QueryChild(r *http.Request) (*store.Child, error) {
	v := r.URL.Query().Get("child")
	if v == "" {
		return nil, nil
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id <= 0 {
		return nil, errs.E(errs.NotFound, "Page not found")
	}
	c, err := k.s.store.GetChild(r.Context(), k.Actor(r), id)
	if err != nil {
		return nil, err
	}
	return &c, nil
}

// CSVMax bounds one CSV download of a list; a wider one is narrowed by
// filters. Every workflow's download reads its list CSVPage rows at a time.
const (
	CSVMax  = 50_000
	CSVPage = 1000
)

// Templates is a workflow's embedded templates/ folder, for Parts.Pages.
// It panics on error: the embedded folder is fixed at build time.
func Templates(fsys fs.FS) fs.FS {
	pages, err := fs.Sub(fsys, "templates")
	if err != nil {
		panic(err)
	}
	return pages
}

// Show renders the page p with status 200 or, when building it failed, the
// response err calls for: the end of every handler that shows a page.
func (k *Kit) Show(w http.ResponseWriter, r *http.Request, name string, p PageData, err error) {
	if err != nil {
		k.Fail(w, r, err)
		return
	}
	k.Render(w, r, http.StatusOK, name, p)
}
