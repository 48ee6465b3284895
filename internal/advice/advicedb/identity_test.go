package advicedb

import (
	"context"
	"dco/internal/errs"
	"dco/internal/send"
	"dco/internal/store"
	"testing"
	"time"
)

// TestDuplicateAttemptAudited: the two routes that cannot turn a known NHS
// number into a registration request (changing a child's NHS number, and
// registering a child with an advice request) still answer the conflict,
// but audit the attempt against the registered child and count it against
// the user, so that repeating it is slowed as every identity check is.
func TestDuplicateAttemptAudited(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := store.NewTestFixture(t, s)
		known := store.MustCreateChild(t, s, f.LA2User, child(t, 60, f.LA2.ID))
		mine := store.MustCreateChild(t, s, f.LA1User, child(t, 61, f.LA1.ID))
		routes := []struct {
			name string
			call func() error
		}{
			{"changing a child's NHS number", func() error {
				c := mine
				c.NHSNumber = known.NHSNumber
				return s.UpdateChild(ctx, f.LA1User, &c)
			}},
			{"registering a child with an advice request", func() error {
				r := Request{LAReference: "DUP-1", ReceivedOn: send.NewDate(2025, time.May, 20)}
				c := child(t, 62, f.LA1.ID)
				c.NHSNumber = known.NHSNumber
				return New(s).CreateAdviceRequest(ctx, f.LA1User, send.DefaultCalendar(), &r, &c)
			}},
		}
		for _, rt := range routes {
			before := len(store.TestAuditRows(t, s, store.ActionAccessRefused, known.ID))
			store.WantCode(t, rt.call(), errs.Conflict)
			if got := len(store.TestAuditRows(t, s, store.ActionAccessRefused, known.ID)) - before; got != 1 {
				t.Errorf("%s: got %d refused rows against the registered child, want 1", rt.name, got)
			}
		}
		// Two attempts counted; four more, and the next one waits.
		for i := 0; i < 4; i++ {
			store.WantCode(t, routes[i%2].call(), errs.Conflict)
		}
		for _, rt := range routes {
			if err := rt.call(); !errs.Is(err, errs.TooMany) {
				t.Errorf("%s after 6 attempts: got %v, want too_many", rt.name, err)
			}
		}
	})
}
