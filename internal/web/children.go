package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"dco/internal/errs"
	"dco/internal/send"
	"dco/internal/store"
)

// childPageSize is how many children a search page lists.
const childPageSize = 25

// laOption is one choice in a local-authority select.
type laOption struct {
	Code, Name string
	Selected   bool
}

// localAuthorities returns the LAs an actor works with: those of the ICB a
// DCO or viewer belongs to, and none when they belong to none.
func (s *Server) localAuthorities(ctx context.Context, a store.Actor) ([]store.Org, error) {
	all, err := s.store.ListOrgs(ctx, store.OrgLA)
	if err != nil {
		return nil, err
	}
	if a.Role != store.RoleDCO && a.Role != store.RoleViewer {
		return all, nil
	}
	var out []store.Org
	for _, o := range all {
		if o.ParentID == a.OrgID {
			out = append(out, o)
		}
	}
	return out, nil
}

func laOptions(las []store.Org, selected string) []laOption {
	out := make([]laOption, 0, len(las))
	for _, o := range las {
		out = append(out, laOption{Code: o.Code, Name: o.Name, Selected: o.Code == selected})
	}
	return out
}

// pathID reads the {id} in a path. A malformed id is answered exactly as an
// unknown one, so ids cannot be probed.
func pathID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, errs.E(errs.NotFound, "Page not found")
	}
	return id, nil
}

// childOfPath reads the child named by the path's {id} as the signed-in
// actor (GetChild audits the view, or the refusal), answering the request
// itself when it cannot: ok is false then.
func (s *Server) childOfPath(w http.ResponseWriter, r *http.Request) (actor store.Actor, c store.Child, ok bool) {
	actor = state(r).actor(r)
	id, err := pathID(r)
	if err == nil {
		c, err = s.store.GetChild(r.Context(), actor, id)
	}
	if err != nil {
		s.fail(w, r, err)
		return actor, store.Child{}, false
	}
	return actor, c, true
}

// storeFields renames the store's field names to the form's and the API's:
// the store speaks of la_id, people and clients choose an LA by its code.
func storeFields(err error) error {
	e, ok := err.(*errs.Error)
	if !ok || e.Fields == nil {
		return err
	}
	if msg, ok := e.Fields["la_id"]; ok {
		fields := map[string]string{}
		for k, v := range e.Fields {
			fields[k] = v
		}
		delete(fields, "la_id")
		fields["la_code"] = msg
		c := *e
		c.Fields = fields
		return &c
	}
	return err
}

// --- Search ---

// childListPage is the search page.
type childListPage struct {
	page
	Query    string
	DOB      dateParts
	LACode   string
	LAs      []laOption
	ShowLA   bool // a choice of LA makes sense only for a DCO
	Searched bool
	Children []store.Child
	Total    int
	Pager    pager
	CanAdd   bool
}

var searchFields = []string{"q", "dob", "la"}

