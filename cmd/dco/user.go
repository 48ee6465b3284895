package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"dco/internal/auth"
	"dco/internal/errs"
	"dco/internal/store"
)

// verb is one action of a subcommand that has several (dco user add,
// dco import children): its name, a line for the subcommand's help, and
// the function that runs it with the arguments after the verb.
type verb struct {
	name    string
	summary string
	run     func(ctx context.Context, env *Env, args []string) int
}

// runVerbs dispatches on the first argument to one of verbs. With no
// argument it prints the help on stderr and fails as bad usage; with
// --help, -h or help it prints the help on stdout.
func runVerbs(ctx context.Context, env *Env, command, intro string, verbs []verb, args []string) int {
	help := func(w io.Writer) {
		fmt.Fprintf(w, "Usage: dco %s VERB [flags]\n\n%s\n\nVerbs:\n", command, intro)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		for _, v := range verbs {
			fmt.Fprintf(tw, "  %s\t%s\n", v.name, v.summary)
		}
		tw.Flush()
		fmt.Fprintf(w, "\nRun dco %s VERB --help for the flags of each.\n", command)
	}
	if len(args) == 0 {
		help(env.Stderr)
		return 2
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		help(env.Stdout)
		return 0
	}
	for _, v := range verbs {
		if v.name == args[0] {
			return v.run(ctx, env, args[1:])
		}
	}
	names := make([]string, len(verbs))
	for i, v := range verbs {
		names[i] = v.name
	}
	fmt.Fprintf(env.Stderr, "dco %s: unknown verb %q; choose one of %s\n", command, args[0], strings.Join(names, ", "))
	return 2
}

// describe turns an error into one line for a person at a terminal: the
// field problems of a validation error, the message of any other coded
// error, and the error itself otherwise.
func describe(err error) string {
	if fields := errs.FieldsOf(err); len(fields) > 0 {
		keys := make([]string, 0, len(fields))
		for k := range fields {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = k + ": " + fields[k]
		}
		return strings.Join(parts, "; ")
	}
	var e *errs.Error
	if errors.As(err, &e) && e.Code != errs.Internal {
		return e.Message
	}
	return err.Error()
}

// failf prints a one-line failure for dco NAME and returns exit code 1.
func failf(env *Env, name, format string, args ...any) int {
	fmt.Fprintf(env.Stderr, "dco %s: %s\n", name, fmt.Sprintf(format, args...))
	return 1
}

// usagef prints a one-line usage error for dco NAME and returns exit code 2.
func usagef(env *Env, name, format string, args ...any) int {
	fmt.Fprintf(env.Stderr, "dco %s: %s (dco %s --help)\n", name, fmt.Sprintf(format, args...), name)
	return 2
}

// withStore opens the configured database for a command, on env's clock,
// and runs fn with it.
func withStore(ctx context.Context, env *Env, cfg *Config, name string, fn func(s *store.Store) int) int {
	s, err := openStore(ctx, env, cfg)
	if err != nil {
		return failf(env, name, "%v", err)
	}
	defer s.Close()
	s.Now = func() time.Time { return env.Now().UTC() }
	return fn(s)
}

const userIntro = `Manages the people who sign in to dco. Passwords are read from standard
input, never from the command line, so that they stay out of shell history.`

func cmdUser(ctx context.Context, env *Env, args []string) int {
	return runVerbs(ctx, env, "user", userIntro, []verb{
		{"add", "add a user with a password (read from standard input)", userAdd},
		{"list", "list every user, their role, organisation and whether disabled", userList},
		{"disable", "disable a user and end their sessions and API tokens", userDisable},
		{"token", "issue an API bearer token for a user, shown once", userToken},
	}, args)
}

const userAddUsage = `Usage: dco user add --email EMAIL --role ROLE [--la CODE] [--org CODE] [--name NAME] [--must-change-password] --password-stdin

Adds a user. The password, at least 12 characters, is read as one line from
standard input:

  printf '%s\n' "$PASSWORD" | dco user add --email jo@example.nhs.uk --role dco --org QOX --password-stdin

Roles: dco, clinician, provider, la, viewer, admin. Every account but the
administrator of the whole service belongs to one ICB:
  la               --la, the LA's DfE number (800) or ONS code (E06000022)
  provider         --org, the ODS code of the provider they work for
  clinician        --org, the ODS code of the provider they work for
  dco, viewer      --org, the ODS code of their ICB
  admin            --org, the ODS code of the ICB whose accounts they
                   manage; without --org, the administrator of the whole
                   service (the first account of a new installation)

Whoever runs dco on the server is trusted with every account, so the
password given here is the account's own and is not asked to be changed.
Give --must-change-password when it was chosen for someone else: they then
choose their own at first sign-in, as with an account an administrator
adds on the Users page.`

