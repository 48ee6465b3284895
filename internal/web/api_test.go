package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// decodeError reads an API error body, failing the test if it does not
// have the documented shape.
func decodeError(t *testing.T, res response) jsonErrorBody {
	t.Helper()
	var body struct {
		Error *jsonErrorBody `json:"error"`
	}
	if err := json.Unmarshal([]byte(res.Body), &body); err != nil || body.Error == nil || body.Error.Code == "" || body.Error.Message == "" {
		t.Fatalf("error body %q is not {\"error\":{\"code\":…,\"message\":…}}", res.Body)
	}
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("error Content-Type %q", ct)
	}
	return *body.Error
}

func TestAPIUnauthorized(t *testing.T) {
	e := newEnv(t)
	for _, ri := range allRoutes() {
		if !ri.API || ri.Public {
			continue
		}
		path := strings.ReplaceAll(ri.Path, "{id}", itoa(e.childA.ID))
		for _, auth := range []string{"", "Bearer ", "Bearer not-a-real-token", "Basic dXNlcjpwYXNz"} {
			r := httptest.NewRequest(ri.Method, path, strings.NewReader(`{}`))
			if auth != "" {
				r.Header.Set("Authorization", auth)
			}
			// A browser session is no way into the API.
			r.AddCookie(e.as("dco").cookie())
			res := e.serve(r)
			if res.StatusCode != http.StatusUnauthorized {
				t.Errorf("%s with %q: got %d, want 401", ri.Pattern, auth, res.StatusCode)
				continue
			}
			if got := decodeError(t, res); got.Code != "unauthorized" {
				t.Errorf("%s: code %q, want unauthorized", ri.Pattern, got.Code)
			}
			if res.Header.Get("WWW-Authenticate") == "" {
				t.Errorf("%s: 401 without WWW-Authenticate", ri.Pattern)
			}
		}
	}
}

