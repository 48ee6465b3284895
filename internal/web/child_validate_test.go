package web

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"html"
	"maps"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"dco/internal/errs"
	"dco/internal/importer"
	"dco/internal/send"
	"dco/internal/store"
)

// childRoute registers a child by one route as the DCO and returns the
// field errors of its first answer, named as the store names them (la_id);
// ok is false when the child was registered.
type childRoute struct {
	name string
	// placesAnywhere: the route registers as dco itself (dco import
	// children), which may put a child in any LA, so no placement problem
	// is expected of it.
	placesAnywhere bool
	send           func(t *testing.T, e *env, c store.Child, laCode string) (map[string]string, bool)
}

// fromClient renames the form's and the API's field names to the store's:
// people and clients choose an LA by its code (la_code), the store keeps
// its id (la_id).
func fromClient(f map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range f {
		if k == "la_code" {
			k = "la_id"
		}
		out[k] = v
	}
	return out
}

var summaryLinkRE = regexp.MustCompile(`<li><a href="#([^"]+)">([^<]*)</a></li>`)

var childRoutes = []childRoute{
	{name: "form POST /children", send: func(t *testing.T, e *env, c store.Child, laCode string) (map[string]string, bool) {
		f := e.childForm(c, laCode)
		if c.DateOfBirth.IsZero() {
			for _, p := range []string{"day", "month", "year"} {
				f.Set("date_of_birth-"+p, "")
			}
		}
		res := e.as("dco").post("/children", f)
		if res.StatusCode == http.StatusSeeOther {
			return nil, false
		}
		got := map[string]string{}
		for _, m := range summaryLinkRE.FindAllStringSubmatch(res.Body, -1) {
			field := strings.TrimSuffix(m[1], "-day") // the date's summary link goes to its day box
			got[field] = html.UnescapeString(m[2])
		}
		if len(got) == 0 {
			t.Fatalf("form: got %d with no error summary, want 422 listing the errors\n%s", res.StatusCode, res.Body)
		}
		return fromClient(got), true
	}},
	{name: "POST /api/v1/children", send: func(t *testing.T, e *env, c store.Child, laCode string) (map[string]string, bool) {
		body := map[string]any{"nhs_number": string(c.NHSNumber), "given_name": c.GivenName, "family_name": c.FamilyName,
			"postcode": c.Postcode, "la_code": laCode, "setting": c.Setting}
		if !c.DateOfBirth.IsZero() {
			body["date_of_birth"] = c.DateOfBirth.String()
		}
		b, _ := json.Marshal(body)
		res := e.as("dco").api(http.MethodPost, "/api/v1/children", string(b))
		if res.StatusCode == http.StatusCreated {
			return nil, false
		}
		var out struct {
			Error struct{ Fields map[string]string } `json:"error"`
		}
		if err := json.Unmarshal([]byte(res.Body), &out); err != nil || res.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("API: got %d %s, want 422 with fields", res.StatusCode, res.Body)
		}
		return fromClient(out.Error.Fields), true
	}},
	{name: "CSV import (importer.ReadChildren, store.ImportChildren)", placesAnywhere: true,
		send: func(t *testing.T, e *env, c store.Child, laCode string) (map[string]string, bool) {
			ctx := context.Background()
			var buf bytes.Buffer
			w := csv.NewWriter(&buf)
			dob := ""
			if !c.DateOfBirth.IsZero() {
				dob = c.DateOfBirth.String()
			}
			_ = w.Write([]string{"nhs_number", "given_name", "family_name", "date_of_birth", "postcode", "la_code", "setting"})
			_ = w.Write([]string{string(c.NHSNumber), c.GivenName, c.FamilyName, dob, c.Postcode, laCode, c.Setting})
			w.Flush()
			res, err := importer.ReadChildren(&buf, importer.Options{
				LA:    func(code string) (store.Org, error) { return e.store.FindLA(ctx, code) },
				Today: send.Today(e.clock.Now()),
			})
			if err != nil {
				t.Fatalf("read: %v", err)
			}
			if len(res.Errors) > 0 {
				// A file's problem reads "column: message".
				got := map[string]string{}
				for _, re := range res.Errors {
					got[re.Column] = strings.TrimPrefix(re.Message, re.Column+": ")
				}
				return fromClient(got), true
			}
			if _, err := e.store.ImportChildren(ctx, store.System, res.Children); err != nil {
				return errs.FieldsOf(err), true
			}
			return nil, false
		}},
	{name: "store.CreateChild", send: func(t *testing.T, e *env, c store.Child, laCode string) (map[string]string, bool) {
		ctx := context.Background()
		if la, err := e.store.FindLA(ctx, laCode); err == nil {
			c.LAID = la.ID
		}
		d := e.users["dco"]
		err := e.store.CreateChild(ctx, store.Actor{UserID: d.ID, Email: d.Email, Role: d.Role, OrgID: d.OrgID}, &c)
		if err == nil {
			return nil, false
		}
		if !errs.Is(err, errs.Invalid) {
			t.Fatalf("store: got %v, want invalid", err)
		}
		return errs.FieldsOf(err), true
	}},
}

