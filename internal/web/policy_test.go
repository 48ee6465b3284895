package web

import (
	"bufio"
	"os"
	"slices"
	"strings"
	"testing"

	"dco/internal/store"
)

// policyOf describes who may use a route as the reviewed file writes it.
func policyOf(ri RouteInfo) string {
	switch {
	case ri.Public:
		return "public"
	case len(ri.Roles) == 0:
		return "signed-in"
	}
	roles := make([]string, len(ri.Roles))
	for i, r := range ri.Roles {
		roles[i] = string(r)
	}
	return strings.Join(roles, " ")
}

// TestRoutePolicyReviewed holds the route table to testdata/access-policy.txt,
// the policy as reviewed against docs/design.md §2, both ways: no route without a
// reviewed line, no reviewed line without its route, no difference in who.
// TestAccessMatrix then proves the server enforces the table; this proves the
// table is the one that was reviewed.
func TestRoutePolicyReviewed(t *testing.T) {
	f, err := os.Open("testdata/access-policy.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	reviewed := map[string]string{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Fields(line)
		if len(fields) < 3 {
			t.Fatalf("access-policy.txt:%d: want METHOD PATH WHO, got %q", n, line)
		}
		pattern := fields[0] + " " + fields[1]
		if _, dup := reviewed[pattern]; dup {
			t.Errorf("access-policy.txt:%d: %s twice", n, pattern)
		}
		reviewed[pattern] = strings.Join(fields[2:], " ")
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, ri := range allRoutes() {
		seen[ri.Pattern] = true
		want, ok := reviewed[ri.Pattern]
		switch {
		case !ok:
			t.Errorf("%s (%s) is not in testdata/access-policy.txt: review who may use it and add it", ri.Pattern, policyOf(ri))
		case want != policyOf(ri):
			t.Errorf("%s: routes.go allows %q, the reviewed policy %q", ri.Pattern, policyOf(ri), want)
		}
	}
	for pattern := range reviewed {
		if !seen[pattern] {
			t.Errorf("%s is in testdata/access-policy.txt but not a route", pattern)
		}
	}
}

// TestRoutePolicyRules checks the route table against rules taken straight
// from docs/design.md §2, independent of any table: the viewer sees aggregates only,
// the admin no case data, the API serves neither, Section 23 is not a
// clinician's business, and every admin page is the admin's alone.
func TestRoutePolicyRules(t *testing.T) {
	everyone := []string{"GET /{$}", "POST /sign-out", "GET /account/password", "POST /account/password"}
	for _, ri := range allRoutes() {
		if ri.Public {
			continue
		}
		path := ri.Path
		admin := strings.HasPrefix(path, "/admin/")
		if ri.Allows(store.RoleViewer) && !slices.Contains(everyone, ri.Pattern) {
			t.Errorf("%s: the viewer (aggregates only) may use it", ri.Pattern)
		}
		if ri.Allows(store.RoleAdmin) && !admin && !slices.Contains(everyone, ri.Pattern) {
			t.Errorf("%s: the admin (no case data) may use it", ri.Pattern)
		}
		if admin && policyOf(ri) != "admin" {
			t.Errorf("%s: an admin page open to %s", ri.Pattern, policyOf(ri))
		}
		if ri.API && (ri.Allows(store.RoleViewer) || ri.Allows(store.RoleAdmin)) {
			t.Errorf("%s: the API serves case data, yet allows %s", ri.Pattern, policyOf(ri))
		}
		if strings.Contains(path, "s23-notifications") && ri.Allows(store.RoleClinician) {
			t.Errorf("%s: Section 23 notifications are the providers', the LAs' and the DCO's, not a clinician's", ri.Pattern)
		}
		if (strings.Contains(path, "/triage") || strings.Contains(path, "/return") || strings.HasSuffix(path, "/assign") ||
			strings.HasSuffix(path, "/contributions") || strings.Contains(path, "/at-risk") || strings.HasSuffix(path, "/access") ||
			strings.Contains(path, "/settings")) && policyOf(ri) != "dco" && !admin {
			t.Errorf("%s: DCO work open to %s", ri.Pattern, policyOf(ri))
		}
		if ri.Method != "GET" && ri.Allows(store.RoleViewer) && ri.Pattern != "POST /sign-out" && ri.Pattern != "POST /account/password" {
			t.Errorf("%s: the viewer changes something", ri.Pattern)
		}
	}
}
