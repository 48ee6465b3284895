package advicedb

import (
	"context"
	"testing"

	"dco/internal/advice"
	"dco/internal/store"
)

// A DCO of no ICB sees no advice request, as they see no child
// (store.TestDCOOfNoICBSeesNoChild).
func TestDCOOfNoICBSeesNoRequest(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := store.NewTestFixture(t, s)
		national := store.LegacyDCO(t, s)
		a := store.MustCreateChild(t, s, f.DCO, store.TestYoungChild(t, 1, f.LA1.ID))
		mustRequest(t, s, f.DCO, a.ID, "2025-05-01", "REF-1")
		if got, total, err := New(s).ListAdviceRequests(ctx, national, testClock(), Filter{}); err != nil || total != 0 || len(got) != 0 {
			t.Errorf("advice list: got %d of %d (%v), want none", len(got), total, err)
		}
	})
}

// AdviceReuseMonths is the ICB's own advice_reuse_months, else the
// default, else advice.DefaultReuseMonths.
func TestAdviceReuseMonthsPerICB(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := store.NewTestFixture(t, s)
		icbB, _, _, dcoB := store.SeedKentICB(t, s)
		db := New(s)
		if got := db.AdviceReuseMonths(ctx, f.ICB.ID); got != advice.DefaultReuseMonths {
			t.Errorf("unset: got %d, want %d", got, advice.DefaultReuseMonths)
		}
		if err := s.SetSetting(ctx, store.System, 0, "advice_reuse_months", "24", 0); err != nil {
			t.Fatal(err)
		}
		if err := s.SetSetting(ctx, dcoB, icbB.ID, "advice_reuse_months", "6", 0); err != nil {
			t.Fatalf("DCO of ICB B sets its own reuse period: %v", err)
		}
		for _, tc := range []struct {
			name string
			icb  int64
			want int
		}{
			{"ICB A reads the default", f.ICB.ID, 24},
			{"ICB B its own", icbB.ID, 6},
			{"the defaults", 0, 24},
		} {
			if got := db.AdviceReuseMonths(ctx, tc.icb); got != tc.want {
				t.Errorf("%s: got %d, want %d", tc.name, got, tc.want)
			}
		}
	})
}
