package web

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"dco/internal/send"
	"dco/internal/store"
)

// A withdrawn request, stored as withdrawn (store: withdrawn_on), shows the
// date it was withdrawn wherever a closed request shows its date: its page,
// the CSV's returned_on, the API's returned_on and the child's timeline.
func TestWithdrawnRequestShowsItsDate(t *testing.T) {
	e := newEnv(t)
	today := send.Today(e.clock.Now())
	on := today.AddDays(-2)
	rq := e.openAdvice(e.childA, 10, "W-DATE")
	if err := e.advice().WithdrawAdviceRequest(context.Background(), store.System, rq.ID, rq.Version, on); err != nil {
		t.Fatal(err)
	}
	dco := e.as("dco")

	page := dco.get(advicePath(rq.ID))
	mustContain(t, "request page", page.Body, `id="advice-returned">`+on.Long())
	csv := dco.get("/advice-requests.csv")
	if !strings.Contains(csv.Body, ",W-DATE,") || !strings.Contains(csv.Body, ","+on.String()+",") {
		t.Errorf("CSV: got\n%s\nwant the W-DATE row with returned_on %s", csv.Body, on)
	}
	api := dco.api(http.MethodGet, "/api/v1/advice-requests/"+itoa(rq.ID), "")
	var got struct {
		State      string `json:"state"`
		ReturnedOn string `json:"returned_on"`
		Outcome    string `json:"outcome"`
	}
	if err := json.Unmarshal([]byte(api.Body), &got); err != nil {
		t.Fatalf("API: %v: %s", err, api.Body)
	}
	if got.State != "withdrawn" || got.ReturnedOn != on.String() || got.Outcome != "withdrawn" {
		t.Errorf("API: got %+v, want withdrawn on %s", got, on)
	}
	child := dco.get(childPath(e.childA.ID))
	mustContain(t, "child's timeline", child.Body, "withdrawn "+on.Long())
}
