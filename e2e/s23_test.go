package e2e

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"dco/internal/send"
)

// complianceRow reads the cells of a provider's row in the compliance table.
func complianceRow(ctx context.Context, t *testing.T, provider string) []string {
	t.Helper()
	cells, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](fmt.Sprintf(`(() => {
		for (const tr of document.querySelectorAll("#compliance tbody tr")) {
			const th = tr.querySelector("th");
			if (th && th.textContent.includes(%q)) {
				return Array.from(tr.querySelectorAll("td")).map(td => {
					const c = td.cloneNode(true);
					c.querySelectorAll(".nhsuk-table-responsive__heading").forEach(h => h.remove());
					return c.textContent.trim();
				});
			}
		}
		return [];
	})()`, provider)))
	if err != nil {
		t.Fatalf("read the compliance row of %s: %v", provider, err)
	}
	return cells
}

// leadingNumber reads the count a cell starts with ("3 (75%)" is 3; a
// provider with no row yet has 0).
func leadingNumber(cells []string, i int) int {
	if i >= len(cells) {
		return 0
	}
	f := strings.Fields(cells[i])
	if len(f) == 0 {
		return 0
	}
	n, _ := strconv.Atoi(f[0])
	return n
}

// dateBoxes types a date into an NHS.UK date input.
func dateBoxes(name string, d send.Date) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(
		chromedp.SetValue(chromedp.CSS(`#`+name+`-day`), strconv.Itoa(d.Day())),
		chromedp.SetValue(chromedp.CSS(`#`+name+`-month`), strconv.Itoa(int(d.Month()))),
		chromedp.SetValue(chromedp.CSS(`#`+name+`-year`), strconv.Itoa(d.Year())),
	)
}

// TestS23Journey is docs/design.md §8 journey 2: a health visitor makes a Section 23
// notification with the parent informed first, the LA acknowledges it, and
// the DCO sees it counted in the provider's compliance.
func TestS23Journey(t *testing.T) {
	dcoCtx := browser(t)
	srv := startServer(t)
	today := send.Today(time.Now())
	notified := today.AddDays(-1)
	month := notified.String()[:7]
	const provider = "HCRG Care Group" // the demo provider user's organisation

	// The DCO's compliance for the month before anything happens.
	if err := chromedp.Do(dcoCtx, signIn(srv.URL, "dco@demo.dco.test"),
		chromedp.Navigate(srv.URL+"/s23-notifications/compliance?month="+month),
		chromedp.WaitVisible(chromedp.CSS(`#compliance`))); err != nil {
		t.Fatalf("DCO opens compliance: %v", err)
	}
	before := complianceRow(dcoCtx, t, provider)

	// The health visitor notifies: the parent was informed and offered a
	// discussion three days ago, the LA told yesterday.
	hv := browser(t)
	parent := today.AddDays(-3)
	err := chromedp.Do(hv, signIn(srv.URL, "provider@demo.dco.test"),
		follow(`a.nhsuk-header__navigation-link[href="/s23-notifications/new"]`),
		chromedp.WaitVisible(chromedp.CSS(`#nhs_number`)),
		chromedp.SendKeys(chromedp.CSS(`#nhs_number`), "999 999 0002"),
		chromedp.SendKeys(chromedp.CSS(`#given_name`), "Esme"),
		chromedp.SendKeys(chromedp.CSS(`#family_name`), "Journeytest"),
		dateBoxes("date_of_birth", today.AddDays(-760)),
		chromedp.SetValue(chromedp.CSS(`#child_la_code`), "866"),
		chromedp.SendKeys(chromedp.CSS(`#professional`), "E2E Health Visitor"),
		chromedp.Click(chromedp.CSS(`#needs-communication`)),
		chromedp.SendKeys(chromedp.CSS(`#reasons`), "Few words at the two-year review."),
		dateBoxes("parent_informed_on", parent),
		dateBoxes("discussion_offered_on", parent),
		chromedp.Click(chromedp.CSS(`#consent_to_share-yes`)),
		chromedp.SendKeys(chromedp.CSS(`#voluntary_orgs`), "Swindon Parent Carer Forum"),
		dateBoxes("la_notified_on", notified),
		follow(`main form[action="/s23-notifications/check"] button[type="submit"]`),
		chromedp.WaitVisible(chromedp.CSS(`#s23-confirm, .nhsuk-error-summary`)),
	)
	screenshot(hv, t, "s23-check")
	if err != nil {
		t.Fatalf("provider fills in the notification: %v", err)
	}
	if summary, _ := chromedp.Run(hv, chromedp.Evaluate[string](`(document.querySelector(".nhsuk-error-summary") || {}).textContent || ""`)); summary != "" {
		t.Fatalf("the notification was refused: %s", strings.Join(strings.Fields(summary), " "))
	}
	if h1 := text(hv, t, "main h1"); !strings.Contains(h1, "before sending the notification to Swindon") {
		t.Errorf("check page h1: %q", h1)
	}
	if err := chromedp.Do(hv, follow(`#s23-confirm`),
		chromedp.WaitVisible(chromedp.CSS(`.nhsuk-notification-banner--success`))); err != nil {
		t.Fatalf("provider sends the notification: %v", err)
	}
	screenshot(hv, t, "s23-sent")
	if banner := text(hv, t, ".nhsuk-notification-banner--success"); !strings.Contains(banner, "sent to the local authority") {
		t.Errorf("banner: %q", banner)
	}
	if tag := text(hv, t, "main .nhsuk-tag"); tag != "LA notified on time" {
		t.Errorf("provider's tag: %q", tag)
	}
	path, err := chromedp.Run(hv, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	path = path[len(srv.URL):]

	// The Swindon caseworker finds it in the inbox and acknowledges it.
	la := browser(t)
	if err := chromedp.Do(la, signIn(srv.URL, "la.swindon@demo.dco.test"),
		follow(`a.nhsuk-header__navigation-link[href="/s23-notifications"]`),
		chromedp.WaitVisible(chromedp.CSS(`a[href="`+path+`"]`)),
		follow(`a[href="`+path+`"]`),
		chromedp.WaitVisible(chromedp.CSS(`#acknowledge`))); err != nil {
		t.Fatalf("LA opens the notification: %v", err)
	}
	screenshot(la, t, "s23-la-inbox-item")
	if body := text(la, t, "main"); !strings.Contains(body, "received 1 day ago") || !strings.Contains(body, "Esme Journeytest") {
		t.Errorf("LA's view lacks the age or the child:\n%s", body)
	}
	if err := chromedp.Do(la, follow(`form[action$="/acknowledge"] button[type="submit"]`),
		chromedp.WaitVisible(chromedp.CSS(`.nhsuk-notification-banner--success`))); err != nil {
		t.Fatalf("LA acknowledges: %v", err)
	}
	if tag := text(la, t, "main .nhsuk-tag"); tag != "Acknowledged" {
		t.Errorf("LA's tag after acknowledging: %q", tag)
	}

	// The DCO sees it counted: one more notified, parent informed first,
	// within the local standard.
	if err := chromedp.Do(dcoCtx, chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(`#compliance`))); err != nil {
		t.Fatalf("DCO reloads compliance: %v", err)
	}
	screenshot(dcoCtx, t, "s23-compliance")
	after := complianceRow(dcoCtx, t, provider)
	for i, what := range []string{"LA notified", "parent informed first", "within the standard"} {
		if got, want := leadingNumber(after, i), leadingNumber(before, i)+1; got != want {
			t.Errorf("%s for %s: got %d (%v), want %d (before %v)", what, provider, got, after, want, before)
		}
	}
}
