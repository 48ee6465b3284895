package web

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"dco/internal/s23"
	"dco/internal/s23/s23db"
	"dco/internal/send"
	"dco/internal/store"
)

// The access matrix reaches a notification about each of its children:
// child A's made by the env's provider to LA A, child B's by another
// provider to LA B, both already sent to the LA.
func init() {
	matrixObjects["/s23-notifications/"] = (*env).s23For
	matrixObjects["/api/v1/s23-notifications/"] = (*env).s23For
}

var s23Made = struct {
	sync.Mutex
	m map[*env]map[int64]int64
}{m: map[*env]map[int64]int64{}}

// s23For returns the matrix's notification about c, making it once.
func (e *env) s23For(c store.Child) int64 {
	e.t.Helper()
	s23Made.Lock()
	defer s23Made.Unlock()
	if s23Made.m[e] == nil {
		s23Made.m[e] = map[int64]int64{}
	}
	if id, ok := s23Made.m[e][c.ID]; ok {
		return id
	}
	provider := e.prov.ID
	if c.ID != e.childA.ID {
		provider = e.otherProvider().ID
	}
	today := send.Today(time.Now())
	// The matrix's children are of school age: an "other" notification,
	// which dco itself (as a DCO would) may record.
	n := s23db.Notification{ChildID: c.ID, Kind: s23.KindOther, ProviderOrgID: provider, Professional: "Matrix",
		Needs: []string{"cognition"}, Consent: s23.ConsentYes,
		Steps: s23.Steps{OpinionOn: today.AddDays(-6), ParentInformedOn: today.AddDays(-5), LANotifiedOn: today.AddDays(-3)}}
	if err := s23db.New(e.store).Create(context.Background(), store.System, &n, nil); err != nil {
		e.t.Fatalf("matrix notification: %v", err)
	}
	s23Made.m[e][c.ID] = n.ID
	return n.ID
}

var otherProviders sync.Map // *env → store.Org

// otherProvider is a second health provider, made once per env.
func (e *env) otherProvider() store.Org {
	if o, ok := otherProviders.Load(e); ok {
		return o.(store.Org)
	}
	o := store.Org{Kind: store.OrgProvider, Name: "Other Community Health", Code: "RYY"}
	if err := e.store.CreateOrg(context.Background(), store.System, &o); err != nil {
		e.t.Fatalf("create provider: %v", err)
	}
	otherProviders.Store(e, o)
	return o
}

// youngChild registers a child of an LA born two years ago, for whom s.23
// applies.
func (e *env) youngChild(la store.Org, given string) store.Child {
	today := send.Today(time.Now())
	return e.mkChild(store.Child{GivenName: given, FamilyName: "Young", DateOfBirth: today.AddDays(-730), LAID: la.ID})
}

func dateBoxes(f url.Values, name string, d send.Date) {
	if d.IsZero() {
		return
	}
	f.Set(name+"-day", fmt.Sprint(d.Day()))
	f.Set(name+"-month", fmt.Sprint(int(d.Month())))
	f.Set(name+"-year", fmt.Sprint(d.Year()))
}

// s23Form is a complete notification form for a new child's details.
func s23Form(nhs send.NHSNumber, given string, dob send.Date, laCode string, opinion, parent, notified send.Date) url.Values {
	f := url.Values{
		"nhs_number": {string(nhs)}, "given_name": {given}, "family_name": {"Formfilled"}, "child_la_code": {laCode},
		"professional": {"Jo Test, health visitor"}, "service": {"Health visiting"}, "needs": {"communication"},
		"reasons": {"Speech and language delay"}, "consent_to_share": {"yes"}, "voluntary_orgs": {"Parent carer forum"},
	}
	dateBoxes(f, "date_of_birth", dob)
	dateBoxes(f, s23.FieldOpinion, opinion)
	dateBoxes(f, s23.FieldParentInformed, parent)
	dateBoxes(f, s23.FieldDiscussionOffered, parent)
	dateBoxes(f, s23.FieldLANotified, notified)
	return f
}

func (e *env) s23Total() int {
	e.t.Helper()
	_, n, err := s23db.New(e.store).List(context.Background(), store.System, s23db.Filter{Limit: 1})
	if err != nil {
		e.t.Fatal(err)
	}
	return n
}

// hiddenRE finds the hidden inputs of a form.
var hiddenRE = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)

func htmlUnescape(s string) string { return html.UnescapeString(s) }

// regexpRow returns the table row of body that mentions cell, or "".
func regexpRow(body, cell string) string {
	for _, row := range strings.Split(body, "<tr") {
		if strings.Contains(row, cell) {
			return row
		}
	}
	return ""
}

func wantStatus(t *testing.T, what string, res response, want int) {
	t.Helper()
	if res.StatusCode != want {
		t.Fatalf("%s: got %d, want %d\n%s", what, res.StatusCode, want, res.Body)
	}
}

func idFromLocation(t *testing.T, res response) int64 {
	t.Helper()
	var id int64
	if _, err := fmt.Sscanf(res.Header.Get("Location"), "/s23-notifications/%d", &id); err != nil {
		t.Fatalf("location %q: %v", res.Header.Get("Location"), err)
	}
	return id
}