func userAdd(ctx context.Context, env *Env, args []string) int {
	const name = "user add"
	var email, role, la, org, fullName string
	var fromStdin, mustChange bool
	cfg, fs, code, ok := loadConfig(env, name, userAddUsage, args, func(_ *Config, fs *flag.FlagSet) {
		fs.StringVar(&email, "email", "", "the user's email address (required)")
		fs.StringVar(&role, "role", "", "dco, clinician, provider, la, viewer or admin (required)")
		fs.StringVar(&la, "la", "", "la role: the LA's DfE number or ONS code")
		fs.StringVar(&org, "org", "", "the ODS code of the user's provider (or ICB)")
		fs.StringVar(&fullName, "name", "", "the user's name (default: the part of the address before @)")
		fs.BoolVar(&fromStdin, "password-stdin", false, "read the password from standard input (required)")
		fs.BoolVar(&mustChange, "must-change-password", false, "the user must choose a new password at first sign-in")
	})
	if !ok {
		return code
	}
	r := store.Role(strings.ToLower(strings.TrimSpace(role)))
	switch {
	case fs.NArg() > 0:
		return usagef(env, name, "unexpected argument %q", fs.Arg(0))
	case strings.TrimSpace(email) == "":
		return usagef(env, name, "--email is required")
	case role == "":
		return usagef(env, name, "--role is required")
	case !r.Valid():
		return usagef(env, name, "role %q is not one of dco, clinician, provider, la, viewer, admin", role)
	case r == store.RoleLA && la == "":
		return usagef(env, name, "an la user needs --la, the LA's DfE number or ONS code")
	case r != store.RoleLA && la != "":
		return usagef(env, name, "only an la user belongs to a local authority: drop --la")
	case r == store.RoleLA && org != "":
		return usagef(env, name, "an la user belongs to their LA, not another organisation: drop --org")
	case (r == store.RoleProvider || r == store.RoleClinician) && org == "":
		return usagef(env, name, "a %s user needs --org, the ODS code of the provider they work for", r)
	case (r == store.RoleDCO || r == store.RoleViewer) && org == "":
		return usagef(env, name, "a %s user needs --org, the ODS code of their ICB", r)
	case !fromStdin:
		return usagef(env, name, "give the password on standard input with --password-stdin")
	}
	password, err := readLine(env.Stdin)
	if err != nil {
		return failf(env, name, "read the password from standard input: %v", err)
	}
	if len(password) < auth.MinPasswordLength {
		return failf(env, name, "%v", auth.ErrWeakPassword)
	}
	if fullName == "" {
		fullName, _, _ = strings.Cut(strings.ToLower(strings.TrimSpace(email)), "@")
	}
	return withStore(ctx, env, cfg, name, func(s *store.Store) int {
		u := store.User{Email: email, Name: fullName, Role: r, MustChangePassword: mustChange}
		if la != "" {
			o, err := s.FindLA(ctx, la)
			if errs.Is(err, errs.NotFound) {
				return failf(env, name, "no local authority has DfE number or ONS code %q (dco org list shows them)", la)
			}
			if err != nil {
				return failf(env, name, "%s", describe(err))
			}
			u.LAID = o.ID
		}
		if org != "" {
			kind := store.OrgProvider
			if r == store.RoleDCO || r == store.RoleViewer || r == store.RoleAdmin {
				kind = store.OrgICB
			}
			o, err := s.FindOrgByCode(ctx, kind, org)
			if errs.Is(err, errs.NotFound) {
				return failf(env, name, "no %s has ODS code %q (dco org list shows them)", kind, org)
			}
			if err != nil {
				return failf(env, name, "%s", describe(err))
			}
			u.OrgID = o.ID
		}
		hash, err := auth.HashPassword(password)
		if err != nil {
			return failf(env, name, "%v", err)
		}
		u.PasswordHash = hash
		if err := s.CreateUser(ctx, store.System, &u); err != nil {
			return failf(env, name, "%s", describe(err))
		}
		fmt.Fprintf(env.Stdout, "Added user %s (role %s)\n", u.Email, u.Role)
		return 0
	})
}

// readLine reads one line, without its line ending; spaces are kept, as
// they may be part of a passphrase.
func readLine(r io.Reader) (string, error) {
	if r == nil {
		return "", errors.New("there is no standard input")
	}
	line, err := bufio.NewReader(io.LimitReader(r, 4096)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", err
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", errors.New("it is empty")
	}
	return line, nil
}

const userListUsage = `Usage: dco user list

Lists every user: email address, role, organisation or local authority,
and whether they are disabled.`

