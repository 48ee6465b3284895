package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"time"

	"dco/internal/demo"
	"dco/internal/web"
)

const serveUsage = `Usage: dco serve [--db FILE|URL] [--addr HOST:PORT] [--demo] [--migrate]

Runs the web service and the JSON API. A SQLite database is created and
migrated as needed; a PostgreSQL database must be migrated first (dco migrate)
unless --migrate is given. With --demo the database is seeded, once, with a
synthetic ICB, three local authorities, about 300 synthetic children and one
user per role, and the demo users are printed at every start.

Environment:`

func cmdServe(ctx context.Context, env *Env, args []string) int {
	usage := serveUsage
	for _, v := range configVars {
		usage += fmt.Sprintf("\n  %-22s %s", v.Name, v.Help)
	}
	cfg, _, code, ok := loadConfig(env, "serve", usage, args, func(c *Config, fs *flag.FlagSet) {
		fs.StringVar(&c.Addr, "addr", c.Addr, "listen address (env DCO_ADDR)")
		fs.BoolVar(&c.Demo, "demo", false, "seed (once) and serve demo data")
		fs.BoolVar(&c.Migrate, "migrate", false, "migrate a PostgreSQL schema before serving")
		fs.BoolVar(&c.SecureCookies, "secure-cookies", c.SecureCookies, "served over TLS (env DCO_SECURE_COOKIES)")
	})
	if !ok {
		return code
	}
	log := newLogger(env.Stderr, cfg.LogLevel)
	s, err := openStore(ctx, env, cfg)
	if err != nil {
		fmt.Fprintf(env.Stderr, "dco serve: %v\n", err)
		return 1
	}
	defer s.Close()

	if cfg.Demo {
		password, generated := cfg.DemoPassword, false
		if password == "" {
			password, err = demo.NewPassword()
			if err != nil {
				fmt.Fprintf(env.Stderr, "dco serve: %v\n", err)
				return 1
			}
			generated = true
		}
		res, err := demo.Seed(ctx, s, password, env.Now())
		if err != nil {
			fmt.Fprintf(env.Stderr, "dco serve: demo data: %v\n", err)
			return 1
		}
		demo.Announce(env.Stdout, res, password, generated)
	}

	handler, err := web.NewServer(web.Options{
		Store:           s,
		Log:             log,
		Now:             env.Now,
		Calendar:        env.Calendar,
		SecureCookies:   cfg.SecureCookies,
		SessionIdle:     cfg.SessionIdle,
		SessionAbsolute: cfg.SessionAbsolute,
		Demo:            cfg.Demo,
	})
	if err != nil {
		fmt.Fprintf(env.Stderr, "dco serve: %v\n", err)
		return 1
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		fmt.Fprintf(env.Stderr, "dco serve: %v\n", err)
		return 1
	}
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
	}
	fmt.Fprintf(env.Stdout, "dco is listening on http://%s (database: %s)\n", ln.Addr(), s.Engine())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		if !errors.Is(err, http.ErrServerClosed) {
			fmt.Fprintf(env.Stderr, "dco serve: %v\n", err)
			return 1
		}
	case <-ctx.Done():
		shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Shutdown(shutdown); err != nil {
			fmt.Fprintf(env.Stderr, "dco serve: shutdown: %v\n", err)
			return 1
		}
		fmt.Fprintln(env.Stdout, "dco stopped")
	}
	return 0
}