// TestS23Journey: a provider notifies (parent informed first) through the
// check page, the LA acknowledges, the DCO sees it in the provider's
// compliance.
func TestS23Journey(t *testing.T) {
	e := newEnv(t)
	prov, la, dco := e.as("provider"), e.as("la"), e.as("dco")
	today := send.Today(time.Now())
	dob := today.AddDays(-800)
	nhs := newNHSNumber()
	form := s23Form(nhs, "Journey", dob, e.laA.Code, today.AddDays(-9), today.AddDays(-7), today.AddDays(-2))

	res := prov.get("/s23-notifications/new")
	wantStatus(t, "new form", res, http.StatusOK)
	res = prov.post("/s23-notifications/check", form)
	wantStatus(t, "check", res, http.StatusOK)
	if !strings.Contains(res.Body, "Check your answers before sending the notification to Alphashire") {
		t.Fatalf("check page lacks its heading:\n%s", res.Body)
	}
	if e.s23Total() != 0 {
		t.Fatalf("the check page stored a notification")
	}
	// Confirm with exactly the hidden fields the check page carries.
	confirm := url.Values{}
	for _, m := range hiddenRE.FindAllStringSubmatch(res.Body, -1) {
		confirm.Add(htmlUnescape(m[1]), htmlUnescape(m[2]))
	}
	confirm.Del("csrf_token")
	res = prov.post("/s23-notifications", confirm)
	wantStatus(t, "create", res, http.StatusSeeOther)
	id := idFromLocation(t, res)
	res = prov.follow(res)
	if !strings.Contains(res.Body, "Notification recorded and sent to the local authority") || !strings.Contains(res.Body, "LA notified on time") {
		t.Errorf("view after create lacks the banner or the on-time tag:\n%s", res.Body)
	}

	// The LA sees it in its inbox, ageing; the other LA does not.
	res = la.get("/s23-notifications")
	if !strings.Contains(res.Body, "Journey Young") && !strings.Contains(res.Body, "Journey Formfilled") {
		t.Errorf("LA inbox lacks the notification:\n%s", res.Body)
	}
	if !strings.Contains(res.Body, "received 2 days ago") {
		t.Errorf("LA inbox does not say how long ago it was received")
	}
	if strings.Contains(e.as("laB").get("/s23-notifications").Body, "Journey") {
		t.Errorf("the other LA sees the notification")
	}
	res = la.post(s23Path(id)+"/acknowledge", url.Values{"version": {"1"}, "acknowledged_on-day": {fmt.Sprint(today.Day())},
		"acknowledged_on-month": {fmt.Sprint(int(today.Month()))}, "acknowledged_on-year": {fmt.Sprint(today.Year())}})
	wantStatus(t, "acknowledge", res, http.StatusSeeOther)
	if body := la.follow(res).Body; !strings.Contains(body, "Notification acknowledged") || !strings.Contains(body, ">Acknowledged<") {
		t.Errorf("after acknowledging:\n%s", body)
	}

	// The DCO sees it counted in the provider's compliance for the month.
	month := today.AddDays(-2).String()[:7]
	res = dco.get("/s23-notifications/compliance?month=" + month)
	wantStatus(t, "compliance", res, http.StatusOK)
	row := regexpRow(res.Body, "Test Community Health")
	if !strings.Contains(row, ">1<") || !strings.Contains(row, "1 (100%)") {
		t.Errorf("compliance row: %q\n%s", row, res.Body)
	}
	csv := dco.get("/s23-notifications/compliance.csv?month=" + month)
	if !strings.Contains(csv.Body, month+",Test Community Health,1,1,1,10,100%,5,5,0") {
		t.Errorf("compliance CSV:\n%s", csv.Body)
	}

	// Every read and change was audited against the child.
	n, _ := s23db.New(e.store).Get(context.Background(), store.System, id)
	for _, action := range []string{s23db.ActionCreate, s23db.ActionView, s23db.ActionAcknowledge} {
		found := false
		for _, a := range e.audit(action) {
			found = found || a.ChildID == n.ChildID
		}
		if !found {
			t.Errorf("no %s audit row for the child", action)
		}
	}
}

// TestS23FormRefusesLABeforeParent: the LA is never told before the
// parent, whichever way the form is posted.
func TestS23FormRefusesLABeforeParent(t *testing.T) {
	e := newEnv(t)
	prov := e.as("provider")
	today := send.Today(time.Now())
	for _, path := range []string{"/s23-notifications/check", "/s23-notifications"} {
		f := s23Form(newNHSNumber(), "Early", today.AddDays(-800), e.laA.Code, today.AddDays(-9), today.AddDays(-5), today.AddDays(-6))
		res := prov.post(path, f)
		wantStatus(t, path, res, http.StatusUnprocessableEntity)
		if !strings.Contains(res.Body, "There is a problem") || !strings.Contains(res.Body, `href="#la_notified_on-day"`) ||
			!strings.Contains(res.Body, "the parent is told first") {
			t.Errorf("%s: no error summary linking the LA date:\n%s", path, res.Body)
		}
		// Without a parent date at all.
		f = s23Form(newNHSNumber(), "Early", today.AddDays(-800), e.laA.Code, today.AddDays(-9), send.Date{}, today.AddDays(-6))
		res = prov.post(path, f)
		wantStatus(t, path+" without parent", res, http.StatusUnprocessableEntity)
	}
	if e.s23Total() != 0 {
		t.Errorf("a refused notification was stored")
	}
	if n, _ := e.store.CountChildren(context.Background(), store.System); n != 2 {
		t.Errorf("a refused notification registered its child: %d children", n)
	}
}

