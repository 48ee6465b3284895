package web

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"dco/internal/advice"
	"dco/internal/advice/advicedb"
	"dco/internal/send"
	"dco/internal/store"
)

// openAdvice records an open request about c, received daysAgo, as an LA
// would send it.
func (e *env) openAdvice(c store.Child, daysAgo int, ref string) advicedb.Request {
	e.t.Helper()
	today := send.Today(e.clock.Now())
	r := advicedb.Request{ChildID: c.ID, ReceivedOn: today.AddDays(-daysAgo), LAReference: ref,
		AssessmentRequestedOn: today.AddDays(-daysAgo - 3), ServicesRequested: "salt", RequestNote: "Sent by the LA"}
	if err := e.advice().CreateAdviceRequest(context.Background(), store.System, send.DefaultCalendar(), &r, nil); err != nil {
		e.t.Fatalf("advice request: %v", err)
	}
	return e.adviceNow(r.ID)
}

// adviceNow reads a request as it is stored.
func (e *env) adviceNow(id int64) advicedb.Request {
	e.t.Helper()
	got, err := e.advice().GetAdviceRequest(context.Background(), store.System, id)
	if err != nil {
		e.t.Fatalf("reload advice request: %v", err)
	}
	return got
}

// adviceEditForm is the edit form for r as drawn from the record: a save
// of it changes nothing.
func adviceEditForm(r advicedb.Request) url.Values {
	f := url.Values{"version": {fmt.Sprint(r.Version)}, "la_reference": {r.LAReference},
		"services_requested": advice.SplitServices(r.ServicesRequested), "request_note": {r.RequestNote}}
	dateForm(f, "received_on", r.ReceivedOn)
	if !r.AssessmentRequestedOn.IsZero() {
		dateForm(f, "assessment_requested_on", r.AssessmentRequestedOn)
	}
	return f
}

func editPath(id int64) string { return advicePath(id) + "/edit" }

// sameDetails reports whether the details the form changes are as they were.
func sameDetails(a, b advicedb.Request) bool {
	return a.Version == b.Version && a.LAReference == b.LAReference && a.ReceivedOn.Equal(b.ReceivedOn) &&
		a.AssessmentRequestedOn.Equal(b.AssessmentRequestedOn) && a.ServicesRequested == b.ServicesRequested &&
		a.RequestNote == b.RequestNote && a.DueOn.Equal(b.DueOn)
}

// The LA corrects its reference, the assessment date, the services and the
// note from the request's page; the record changes, the banner says so and
// the change is audited.
func TestAdviceEditHTTP(t *testing.T) {
	e := newEnv(t)
	la := e.as("la")
	today := send.Today(e.clock.Now())
	rq := e.openAdvice(e.childA, 5, "EHC-TYPO")

	view := la.get(advicePath(rq.ID))
	mustContain(t, "request page", view.Body, `id="edit-details"`, `href="`+editPath(rq.ID)+`"`)

	form := la.get(editPath(rq.ID))
	if form.StatusCode != http.StatusOK {
		t.Fatalf("edit page: got %d\n%s", form.StatusCode, form.Body)
	}
	mustContain(t, "edit page", form.Body,
		`name="version" value="`+itoa(rq.Version)+`"`, `name="csrf_token" value="`+la.csrf+`"`,
		`class="nhsuk-back-link" href="`+advicePath(rq.ID)+`"`, `action="`+editPath(rq.ID)+`"`,
		`value="EHC-TYPO"`, `id="services_requested-salt" name="services_requested" type="checkbox" value="salt" checked`,
		`name="assessment_requested_on-year" type="text" inputmode="numeric" value="`+fmt.Sprint(rq.AssessmentRequestedOn.Year())+`"`,
		"Sent by the LA", rq.DueOn.Long(), "Only the DCO team can change this date", rq.ReceivedOn.Long())
	if strings.Contains(form.Body, `name="received_on-day"`) {
		t.Error("the LA is offered the date received, which only the DCO team may change")
	}

	f := adviceEditForm(rq)
	f.Set("la_reference", "EHC-2025-0142")
	f["services_requested"] = []string{"ot", "paediatrics"}
	f.Set("request_note", "Parents prefer afternoon appointments")
	dateForm(f, "assessment_requested_on", today.AddDays(-20))
	dateForm(f, "received_on", today.AddDays(-1)) // not the LA's to change: ignored
	res := la.post(editPath(rq.ID), f)
	if got := location(t, res); got != advicePath(rq.ID) {
		t.Fatalf("redirect to %q, want the request page", got)
	}
	page := la.follow(res)
	mustContain(t, "request page after saving", page.Body, "Advice request details updated", "EHC-2025-0142",
		"Community paediatrics", "Occupational therapy", "Parents prefer afternoon appointments", today.AddDays(-20).Long())

	got := e.adviceNow(rq.ID)
	if got.LAReference != "EHC-2025-0142" || got.ServicesRequested != "paediatrics,ot" && got.ServicesRequested != "ot,paediatrics" ||
		got.RequestNote != "Parents prefer afternoon appointments" || !got.AssessmentRequestedOn.Equal(today.AddDays(-20)) ||
		got.Version != rq.Version+1 {
		t.Errorf("after saving: %+v", got)
	}
	if !got.ReceivedOn.Equal(rq.ReceivedOn) || !got.DueOn.Equal(rq.DueOn) {
		t.Errorf("the LA moved the date received to %s (due %s)", got.ReceivedOn, got.DueOn)
	}
	audit := e.audit("advice.update")
	if len(audit) != 1 || audit[0].ObjectID != rq.ID || audit[0].UserID != la.user.ID ||
		!strings.Contains(audit[0].Detail, "la_reference") || strings.Contains(audit[0].Detail, "received_on") {
		t.Errorf("advice.update audit: %+v", audit)
	}
}

