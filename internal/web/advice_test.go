package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"dco/internal/advice"
	"dco/internal/advice/advicedb"
	"dco/internal/send"
	"dco/internal/store"
)

// The access matrix reaches an advice request about each of its children:
// child A's from LA A, assigned to the env's clinician, answered with a
// document and returned to the LA; child B's from LA B, open, its one part
// with the HAS team and no clinician. Contribution and document routes get
// the part and the document of the same request.
func init() {
	matrixObjects["/advice-requests/"] = func(e *env, c store.Child) int64 { return e.adviceFor(c).request }
	matrixObjects["/api/v1/advice-requests/"] = func(e *env, c store.Child) int64 { return e.adviceFor(c).request }
	matrixObjects["/advice-contributions/"] = func(e *env, c store.Child) int64 { return e.adviceFor(c).part }
	matrixObjects["/advice-documents/"] = func(e *env, c store.Child) int64 { return e.adviceFor(c).document }
}

type adviceIDs struct{ request, part, document int64 }

var adviceMade = struct {
	sync.Mutex
	m map[*env]map[int64]adviceIDs
}{m: map[*env]map[int64]adviceIDs{}}

// testPDF is the smallest file SniffDocument takes for a PDF.
var testPDF = []byte("%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n")

// adviceFor returns the matrix's request about c, making it once.
func (e *env) adviceFor(c store.Child) adviceIDs {
	e.t.Helper()
	adviceMade.Lock()
	defer adviceMade.Unlock()
	if adviceMade.m[e] == nil {
		adviceMade.m[e] = map[int64]adviceIDs{}
	}
	if ids, ok := adviceMade.m[e][c.ID]; ok {
		return ids
	}
	ctx := context.Background()
	today := send.Today(e.clock.Now())
	cal := send.DefaultCalendar()
	r := advicedb.Request{ChildID: c.ID, ReceivedOn: today.AddDays(-10), LAReference: fmt.Sprintf("MATRIX-%d", c.ID)}
	if err := e.advice().CreateAdviceRequest(ctx, store.System, cal, &r, nil); err != nil {
		e.t.Fatalf("matrix advice request: %v", err)
	}
	service, who := "salt", e.users["clinician"].ID
	if c.ID != e.childA.ID {
		service, who = advice.ServiceHAS, 0
	}
	k, err := e.advice().AddAdviceContribution(ctx, store.System, r.ID, service, who)
	if err != nil {
		e.t.Fatalf("matrix contribution: %v", err)
	}
	d, err := e.advice().UploadAdviceDocument(ctx, store.System, k.ID, k.Version, "matrix.pdf", testPDF, today)
	if err != nil {
		e.t.Fatalf("matrix document: %v", err)
	}
	if c.ID == e.childA.ID {
		got, err := e.advice().GetAdviceRequest(ctx, store.System, r.ID)
		if err != nil {
			e.t.Fatal(err)
		}
		if _, err := e.advice().ReturnAdviceRequest(ctx, store.System, r.ID, got.Version, today, ""); err != nil {
			e.t.Fatalf("matrix return: %v", err)
		}
	}
	ids := adviceIDs{r.ID, k.ID, d.ID}
	adviceMade.m[e][c.ID] = ids
	return ids
}

// location is where a redirect sends the browser.
func location(t *testing.T, res response) string {
	t.Helper()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("got %d, want 303\n%s", res.StatusCode, res.Body)
	}
	return res.Header.Get("Location")
}

// dateForm sets the three boxes of a date input.
func dateForm(f url.Values, name string, d send.Date) {
	f.Set(name+"-day", fmt.Sprint(d.Day()))
	f.Set(name+"-month", fmt.Sprint(int(d.Month())))
	f.Set(name+"-year", fmt.Sprint(d.Year()))
}

var idInPath = regexp.MustCompile(`/advice-requests/(\d+)$`)

func requestID(t *testing.T, loc string) int64 {
	t.Helper()
	m := idInPath.FindStringSubmatch(loc)
	if m == nil {
		t.Fatalf("not a request's address: %q", loc)
	}
	var id int64
	fmt.Sscan(m[1], &id)
	return id
}

func mustContain(t *testing.T, what, body string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(body, w) {
			t.Errorf("%s lacks %q", what, w)
		}
	}
}