// TestS23SchoolAgeWarning: a child of compulsory school age gets a clear
// warning; a provider is refused, a DCO may record an "other" notification.
func TestS23SchoolAgeWarning(t *testing.T) {
	e := newEnv(t)
	prov, dco := e.as("provider"), e.as("dco")
	a := itoa(e.childA.ID) // born 2016: of compulsory school age
	res := prov.get("/s23-notifications/new?child=" + a)
	wantStatus(t, "provider form", res, http.StatusOK)
	if !strings.Contains(res.Body, "Section 23 does not apply") || !strings.Contains(res.Body, "Ask your DCO team") {
		t.Errorf("provider form lacks the warning:\n%s", res.Body)
	}
	res = dco.get("/s23-notifications/new?child=" + a)
	if !strings.Contains(res.Body, "record it as an other notification") || !strings.Contains(res.Body, `id="kind-other"`) {
		t.Errorf("DCO form lacks the warning or the choice of kind")
	}
	today := send.Today(time.Now())
	f := url.Values{"child_id": {a}, "professional": {"P"}, "needs": {"cognition"}, "consent_to_share": {"yes"}}
	dateBoxes(f, s23.FieldOpinion, today)
	res = prov.post("/s23-notifications/check", f)
	wantStatus(t, "provider check", res, http.StatusUnprocessableEntity)
	if !strings.Contains(res.Body, "Section 23 does not apply: the child has been of compulsory school age since") {
		t.Errorf("provider not told why:\n%s", res.Body)
	}
	f.Set("kind", "other")
	res = prov.post("/s23-notifications/check", f)
	wantStatus(t, "provider other", res, http.StatusUnprocessableEntity)
	f.Set("provider_code", e.prov.Code)
	res = dco.post("/s23-notifications/check", f)
	wantStatus(t, "DCO other", res, http.StatusOK)
	// A young child: no warning.
	y := e.youngChild(e.laA, "Toddler")
	if err := e.store.GrantChildAccess(context.Background(), store.System, y.ID, 0, e.prov.ID, "test"); err != nil {
		t.Fatal(err)
	}
	if body := prov.get("/s23-notifications/new?child=" + itoa(y.ID)).Body; strings.Contains(body, "does not apply") {
		t.Errorf("warning shown for a child under compulsory school age")
	}
}

// TestS23Scoping: an LA sees only what was sent to it, a provider only
// what it sent, over pages, downloads and the API.
func TestS23Scoping(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	today := send.Today(time.Now())
	mk := func(c store.Child, provider int64, notified send.Date) s23db.Notification {
		n := s23db.Notification{ChildID: c.ID, ProviderOrgID: provider, Professional: "HV", Needs: []string{"semh"},
			Steps: s23.Steps{OpinionOn: today.AddDays(-10), ParentInformedOn: today.AddDays(-9), DiscussionOfferedOn: today.AddDays(-9), LANotifiedOn: notified}}
		if err := s23db.New(e.store).Create(ctx, store.System, &n, nil); err != nil {
			t.Fatal(err)
		}
		return n
	}
	sent := mk(e.youngChild(e.laA, "Sentto"), e.prov.ID, today.AddDays(-1))
	draft := mk(e.youngChild(e.laA, "Notyet"), e.prov.ID, send.Date{})
	other := mk(e.youngChild(e.laB, "Otherprov"), e.otherProvider().ID, today.AddDays(-1))

	la, laB, prov := e.as("la"), e.as("laB"), e.as("provider")
	// LA A: the one sent to it, nothing else.
	body := la.get("/s23-notifications").Body
	if !strings.Contains(body, "Sentto") || strings.Contains(body, "Notyet") || strings.Contains(body, "Otherprov") {
		t.Errorf("LA A's list:\n%s", body)
	}
	wantStatus(t, "LA A reads one not yet sent", la.get(s23Path(draft.ID)), http.StatusNotFound)
	wantStatus(t, "LA A reads LA B's", la.get(s23Path(other.ID)), http.StatusNotFound)
	wantStatus(t, "LA A's LA letter of LA B's", la.get(s23Path(other.ID)+"/la-letter"), http.StatusNotFound)
	wantStatus(t, "LA A acknowledges LA B's", la.post(s23Path(other.ID)+"/acknowledge", url.Values{"version": {"1"},
		"acknowledged_on-day": {fmt.Sprint(today.Day())}, "acknowledged_on-month": {fmt.Sprint(int(today.Month()))},
		"acknowledged_on-year": {fmt.Sprint(today.Year())}}), http.StatusNotFound)
	if csv := la.get("/s23-notifications.csv").Body; !strings.Contains(csv, "Sentto") || strings.Contains(csv, "Otherprov") || strings.Contains(csv, "Notyet") {
		t.Errorf("LA A's CSV:\n%s", csv)
	}
	if body := la.get("/s23-notifications?la=" + e.laB.Code).Body; strings.Contains(body, "Otherprov") {
		t.Errorf("an LA filter widened LA A's scope")
	}
	// LA B by the API.
	res := laB.api(http.MethodGet, "/api/v1/s23-notifications", "")
	var list struct {
		Items []s23JSON `json:"items"`
		Total int       `json:"total"`
	}
	if err := json.Unmarshal([]byte(res.Body), &list); err != nil || list.Total != 1 || list.Items[0].ID != other.ID {
		t.Errorf("LA B's API list: %d %s", res.StatusCode, res.Body)
	}
	wantStatus(t, "LA B API reads LA A's", laB.api(http.MethodGet, "/api/v1/s23-notifications/"+itoa(sent.ID), ""), http.StatusNotFound)

	// The provider: its own two, not the other provider's.
	body = prov.get("/s23-notifications").Body
	if !strings.Contains(body, "Sentto") || !strings.Contains(body, "Notyet") || strings.Contains(body, "Otherprov") {
		t.Errorf("provider's list:\n%s", body)
	}
	wantStatus(t, "provider reads another's", prov.get(s23Path(other.ID)), http.StatusNotFound)
	wantStatus(t, "provider API reads another's", prov.api(http.MethodGet, "/api/v1/s23-notifications/"+itoa(other.ID), ""), http.StatusNotFound)
	wantStatus(t, "provider edits another's", prov.get(s23Path(other.ID)+"/edit"), http.StatusNotFound)
	wantStatus(t, "provider's compliance", prov.get("/s23-notifications/compliance"), http.StatusOK)
	if body := prov.get("/s23-notifications/compliance").Body; strings.Contains(body, "Other Community Health") {
		t.Errorf("a provider sees another provider's compliance")
	}
	// The DCO sees all three.
	if body := e.as("dco").get("/s23-notifications").Body; !strings.Contains(body, "3 notifications") {
		t.Errorf("DCO's list count:\n%s", body)
	}
}

