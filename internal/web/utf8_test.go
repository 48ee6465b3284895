package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"dco/internal/store"
)

// TestJSONNotUTF8 names the property whose text is not UTF-8, as a dotted
// path, wherever it is in the body; valid text (an escaped U+FFFD
// included) is not refused.
func TestJSONNotUTF8(t *testing.T) {
	tests := []struct {
		name, body, want string
		bad              bool
	}{
		{"valid", `{"given_name":"Amélie","flags":{"looked_after":true}}`, "", false},
		{"escaped replacement character", `{"given_name":"A\ufffd"}`, "", false},
		{"top level", "{\"nhs_number\":\"9990000018\",\"given_name\":\"\xff\xfe\"}", "given_name", true},
		{"after a nested object", "{\"flags\":{\"looked_after\":true},\"setting\":\"St \xc0 Mary\"}", "setting", true},
		{"nested", "{\"kind\":\"s23\",\"child\":{\"nhs_number\":\"9990000018\",\"family_name\":\"Sm\xffith\"}}", "child.family_name", true},
		{"in an array", "{\"needs\":[\"semh\",\"comm\xffunication\"]}", "needs", true},
		{"a name", "{\"child\":{\"giv\xffen\":\"A\"}}", "child.giv\ufffden", true},
		{"truncated sequence", "{\"given_name\":\"A\xe2\x82\"}", "given_name", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, bad := jsonNotUTF8([]byte(tc.body))
			if got != tc.want || bad != tc.bad {
				t.Errorf("got %q, %v, want %q, %v", got, bad, tc.want, tc.bad)
			}
		})
	}
}

// TestNotUTF8Refused is issue 8 item 7 through the routes: a form field, a
// query parameter or a JSON property that is not UTF-8 is refused with 400
// naming the field, by the one check every form and query (guard) and every
// JSON body (decodeStrict) pass through, and nothing is stored; the
// attack's POST /children with given_name=%FF%FE stored the raw bytes.
func TestNotUTF8Refused(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	dco := e.as("dco")
	form := e.childForm(e.childA, e.laA.Code)
	form.Set("nhs_number", string(newNHSNumber()))
	form.Set("given_name", "\xff\xfe")
	tests := []struct {
		name  string
		send  func() response
		field string
	}{
		{"POST /children", func() response { return dco.post("/children", form) }, "given_name"},
		{"POST /children/{id}", func() response {
			f := e.childForm(e.current(e.childA), e.laA.Code)
			f.Set("setting", "St Mary\xc0s")
			return dco.post("/children/"+itoa(e.childA.ID), f)
		}, "setting"},
		{"POST /advice-requests", func() response {
			return dco.post("/advice-requests", url.Values{"child_id": {itoa(e.childA.ID)}, "la_reference": {"REF\xff"}})
		}, "la_reference"},
		{"POST /sign-in", func() response {
			r := httptest.NewRequest(http.MethodPost, "/sign-in", strings.NewReader(url.Values{
				"email": {"dco@example.nhs.uk\xff"}, "password": {testPassword}, "csrf_token": {"t"}}.Encode()))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			r.Header.Set("Sec-Fetch-Site", "same-origin")
			r.AddCookie(&http.Cookie{Name: e.srv.csrfCookie, Value: "t"})
			return e.serve(r)
		}, "email"},
		{"GET /children?q=", func() response { return dco.get("/children?q=%FF%FE") }, "q"},
		{"POST /api/v1/children", func() response {
			return dco.api(http.MethodPost, "/api/v1/children", "{\"nhs_number\":\""+string(newNHSNumber())+
				"\",\"given_name\":\"\xff\xfe\",\"family_name\":\"Smith\",\"date_of_birth\":\"2016-03-15\",\"la_code\":\"800\"}")
		}, "given_name"},
		{"PATCH /api/v1/children/{id}", func() response {
			return dco.api(http.MethodPatch, "/api/v1/children/"+itoa(e.childA.ID),
				"{\"version\":"+itoa(e.current(e.childA).Version)+",\"setting\":\"St Mary\xc0s\"}")
		}, "setting"},
		{"POST /api/v1/s23-notifications", func() response {
			return dco.api(http.MethodPost, "/api/v1/s23-notifications",
				"{\"kind\":\"s23\",\"child\":{\"nhs_number\":\""+string(newNHSNumber())+"\",\"family_name\":\"Sm\xffith\"}}")
		}, "child.family_name"},
		{"GET /api/v1/children?q=", func() response { return dco.api(http.MethodGet, "/api/v1/children?q=%FF", "") }, "q"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before, _ := e.store.CountChildren(ctx, store.System)
			version := e.current(e.childA).Version
			res := tc.send()
			if res.StatusCode != http.StatusBadRequest {
				t.Fatalf("got %d, want 400\n%s", res.StatusCode, res.Body)
			}
			if strings.Contains(tc.name, "/api/") {
				if got := decodeError(t, res).Fields[tc.field]; got == "" {
					t.Errorf("error fields: got none for %s, want it named\n%s", tc.field, res.Body)
				}
			} else if !strings.Contains(res.Body, "The field "+tc.field+" contains characters that cannot be read") {
				t.Errorf("page: got no message naming %s\n%s", tc.field, res.Body)
			}
			if after, _ := e.store.CountChildren(ctx, store.System); after != before {
				t.Errorf("children: got %d, want %d", after, before)
			}
			if got := e.current(e.childA).Version; got != version {
				t.Errorf("child A's version: got %d, want %d", got, version)
			}
		})
	}

	// The CSRF check still comes first: a cross-site form with bad text is
	// a 403, not a message about its text.
	f := url.Values{"given_name": {"\xff"}, "csrf_token": {"wrong"}}
	if res := dco.post("/children", f); res.StatusCode != http.StatusForbidden {
		t.Errorf("wrong CSRF token with bad text: got %d, want 403", res.StatusCode)
	}
}