func TestAPIChildren(t *testing.T) {
	e := newEnv(t)
	dco := e.as("dco")

	t.Run("list", func(t *testing.T) {
		res := dco.api(http.MethodGet, "/api/v1/children?la=800", "")
		if res.StatusCode != http.StatusOK {
			t.Fatalf("got %d %s", res.StatusCode, res.Body)
		}
		var got listJSON
		if err := json.Unmarshal([]byte(res.Body), &got); err != nil {
			t.Fatal(err)
		}
		if got.Total != 1 || len(got.Items) != 1 || got.Items[0].ID != e.childA.ID {
			t.Fatalf("got %+v, want child A only", got)
		}
		c := got.Items[0]
		if c.NHSNumber != string(e.childA.NHSNumber) || c.LACode != "800" || c.LAName != "Alphashire" || !c.Flags.LookedAfter {
			t.Errorf("child JSON: %+v", c)
		}
		if c.Derived.Status != "child" || c.Derived.CompulsorySchoolAgeFrom.String() != "2021-03-31" || c.Derived.SEN2AgeBand == "" {
			t.Errorf("derived: %+v", c.Derived)
		}
		for _, key := range []string{`"nhs_number"`, `"date_of_birth":"2016-03-15"`, `"derived":{"age":`, `"compulsory_school_age_until"`, `"nc_year"`, `"flags":{"looked_after":true`} {
			if !strings.Contains(res.Body, key) {
				t.Errorf("JSON lacks %s", key)
			}
		}
	})

	t.Run("list validation", func(t *testing.T) {
		res := dco.api(http.MethodGet, "/api/v1/children?dob=2020-02-31&limit=0", "")
		if res.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("got %d", res.StatusCode)
		}
		got := decodeError(t, res)
		if got.Code != "invalid" || got.Fields["dob"] == "" || got.Fields["limit"] == "" {
			t.Errorf("got %+v, want dob and limit named", got)
		}
	})

	var created childJSON
	t.Run("create", func(t *testing.T) {
		nhs := newNHSNumber()
		res := dco.api(http.MethodPost, "/api/v1/children", fmt.Sprintf(`{"nhs_number":"%s","given_name":"Api","family_name":"Made",
			"date_of_birth":"2008-09-01","postcode":"sn2 2bb","la_code":"866","flags":{"youth_justice":true}}`, nhs.String()))
		if res.StatusCode != http.StatusCreated {
			t.Fatalf("got %d %s", res.StatusCode, res.Body)
		}
		if err := json.Unmarshal([]byte(res.Body), &created); err != nil {
			t.Fatal(err)
		}
		if created.NHSNumber != string(nhs) || created.Postcode != "SN2 2BB" || created.LACode != "866" || !created.Flags.YouthJustice || created.Version != 1 {
			t.Errorf("created: %+v", created)
		}
		if got := res.Header.Get("Location"); got != "/api/v1/children/"+itoa(created.ID) {
			t.Errorf("Location %q", got)
		}
	})

	t.Run("get", func(t *testing.T) {
		res := dco.api(http.MethodGet, "/api/v1/children/"+itoa(created.ID), "")
		if res.StatusCode != http.StatusOK || !strings.Contains(res.Body, `"given_name":"Api"`) {
			t.Errorf("got %d %s", res.StatusCode, res.Body)
		}
		if res := dco.api(http.MethodGet, "/api/v1/children/987654", ""); res.StatusCode != http.StatusNotFound || decodeError(t, res).Code != "not_found" {
			t.Errorf("unknown id: got %d", res.StatusCode)
		}
	})

	t.Run("create invalid", func(t *testing.T) {
		res := dco.api(http.MethodPost, "/api/v1/children", `{"nhs_number":"9991234568","given_name":"","family_name":"X","date_of_birth":"2020-02-30","postcode":"nope"}`)
		if res.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("got %d %s", res.StatusCode, res.Body)
		}
		got := decodeError(t, res)
		for _, f := range []string{"nhs_number", "given_name", "date_of_birth", "postcode", "la_code"} {
			if got.Fields[f] == "" {
				t.Errorf("field %s not named in %+v", f, got.Fields)
			}
		}
	})

	t.Run("unknown field", func(t *testing.T) {
		res := dco.api(http.MethodPost, "/api/v1/children", `{"nhs_number":"x","favourite_colour":"blue"}`)
		if res.StatusCode != http.StatusBadRequest {
			t.Fatalf("got %d %s", res.StatusCode, res.Body)
		}
		if got := decodeError(t, res); got.Fields["favourite_colour"] == "" {
			t.Errorf("unknown field not named: %+v", got)
		}
		res = dco.api(http.MethodPost, "/api/v1/children", `{"flags":{"is_cool":true}}`)
		if got := decodeError(t, res); res.StatusCode != http.StatusBadRequest || got.Fields["flags.is_cool"] == "" {
			t.Errorf("unknown flag: got %d %+v", res.StatusCode, got)
		}
	})

	t.Run("malformed", func(t *testing.T) {
		for _, body := range []string{`not json`, `[1,2]`, `{"given_name": 12}`, `{"version":"1"}`} {
			res := dco.api(http.MethodPost, "/api/v1/children", body)
			if res.StatusCode != http.StatusBadRequest || decodeError(t, res).Code != "invalid" {
				t.Errorf("%s: got %d %s", body, res.StatusCode, res.Body)
			}
		}
	})

	t.Run("too large", func(t *testing.T) {
		body := `{"setting":"` + strings.Repeat("x", maxBody) + `"}`
		res := dco.api(http.MethodPost, "/api/v1/children", body)
		if res.StatusCode != http.StatusBadRequest {
			t.Errorf("got %d, want 400", res.StatusCode)
		}
	})

	t.Run("duplicate", func(t *testing.T) {
		res := dco.api(http.MethodPost, "/api/v1/children", fmt.Sprintf(`{"nhs_number":%q,"given_name":"Amelia","family_name":"Ashworth","date_of_birth":"2016-03-15","la_code":"800"}`, newNHSNumber()))
		if res.StatusCode != http.StatusConflict || decodeError(t, res).Code != "conflict" {
			t.Errorf("likely duplicate: got %d %s", res.StatusCode, res.Body)
		}
		res = dco.api(http.MethodPost, "/api/v1/children", fmt.Sprintf(`{"nhs_number":%q,"given_name":"X","family_name":"Y","date_of_birth":"2016-03-15","la_code":"800"}`, e.childA.NHSNumber))
		if res.StatusCode != http.StatusConflict {
			t.Errorf("same NHS number: got %d %s", res.StatusCode, res.Body)
		}
	})

	t.Run("patch", func(t *testing.T) {
		path := "/api/v1/children/" + itoa(created.ID)
		res := dco.api(http.MethodPatch, path, `{"setting":"No version"}`)
		if res.StatusCode != http.StatusUnprocessableEntity || decodeError(t, res).Fields["version"] == "" {
			t.Errorf("without version: got %d %s", res.StatusCode, res.Body)
		}
		res = dco.api(http.MethodPatch, path, fmt.Sprintf(`{"version":%d,"setting":"Patched College","flags":{"looked_after":true}}`, created.Version))
		if res.StatusCode != http.StatusOK {
			t.Fatalf("patch: got %d %s", res.StatusCode, res.Body)
		}
		var got childJSON
		_ = json.Unmarshal([]byte(res.Body), &got)
		if got.Setting != "Patched College" || got.Version != created.Version+1 || got.GivenName != "Api" || !got.Flags.LookedAfter || !got.Flags.YouthJustice {
			t.Errorf("patched: %+v", got)
		}
		res = dco.api(http.MethodPatch, path, fmt.Sprintf(`{"version":%d,"setting":"Stale"}`, created.Version))
		if res.StatusCode != http.StatusConflict || decodeError(t, res).Code != "conflict" {
			t.Errorf("stale patch: got %d %s", res.StatusCode, res.Body)
		}
		res = dco.api(http.MethodPatch, path, fmt.Sprintf(`{"version":%d,"date_of_birth":"2099-01-01"}`, got.Version))
		if res.StatusCode != http.StatusUnprocessableEntity || decodeError(t, res).Fields["date_of_birth"] == "" {
			t.Errorf("future date of birth: got %d %s", res.StatusCode, res.Body)
		}
	})

	t.Run("role", func(t *testing.T) {
		res := e.as("clinician").api(http.MethodPost, "/api/v1/children", `{}`)
		if res.StatusCode != http.StatusForbidden || decodeError(t, res).Code != "forbidden" {
			t.Errorf("clinician create: got %d %s", res.StatusCode, res.Body)
		}
		res = e.as("viewer").api(http.MethodGet, "/api/v1/children", "")
		if res.StatusCode != http.StatusForbidden {
			t.Errorf("viewer list: got %d", res.StatusCode)
		}
	})

	t.Run("la user", func(t *testing.T) {
		la := e.as("la")
		res := la.api(http.MethodPost, "/api/v1/children", fmt.Sprintf(`{"nhs_number":%q,"given_name":"Own","family_name":"La","date_of_birth":"2011-11-11"}`, newNHSNumber()))
		if res.StatusCode != http.StatusCreated || !strings.Contains(res.Body, `"la_code":"800"`) {
			t.Errorf("LA create in own LA without la_code: got %d %s", res.StatusCode, res.Body)
		}
		res = la.api(http.MethodPost, "/api/v1/children", fmt.Sprintf(`{"nhs_number":%q,"given_name":"Other","family_name":"La","date_of_birth":"2011-11-11","la_code":"866"}`, newNHSNumber()))
		if res.StatusCode != http.StatusUnprocessableEntity || decodeError(t, res).Fields["la_code"] == "" {
			t.Errorf("LA create in another LA: got %d %s", res.StatusCode, res.Body)
		}
	})
}