// TestChildSameErrorsEveryRoute: a bad child sent by each of the four
// routes that register one (the form, the JSON API, the CSV import and the
// store itself) is refused with the same field errors, every one of them
// in the first answer: child.Validate's rules with their messages, and
// where the DCO may put the child (the store's rule) alongside them. On
// the old code the form and the API left the 26-year limit and the
// placement to a second round, and the CSV import and the store worded
// every rule differently.
func TestChildSameErrorsEveryRoute(t *testing.T) {
	store.ForEachEngine(t, func(t *testing.T, st *store.Store) {
		e := newEnvOn(t, st)
		ctx := context.Background()
		// An ICB the DCO does not belong to, with an LA.
		other := store.Org{Kind: store.OrgICB, Name: "Other ICB", Code: "QZZ", ONSCode: "E54000099"}
		if err := st.CreateOrg(ctx, store.System, &other); err != nil {
			t.Fatal(err)
		}
		away := store.Org{Kind: store.OrgLA, Name: "Gammaton", Code: "877", ONSCode: "E06000099", ParentID: other.ID}
		if err := st.CreateOrg(ctx, store.System, &away); err != nil {
			t.Fatal(err)
		}
		today := send.Today(e.clock.Now())
		born := send.NewDate(2016, 3, 15)
		good := func() store.Child {
			return store.Child{NHSNumber: newNHSNumber(), GivenName: "Ada", FamilyName: "Lovelace", DateOfBirth: born,
				Postcode: "BA1 1AA", Setting: "Alpha Primary"}
		}
		cases := []struct {
			name   string
			change func(c *store.Child)
			la     string
			want   map[string]string
		}{
			{"every own field wrong", func(c *store.Child) {
				c.NHSNumber = "999 000 0019"
				c.GivenName = "  "
				c.FamilyName = strings.Repeat("a", 101)
				c.DateOfBirth = today.AddDays(1)
				c.Postcode = "BATH"
				c.Setting = "Alpha\tPrimary"
			}, "800", map[string]string{
				"nhs_number":    "The NHS number's check digit is wrong: check it has been typed correctly",
				"given_name":    "Enter the given name",
				"family_name":   "Family name must be 100 characters or fewer",
				"date_of_birth": "Date of birth must be today or in the past",
				"postcode":      "Enter a real postcode, like BA1 1AA",
				"setting":       "Setting must not contain special characters such as tabs or line breaks",
			}},
			{"nothing given", func(c *store.Child) {
				c.NHSNumber, c.GivenName, c.FamilyName, c.DateOfBirth, c.Postcode, c.Setting = "", "", "", send.Date{}, "", ""
			}, "800", map[string]string{
				"nhs_number":    "Enter the NHS number",
				"given_name":    "Enter the given name",
				"family_name":   "Enter the family name",
				"date_of_birth": "Enter the date of birth",
			}},
			{"26 or older, with a short NHS number", func(c *store.Child) {
				c.NHSNumber = "12345"
				c.DateOfBirth = send.NewDate(today.Year()-27, 1, 1)
			}, "866", map[string]string{
				"nhs_number":    "An NHS number has 10 digits",
				"date_of_birth": "Date of birth must be within the last 26 years",
			}},
			{"a line break in a name, in another ICB's LA", func(c *store.Child) {
				c.GivenName = "Ada\nMay"
			}, "877", map[string]string{
				"given_name": "Given name must not contain special characters such as tabs or line breaks",
				"la_id":      "Choose one of your ICB's local authorities",
			}},
			{"only the LA wrong: another ICB's", func(c *store.Child) {}, "877", map[string]string{
				"la_id": "Choose one of your ICB's local authorities",
			}},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				for _, r := range childRoutes {
					t.Run(r.name, func(t *testing.T) {
						want := maps.Clone(tc.want)
						if r.placesAnywhere {
							delete(want, "la_id")
						}
						c := good()
						tc.change(&c)
						before := countChildren(t, e)
						got, refused := r.send(t, e, c, tc.la)
						if len(want) == 0 {
							if refused {
								t.Errorf("got refused with %v, want registered (dco itself places a child in any LA)", got)
							}
							return
						}
						if !refused {
							t.Fatalf("got registered, want refused with %v", want)
						}
						if !maps.Equal(got, want) {
							t.Errorf("field errors:\ngot  %v\nwant %v", fmtFields(got), fmtFields(want))
						}
						if n := countChildren(t, e); n != before {
							t.Errorf("children: got %d, want %d (nothing registered)", n, before)
						}
					})
				}
			})
		}
	})
}

