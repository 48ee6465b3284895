package main

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"dco/internal/send"
	"dco/internal/store"
)

// dco serve --db X takes its working-day calendar from X, the database it
// serves, even when DCO_DATABASE names another: the calendar once came
// from DCO_DATABASE or dco.db alone and was reopened on every page.
func TestServeCalendarFromDB(t *testing.T) {
	dir := t.TempDir()
	served := filepath.Join(dir, "served.db")
	importHolidays(t, served, filepath.Join("testdata", "clock-bank-holidays-2029.json"))
	env := &Env{
		Stdout: new(bytes.Buffer),
		Stderr: new(bytes.Buffer),
		Getenv: func(k string) string {
			return map[string]string{"DCO_DATABASE": filepath.Join(dir, "other.db"), "DCO_LOG_LEVEL": "warn"}[k]
		},
		Now: func() time.Time { return cliNow },
	}
	ctx := context.Background()
	cfg, _, code, ok := loadConfig(env, "serve", serveUsage, []string{"--db", served}, nil)
	if !ok {
		t.Fatalf("loadConfig: got exit %d, want ok", code)
	}
	s, err := openStore(ctx, env, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	opts, err := serveOptions(ctx, env, cfg, s, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	cal, err := opts.Calendar(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if title, _ := cal.Holiday(send.NewDate(2029, time.January, 2)); title != "Imagined extra bank holiday" {
		t.Errorf("2029-01-02: got %q, want the holiday imported into --db", title)
	}
	dl, err := cal.Deadline(send.RuleMediationCertificate, send.NewDate(2028, time.December, 28))
	if err != nil || dl.Due.String() != "2029-01-04" || dl.Provisional {
		t.Errorf("got %s provisional=%v (%v), want 2029-01-04 provisional=false", dl.Due, dl.Provisional, err)
	}
	// Built once: the next request shares the same calendar.
	if again, _ := opts.Calendar(ctx); again != cal {
		t.Error("got a new calendar for the second request, want the one built at start")
	}
}

// The service's calendar re-reads the store no more than once a refresh
// interval, picks up holidays imported meanwhile by another process, and
// keeps the calendar it has when a re-read fails.
func TestLiveCalendarRefresh(t *testing.T) {
	ctx := context.Background()
	s, err := store.Open(ctx, filepath.Join(t.TempDir(), "dco.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	var (
		mu    sync.Mutex
		now   = time.Date(2025, time.June, 1, 9, 0, 0, 0, time.UTC)
		reads int
		fail  error
	)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	load := func(ctx context.Context) (*send.Calendar, error) {
		reads++
		if fail != nil {
			return nil, fail
		}
		return storeCalendar(ctx, s)
	}
	var logged bytes.Buffer
	live, err := newLiveCalendar(ctx, load, slog.New(slog.NewTextHandler(&logged, nil)), time.Minute, clock)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddBankHolidays(ctx, store.System, send.StandingHolidays(2029)); err != nil {
		t.Fatal(err)
	}
	known2029 := func() bool {
		c, err := live.Calendar(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return c.Known(send.NewDate(2029, time.June, 1))
	}
	steps := []struct {
		name    string
		advance time.Duration
		fail    error
		known   bool
		reads   int
	}{
		{"at start: read once", 0, nil, false, 1},
		{"within the minute: no re-read", 59 * time.Second, nil, false, 1},
		{"a minute on: re-read, the import is seen", time.Second, nil, true, 2},
		{"straight after: no re-read", time.Second, nil, true, 2},
		{"a failed re-read keeps the calendar", time.Minute, errors.New("database is locked"), true, 3},
		{"and is not retried within the minute", 30 * time.Second, nil, true, 3},
	}
	for _, st := range steps {
		advance(st.advance)
		fail = st.fail
		if got := known2029(); got != st.known {
			t.Errorf("%s: got 2029 known %v, want %v", st.name, got, st.known)
		}
		if reads != st.reads {
			t.Errorf("%s: got %d reads, want %d", st.name, reads, st.reads)
		}
	}
	if !strings.Contains(logged.String(), "database is locked") {
		t.Errorf("got log %q, want the failed re-read logged", logged.String())
	}
	// Many requests at once when a re-read falls due: one of them reads.
	advance(time.Minute)
	var wg sync.WaitGroup
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if c, _ := live.Calendar(ctx); c == nil {
				t.Error("got no calendar")
			}
		}()
	}
	wg.Wait()
	if reads != 4 {
		t.Errorf("concurrent requests: got %d reads, want 4", reads)
	}
}

// A service whose database cannot give its bank holidays does not start.
func TestLiveCalendarStartFails(t *testing.T) {
	_, err := newLiveCalendar(context.Background(), func(context.Context) (*send.Calendar, error) {
		return nil, errors.New("no such table: bank_holidays")
	}, slog.New(slog.DiscardHandler), time.Minute, time.Now)
	if err == nil || !strings.Contains(err.Error(), "bank_holidays") {
		t.Errorf("got %v, want the read error", err)
	}
}
