package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"dco/internal/send"
	"dco/internal/store"
)

// hiddenChild registers, as dco itself, a young child of LA B (s.23
// applies) with details no test types: the child the provider and LA A's
// user may not see.
func (e *env) hiddenChild(today send.Date) store.Child {
	return e.mkChild(store.Child{GivenName: "Secretgiven", FamilyName: "Hiddenfamily", DateOfBirth: today.AddDays(-730),
		Postcode: "SN2 2BB", Setting: "Secret Nursery", LAID: e.laB.ID})
}

// hiddenSecrets are what a user who may not see c must never be shown:
// everything of it they did not type (the date of birth last).
func hiddenSecrets(c store.Child) []string {
	return []string{c.GivenName, c.Postcode, c.Setting, c.DateOfBirth.Long(), c.DateOfBirth.String()}
}

// s23Guess is the form of a provider that knows a child's NHS number,
// family name and LA and guesses the date of birth.
func (e *env) s23Guess(c store.Child, la store.Org, dob, today send.Date) url.Values {
	f := s23Form(c.NHSNumber, "Typedgiven", dob, la.Code, today.AddDays(-9), today.AddDays(-7), send.Date{})
	f.Set("family_name", c.FamilyName)
	return f
}

// s23GuessJSON is the same guess through the API.
func s23GuessJSON(c store.Child, la store.Org, dob, today send.Date, extra string) string {
	return fmt.Sprintf(`{"child":{"nhs_number":%q,"given_name":"Typedgiven","family_name":%q,"date_of_birth":%q,"la_code":%q},
		"professional":"HV","needs":["communication"],"reasons":"Delay","parent_informed_on":%q,"discussion_offered_on":%q,
		"consent_to_share":"yes"%s}`, c.NHSNumber, c.FamilyName, dob, la.Code, today.AddDays(-7), today.AddDays(-7), extra)
}

// mismatchText returns the sentence of body that speaks of a registered
// child, for a failure message.
func mismatchText(body string) string {
	i := strings.Index(body, "already registered")
	if i < 0 {
		return "(nothing about a registered child)"
	}
	return body[max(0, i-40):min(len(body), i+120)]
}

// TestS23CheckNoDateOfBirthOracle reproduces the attack of issue 8 item 3:
// a provider knowing a child's NHS number, family name and LA guesses the
// date of birth through the Section 23 check step, or through the API.
// Every wrong guess gets the one message, audited against the child; the
// 7th attempt waits (429), the right date included; and when the right
// date is finally accepted, the page shows what the provider typed, never
// the registered given name, postcode or setting.
func TestS23CheckNoDateOfBirthOracle(t *testing.T) {
	for _, route := range []string{"POST /s23-notifications/check", "POST /api/v1/s23-notifications"} {
		t.Run(route, func(t *testing.T) {
			e := newEnv(t)
			e.store.Now = e.clock.Now
			today := send.Today(e.clock.Now())
			hidden := e.hiddenChild(today)
			p := e.as("provider")
			try := func(dob send.Date) (response, string) {
				if route == "POST /s23-notifications/check" {
					f := e.s23Guess(hidden, e.laB, dob, today)
					return p.post("/s23-notifications/check", f), f.Encode()
				}
				body := s23GuessJSON(hidden, e.laB, dob, today, "")
				return p.api(http.MethodPost, "/api/v1/s23-notifications", body), body
			}
			for i := 1; i <= 6; i++ {
				res, sent := try(hidden.DateOfBirth.AddDays(i))
				if res.StatusCode != http.StatusUnprocessableEntity {
					t.Fatalf("guess %d: got %d, want 422\n%s", i, res.StatusCode, res.Body)
				}
				if body := htmlUnescape(res.Body); !strings.Contains(body, "already registered with different details") {
					t.Errorf("guess %d: got %q, want the one mismatch message", i, mismatchText(body))
				}
				for _, s := range hiddenSecrets(hidden) {
					if strings.Contains(res.Body, s) && !strings.Contains(sent, s) {
						t.Errorf("guess %d shows %q of the registered child", i, s)
					}
				}
			}
			res, _ := try(hidden.DateOfBirth)
			if res.StatusCode != http.StatusTooManyRequests || !strings.Contains(res.Body, "too many attempts") {
				t.Fatalf("7th attempt: got %d, want 429 saying so", res.StatusCode)
			}
			if strings.Contains(res.Body, hidden.GivenName) {
				t.Errorf("the throttled answer shows the child")
			}
			rows := 0
			for _, a := range e.audit("child.identity_mismatch") {
				if a.ChildID == hidden.ID && a.Outcome == store.OutcomeRefused && a.UserID == p.user.ID {
					rows++
				}
			}
			if rows != 6 {
				t.Errorf("mismatch audit rows against the child: got %d, want 6", rows)
			}
			e.clock.Add(2 * time.Second)
			res, sent := try(hidden.DateOfBirth)
			if route == "POST /s23-notifications/check" {
				wantStatus(t, "the right date after the wait", res, http.StatusOK)
				if !strings.Contains(res.Body, "Typedgiven") || !strings.Contains(res.Body, "Already in dco") {
					t.Errorf("check page: want the typed name and that the child is already in dco\n%s", res.Body)
				}
				for _, s := range hiddenSecrets(hidden) {
					if strings.Contains(res.Body, s) && !strings.Contains(sent, s) && s != hidden.DateOfBirth.Long() {
						t.Errorf("the check page shows %q of the registered child", s)
					}
				}
			} else {
				wantStatus(t, "the right date after the wait", res, http.StatusCreated)
			}
		})
	}
}
