package web

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"dco/internal/advice"
	"dco/internal/advice/advicedb"
	"dco/internal/advice/adviceimport"
	"dco/internal/errs"
	"dco/internal/send"
	"dco/internal/store"
)

// adviceBad is one advice request as the four routes are sent it: the
// child's details (a child not yet registered, so that every route checks
// them) and the request's own fields that a requests file has columns for.
type adviceBad struct {
	nhs           send.NHSNumber // "" for a fresh valid number on each route
	given, family string
	dob           send.Date
	reference     string
	received      send.Date
}

// The field names of each route, from the store's (advicedb, errs.Fields).
// The form, the API and a requests file name every field of a request and
// its child as the store does (the file's columns are the store's field
// names): the maps are empty, and written out so that a route that
// renames a field must say so here.
var (
	adviceFormField = map[string]string{}
	adviceAPIField  = map[string]string{}
	adviceFileField = map[string]string{}
)

// TestAdviceOneValidation sends the same bad advice requests through the
// four routes (the form, the JSON API, a requests file read and
// dry-imported as dco import advice-requests does, and the store) and
// finds the same field errors by each, every one of them in the first
// answer.
func TestAdviceOneValidation(t *testing.T) {
	e := newEnv(t)
	dco := e.as("dco")
	today := send.Today(e.clock.Now())
	good := func() adviceBad {
		return adviceBad{given: "Valid", family: "Routes", dob: today.AddDays(-2000), received: today.AddDays(-10)}
	}
	tests := []struct {
		name   string
		change func(*adviceBad)
		want   []string // the store's field names
	}{
		{"valid", func(*adviceBad) {}, nil},
		{"reference too long", func(b *adviceBad) { b.reference = strings.Repeat("R", advice.MaxLAReference+1) }, []string{"la_reference"}},
		{"tab in the reference", func(b *adviceBad) { b.reference = "EHC\t1" }, []string{"la_reference"}},
		{"received in the future", func(b *adviceBad) { b.received = today.AddDays(1) }, []string{"received_on"}},
		{"received more than 10 years ago", func(b *adviceBad) { b.received = today.AddDays(-11 * 366) }, []string{"received_on"}},
		{"bad NHS number", func(b *adviceBad) { b.nhs = "9991000420" }, []string{"nhs_number"}},
		{"no given name", func(b *adviceBad) { b.given = " " }, []string{"given_name"}},
		{"tab in the family name", func(b *adviceBad) { b.family = "Rou\ttes" }, []string{"family_name"}},
		{"family name too long", func(b *adviceBad) { b.family = strings.Repeat("a", send.MaxNameChars+1) }, []string{"family_name"}},
		{"born in the future", func(b *adviceBad) { b.dob = today.AddDays(1) }, []string{"date_of_birth"}},
		{"born more than 26 years ago", func(b *adviceBad) { b.dob = today.AddDays(-27 * 366) }, []string{"date_of_birth"}},
		{"everything at once", func(b *adviceBad) {
			b.given, b.dob, b.reference, b.received = "", today.AddDays(1), strings.Repeat("R", 51), today.AddDays(1)
		}, []string{"given_name", "date_of_birth", "la_reference", "received_on"}},
	}
	nhsOf := func(b adviceBad) send.NHSNumber {
		if b.nhs == "" {
			return newNHSNumber()
		}
		return b.nhs
	}
	routes := []struct {
		name string
		send func(t *testing.T, b adviceBad) map[string]string // the errors in the route's field names
		to   map[string]string                                 // the route's name of a store field
	}{
		{"form", func(t *testing.T, b adviceBad) map[string]string {
			f := url.Values{"nhs_number": {string(nhsOf(b))}, "given_name": {b.given}, "family_name": {b.family},
				"la_code": {e.laA.Code}, "la_reference": {b.reference}}
			dateForm(f, "date_of_birth", b.dob)
			dateForm(f, "received_on", b.received)
			res := dco.post("/advice-requests", f)
			if res.StatusCode == http.StatusSeeOther {
				return nil
			}
			got := map[string]string{}
			for _, m := range errorSummaryLinkRE.FindAllStringSubmatch(res.Body, -1) {
				field, _, _ := strings.Cut(m[1], "-") // date anchors: received_on-day
				got[field] = htmlUnescape(m[2])
			}
			if len(got) == 0 {
				t.Fatalf("form: got %d and no field errors\n%s", res.StatusCode, res.Body)
			}
			return got
		}, adviceFormField},
		{"API", func(t *testing.T, b adviceBad) map[string]string {
			body, _ := json.Marshal(map[string]any{"nhs_number": string(nhsOf(b)), "given_name": b.given, "family_name": b.family,
				"date_of_birth": b.dob.String(), "la_code": e.laA.Code, "la_reference": b.reference, "received_on": b.received.String()})
			res := dco.api(http.MethodPost, "/api/v1/advice-requests", string(body))
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
		}, adviceAPIField},
		{"file", func(t *testing.T, b adviceBad) map[string]string {
			var file strings.Builder
			w := csv.NewWriter(&file)
			_ = w.Write(adviceimport.Columns)
			cells := map[string]string{"la_code": e.laA.Code, "la_reference": b.reference, "nhs_number": string(nhsOf(b)),
				"given_name": b.given, "family_name": b.family, "date_of_birth": b.dob.String(), "received_on": b.received.String()}
			row := make([]string, len(adviceimport.Columns))
			for i, c := range adviceimport.Columns {
				row[i] = cells[c]
			}
			_ = w.Write(row)
			w.Flush()
			ctx := context.Background()
			res, err := adviceimport.Read(strings.NewReader(file.String()), adviceimport.Options{
				LA:    func(code string) (store.Org, error) { return e.store.FindLA(ctx, code) },
				Today: today,
			})
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Rows) > 0 { // as dco import advice-requests --dry-run does: the database's checks
				sys := store.Actor{UserID: e.users["dco"].ID, Role: store.RoleDCO, OrgID: e.icb.ID}
				_, err := e.advice().ImportAdviceRequests(ctx, sys, send.DefaultCalendar(), res.Rows, true)
				var ie *advicedb.ImportError
				if errors.As(err, &ie) {
					res.AddStoreErrors(ie.Lines)
				} else if err != nil {
					t.Fatal(err)
				}
			}
			got := map[string]string{}
			for _, re := range res.Errors {
				if re.Column == "" {
					t.Fatalf("file: a problem with no column: %v", re)
				}
				got[re.Column] = strings.TrimPrefix(re.Message, re.Column+": ")
			}
			return got
		}, adviceFileField},
		{"store", func(t *testing.T, b adviceBad) map[string]string {
			r := advicedb.Request{LAReference: b.reference, ReceivedOn: b.received}
			c := store.Child{NHSNumber: nhsOf(b), GivenName: b.given, FamilyName: b.family, DateOfBirth: b.dob, LAID: e.laA.ID}
			actor := store.Actor{UserID: e.users["dco"].ID, Role: store.RoleDCO, OrgID: e.icb.ID}
			err := e.advice().CreateAdviceRequest(context.Background(), actor, send.DefaultCalendar(), &r, &c)
			if err != nil && errs.FieldsOf(err) == nil {
				t.Fatal(err)
			}
			return errs.FieldsOf(err)
		}, map[string]string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := good()
			tt.change(&b)
			var answers []routeAnswer
			for _, rt := range routes {
				to := rt.to
				answers = append(answers, routeAnswer{rt.name, func(f string) string { return mapped(to, f) }, rt.send(t, b)})
			}
			compareRoutes(t, tt.want, answers)
		})
	}
}