func (s *Server) childList(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	st := state(r)
	actor := st.actor(r)
	q := r.URL.Query()
	p := &childListPage{
		Query:  strings.TrimSpace(q.Get("q")),
		DOB:    dateParts{Day: strings.TrimSpace(q.Get("dob-day")), Month: strings.TrimSpace(q.Get("dob-month")), Year: strings.TrimSpace(q.Get("dob-year"))},
		LACode: strings.TrimSpace(q.Get("la")),
		ShowLA: actor.Role == store.RoleDCO,
		CanAdd: mayRegister(actor.Role),
	}
	p.Title = "Children and young people"
	p.Back, p.BackText = "/", "Home"

	f := store.ChildFilter{Query: p.Query, Limit: childPageSize}
	f.Offset, _ = strconv.Atoi(q.Get("offset"))
	f.Offset = max(f.Offset, 0)
	bad := map[string]string{}
	if p.DOB != (dateParts{}) {
		f.DateOfBirth = checkDateParts(bad, "dob", "Date of birth", p.DOB)
	}
	if p.ShowLA {
		las, err := s.localAuthorities(ctx, actor)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		p.LAs = laOptions(las, p.LACode)
		if p.LACode != "" {
			found := false
			for _, o := range las {
				if o.Code == p.LACode {
					f.LAID, found = o.ID, true
				}
			}
			if !found {
				bad["la"] = "Choose a local authority from the list"
			}
		}
	}
	if len(bad) > 0 {
		p.setErrors(bad, searchFields, map[string]string{"dob": "dob-day"})
		s.render(w, r, http.StatusUnprocessableEntity, "children.html", p)
		return
	}
	children, total, err := s.store.SearchChildren(ctx, actor, f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p.Searched = p.Query != "" || !f.DateOfBirth.IsZero() || f.LAID != 0
	p.Children, p.Total = children, total
	keep := url.Values{}
	for _, k := range []string{"q", "dob-day", "dob-month", "dob-year", "la"} {
		if v := strings.TrimSpace(q.Get(k)); v != "" {
			keep.Set(k, v)
		}
	}
	p.Pager = newPager("/children", keep, f.Offset, childPageSize, len(children), total)
	s.render(w, r, http.StatusOK, "children.html", p)
}

// mayRegister reports whether a role may register and change children; the
// store makes the same decision.
func mayRegister(role store.Role) bool {
	return role == store.RoleDCO || role == store.RoleLA || role == store.RoleProvider
}

// --- Register and edit ---

// childFormPage is the register and edit form.
type childFormPage struct {
	page
	Editing    bool
	ID         int64
	In         childInput
	LAs        []laOption
	FixedLA    string // an LA caseworker's own LA, shown instead of a choice
	Flags      []flagChoice
	Duplicates []store.Child
	Action     string

	// FixedLACode keeps the LA of a child being changed by someone who may
	// not move it (sent back as it is), and FixedLAHint says who can.
	FixedLACode, FixedLAHint string
}

// flagChoice is one checkbox of the flags question.
type flagChoice struct {
	Name, Label string
	Checked     bool
}

// childFormPage fills the form for actor. The LA question offers only what
// the store would accept (placeRule and moveChild in internal/store): an LA
// caseworker's own LA; to a DCO the ICB's LAs; to a provider registering a
// child its own ICB's LAs; and, when a child is being changed (editing) by
// anyone but the DCO team, the child's LA as it is, with who can move it.
func (s *Server) childFormPage(ctx context.Context, actor store.Actor, in childInput, editing bool) (*childFormPage, error) {
	p := &childFormPage{In: in}
	for _, fl := range flagList {
		p.Flags = append(p.Flags, flagChoice{Name: fl.Name, Label: fl.Label, Checked: *fl.field(&in.Flags)})
	}
	if editing && actor.Role != store.RoleDCO {
		p.FixedLAHint = msgMoveByDCOTeam
	}
	if actor.Role == store.RoleLA {
		org, err := s.store.GetOrg(ctx, actor.LAID)
		if err != nil {
			return nil, err
		}
		p.FixedLA = org.Name
		return p, nil
	}
	if editing && actor.Role != store.RoleDCO {
		p.FixedLA, p.FixedLACode = in.LACode, in.LACode
		if org, err := s.store.FindLA(ctx, in.LACode); err == nil {
			p.FixedLA = org.Name
		}
		return p, nil
	}
	las, err := s.childFormLAs(ctx, actor)
	if err != nil {
		return nil, err
	}
	p.LAs = laOptions(las, in.LACode)
	return p, nil
}

// msgMoveByDCOTeam tells someone who may not move a child who can.
const msgMoveByDCOTeam = "Only the DCO team can change the local authority. If the child has moved, ask your DCO team to move their record."

// childFormLAs are the LAs the register form offers: a DCO's (or viewer's)
// ICB's, as localAuthorities gives, and a provider's, its organisation's
// ICB's.
func (s *Server) childFormLAs(ctx context.Context, actor store.Actor) ([]store.Org, error) {
	las, err := s.localAuthorities(ctx, actor)
	if err != nil || actor.Role != store.RoleProvider {
		return las, err
	}
	var icb int64
	if actor.OrgID != 0 {
		org, err := s.store.GetOrg(ctx, actor.OrgID)
		if err != nil {
			return nil, err
		}
		icb = org.ParentID
	}
	var out []store.Org
	for _, o := range las {
		if icb != 0 && o.ParentID == icb {
			out = append(out, o)
		}
	}
	return out, nil
}

func (s *Server) childNew(w http.ResponseWriter, r *http.Request) {
	p, err := s.childFormPage(r.Context(), state(r).actor(r), childInput{DOBFromForm: true}, false)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p.Title, p.Action = "Register a child or young person", "/children"
	p.Back = "/children"
	s.render(w, r, http.StatusOK, "child_form.html", p)
}

func (s *Server) childCreate(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	actor := state(r).actor(r)
	in := decodeChildForm(r)
	reshow := func(status int, fields map[string]string, dups []store.Child) {
		p, err := s.childFormPage(ctx, actor, in, false)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		p.Title, p.Action, p.Back = "Register a child or young person", "/children", "/children"
		p.Duplicates = dups
		if fields != nil {
			p.setErrors(fields, childFields, childAnchors)
		}
		s.render(w, r, status, "child_form.html", p)
	}
	c, err := s.validateChild(ctx, actor, in, 0)
	if err != nil {
		s.failForm(w, r, err, func(status int, f map[string]string) { reshow(status, f, nil) })
		return
	}
	if !in.ConfirmDuplicate {
		dups, err := s.likelyDuplicates(ctx, actor, c)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if len(dups) > 0 {
			reshow(http.StatusOK, nil, dups)
			return
		}
	}
	if err := s.store.CreateChild(ctx, actor, &c); err != nil {
		if sent := (*store.RegistrationSent)(nil); errors.As(err, &sent) {
			// A request for the DCO team (store/registration.go).
			s.setFlash(w, r, flashRequestSent)
			http.Redirect(w, r, "/children", http.StatusSeeOther)
			return
		}
		s.failForm(w, r, storeFields(err), func(status int, f map[string]string) { reshow(status, f, nil) })
		return
	}
	s.setFlash(w, r, flashChildRegistered)
	http.Redirect(w, r, "/children/"+strconv.FormatInt(c.ID, 10), http.StatusSeeOther)
}

// likelyDuplicates returns the children, among those the actor may see,
// with the same name and date of birth but another NHS number: perhaps the
// same child with a mistyped number. A matching NHS number is not a warning
// but a refusal, which CreateChild gives.
func (s *Server) likelyDuplicates(ctx context.Context, actor store.Actor, c store.Child) ([]store.Child, error) {
	found, err := s.store.FindDuplicates(ctx, actor, c)
	if err != nil {
		return nil, err
	}
	var out []store.Child
	for _, d := range found {
		if d.NHSNumber != c.NHSNumber {
			out = append(out, d)
		}
	}
	return out, nil
}

func (s *Server) childEdit(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	actor, c, ok := s.childOfPath(w, r)
	if !ok {
		return
	}
	code, err := s.laCode(ctx, c.LAID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p, err := s.childFormPage(ctx, actor, inputFromChild(c, code), true)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.editPage(p, c.ID)
	s.render(w, r, http.StatusOK, "child_form.html", p)
}

func (s *Server) editPage(p *childFormPage, id int64) {
	p.Editing, p.ID = true, id
	p.Title = "Change details"
	p.Action = "/children/" + strconv.FormatInt(id, 10)
	p.Back = p.Action
}

func (s *Server) childUpdate(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	actor := state(r).actor(r)
	id, err := pathID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	in := decodeChildForm(r)
	reshow := func(status int, fields map[string]string) {
		p, err := s.childFormPage(ctx, actor, in, true)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		s.editPage(p, id)
		p.setErrors(fields, childFields, childAnchors)
		s.render(w, r, status, "child_form.html", p)
	}
	c, err := s.validateChild(ctx, actor, in, id)
	if err != nil {
		// Re-showing the form shows the record, so first make sure the
		// user may see it: a child out of scope is "not found" whatever
		// was typed.
		if !errs.Is(err, errs.Invalid) {
			s.fail(w, r, err)
			return
		}
		if _, gerr := s.store.GetChild(ctx, actor, id); gerr != nil {
			s.fail(w, r, gerr)
			return
		}
		s.failForm(w, r, err, reshow)
		return
	}
	if err := s.store.UpdateChild(ctx, actor, &c); err != nil {
		s.failForm(w, r, staleToMessage(storeFields(err)), reshow)
		return
	}
	s.setFlash(w, r, flashChildSaved)
	http.Redirect(w, r, "/children/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
}

// laCode returns the DfE code of an LA, by id.
func (s *Server) laCode(ctx context.Context, id int64) (string, error) {
	if id == 0 {
		return "", nil
	}
	org, err := s.store.GetOrg(ctx, id)
	if err != nil {
		return "", err
	}
	return org.Code, nil
}

// --- The child's page ---

// childPage is a child's hub: the record, what is derived from it and
// (later) the timeline of work about the child.
type childPage struct {
	page
	Child     store.Child
	Derived   send.Derived
	Status    string
	NCYear    string
	Flags     []string
	CanEdit   bool
	CanAudit  bool
	ChildPath string
	// Deadlines are the child's open clocks from the ledger, earliest
	// first, whichever workflow runs them (deadlines.go).
	Deadlines deadlineList
	// Timeline is every workflow's entries about the child, newest first;
	// Actions are the workflows' links to start new work from here.
	Timeline []timelineEntry
	Actions  []navItem
}

// timelineEntry is one line of a child's timeline, from any workflow: its
// date, what it is (linking to it) and its status tag (docs/design.md §8).
type timelineEntry struct {
	Date   send.Date
	Title  string
	Href   string
	Colour string // the status tag's colour
	Status string
	Detail string // e.g. "due in 3 days"
}

// sortTimeline puts the newest entry first.
func sortTimeline(es []timelineEntry) {
	slices.SortStableFunc(es, func(a, b timelineEntry) int { return b.Date.Compare(a.Date) })
}

func (s *Server) childView(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	actor, c, ok := s.childOfPath(w, r)
	if !ok {
		return
	}
	var err error
	d := send.Derive(c.DateOfBirth, send.Today(s.now()))
	p := &childPage{
		Child:     c,
		Derived:   d,
		Status:    d.Status.Label(),
		NCYear:    ncYearLabel(d.NCYear),
		Flags:     flagTags(c.Flags),
		CanEdit:   mayRegister(actor.Role),
		CanAudit:  actor.Role == store.RoleDCO,
		ChildPath: "/children/" + strconv.FormatInt(c.ID, 10),
	}
	p.Title = c.GivenName + " " + c.FamilyName
	p.Back, p.BackText = "/children", "Children"
	if p.Deadlines, err = s.childDeadlines(ctx, actor, c.ID); err != nil {
		s.fail(w, r, err)
		return
	}
	for _, wf := range s.workflows { // each workflow's entries and actions (kit.go)
		if wf.Child == nil {
			continue
		}
		entries, actions, err := wf.Child(ctx, actor, c)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		p.Timeline = append(p.Timeline, entries...)
		p.Actions = append(p.Actions, actions...)
	}
	sortTimeline(p.Timeline)
	s.render(w, r, http.StatusOK, "child.html", p)
}

// ncYearLabel words the national curriculum year: "Reception", "Year 5".
func ncYearLabel(y string) string {
	switch y {
	case "":
		return "Not in a school year"
	case "R":
		return "Reception"
	}
	return "Year " + y
}

// --- Who has accessed this record ---
