package s23web

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"dco/internal/errs"
	"dco/internal/s23"
	"dco/internal/s23/s23db"
	"dco/internal/send"
	"dco/internal/store"
	"dco/internal/web"
)

// s23Input is the one request type for making or changing a notification,
// from the HTML form or JSON. Dates come as the NHS.UK date input's three
// boxes from a form and as YYYY-MM-DD from JSON; s23Validate reads either.
type s23Input struct {
	ChildID int64
	// A child not chosen by id is given by its details.
	NHSNumber, GivenName, FamilyName string
	DOB                              s23DateIn
	ChildLACode, Postcode            string

	Kind          string
	ProviderCode  string
	LACode        string // the LA to notify; "" for the child's
	LAReason      string
	Professional  string
	Service       string
	Needs         []string
	Reasons       string
	Dates         map[string]s23DateIn // by s23.Field… name
	Consent       string
	VoluntaryOrgs string
	Version       int64
	FromForm      bool
}

// s23DateIn is a date as it arrived: three boxes from a form, text from JSON.
type s23DateIn struct {
	Parts web.DateParts
	Text  string
}

// s23DateFields are the step dates a form asks for, in its order.
var s23DateFields = []string{s23.FieldOpinion, s23.FieldParentInformed, s23.FieldDiscussionOffered,
	s23.FieldDiscussionHeld, s23.FieldLANotified}

// s23DateLabels are the step dates' questions.
var s23DateLabels = map[string]string{
	s23.FieldOpinion:           "Date you formed the opinion",
	s23.FieldParentInformed:    "Date the parent was informed",
	s23.FieldDiscussionOffered: "Date the parent was offered a discussion",
	s23.FieldDiscussionHeld:    "Date the discussion was held",
	s23.FieldLANotified:        "Date the local authority was notified",
}

// s23FormFields is the order of the form's fields, for the error summary.
var s23FormFields = []string{"child", "nhs_number", "given_name", "family_name", "date_of_birth", "child_la_code", "postcode",
	"kind", "provider_code", "professional", "service", "needs", "reasons",
	s23.FieldOpinion, s23.FieldParentInformed, s23.FieldDiscussionOffered, s23.FieldDiscussionHeld,
	"consent_to_share", "voluntary_orgs", "la_code", "la_reason", s23.FieldLANotified, "version"}

// s23Anchors sends the error summary's links to the right input.
var s23Anchors = map[string]string{
	"date_of_birth": "date_of_birth-day", s23.FieldOpinion: s23.FieldOpinion + "-day",
	s23.FieldParentInformed: s23.FieldParentInformed + "-day", s23.FieldDiscussionOffered: s23.FieldDiscussionOffered + "-day",
	s23.FieldDiscussionHeld: s23.FieldDiscussionHeld + "-day", s23.FieldLANotified: s23.FieldLANotified + "-day",
	"needs": "needs-" + s23.Needs[0].Key, "consent_to_share": "consent_to_share-yes", "kind": "kind-s23",
}

func s23FormDate(r *http.Request, name string) s23DateIn {
	return s23DateIn{Parts: web.DateParts{
		Day:   strings.TrimSpace(r.PostFormValue(name + "-day")),
		Month: strings.TrimSpace(r.PostFormValue(name + "-month")),
		Year:  strings.TrimSpace(r.PostFormValue(name + "-year")),
	}}
}

// decodeS23Form reads the notification form (and the hidden copy of it on
// the check page).
func decodeS23Form(r *http.Request) s23Input {
	in := s23Input{
		NHSNumber: r.PostFormValue("nhs_number"), GivenName: r.PostFormValue("given_name"), FamilyName: r.PostFormValue("family_name"),
		DOB: s23FormDate(r, "date_of_birth"), ChildLACode: r.PostFormValue("child_la_code"), Postcode: r.PostFormValue("postcode"),
		Kind: r.PostFormValue("kind"), ProviderCode: r.PostFormValue("provider_code"), LACode: r.PostFormValue("la_code"),
		LAReason: r.PostFormValue("la_reason"), Professional: r.PostFormValue("professional"), Service: r.PostFormValue("service"),
		Needs: r.PostForm["needs"], Reasons: r.PostFormValue("reasons"), Consent: r.PostFormValue("consent_to_share"),
		VoluntaryOrgs: r.PostFormValue("voluntary_orgs"), Dates: map[string]s23DateIn{}, FromForm: true,
	}
	in.ChildID, _ = strconv.ParseInt(r.PostFormValue("child_id"), 10, 64)
	in.Version, _ = strconv.ParseInt(r.PostFormValue("version"), 10, 64)
	for _, f := range s23DateFields {
		in.Dates[f] = s23FormDate(r, f)
	}
	return in
}

