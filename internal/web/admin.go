package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"dco/internal/auth"
	"dco/internal/errs"
	"dco/internal/store"
)

// The administrator's pages: accounts, organisations, settings and the
// audit trail. None of them shows a child's record.

// --- Users ---

// userRow is one user as the list shows them.
type userRow struct {
	ID       int64
	Name     string
	Email    string
	Role     string
	Org      string
	Disabled bool
}

type userListPage struct {
	page
	Users []userRow
}

// orgNames maps every organisation's id to its name.
func (s *Server) orgNames(ctx context.Context) (map[int64]string, []store.Org, error) {
	orgs, err := s.store.ListOrgs(ctx, "")
	if err != nil {
		return nil, nil, err
	}
	m := make(map[int64]string, len(orgs))
	for _, o := range orgs {
		m[o.ID] = o.Name
	}
	return m, orgs, nil
}

func (s *Server) userList(w http.ResponseWriter, r *http.Request) {
	users, err := s.store.ListUsersFor(r.Context(), state(r).actor(r))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	names, _, err := s.orgNames(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p := &userListPage{}
	for _, u := range users {
		org := names[u.LAID]
		if org == "" {
			org = names[u.OrgID]
		}
		p.Users = append(p.Users, userRow{ID: u.ID, Name: u.Name, Email: u.Email, Role: roleLabel(u.Role), Org: org, Disabled: u.Disabled})
	}
	p.Title = "Users"
	p.Back, p.BackText = "/", "Home"
	s.render(w, r, http.StatusOK, "users.html", p)
}

// userFormPage is the add-user form.
type userFormPage struct {
	page
	Name, Email    string
	Role           string
	LAID, OrgID    string
	Roles          []choice
	LAs, OtherOrgs []choice
}

// choice is one option of a select or radio group.
type choice struct {
	Value, Label, Hint string
	Selected           bool
}

var userFields = []string{"name", "email", "role", "la_id", "org_id", "password"}

var roleHints = map[store.Role]string{
	store.RoleDCO:       "Designated Clinical or Medical Officer and their team: every child in the ICB",
	store.RoleClinician: "Sees only the cases assigned to them",
	store.RoleProvider:  "A health provider team: sees what their organisation sent",
	store.RoleLA:        "A local authority caseworker: sees only their own local authority",
	store.RoleViewer:    "Board member: sees counts only, never a name",
	store.RoleAdmin:     "Manages accounts and organisations; sees no children's records",
}

// userForm fills the form's choices. An ICB's administrator is offered
// only their ICB and its LAs and providers: the store refuses any other
// (README, "Accounts").
func (s *Server) userForm(ctx context.Context, actor store.Actor, p *userFormPage) error {
	_, orgs, err := s.orgNames(ctx)
	if err != nil {
		return err
	}
	if actor.OrgID != 0 {
		own := orgs[:0:0]
		for _, o := range orgs {
			if o.ID == actor.OrgID || o.ParentID == actor.OrgID {
				own = append(own, o)
			}
		}
		orgs = own
	}
	for _, role := range store.Roles {
		p.Roles = append(p.Roles, choice{Value: string(role), Label: roleLabel(role), Hint: roleHints[role], Selected: string(role) == p.Role})
	}
	for _, o := range orgs {
		id := strconv.FormatInt(o.ID, 10)
		if o.Kind == store.OrgLA {
			p.LAs = append(p.LAs, choice{Value: id, Label: o.Name, Selected: id == p.LAID})
		} else {
			label := o.Name + " (provider)"
			if o.Kind == store.OrgICB {
				label = o.Name + " (ICB)"
			}
			p.OtherOrgs = append(p.OtherOrgs, choice{Value: id, Label: label, Selected: id == p.OrgID})
		}
	}
	p.Title = "Add a user"
	p.Back = "/admin/users"
	return nil
}

func (s *Server) userNew(w http.ResponseWriter, r *http.Request) {
	p := &userFormPage{}
	if err := s.userForm(r.Context(), state(r).actor(r), p); err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "user_form.html", p)
}

