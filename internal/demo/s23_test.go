package demo

import (
	"context"
	"testing"
	"time"

	"dco/internal/s23"
	"dco/internal/s23/s23db"
	"dco/internal/send"
	"dco/internal/store"
)

// s23Notified counts the distinct children a provider notified.
func s23Notified(t *testing.T, s *store.Store, a store.Actor) int {
	t.Helper()
	ns, _, err := s23db.New(s).List(context.Background(), a, s23db.Filter{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	children := map[int64]bool{}
	for _, n := range ns {
		children[n.ChildID] = true
	}
	return len(children)
}

// TestSeedS23 checks the demo's notifications look like a real ICB's: every
// LA has some, each state appears, and every one keeps the statute's order.
func TestSeedS23(t *testing.T) {
	s := store.OpenTestSQLite(t)
	ctx := context.Background()
	now := time.Date(2025, 6, 2, 9, 0, 0, 0, time.UTC)
	s.Now = func() time.Time { return now }
	if _, err := Seed(ctx, s, testPassword, now); err != nil {
		t.Fatal(err)
	}
	ns, total, err := s23db.New(s).List(ctx, store.System, s23db.Filter{Limit: 1000})
	if err != nil || total < 30 {
		t.Fatalf("notifications: got %d, %v; want at least 30", total, err)
	}
	today := send.Today(now)
	perLA := map[string]int{}
	seen := map[string]int{}
	for _, n := range ns {
		perLA[n.LAName]++
		if bad := n.Steps.Check(n.Kind, today); len(bad) > 0 {
			t.Errorf("notification %d breaks the order: %v", n.ID, bad)
		}
		switch {
		case n.Kind == s23.KindOther:
			seen["other"]++
		case n.LAReason != "":
			seen["another LA"]++
		case n.Steps.LANotifiedOn.IsZero():
			seen["awaiting the LA"]++
		case n.Steps.AcknowledgedOn.IsZero():
			seen["unacknowledged"]++
		default:
			seen["acknowledged"]++
		}
		if n.Others > 0 {
			seen["duplicate"]++
		}
		if d, ok := n.Steps.DaysToNotify(); ok && d > 10 {
			seen["late"]++
		}
	}
	for _, la := range laSpecs {
		if perLA[la.name] == 0 {
			t.Errorf("no notifications to %s", la.name)
		}
	}
	for _, k := range []string{"other", "another LA", "awaiting the LA", "unacknowledged", "acknowledged", "duplicate", "late"} {
		if seen[k] == 0 {
			t.Errorf("no %s notification in the demo (%v)", k, seen)
		}
	}
	t.Logf("%d notifications: %v, per LA %v", total, seen, perLA)
}
