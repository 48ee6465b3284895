package e2e

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// axeViolation is one rule axe-core found broken on a page.
type axeViolation struct {
	ID    string `json:"id"`
	Help  string `json:"help"`
	Nodes int    `json:"nodes"`
}

// checkAccessibility fails the test for every violation axe-core finds on
// the page the browser shows (docs/quality-bar.md §21).
func checkAccessibility(ctx context.Context, t *testing.T, page string) {
	t.Helper()
	screenshot(ctx, t, "axe"+strings.NewReplacer("/", "_", " ", "_", "→", "", "#", "", "@", "").Replace(page))
	for _, v := range axeViolations(ctx, t, page) {
		t.Errorf("%s: accessibility violation %s (%s) on %d element(s)", page, v.ID, v.Help, v.Nodes)
	}
}

// axeViolations runs axe-core (the npm package pinned in package-lock.json)
// on the page the browser shows, against WCAG 2.2 A and AA.
func axeViolations(ctx context.Context, t *testing.T, page string) []axeViolation {
	t.Helper()
	src, err := os.ReadFile(filepath.Join("..", "node_modules", "axe-core", "axe.min.js"))
	if err != nil {
		t.Fatalf("axe-core is not installed (make assets runs npm ci): %v", err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](string(src)+";true")); err != nil {
		t.Fatalf("load axe-core into %s: %v", page, err)
	}
	const run = `axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]}})
		.then(r => r.violations.map(v => ({id: v.id, help: v.help, nodes: v.nodes.length})))`
	vs, err := chromedp.Run(ctx, chromedp.Evaluate[[]axeViolation](run, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("run axe-core on %s: %v", page, err)
	}
	return vs
}

// TestAccessibilityOfEachRolesPages signs in as each demo role and checks
// its home page and the main list it works from with axe-core.
func TestAccessibilityOfEachRolesPages(t *testing.T) {
	srv := startServer(t)
	pages := map[string][]string{
		"dco@demo.dco.test":        {"/", "/children", "/s23-notifications", "/advice-requests", "/advice-requests/at-risk", "/s23-notifications/compliance", "/s23-notifications/settings"},
		"la.swindon@demo.dco.test": {"/", "/children", "/advice-requests", "/s23-notifications"},
		"clinician@demo.dco.test":  {"/", "/advice-requests"},
		"provider@demo.dco.test":   {"/", "/s23-notifications", "/s23-notifications/new"},
		"viewer@demo.dco.test":     {"/"},
		"admin@demo.dco.test":      {"/", "/admin/users", "/admin/orgs", "/admin/audit", "/admin/settings"},
	}
	// Record pages and forms, reached from a list: the first link on the
	// list whose path matches, then that path with each suffix.
	type detail struct {
		list, path string // path: a regular expression for the link
		suffixes   []string
		then       string // a link to follow from the record page, and check
	}
	details := map[string][]detail{
		"dco@demo.dco.test": {
			{"/children", `^/children/\d+$`, []string{"", "/edit", "/access"}, ""},
			{"/advice-requests/at-risk", `^/advice-requests/\d+$`, []string{"", "/edit", "/triage", "/return", "/withdraw"}, "#contributions a"},
			{"/s23-notifications", `^/s23-notifications/\d+$`, []string{"", "/edit", "/parent-letter", "/la-letter"}, ""},
		},
		"la.swindon@demo.dco.test": {
			{"/advice-requests", `^/advice-requests/\d+$`, []string{"", "/edit"}, ""},
			{"/s23-notifications", `^/s23-notifications/\d+$`, []string{""}, ""},
		},
		"clinician@demo.dco.test": {
			{"/", `^/advice-requests/\d+$`, []string{""}, "#contributions a"},
		},
	}
	// Forms sent empty: the error summary and the fields' errors.
	emptyForms := map[string][]string{
		"dco@demo.dco.test":        {"/children/new"},
		"la.swindon@demo.dco.test": {"/advice-requests/new"},
		"provider@demo.dco.test":   {"/s23-notifications/new"},
	}
	for email, paths := range pages {
		t.Run(strings.Split(email, "@")[0], func(t *testing.T) {
			ctx := browser(t)
			if err := chromedp.Do(ctx, signIn(srv.URL, email)); err != nil {
				t.Fatalf("sign in: %v", err)
			}
			open := func(p string) {
				t.Helper()
				if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+p), chromedp.WaitVisible(chromedp.CSS("main h1"))); err != nil {
					t.Fatalf("open %s: %v", p, err)
				}
			}
			for _, p := range paths {
				open(p)
				checkAccessibility(ctx, t, p)
			}
			for _, d := range details[email] {
				open(d.list)
				href, err := chromedp.Run(ctx, chromedp.Evaluate[string](`[...document.querySelectorAll("main a")].map(a => a.getAttribute("href")).find(h => new RegExp(`+strconv.Quote(d.path)+`).test(h || "")) || ""`))
				if err != nil || href == "" {
					t.Fatalf("%s has no link matching %s: %v", d.list, d.path, err)
				}
				for _, suffix := range d.suffixes {
					open(href + suffix)
					checkAccessibility(ctx, t, href+suffix)
				}
				if d.then != "" {
					open(href)
					if err := chromedp.Do(ctx, follow(d.then), chromedp.WaitVisible(chromedp.CSS("main h1"))); err != nil {
						t.Fatalf("%s: follow %s: %v", href, d.then, err)
					}
					checkAccessibility(ctx, t, href+" → "+d.then)
				}
			}
			for _, form := range emptyForms[email] {
				open(form)
				if err := chromedp.Do(ctx, follow(`main form button[type="submit"]`),
					chromedp.WaitVisible(chromedp.CSS(".nhsuk-error-summary"))); err != nil {
					t.Fatalf("send %s empty: %v", form, err)
				}
				checkAccessibility(ctx, t, form+" sent empty")
			}
		})
	}
	t.Run("sign-in page", func(t *testing.T) {
		ctx := browser(t)
		if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/sign-in"), chromedp.WaitVisible(chromedp.CSS("main h1"))); err != nil {
			t.Fatal(err)
		}
		checkAccessibility(ctx, t, "/sign-in")
	})
	// The check itself is checked: an image with no text alternative,
	// added to a page, must be reported.
	t.Run("axe reports a planted violation", func(t *testing.T) {
		ctx := browser(t)
		if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/sign-in"), chromedp.WaitVisible(chromedp.CSS("main h1"))); err != nil {
			t.Fatal(err)
		}
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector("main").appendChild(document.createElement("img")) && true`)); err != nil {
			t.Fatal(err)
		}
		vs := axeViolations(ctx, t, "/sign-in with a planted image")
		found := false
		for _, v := range vs {
			found = found || v.ID == "image-alt"
		}
		if !found {
			t.Errorf("got violations %v, want image-alt among them", vs)
		}
	})
}
