package web

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"dco/internal/advice"
	"dco/internal/send"
	"dco/internal/store"
)

// TestAdviceCaseloadTiming measures QUALITY 19's caseload page (an LA's
// overdue advice requests, first page, rendered HTML), the DCO's "will miss
// six weeks this week" page and the DCO's home over a large imported
// caseload, and logs the import rate and each page's p95 server time. It
// runs only when DCO_ADVICE_TIMING names the number of requests to import
// (30000 is about five years of a large ICB), since it takes a while.
func TestAdviceCaseloadTiming(t *testing.T) {
	n, err := strconv.Atoi(os.Getenv("DCO_ADVICE_TIMING"))
	if err != nil || n <= 0 {
		t.Skip("set DCO_ADVICE_TIMING to a number of requests to measure the caseload pages")
	}
	e := newEnv(t)
	ctx := context.Background()
	today := send.Today(time.Now())
	rows := make([]store.AdviceImportRow, 0, n)
	for i := 0; i < n; i++ {
		la := e.laA.ID
		if i%3 == 1 {
			la = e.laB.ID
		}
		received := today.AddDays(-(i % 1800))
		r := store.AdviceImportRow{Line: i + 2, LAID: la, LAReference: fmt.Sprintf("B-%d", i),
			Child: store.Child{NHSNumber: newNHSNumber(), GivenName: "Bench", FamilyName: fmt.Sprintf("Child%d", i),
				DateOfBirth: send.NewDate(2015, time.Month(1+i%12), 1+i%28)},
			ReceivedOn: received}
		if i%1800 > 60 { // older than two months: returned, most on time
			r.Outcome, r.ReturnedOn = advice.OutcomeAdvice, received.AddDays(30+i%20)
		}
		rows = append(rows, r)
	}
	start := time.Now()
	res, err := e.store.ImportAdviceRequests(ctx, store.System, send.DefaultCalendar(), rows, false)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("imported %d requests and %d children in %v: %.0f requests/s (with full validation, children and audit rows)",
		res.Requests, res.NewChildren, time.Since(start).Round(time.Millisecond), float64(res.Requests)/time.Since(start).Seconds())
	la, dco := e.as("la"), e.as("dco")
	for _, tc := range []struct {
		who  *client
		path string
	}{{la, "/advice-requests?queue=overdue"}, {dco, "/advice-requests?queue=overdue"}, {dco, "/advice-requests/at-risk"}, {dco, "/"}, {la, "/"}} {
		var times []time.Duration
		for i := 0; i < 200; i++ {
			t0 := time.Now()
			r := tc.who.get(tc.path)
			times = append(times, time.Since(t0))
			if r.StatusCode != http.StatusOK {
				t.Fatalf("%s: %d", tc.path, r.StatusCode)
			}
		}
		slices.Sort(times)
		t.Logf("%-5s %-32s p50 %6.1f ms  p95 %6.1f ms", tc.who.user.Role, tc.path,
			float64(times[len(times)/2].Microseconds())/1000, float64(times[len(times)*95/100].Microseconds())/1000)
	}
}
