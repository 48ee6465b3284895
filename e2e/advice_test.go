package e2e

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"dco/internal/send"
)

// adviceDateBoxes types a date into an NHS.UK date input.
func adviceDateBoxes(name string, d send.Date) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(
		chromedp.SetValue(chromedp.CSS(`#`+name+`-day`), strconv.Itoa(d.Day())),
		chromedp.SetValue(chromedp.CSS(`#`+name+`-month`), strconv.Itoa(int(d.Month()))),
		chromedp.SetValue(chromedp.CSS(`#`+name+`-year`), strconv.Itoa(d.Year())),
	)
}

// TestAdviceJourney is docs/design.md §8 journey 1: an LA caseworker sends a
// request for health advice, the DCO triages and assigns it, the clinician
// returns advice, the DCO sends the combined response and the LA reads it,
// on time.
func TestAdviceJourney(t *testing.T) {
	laCtx := browser(t)
	srv := startServer(t)
	today := send.Today(time.Now())
	received := today.AddDays(-3)
	due := received.AddDays(42) // the six weeks of reg 8(1), as the page should show it

	// 1. The LA caseworker records the request, registering the child.
	err := chromedp.Do(laCtx, signIn(srv.URL, "la.banes@demo.dco.test"),
		chromedp.Navigate(srv.URL+"/advice-requests/new"),
		chromedp.WaitVisible(chromedp.CSS(`#nhs_number`)),
		chromedp.SendKeys(chromedp.CSS(`#nhs_number`), "999 999 0118"),
		chromedp.SendKeys(chromedp.CSS(`#given_name`), "Poppy"),
		chromedp.SendKeys(chromedp.CSS(`#family_name`), "Journeyman"),
		adviceDateBoxes("date_of_birth", send.NewDate(2019, 5, 14)),
		chromedp.SendKeys(chromedp.CSS(`#la_reference`), "BANES/EHCNA/E2E1"),
		adviceDateBoxes("received_on", received),
		chromedp.Click(chromedp.CSS(`#services_requested-salt`)),
		follow(`form[action="/advice-requests"] button[type="submit"]`),
		chromedp.WaitVisible(chromedp.CSS(`#advice-status`)),
	)
	screenshot(laCtx, t, "advice-1-la-request")
	if err != nil {
		t.Fatalf("LA records the request: %v", err)
	}
	requestURL, err := chromedp.Run(laCtx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	if got := text(laCtx, t, "#advice-due"); !strings.Contains(got, due.Long()) || !strings.Contains(got, "due in 39 days") {
		t.Errorf("due date: got %q, want %s, due in 39 days", got, due.Long())
	}
	if body := text(laCtx, t, "body"); !strings.Contains(body, "Advice request recorded") {
		t.Errorf("no confirmation banner after recording the request")
	}

	// 2. The DCO finds it unassigned, triages it and assigns the clinician.
	dcoCtx := browser(t)
	err = chromedp.Do(dcoCtx, signIn(srv.URL, "dco@demo.dco.test"))
	screenshot(dcoCtx, t, "advice-2-dco-home")
	if err != nil {
		t.Fatalf("DCO signs in: %v", err)
	}
	// The one-click answer: which requests will miss six weeks this week,
	// and whose are they. The demo has some; the new request is not one.
	err = chromedp.Do(dcoCtx,
		follow(`a[href="/advice-requests/at-risk"]`),
		chromedp.WaitVisible(chromedp.CSS(`#whose`)),
	)
	screenshot(dcoCtx, t, "advice-2-dco-at-risk")
	if err != nil {
		t.Fatalf("DCO opens the requests at risk: %v", err)
	}
	if body := text(dcoCtx, t, "main"); strings.Contains(body, "Journeyman") || !strings.Contains(body, "Demo Clinician") {
		t.Errorf("at-risk page: the new request is listed, or the demo clinician's are not")
	}
	err = chromedp.Do(dcoCtx,
		chromedp.Navigate(requestURL),
		chromedp.WaitVisible(chromedp.CSS(`#triage-link`)),
		follow(`#triage-link`),
		chromedp.WaitVisible(chromedp.CSS(`#triage-known`)),
		chromedp.Click(chromedp.CSS(`#triage-known`)),
		// Speech and language therapy is ticked already: the LA asked for it.
		chromedp.WaitVisible(chromedp.CSS(`#known_services-salt:checked`)),
		follow(`#save-triage`),
		chromedp.WaitVisible(chromedp.CSS(`#triage-link`)),
		follow(`#triage-link`),
		chromedp.WaitVisible(chromedp.CSS(`#service`)),
		chromedp.SetValue(chromedp.CSS(`#service`), "salt"),
	)
	if err != nil {
		t.Fatalf("DCO triages: %v", err)
	}
	chosen, err := chromedp.Run(dcoCtx, chromedp.Evaluate[bool](`(() => { const s = document.querySelector("#assignee_id");
		for (const o of s.options) { if (o.text === "Demo Clinician") { s.value = o.value; return true } } return false })()`))
	if err != nil || !chosen {
		t.Fatalf("choose the demo clinician: %v %v", chosen, err)
	}
	err = chromedp.Do(dcoCtx,
		follow(`#assign`),
		chromedp.WaitVisible(chromedp.CSS(`#assigned`)),
	)
	screenshot(dcoCtx, t, "advice-2-dco-triage")
	if err != nil {
		t.Fatalf("DCO triages and assigns: %v", err)
	}
	if got := text(dcoCtx, t, "#assigned"); !strings.Contains(got, "Demo Clinician") {
		t.Errorf("assigned: got %q", got)
	}

	// 3. The clinician finds it in their caseload and writes the advice.
	clinCtx := browser(t)
	err = chromedp.Do(clinCtx, signIn(srv.URL, "clinician@demo.dco.test"),
		chromedp.WaitVisible(chromedp.CSS(`main`)),
	)
	if err != nil {
		t.Fatalf("clinician signs in: %v", err)
	}
	if body := text(clinCtx, t, "main"); !strings.Contains(body, "Journeyman, Poppy") {
		t.Errorf("the clinician's caseload lacks the new request")
	}
	err = chromedp.Do(clinCtx,
		chromedp.Navigate(requestURL),
		chromedp.WaitVisible(chromedp.CSS(`#contributions a`)),
		follow(`#contributions a`),
		chromedp.WaitVisible(chromedp.CSS(`#needs`)),
		chromedp.SendKeys(chromedp.CSS(`#needs`), "Speech sound disorder affecting intelligibility in class."),
		chromedp.SendKeys(chromedp.CSS(`#provision-1-who`), "Speech and language therapist"),
		chromedp.SendKeys(chromedp.CSS(`#provision-1-what`), "Direct therapy for speech sounds"),
		chromedp.SendKeys(chromedp.CSS(`#provision-1-how_often`), "Fortnightly"),
		chromedp.SendKeys(chromedp.CSS(`#provision-1-how_long`), "Two school terms"),
		chromedp.SendKeys(chromedp.CSS(`#outcomes`), "Understood by unfamiliar adults by the end of the summer term."),
		follow(`#save-advice`),
		chromedp.WaitVisible(chromedp.CSS(`#advice-status`)),
	)
	screenshot(clinCtx, t, "advice-3-clinician-advice")
	if err != nil {
		t.Fatalf("clinician returns advice: %v", err)
	}
	if body := text(clinCtx, t, "body"); !strings.Contains(body, "Advice saved and marked as returned") {
		t.Errorf("no confirmation after the advice was saved")
	}

	// 4. The DCO checks the combined response and sends it to the LA.
	err = chromedp.Do(dcoCtx,
		chromedp.Navigate(requestURL),
		chromedp.WaitVisible(chromedp.CSS(`#return-link`)),
		follow(`#return-link`),
		chromedp.WaitVisible(chromedp.CSS(`#send-response`)),
	)
	if err != nil {
		t.Fatalf("DCO opens the check page: %v", err)
	}
	if body := text(dcoCtx, t, "main"); !strings.Contains(body, "Direct therapy for speech sounds") {
		t.Errorf("the check page does not show the advice")
	}
	err = chromedp.Do(dcoCtx,
		follow(`#send-response`),
		chromedp.WaitVisible(chromedp.CSS(`#response-returned`)),
	)
	screenshot(dcoCtx, t, "advice-4-dco-returned")
	if err != nil {
		t.Fatalf("DCO sends the response: %v", err)
	}

	// 5. The LA reads the combined response, on time.
	err = chromedp.Do(laCtx,
		chromedp.Navigate(requestURL),
		chromedp.WaitVisible(chromedp.CSS(`#view-response`)),
		follow(`#view-response`),
		chromedp.WaitVisible(chromedp.CSS(`#response-returned`)),
	)
	screenshot(laCtx, t, "advice-5-la-response")
	if err != nil {
		t.Fatalf("LA opens the response: %v", err)
	}
	if got := text(laCtx, t, "#response-returned"); !strings.Contains(got, today.Long()) || !strings.Contains(got, "Returned on time") {
		t.Errorf("returned: got %q, want %s, returned on time", got, today.Long())
	}
	body := text(laCtx, t, "main")
	for _, want := range []string{"Speech sound disorder", "Fortnightly", "Two school terms", "Understood by unfamiliar adults"} {
		if !strings.Contains(body, want) {
			t.Errorf("the LA's response lacks %q", want)
		}
	}
}
