package web

import (
	"net/http"
	"strings"
	"testing"

	"dco/internal/send"
	"dco/internal/store"
)

// TestDiskFullPage is docs/quality-bar.md §5 as a user meets it: when the disk is full a
// registration is refused with the 503 page, which says nothing saved before
// was lost and shows no internals; the form's work is not half-stored; and
// once there is room the same form goes through, without a restart.
func TestDiskFullPage(t *testing.T) {
	e := newEnv(t)
	c := e.as("dco")
	lift := store.LimitSQLiteSize(t, e.store, 30)

	long := strings.Repeat("A setting with a long name. ", 7) // under the 200-character limit
	registered, refused := 0, 0
	var last response
	for i := 0; i < 2000 && refused == 0; i++ {
		f := e.childForm(store.Child{NHSNumber: newNHSNumber(), GivenName: "Disk", FamilyName: "Full",
			DateOfBirth: send.NewDate(2010, 1, 1).AddDays(i), Setting: long}, "800")
		last = c.post("/children", f)
		switch last.StatusCode {
		case http.StatusSeeOther:
			registered++
		case http.StatusServiceUnavailable:
			refused++
		default:
			t.Fatalf("registration %d: got %d\n%s", i, last.StatusCode, last.Body)
		}
	}
	if refused == 0 {
		t.Fatalf("the disk never filled after %d registrations", registered)
	}
	for _, want := range []string{"Sorry, the service is unavailable", "Nothing you saved before this has been lost"} {
		if !strings.Contains(last.Body, want) {
			t.Errorf("503 page lacks %q", want)
		}
	}
	for _, leak := range []string{"SQLITE", "sqlite", "database or disk is full", ".go:"} {
		if strings.Contains(last.Body, leak) {
			t.Errorf("503 page shows %q", leak)
		}
	}

	lift()
	f := e.childForm(store.Child{NHSNumber: newNHSNumber(), GivenName: "Room", FamilyName: "Again",
		DateOfBirth: send.NewDate(2016, 2, 2)}, "800")
	if res := c.post("/children", f); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("after room is made: got %d\n%s", res.StatusCode, res.Body)
	}
	if res := c.get("/children?q=Full"); res.StatusCode != http.StatusOK || strings.Count(res.Body, "Full, Disk") < min(registered, 20) {
		t.Errorf("the %d children registered before the disk filled are not all listed (status %d)", registered, res.StatusCode)
	}
}
