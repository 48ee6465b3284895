package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"dco/internal/demo"
	"dco/internal/send"
	"dco/internal/store"
	"dco/internal/web"
	"dco/internal/workflows"
)

const serveUsage = `Usage: dco serve [--db FILE|URL] [--addr HOST:PORT] [--demo] [--migrate]

Runs the web service and the JSON API. A SQLite database is created and
migrated as needed; a PostgreSQL database must be migrated first (dco migrate)
unless --migrate is given. With --demo the database is seeded, once, with a
synthetic ICB, three local authorities, about 300 synthetic children and one
user per role, and the demo users are printed at every start.

Working days count the gov.uk bank holidays built into dco and those
imported into this database (dco import bank-holidays). They are read at
start and re-read at most once a minute, so an import made while the
service runs is used within a minute, without a restart.

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

	opts, err := serveOptions(ctx, env, cfg, s, log)
	if err != nil {
		fmt.Fprintf(env.Stderr, "dco serve: %v\n", err)
		return 1
	}
	handler, err := web.NewServer(opts)
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

// serveOptions is the web service's configuration for the open store s. The
// working-day calendar comes from s, the database the service was given,
// and is built once here; see liveCalendar.
func serveOptions(ctx context.Context, env *Env, cfg *Config, s *store.Store, log *slog.Logger) (web.Options, error) {
	cal, err := newLiveCalendar(ctx, func(ctx context.Context) (*send.Calendar, error) {
		return storeCalendar(ctx, s)
	}, log, calendarRefresh, time.Now)
	if err != nil {
		return web.Options{}, err
	}
	return web.Options{
		Store:           s,
		Log:             log,
		Now:             env.Now,
		Calendar:        cal.Calendar,
		SecureCookies:   cfg.SecureCookies,
		SessionIdle:     cfg.SessionIdle,
		SessionAbsolute: cfg.SessionAbsolute,
		Demo:            cfg.Demo,
		Workflows:       workflows.Web(s),
	}, nil
}

// calendarRefresh is how often dco serve re-reads the imported bank
// holidays.
const calendarRefresh = time.Minute

// calendarReadTimeout bounds one re-read, which runs inside a request.
const calendarReadTimeout = 5 * time.Second

// liveCalendar is dco serve's working-day calendar. It is read once at
// start and then shared by every request through an atomic pointer, so a
// page costs no database read for it. Bank holidays are imported by dco
// import bank-holidays, normally another process, which cannot tell the
// service; so the first request after calendarRefresh has passed re-reads
// them (the table holds a few hundred rows at most) while other requests
// keep the calendar they have. An import is therefore used within a minute
// without a restart. A re-read that fails is logged and the calendar read
// before stays in use: it was right a minute ago, and a page is better
// than an error for a holiday list that changes once a year.
type liveCalendar struct {
	load  func(context.Context) (*send.Calendar, error)
	log   *slog.Logger
	every time.Duration
	now   func() time.Time // the wall clock: refreshes follow real time, not env.Now

	cal     atomic.Pointer[send.Calendar]
	next    atomic.Int64 // when to re-read, in Unix nanoseconds
	reading sync.Mutex   // one re-read at a time
}

// newLiveCalendar reads the calendar with load; an error here stops the
// service from starting.
func newLiveCalendar(ctx context.Context, load func(context.Context) (*send.Calendar, error), log *slog.Logger, every time.Duration, now func() time.Time) (*liveCalendar, error) {
	cal, err := load(ctx)
	if err != nil {
		return nil, err
	}
	l := &liveCalendar{load: load, log: log, every: every, now: now}
	l.cal.Store(cal)
	l.next.Store(now().Add(every).UnixNano())
	return l, nil
}

// Calendar returns the current calendar, re-reading it first when a
// re-read is due and no other request is doing it. It never fails.
func (l *liveCalendar) Calendar(ctx context.Context) (*send.Calendar, error) {
	if l.now().UnixNano() >= l.next.Load() && l.reading.TryLock() {
		defer l.reading.Unlock()
		if now := l.now(); now.UnixNano() >= l.next.Load() {
			l.next.Store(now.Add(l.every).UnixNano())
			rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), calendarReadTimeout)
			cal, err := l.load(rctx)
			cancel()
			if err != nil {
				l.log.Warn("bank holidays: re-read failed; the calendar read before stays in use", "err", err)
			} else {
				l.cal.Store(cal)
			}
		}
	}
	return l.cal.Load(), nil
}
