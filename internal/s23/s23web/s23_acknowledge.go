package s23web

import (
	"context"
	"net/http"
	"strconv"

	"dco/internal/s23"
	"dco/internal/send"
	"dco/internal/web"
)

// s23Acknowledge records the LA's acknowledgement on the date given.
func (s *Web) s23Acknowledge(w http.ResponseWriter, r *http.Request) {
	actor := s.Actor(r)
	s.s23PostDate(w, r, s23DateForm{
		field: s23.FieldAcknowledged, label: "Date of acknowledgement", tmpl: "s23_view.html", flash: flashS23Acknowledged,
		page: func(ctx context.Context, id int64, parts web.DateParts) (s23ErrorPage, error) {
			n, err := s.db.Get(ctx, actor, id)
			if err != nil {
				return nil, err
			}
			p, err := s.s23ViewData(ctx, actor, n)
			if err != nil {
				return nil, err
			}
			p.Ack = parts
			return p, nil
		},
		save: func(ctx context.Context, id, version int64, on send.Date) error {
			_, err := s.db.Acknowledge(ctx, actor, id, version, on)
			return err
		},
	})
}

// s23ErrorPage is a page that can show a form's errors.
type s23ErrorPage interface {
	web.PageData
	SetErrors(fields map[string]string, order []string, anchors map[string]string)
}

// s23DateForm is a form that records one date on a notification: the
// LA's acknowledgement, or a letter sent.
type s23DateForm struct {
	field, label string // the date's field and its label in messages
	tmpl, flash  string // the page re-shown with errors, and the banner after
	// page draws the page again with the date as it was given.
	page func(ctx context.Context, id int64, parts web.DateParts) (s23ErrorPage, error)
	// save records the date on the notification read at version.
	save func(ctx context.Context, id, version int64, on send.Date) error
}

// s23PostDate handles a posted s23DateForm: a date that cannot be read, or
// one the store refuses, re-shows the page with the answer and the error;
// a date saved goes back to the notification with the banner.
func (s *Web) s23PostDate(w http.ResponseWriter, r *http.Request, f s23DateForm) {
	ctx := r.Context()
	id, err := web.PathID(r)
	if err != nil {
		s.Fail(w, r, err)
		return
	}
	version, _ := strconv.ParseInt(r.PostFormValue("version"), 10, 64)
	bad := map[string]string{}
	parts := s23FormDate(r, f.field).Parts
	on := web.CheckDateParts(bad, f.field, f.label, parts)
	reshow := func(status int, fields map[string]string) {
		p, err := f.page(ctx, id, parts)
		if err != nil {
			s.Fail(w, r, err)
			return
		}
		p.SetErrors(fields, []string{f.field}, map[string]string{f.field: f.field + "-day"})
		s.Render(w, r, status, f.tmpl, p)
	}
	if len(bad) > 0 {
		reshow(http.StatusUnprocessableEntity, bad)
		return
	}
	if err := f.save(ctx, id, version, on); err != nil {
		s.FailForm(w, r, web.StaleToMessage(err), reshow)
		return
	}
	s.SetFlash(w, r, f.flash)
	http.Redirect(w, r, s23Path(id), http.StatusSeeOther)
}
