package web

import (
	"net/http"
	"strconv"

	"dco/internal/store"
)

// Registration requests: a registration of an NHS number dco holds in
// another ICB is kept for the DCO team of the submitter's ICB instead of
// being refused, so that the submitter is not told the number is known
// (store/registration.go). The DCO lists the open requests and marks each
// resolved once settled. Routes are in routes.go.

func init() {
	pageFiles = append(pageFiles, "registration_requests.html")
	flashes[flashRequestSent] = flash{Success: true, Text: store.MsgRegistrationSent}
	flashes[flashRequestResolved] = flash{Success: true, Text: "Registration request marked as resolved"}
}

// The banners: to the submitter, and to the DCO who resolves a request.
const (
	flashRequestSent     = "registration-sent"
	flashRequestResolved = "registration-resolved"
)

// registrationPage lists the open registration requests of the DCO's ICB.
type registrationPage struct {
	page
	Requests []registrationRow
}

// registrationRow is one request, with when it was sent worded for people.
type registrationRow struct {
	store.RegistrationRequest
	When string
}

func (s *Server) registrationList(w http.ResponseWriter, r *http.Request) {
	actor := state(r).actor(r)
	reqs, err := s.store.ListRegistrationRequests(r.Context(), actor)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p := &registrationPage{}
	for _, q := range reqs {
		p.Requests = append(p.Requests, registrationRow{RegistrationRequest: q, When: longTime(q.SubmittedAt)})
	}
	p.Title = "Registration requests"
	p.Back, p.BackText = "/", "Home"
	s.render(w, r, http.StatusOK, "registration_requests.html", p)
}

func (s *Server) registrationResolve(w http.ResponseWriter, r *http.Request) {
	actor := state(r).actor(r)
	id, err := pathID(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	version, _ := strconv.ParseInt(r.PostFormValue("version"), 10, 64)
	if err := s.store.ResolveRegistrationRequest(r.Context(), actor, id, version); err != nil {
		s.fail(w, r, err)
		return
	}
	s.setFlash(w, r, flashRequestResolved)
	http.Redirect(w, r, "/registration-requests", http.StatusSeeOther)
}