// The DCO team corrects the date health received the request: the due date
// (SEND Regs 2014 reg 8(1), six weeks) moves with it on the request's page.
func TestAdviceEditReceivedMovesDue(t *testing.T) {
	e := newEnv(t)
	dco := e.as("dco")
	today := send.Today(e.clock.Now())
	rq := e.openAdvice(e.childB, 30, "")
	if !rq.DueOn.Equal(today.AddDays(12)) {
		t.Fatalf("due before: %s", rq.DueOn)
	}
	form := dco.get(editPath(rq.ID))
	mustContain(t, "DCO's edit page", form.Body, `name="received_on-day"`,
		`name="received_on-month" type="text" inputmode="numeric" value="`+fmt.Sprint(int(rq.ReceivedOn.Month()))+`"`)

	received := today.AddDays(-10)
	f := adviceEditForm(rq)
	dateForm(f, "received_on", received)
	res := dco.post(editPath(rq.ID), f)
	location(t, res)
	page := dco.follow(res)

	want, err := advice.Due(send.DefaultCalendar(), received)
	if err != nil {
		t.Fatal(err)
	}
	if !want.Equal(received.AddDays(42)) {
		t.Fatalf("the health-advice rule gives %s for %s, want six weeks", want, received)
	}
	mustContain(t, "request page", page.Body, "Advice request details updated", received.Long(),
		`id="advice-due">`+want.Long()+" (due in 32 days)")
	if strings.Contains(page.Body, ">"+rq.DueOn.Long()) {
		t.Errorf("the old due date %s is still shown", rq.DueOn.Long())
	}
	got := e.adviceNow(rq.ID)
	if !got.ReceivedOn.Equal(received) || !got.DueOn.Equal(want) {
		t.Errorf("stored: received %s, due %s; want %s, %s", got.ReceivedOn, got.DueOn, received, want)
	}
	if a := e.audit("advice.update"); len(a) != 1 || !strings.Contains(a[0].Detail, "received_on") {
		t.Errorf("advice.update audit: %+v", a)
	}
	// The API reads the same due date.
	res = dco.api(http.MethodGet, fmt.Sprintf("/api/v1/advice-requests/%d", rq.ID), "")
	if !strings.Contains(res.Body, `"due_on":"`+want.String()+`"`) {
		t.Errorf("API due date: %s", res.Body)
	}
}

