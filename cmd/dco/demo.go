package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"dco/internal/demo"
	"dco/internal/store"
)

const demoUsage = `Usage: dco demo [--db FILE|URL]

Seeds the database, once, with a synthetic ICB to try dco on: NHS Bath and
North East Somerset, Swindon and Wiltshire ICB, its three local authorities,
six providers, 300 synthetic children (NHS numbers from the never-issued
999 range) and one user per role at @demo.dco.test, and prints the users.

The users' password is DCO_DEMO_PASSWORD when set (12 characters or more);
otherwise one is generated and printed once, when the users are created.
Running it again adds nothing and lists the users. It refuses a database
that holds anything other than the demo: use a new database file.`

func cmdDemo(ctx context.Context, env *Env, args []string) int {
	const name = "demo"
	cfg, fs, code, ok := loadConfig(env, name, demoUsage, args, nil)
	if !ok {
		return code
	}
	if fs.NArg() > 0 {
		return usagef(env, name, "unexpected argument %q", fs.Arg(0))
	}
	password, generated := cfg.DemoPassword, false
	if password == "" {
		var err error
		if password, err = demo.NewPassword(); err != nil {
			return failf(env, name, "%v", err)
		}
		generated = true
	}
	return withStore(ctx, env, cfg, name, func(s *store.Store) int {
		res, err := demo.Seed(ctx, s, password, env.Now())
		if errors.Is(err, demo.ErrNotDemo) {
			return failf(env, name, "%s", strings.TrimPrefix(err.Error(), "demo: "))
		}
		if err != nil {
			return failf(env, name, "%s", describe(err))
		}
		demo.Announce(env.Stdout, res, password, generated)
		if res.Created {
			fmt.Fprintln(env.Stdout, "Start the service on the same database with: dco serve")
		}
		return 0
	})
}