// s23InputFrom fills the form from a stored notification, for editing.
func s23InputFrom(n s23db.Notification, laCode, providerCode string) s23Input {
	in := s23Input{
		ChildID: n.ChildID, Kind: string(n.Kind), ProviderCode: providerCode, LACode: laCode, LAReason: n.LAReason,
		Professional: n.Professional, Service: n.Service, Needs: n.Needs, Reasons: n.Reasons, Consent: string(n.Consent),
		VoluntaryOrgs: n.VoluntaryOrgs, Version: n.Version, Dates: map[string]s23DateIn{}, FromForm: true,
	}
	st := n.Steps
	for f, d := range map[string]send.Date{s23.FieldOpinion: st.OpinionOn, s23.FieldParentInformed: st.ParentInformedOn,
		s23.FieldDiscussionOffered: st.DiscussionOfferedOn, s23.FieldDiscussionHeld: st.DiscussionHeldOn, s23.FieldLANotified: st.LANotifiedOn} {
		in.Dates[f] = s23DateIn{Parts: web.DatePartsOf(d), Text: d.String()}
	}
	return in
}

// hidden returns the input as the hidden fields of the check page, so that
// confirming sends exactly what was checked and nothing is retyped.
func (in s23Input) hidden() []s23Hidden {
	var out []s23Hidden
	add := func(k, v string) {
		if v != "" {
			out = append(out, s23Hidden{k, v})
		}
	}
	if in.ChildID != 0 {
		add("child_id", strconv.FormatInt(in.ChildID, 10))
	}
	add("nhs_number", in.NHSNumber)
	add("given_name", in.GivenName)
	add("family_name", in.FamilyName)
	add("child_la_code", in.ChildLACode)
	add("postcode", in.Postcode)
	add("kind", in.Kind)
	add("provider_code", in.ProviderCode)
	add("la_code", in.LACode)
	add("la_reason", in.LAReason)
	add("professional", in.Professional)
	add("service", in.Service)
	for _, n := range in.Needs {
		add("needs", n)
	}
	add("reasons", in.Reasons)
	add("consent_to_share", in.Consent)
	add("voluntary_orgs", in.VoluntaryOrgs)
	if in.Version != 0 {
		add("version", strconv.FormatInt(in.Version, 10))
	}
	dates := map[string]s23DateIn{"date_of_birth": in.DOB}
	for k, v := range in.Dates {
		dates[k] = v
	}
	for _, k := range append([]string{"date_of_birth"}, s23DateFields...) {
		d := dates[k]
		add(k+"-day", d.Parts.Day)
		add(k+"-month", d.Parts.Month)
		add(k+"-year", d.Parts.Year)
	}
	return out
}

// s23Hidden is one hidden input.
type s23Hidden struct{ Name, Value string }

// s23ReadDate reads one date of the input, recording in bad a date that
// cannot be read. A date left out is zero: whether it is required is the
// record's rule (s23.Notification.Validate, the kernel's child check).
func s23ReadDate(bad map[string]string, field, label string, d s23DateIn, fromForm bool) send.Date {
	if fromForm {
		if d.Parts == (web.DateParts{}) {
			return send.Date{}
		}
		return web.CheckDateParts(bad, field, label, d.Parts)
	}
	v := strings.TrimSpace(d.Text)
	if v == "" {
		return send.Date{}
	}
	t, err := send.ParseDate(v)
	if err != nil {
		bad[field] = label + " must be a real date, written YYYY-MM-DD"
	}
	return t
}