// userCreate adds an account. Every problem is reported at once: the
// password's, and the store's (where the account belongs, for whom). The
// password typed works once: the person chooses their own at first
// sign-in (store.CreateUser).
func (s *Server) userCreate(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	actor := state(r).actor(r)
	p := &userFormPage{
		Name:  strings.TrimSpace(r.PostFormValue("name")),
		Email: strings.TrimSpace(r.PostFormValue("email")),
		Role:  r.PostFormValue("role"),
		LAID:  r.PostFormValue("la_id"),
		OrgID: r.PostFormValue("org_id"),
	}
	reshow := func(status int, fields map[string]string) {
		if err := s.userForm(ctx, actor, p); err != nil {
			s.fail(w, r, err)
			return
		}
		p.setErrors(fields, userFields, map[string]string{"role": "role-" + string(store.Roles[0])})
		s.render(w, r, status, "user_form.html", p)
	}
	u := store.User{Name: p.Name, Email: p.Email, Role: store.Role(p.Role)}
	u.LAID, _ = strconv.ParseInt(p.LAID, 10, 64)
	u.OrgID, _ = strconv.ParseInt(p.OrgID, 10, 64)
	// Only the organisation that fits the role counts; the other select
	// may hold a leftover choice.
	if u.Role == store.RoleLA {
		u.OrgID = 0
	} else {
		u.LAID = 0
	}
	password := r.PostFormValue("password")
	bad := map[string]string{}
	if len(password) < auth.MinPasswordLength {
		bad["password"] = "Enter a password of at least " + strconv.Itoa(auth.MinPasswordLength) + " characters"
	}
	if p.Email != "" && !validEmail(strings.ToLower(p.Email)) {
		bad["email"] = "Enter an e-mail address in the correct format, like name@example.nhs.uk"
	}
	if len(bad) > 0 {
		check := u
		err := s.store.ValidateUser(ctx, actor, &check)
		if !errs.Is(err, errs.Invalid) && err != nil {
			s.fail(w, r, err)
			return
		}
		for k, v := range errs.FieldsOf(err) {
			if bad[k] == "" {
				bad[k] = v
			}
		}
		reshow(http.StatusUnprocessableEntity, bad)
		return
	}
	hash, err := auth.HashPassword(password)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	u.PasswordHash = hash
	if err := s.store.CreateUser(ctx, actor, &u); err != nil {
		s.failForm(w, r, err, reshow)
		return
	}
	s.setFlash(w, r, flashUserAdded)
	http.Redirect(w, r, "/admin/users", http.StatusSeeOther)
}

// userDisablePage asks the administrator to confirm.
type userDisablePage struct {
	page
	User store.User
}

// userByPath is the account named by the path, if the administrator
// manages it: another ICB's is not found.
func (s *Server) userByPath(r *http.Request) (store.User, error) {
	id, err := pathID(r)
	if err != nil {
		return store.User{}, err
	}
	return s.store.GetUserFor(r.Context(), state(r).actor(r), id)
}