// The journey of docs/design.md §8 over HTTP: the LA sends a request, the DCO
// triages and assigns it, the clinician returns advice, the DCO sends the
// combined response, the LA reads it, on time.
func TestAdviceJourneyHTTP(t *testing.T) {
	e := newEnv(t)
	la, dco, clin := e.as("la"), e.as("dco"), e.as("clinician")
	today := send.Today(e.clock.Now())

	// The LA's form: a child not yet registered is registered with it.
	f := url.Values{"nhs_number": {string(newNHSNumber())}, "given_name": {"Isla"}, "family_name": {"Journey"},
		"la_reference": {"EHC-J-1"}, "services_requested": {"salt", "paediatrics"}}
	dateForm(f, "date_of_birth", send.NewDate(2019, 4, 2))
	dateForm(f, "received_on", today.AddDays(-3))
	res := la.post("/advice-requests", f)
	id := requestID(t, location(t, res))
	page := la.follow(res)
	mustContain(t, "request page", page.Body, "Advice request recorded", "Isla Journey", today.AddDays(39).Long(), "due in 39 days")

	// Invalid input re-shows the form with the NHS.UK error summary and stores nothing.
	bad := la.post("/advice-requests", url.Values{"nhs_number": {"123"}})
	if bad.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("bad form: got %d", bad.StatusCode)
	}
	mustContain(t, "bad form", bad.Body, "There is a problem", `href="#received_on-day"`)

	// The DCO sees it unassigned, triages it and assigns the clinician.
	home := dco.get("/")
	mustContain(t, "DCO home", home.Body, "Health advice requests", "Which requests will miss six weeks this week")
	rq, err := e.advice().GetAdviceRequest(context.Background(), store.System, id)
	if err != nil {
		t.Fatal(err)
	}
	res = dco.post(fmt.Sprintf("/advice-requests/%d/triage", id), url.Values{"version": {fmt.Sprint(rq.Version)},
		"triage": {"known"}, "known_services": {"salt"}})
	location(t, res)
	res = dco.post(fmt.Sprintf("/advice-requests/%d/contributions", id), url.Values{"service": {"salt"},
		"assignee_id": {fmt.Sprint(clin.user.ID)}})
	location(t, res)

	// The clinician's home lists it; they write the advice.
	home = clin.get("/")
	mustContain(t, "clinician home", home.Body, "Your caseload", "Journey, Isla")
	rq, _ = e.advice().GetAdviceRequest(context.Background(), store.System, id)
	k := rq.Contributions[0]
	af := url.Values{"version": {fmt.Sprint(k.Version)}, "needs": {"Speech sound disorder"}, "outcomes": {"Intelligible to unfamiliar adults by July"},
		"provision-1-who": {"Speech and language therapist"}, "provision-1-what": {"Direct therapy"},
		"provision-1-how_often": {"Fortnightly"}, "provision-1-how_long": {"Two school terms"}, "provision-2-who": {""}}
	dateForm(af, "returned_on", today)
	res = clin.post(fmt.Sprintf("/advice-contributions/%d/advice", k.ID), af)
	mustContain(t, "after advice", clin.follow(res).Body, "Advice saved and marked as returned")

	// The DCO checks the response and sends it.
	check := dco.get(fmt.Sprintf("/advice-requests/%d/return", id))
	mustContain(t, "check your answers", check.Body, "Check the response before it goes to Alphashire", "Direct therapy", "Fortnightly")
	rq, _ = e.advice().GetAdviceRequest(context.Background(), store.System, id)
	rf := url.Values{"version": {fmt.Sprint(rq.Version)}}
	dateForm(rf, "returned_on", today)
	res = dco.post(fmt.Sprintf("/advice-requests/%d/return", id), rf)
	mustContain(t, "response", dco.follow(res).Body, "Response sent to the local authority", "Returned on time")

	// The LA reads the combined response.
	resp := la.get(fmt.Sprintf("/advice-requests/%d/response", id))
	mustContain(t, "LA's response page", resp.Body, "Speech sound disorder", "Two school terms", "On time")
	if got := e.audit("advice.return"); len(got) != 1 || got[0].ChildID != rq.ChildID {
		t.Errorf("advice.return audit: %+v", got)
	}
}