// TestS23API: create, read, a stale PATCH is 409, acknowledge by PATCH.
func TestS23API(t *testing.T) {
	e := newEnv(t)
	prov, la := e.as("provider"), e.as("la")
	today := send.Today(time.Now())
	nhs := newNHSNumber()
	body := fmt.Sprintf(`{"child":{"nhs_number":%q,"given_name":"Api","family_name":"Child","date_of_birth":%q,"la_code":"800"},
		"professional":"HV","needs":["communication"],"reasons":"Delay","parent_informed_on":%q,"discussion_offered_on":%q,
		"la_notified_on":%q,"consent_to_share":"yes"}`,
		nhs, today.AddDays(-700), today.AddDays(-4), today.AddDays(-4), today.AddDays(-4))
	res := prov.api(http.MethodPost, "/api/v1/s23-notifications", body)
	wantStatus(t, "create", res, http.StatusCreated)
	var n s23JSON
	if err := json.Unmarshal([]byte(res.Body), &n); err != nil {
		t.Fatal(err)
	}
	if n.Kind != s23.KindS23 || n.ProviderCode != e.prov.Code || n.LACode != "800" || n.Version != 1 ||
		n.Status.Colour != s23.Green || n.OpinionOn.String() != today.AddDays(-4).String() {
		t.Errorf("created: %+v", n)
	}
	path := "/api/v1/s23-notifications/" + itoa(n.ID)
	wantStatus(t, "get", prov.api(http.MethodGet, path, ""), http.StatusOK)

	wantStatus(t, "patch", prov.api(http.MethodPatch, path, `{"version":1,"service":"Health visiting"}`), http.StatusOK)
	res = prov.api(http.MethodPatch, path, `{"version":1,"service":"Stale"}`)
	wantStatus(t, "stale patch", res, http.StatusConflict)
	wantStatus(t, "patch without version", prov.api(http.MethodPatch, path, `{"service":"x"}`), http.StatusUnprocessableEntity)
	res = prov.api(http.MethodPatch, path, `{"version":2,"la_notified_on":`+fmt.Sprintf("%q", today.AddDays(-5))+`}`)
	wantStatus(t, "patch LA before parent", res, http.StatusUnprocessableEntity)
	if !strings.Contains(res.Body, `"la_notified_on"`) {
		t.Errorf("no la_notified_on field error: %s", res.Body)
	}

	wantStatus(t, "LA changes the health side", la.api(http.MethodPatch, path, `{"version":2,"service":"x"}`), http.StatusForbidden)
	res = la.api(http.MethodPatch, path, fmt.Sprintf(`{"version":2,"acknowledged_on":%q}`, today))
	wantStatus(t, "LA acknowledges", res, http.StatusOK)
	if err := json.Unmarshal([]byte(res.Body), &n); err != nil || n.AcknowledgedOn.String() != today.String() || n.Version != 3 {
		t.Errorf("acknowledged: %+v %v", n, err)
	}
	wantStatus(t, "acknowledge twice", la.api(http.MethodPatch, path, fmt.Sprintf(`{"version":3,"acknowledged_on":%q}`, today)), http.StatusConflict)

	res = prov.api(http.MethodPost, "/api/v1/s23-notifications", `{"child_id":1,"professional":"x","colour":"red"}`)
	wantStatus(t, "unknown field", res, http.StatusBadRequest)
	res = prov.api(http.MethodPost, "/api/v1/s23-notifications", fmt.Sprintf(
		`{"child":{"nhs_number":%q,"given_name":"A","family_name":"B","date_of_birth":%q,"la_code":"800"},"professional":"x","needs":["cognition"],"parent_informed_on":%q,"la_notified_on":%q}`,
		newNHSNumber(), today.AddDays(-700), today.AddDays(-3), today.AddDays(-4)))
	wantStatus(t, "create LA before parent", res, http.StatusUnprocessableEntity)
}

