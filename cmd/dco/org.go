package main

import (
	"context"
	"flag"
	"fmt"
	"strings"
	"text/tabwriter"

	"dco/internal/errs"
	"dco/internal/store"
)

const orgIntro = `Manages organisations: the ICB, its local authorities and its health
providers. Add the ICB first; an LA or provider then belongs to it.`

func cmdOrg(ctx context.Context, env *Env, args []string) int {
	return runVerbs(ctx, env, "org", orgIntro, []verb{
		{"add", "add an ICB, local authority or provider", orgAdd},
		{"list", "list organisations", orgList},
	}, args)
}

const orgAddUsage = `Usage: dco org add --kind icb|la|provider --name NAME --code CODE [--ons ONS] [--icb CODE]

Adds an organisation. --code is the ODS code of an ICB or provider (QOX,
RN3) and the three-digit DfE number of a local authority (800); --ons is
an ONS code (E06000022 for an LA, E54000040 for an ICB). An LA or provider
belongs to the ICB named by --icb, or to the only ICB there is.`

func orgAdd(ctx context.Context, env *Env, args []string) int {
	const name = "org add"
	var kind, orgName, code, ons, icb string
	cfg, fs, exit, ok := loadConfig(env, name, orgAddUsage, args, func(_ *Config, fs *flag.FlagSet) {
		fs.StringVar(&kind, "kind", "", "icb, la or provider (required)")
		fs.StringVar(&orgName, "name", "", "the organisation's name (required)")
		fs.StringVar(&code, "code", "", "ODS code, or an LA's DfE number (required)")
		fs.StringVar(&ons, "ons", "", "ONS code")
		fs.StringVar(&icb, "icb", "", "the ODS code of the ICB an LA or provider belongs to")
	})
	if !ok {
		return exit
	}
	k := store.OrgKind(strings.ToLower(strings.TrimSpace(kind)))
	switch {
	case fs.NArg() > 0:
		return usagef(env, name, "unexpected argument %q", fs.Arg(0))
	case kind == "":
		return usagef(env, name, "--kind is required")
	case !k.Valid():
		return usagef(env, name, "kind %q is not icb, la or provider", kind)
	case strings.TrimSpace(orgName) == "":
		return usagef(env, name, "--name is required")
	case strings.TrimSpace(code) == "":
		return usagef(env, name, "--code is required")
	case k == store.OrgICB && icb != "":
		return usagef(env, name, "an ICB does not belong to another ICB: drop --icb")
	}
	return withStore(ctx, env, cfg, name, func(s *store.Store) int {
		o := store.Org{Kind: k, Name: orgName, Code: code, ONSCode: ons}
		if icb != "" {
			parent, err := s.FindOrgByCode(ctx, store.OrgICB, icb)
			if errs.Is(err, errs.NotFound) {
				return failf(env, name, "no ICB has ODS code %q (dco org list --kind icb shows them)", icb)
			}
			if err != nil {
				return failf(env, name, "%s", describe(err))
			}
			o.ParentID = parent.ID
		}
		if err := s.CreateOrg(ctx, store.System, &o); err != nil {
			return failf(env, name, "%s", describe(err))
		}
		fmt.Fprintf(env.Stdout, "Added %s %s (code %s)\n", o.Kind, o.Name, o.Code)
		return 0
	})
}

const orgListUsage = `Usage: dco org list [--kind icb|la|provider]

Lists organisations by kind and name, with their codes and their ICB.`

func orgList(ctx context.Context, env *Env, args []string) int {
	const name = "org list"
	var kind string
	cfg, fs, exit, ok := loadConfig(env, name, orgListUsage, args, func(_ *Config, fs *flag.FlagSet) {
		fs.StringVar(&kind, "kind", "", "only this kind: icb, la or provider")
	})
	if !ok {
		return exit
	}
	k := store.OrgKind(strings.ToLower(strings.TrimSpace(kind)))
	switch {
	case fs.NArg() > 0:
		return usagef(env, name, "unexpected argument %q", fs.Arg(0))
	case k != "" && !k.Valid():
		return usagef(env, name, "kind %q is not icb, la or provider", kind)
	}
	return withStore(ctx, env, cfg, name, func(s *store.Store) int {
		orgs, err := s.ListOrgs(ctx, k)
		if err != nil {
			return failf(env, name, "%s", describe(err))
		}
		if len(orgs) == 0 {
			fmt.Fprintln(env.Stdout, "No organisations yet: add the ICB with dco org add --kind icb.")
			return 0
		}
		codes := map[int64]string{}
		all, err := s.ListOrgs(ctx, store.OrgICB)
		if err != nil {
			return failf(env, name, "%s", describe(err))
		}
		for _, o := range all {
			codes[o.ID] = o.Code
		}
		tw := tabwriter.NewWriter(env.Stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "KIND\tCODE\tONS\tICB\tNAME")
		for _, o := range orgs {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", o.Kind, o.Code, dash(o.ONSCode), dash(codes[o.ParentID]), o.Name)
		}
		tw.Flush()
		return 0
	})
}

// dash stands in for an empty cell, so that columns stay readable.
func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