// Two DCOs send the same response from the same version: exactly one
// succeeds; the other sees the form again with the conflict explained.
func TestAdviceReturnConflictHTTP(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	today := send.Today(e.clock.Now())
	r := advicedb.Request{ChildID: e.childA.ID, ReceivedOn: today.AddDays(-7)}
	if err := e.advice().CreateAdviceRequest(ctx, store.System, send.DefaultCalendar(), &r, nil); err != nil {
		t.Fatal(err)
	}
	k, err := e.advice().AddAdviceContribution(ctx, store.System, r.ID, "ot", e.users["clinician"].ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.advice().AnswerAdviceContribution(ctx, store.System, k.ID, k.Version, advicedb.Answer{Kind: advice.KindNotKnown,
		Checks: advice.Checks{RecordsReviewed: true}, ReturnedOn: today}); err != nil {
		t.Fatal(err)
	}
	got, _ := e.advice().GetAdviceRequest(ctx, store.System, r.ID)
	f := url.Values{"version": {fmt.Sprint(got.Version)}}
	dateForm(f, "returned_on", today)
	first, second := e.as("dco"), e.as("dco")
	var wg sync.WaitGroup
	results := make([]response, 2)
	for i, c := range []*client{first, second} {
		wg.Add(1)
		go func(i int, c *client) {
			defer wg.Done()
			results[i] = c.post(fmt.Sprintf("/advice-requests/%d/return", r.ID), f)
		}(i, c)
	}
	wg.Wait()
	codes := map[int]int{}
	for _, res := range results {
		codes[res.StatusCode]++
		if res.StatusCode == http.StatusConflict && !strings.Contains(res.Body, "changed by someone else") {
			t.Errorf("conflict page does not say why:\n%s", res.Body)
		}
	}
	if codes[http.StatusSeeOther] != 1 || codes[http.StatusConflict] != 1 {
		t.Errorf("got %v, want one 303 and one 409", codes)
	}
	after, _ := e.advice().GetAdviceRequest(ctx, store.System, r.ID)
	if after.Version != got.Version+1 {
		t.Errorf("version: got %d, want %d", after.Version, got.Version+1)
	}
	// The API the same way.
	body := fmt.Sprintf(`{"version":%d,"status":"returned","returned_on":%q}`, got.Version, today)
	res := first.api(http.MethodPatch, fmt.Sprintf("/api/v1/advice-requests/%d", r.ID), body)
	if res.StatusCode != http.StatusConflict {
		t.Errorf("API return from a stale version: got %d", res.StatusCode)
	}
}

// An LA sees its own requests only, on every path: page, response,
// document, list, CSV and API.
func TestAdviceLAScopingHTTP(t *testing.T) {
	e := newEnv(t)
	a, b := e.adviceFor(e.childA), e.adviceFor(e.childB)
	la := e.as("la")
	for _, tc := range []struct {
		name string
		res  response
	}{
		{"request page", la.get(fmt.Sprintf("/advice-requests/%d", b.request))},
		{"response", la.get(fmt.Sprintf("/advice-requests/%d/response", b.request))},
		{"withdraw", la.post(fmt.Sprintf("/advice-requests/%d/withdraw", b.request), url.Values{"version": {"1"}})},
		{"document", la.get(fmt.Sprintf("/advice-documents/%d", b.document))},
		{"API", la.api(http.MethodGet, fmt.Sprintf("/api/v1/advice-requests/%d", b.request), "")},
		{"API patch", la.api(http.MethodPatch, fmt.Sprintf("/api/v1/advice-requests/%d", b.request), `{"version":1,"status":"withdrawn","withdrawn_on":"2025-01-01"}`)},
	} {
		if tc.res.StatusCode != http.StatusNotFound {
			t.Errorf("%s of another LA's request: got %d, want 404", tc.name, tc.res.StatusCode)
		}
		for _, s := range secrets(e.childB) {
			if strings.Contains(tc.res.Body, s) {
				t.Errorf("%s shows %q", tc.name, s)
			}
		}
	}
	for _, path := range []string{"/advice-requests", "/advice-requests?la=866", "/advice-requests.csv", "/"} {
		res := la.get(path)
		if res.StatusCode != http.StatusOK || strings.Contains(res.Body, e.childB.FamilyName) {
			t.Errorf("%s: got %d or shows child B", path, res.StatusCode)
		}
	}
	var list adviceListJSON
	res := la.api(http.MethodGet, "/api/v1/advice-requests?la=866", "")
	if err := json.Unmarshal([]byte(res.Body), &list); err != nil || list.Total != 0 {
		t.Errorf("API list filtered to another LA: %d %v", list.Total, err)
	}
	res = la.api(http.MethodGet, "/api/v1/advice-requests", "")
	if err := json.Unmarshal([]byte(res.Body), &list); err != nil || list.Total != 1 || list.Items[0].ID != a.request {
		t.Errorf("API list: %+v %v", list, err)
	}
	// Its own, returned, request's document is served as a download only.
	doc := la.get(fmt.Sprintf("/advice-documents/%d", a.document))
	if doc.StatusCode != http.StatusOK || !bytes.Equal([]byte(doc.Body), testPDF) {
		t.Fatalf("own document: %d", doc.StatusCode)
	}
	for h, want := range map[string]string{
		"Content-Type": "application/pdf", "X-Content-Type-Options": "nosniff", "Cache-Control": "no-store",
		"Content-Disposition": `attachment; filename="matrix.pdf"`,
	} {
		if got := doc.Header.Get(h); !strings.HasPrefix(got, want) {
			t.Errorf("%s: got %q, want %q", h, got, want)
		}
	}
	// Before the return the LA does not get the document of its own open request.
	open := advicedb.Request{ChildID: e.childA.ID, ReceivedOn: send.Today(e.clock.Now())}
	ctx := context.Background()
	if err := e.advice().CreateAdviceRequest(ctx, store.System, send.DefaultCalendar(), &open, nil); err != nil {
		t.Fatal(err)
	}
	k, _ := e.advice().AddAdviceContribution(ctx, store.System, open.ID, "ot", 0)
	d, err := e.advice().UploadAdviceDocument(ctx, store.System, k.ID, 1, "draft.pdf", testPDF, send.Today(e.clock.Now()))
	if err != nil {
		t.Fatal(err)
	}
	if res := la.get(fmt.Sprintf("/advice-documents/%d", d.ID)); res.StatusCode != http.StatusNotFound {
		t.Errorf("document of an open request: got %d, want 404", res.StatusCode)
	}
}

// A clinician sees the requests assigned to them and no others, even for a
// child they may open for another reason.
func TestAdviceClinicianSeesOnlyAssigned(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	clin := e.as("clinician")
	// Child A is granted to the clinician by the env, but this request is not theirs.
	r := advicedb.Request{ChildID: e.childA.ID, ReceivedOn: send.Today(e.clock.Now())}
	if err := e.advice().CreateAdviceRequest(ctx, store.System, send.DefaultCalendar(), &r, nil); err != nil {
		t.Fatal(err)
	}
	if res := clin.get(fmt.Sprintf("/advice-requests/%d", r.ID)); res.StatusCode != http.StatusNotFound {
		t.Errorf("unassigned request: got %d, want 404", res.StatusCode)
	}
	if res := clin.get("/advice-requests"); strings.Contains(res.Body, e.childA.FamilyName) {
		t.Errorf("the list shows a request not assigned to the clinician")
	}
	k, err := e.advice().AddAdviceContribution(ctx, store.System, r.ID, "camhs", e.users["clinician"].ID)
	if err != nil {
		t.Fatal(err)
	}
	if res := clin.get(fmt.Sprintf("/advice-contributions/%d", k.ID)); res.StatusCode != http.StatusOK {
		t.Errorf("own contribution: got %d", res.StatusCode)
	}
	if res := clin.get("/advice-requests"); !strings.Contains(res.Body, e.childA.FamilyName) {
		t.Errorf("the list lacks the request assigned to the clinician")
	}
	// Child B's request is assigned to the clinician: the assignment grants
	// the child, which the clinician could not open before.
	if res := clin.get(childPath(e.childB.ID)); res.StatusCode != http.StatusNotFound {
		t.Fatalf("child B before assignment: got %d", res.StatusCode)
	}
	rb := advicedb.Request{ChildID: e.childB.ID, ReceivedOn: send.Today(e.clock.Now())}
	if err := e.advice().CreateAdviceRequest(ctx, store.System, send.DefaultCalendar(), &rb, nil); err != nil {
		t.Fatal(err)
	}
	res := e.as("dco").post(fmt.Sprintf("/advice-requests/%d/contributions", rb.ID), url.Values{"service": {"physio"},
		"assignee_id": {fmt.Sprint(e.users["clinician"].ID)}})
	location(t, res)
	if res := clin.get(childPath(e.childB.ID)); res.StatusCode != http.StatusOK {
		t.Errorf("child B after assignment: got %d", res.StatusCode)
	}
}

func TestAdviceAPI(t *testing.T) {
	e := newEnv(t)
	la, dco := e.as("la"), e.as("dco")
	today := send.Today(e.clock.Now())
	body := fmt.Sprintf(`{"nhs_number":%q,"la_reference":"API-1","received_on":%q,"services_requested":["salt"]}`,
		e.childA.NHSNumber, today.AddDays(-50))
	res := la.api(http.MethodPost, "/api/v1/advice-requests", body)
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("create: %d %s", res.StatusCode, res.Body)
	}
	var got adviceJSON
	if err := json.Unmarshal([]byte(res.Body), &got); err != nil {
		t.Fatal(err)
	}
	if !got.DueOn.Equal(today.AddDays(-8)) || got.Status != advice.StatusOverdue || got.DueText != "8 days overdue" ||
		got.OnTime != nil || got.LACode != "800" || !got.ContributionsHidden {
		t.Errorf("created: %+v", got)
	}
	if res.Header.Get("Location") != fmt.Sprintf("/api/v1/advice-requests/%d", got.ID) {
		t.Errorf("location: %q", res.Header.Get("Location"))
	}
	for _, tc := range []struct {
		name, body string
		status     int
	}{
		{"unknown field", `{"nhs_number":"x","colour":"red"}`, http.StatusBadRequest},
		{"no date", fmt.Sprintf(`{"nhs_number":%q}`, e.childA.NHSNumber), http.StatusUnprocessableEntity},
		{"other LA's child", fmt.Sprintf(`{"nhs_number":%q,"received_on":%q}`, e.childB.NHSNumber, today), http.StatusUnprocessableEntity},
		{"duplicate reference", fmt.Sprintf(`{"nhs_number":%q,"la_reference":"API-1","received_on":%q}`, e.childA.NHSNumber, today), http.StatusConflict},
	} {
		if res := la.api(http.MethodPost, "/api/v1/advice-requests", tc.body); res.StatusCode != tc.status {
			t.Errorf("%s: got %d, want %d: %s", tc.name, res.StatusCode, tc.status, res.Body)
		}
	}
	// Filters: LA, status, month.
	var list adviceListJSON
	for _, tc := range []struct {
		query string
		want  int
	}{
		{"", 1}, {"?la=800", 1}, {"?la=866", 0}, {"?status=overdue", 1}, {"?status=returned_on_time", 0},
		{"?month=" + today.AddDays(-50).String()[:7], 1}, {"?queue=overdue", 1},
	} {
		res := dco.api(http.MethodGet, "/api/v1/advice-requests"+tc.query, "")
		if err := json.Unmarshal([]byte(res.Body), &list); err != nil || list.Total != tc.want {
			t.Errorf("list%s: got %d (%s), want %d", tc.query, list.Total, res.Body, tc.want)
		}
	}
	if res := dco.api(http.MethodGet, "/api/v1/advice-requests?status=done", ""); res.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("bad status filter: got %d", res.StatusCode)
	}
	// A DCO records an exception; the request turns purple and stays listed.
	patch := fmt.Sprintf(`{"version":%d,"exception":{"kind":"absent_from_area","reason":"Abroad","on":%q}}`, got.Version, today.AddDays(-45))
	res = dco.api(http.MethodPatch, fmt.Sprintf("/api/v1/advice-requests/%d", got.ID), patch)
	if err := json.Unmarshal([]byte(res.Body), &got); err != nil || res.StatusCode != http.StatusOK || got.Status != advice.StatusPaused {
		t.Fatalf("exception: %d %s", res.StatusCode, res.Body)
	}
	// The LA may not return a request; the DCO may not until it has advice.
	ret := fmt.Sprintf(`{"version":%d,"status":"returned","returned_on":%q}`, got.Version, today)
	if res := la.api(http.MethodPatch, fmt.Sprintf("/api/v1/advice-requests/%d", got.ID), ret); res.StatusCode != http.StatusForbidden {
		t.Errorf("LA return: got %d", res.StatusCode)
	}
	if res := dco.api(http.MethodPatch, fmt.Sprintf("/api/v1/advice-requests/%d", got.ID), ret); res.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("return with no advice: got %d %s", res.StatusCode, res.Body)
	}
	ctx := context.Background()
	k, err := e.advice().AddAdviceContribution(ctx, store.System, got.ID, "salt", e.users["clinician"].ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.advice().AnswerAdviceContribution(ctx, store.System, k.ID, k.Version, advicedb.Answer{Kind: advice.KindNotKnown,
		Checks: advice.Checks{FamilyContacted: true}, ReturnedOn: today}); err != nil {
		t.Fatal(err)
	}
	res = dco.api(http.MethodPatch, fmt.Sprintf("/api/v1/advice-requests/%d", got.ID), ret)
	if err := json.Unmarshal([]byte(res.Body), &got); err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("return: %d %s", res.StatusCode, res.Body)
	}
	// Late, but the exception takes it out of the measure without hiding it.
	if got.State != advice.StateReturned || got.OnTime == nil || *got.OnTime || got.CountedInMeasure == nil || *got.CountedInMeasure ||
		got.Outcome != advice.OutcomeNotKnown || got.Exception == nil {
		t.Errorf("returned: %+v", got)
	}
	res = la.api(http.MethodGet, fmt.Sprintf("/api/v1/advice-requests/%d", got.ID), "")
	if err := json.Unmarshal([]byte(res.Body), &got); err != nil || len(got.Contributions) != 1 || got.Contributions[0].Checks == nil {
		t.Errorf("LA reads the returned response: %s", res.Body)
	}
}