// TestS23ComplianceLinks: each provider's row of the compliance table links
// to the list of the notifications its figures count (Section 23 ones, that
// provider's, whose LA was told that month), and that list shows exactly
// as many as the row says.
func TestS23ComplianceLinks(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	dco := e.as("dco")
	today := send.Today(time.Now())
	month := today.String()[:7]
	mk := func(c store.Child, kind s23.Kind, provider int64) {
		n := s23db.Notification{ChildID: c.ID, Kind: kind, ProviderOrgID: provider, Professional: "HV", Needs: []string{"semh"},
			Steps: s23.Steps{OpinionOn: today, ParentInformedOn: today, DiscussionOfferedOn: today, LANotifiedOn: today}}
		if err := s23db.New(e.store).Create(ctx, store.System, &n, nil); err != nil {
			t.Fatal(err)
		}
	}
	mk(e.youngChild(e.laA, "Counted"), s23.KindS23, e.prov.ID)
	mk(e.childA, s23.KindOther, e.prov.ID)                                  // other: not counted
	mk(e.youngChild(e.laB, "Elsewhere"), s23.KindS23, e.otherProvider().ID) // another provider

	res := dco.get("/s23-notifications/compliance?month=" + month)
	wantStatus(t, "compliance", res, http.StatusOK)
	tests := []struct {
		name, provider, code string
		in, out              []string
	}{
		{"the env's provider", "Test Community Health", e.prov.Code, []string{"Counted Young"}, []string{"Amelia", "Elsewhere"}},
		{"the other provider", "Other Community Health", e.otherProvider().Code, []string{"Elsewhere Young"}, []string{"Amelia", "Counted"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			row := regexpRow(res.Body, tt.provider)
			want := "/s23-notifications?" + url.Values{"kind": {"s23"}, "month": {month}, "provider": {tt.code}}.Encode()
			m := regexp.MustCompile(`<a href="([^"]+)">` + regexp.QuoteMeta(tt.provider)).FindStringSubmatch(row)
			if m == nil || htmlUnescape(m[1]) != want {
				t.Fatalf("row link: got %v, want %q in\n%s", m, want, row)
			}
			if !strings.Contains(row, ">1<") {
				t.Errorf("row: got %q, want 1 notified", row)
			}
			list := dco.get(want)
			wantStatus(t, "the row's list", list, http.StatusOK)
			if !strings.Contains(list.Body, `id="results">1 notification<`) {
				t.Errorf("the row's list: want 1 notification, as the row counts\n%s", list.Body)
			}
			for _, name := range tt.in {
				if !strings.Contains(list.Body, name) {
					t.Errorf("the row's list lacks %s", name)
				}
			}
			for _, name := range tt.out {
				if strings.Contains(list.Body, name) {
					t.Errorf("the row's list shows %s, which the row does not count", name)
				}
			}
		})
	}
	// The total's link lists the month's Section 23 notifications only.
	all := "/s23-notifications?" + url.Values{"kind": {"s23"}, "month": {month}}.Encode()
	if !strings.Contains(htmlUnescape(res.Body), `href="`+all+`"`) {
		t.Errorf("compliance page lacks the link %q", all)
	}
	if body := dco.get(all).Body; !strings.Contains(body, `id="results">2 notifications<`) {
		t.Errorf("the month's list: want 2 notifications\n%s", body)
	}
	wantStatus(t, "an unknown kind", dco.get("/s23-notifications?kind=bogus"), http.StatusUnprocessableEntity)
}

