package s23web

import (
	"net/http"
	"strings"

	"dco/internal/s23"
	"dco/internal/s23/s23db"
	"dco/internal/web"
)

// s23Update saves a changed notification. When the change is the one that
// tells the LA (its date recorded for the first time), the answers are
// shown to check first, as for a new notification.
func (s *Web) s23Update(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	actor := s.Actor(r)
	// Read it first: a notification out of scope is "not found" whatever
	// was posted, and the form is re-shown around the record.
	id, cur, err := s.s23Read(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	in, err := s.s23UpdateInput(r, cur)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	reshow := func(status int, fields map[string]string) {
		p, err := s.s23EditPage(ctx, actor, cur, in)
		if err != nil {
			s.Fail(w, r, err)
			return
		}
		p.SetErrors(fields, s23FormFields, s23Anchors)
		s.Render(w, r, status, "s23_form.html", p)
	}
	if r.PostFormValue("change") != "" {
		reshow(http.StatusOK, nil)
		return
	}
	n, _, err := s.s23Validate(ctx, actor, in, true)
	if err != nil {
		s.FailForm(w, r, err, reshow)
		return
	}
	n.ID = id
	if strings.TrimSpace(in.LACode) == "" {
		n.LAID = cur.Child.LAID // "the child's local authority"
	}
	if cur.Steps.LANotifiedOn.IsZero() && !n.Steps.LANotifiedOn.IsZero() && r.PostFormValue("confirm") != "1" {
		// Check first: this is what sends it to the LA.
		s.s23SendCheck(w, r, cur, n, in, reshow)
		return
	}
	if err := s.db.Update(ctx, actor, &n); err != nil {
		s.FailForm(w, r, web.StaleToMessage(s23FormFieldsOf(err)), reshow)
		return
	}
	if cur.Steps.LANotifiedOn.IsZero() && !n.Steps.LANotifiedOn.IsZero() {
		s.SetFlash(w, r, flashS23Sent)
	} else {
		s.SetFlash(w, r, flashS23Saved)
	}
	http.Redirect(w, r, s23Path(id), http.StatusSeeOther)
}

// s23UpdateInput reads the edit form posted for cur: the child, and the
// kind when only a DCO is asked it, stay cur's, and once the LA is told so
// do its date and the LA.
func (s *Web) s23UpdateInput(r *http.Request, cur s23db.Notification) (s23Input, error) {
	in := decodeS23Form(r)
	in.ChildID = cur.ChildID
	if strings.TrimSpace(in.Kind) == "" {
		in.Kind = string(cur.Kind) // only a DCO is asked the kind
	}
	if !cur.Steps.LANotifiedOn.IsZero() {
		// Once the LA is told, its date and the LA stay as recorded here.
		in.Dates[s23.FieldLANotified] = s23DateIn{Parts: web.DatePartsOf(cur.Steps.LANotifiedOn)}
		la, _, err := s.s23Codes(r.Context(), cur)
		if err != nil {
			return in, err
		}
		in.LACode = la
	}
	return in, nil
}

// s23SendCheck shows the check page before a change that sends cur to the
// LA as n. It validates the order of the steps first, so the check page
// never shows what cannot be saved.
func (s *Web) s23SendCheck(w http.ResponseWriter, r *http.Request, cur, n s23db.Notification, in s23Input, reshow func(int, map[string]string)) {
	if bad := n.Steps.Check(cur.Kind, s.s23Today()); len(bad) > 0 {
		reshow(http.StatusUnprocessableEntity, bad)
		return
	}
	check := n
	check.Child, check.ProviderName, check.LAName = cur.Child, cur.ProviderName, cur.LAName
	if n.LAID != 0 && n.LAID != cur.LAID {
		if o, err := s.Store().GetOrg(r.Context(), n.LAID); err == nil {
			check.LAName = o.Name
		}
	}
	p := s.s23CheckData(check, in, s23Path(n.ID), true)
	p.Hidden = append(p.Hidden, s23Hidden{"confirm", "1"})
	s.Render(w, r, http.StatusOK, "s23_check.html", p)
}