// routeAnswer is the field errors one route gave, in its own field names
// (to names a store field as the route does).
type routeAnswer struct {
	name string
	to   func(string) string
	got  map[string]string
}

// compareRoutes checks that each route's errors name the fields want
// names (in the route's names) with the first route's messages.
func compareRoutes(t *testing.T, want []string, answers []routeAnswer) {
	t.Helper()
	var first map[string]string // the first route's errors, by store field
	for _, a := range answers {
		name, to, got := a.name, a.to, a.got
		var names []string
		for _, f := range want {
			names = append(names, to(f))
		}
		if fields := slices.Sorted(mapKeys(got)); !slices.Equal(fields, slices.Sorted(slices.Values(names))) {
			t.Errorf("%s: got fields %v (%v), want %v", name, fields, got, names)
			continue
		}
		if first == nil {
			first = map[string]string{}
			for _, f := range want {
				first[f] = got[to(f)]
			}
			continue
		}
		for _, f := range want {
			if msg := got[to(f)]; msg != first[f] {
				t.Errorf("%s: %s: got %q, want %q (the first route's)", name, to(f), msg, first[f])
			}
		}
	}
}

// TestAdvicePartOneValidation answers a contribution with the same bad
// answers through the form and the store (there is no JSON API for
// answers) and finds the same field errors by each, in one answer.
func TestAdvicePartOneValidation(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	today := send.Today(e.clock.Now())
	r := advicedb.Request{ChildID: e.childA.ID, ReceivedOn: today.AddDays(-3)}
	if err := e.advice().CreateAdviceRequest(ctx, store.System, send.DefaultCalendar(), &r, nil); err != nil {
		t.Fatal(err)
	}
	k, err := e.advice().AddAdviceContribution(ctx, store.System, r.ID, "paediatrics", e.users["clinician"].ID)
	if err != nil {
		t.Fatal(err)
	}
	clin := e.as("clinician")
	actor := store.Actor{UserID: e.users["clinician"].ID, Role: store.RoleClinician, OrgID: e.prov.ID}
	line := advice.Provision{Who: "Paediatrician", What: "Review", HowOften: "Termly", HowLong: "A year"}
	tests := []struct {
		name string
		part advice.Part
		want []string
	}{
		{"no needs", advice.Part{Kind: advice.KindAdvice, Advice: advice.Advice{Outcomes: "Walks", Provision: []advice.Provision{line}}, ReturnedOn: today},
			[]string{"needs"}},
		{"needs too long", advice.Part{Kind: advice.KindAdvice, Advice: advice.Advice{Needs: strings.Repeat("n", advice.MaxText+1),
			Outcomes: "Walks", Provision: []advice.Provision{line}}, ReturnedOn: today}, []string{"needs"}},
		{"control character in the outcomes", advice.Part{Kind: advice.KindAdvice, Advice: advice.Advice{Needs: "Mobility",
			Outcomes: "Walks\x07", Provision: []advice.Provision{line}}, ReturnedOn: today}, []string{"outcomes"}},
		{"no provision", advice.Part{Kind: advice.KindAdvice, Advice: advice.Advice{Needs: "Mobility", Outcomes: "Walks"}, ReturnedOn: today},
			[]string{"provision"}},
		{"returned in the future", advice.Part{Kind: advice.KindAdvice, Advice: advice.Advice{Needs: "Mobility", Outcomes: "Walks",
			Provision: []advice.Provision{line}}, ReturnedOn: today.AddDays(1)}, []string{"returned_on"}},
		{"not known without checks", advice.Part{Kind: advice.KindNotKnown, ReturnedOn: today}, []string{"checks"}},
		{"reuse without the agreements", advice.Part{Kind: advice.KindReuse, Reuse: advice.Reuse{Source: "Clinic letter",
			Dated: today.AddDays(-30), AuthorAgreed: true}, ReturnedOn: today}, []string{"reuse_agreed"}},
		{"everything at once", advice.Part{Kind: advice.KindAdvice, Advice: advice.Advice{Outcomes: "Walks\x07"}, ReturnedOn: today.AddDays(1)},
			[]string{"needs", "outcomes", "provision", "returned_on"}},
	}
	form := func(t *testing.T, p advice.Part) map[string]string {
		f := url.Values{"version": {fmt.Sprint(k.Version)}}
		var path string
		switch p.Kind {
		case advice.KindAdvice:
			path = "advice"
			f.Set("needs", p.Advice.Needs)
			f.Set("outcomes", p.Advice.Outcomes)
			pl := p.Advice.Provision
			if len(pl) == 0 {
				pl = []advice.Provision{{}}
			}
			for i, l := range pl {
				n := fmt.Sprintf("provision-%d-", i+1)
				f.Set(n+"who", l.Who)
				f.Set(n+"what", l.What)
				f.Set(n+"how_often", l.HowOften)
				f.Set(n+"how_long", l.HowLong)
			}
			dateForm(f, "returned_on", p.ReturnedOn)
		case advice.KindNotKnown:
			path = "not-known"
			dateForm(f, "nk_returned_on", p.ReturnedOn)
		case advice.KindReuse:
			path = "reuse"
			f.Set("reuse_of_id", "other")
			f.Set("reuse_source", p.Reuse.Source)
			dateForm(f, "reuse_dated", p.Reuse.Dated)
			dateForm(f, "reuse_returned_on", p.ReturnedOn)
			for v, ok := range map[string]bool{"author": p.Reuse.AuthorAgreed, "la": p.Reuse.LAAgreed, "family": p.Reuse.FamilyAgreed} {
				if ok {
					f.Add("reuse_agreed", v)
				}
			}
		}
		res := clin.post(fmt.Sprintf("/advice-contributions/%d/%s", k.ID, path), f)
		if res.StatusCode == http.StatusSeeOther {
			t.Fatalf("form: the bad answer was recorded")
		}
		got := map[string]string{}
		for _, m := range errorSummaryLinkRE.FindAllStringSubmatch(res.Body, -1) {
			field, _, _ := strings.Cut(m[1], "-") // returned_on-day, checks-records_reviewed, provision-1-who
			got[field] = htmlUnescape(m[2])
		}
		if len(got) == 0 {
			t.Fatalf("form: got %d and no field errors\n%s", res.StatusCode, res.Body)
		}
		return got
	}
	storeRoute := func(t *testing.T, p advice.Part) map[string]string {
		a := advicedb.Answer{}
		a.SetRecord(p)
		_, err := e.advice().AnswerAdviceContribution(ctx, actor, k.ID, k.Version, a)
		if errs.FieldsOf(err) == nil {
			t.Fatalf("store: got %v, want field errors", err)
		}
		return errs.FieldsOf(err)
	}
	same := func(f string) string { return f }
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			compareRoutes(t, tt.want, []routeAnswer{{"form", same, form(t, tt.part)}, {"store", same, storeRoute(t, tt.part)}})
		})
	}
}