// Every figure on the "will miss six weeks" page links to a list showing
// exactly that many requests; each request is credited to whoever it waits
// on, the DCO team included when every part is answered and the response
// has still to go to the LA, so that here, where each request waits on one
// party, the rows of "whose are they" add up to the totals, and each row's
// figure links to a list of exactly that party's requests.
func TestAdviceAtRiskFiguresAreTraceable(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	today := send.Today(e.clock.Now())
	// mk records a request received daysAgo; who >= 0 triages it and asks
	// salt for a part, given to who (0: no clinician yet).
	mk := func(c store.Child, daysAgo int, who int64, exc bool) int64 {
		t.Helper()
		r := advicedb.Request{ChildID: c.ID, ReceivedOn: today.AddDays(-daysAgo)}
		if err := e.advice().CreateAdviceRequest(ctx, store.System, send.DefaultCalendar(), &r, nil); err != nil {
			t.Fatal(err)
		}
		if who >= 0 {
			if _, err := e.advice().TriageAdviceRequest(ctx, store.System, r.ID, 1, advice.TriageKnown, []string{"salt"}, ""); err != nil {
				t.Fatal(err)
			}
			if _, err := e.advice().AddAdviceContribution(ctx, store.System, r.ID, "salt", who); err != nil {
				t.Fatal(err)
			}
		}
		if exc {
			got, _ := e.advice().GetAdviceRequest(ctx, store.System, r.ID)
			if _, err := e.advice().RecordAdviceException(ctx, store.System, r.ID, got.Version, advice.Exception{
				Kind: send.ExceptionExceptionalCircumstances, Reason: "Hospital admission", On: today.AddDays(-daysAgo + 1)}); err != nil {
				t.Fatal(err)
			}
		}
		return r.ID
	}
	clin := e.users["clinician"].ID
	const clinName, nobody, team = "Test clinician", "Not yet assigned", "DCO team (to return to the LA)"
	whose := map[string][]int64{}
	whose[clinName] = append(whose[clinName], mk(e.childA, 50, clin, false)) // overdue, the clinician's
	whose[nobody] = append(whose[nobody], mk(e.childB, 40, -1, false))       // due in 2 days, not triaged
	whose[clinName] = append(whose[clinName], mk(e.childA, 36, clin, false)) // due in 6 days, the clinician's
	r4 := mk(e.childB, 60, -1, true)                                         // overdue but paused, HAS team with no one
	if _, err := e.advice().AddAdviceContribution(ctx, store.System, r4, advice.ServiceHAS, 0); err != nil {
		t.Fatal(err)
	}
	whose[nobody] = append(whose[nobody], r4)
	mk(e.childA, 20, clin, false) // due in 22 days: not at risk
	// Due in 4 days, its one part answered: waiting on the DCO team.
	done := mk(e.childA, 38, clin, false)
	got, err := e.advice().GetAdviceRequest(ctx, store.System, done)
	if err != nil {
		t.Fatal(err)
	}
	k := got.Contributions[0]
	if _, err := e.advice().AnswerAdviceContribution(ctx, store.System, k.ID, k.Version, advicedb.Answer{Kind: advice.KindNotKnown,
		Checks: advice.Checks{RecordsReviewed: true}, ReturnedOn: today}); err != nil {
		t.Fatal(err)
	}
	whose[team] = append(whose[team], done)

	dco := e.as("dco")
	page := dco.get("/advice-requests/at-risk")
	if page.StatusCode != http.StatusOK {
		t.Fatalf("at-risk page: %d", page.StatusCode)
	}
	mustContain(t, "at-risk page", page.Body, clinName, nobody, team)
	links := regexp.MustCompile(`<a href="(/advice-requests\?[^"]+)"[^>]*>(\d+)`).FindAllStringSubmatch(page.Body, -1)
	if len(links) < 8 {
		t.Fatalf("found %d figures", len(links))
	}
	listIDs := func(href string) []int64 {
		t.Helper()
		u, _ := url.Parse(strings.ReplaceAll(href, "&amp;", "&"))
		api := dco.api(http.MethodGet, "/api/v1/advice-requests?"+u.RawQuery+"&limit=200", "")
		var list adviceListJSON
		if err := json.Unmarshal([]byte(api.Body), &list); err != nil {
			t.Fatalf("%s: %v: %s", href, err, api.Body)
		}
		var ids []int64
		for _, it := range list.Items {
			ids = append(ids, it.ID)
		}
		if list.Total != len(ids) {
			t.Fatalf("%s: total %d, items %d", href, list.Total, len(ids))
		}
		return ids
	}
	for _, l := range links {
		if n := len(listIDs(l[1])); fmt.Sprint(n) != l[2] {
			t.Errorf("figure %s links to %s, which lists %d", l[2], l[1], n)
		}
	}
	mustContain(t, "at-risk total", page.Body, `id="at-risk-total">5<`)

	// The rows of "whose are they" add up to the totals, column by column.
	table := page.Body[strings.Index(page.Body, `id="whose"`):]
	table = table[:strings.Index(table, "</table>")]
	rowRE := regexp.MustCompile(`(?s)<th class="nhsuk-table__header" scope="row">([^<]+)</th>(.*?)</tr>`)
	cellRE := regexp.MustCompile(`<a href="([^"]+)">(\d+)<`)
	var sums [4]int
	seen := map[string]bool{}
	for _, row := range rowRE.FindAllStringSubmatch(table, -1) {
		name := html.UnescapeString(row[1])
		cells := cellRE.FindAllStringSubmatch(row[2], -1)
		if len(cells) != 4 {
			t.Fatalf("row %q: %d figures, want 4", name, len(cells))
		}
		for i, c := range cells {
			n, _ := strconv.Atoi(c[2])
			sums[i] += n
		}
		seen[name] = true
		// The row's "All" figure lists exactly the requests waiting on it.
		want := whose[name]
		gotIDs := listIDs(html.UnescapeString(cells[3][1]))
		if fmt.Sprint(sortedIDs(gotIDs)) != fmt.Sprint(sortedIDs(want)) {
			t.Errorf("row %q links to requests %v, want %v", name, sortedIDs(gotIDs), sortedIDs(want))
		}
	}
	for name := range whose {
		if !seen[name] {
			t.Errorf("no row for %q", name)
		}
	}
	// Overdue 1 (the clinician's), due this week 3 (one each), exception 1, all 5.
	if want := [4]int{1, 3, 1, 5}; sums != want {
		t.Errorf("rows add up to %v (overdue, due this week, exception, all), want the totals %v", sums, want)
	}
	// The request's "Waiting on" column says whose it is.
	rowOf := regexp.MustCompile(`(?s)href="/advice-requests/` + strconv.FormatInt(done, 10) + `">.*?</tr>`).FindString(page.Body)
	if !strings.Contains(rowOf, team) {
		t.Errorf("waiting on for the answered request: got %q, want it to say %q", rowOf, team)
	}
	// The list filter the DCO team's row uses is on the list page too.
	list := dco.get("/advice-requests?to_return=1")
	mustContain(t, "list filtered to the DCO team", list.Body, `id="to_return" name="to_return" type="checkbox" value="1" aria-describedby="to_return-hint" checked`,
		`id="results">1 request<`, team)
}

