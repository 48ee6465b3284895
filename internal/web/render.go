package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"

	"dco/internal/send"
	"dco/internal/store"
)

//go:embed templates/*.html
var templateFS embed.FS

// The service's name as the NHS.UK header shows it.
const (
	serviceName      = "Designated Clinical Officer service"
	serviceShortName = "dco"
)

// page is what every page's data carries for the layout: who is signed in,
// their navigation, the CSRF token for forms, the banner to show, the error
// summary and where the back link goes. Each page's own struct embeds it.
type page struct {
	Title     string
	User      *store.User
	Nav       []navItem
	CSRF      string
	Flash     *flash
	Demo      bool
	Back      string // the back link's target; "" for none
	BackText  string
	Errors    []fieldError
	FieldErrs map[string]string
	RequestID string
}

// base lets render fill the common fields of any page.
func (p *page) base() *page { return p }

// pageData is any page's data: a struct embedding page, passed by pointer.
type pageData interface{ base() *page }

// Err returns the error message for a field, or "".
func (p *page) Err(field string) string { return p.FieldErrs[field] }

// fieldError is one line of the error summary: the message, and the id of
// the input it links to ("" for an error about the whole form).
type fieldError struct {
	Href    string
	Message string
}

// setErrors fills the error summary in the order the fields appear on the
// form, so the summary reads top to bottom like the page. anchors maps a
// field to the id of the input to focus when it differs (the day box of a
// date input).
func (p *page) setErrors(fields map[string]string, order []string, anchors map[string]string) {
	p.FieldErrs = fields
	p.Errors = nil
	seen := map[string]bool{}
	add := func(name string) {
		msg, ok := fields[name]
		if !ok || seen[name] {
			return
		}
		seen[name] = true
		id := name
		if a, ok := anchors[name]; ok {
			id = a
		}
		href := ""
		if name != "" {
			href = "#" + id
		}
		p.Errors = append(p.Errors, fieldError{Href: href, Message: msg})
	}
	for _, name := range order {
		add(name)
	}
	// Fields not on the form's list (an error from the store about the
	// record as a whole) come last, in a stable order.
	var rest []string
	for name := range fields {
		if !seen[name] {
			rest = append(rest, name)
		}
	}
	slices.Sort(rest)
	for _, name := range rest {
		add(name)
	}
}

// navItem is one link in the header navigation.
type navItem struct {
	Href    string
	Text    string
	Current string // "" when elsewhere; "page" on the page itself; "true" within its section
}

// navFor returns the navigation for a role (docs/design.md §8), limited to pages
// that exist. The link for the current section is marked so the header
// shows where the user is and screen readers announce it.
func (s *Server) navFor(role store.Role, current string) []navItem {
	var items []navItem
	switch role {
	case store.RoleDCO, store.RoleLA, store.RoleClinician:
		items = []navItem{{Href: "/", Text: "Home"}, {Href: "/children", Text: "Children"}}
	case store.RoleProvider:
		items = []navItem{{Href: "/", Text: "Home"}}
	case store.RoleViewer:
		items = []navItem{{Href: "/", Text: "Dashboard"}}
	case store.RoleAdmin:
		items = []navItem{
			{Href: "/admin/users", Text: "Users"},
			{Href: "/admin/orgs", Text: "Organisations"},
			{Href: "/admin/settings", Text: "Settings"},
			{Href: "/admin/audit", Text: "Audit"},
		}
	}
	items = s.workflowNav(role, items) // each workflow's entries, where docs/design.md §8 puts them
	for i := range items {
		switch h := items[i].Href; {
		case current == h:
			items[i].Current = "page"
		case h != "/" && strings.HasPrefix(current, h+"/"):
			items[i].Current = "true"
		}
	}
	return items
}