// TestS23APINotifiedDateFixed: a PATCH cannot take a notification back out
// of the LA's inbox by blanking la_notified_on, nor re-date it and so move
// the compliance figures: 422, the field named, the LA's copy untouched.
func TestS23APINotifiedDateFixed(t *testing.T) {
	e := newEnv(t)
	prov, la, dco := e.as("provider"), e.as("la"), e.as("dco")
	today := send.Today(time.Now())
	c := e.youngChild(e.laA, "Fixed")
	n := s23db.Notification{ChildID: c.ID, ProviderOrgID: e.prov.ID, Professional: "HV", Needs: []string{"semh"},
		Steps: s23.Steps{OpinionOn: today.AddDays(-10), ParentInformedOn: today.AddDays(-9), DiscussionOfferedOn: today.AddDays(-9),
			LANotifiedOn: today.AddDays(-3)}}
	if err := s23db.New(e.store).Create(context.Background(), store.System, &n, nil); err != nil {
		t.Fatal(err)
	}
	path := "/api/v1/s23-notifications/" + itoa(n.ID)
	tests := []struct {
		name   string
		as     *client
		body   string
		status int
		want   string // in the la_notified_on message; "" for success
	}{
		{"provider blanks it", prov, `{"version":1,"la_notified_on":""}`, http.StatusUnprocessableEntity, "cannot be removed"},
		{"provider sends null", prov, `{"version":1,"la_notified_on":null}`, http.StatusOK, ""},
		{"provider moves it later", prov, fmt.Sprintf(`{"version":1,"la_notified_on":%q}`, today.AddDays(-1)), http.StatusUnprocessableEntity, "cannot be changed"},
		{"provider moves it earlier", prov, fmt.Sprintf(`{"version":1,"la_notified_on":%q}`, today.AddDays(-5)), http.StatusUnprocessableEntity, "cannot be changed"},
		{"DCO blanks it", dco, `{"version":1,"la_notified_on":""}`, http.StatusUnprocessableEntity, "cannot be removed"},
		{"provider sends it unchanged", prov, fmt.Sprintf(`{"version":1,"la_notified_on":%q}`, today.AddDays(-3)), http.StatusOK, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cur, err := s23db.New(e.store).Get(context.Background(), store.System, n.ID)
			if err != nil {
				t.Fatal(err)
			}
			body := strings.Replace(tt.body, `"version":1`, fmt.Sprintf(`"version":%d`, cur.Version), 1)
			res := tt.as.api(http.MethodPatch, path, body)
			wantStatus(t, tt.name, res, tt.status)
			if tt.want != "" {
				var got struct {
					Error struct {
						Code   string            `json:"code"`
						Fields map[string]string `json:"fields"`
					} `json:"error"`
				}
				if err := json.Unmarshal([]byte(res.Body), &got); err != nil {
					t.Fatalf("%v: %s", err, res.Body)
				}
				msg := got.Error.Fields[s23.FieldLANotified]
				if !strings.Contains(msg, "the date the LA was notified "+tt.want) || !strings.Contains(msg, today.AddDays(-3).Long()) {
					t.Errorf("la_notified_on message: got %q, want it to name the date the LA was notified (%s) and say it %s",
						msg, today.AddDays(-3).Long(), tt.want)
				}
			}
			// The LA still has it, notified on the day it was told.
			res = la.api(http.MethodGet, path, "")
			wantStatus(t, "LA reads it", res, http.StatusOK)
			var got s23JSON
			if err := json.Unmarshal([]byte(res.Body), &got); err != nil || got.LANotifiedOn.String() != today.AddDays(-3).String() {
				t.Errorf("the LA's copy: got la_notified_on %s (%v), want %s", got.LANotifiedOn, err, today.AddDays(-3))
			}
		})
	}
}