func (s *Server) userDisableConfirm(w http.ResponseWriter, r *http.Request) {
	u, err := s.userByPath(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p := &userDisablePage{User: u}
	p.Title = "Disable " + u.Name
	p.Back = "/admin/users"
	s.render(w, r, http.StatusOK, "user_disable.html", p)
}

func (s *Server) userDisable(w http.ResponseWriter, r *http.Request) {
	u, err := s.userByPath(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if st := state(r); st.user != nil && st.user.ID == u.ID {
		s.fail(w, r, errs.E(errs.Invalid, "You cannot disable your own account. Ask another administrator."))
		return
	}
	if err := s.store.DisableUser(r.Context(), state(r).actor(r), u.Email); err != nil {
		s.fail(w, r, err)
		return
	}
	s.setFlash(w, r, flashUserDisabled)
	http.Redirect(w, r, "/admin/users", http.StatusSeeOther)
}

// --- Organisations ---

type orgListPage struct {
	page
	Orgs []orgRow
}

type orgRow struct {
	Name, Kind, Code, ONSCode, Parent string
}

func kindLabel(k store.OrgKind) string {
	switch k {
	case store.OrgICB:
		return "Integrated care board"
	case store.OrgLA:
		return "Local authority"
	case store.OrgProvider:
		return "Health provider"
	}
	return string(k)
}

func (s *Server) orgList(w http.ResponseWriter, r *http.Request) {
	names, orgs, err := s.orgNames(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p := &orgListPage{}
	for _, o := range orgs {
		p.Orgs = append(p.Orgs, orgRow{Name: o.Name, Kind: kindLabel(o.Kind), Code: o.Code, ONSCode: o.ONSCode, Parent: names[o.ParentID]})
	}
	p.Title = "Organisations"
	p.Back, p.BackText = "/", "Home"
	s.render(w, r, http.StatusOK, "orgs.html", p)
}

type orgFormPage struct {
	page
	Kind, Name, Code, ONSCode, ParentID string
	Kinds                               []choice
	ICBs                                []choice
}

var orgFields = []string{"kind", "name", "code", "ons_code", "parent_id"}

func (s *Server) orgForm(ctx context.Context, p *orgFormPage) error {
	icbs, err := s.store.ListOrgs(ctx, store.OrgICB)
	if err != nil {
		return err
	}
	for _, k := range []store.OrgKind{store.OrgICB, store.OrgLA, store.OrgProvider} {
		p.Kinds = append(p.Kinds, choice{Value: string(k), Label: kindLabel(k), Selected: string(k) == p.Kind})
	}
	if len(icbs) > 1 {
		for _, o := range icbs {
			id := strconv.FormatInt(o.ID, 10)
			p.ICBs = append(p.ICBs, choice{Value: id, Label: o.Name, Selected: id == p.ParentID})
		}
	}
	p.Title = "Add an organisation"
	p.Back = "/admin/orgs"
	return nil
}

func (s *Server) orgNew(w http.ResponseWriter, r *http.Request) {
	p := &orgFormPage{}
	if err := s.orgForm(r.Context(), p); err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "org_form.html", p)
}

func (s *Server) orgCreate(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p := &orgFormPage{
		Kind: r.PostFormValue("kind"), Name: r.PostFormValue("name"), Code: r.PostFormValue("code"),
		ONSCode: r.PostFormValue("ons_code"), ParentID: r.PostFormValue("parent_id"),
	}
	o := store.Org{Kind: store.OrgKind(p.Kind), Name: p.Name, Code: p.Code, ONSCode: p.ONSCode}
	o.ParentID, _ = strconv.ParseInt(p.ParentID, 10, 64)
	if err := s.store.CreateOrg(ctx, state(r).actor(r), &o); err != nil {
		s.failForm(w, r, err, func(status int, fields map[string]string) {
			if err := s.orgForm(ctx, p); err != nil {
				s.fail(w, r, err)
				return
			}
			p.setErrors(fields, orgFields, map[string]string{"kind": "kind-icb"})
			s.render(w, r, status, "org_form.html", p)
		})
		return
	}
	s.setFlash(w, r, flashOrgAdded)
	http.Redirect(w, r, "/admin/orgs", http.StatusSeeOther)
}

// --- Audit ---

type auditPage struct {
	page
	Action  string
	Entries []auditRow
	Total   int
	Pager   pager
}

type auditRow struct {
	When, Who, Role, Action, Object, Outcome, Detail, Addr string
}

const auditPageSize = 50

func (s *Server) auditList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	p := &auditPage{Action: strings.TrimSpace(q.Get("action"))}
	offset, _ := strconv.Atoi(q.Get("offset"))
	offset = max(offset, 0)
	entries, total, err := s.store.ListAudit(r.Context(), store.AuditFilter{Limit: auditPageSize, Offset: offset, Action: p.Action})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	for _, e := range entries {
		obj := ""
		if e.ObjectType != "" {
			obj = e.ObjectType
			if e.ObjectID != 0 {
				obj += " " + strconv.FormatInt(e.ObjectID, 10)
			}
		}
		who, role := whoDid(e)
		p.Entries = append(p.Entries, auditRow{
			When: longTime(e.At), Who: who, Role: role, Action: e.Action,
			Object: obj, Outcome: e.Outcome, Detail: e.Detail, Addr: e.Addr,
		})
	}
	p.Total = total
	keep := url.Values{}
	if p.Action != "" {
		keep.Set("action", p.Action)
	}
	p.Pager = newPager("/admin/audit", keep, offset, auditPageSize, len(entries), total)
	p.Title = "Audit trail"
	p.Back, p.BackText = "/", "Home"
	s.render(w, r, http.StatusOK, "audit.html", p)
}

// --- Settings ---

// settingDef is one setting the administrator may change: a whole number of
// days, with the range that makes sense.
type settingDef struct {
	Key, Label, Hint string
	Min, Max         int
	Default          string
}

// settingDefs are the local standards docs/design.md §4 leaves to each ICB. The
// administrator's page edits their defaults: the values every ICB uses
// until its DCO sets its own (a workflow's on its own settings page). Each
// workflow's (Parts.Settings) come first.
var settingDefs = []settingDef{
	{Key: "qa_standard_working_days", Label: "Quality assurance of draft plans: local standard (working days)",
		Hint: "How many working days the DCO team has to return QA feedback on a draft EHC plan.", Min: 1, Max: 100, Default: "10"},
}

type settingsPage struct {
	page
	Settings []settingRow
}

type settingRow struct {
	settingDef
	Value   string
	Version int64
	Error   string
}

// loadSettings reads the defaults (ICB 0).
func (s *Server) loadSettings(ctx context.Context, actor store.Actor) ([]settingRow, error) {
	var rows []settingRow
	for _, d := range s.settingDefs() {
		row := settingRow{settingDef: d, Value: d.Default}
		v, err := s.store.Setting(ctx, actor, 0, d.Key)
		switch {
		case err == nil:
			row.Value, row.Version = v.Value, v.SaveVersion()
		case !errs.Is(err, errs.NotFound):
			return nil, err
		}
		rows = append(rows, row)
	}
	return rows, nil
}

func (s *Server) settingsForm(w http.ResponseWriter, r *http.Request) {
	rows, err := s.loadSettings(r.Context(), state(r).actor(r))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p := &settingsPage{Settings: rows}
	p.Title = "Settings"
	p.Back, p.BackText = "/", "Home"
	s.render(w, r, http.StatusOK, "settings.html", p)
}

// settingsSave saves every changed default; no ICB's own value changes.
// Each carries the version it was read at, so two administrators saving at
// once cannot overwrite each other unnoticed.
func (s *Server) settingsSave(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	actor := state(r).actor(r)
	stored, err := s.loadSettings(ctx, actor)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	rows := make([]settingRow, len(stored))
	bad := map[string]string{}
	var order []string
	for i, cur := range stored {
		row := cur
		row.Value = strings.TrimSpace(r.PostFormValue(cur.Key))
		row.Version, _ = strconv.ParseInt(r.PostFormValue(cur.Key+"-version"), 10, 64)
		n, err := strconv.Atoi(row.Value)
		if err != nil || n < cur.Min || n > cur.Max {
			row.Error = "Enter a whole number from " + strconv.Itoa(cur.Min) + " to " + strconv.Itoa(cur.Max)
			bad[cur.Key] = row.Error
		}
		order = append(order, cur.Key)
		rows[i] = row
	}
	reshow := func(status int, fields map[string]string) {
		p := &settingsPage{Settings: rows}
		p.Title = "Settings"
		p.Back, p.BackText = "/", "Home"
		p.setErrors(fields, order, nil)
		s.render(w, r, status, "settings.html", p)
	}
	if len(bad) > 0 {
		reshow(http.StatusUnprocessableEntity, bad)
		return
	}
	for i, row := range rows {
		if row.Value == stored[i].Value && row.Version == stored[i].Version {
			continue // unchanged: no write, no audit row
		}
		if err := s.store.SetSetting(ctx, actor, 0, row.Key, row.Value, row.Version); err != nil {
			// Show the person's values against the versions now stored,
			// so that, having checked, they can save again.
			if fresh, ferr := s.loadSettings(ctx, actor); ferr == nil {
				for j := range rows {
					rows[j].Version = fresh[j].Version
				}
			}
			s.failForm(w, r, staleToMessage(err), reshow)
			return
		}
	}
	s.setFlash(w, r, flashSettingsSaved)
	http.Redirect(w, r, "/admin/settings", http.StatusSeeOther)
}