// sortedIDs sorts ids in place and returns them.
func sortedIDs(ids []int64) []int64 {
	slices.Sort(ids)
	return ids
}

// A clinician uploads their advice as a file; the wrong kind of file is
// refused with the error summary.
func TestAdviceUploadHTTP(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	today := send.Today(e.clock.Now())
	r := advicedb.Request{ChildID: e.childA.ID, ReceivedOn: today}
	if err := e.advice().CreateAdviceRequest(ctx, store.System, send.DefaultCalendar(), &r, nil); err != nil {
		t.Fatal(err)
	}
	k, err := e.advice().AddAdviceContribution(ctx, store.System, r.ID, "ot", e.users["clinician"].ID)
	if err != nil {
		t.Fatal(err)
	}
	clin := e.as("clinician")
	upload := func(name string, data []byte) response {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		_ = mw.WriteField("csrf_token", clin.csrf)
		_ = mw.WriteField("version", fmt.Sprint(k.Version))
		_ = mw.WriteField("doc_returned_on-day", fmt.Sprint(today.Day()))
		_ = mw.WriteField("doc_returned_on-month", fmt.Sprint(int(today.Month())))
		_ = mw.WriteField("doc_returned_on-year", fmt.Sprint(today.Year()))
		fw, _ := mw.CreateFormFile("document", name)
		_, _ = fw.Write(data)
		_ = mw.Close()
		req := httptest.NewRequest(http.MethodPost, fmt.Sprintf("/advice-contributions/%d/document", k.ID), &buf)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		req.AddCookie(clin.cookie())
		return e.serve(req)
	}
	res := upload("evil.pdf", []byte("<script>alert(1)</script>"))
	if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "The file must be a PDF or a Word document") {
		t.Errorf("HTML as PDF: got %d", res.StatusCode)
	}
	big := append(append([]byte(nil), testPDF...), make([]byte, advice.MaxDocument)...)
	if res := upload("big.pdf", big); res.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("file over 10 MB: got %d", res.StatusCode)
	}
	res = upload("OT report.pdf", testPDF)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("upload: got %d\n%s", res.StatusCode, res.Body)
	}
	got, _ := e.advice().GetAdviceRequest(ctx, store.System, r.ID)
	if got.Contributions[0].Document == nil || got.Contributions[0].Document.Filename != "OT report.pdf" {
		t.Errorf("stored: %+v", got.Contributions[0])
	}
	if n := len(e.audit("advice.document.upload")); n != 1 {
		t.Errorf("upload audit rows: %d", n)
	}
}