// TestS23Letters: the letters are filled from the record by the ICB's
// template, never executed; marking the LA letter sent keeps the order.
func TestS23Letters(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	prov, dco := e.as("provider"), e.as("dco")
	today := send.Today(time.Now())
	c := e.youngChild(e.laA, "Lettered")
	n := s23db.Notification{ChildID: c.ID, ProviderOrgID: e.prov.ID, Professional: "Jo Test", Needs: []string{"cognition"},
		Reasons: `<script>alert("x")</script>`, Steps: s23.Steps{OpinionOn: today.AddDays(-3)}}
	if err := s23db.New(e.store).Create(ctx, store.System, &n, nil); err != nil {
		t.Fatal(err)
	}
	res := prov.get(s23Path(n.ID) + "/parent-letter")
	wantStatus(t, "parent letter", res, http.StatusOK)
	if !strings.Contains(res.Body, "Dear parent or carer of Lettered Young") || !strings.Contains(res.Body, "Cognition and learning") {
		t.Errorf("letter not filled:\n%s", res.Body)
	}
	if strings.Contains(res.Body, `<script>alert`) || !strings.Contains(res.Body, "&lt;script&gt;") {
		t.Errorf("free text not escaped in the letter")
	}
	if !strings.Contains(res.Body, "parent_informed_on") {
		t.Errorf("letter does not warn that the parent-informed date is blank")
	}
	sent := func(letter string, d send.Date) response {
		f := url.Values{"version": {fmt.Sprint(n.Version)}}
		dateBoxes(f, "sent_on", d)
		return prov.post(s23Path(n.ID)+"/"+letter+"-letter/sent", f)
	}
	res = sent("la", today)
	wantStatus(t, "LA letter before the parent", res, http.StatusUnprocessableEntity)
	res = sent("parent", today.AddDays(-1))
	wantStatus(t, "parent letter sent", res, http.StatusSeeOther)
	n, _ = s23db.New(e.store).Get(ctx, store.System, n.ID)
	if !n.Steps.ParentInformedOn.Equal(today.AddDays(-1)) || !n.ParentLetterSentOn.Equal(today.AddDays(-1)) {
		t.Errorf("parent letter: %+v", n.Steps)
	}

	// The template: a mistyped field is refused; a good one is used.
	res = dco.get("/s23-notifications/settings")
	wantStatus(t, "settings", res, http.StatusOK)
	f := url.Values{"s23_standard_days": {"12"}, "s23_ack_standard_days": {"7"},
		"s23_parent_letter_template": {"Dear {{chld_name}}"}, "s23_la_notification_template": {s23.DefaultLANotification}}
	for _, k := range []string{s23.SettingStandardDays, s23.SettingAckStandardDays, s23.SettingParentLetter, s23.SettingLANotification} {
		f.Set(k+"-version", "0")
	}
	res = dco.post("/s23-notifications/settings", f)
	wantStatus(t, "bad template", res, http.StatusUnprocessableEntity)
	if !strings.Contains(res.Body, "{{chld_name}}") {
		t.Errorf("the unknown field is not named:\n%s", res.Body)
	}
	f.Set("s23_parent_letter_template", "Dear family of {{child_name}}, from {{provider_name}} {{ printf }}")
	wantStatus(t, "template calling a function", dco.post("/s23-notifications/settings", f), http.StatusUnprocessableEntity)
	f.Set("s23_parent_letter_template", "Dear family of {{child_name}}, from {{provider_name}}")
	wantStatus(t, "good template", dco.post("/s23-notifications/settings", f), http.StatusSeeOther)
	if body := prov.get(s23Path(n.ID) + "/parent-letter").Body; !strings.Contains(body, "Dear family of Lettered Young, from Test Community Health") {
		t.Errorf("the new template is not used:\n%s", body)
	}
	if cfg, _ := s23db.New(e.store).Settings(ctx, e.icb.ID); cfg.StandardDays != 12 || cfg.AckStandardDays != 7 {
		t.Errorf("standards not saved: %+v", cfg)
	}
	if cfg, _ := s23db.New(e.store).Settings(ctx, 0); cfg.StandardDays != s23.DefaultStandardDays || cfg.ParentLetter != s23.DefaultParentLetter {
		t.Errorf("the DCO's save changed the defaults: %+v", cfg)
	}
}

// TestS23HomeAndChild: the home pages count what needs doing, and the
// child's page lists the child's notifications.
func TestS23HomeAndChild(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	today := send.Today(time.Now())
	c := e.youngChild(e.laA, "Homed")
	if err := e.store.GrantChildAccess(ctx, store.System, c.ID, 0, e.prov.ID, "test"); err != nil {
		t.Fatal(err)
	}
	n := s23db.Notification{ChildID: c.ID, ProviderOrgID: e.prov.ID, Professional: "HV", Needs: []string{"semh"},
		Steps: s23.Steps{OpinionOn: today.AddDays(-30), ParentInformedOn: today.AddDays(-30), DiscussionOfferedOn: today.AddDays(-30)}}
	if err := s23db.New(e.store).Create(ctx, store.System, &n, nil); err != nil {
		t.Fatal(err)
	}
	body := e.as("provider").get("/").Body
	if !strings.Contains(body, "Section 23 notifications") || !strings.Contains(body, "status=overdue") {
		t.Errorf("provider home lacks the notifications section:\n%s", body)
	}
	if body := e.as("dco").get("/").Body; !strings.Contains(body, "possible duplicates") {
		t.Errorf("DCO home lacks the notifications section")
	}
	body = e.as("provider").get(childPath(c.ID)).Body
	if !strings.Contains(body, "Section 23 notification to Alphashire by Test Community Health") || !strings.Contains(body, "LA notification overdue") {
		t.Errorf("child page lacks the notification:\n%s", body)
	}
	if body := e.as("clinician").get("/").Body; strings.Contains(body, "Section 23 notifications") {
		t.Errorf("clinician home shows notifications")
	}
	// Navigation per docs/design.md §8.
	for key, want := range map[string]string{"dco": ">Notifications<", "la": ">Notifications received<", "provider": ">New notification<"} {
		if body := e.as(key).get("/").Body; !strings.Contains(body, want) {
			t.Errorf("%s navigation lacks %s", key, want)
		}
	}
}

