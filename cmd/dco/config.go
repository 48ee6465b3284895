package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"
	"time"

	"dco/internal/send"
	"dco/internal/store"
)

// Config is every setting dco reads, filled in three layers: defaults, then
// DCO_* environment variables, then command-line flags. It is validated once
// and passed explicitly; nothing reads the environment behind its back.
type Config struct {
	Database        string        // SQLite file path, or a postgres:// URL
	DatabaseNamed   bool          // Database came from DCO_DATABASE or --db, not the default
	Addr            string        // listen address for serve
	Demo            bool          // seed and serve demo data
	DemoPassword    string        // demo users' password; generated when empty
	Migrate         bool          // serve: migrate a PostgreSQL schema before starting
	SecureCookies   bool          // served over TLS (directly or behind a TLS proxy)
	SessionIdle     time.Duration // idle session expiry
	SessionAbsolute time.Duration // absolute session expiry
	LogLevel        string        // debug, info, warn, error
}

// defaultConfig returns the defaults: a local SQLite file and loopback only.
func defaultConfig() Config {
	return Config{
		Database:        "dco.db",
		Addr:            "127.0.0.1:8080",
		SessionIdle:     30 * time.Minute,
		SessionAbsolute: 12 * time.Hour,
		LogLevel:        "info",
	}
}

// configVars documents each environment variable, for --help and the README.
var configVars = []struct{ Name, Help string }{
	{"DCO_DATABASE", "SQLite file path or postgres:// URL (default dco.db)"},
	{"DCO_ADDR", "listen address (default 127.0.0.1:8080)"},
	{"DCO_DEMO_PASSWORD", "password for the demo users (default: generated and printed once)"},
	{"DCO_SECURE_COOKIES", "true when served over TLS: Secure, __Host- cookies and HSTS"},
	{"DCO_SESSION_IDLE", "idle session expiry (default 30m)"},
	{"DCO_SESSION_ABSOLUTE", "absolute session expiry (default 12h)"},
	{"DCO_LOG_LEVEL", "debug, info, warn or error (default info)"},
}

// loadEnv applies DCO_* variables over the defaults.
func (c *Config) loadEnv(getenv func(string) string) error {
	if v := getenv("DCO_DATABASE"); v != "" {
		c.Database, c.DatabaseNamed = v, true
	}
	if v := getenv("DCO_ADDR"); v != "" {
		c.Addr = v
	}
	c.DemoPassword = getenv("DCO_DEMO_PASSWORD")
	if v := getenv("DCO_SECURE_COOKIES"); v != "" {
		c.SecureCookies = v == "true" || v == "1" || v == "yes"
	}
	for _, d := range []struct {
		name string
		dst  *time.Duration
	}{{"DCO_SESSION_IDLE", &c.SessionIdle}, {"DCO_SESSION_ABSOLUTE", &c.SessionAbsolute}} {
		if v := getenv(d.name); v != "" {
			p, err := time.ParseDuration(v)
			if err != nil {
				return fmt.Errorf("%s: %q is not a duration such as 30m", d.name, v)
			}
			*d.dst = p
		}
	}
	if v := getenv("DCO_LOG_LEVEL"); v != "" {
		c.LogLevel = v
	}
	return nil
}

// dbFlag registers --db on a subcommand's flag set.
func (c *Config) dbFlag(fs *flag.FlagSet) {
	fs.StringVar(&c.Database, "db", c.Database, "SQLite file or postgres:// URL (env DCO_DATABASE)")
}

// noteFlags records, once fs is parsed, what the flags named: a --db given
// on the command line names the database as DCO_DATABASE does.
func (c *Config) noteFlags(fs *flag.FlagSet) {
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "db" {
			c.DatabaseNamed = true
		}
	})
}

// validate checks the configuration as a whole.
func (c *Config) validate() error {
	var problems []string
	if c.Database == "" {
		problems = append(problems, "the database must be named (--db or DCO_DATABASE)")
	}
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		problems = append(problems, fmt.Sprintf("listen address %q is not host:port", c.Addr))
	}
	if c.SessionIdle <= 0 || c.SessionAbsolute <= 0 || c.SessionIdle > c.SessionAbsolute {
		problems = append(problems, "session expiry: idle and absolute must be positive, idle no longer than absolute")
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		problems = append(problems, fmt.Sprintf("log level %q is not debug, info, warn or error", c.LogLevel))
	}
	if c.DemoPassword != "" && len(c.DemoPassword) < 12 {
		problems = append(problems, "DCO_DEMO_PASSWORD must be at least 12 characters")
	}
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "; "))
	}
	return nil
}