// TestOpenAPICoversRoutes checks that every API route in routes.go is
// described, with its method, in the OpenAPI document, and that the
// document describes nothing that is not served.
func TestOpenAPICoversRoutes(t *testing.T) {
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
		Servers []struct {
			URL string `json:"url"`
		} `json:"servers"`
		Components struct {
			SecuritySchemes map[string]json.RawMessage `json:"securitySchemes"`
		} `json:"components"`
	}
	if err := json.Unmarshal(openAPI, &doc); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.0") || len(doc.Servers) != 1 || doc.Components.SecuritySchemes["bearerAuth"] == nil {
		t.Fatalf("openapi.json lacks the version, server or bearer security scheme")
	}
	base := doc.Servers[0].URL
	served := map[string]bool{}
	for _, ri := range allRoutes() {
		if !ri.API {
			continue
		}
		rel := strings.TrimPrefix(ri.Path, base)
		method := strings.ToLower(ri.Method)
		served[rel+" "+method] = true
		if _, ok := doc.Paths[rel][method]; !ok {
			t.Errorf("%s is not in openapi.json (as %s %s)", ri.Pattern, method, rel)
		}
	}
	for p, ops := range doc.Paths {
		for m := range ops {
			if m == "parameters" {
				continue
			}
			if !served[p+" "+m] {
				t.Errorf("openapi.json describes %s %s, which routes.go does not serve", m, p)
			}
		}
	}
	e := newEnv(t)
	res := e.serve(httptest.NewRequest(http.MethodGet, "/api/v1/openapi.json", nil))
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
		t.Errorf("GET openapi.json: got %d %q", res.StatusCode, res.Header.Get("Content-Type"))
	}
}
