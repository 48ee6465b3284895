package web

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"dco/internal/errs"
	"dco/internal/s23"
	"dco/internal/s23/s23db"
	"dco/internal/s23/s23import"
	"dco/internal/send"
	"dco/internal/store"
)

// s23Bad is one notification as the four routes are sent it: the child's
// details and what the file has columns for (no areas of need, no
// service; the reasons alone say why).
type s23Bad struct {
	nhs                         send.NHSNumber
	given, family               string
	dob                         send.Date
	professional, reasons       string
	parent, offered, laNotified send.Date
}

// The field names of each route, from the store's (s23db, errs.Fields):
// the form and the API speak of organisations by code and the API of the
// child's details under child; a file names its columns, and has one
// column, reason, for the reasons and for the areas of need it lacks.
var (
	s23FormField = map[string]string{"la_id": "la_code", "child_la_id": "child_la_code", "provider_org_id": "provider_code"}
	s23APIField  = map[string]string{"la_id": "la_code", "child_la_id": "child_la_code", "provider_org_id": "provider_code",
		"voluntary_orgs": "voluntary_organisations", "nhs_number": "child.nhs_number", "given_name": "child.given_name",
		"family_name": "child.family_name", "date_of_birth": "child.date_of_birth"}
)

// s23FileField is the file's column for a store field (s23import.Column).
func s23FileField(f string) string { return s23import.Column(f) }

var errorSummaryLinkRE = regexp.MustCompile(`<li><a href="#([^"]+)">([^<]*)</a></li>`)