// fmtFields lists field errors one a line, for a readable difference.
func fmtFields(f map[string]string) string {
	var b strings.Builder
	for _, k := range []string{"nhs_number", "given_name", "family_name", "date_of_birth", "postcode", "la_id", "setting"} {
		if v, ok := f[k]; ok {
			fmt.Fprintf(&b, "\n  %s: %s", k, v)
		}
	}
	for k, v := range f {
		if !strings.Contains(b.String(), "\n  "+k+": ") {
			fmt.Fprintf(&b, "\n  %s: %s (unexpected field)", k, v)
		}
	}
	return b.String()
}

// TestChildChangeErrorsOneRound: changing a child badly and moving it
// where the actor may not (an LA caseworker moving a child to another LA)
// is refused with every problem in the first answer, the same by the edit
// form, PATCH /api/v1/children/{id} and store.UpdateChild. On the old code
// the form and the API reported the move only once the rest was right.
func TestChildChangeErrorsOneRound(t *testing.T) {
	store.ForEachEngine(t, func(t *testing.T, st *store.Store) {
		e := newEnvOn(t, st)
		ctx := context.Background()
		want := map[string]string{
			"postcode":      "Enter a real postcode, like BA1 1AA",
			"date_of_birth": "Date of birth must be within the last 26 years",
			"la_id":         "Only the DCO team of the child's ICB can change the child's local authority. Keep it as it is, or ask the DCO team to move the child.",
		}
		old := send.NewDate(send.Today(e.clock.Now()).Year()-30, 1, 1)
		routes := []struct {
			name string
			send func(c store.Child) map[string]string
		}{
			{"form POST /children/{id}", func(c store.Child) map[string]string {
				f := e.childForm(c, "866")
				res := e.as("la").post("/children/"+itoa(c.ID), f)
				got := map[string]string{}
				for _, m := range summaryLinkRE.FindAllStringSubmatch(res.Body, -1) {
					got[strings.TrimSuffix(m[1], "-day")] = html.UnescapeString(m[2])
				}
				return fromClient(got)
			}},
			{"PATCH /api/v1/children/{id}", func(c store.Child) map[string]string {
				res := e.as("la").api(http.MethodPatch, "/api/v1/children/"+itoa(c.ID),
					fmt.Sprintf(`{"version": %d, "postcode": %q, "date_of_birth": %q, "la_code": "866"}`, c.Version, c.Postcode, c.DateOfBirth))
				var out struct {
					Error struct{ Fields map[string]string } `json:"error"`
				}
				_ = json.Unmarshal([]byte(res.Body), &out)
				return fromClient(out.Error.Fields)
			}},
			{"store.UpdateChild", func(c store.Child) map[string]string {
				u := e.users["la"]
				c.LAID = e.laB.ID
				err := e.store.UpdateChild(ctx, store.Actor{UserID: u.ID, Email: u.Email, Role: u.Role, LAID: u.LAID}, &c)
				return errs.FieldsOf(err)
			}},
		}
		for _, r := range routes {
			t.Run(r.name, func(t *testing.T) {
				c := e.childA
				c.Postcode, c.DateOfBirth = "BATH", old
				if got := r.send(c); !maps.Equal(got, want) {
					t.Errorf("field errors:\ngot  %v\nwant %v", fmtFields(got), fmtFields(want))
				}
				if now, err := e.store.GetChild(ctx, store.System, c.ID); err != nil || now.Version != e.childA.Version {
					t.Errorf("child: got version %d (%v), want %d, unchanged", now.Version, err, e.childA.Version)
				}
			})
		}
	})
}
