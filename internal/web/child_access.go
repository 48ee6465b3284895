package web

import (
	"net/http"
	"strconv"
	"time"

	"dco/internal/store"
)

// childAccessPage answers "who has looked at my child's record" (docs/quality-bar.md §14).
type childAccessPage struct {
	page
	Child   store.Child
	Entries []accessRow
}

// accessRow is one line of the access log as the page shows it.
type accessRow struct {
	When, Who, Role, Action, Outcome string
}

func (s *Server) childAccess(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	actor, c, ok := s.childOfPath(w, r)
	if !ok {
		return
	}
	entries, err := s.store.ChildAccessLog(ctx, actor, c.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p := &childAccessPage{Child: c}
	for _, e := range entries {
		who, role := whoDid(e)
		p.Entries = append(p.Entries, accessRow{
			When: longTime(e.At), Who: who, Role: role,
			Action: s.actionLabel(e.Action), Outcome: outcomeLabel(e.Outcome),
		})
	}
	p.Title = "Who has accessed this record"
	p.Back, p.BackText = "/children/"+strconv.FormatInt(c.ID, 10), "Back to the record"
	s.render(w, r, http.StatusOK, "child_access.html", p)
}

// london is England's time zone: times are shown as people there read them.
var london = func() *time.Location {
	loc, err := time.LoadLocation("Europe/London")
	if err != nil {
		return time.UTC
	}
	return loc
}()

// longTime shows a moment as "17 February 2025 at 2:05pm", London time.
func longTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(london).Format("2 January 2006 at 3:04pm")
}

// whoDid names who an audit row is about, and their role. Work dco does
// itself (imports, seeding, counts for dashboards) is not a person's.
func whoDid(e store.AuditEntry) (who, role string) {
	switch {
	case e.UserID == 0 && e.Email == store.System.Email:
		return "dco (automatic)", "System"
	case e.Email == "":
		return "Not signed in", ""
	}
	return e.Email, roleLabel(e.Role)
}

// actionLabel words an audit action for people.
func (s *Server) actionLabel(a string) string {
	switch a {
	case "child.view":
		return "Viewed the record"
	case "child.create":
		return "Registered the child"
	case "child.update":
		return "Changed the record"
	case "child.import":
		return "Imported the record"
	case "child.grant":
		return "Gave access to the record"
	case "child.revoke":
		return "Took back access to the record"
	case "child.access_log":
		return "Viewed who has accessed the record"
	case "child.duplicates":
		return "Checked for duplicates"
	case "child.search":
		return "Searched, and the record was in the results"
	case "deadline.list":
		return "Saw the record's deadlines in a work list"
	case store.ActionAccessRefused:
		return "Tried to open the record"
	case store.ActionIdentityMismatch:
		return "Gave this NHS number with details that did not match"
	case store.ActionRegisterRequest:
		return "Tried to register the child again (sent to their DCO team)"
	case store.ActionRegisterList:
		return "Listed registration requests"
	case store.ActionRegisterResolve:
		return "Resolved a registration request"
	}
	if l, ok := s.workflowActionLabel(a); ok { // each workflow's actions (kit.go)
		return l
	}
	return a
}

func outcomeLabel(o string) string {
	switch o {
	case store.OutcomeOK:
		return "Allowed"
	case store.OutcomeRefused:
		return "Refused"
	case store.OutcomeFailed:
		return "Failed"
	}
	return o
}
