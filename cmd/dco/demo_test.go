package main

import (
	"context"
	"strings"
	"testing"

	"dco/internal/auth"
	"dco/internal/demo"
	"dco/internal/store"
)

func TestDemoGeneratedPassword(t *testing.T) {
	c := newCLI(t)
	out := c.must("", "demo")
	if !strings.HasPrefix(out, "Seeded the demo ICB (QOX): 3 local authorities, 6 providers, 300 synthetic children.\n") {
		t.Errorf("first run: got\n%s", out)
	}
	for _, email := range demo.Emails() {
		if !strings.Contains(out, email) {
			t.Errorf("first run does not list %s", email)
		}
	}
	const marker = "Password for every demo user (shown this once, not stored anywhere): "
	i := strings.Index(out, marker)
	if i < 0 {
		t.Fatalf("first run shows no generated password:\n%s", out)
	}
	password, _, _ := strings.Cut(out[i+len(marker):], "\n")

	ctx := context.Background()
	s := c.store()
	u, err := s.GetUserByEmail(ctx, "dco@demo.dco.test")
	if err != nil {
		t.Fatal(err)
	}
	if ok, _ := auth.CheckPassword(u.PasswordHash, password); !ok {
		t.Errorf("the printed password %q does not sign in", password)
	}
	if n, _ := s.CountChildren(ctx, store.System); n != 300 {
		t.Errorf("children: got %d, want 300", n)
	}

	again := c.must("", "demo")
	if strings.Contains(again, password) || !strings.HasPrefix(again, "The demo ICB is already seeded; nothing was added.\n") ||
		!strings.Contains(again, "shown when they were created") || !strings.Contains(again, "la.wiltshire@demo.dco.test") {
		t.Errorf("second run: got\n%s\nwant the users, no password and no new data", again)
	}
	if n, _ := s.CountChildren(ctx, store.System); n != 300 {
		t.Errorf("children after a second run: got %d, want still 300", n)
	}
}

func TestDemoPasswordFromEnvironment(t *testing.T) {
	c := newCLI(t)
	c.vars["DCO_DEMO_PASSWORD"] = "demo-password-from-env"
	out := c.must("", "demo")
	if strings.Contains(out, "demo-password-from-env") || !strings.Contains(out, "the one in DCO_DEMO_PASSWORD") {
		t.Errorf("got\n%s\nwant the password named, never echoed", out)
	}
	u, err := c.store().GetUserByEmail(context.Background(), "la.swindon@demo.dco.test")
	if err != nil {
		t.Fatal(err)
	}
	if ok, _ := auth.CheckPassword(u.PasswordHash, "demo-password-from-env"); !ok {
		t.Error("DCO_DEMO_PASSWORD does not sign in")
	}

	c.vars["DCO_DEMO_PASSWORD"] = "short"
	if code, _, errOut := c.run("", "demo"); code != 2 || !strings.Contains(errOut, "at least 12 characters") {
		t.Errorf("short password: got exit %d, %q", code, errOut)
	}
}

func TestDemoRefusesARealDatabase(t *testing.T) {
	c := newCLI(t)
	c.seedOrgs()
	code, out, errOut := c.run("", "demo")
	if code != 1 || out != "" || !strings.Contains(errOut, "seed a new, empty database") {
		t.Errorf("got exit %d, stdout %q, stderr %q; want a refusal", code, out, errOut)
	}
	users, _ := c.store().ListUsers(context.Background())
	if len(users) != 0 {
		t.Errorf("demo users were made in a real database: %d", len(users))
	}
}