func userList(ctx context.Context, env *Env, args []string) int {
	const name = "user list"
	cfg, fs, code, ok := loadConfig(env, name, userListUsage, args, nil)
	if !ok {
		return code
	}
	if fs.NArg() > 0 {
		return usagef(env, name, "unexpected argument %q", fs.Arg(0))
	}
	return withStore(ctx, env, cfg, name, func(s *store.Store) int {
		users, err := s.ListUsers(ctx)
		if err != nil {
			return failf(env, name, "%s", describe(err))
		}
		if len(users) == 0 {
			fmt.Fprintln(env.Stdout, "No users yet: add one with dco user add.")
			return 0
		}
		orgs, err := orgNames(ctx, s)
		if err != nil {
			return failf(env, name, "%s", describe(err))
		}
		tw := tabwriter.NewWriter(env.Stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "EMAIL\tROLE\tORGANISATION\tDISABLED")
		for _, u := range users {
			where := "-"
			if id := max(u.LAID, u.OrgID); id != 0 {
				where = orgs[id]
			}
			disabled := "no"
			if u.Disabled {
				disabled = "yes"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", u.Email, u.Role, where, disabled)
		}
		tw.Flush()
		return 0
	})
}

// orgNames maps each organisation's id to "Name (code)".
func orgNames(ctx context.Context, s *store.Store) (map[int64]string, error) {
	orgs, err := s.ListOrgs(ctx, "")
	if err != nil {
		return nil, err
	}
	m := make(map[int64]string, len(orgs))
	for _, o := range orgs {
		m[o.ID] = o.Name + " (" + o.Code + ")"
	}
	return m, nil
}

const userDisableUsage = `Usage: dco user disable --email EMAIL

Disables a user: they can no longer sign in, and their sessions and API
tokens end at once. Their records and audit trail are kept.`

func userDisable(ctx context.Context, env *Env, args []string) int {
	const name = "user disable"
	var email string
	cfg, fs, code, ok := loadConfig(env, name, userDisableUsage, args, func(_ *Config, fs *flag.FlagSet) {
		fs.StringVar(&email, "email", "", "the user's email address (required)")
	})
	if !ok {
		return code
	}
	switch {
	case fs.NArg() > 0:
		return usagef(env, name, "unexpected argument %q", fs.Arg(0))
	case strings.TrimSpace(email) == "":
		return usagef(env, name, "--email is required")
	}
	return withStore(ctx, env, cfg, name, func(s *store.Store) int {
		if err := s.DisableUser(ctx, store.System, email); err != nil {
			if errs.Is(err, errs.NotFound) {
				return failf(env, name, "no user has the email address %q", email)
			}
			return failf(env, name, "%s", describe(err))
		}
		fmt.Fprintf(env.Stdout, "Disabled user %s; their sessions and API tokens have ended.\n", strings.ToLower(strings.TrimSpace(email)))
		return 0
	})
}

const userTokenUsage = `Usage: dco user token --email EMAIL [--days N]

Issues a new API bearer token for a user and prints it, alone on one line,
on standard output. It is shown this once: dco keeps only its SHA-256.
Clients send it as "Authorization: Bearer TOKEN" and act as that user, with
that user's role and scope. The token expires after --days days (90 unless
given; at most 365); issue a new one before then. Disabling the user ends
all their tokens.`

func userToken(ctx context.Context, env *Env, args []string) int {
	const name = "user token"
	var email string
	var days int
	cfg, fs, code, ok := loadConfig(env, name, userTokenUsage, args, func(_ *Config, fs *flag.FlagSet) {
		fs.StringVar(&email, "email", "", "the user's email address (required)")
		fs.IntVar(&days, "days", 90, "days until the token expires (1 to 365)")
	})
	if !ok {
		return code
	}
	switch {
	case fs.NArg() > 0:
		return usagef(env, name, "unexpected argument %q", fs.Arg(0))
	case strings.TrimSpace(email) == "":
		return usagef(env, name, "--email is required")
	case days < 1 || days > 365:
		return usagef(env, name, "--days must be from 1 to 365, not %d", days)
	}
	return withStore(ctx, env, cfg, name, func(s *store.Store) int {
		u, err := s.GetUserByEmail(ctx, email)
		if errs.Is(err, errs.NotFound) {
			return failf(env, name, "no user has the email address %q", email)
		}
		if err != nil {
			return failf(env, name, "%s", describe(err))
		}
		if u.Disabled {
			return failf(env, name, "%s is disabled: a disabled user cannot have a token", u.Email)
		}
		secret, hash, err := auth.NewSecret()
		if err != nil {
			return failf(env, name, "%v", err)
		}
		expires := s.Now().UTC().Add(time.Duration(days) * 24 * time.Hour)
		if err := s.CreateTokenUntil(ctx, store.System, u.ID, hash, expires); err != nil {
			return failf(env, name, "%s", describe(err))
		}
		fmt.Fprintf(env.Stderr, "API token for %s (role %s), valid until %s UTC. It is shown this once and stored only as a hash: keep it secret.\n",
			u.Email, u.Role, expires.Format("2 January 2006 15:04"))
		fmt.Fprintln(env.Stdout, secret)
		return 0
	})
}
