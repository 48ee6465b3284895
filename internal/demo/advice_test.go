package demo

import (
	"context"
	"testing"
	"time"

	"dco/internal/advice"
	"dco/internal/advice/advicedb"
	"dco/internal/send"
	"dco/internal/store"
)

// adviceAssigned counts the children of the open advice requests assigned
// to a clinician, whom the assignment lets them see until the request is
// returned or withdrawn.
func adviceAssigned(t *testing.T, s *store.Store, a store.Actor) int {
	t.Helper()
	clock := advice.NewClock(send.DefaultCalendar(), send.Today(time.Now()))
	list, _, err := advicedb.New(s).ListAdviceRequests(context.Background(), a, clock, advicedb.Filter{Open: true, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	kids := map[int64]bool{}
	for _, r := range list {
		kids[r.ChildID] = true
	}
	return len(kids)
}

// The demo's advice requests fill every work queue and every status, so
// that each page has something to show.
func TestSeedAdvice(t *testing.T) {
	ctx := context.Background()
	s := store.OpenTestSQLite(t)
	if _, err := Seed(ctx, s, testPassword, time.Now()); err != nil {
		t.Fatal(err)
	}
	clock := advice.NewClock(send.DefaultCalendar(), send.Today(time.Now()))
	list, total, err := advicedb.New(s).ListAdviceRequests(ctx, store.System, clock, advicedb.Filter{Limit: 1000})
	if err != nil || total != len(adviceProfiles) {
		t.Fatalf("requests: %d %v, want %d", total, err, len(adviceProfiles))
	}
	statuses := map[advice.Status]int{}
	var tally advice.Tally
	las := map[int64]bool{}
	for _, r := range list {
		statuses[clock.Status(r.Facts())]++
		tally.Add(clock, r.Facts())
		las[r.LAID] = true
	}
	for _, st := range []advice.Status{advice.StatusNotStarted, advice.StatusOverdue, advice.StatusDueSoon, advice.StatusPaused,
		advice.StatusOnTime, advice.StatusLate, advice.StatusWithdrawn, advice.StatusInProgress} {
		if statuses[st] == 0 {
			t.Errorf("no demo request is %s: %v", st, statuses)
		}
	}
	for _, q := range advice.Queues() {
		if _, n, _ := advicedb.New(s).ListAdviceRequests(ctx, store.System, clock, advicedb.Filter{Queue: q}); n == 0 {
			t.Errorf("queue %s is empty", q)
		}
	}
	if len(las) != 3 {
		t.Errorf("requests in %d LAs, want 3", len(las))
	}
	if p, ok := tally.OnTimePercent(); !ok || p < 50 || p == 100 {
		t.Errorf("on time: %d%% %v, want most but not all", p, ok)
	}
}