// A PATCH is all or nothing: details sent with a status change or an
// exception are refused, naming the fields, and nothing changes, even when
// the status change would itself have failed.
func TestAdvicePatchIsAllOrNothing(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	today := send.Today(e.clock.Now())
	r := advicedb.Request{ChildID: e.childA.ID, ReceivedOn: today.AddDays(-50), LAReference: "P-1", RequestNote: "first"}
	if err := e.advice().CreateAdviceRequest(ctx, store.System, send.DefaultCalendar(), &r, nil); err != nil {
		t.Fatal(err)
	}
	path := fmt.Sprintf("/api/v1/advice-requests/%d", r.ID)
	dco := e.as("dco")
	tests := []struct {
		name   string
		body   string
		fields []string
	}{
		{"details with a return that would fail (no advice yet)",
			fmt.Sprintf(`{"version":1,"la_reference":"P-2","status":"returned","returned_on":%q}`, today),
			[]string{"la_reference", "status"}},
		{"details with a withdrawal",
			fmt.Sprintf(`{"version":1,"request_note":"second","services_requested":["ot"],"status":"withdrawn","withdrawn_on":%q}`, today),
			[]string{"request_note", "services_requested", "status"}},
		{"details with an exception",
			fmt.Sprintf(`{"version":1,"received_on":%q,"exception":{"kind":"absent_from_area","reason":"Abroad","on":%q}}`, today.AddDays(-40), today),
			[]string{"received_on", "exception"}},
		{"details with an exception cleared", `{"version":1,"assessment_requested_on":"2025-01-06","clear_exception":true}`,
			[]string{"assessment_requested_on", "clear_exception"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := dco.api(http.MethodPatch, path, tc.body)
			if res.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("got %d, want 422: %s", res.StatusCode, res.Body)
			}
			var body struct {
				Error struct {
					Fields map[string]string `json:"fields"`
				} `json:"error"`
			}
			if err := json.Unmarshal([]byte(res.Body), &body); err != nil {
				t.Fatal(err)
			}
			for _, f := range tc.fields {
				if body.Error.Fields[f] == "" {
					t.Errorf("field %s not named: got %v", f, body.Error.Fields)
				}
			}
			got, err := e.advice().GetAdviceRequest(ctx, store.System, r.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Version != 1 || got.LAReference != "P-1" || got.RequestNote != "first" || got.ServicesRequested != "" ||
				!got.ReceivedOn.Equal(r.ReceivedOn) || !got.AssessmentRequestedOn.IsZero() || got.State != advice.StateOpen ||
				got.Exception.Kind != "" {
				t.Errorf("after a refused PATCH: got version %d, reference %q, note %q, services %q, received %s, state %s, exception %q; want it unchanged",
					got.Version, got.LAReference, got.RequestNote, got.ServicesRequested, got.ReceivedOn, got.State, got.Exception.Kind)
			}
		})
	}
	// Sent one at a time, each succeeds; a return that fails leaves the
	// details saved before it as they were saved, and nothing else.
	if res := dco.api(http.MethodPatch, path, `{"version":1,"la_reference":"P-2"}`); res.StatusCode != http.StatusOK {
		t.Fatalf("details alone: got %d, want 200: %s", res.StatusCode, res.Body)
	}
	ret := fmt.Sprintf(`{"version":2,"status":"returned","returned_on":%q}`, today)
	if res := dco.api(http.MethodPatch, path, ret); res.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("return with no advice: got %d, want 422: %s", res.StatusCode, res.Body)
	}
	wd := fmt.Sprintf(`{"version":2,"status":"withdrawn","withdrawn_on":%q}`, today)
	if res := dco.api(http.MethodPatch, path, wd); res.StatusCode != http.StatusOK {
		t.Errorf("withdrawal alone: got %d, want 200: %s", res.StatusCode, res.Body)
	}
	got, _ := e.advice().GetAdviceRequest(ctx, store.System, r.ID)
	if got.LAReference != "P-2" || got.State != advice.StateWithdrawn {
		t.Errorf("after the separate calls: got reference %q, state %s; want P-2, withdrawn", got.LAReference, got.State)
	}
}