// TestS23ComplianceBacklogLinks: the compliance table's last column, the
// notifications waiting past the local standard at the month's end, links
// to a list of exactly those, including one whose LA was told only after
// the month ended.
func TestS23ComplianceBacklogLinks(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	dco := e.as("dco")
	today := send.Today(time.Now())
	first := send.NewDate(today.Year(), today.Month(), 1)
	prevFirst, prevLast := first.AddMonths(-1), first.AddDays(-1)
	prev := prevFirst.String()[:7]
	mk := func(name string, informed, told send.Date) {
		c := e.youngChild(e.laA, name)
		n := s23db.Notification{ChildID: c.ID, Kind: s23.KindS23, ProviderOrgID: e.prov.ID, Professional: "HV", Needs: []string{"semh"},
			Steps: s23.Steps{OpinionOn: informed, ParentInformedOn: informed, DiscussionOfferedOn: informed, LANotifiedOn: told}}
		if err := s23db.New(e.store).Create(ctx, store.System, &n, nil); err != nil {
			t.Fatal(err)
		}
	}
	mk("Waiting", prevFirst, send.Date{})     // never told: in the backlog
	mk("Toldlater", prevFirst, today)         // told after the month ended: in it too
	mk("Justinformed", prevLast, send.Date{}) // within the standard at month end: not
	mk("Toldintime", prevFirst, prevFirst)    // told the same day: not

	res := dco.get("/s23-notifications/compliance?month=" + prev)
	wantStatus(t, "compliance", res, http.StatusOK)
	body := htmlUnescape(res.Body)
	for _, tt := range []struct{ name, href string }{
		{"the provider's row", "/s23-notifications?" + url.Values{"kind": {"s23"}, "on": {prevLast.String()}, "provider": {e.prov.Code}, "status": {"overdue"}}.Encode()},
		{"the total", "/s23-notifications?" + url.Values{"kind": {"s23"}, "on": {prevLast.String()}, "status": {"overdue"}}.Encode()},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if !regexp.MustCompile(`href="` + regexp.QuoteMeta(tt.href) + `">2<`).MatchString(body) {
				t.Fatalf("compliance page: want a link %q on the figure 2\n%s", tt.href, body)
			}
			list := dco.get(tt.href)
			wantStatus(t, "the backlog list", list, http.StatusOK)
			if !strings.Contains(list.Body, `id="results">2 notifications<`) {
				t.Errorf("the backlog list: want 2 notifications, as the figure counts\n%s", list.Body)
			}
			for _, name := range []string{"Waiting", "Toldlater"} {
				if !strings.Contains(list.Body, name) {
					t.Errorf("the backlog list lacks %s", name)
				}
			}
			for _, name := range []string{"Justinformed", "Toldintime"} {
				if strings.Contains(list.Body, name) {
					t.Errorf("the backlog list shows %s, which the figure does not count", name)
				}
			}
			if !strings.Contains(list.Body, "at the end of "+prevLast.Long()) {
				t.Errorf("the backlog list does not say which day it judges on")
			}
		})
	}
	for _, tt := range []struct{ name, query string }{
		{"a bad date", "status=overdue&on=31-12-2025"},
		{"a date without the overdue status", "on=" + prevLast.String()},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res := dco.get("/s23-notifications?" + tt.query)
			wantStatus(t, tt.name, res, http.StatusUnprocessableEntity)
			if res := dco.api(http.MethodGet, "/api/v1/s23-notifications?"+tt.query, ""); res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Body, `"on"`) {
				t.Errorf("API: got %d %s, want 422 naming on", res.StatusCode, res.Body)
			}
		})
	}
}

// s23Path is the address of a notification's page.
func s23Path(id int64) string { return "/s23-notifications/" + strconv.FormatInt(id, 10) }

// s23JSON is a notification as the API writes it (s23web's s23JSON): the
// tests read responses through their own copy, so a change of the wire
// format fails them.
type s23JSON struct {
	ID                     int64         `json:"id"`
	Kind                   s23.Kind      `json:"kind"`
	Child                  s23ChildJSON  `json:"child"`
	ProviderCode           string        `json:"provider_code"`
	ProviderName           string        `json:"provider_name"`
	LACode                 string        `json:"la_code"`
	LAName                 string        `json:"la_name"`
	LAReason               string        `json:"la_reason"`
	Professional           string        `json:"professional"`
	Service                string        `json:"service"`
	Needs                  []string      `json:"needs"`
	Reasons                string        `json:"reasons"`
	OpinionOn              send.Date     `json:"opinion_on"`
	ParentInformedOn       send.Date     `json:"parent_informed_on"`
	DiscussionOfferedOn    send.Date     `json:"discussion_offered_on"`
	DiscussionHeldOn       send.Date     `json:"discussion_held_on"`
	LANotifiedOn           send.Date     `json:"la_notified_on"`
	AcknowledgedOn         send.Date     `json:"acknowledged_on"`
	ConsentToShare         s23.Consent   `json:"consent_to_share"`
	VoluntaryOrganisations string        `json:"voluntary_organisations"`
	ParentLetterSentOn     send.Date     `json:"parent_letter_sent_on"`
	LALetterSentOn         send.Date     `json:"la_letter_sent_on"`
	Status                 s23StatusJSON `json:"status"`
	OtherNotifications     int           `json:"other_notifications"`
	Version                int64         `json:"version"`
}

// s23ChildJSON is the child as a notification shows it.
type s23ChildJSON struct {
	ID          int64     `json:"id"`
	NHSNumber   string    `json:"nhs_number"`
	GivenName   string    `json:"given_name"`
	FamilyName  string    `json:"family_name"`
	DateOfBirth send.Date `json:"date_of_birth"`
	LACode      string    `json:"la_code"`
}

// s23StatusJSON is the status tag as words and a colour (docs/design.md §8).
type s23StatusJSON struct {
	Colour s23.Colour `json:"colour"`
	Label  string     `json:"label"`
	Detail string     `json:"detail"`
}