// The pages: each is parsed with the layout and partials at start-up, so a
// template error stops the service starting rather than failing a request.
var pageFiles = []string{
	"error.html", "signin.html", "home.html",
	"children.html", "child.html", "child_form.html", "child_access.html",
	"users.html", "user_form.html", "user_disable.html",
	"orgs.html", "org_form.html", "audit.html", "settings.html",
}

func parsePages(funcs template.FuncMap, workflows []Parts) (map[string]*template.Template, error) {
	pages := map[string]*template.Template{}
	for _, name := range pageFiles {
		t, err := template.New(name).Funcs(funcs).ParseFS(templateFS,
			"templates/layout.html", "templates/partials.html", "templates/"+name)
		if err != nil {
			return nil, fmt.Errorf("parse template %s: %w", name, err)
		}
		pages[name] = t
	}
	// Each workflow's pages, with its own partials; the home page gets
	// every workflow's partials, which define its home section.
	for _, w := range workflows {
		if w.Pages == nil {
			continue
		}
		_, err := fs.Stat(w.Pages, "partials.html")
		partials := err == nil
		names, err := fs.Glob(w.Pages, "*.html")
		if err != nil {
			return nil, err
		}
		for _, name := range names {
			if !isWorkflowPage(name) {
				continue
			}
			if _, dup := pages[name]; dup {
				return nil, fmt.Errorf("template %s is defined twice", name)
			}
			t, err := template.New(name).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/partials.html")
			if err == nil && partials {
				t, err = t.ParseFS(w.Pages, "partials.html")
			}
			if err == nil {
				t, err = t.ParseFS(w.Pages, name)
			}
			if err != nil {
				return nil, fmt.Errorf("parse template %s: %w", name, err)
			}
			pages[name] = t
		}
		if partials {
			if _, err := pages["home.html"].ParseFS(w.Pages, "partials.html"); err != nil {
				return nil, fmt.Errorf("parse a workflow's partials for the home page: %w", err)
			}
		}
	}
	// Every page file on disk must be in the list, so none is forgotten.
	files, _ := fs.Glob(templateFS, "templates/*.html")
	for _, f := range files {
		name := path.Base(f)
		if _, ok := pages[name]; !ok && name != "layout.html" && name != "partials.html" {
			return nil, fmt.Errorf("template %s is not listed in pageFiles", name)
		}
	}
	return pages, nil
}

func (s *Server) templateFuncs() template.FuncMap {
	return template.FuncMap{
		"asset":       s.assets.url,
		"serviceName": func() string { return serviceName },
		"shortName":   func() string { return serviceShortName },
		"date":        func(d send.Date) string { return d.Long() },
		"nhs":         func(n send.NHSNumber) string { return n.String() },
		"count":       func(n int) string { return formatCount(n) },
		"input":       newInput,
		"dateField":   newDateField,
		"add":         func(a, b int) int { return a + b },
		"roleLabel":   roleLabel,
		"flagTags":    flagTags,
		"inputDate":   func(d send.Date) dateParts { return datePartsOf(d) },
		"itoa":        func(n int64) string { return strconv.FormatInt(n, 10) },
		"childPath":   childPath,
	}
}

// render writes a page: the template runs into a buffer first, so that a
// template failure produces a clean 500 page instead of half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, data pageData) {
	p := data.base()
	st := state(r)
	p.User = st.user
	if st.user != nil {
		p.Nav = s.navFor(st.user.Role, r.URL.Path)
		if st.session != nil && p.CSRF == "" {
			p.CSRF = st.session.CSRFToken
		}
	}
	p.Demo = s.opts.Demo
	p.RequestID = st.id
	if p.Flash == nil {
		p.Flash = s.takeFlash(w, r)
	}
	t := s.pages[name]
	if t == nil {
		s.log.Error("no such template", "id", st.id, "template", name)
		s.plainError(w, http.StatusInternalServerError)
		return
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", data); err != nil {
		s.log.Error("render", "id", st.id, "template", name, "err", err)
		if name != "error.html" {
			s.renderError(w, r, http.StatusInternalServerError)
		} else {
			s.plainError(w, http.StatusInternalServerError)
		}
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}