// The DCO is offered, and may assign, only the clinicians of the request's
// ICB: another ICB's clinician is in no list, and sending their id is
// refused with the error summary, granting nothing.
func TestAdviceAssignOnlyTheICBsClinicians(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	other := store.Org{Kind: store.OrgICB, Name: "Other ICB", Code: "QXX"}
	if err := e.store.CreateOrg(ctx, store.System, &other); err != nil {
		t.Fatal(err)
	}
	prov := store.Org{Kind: store.OrgProvider, Name: "Other Community Health", Code: "RYY", ParentID: other.ID}
	if err := e.store.CreateOrg(ctx, store.System, &prov); err != nil {
		t.Fatal(err)
	}
	stranger := store.User{Email: "stranger@example.nhs.uk", Name: "Stranger Elsewhere", Role: store.RoleClinician, OrgID: prov.ID}
	if err := e.store.CreateUser(ctx, store.System, &stranger); err != nil {
		t.Fatal(err)
	}
	r := advicedb.Request{ChildID: e.childB.ID, ReceivedOn: send.Today(e.clock.Now())}
	if err := e.advice().CreateAdviceRequest(ctx, store.System, send.DefaultCalendar(), &r, nil); err != nil {
		t.Fatal(err)
	}
	k, err := e.advice().AddAdviceContribution(ctx, store.System, r.ID, advice.ServiceHAS, 0)
	if err != nil {
		t.Fatal(err)
	}
	grants := len(e.audit("child.grant"))
	dco := e.as("dco")
	ours := fmt.Sprintf(`<option value="%d"`, e.users["clinician"].ID)
	theirs := fmt.Sprintf(`<option value="%d"`, stranger.ID)
	for _, page := range []string{fmt.Sprintf("/advice-requests/%d/triage", r.ID), advicePath(r.ID), "/advice-requests"} {
		res := dco.get(page)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("%s: got %d", page, res.StatusCode)
		}
		if !strings.Contains(res.Body, ours) {
			t.Errorf("%s does not offer the ICB's clinician", page)
		}
		if strings.Contains(res.Body, theirs) || strings.Contains(res.Body, stranger.Name) {
			t.Errorf("%s offers another ICB's clinician", page)
		}
	}
	for _, tc := range []struct {
		name, path string
		form       url.Values
	}{
		{"a new part", fmt.Sprintf("/advice-requests/%d/contributions", r.ID),
			url.Values{"service": {"salt"}, "assignee_id": {fmt.Sprint(stranger.ID)}}},
		{"an existing part", fmt.Sprintf("/advice-contributions/%d/assign", k.ID),
			url.Values{"version": {fmt.Sprint(k.Version)}, "assignee_id": {fmt.Sprint(stranger.ID)}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := dco.post(tc.path, tc.form)
			if res.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("got %d, want 422", res.StatusCode)
			}
			mustContain(t, tc.name, res.Body, "There is a problem", "only active clinicians of this ICB")
		})
	}
	got, _ := e.advice().GetAdviceRequest(ctx, store.System, r.ID)
	if len(got.Contributions) != 1 || got.Contributions[0].AssigneeID != 0 {
		t.Errorf("after refusals: got %+v, want one part with no clinician", got.Contributions)
	}
	if n := len(e.audit("child.grant")); n != grants {
		t.Errorf("child.grant audit rows: got %d, want %d, as before", n, grants)
	}
}

