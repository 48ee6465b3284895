package web

import (
	"net/http/httptest"
	"strings"
	"testing"

	"dco/internal/errs"
)

// FuzzDecodeStrict feeds arbitrary bodies to the decoder every API shares:
// it must never panic, and anything it refuses must be a 400-class invalid
// error, never an internal one.
func FuzzDecodeStrict(f *testing.F) {
	for _, seed := range []string{
		`{"nhs_number":"9990000018","given_name":"A","family_name":"B","date_of_birth":"2018-01-01"}`,
		`{"flags":{"looked_after":true}}`, `{"child":{"nhs_number":1}}`, `{"version":"x"}`,
		`[]`, `null`, `{`, `{"a":1}`, `{"given_name":{"x":[1,2,{}]}}`, "\x00",
	} {
		f.Add(seed)
	}
	known := map[string]bool{"nhs_number": true, "given_name": true, "family_name": true, "date_of_birth": true, "flags": true, "version": true, "child": true}
	nested := map[string]map[string]bool{"child": {"nhs_number": true}}
	f.Fuzz(func(t *testing.T, body string) {
		var dst struct {
			NHSNumber   *string          `json:"nhs_number"`
			GivenName   *string          `json:"given_name"`
			FamilyName  *string          `json:"family_name"`
			DateOfBirth *string          `json:"date_of_birth"`
			Flags       *map[string]bool `json:"flags"`
			Version     *int64           `json:"version"`
			Child       *struct {
				NHSNumber *string `json:"nhs_number"`
			} `json:"child"`
		}
		r := httptest.NewRequest("POST", "/api/v1/x", strings.NewReader(body))
		err := decodeStrict(r, &dst, known, nested, "unknown fields")
		if err != nil && errs.CodeOf(err) != errs.Invalid {
			t.Fatalf("body %q: got %v (code %q), want an invalid-input error", body, err, errs.CodeOf(err))
		}
	})
}