// plainError is the last resort when even the error page cannot be drawn.
func (s *Server) plainError(w http.ResponseWriter, status int) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	_, _ = fmt.Fprintln(w, http.StatusText(status))
}

// formatCount writes a count with thousands separators: 12,345.
func formatCount(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// roleLabel names a role as people say it.
func roleLabel(r store.Role) string {
	switch r {
	case store.RoleDCO:
		return "DCO"
	case store.RoleClinician:
		return "Clinician"
	case store.RoleProvider:
		return "Provider"
	case store.RoleLA:
		return "Local authority"
	case store.RoleViewer:
		return "Viewer"
	case store.RoleAdmin:
		return "Administrator"
	}
	return string(r)
}

// inputField is what the "input" partial needs to draw one NHS.UK text
// input with its label, hint and error.
type inputField struct {
	Name, Label, Value, Error, Hint string
	Type, Width, Autocomplete       string
	Inputmode                       string
	Code                            bool // NHS numbers and codes: monospaced digits, no spellcheck
}

// newInput builds an input for a template: input page "name" "Label" value
// ["hint=…" "width=10" "type=email" "autocomplete=…" "inputmode=numeric" "code"].
func newInput(p pageData, name, label, value string, opts ...string) inputField {
	f := inputField{Name: name, Label: label, Value: value, Error: p.base().Err(name), Type: "text"}
	for _, o := range opts {
		k, v, _ := strings.Cut(o, "=")
		switch k {
		case "hint":
			f.Hint = v
		case "width":
			f.Width = v
		case "type":
			f.Type = v
		case "autocomplete":
			f.Autocomplete = v
		case "inputmode":
			f.Inputmode = v
		case "code":
			f.Code = true
		}
	}
	return f
}

// dateParts is the day, month and year boxes of an NHS.UK date input, kept
// as typed so a form re-shown with an error keeps what the person entered.
type dateParts struct {
	Day, Month, Year string
}

func datePartsOf(d send.Date) dateParts {
	if d.IsZero() {
		return dateParts{}
	}
	return dateParts{Day: strconv.Itoa(d.Day()), Month: strconv.Itoa(int(d.Month())), Year: strconv.Itoa(d.Year())}
}

// flagTags lists the labels of the flags that are set, for tags.
func flagTags(f store.Flags) []string {
	var out []string
	for _, fl := range flagList {
		if *fl.field(&f) {
			out = append(out, fl.Label)
		}
	}
	return out
}

// pageURL returns path with the filters q and the page starting at offset.
func pageURL(path string, q url.Values, offset int) string {
	v := url.Values{}
	for k, vs := range q {
		v[k] = vs
	}
	if offset > 0 {
		v.Set("offset", strconv.Itoa(offset))
	} else {
		v.Del("offset")
	}
	if len(v) == 0 {
		return path
	}
	return path + "?" + v.Encode()
}

// pager is the previous and next links under a paged list.
type pager struct {
	Prev, Next string
	From, To   int
	Total      int
}

func newPager(path string, q url.Values, offset, limit, shown, total int) pager {
	p := pager{Total: total}
	if shown > 0 {
		p.From, p.To = offset+1, offset+shown
	}
	if offset > 0 {
		p.Prev = pageURL(path, q, max(0, offset-limit))
	}
	if offset+shown < total {
		p.Next = pageURL(path, q, offset+limit)
	}
	return p
}

// dateField is what the "dateInput" partial needs: an NHS.UK date input
// with its legend, hint and error.
type dateField struct {
	Name, Label, Hint, Error string
	Value                    dateParts
	Large                    bool
}

// newDateField builds a date input for a template:
// dateField page "name" "Legend" value "hint".
func newDateField(p pageData, name, label string, v dateParts, hint string) dateField {
	return dateField{Name: name, Label: label, Hint: hint, Error: p.base().Err(name), Value: v, Large: true}
}
