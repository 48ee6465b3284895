package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	"dco/internal/advice"
	"dco/internal/send"
	"dco/internal/store"
)

// The routes reach the ledger of deadlines: a request made, moved, paused
// and withdrawn through the JSON API has, after each call, the clock in the
// ledger that the response describes.
func TestAdviceLedgerThroughAPI(t *testing.T) {
	e := newEnv(t)
	la, dco := e.as("la"), e.as("dco")
	ctx := context.Background()
	today := send.Today(e.clock.Now())
	ledger := func(step string, r adviceJSON) {
		t.Helper()
		ds, _, err := e.store.ListDeadlines(ctx, store.System, send.DefaultCalendar(), today, store.DeadlineFilter{Kind: "advice"})
		if err != nil {
			t.Fatal(err)
		}
		if len(ds) != 1 {
			t.Fatalf("%s: got %d ledger rows, want 1", step, len(ds))
		}
		d := ds[0]
		var paused string
		if r.Exception != nil {
			paused = string(r.Exception.Kind)
		}
		got := fmt.Sprintf("request=%d rule=%s %s→%s paused=%q closed=%v", d.RecordID, d.Rule, d.StartsOn, d.DueOn, d.Paused, d.Closed)
		want := fmt.Sprintf("request=%d rule=%s %s→%s paused=%q closed=%v", r.ID, send.RuleHealthAdvice, r.ReceivedOn, r.DueOn,
			paused, r.State == advice.StateWithdrawn)
		if got != want {
			t.Errorf("%s: got %s, want %s", step, got, want)
		}
	}
	decode := func(step string, res response, status int) adviceJSON {
		t.Helper()
		var r adviceJSON
		if res.StatusCode != status {
			t.Fatalf("%s: got %d %s, want %d", step, res.StatusCode, res.Body, status)
		}
		if err := json.Unmarshal([]byte(res.Body), &r); err != nil {
			t.Fatal(err)
		}
		return r
	}
	body := fmt.Sprintf(`{"nhs_number":%q,"la_reference":"API-1","received_on":%q,"services_requested":["salt"]}`,
		e.childA.NHSNumber, today.AddDays(-20))
	r := decode("create", la.api(http.MethodPost, "/api/v1/advice-requests", body), http.StatusCreated)
	ledger("create", r)
	path := fmt.Sprintf("/api/v1/advice-requests/%d", r.ID)
	r = decode("date received", dco.api(http.MethodPatch, path, fmt.Sprintf(`{"version":%d,"received_on":%q}`, r.Version, today.AddDays(-21))), http.StatusOK)
	ledger("date received", r)
	r = decode("exception", dco.api(http.MethodPatch, path, fmt.Sprintf(`{"version":%d,"exception":{"kind":"absent_from_area","reason":"Abroad","on":%q}}`,
		r.Version, today.AddDays(-2))), http.StatusOK)
	if r.Exception == nil {
		t.Fatalf("exception not recorded: %+v", r)
	}
	ledger("exception", r)
	r = decode("withdraw", la.api(http.MethodPatch, path, fmt.Sprintf(`{"version":%d,"status":"withdrawn","withdrawn_on":%q}`, r.Version, today)), http.StatusOK)
	ledger("withdraw", r)
}
