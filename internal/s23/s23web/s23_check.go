package s23web

import (
	"net/http"

	"dco/internal/s23"
	"dco/internal/s23/s23db"
	"dco/internal/store"
	"dco/internal/web"
)

// s23CheckPage is "check your answers" before a notification is recorded,
// and so, once the LA-notified date is given, before it leaves the ICB.
type s23CheckPage struct {
	web.Page
	N          s23db.Notification
	Child      store.Child
	NewChild   bool
	Matched    bool // the details typed are a registered child, shown as typed
	Needs      []string
	Consent    string
	Hidden     []s23Hidden
	Action     string
	ChangeHref string
	SendsToLA  bool
	Editing    bool
}

// s23Check validates the form against everything the store checks and,
// if it passes, shows the answers to confirm.
func (s *Web) s23Check(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	actor := s.Actor(r)
	in := decodeS23Form(r)
	reshow := func(status int, fields map[string]string) { s.s23Reshow(w, r, actor, in, status, fields) }
	n, child, err := s.s23Validate(ctx, actor, in, false)
	if err != nil {
		s.FailForm(w, r, err, reshow)
		return
	}
	if err := s.db.Check(ctx, actor, &n, child); err != nil {
		s.FailForm(w, r, s23FormFieldsOf(err), reshow)
		return
	}
	p := s.s23CheckData(n, in, "/s23-notifications", false)
	p.NewChild = n.ChildID == 0
	p.Matched = in.ChildID == 0 && n.ChildID != 0
	s.Render(w, r, http.StatusOK, "s23_check.html", p)
}

func (s *Web) s23CheckData(n s23db.Notification, in s23Input, action string, editing bool) *s23CheckPage {
	p := &s23CheckPage{N: n, Child: n.Child, Consent: n.Consent.Label(), Hidden: in.hidden(), Action: action,
		SendsToLA: !n.Steps.LANotifiedOn.IsZero(), Editing: editing}
	for _, k := range n.Needs {
		if l, ok := s23.NeedLabel(k); ok {
			p.Needs = append(p.Needs, l)
		}
	}
	p.Title = "Check your answers before recording the notification"
	if p.SendsToLA {
		p.Title = "Check your answers before sending the notification to " + n.LAName
	}
	p.Back, p.BackText = "", ""
	return p
}
