package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"dco/internal/send"
	"dco/internal/store"
)

// tribunalWorkflow is a workflow the kernel has never heard of: its Parts
// declare one clock and nothing else, as the next workflow's will.
type tribunalWorkflow struct{}

const tribunalLabel = "Tribunal response to the LA"

func tribunalPath(id int64) string { return "/tribunals/" + strconv.FormatInt(id, 10) }

func (tribunalWorkflow) Web(*Kit) Parts {
	return Parts{Deadlines: []DeadlineKind{{Kind: "tribunal", Rule: "tribunal-response", Label: tribunalLabel, Link: tribunalPath}}}
}

// setTribunal writes a tribunal clock on child c through the kernel, as
// the workflow's store would, due on due.
func (e *env) setTribunal(recordID int64, c store.Child, due send.Date) {
	e.t.Helper()
	err := e.store.Write(context.Background(), func(t *store.Tx) error {
		return t.SetDeadline(context.Background(), store.Deadline{Kind: "tribunal", RecordType: "tribunal_appeal", RecordID: recordID,
			ChildID: c.ID, LAID: c.LAID, ICBID: e.icb.ID, Rule: "tribunal-response", StartsOn: due.AddDays(-28), DueOn: due})
	})
	if err != nil {
		e.t.Fatal(err)
	}
}

// A new workflow's clocks appear on the home pages and the child's page
// from the ledger alone, worded and linked by its Parts, each user seeing
// only the clocks in their scope.
func TestLedgerDeadlinesOnPages(t *testing.T) {
	store.ForEachEngine(t, func(t *testing.T, st *store.Store) {
		e := newEnvOn(t, st, func(o *Options) { o.Workflows = append(o.Workflows, tribunalWorkflow{}) })
		today := send.Today(e.clock.Now())
		cal := send.DefaultCalendar()
		soon, _ := cal.DueSoonBy(today)
		e.setTribunal(101, e.childA, today.AddDays(-3)) // overdue, LA A
		e.setTribunal(102, e.childB, soon)              // due soon, LA B
		e.setTribunal(103, e.childA, soon.AddDays(30))  // neither: only on the child's page

		row := func(id int64, child store.Child) string {
			return fmt.Sprintf(`<a href="%s">%s %s`, tribunalPath(id), child.GivenName, child.FamilyName)
		}
		tests := []struct {
			name, user, path string
			want, notWant    []string
		}{
			{"dco home", "dco", "/", []string{row(101, e.childA), row(102, e.childB), tribunalLabel,
				`nhsuk-tag--red">Overdue`, `nhsuk-tag--orange">Due soon`, "3 days overdue"}, []string{row(103, e.childA)}},
			{"la A home", "la", "/", []string{row(101, e.childA)}, []string{row(102, e.childB)}},
			{"la B home", "laB", "/", []string{row(102, e.childB), "Nothing is overdue."}, []string{row(101, e.childA)}},
			{"clinician home", "clinician", "/", []string{row(101, e.childA)}, []string{row(102, e.childB)}},
			{"provider home", "provider", "/", []string{row(101, e.childA)}, []string{row(102, e.childB)}},
			{"viewer home", "viewer", "/", nil, []string{`id="deadlines"`, tribunalLabel}},
			{"child page", "dco", childPath(e.childA.ID), []string{`<a href="` + tribunalPath(101) + `">` + tribunalLabel,
				`<a href="` + tribunalPath(103) + `">` + tribunalLabel, `nhsuk-tag--red">Overdue`}, []string{tribunalPath(102)}},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				res := e.as(tc.user).get(tc.path)
				if res.StatusCode != http.StatusOK {
					t.Fatalf("got %d, want 200", res.StatusCode)
				}
				for _, w := range tc.want {
					if !strings.Contains(res.Body, w) {
						t.Errorf("got a page without %q, want it", w)
					}
				}
				for _, w := range tc.notWant {
					if strings.Contains(res.Body, w) {
						t.Errorf("got a page with %q, want none", w)
					}
				}
			})
		}

		// First on the home page: before every workflow's section.
		body := e.as("dco").get("/").Body
		if at, advice := strings.Index(body, `id="deadlines"`), strings.Index(body, "Health advice requests"); at < 0 || advice < 0 || at > advice {
			t.Errorf("got the deadlines at %d and the advice section at %d, want the deadlines first", at, advice)
		}
		// The audit words the lists for "who has accessed this record".
		if got := e.srv.actionLabel("deadline.list"); got == "deadline.list" {
			t.Errorf("got no label for deadline.list, want one")
		}
	})
}

// A home page shows the earliest ten of each list and says how many there
// are; with nothing due it says so.
func TestLedgerDeadlinesBounded(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.Workflows = append(o.Workflows, tribunalWorkflow{}) })
	if body := e.as("dco").get("/").Body; !strings.Contains(body, "Nothing is overdue or due in the next 5 working days.") {
		t.Errorf("got a home page without the empty state, want it")
	}
	today := send.Today(e.clock.Now())
	for i := range homeDeadlineSize + 2 {
		e.setTribunal(int64(200+i), e.childA, today.AddDays(-20+i))
	}
	body := e.as("dco").get("/").Body
	if want := fmt.Sprintf("Showing the earliest %d of %d.", homeDeadlineSize, homeDeadlineSize+2); !strings.Contains(body, want) {
		t.Errorf("got a home page without %q, want it", want)
	}
	if got := strings.Count(body, `href="/tribunals/`); got != homeDeadlineSize {
		t.Errorf("got %d rows, want %d", got, homeDeadlineSize)
	}
	if !strings.Contains(body, tribunalPath(200)) || strings.Contains(body, tribunalPath(200+homeDeadlineSize)) {
		t.Errorf("got a list that is not the earliest first")
	}
}

// The workflows wired in word and link their own clocks: a health advice
// request past six weeks is on the DCO's home page as the advice workflow
// names it, linking to the request.
func TestLedgerDeadlinesOfAdvice(t *testing.T) {
	e := newEnv(t)
	today := send.Today(e.clock.Now())
	body := fmt.Sprintf(`{"nhs_number":%q,"la_reference":"API-1","received_on":%q,"services_requested":["salt"]}`,
		e.childA.NHSNumber, today.AddDays(-50))
	res := e.as("la").api(http.MethodPost, "/api/v1/advice-requests", body)
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("got %d %s, want 201", res.StatusCode, res.Body)
	}
	var r struct{ ID int64 }
	if err := json.Unmarshal([]byte(res.Body), &r); err != nil {
		t.Fatal(err)
	}
	home := e.as("dco").get("/").Body
	i := strings.Index(home, `id="deadlines"`)
	if i < 0 {
		t.Fatal("got a home page without deadlines, want them")
	}
	want := fmt.Sprintf(`<a href="/advice-requests/%d">Amelia Ashworth`, r.ID)
	if !strings.Contains(home[i:], want) || !strings.Contains(home[i:], "Health advice to the LA") {
		t.Errorf("got deadlines without %q and the advice label, want them", want)
	}
}
