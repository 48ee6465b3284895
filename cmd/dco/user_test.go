package main

import (
	"bytes"
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"dco/internal/auth"
	"dco/internal/errs"
	"dco/internal/store"
)

// cli runs dco commands against one temporary SQLite database, as a person
// at a terminal would, through the real dispatcher.
type cli struct {
	t    *testing.T
	db   string
	vars map[string]string
}

// cliNow is the fixed clock of cli runs.
var cliNow = time.Date(2025, time.June, 30, 11, 0, 0, 0, time.UTC)

func newCLI(t *testing.T) *cli {
	t.Helper()
	db := filepath.Join(t.TempDir(), "dco.db")
	return &cli{t: t, db: db, vars: map[string]string{"DCO_DATABASE": db, "DCO_LOG_LEVEL": "warn"}}
}

// run runs dco with args and stdin and returns the exit code and both streams.
func (c *cli) run(stdin string, args ...string) (code int, stdout, stderr string) {
	c.t.Helper()
	var out, errOut bytes.Buffer
	env := &Env{
		Stdout: &out,
		Stderr: &errOut,
		Stdin:  strings.NewReader(stdin),
		Getenv: func(k string) string { return c.vars[k] },
		Now:    func() time.Time { return cliNow },
	}
	code = run(context.Background(), env, args)
	return code, out.String(), errOut.String()
}

// must runs dco and fails the test unless it exits 0.
func (c *cli) must(stdin string, args ...string) string {
	c.t.Helper()
	code, out, errOut := c.run(stdin, args...)
	if code != 0 {
		c.t.Fatalf("dco %s: exit %d, want 0\nstdout: %s\nstderr: %s", strings.Join(args, " "), code, out, errOut)
	}
	return out
}

// store opens the database the commands use, to check what they did.
func (c *cli) store() *store.Store {
	c.t.Helper()
	s, err := store.Open(context.Background(), c.db, slog.New(slog.DiscardHandler))
	if err != nil {
		c.t.Fatal(err)
	}
	c.t.Cleanup(func() { s.Close() })
	s.Now = func() time.Time { return cliNow } // the commands' clock
	return s
}

// seedOrgs adds an ICB, two LAs and a provider through dco org add.
func (c *cli) seedOrgs() {
	c.t.Helper()
	c.must("", "org", "add", "--kind", "icb", "--name", "NHS BSW ICB", "--code", "QOX", "--ons", "E54000040")
	c.must("", "org", "add", "--kind", "la", "--name", "Bath and North East Somerset", "--code", "800", "--ons", "E06000022")
	c.must("", "org", "add", "--kind", "la", "--name", "Swindon", "--code", "866", "--ons", "E06000030")
	c.must("", "org", "add", "--kind", "provider", "--name", "HCRG Care Group", "--code", "DEMO1")
}

const cliPassword = "a long enough passphrase\n"