// loadConfig builds the configuration for a subcommand: defaults, then
// environment, then the flags the subcommand registered with register.
// It returns the exit code to use when parsing stops the command.
func loadConfig(env *Env, name, usageText string, args []string, register func(*Config, *flag.FlagSet)) (*Config, *flag.FlagSet, int, bool) {
	cfg := defaultConfig()
	if err := cfg.loadEnv(env.Getenv); err != nil {
		fmt.Fprintf(env.Stderr, "dco %s: %v\n", name, err)
		return nil, nil, 2, false
	}
	fs := flag.NewFlagSet("dco "+name, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	cfg.dbFlag(fs)
	if register != nil {
		register(&cfg, fs)
	}
	fs.Usage = func() {
		fmt.Fprintln(env.Stdout, usageText)
		fmt.Fprintln(env.Stdout, "\nFlags:")
		fs.SetOutput(env.Stdout)
		fs.PrintDefaults()
		fs.SetOutput(env.Stderr)
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, nil, 0, false
		}
		return nil, nil, 2, false
	}
	cfg.noteFlags(fs)
	if err := cfg.validate(); err != nil {
		fmt.Fprintf(env.Stderr, "dco %s: %v\n", name, err)
		return nil, nil, 2, false
	}
	return &cfg, fs, 0, true
}

// newLogger returns the structured logger for the configured level.
func newLogger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	_ = l.UnmarshalText([]byte(level))
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l}))
}

// openStore opens and, for SQLite, migrates the database. PostgreSQL is
// migrated only by `dco migrate` or `serve --migrate`, so that a production
// schema changes only when someone means it to.
func openStore(ctx context.Context, env *Env, cfg *Config) (*store.Store, error) {
	log := newLogger(env.Stderr, cfg.LogLevel)
	s, err := store.Open(ctx, cfg.Database, log)
	if err != nil {
		return nil, err
	}
	if s.Engine() == "sqlite" || cfg.Migrate {
		if err := s.Migrate(ctx); err != nil {
			s.Close()
			return nil, fmt.Errorf("migrate: %w", err)
		}
		return s, nil
	}
	n, err := s.PendingMigrations(ctx)
	if err != nil {
		s.Close()
		return nil, err
	}
	if n > 0 {
		s.Close()
		return nil, fmt.Errorf("the PostgreSQL schema is %d migration(s) behind: run dco migrate, or serve --migrate", n)
	}
	return s, nil
}

// isPostgresURL reports whether a database name is a PostgreSQL URL, as
// store.Open decides it; anything else is a SQLite file path.
func isPostgresURL(name string) bool {
	return strings.HasPrefix(name, "postgres://") || strings.HasPrefix(name, "postgresql://")
}

// storeCalendar returns the working-day calendar of an open store: the gov.uk
// bank holidays embedded in dco merged with those imported into the store by
// dco import bank-holidays. Commands that have a store open use it, so that
// the calendar always comes from the database they were given.
func storeCalendar(ctx context.Context, s *store.Store) (*send.Calendar, error) {
	hs, err := s.BankHolidays(ctx)
	if err != nil {
		return nil, fmt.Errorf("reading the imported bank holidays: %w", err)
	}
	return send.DefaultCalendar().With(hs), nil
}

// calendarOpenTimeout bounds how long dco clock waits for a database that
// does not answer (an unreachable PostgreSQL server) before it gives up.
const calendarOpenTimeout = 15 * time.Second

// clockCalendar returns the calendar for a working-day deadline asked for on
// the command line: storeCalendar of the configured database, opened only
// to read it (never created or migrated). Only the default database, dco.db,
// may be absent, and then the embedded list is used alone. A database named
// by --db or DCO_DATABASE that cannot be opened or read is an error, never
// silently replaced by the embedded list: the holidays imported into it
// might have moved the deadline.
func clockCalendar(ctx context.Context, cfg *Config) (*send.Calendar, error) {
	if !isPostgresURL(cfg.Database) && !fileExists(cfg.Database) {
		// store.Open would create the file; only a missing default is fine.
		// Anything else (a directory, a path that cannot be looked at) is
		// left to store.Open to explain.
		if _, err := os.Stat(cfg.Database); errors.Is(err, os.ErrNotExist) {
			if !cfg.DatabaseNamed {
				return send.DefaultCalendar(), nil
			}
			return nil, fmt.Errorf("%s: no such database file", cfg.Database)
		}
	}
	ctx, cancel := context.WithTimeout(ctx, calendarOpenTimeout)
	defer cancel()
	s, err := store.Open(ctx, cfg.Database, slog.New(slog.DiscardHandler))
	if err != nil {
		return nil, err
	}
	defer s.Close()
	return storeCalendar(ctx, s)
}