// s23Validate turns the input into a notification and, when no child id
// is given, the details of the child, and finds every problem of both in
// one round: what cannot be read (dates, codes), then the record's own
// rules, the same the store applies: s23.Notification.Validate for the
// notification and the kernel's child check (store.Store.CheckChild) for
// the child's details. The store makes the rest, which needs the database
// (whether s.23 applies to the child, the LA and provider, the scope).
func (s *Web) s23Validate(ctx context.Context, actor store.Actor, in s23Input, editing bool) (s23db.Notification, *store.Child, error) {
	bad := map[string]string{}
	today := send.Today(s.Store().Clock())
	n := s23db.Notification{
		ChildID: in.ChildID, Kind: s23.Kind(strings.TrimSpace(in.Kind)), LAReason: in.LAReason, Professional: in.Professional,
		Service: in.Service, Needs: in.Needs, Reasons: in.Reasons, Consent: s23.Consent(strings.TrimSpace(in.Consent)),
		VoluntaryOrgs: in.VoluntaryOrgs, Version: in.Version,
	}
	var child *store.Child
	if !editing && in.ChildID == 0 {
		c, err := s.s23NewChild(ctx, actor, in, today, bad)
		if err != nil {
			return n, nil, err
		}
		child = &c
	}
	if err := s.s23ReadOrgs(ctx, actor, in, editing, child, &n, bad); err != nil {
		return n, nil, err
	}
	unread := s23ReadSteps(in, &n, bad)
	if in.FromForm && !editing && n.Consent == "" {
		// The form asks the person making the notification; a record sent
		// from elsewhere (the API, a file) may not know the answer.
		bad["consent_to_share"] = s23.MsgConsent
	}
	r := n.Record()
	for k, v := range r.Validate(today) {
		if _, ok := bad[k]; ok || (unread && slices.Contains(s23DateFields, k)) {
			continue
		}
		bad[k] = v
	}
	n.SetRecord(r)
	if len(bad) > 0 {
		return n, child, errs.InvalidFields(bad)
	}
	return n, child, nil
}

// s23NewChild reads the child a new notification registers, given by their
// details, with the child's own checks; its problems go into bad.
func (s *Web) s23NewChild(ctx context.Context, actor store.Actor, in s23Input, today send.Date, bad map[string]string) (store.Child, error) {
	c := store.Child{NHSNumber: send.NHSNumber(in.NHSNumber), GivenName: in.GivenName, FamilyName: in.FamilyName, Postcode: in.Postcode}
	c.DateOfBirth = s23ReadDate(bad, "date_of_birth", "Date of birth", in.DOB, in.FromForm)
	for k, v := range s.Store().CheckChild(&c, today) {
		if _, ok := bad[k]; !ok {
			bad[k] = v
		}
	}
	if code := strings.TrimSpace(in.ChildLACode); code == "" && actor.Role != store.RoleLA {
		bad["child_la_code"] = "Choose the local authority the child lives in"
	} else if code != "" {
		org, err := s.Store().FindLA(ctx, code)
		switch {
		case errs.Is(err, errs.NotFound):
			bad["child_la_code"] = "Choose the local authority the child lives in from the list"
		case err != nil:
			return c, err
		default:
			c.LAID, c.LAName = org.ID, org.Name
		}
	}
	return c, nil
}

// s23ReadOrgs reads the LA notified (the new child's when none is given)
// and, for a DCO making a notification, the provider making it, by their
// codes; their problems go into bad.
func (s *Web) s23ReadOrgs(ctx context.Context, actor store.Actor, in s23Input, editing bool, child *store.Child, n *s23db.Notification, bad map[string]string) error {
	if code := strings.TrimSpace(in.LACode); code != "" {
		org, err := s.Store().FindLA(ctx, code)
		switch {
		case errs.Is(err, errs.NotFound):
			bad["la_code"] = "Choose the local authority to notify from the list"
		case err != nil:
			return err
		default:
			n.LAID = org.ID
		}
	} else if child != nil {
		n.LAID = child.LAID
	}
	if actor.Role == store.RoleDCO && !editing {
		code := strings.TrimSpace(in.ProviderCode)
		if code == "" {
			bad["provider_code"] = "Choose the health provider making the notification"
		} else {
			org, err := s.Store().FindOrgByCode(ctx, store.OrgProvider, code)
			switch {
			case errs.Is(err, errs.NotFound):
				bad["provider_code"] = "Choose the health provider from the list"
			case err != nil:
				return err
			default:
				n.ProviderOrgID = org.ID
			}
		}
	}
	return nil
}

// s23ReadSteps reads the dates of the steps into n; their problems go into
// bad. unread says a date could not be read, so their order cannot be
// judged.
func s23ReadSteps(in s23Input, n *s23db.Notification, bad map[string]string) (unread bool) {
	dates := map[string]send.Date{}
	for _, f := range s23DateFields {
		dates[f] = s23ReadDate(bad, f, s23DateLabels[f], in.Dates[f], in.FromForm)
		_, ok := bad[f]
		unread = unread || ok
	}
	n.Steps = s23.Steps{
		OpinionOn: dates[s23.FieldOpinion], ParentInformedOn: dates[s23.FieldParentInformed],
		DiscussionOfferedOn: dates[s23.FieldDiscussionOffered], DiscussionHeldOn: dates[s23.FieldDiscussionHeld],
		LANotifiedOn: dates[s23.FieldLANotified],
	}
	return unread
}