// TestS23OneValidation sends the same bad notifications through the four
// routes (the form's check, the JSON API, a notifications file read and
// dry-imported as dco import s23 does, and the store) and finds the same
// field errors by each, every one of them in the first answer.
func TestS23OneValidation(t *testing.T) {
	e := newEnv(t)
	prov := e.as("provider")
	today := send.Today(time.Now())
	good := func() s23Bad {
		return s23Bad{nhs: newNHSNumber(), given: "Valid", family: "Routes", dob: today.AddDays(-700),
			professional: "Jo Test, health visitor", reasons: "Speech and language delay",
			parent: today.AddDays(-5), offered: today.AddDays(-5), laNotified: today.AddDays(-2)}
	}
	tests := []struct {
		name   string
		change func(*s23Bad)
		want   []string // the store's field names
	}{
		{"valid", func(*s23Bad) {}, nil},
		{"no professional", func(b *s23Bad) { b.professional = "  " }, []string{"professional"}},
		{"professional too long", func(b *s23Bad) { b.professional = strings.Repeat("a", s23.MaxProfessional+1) }, []string{"professional"}},
		{"control character in the reasons", func(b *s23Bad) { b.reasons = "Delay\x07" }, []string{"reasons"}},
		// Reasons over s23.MaxReasons do not fit a file's cell (the
		// importer's limit, 1000 characters), so the file cannot carry
		// them: TestValidate covers that limit.
		{"no reasons and no areas of need", func(b *s23Bad) { b.reasons = "" }, []string{"needs"}},
		{"LA before the parent", func(b *s23Bad) { b.laNotified = today.AddDays(-6) }, []string{s23.FieldLANotified}},
		{"parent informed in the future", func(b *s23Bad) {
			b.parent, b.offered, b.laNotified = today.AddDays(1), send.Date{}, send.Date{}
		}, []string{s23.FieldParentInformed}},
		{"offered before the parent", func(b *s23Bad) { b.offered = today.AddDays(-6) }, []string{s23.FieldDiscussionOffered}},
		{"bad NHS number", func(b *s23Bad) { b.nhs = "9991000420" }, []string{"nhs_number"}},
		{"no family name", func(b *s23Bad) { b.family = "" }, []string{"family_name"}},
		{"tab in the given name", func(b *s23Bad) { b.given = "Val\tid" }, []string{"given_name"}},
		{"born in the future", func(b *s23Bad) {
			b.dob = today.AddDays(1)
			b.parent, b.offered, b.laNotified = send.Date{}, send.Date{}, send.Date{}
		}, []string{"date_of_birth"}},
		{"everything at once", func(b *s23Bad) {
			b.nhs, b.given, b.professional, b.reasons = "", "", "", ""
			b.laNotified = today.AddDays(-6)
		}, []string{"nhs_number", "given_name", "professional", "needs", s23.FieldLANotified}},
	}
	routes := []struct {
		name string
		send func(t *testing.T, b s23Bad) map[string]string // the errors in the route's field names
		to   func(field string) string                      // the route's name of a store field
	}{
		{"form", func(t *testing.T, b s23Bad) map[string]string {
			f := s23Form(b.nhs, b.given, b.dob, e.laA.Code, send.Date{}, b.parent, b.laNotified)
			f.Set("family_name", b.family)
			f.Set("professional", b.professional)
			f.Set("reasons", b.reasons)
			f.Del("needs")
			for _, k := range []string{"-day", "-month", "-year"} {
				f.Del(s23.FieldDiscussionOffered + k)
			}
			dateBoxes(f, s23.FieldDiscussionOffered, b.offered)
			res := prov.post("/s23-notifications/check", f)
			got := map[string]string{}
			for _, m := range errorSummaryLinkRE.FindAllStringSubmatch(res.Body, -1) {
				field, _, _ := strings.Cut(m[1], "-") // date and choice anchors: parent_informed_on-day, needs-communication
				got[field] = htmlUnescape(m[2])
			}
			if len(got) == 0 && res.StatusCode != http.StatusOK {
				t.Fatalf("form: got %d and no field errors\n%s", res.StatusCode, res.Body)
			}
			return got
		}, func(f string) string { return mapped(s23FormField, f) }},
		{"API", func(t *testing.T, b s23Bad) map[string]string {
			body, _ := json.Marshal(map[string]any{
				"child": map[string]string{"nhs_number": string(b.nhs), "given_name": b.given, "family_name": b.family,
					"date_of_birth": b.dob.String(), "la_code": e.laA.Code},
				"professional": b.professional, "reasons": b.reasons, "consent_to_share": "yes",
				"parent_informed_on": b.parent.String(), "discussion_offered_on": b.offered.String(), "la_notified_on": b.laNotified.String(),
			})
			res := prov.api(http.MethodPost, "/api/v1/s23-notifications", string(body))
			if res.StatusCode == http.StatusCreated {
				return nil
			}
			var out struct {
				Error struct {
					Fields map[string]string `json:"fields"`
				} `json:"error"`
			}
			if err := json.Unmarshal([]byte(res.Body), &out); err != nil || len(out.Error.Fields) == 0 {
				t.Fatalf("API: got %d %s", res.StatusCode, res.Body)
			}
			return out.Error.Fields
		}, func(f string) string { return mapped(s23APIField, f) }},
		{"file", func(t *testing.T, b s23Bad) map[string]string {
			var file strings.Builder
			w := csv.NewWriter(&file)
			_ = w.Write(s23import.Columns)
			_ = w.Write([]string{string(b.nhs), b.given, b.family, b.dob.String(), e.laA.Code, e.prov.Code, b.professional,
				b.reasons, b.parent.String(), b.offered.String(), b.laNotified.String()})
			w.Flush()
			ctx := context.Background()
			res, err := s23import.Read(strings.NewReader(file.String()), s23import.Options{
				LA:         func(code string) (store.Org, error) { return e.store.FindLA(ctx, code) },
				Provider:   func(code string) (store.Org, error) { return e.store.FindOrgByCode(ctx, store.OrgProvider, code) },
				Today:      today,
				CheckChild: e.store.CheckChild,
			})
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Rows) > 0 { // as dco import s23 does: the database's checks in the same run
				out, err := s23db.New(e.store).Import(ctx, store.System, res.Rows, true)
				if err != nil && len(out.Problems) == 0 {
					t.Fatal(err)
				}
				res.AddStoreErrors(s23import.StoreProblems(out.Problems))
			}
			got := map[string]string{}
			for _, re := range res.Errors {
				got[re.Column] = strings.TrimPrefix(re.Message, re.Column+": ")
			}
			return got
		}, s23FileField},
		{"store", func(t *testing.T, b s23Bad) map[string]string {
			n := s23db.Notification{Professional: b.professional, Reasons: b.reasons, Consent: s23.ConsentYes,
				Steps: s23.Steps{ParentInformedOn: b.parent, DiscussionOfferedOn: b.offered, LANotifiedOn: b.laNotified}}
			c := store.Child{NHSNumber: b.nhs, GivenName: b.given, FamilyName: b.family, DateOfBirth: b.dob, LAID: e.laA.ID}
			actor := store.Actor{UserID: e.users["provider"].ID, Role: store.RoleProvider, OrgID: e.prov.ID}
			err := s23db.New(e.store).Check(context.Background(), actor, &n, &c)
			if err != nil && errs.FieldsOf(err) == nil {
				t.Fatal(err)
			}
			return errs.FieldsOf(err)
		}, func(f string) string { return f }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := good()
			tt.change(&b)
			var form map[string]string // the first route's errors, by store field
			for i, rt := range routes {
				got := rt.send(t, b)
				var want []string
				for _, f := range tt.want {
					if !slices.Contains(want, rt.to(f)) {
						want = append(want, rt.to(f))
					}
				}
				if fields := slices.Sorted(mapKeys(got)); !slices.Equal(fields, slices.Sorted(slices.Values(want))) {
					t.Errorf("%s: got fields %v (%v), want %v", rt.name, fields, got, want)
					continue
				}
				if i == 0 {
					form = map[string]string{}
					for _, f := range tt.want {
						form[f] = got[rt.to(f)]
					}
					continue
				}
				for _, f := range tt.want {
					if msg := got[rt.to(f)]; msg != form[f] {
						t.Errorf("%s: %s: got %q, want %q (the form's)", rt.name, rt.to(f), msg, form[f])
					}
				}
			}
		})
	}
}

// mapped is to[f], or f when to does not rename it.
func mapped(to map[string]string, f string) string {
	if v, ok := to[f]; ok {
		return v
	}
	return f
}

func mapKeys(m map[string]string) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// TestS23EmptyFormOneRound: an empty notification form is answered with
// every required field it lacks at once, the professional and the areas of
// need with the child's details, not in a second round.
func TestS23EmptyFormOneRound(t *testing.T) {
	e := newEnv(t)
	res := e.as("provider").post("/s23-notifications/check", nil)
	wantStatus(t, "empty form", res, http.StatusUnprocessableEntity)
	var got []string
	for _, m := range errorSummaryLinkRE.FindAllStringSubmatch(res.Body, -1) {
		field, _, _ := strings.Cut(m[1], "-")
		got = append(got, field)
	}
	want := []string{"nhs_number", "given_name", "family_name", "date_of_birth", "child_la_code", "professional", "needs", "consent_to_share"}
	if !slices.Equal(got, want) {
		t.Errorf("error summary: got %v, want %v", got, want)
	}
}