// Each kind of bad input re-shows the form with status 422, an error
// summary linking to the field, what was typed kept, and nothing stored.
func TestAdviceEditValidation(t *testing.T) {
	e := newEnv(t)
	today := send.Today(e.clock.Now())
	rq := e.openAdvice(e.childA, 5, "EHC-VALID")
	e.openAdvice(e.childA, 4, "EHC-TAKEN")
	for _, tc := range []struct {
		name   string
		who    string
		change func(f url.Values)
		status int
		anchor string
		msg    string
		kept   string
	}{
		{"no date received", "dco", func(f url.Values) {
			f.Del("received_on-day")
			f.Del("received_on-month")
			f.Del("received_on-year")
		}, 422, "received_on-day", "Enter the date health received the request", ""},
		{"date received not a date", "dco", func(f url.Values) {
			f.Set("received_on-day", "31")
			f.Set("received_on-month", "2")
		}, 422, "received_on-day", "Date health received the request must be a real date", `value="31"`},
		{"date received without a year", "dco", func(f url.Values) { f.Set("received_on-year", "") }, 422,
			"received_on-day", "Date health received the request must include a year", ""},
		{"date received in the future", "dco", func(f url.Values) { dateForm(f, "received_on", today.AddDays(3)) }, 422,
			"received_on-day", "The date received must be today or in the past", `value="` + fmt.Sprint(today.AddDays(3).Day()) + `"`},
		{"assessment after receipt", "la", func(f url.Values) { dateForm(f, "assessment_requested_on", today) }, 422,
			"assessment_requested_on-day", "The date the assessment was requested must be on or before the date health received the request", ""},
		{"assessment not a date", "la", func(f url.Values) { f.Set("assessment_requested_on-month", "13") }, 422,
			"assessment_requested_on-day", "Date the assessment was requested must be a real date", `value="13"`},
		{"unknown service", "la", func(f url.Values) { f["services_requested"] = []string{"salt", "astrology"} }, 422,
			"services_requested-paediatrics", "Choose services from the list", ""},
		{"reference too long", "la", func(f url.Values) { f.Set("la_reference", strings.Repeat("R", 51)) }, 422,
			"la_reference", "The LA reference must be 50 characters or fewer", strings.Repeat("R", 51)},
		{"reference with a control character", "la", func(f url.Values) { f.Set("la_reference", "EHC\x07BELL") }, 422,
			"la_reference", "The LA reference must not contain special characters such as tabs or line breaks", ""},
		{"note too long", "la", func(f url.Values) { f.Set("request_note", strings.Repeat("n", 2001)) }, 422,
			"request_note", "The note must be 2000 characters or fewer", strings.Repeat("n", 2001)},
		{"reference already used", "la", func(f url.Values) { f.Set("la_reference", "EHC-TAKEN") }, 409,
			"la_reference", "Your LA has already sent a request with this reference", `value="EHC-TAKEN"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := e.adviceNow(rq.ID)
			f := adviceEditForm(before)
			f.Set("request_note", "Typed before the mistake")
			tc.change(f)
			res := e.as(tc.who).post(editPath(rq.ID), f)
			if res.StatusCode != tc.status {
				t.Fatalf("got %d, want %d\n%s", res.StatusCode, tc.status, res.Body)
			}
			body := html.UnescapeString(res.Body)
			mustContain(t, "re-shown form", body, "There is a problem", `<a href="#`+tc.anchor+`">`+tc.msg,
				`id="`+tc.anchor+`"`, "<title>Error: ", `name="version" value="`+itoa(before.Version)+`"`)
			if tc.kept != "" {
				mustContain(t, "re-shown form", res.Body, tc.kept)
			}
			if f.Get("request_note") == "Typed before the mistake" {
				mustContain(t, "re-shown form", res.Body, "Typed before the mistake")
			}
			if after := e.adviceNow(rq.ID); !sameDetails(before, after) {
				t.Errorf("bad input was stored: %+v", after)
			}
		})
	}
	if a := e.audit("advice.update"); len(a) != 0 {
		t.Errorf("refused saves were audited as changes: %+v", a)
	}
}

// Someone else saves the request after the form was drawn: the save is
// refused with the NHS.UK conflict message, what was typed is kept, and
// the other person's change stands.
func TestAdviceEditConflict(t *testing.T) {
	e := newEnv(t)
	la := e.as("la")
	rq := e.openAdvice(e.childA, 5, "EHC-RACE")
	form := la.get(editPath(rq.ID))
	mustContain(t, "edit page", form.Body, `name="version" value="`+itoa(rq.Version)+`"`)

	// The DCO team changes the note first.
	other := rq
	other.RequestNote = "Changed by the DCO"
	if err := e.advice().UpdateAdviceRequest(context.Background(), store.System, send.DefaultCalendar(), &other); err != nil {
		t.Fatal(err)
	}

	f := adviceEditForm(rq)
	f.Set("la_reference", "EHC-MINE")
	f.Set("request_note", "Typed by the LA")
	res := la.post(editPath(rq.ID), f)
	if res.StatusCode != http.StatusConflict {
		t.Fatalf("stale save: got %d, want 409\n%s", res.StatusCode, res.Body)
	}
	body := html.UnescapeString(res.Body)
	mustContain(t, "conflict page", body, "There is a problem", conflictMessage, "changed by someone else",
		`value="EHC-MINE"`, "Typed by the LA")
	got := e.adviceNow(rq.ID)
	if got.RequestNote != "Changed by the DCO" || got.LAReference != "EHC-RACE" || got.Version != rq.Version+1 {
		t.Errorf("after the refused save: %+v", got)
	}

	// Saving again from the current version works.
	f.Set("version", itoa(got.Version))
	location(t, la.post(editPath(rq.ID), f))
	if got := e.adviceNow(rq.ID); got.LAReference != "EHC-MINE" || got.RequestNote != "Typed by the LA" {
		t.Errorf("after saving from the current version: %+v", got)
	}
}

// An LA caseworker cannot reach another LA's request to change it: the
// form and the save are "not found", exactly as the request's page is, and
// nothing changes.
func TestAdviceEditOtherLA(t *testing.T) {
	e := newEnv(t)
	rq := e.openAdvice(e.childB, 5, "EHC-BETA")
	la := e.as("la") // LA A
	f := adviceEditForm(rq)
	f.Set("la_reference", "HIJACKED")
	for _, tc := range []struct {
		name string
		res  response
	}{
		{"request page", la.get(advicePath(rq.ID))},
		{"edit page", la.get(editPath(rq.ID))},
		{"save", la.post(editPath(rq.ID), f)},
		{"save with no form", la.post(editPath(rq.ID), url.Values{})},
	} {
		if tc.res.StatusCode != http.StatusNotFound {
			t.Errorf("%s of another LA's request: got %d, want 404", tc.name, tc.res.StatusCode)
		}
		for _, s := range append(secrets(e.childB), "EHC-BETA") {
			if strings.Contains(tc.res.Body, s) {
				t.Errorf("%s shows %q", tc.name, s)
			}
		}
	}
	if got := e.adviceNow(rq.ID); !sameDetails(rq, got) {
		t.Errorf("another LA changed the request: %+v", got)
	}
	// Its own LA may.
	location(t, e.as("laB").post(editPath(rq.ID), f))
	if got := e.adviceNow(rq.ID); got.LAReference != "HIJACKED" {
		t.Errorf("own LA's save: %+v", got)
	}
}

// Clinicians, providers, viewers and administrators cannot change a
// request's details, even one a clinician is working on; they are not
// offered the link.
func TestAdviceEditRefusedRoles(t *testing.T) {
	e := newEnv(t)
	rq := e.openAdvice(e.childA, 5, "EHC-ROLES")
	if _, err := e.advice().AddAdviceContribution(context.Background(), store.System, rq.ID, "salt", e.users["clinician"].ID); err != nil {
		t.Fatal(err)
	}
	rq = e.adviceNow(rq.ID)
	view := e.as("clinician").get(advicePath(rq.ID))
	if view.StatusCode != http.StatusOK || strings.Contains(view.Body, `id="edit-details"`) {
		t.Errorf("clinician's request page: got %d, with the change link: %v", view.StatusCode, strings.Contains(view.Body, `id="edit-details"`))
	}
	f := adviceEditForm(rq)
	f.Set("la_reference", "NOT-YOURS")
	for _, key := range []string{"clinician", "provider", "viewer", "admin"} {
		c := e.as(key)
		refusedBefore := len(e.audit(store.ActionAccessRefused))
		if res := c.get(editPath(rq.ID)); res.StatusCode != http.StatusForbidden {
			t.Errorf("%s GET: got %d, want 403", key, res.StatusCode)
		}
		if res := c.post(editPath(rq.ID), f); res.StatusCode != http.StatusForbidden {
			t.Errorf("%s POST: got %d, want 403", key, res.StatusCode)
		}
		if n := len(e.audit(store.ActionAccessRefused)); n < refusedBefore+2 {
			t.Errorf("%s: refusals not audited (%d new rows)", key, n-refusedBefore)
		}
	}
	if got := e.adviceNow(rq.ID); !sameDetails(rq, got) {
		t.Errorf("a refused role changed the request: %+v", got)
	}
}

// A returned or withdrawn request cannot be changed: the page says why and
// draws no form, a save is refused with 409 and stores nothing, and the
// request's page offers no link.
func TestAdviceEditClosed(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	today := send.Today(e.clock.Now())
	returned := e.adviceNow(e.adviceFor(e.childA).request) // returned to LA A by the matrix set-up
	withdrawn := e.openAdvice(e.childA, 5, "EHC-GONE")
	if err := e.advice().WithdrawAdviceRequest(ctx, store.System, withdrawn.ID, withdrawn.Version, today); err != nil {
		t.Fatal(err)
	}
	withdrawn = e.adviceNow(withdrawn.ID)
	for _, tc := range []struct {
		name string
		rq   advicedb.Request
		want string
	}{
		{"returned", returned, "This request was returned to Alphashire on " + today.Long() + ". Its details can no longer be changed."},
		{"withdrawn", withdrawn, "This request was withdrawn on " + today.Long() + ". Its details can no longer be changed."},
	} {
		for _, key := range []string{"la", "dco"} {
			c := e.as(key)
			view := c.get(advicePath(tc.rq.ID))
			if strings.Contains(view.Body, `id="edit-details"`) {
				t.Errorf("%s %s request page offers the change link", key, tc.name)
			}
			page := c.get(editPath(tc.rq.ID))
			if page.StatusCode != http.StatusOK || strings.Contains(page.Body, `name="la_reference"`) {
				t.Errorf("%s %s edit page: got %d, or a form", key, tc.name, page.StatusCode)
			}
			mustContain(t, key+" "+tc.name+" edit page", html.UnescapeString(page.Body), tc.want)
			f := adviceEditForm(tc.rq)
			f.Set("la_reference", "TOO-LATE")
			res := c.post(editPath(tc.rq.ID), f)
			if res.StatusCode != http.StatusConflict {
				t.Errorf("%s %s save: got %d, want 409", key, tc.name, res.StatusCode)
			}
			mustContain(t, key+" "+tc.name+" save", html.UnescapeString(res.Body), tc.want)
			if got := e.adviceNow(tc.rq.ID); !sameDetails(tc.rq, got) {
				t.Errorf("%s changed a %s request: %+v", key, tc.name, got)
			}
		}
	}
}

// The LA withdraws the request while the DCO team saves a change to it,
// both from the same version: exactly one succeeds. When the withdrawal
// wins, the change is refused with the reason, not only "changed by
// someone else", and nothing of it is stored.
func TestAdviceEditWithdrawnMeanwhile(t *testing.T) {
	e := newEnv(t)
	today := send.Today(e.clock.Now())
	for i := range 5 {
		rq := e.openAdvice(e.childA, 5, fmt.Sprintf("EHC-RACE-%d", i))
		edit := adviceEditForm(rq)
		edit.Set("request_note", "Changed in the race")
		withdraw := url.Values{"version": {itoa(rq.Version)}}
		dateForm(withdraw, "withdrawn_on", today)
		dco, la := e.as("dco"), e.as("la")
		var wg sync.WaitGroup
		var edited, withdrawn response
		wg.Add(2)
		go func() { defer wg.Done(); edited = dco.post(editPath(rq.ID), edit) }()
		go func() { defer wg.Done(); withdrawn = la.post(advicePath(rq.ID)+"/withdraw", withdraw) }()
		wg.Wait()
		got := e.adviceNow(rq.ID)
		switch {
		case edited.StatusCode == http.StatusSeeOther && withdrawn.StatusCode == http.StatusConflict:
			if got.State != advice.StateOpen || got.RequestNote != "Changed in the race" {
				t.Errorf("edit won, but stored: %+v", got)
			}
		case withdrawn.StatusCode == http.StatusSeeOther && edited.StatusCode == http.StatusConflict:
			mustContain(t, "refused edit", edited.Body, "This request was withdrawn on "+today.Long())
			if got.State != advice.StateWithdrawn || got.RequestNote != rq.RequestNote {
				t.Errorf("withdrawal won, but stored: %+v", got)
			}
		default:
			t.Errorf("edit %d, withdraw %d: want one 303 and one 409", edited.StatusCode, withdrawn.StatusCode)
		}
	}
}