func TestUserAdd(t *testing.T) {
	c := newCLI(t)
	c.seedOrgs()
	tests := []struct {
		name   string
		stdin  string
		args   []string
		code   int
		stdout string
		stderr string // a fragment of stderr
	}{
		{"la by ons code", cliPassword, []string{"--email", "Jo.Bloggs@Swindon.gov.uk", "--role", "la", "--la", "E06000030", "--password-stdin"},
			0, "Added user jo.bloggs@swindon.gov.uk (role la)\n", ""},
		{"la by dfe number", cliPassword, []string{"--email", "sam@bathnes.gov.uk", "--role", "la", "--la", "800", "--name", "Sam Smith", "--password-stdin"},
			0, "Added user sam@bathnes.gov.uk (role la)\n", ""},
		{"provider", "a long enough passphrase\r\n", []string{"--email", "hv@hcrg.nhs.uk", "--role", "provider", "--org", "demo1", "--password-stdin"},
			0, "Added user hv@hcrg.nhs.uk (role provider)\n", ""},
		{"dco with icb", cliPassword, []string{"--email", "dco@bsw.nhs.uk", "--role", "dco", "--org", "QOX", "--password-stdin"},
			0, "Added user dco@bsw.nhs.uk (role dco)\n", ""},
		{"admin", cliPassword, []string{"--role", "admin", "--email", "admin@bsw.nhs.uk", "--password-stdin"},
			0, "Added user admin@bsw.nhs.uk (role admin)\n", ""},
		{"duplicate email", cliPassword, []string{"--email", "JO.BLOGGS@swindon.gov.uk", "--role", "viewer", "--org", "QOX", "--password-stdin"},
			1, "", "dco user add: email: A user with this email address already exists\n"},
		{"short password", "too short\n", []string{"--email", "x@bsw.nhs.uk", "--role", "admin", "--password-stdin"},
			1, "", "a password must be at least 12 characters"},
		{"empty stdin", "", []string{"--email", "x@bsw.nhs.uk", "--role", "admin", "--password-stdin"},
			1, "", "read the password from standard input: it is empty"},
		{"unknown la", cliPassword, []string{"--email", "x@bsw.nhs.uk", "--role", "la", "--la", "999", "--password-stdin"},
			1, "", `no local authority has DfE number or ONS code "999"`},
		{"unknown provider", cliPassword, []string{"--email", "x@bsw.nhs.uk", "--role", "provider", "--org", "RXX", "--password-stdin"},
			1, "", `no provider has ODS code "RXX"`},
		{"bad email", cliPassword, []string{"--email", "not-an-address", "--role", "admin", "--password-stdin"},
			1, "", "dco user add: email: Enter an email address in the correct format"},
		{"no password flag", cliPassword, []string{"--email", "x@bsw.nhs.uk", "--role", "admin"},
			2, "", "give the password on standard input with --password-stdin"},
		{"no email", cliPassword, []string{"--role", "viewer", "--password-stdin"}, 2, "", "--email is required"},
		{"no role", cliPassword, []string{"--email", "x@bsw.nhs.uk", "--password-stdin"}, 2, "", "--role is required"},
		{"bad role", cliPassword, []string{"--email", "x@bsw.nhs.uk", "--role", "boss", "--password-stdin"}, 2, "", `role "boss" is not one of`},
		{"la without --la", cliPassword, []string{"--email", "x@bsw.nhs.uk", "--role", "la", "--password-stdin"}, 2, "", "an la user needs --la"},
		{"--la for another role", cliPassword, []string{"--email", "x@bsw.nhs.uk", "--role", "dco", "--la", "800", "--password-stdin"}, 2, "", "drop --la"},
		{"provider without --org", cliPassword, []string{"--email", "x@bsw.nhs.uk", "--role", "provider", "--password-stdin"}, 2, "", "a provider user needs --org"},
		// Every case-data account belongs to one ICB (issue 8): a DCO of no
		// ICB would see no child; before, it saw every ICB's.
		{"dco without --org", cliPassword, []string{"--email", "x@bsw.nhs.uk", "--role", "dco", "--password-stdin"}, 2, "",
			"a dco user needs --org, the ODS code of their ICB"},
		{"clinician without --org", cliPassword, []string{"--email", "x@bsw.nhs.uk", "--role", "clinician", "--password-stdin"}, 2, "",
			"a clinician user needs --org, the ODS code of the provider they work for"},
		{"viewer without --org", cliPassword, []string{"--email", "x@bsw.nhs.uk", "--role", "viewer", "--password-stdin"}, 2, "",
			"a viewer user needs --org, the ODS code of their ICB"},
		{"dco with a provider's code", cliPassword, []string{"--email", "x@bsw.nhs.uk", "--role", "dco", "--org", "DEMO1", "--password-stdin"}, 1, "",
			`no icb has ODS code "DEMO1"`},
		{"clinician must change password", cliPassword, []string{"--email", "clin@hcrg.nhs.uk", "--role", "clinician", "--org", "DEMO1",
			"--must-change-password", "--password-stdin"}, 0, "Added user clin@hcrg.nhs.uk (role clinician)\n", ""},
		{"unknown flag", cliPassword, []string{"--email", "x@bsw.nhs.uk", "--password", "secret"}, 2, "*", "flag provided but not defined: -password"},
		{"stray argument", cliPassword, []string{"--email", "x@bsw.nhs.uk", "--role", "dco", "--password-stdin", "extra"}, 2, "", `unexpected argument "extra"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := c.run(tc.stdin, append([]string{"user", "add"}, tc.args...)...)
			// "*": the flag package's own usage message, on stdout.
			if code != tc.code || (out != tc.stdout && tc.stdout != "*") || !strings.Contains(errOut, tc.stderr) {
				t.Errorf("got exit %d, stdout %q, stderr %q; want exit %d, stdout %q, stderr containing %q",
					code, out, errOut, tc.code, tc.stdout, tc.stderr)
			}
			if tc.code != 0 && strings.Count(strings.TrimSpace(errOut), "\n") > 0 && !strings.Contains(errOut, "Usage") {
				t.Errorf("stderr: got %q, want one line", errOut)
			}
		})
	}
	s := c.store()
	u, err := s.GetUserByEmail(context.Background(), "jo.bloggs@swindon.gov.uk")
	if err != nil {
		t.Fatal(err)
	}
	swindon, _ := s.FindLA(context.Background(), "866")
	if u.LAID != swindon.ID || u.Name != "jo.bloggs" || u.Role != store.RoleLA {
		t.Errorf("stored user: got LA %d name %q role %s, want LA %d, jo.bloggs, la", u.LAID, u.Name, u.Role, swindon.ID)
	}
	if ok, _ := auth.CheckPassword(u.PasswordHash, "a long enough passphrase"); !ok {
		t.Error("the stored hash does not match the password read from stdin")
	}
	hv, _ := s.GetUserByEmail(context.Background(), "hv@hcrg.nhs.uk")
	if ok, _ := auth.CheckPassword(hv.PasswordHash, "a long enough passphrase"); !ok {
		t.Error("a CRLF line ending was kept in the password")
	}
	// The operator is trusted: the password given is the account's own,
	// unless --must-change-password says it was chosen for someone else.
	for email, want := range map[string]bool{"hv@hcrg.nhs.uk": false, "admin@bsw.nhs.uk": false, "clin@hcrg.nhs.uk": true} {
		if u, err := s.GetUserByEmail(context.Background(), email); err != nil || u.MustChangePassword != want {
			t.Errorf("%s must change password: got %v (%v), want %v", email, u.MustChangePassword, err, want)
		}
	}
	for _, email := range []string{"x@bsw.nhs.uk"} {
		if _, err := s.GetUserByEmail(context.Background(), email); !errs.Is(err, errs.NotFound) {
			t.Errorf("%s: got %v, want no such user: a refused account was stored", email, err)
		}
	}
}

func TestUserListDisableToken(t *testing.T) {
	ctx := context.Background()
	c := newCLI(t)
	if out := c.must("", "user", "list"); out != "No users yet: add one with dco user add.\n" {
		t.Errorf("empty list: got %q", out)
	}
	c.seedOrgs()
	c.must(cliPassword, "user", "add", "--email", "jo@swindon.gov.uk", "--role", "la", "--la", "866", "--password-stdin")
	c.must(cliPassword, "user", "add", "--email", "hv@hcrg.nhs.uk", "--role", "provider", "--org", "DEMO1", "--password-stdin")
	c.must(cliPassword, "user", "add", "--email", "admin@bsw.nhs.uk", "--role", "admin", "--password-stdin")

	want := `EMAIL              ROLE      ORGANISATION             DISABLED
admin@bsw.nhs.uk   admin     -                        no
hv@hcrg.nhs.uk     provider  HCRG Care Group (DEMO1)  no
jo@swindon.gov.uk  la        Swindon (866)            no
`
	if out := c.must("", "user", "list"); out != want {
		t.Errorf("list:\ngot\n%s\nwant\n%s", out, want)
	}

	for _, days := range []string{"0", "366", "x"} {
		if code, _, errOut := c.run("", "user", "token", "--email", "JO@swindon.gov.uk", "--days", days); code != 2 || !strings.Contains(errOut, "days") {
			t.Errorf("token --days %s: exit %d, stderr %q; want 2 and a word on --days", days, code, errOut)
		}
	}
	code, token, errOut := c.run("", "user", "token", "--email", "JO@swindon.gov.uk", "--days", "30")
	if code != 0 || !strings.Contains(errOut, "shown this once") || !strings.Contains(errOut, "valid until "+cliNow.AddDate(0, 0, 30).Format("2 January 2006 15:04")) {
		t.Fatalf("token: exit %d, stderr %q; want 0, the expiry in 30 days and a warning that it is shown once", code, errOut)
	}
	if strings.Count(token, "\n") != 1 || len(strings.TrimSpace(token)) < 40 {
		t.Fatalf("token: got %q, want one line of at least 40 characters", token)
	}
	s := c.store()
	token = strings.TrimSpace(token)
	u, err := s.UserByToken(ctx, auth.HashSecret(token))
	if err != nil || u.Email != "jo@swindon.gov.uk" {
		t.Fatalf("UserByToken: got %q, %v; want jo@swindon.gov.uk", u.Email, err)
	}
	// Only the hash is stored: the token itself finds nothing.
	if _, err := s.UserByToken(ctx, token); !errs.Is(err, errs.NotFound) {
		t.Errorf("the token itself was stored: got %v, want not_found", err)
	}

	sid, sidHash, _ := auth.NewSecret()
	_ = sid
	if err := s.CreateSession(ctx, store.Session{IDHash: sidHash, UserID: u.ID, CSRFToken: "x", CreatedAt: cliNow, LastSeenAt: cliNow}); err != nil {
		t.Fatal(err)
	}
	if out := c.must("", "user", "disable", "--email", "Jo@Swindon.gov.uk"); out != "Disabled user jo@swindon.gov.uk; their sessions and API tokens have ended.\n" {
		t.Errorf("disable: got %q", out)
	}
	if _, _, err := s.GetSession(ctx, sidHash); err == nil {
		t.Error("the session survived disabling the user")
	}
	if _, err := s.UserByToken(ctx, auth.HashSecret(token)); err == nil {
		t.Error("the API token survived disabling the user")
	}
	if out := c.must("", "user", "list"); !strings.Contains(out, "jo@swindon.gov.uk  la        Swindon (866)            yes\n") {
		t.Errorf("list after disable:\n%s", out)
	}

	for _, tc := range []struct {
		args   []string
		code   int
		stderr string
	}{
		{[]string{"user", "token", "--email", "jo@swindon.gov.uk"}, 1, "jo@swindon.gov.uk is disabled"},
		{[]string{"user", "token", "--email", "nobody@bsw.nhs.uk"}, 1, `no user has the email address "nobody@bsw.nhs.uk"`},
		{[]string{"user", "token"}, 2, "--email is required"},
		{[]string{"user", "disable", "--email", "nobody@bsw.nhs.uk"}, 1, `no user has the email address "nobody@bsw.nhs.uk"`},
		{[]string{"user", "disable"}, 2, "--email is required"},
		{[]string{"user", "list", "extra"}, 2, `unexpected argument "extra"`},
	} {
		code, out, errOut := c.run("", tc.args...)
		if code != tc.code || out != "" || !strings.Contains(errOut, tc.stderr) {
			t.Errorf("dco %s: got exit %d, stdout %q, stderr %q; want %d and %q", strings.Join(tc.args, " "), code, out, errOut, tc.code, tc.stderr)
		}
	}
}

func TestVerbHelp(t *testing.T) {
	c := newCLI(t)
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"user", "--help"}, "Usage: dco user VERB"},
		{[]string{"user", "help"}, "  token    issue an API bearer token"},
		{[]string{"user", "add", "--help"}, "Usage: dco user add --email EMAIL --role ROLE"},
		{[]string{"user", "list", "-h"}, "Usage: dco user list"},
		{[]string{"user", "disable", "--help"}, "Usage: dco user disable --email EMAIL"},
		{[]string{"user", "token", "--help"}, "Usage: dco user token --email EMAIL"},
		{[]string{"org", "--help"}, "Usage: dco org VERB"},
		{[]string{"org", "add", "--help"}, "Usage: dco org add --kind icb|la|provider"},
		{[]string{"org", "list", "--help"}, "Usage: dco org list"},
		{[]string{"demo", "--help"}, "Usage: dco demo"},
		{[]string{"import", "--help"}, "bank holidays from a gov.uk bank-holidays.json file"},
		{[]string{"import", "children", "--help"}, "Usage: dco import children FILE.csv [--dry-run]"},
		{[]string{"import", "children", "file.csv", "--help"}, "Usage: dco import children FILE.csv [--dry-run]"},
		{[]string{"import", "bank-holidays", "--help"}, "Usage: dco import bank-holidays FILE.json [--dry-run]"},
	}
	for _, tc := range tests {
		code, out, _ := c.run("", tc.args...)
		if code != 0 || !strings.Contains(out, tc.want) {
			t.Errorf("dco %s: got exit %d and\n%s\nwant 0 and %q", strings.Join(tc.args, " "), code, out, tc.want)
		}
	}
	for _, args := range [][]string{{"user"}, {"org"}, {"import"}, {"user", "remove"}, {"import", "sen2"}} {
		code, out, errOut := c.run("", args...)
		if code != 2 || out != "" || errOut == "" {
			t.Errorf("dco %s: got exit %d, stdout %q, stderr %q; want 2 and help or an error on stderr",
				strings.Join(args, " "), code, out, errOut)
		}
	}
}