// s23FormFieldsOf renames the store's field names to the form's: the store
// speaks of organisations by id, people choose them by code.
func s23FormFieldsOf(err error) error {
	return s23RenameFields(err, map[string]string{"la_id": "la_code", "child_la_id": "child_la_code", "provider_org_id": "provider_code"})
}

// s23RenameFields returns err with its fields renamed by rename; an error
// with no fields is returned as it is.
func s23RenameFields(err error, rename map[string]string) error {
	e, ok := err.(*errs.Error)
	if !ok || e.Fields == nil {
		return err
	}
	fields := map[string]string{}
	for k, v := range e.Fields {
		if to, ok := rename[k]; ok {
			k = to
		}
		fields[k] = v
	}
	c := *e
	c.Fields = fields
	return &c
}

// --- The form ---

// s23FormPage is the form to make or change a notification.
type s23FormPage struct {
	web.Page
	Editing      bool
	ID           int64
	Action       string
	In           s23Input
	Child        *store.Child
	ChildLAs     []s23Option
	LAs          []s23Option
	Providers    []s23Option
	ShowProvider bool
	ShowKind     bool
	Needs        []web.FlagChoice
	Warning      string
	Dates        map[string]web.DateParts
	Sent         bool // the LA has been told: its date and LA cannot change here
}

// Date returns the boxes of one step's date input.
func (p *s23FormPage) Date(field string) web.DateParts { return p.Dates[field] }

// DateField builds one step's date input for the template.
func (p *s23FormPage) DateField(field, hint string) web.DateField {
	return web.NewDateField(p, field, s23DateLabels[field], p.Dates[field], hint)
}

func (s *Web) s23FormPage(ctx context.Context, actor store.Actor, in s23Input, child *store.Child) (*s23FormPage, error) {
	p := &s23FormPage{In: in, Child: child, Dates: map[string]web.DateParts{},
		ShowProvider: actor.Role == store.RoleDCO, ShowKind: actor.Role == store.RoleDCO}
	for _, f := range s23DateFields {
		p.Dates[f] = in.Dates[f].Parts
	}
	for _, n := range s23.Needs {
		p.Needs = append(p.Needs, web.FlagChoice{Name: n.Key, Label: n.Label, Checked: slices.Contains(in.Needs, n.Key)})
	}
	las, err := s.LocalAuthorities(ctx, actor)
	if err != nil {
		return nil, err
	}
	p.ChildLAs = s23OrgOptions(las, in.ChildLACode, "")
	p.LAs = s23OrgOptions(las, in.LACode, "The child's local authority")
	if p.ShowProvider {
		provs, err := s.s23Providers(ctx, actor)
		if err != nil {
			return nil, err
		}
		p.Providers = s23OrgOptions(provs, in.ProviderCode, "")
	}
	if child != nil {
		today := s.s23Today()
		if applies, from := s23.Applies(child.DateOfBirth, today); !applies {
			p.Warning = s23.NotApplicableText(from) + "."
			if actor.Role == store.RoleDCO {
				p.Warning += " You can still record it as an other notification if the LA should be told."
			} else {
				p.Warning += " Ask your DCO team if the local authority should still be told."
			}
		}
	}
	return p, nil
}

// s23Reshow re-shows the new-notification form with the person's answers
// and, when fields is not nil, the errors.
func (s *Web) s23Reshow(w http.ResponseWriter, r *http.Request, actor store.Actor, in s23Input, status int, fields map[string]string) {
	ctx := r.Context()
	var child *store.Child
	if in.ChildID != 0 {
		c, err := s.Store().GetChild(ctx, actor, in.ChildID)
		if err != nil {
			s.Fail(w, r, err)
			return
		}
		child = &c
	}
	p, err := s.s23FormPage(ctx, actor, in, child)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	s.newS23Page(p)
	if fields != nil {
		p.SetErrors(fields, s23FormFields, s23Anchors)
	}
	s.Render(w, r, status, "s23_form.html", p)
}

// s23Codes returns the DfE code of the LA notified and the provider's ODS
// code, for the edit form.
func (s *Web) s23Codes(ctx context.Context, n s23db.Notification) (la, provider string, err error) {
	if la, err = s.LACode(ctx, n.LAID); err != nil {
		return "", "", err
	}
	o, err := s.Store().GetOrg(ctx, n.ProviderOrgID)
	if err != nil {
		return "", "", err
	}
	return la, o.Code, nil
}