// Reusing existing advice needs the author, the LA and the parent or young
// person all satisfied it is sufficient (reg 6(4)): the form asks for each,
// refuses without all three, naming who is missing and keeping what was
// ticked, and the request's page and the API show the agreement.
func TestAdviceReuseAgreementHTTP(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	today := send.Today(e.clock.Now())
	r := advicedb.Request{ChildID: e.childA.ID, ReceivedOn: today.AddDays(-3)}
	if err := e.advice().CreateAdviceRequest(ctx, store.System, send.DefaultCalendar(), &r, nil); err != nil {
		t.Fatal(err)
	}
	k, err := e.advice().AddAdviceContribution(ctx, store.System, r.ID, "paediatrics", e.users["clinician"].ID)
	if err != nil {
		t.Fatal(err)
	}
	clin := e.as("clinician")
	form := func(agreed ...string) url.Values {
		f := url.Values{"version": {fmt.Sprint(k.Version)}, "reuse_of_id": {"other"},
			"reuse_source": {"Paediatric clinic letter, Dr A, for the annual review"}, "reuse_agreed": agreed}
		dateForm(f, "reuse_dated", today.AddDays(-30))
		dateForm(f, "reuse_returned_on", today)
		return f
	}
	path := fmt.Sprintf("/advice-contributions/%d/reuse", k.ID)
	for _, tc := range []struct {
		name    string
		agreed  []string
		missing string
		kept    []string
	}{
		{"none ticked", nil, "confirm the agreement of the person who wrote the advice, the local authority and the child&#39;s parent or the young person", nil},
		{"the family not asked", []string{"author", "la"}, "confirm the agreement of the child&#39;s parent or the young person",
			[]string{`value="author" checked`, `value="la" checked`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := clin.post(path, form(tc.agreed...))
			if res.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("got %d, want 422", res.StatusCode)
			}
			mustContain(t, tc.name, res.Body, "There is a problem", `href="#reuse_agreed-author"`, "reg 6(4)", tc.missing)
			mustContain(t, tc.name, res.Body, tc.kept...)
			if strings.Contains(res.Body, `value="family" checked`) {
				t.Errorf("%s: the family's box is ticked on the re-shown form", tc.name)
			}
		})
	}
	got, _ := e.advice().GetAdviceRequest(ctx, store.System, r.ID)
	if got.Contributions[0].Done() {
		t.Fatalf("reuse recorded without the three agreements")
	}
	if res := clin.post(path, form("author", "la", "family")); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("with all three: got %d, want 303\n%s", res.StatusCode, res.Body)
	}
	const agreedText = "Agreed to be sufficient by the person who wrote the advice, the local authority and the child&#39;s parent or the young person (reg 6(4))."
	mustContain(t, "request page", e.as("dco").get(advicePath(r.ID)).Body, "Existing advice reused", agreedText)
	mustContain(t, "combined response", e.as("dco").get(advicePath(r.ID)+"/response").Body,
		"Existing advice is offered for this assessment", agreedText)
	res := e.as("dco").api(http.MethodGet, fmt.Sprintf("/api/v1/advice-requests/%d", r.ID), "")
	var rj adviceJSON
	if err := json.Unmarshal([]byte(res.Body), &rj); err != nil {
		t.Fatal(err)
	}
	if len(rj.Contributions) != 1 || rj.Contributions[0].Reuse == nil {
		t.Fatalf("API: got %s, want one reused contribution", res.Body)
	}
	if ru := rj.Contributions[0].Reuse; !ru.AuthorAgreed || !ru.LAAgreed || !ru.FamilyAgreed {
		t.Errorf("API agreement: got %+v, want all three true", *ru)
	}
}