// TestFormTooLarge is issue 8 item 8: a form over the size limit is
// answered 413 with a page that says so, not the 403 of a CSRF token that
// could not be read from the cut-off body, and nothing is stored or
// audited as a refusal.
func TestFormTooLarge(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	dco := e.as("dco")
	big := strings.Repeat("x", maxBody)
	tests := []struct {
		name string
		send func() response
	}{
		{"POST /children", func() response {
			f := e.childForm(e.childA, e.laA.Code)
			f.Set("nhs_number", string(newNHSNumber()))
			f.Set("setting", big)
			return dco.post("/children", f)
		}},
		{"POST /children/{id}", func() response {
			f := e.childForm(e.current(e.childA), e.laA.Code)
			f.Set("setting", big)
			return dco.post("/children/"+itoa(e.childA.ID), f)
		}},
		{"POST /sign-in", func() response {
			r := httptest.NewRequest(http.MethodPost, "/sign-in", strings.NewReader(url.Values{
				"email": {"dco@example.nhs.uk"}, "password": {big}, "csrf_token": {"t"}}.Encode()))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			r.Header.Set("Sec-Fetch-Site", "same-origin")
			r.AddCookie(&http.Cookie{Name: e.srv.csrfCookie, Value: "t"})
			return e.serve(r)
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before, _ := e.store.CountChildren(ctx, store.System)
			refused := len(e.audit(store.ActionAccessRefused))
			res := tc.send()
			if res.StatusCode != http.StatusRequestEntityTooLarge {
				t.Fatalf("got %d, want 413", res.StatusCode)
			}
			if !strings.Contains(res.Body, "What you sent is too large") || !strings.Contains(res.Body, "1 MB") {
				t.Errorf("page: got no heading and limit, want them\n%s", res.Body)
			}
			if after, _ := e.store.CountChildren(ctx, store.System); after != before {
				t.Errorf("children: got %d, want %d", after, before)
			}
			if got := len(e.audit(store.ActionAccessRefused)); got != refused {
				t.Errorf("access.refused rows: got %d more, want none (not a CSRF refusal)", got-refused)
			}
		})
	}
}
