package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"dco/internal/s23"
	"dco/internal/s23/s23db"
	"dco/internal/send"
	"dco/internal/store"
)

// icbB is a second ICB in an env, with an LA, a provider, its DCO
// ("dcoB") and its provider's user ("providerB").
type icbB struct {
	icb, la, prov store.Org
}

// otherICB adds icbB to the env, and a DCO of no ICB ("national"), an
// account made before every DCO had to belong to an ICB, who sees no
// notification of any ICB.
func (e *env) otherICB() icbB {
	e.t.Helper()
	ctx := context.Background()
	var b icbB
	b.icb = store.Org{Kind: store.OrgICB, Name: "Other ICB", Code: "QXX"}
	if err := e.store.CreateOrg(ctx, store.System, &b.icb); err != nil {
		e.t.Fatal(err)
	}
	b.la = store.Org{Kind: store.OrgLA, Name: "Gammashire", Code: "887", ONSCode: "E06000035", ParentID: b.icb.ID}
	b.prov = store.Org{Kind: store.OrgProvider, Name: "Gamma Community Health", Code: "RZZ", ParentID: b.icb.ID}
	for _, o := range []*store.Org{&b.la, &b.prov} {
		if err := e.store.CreateOrg(ctx, store.System, o); err != nil {
			e.t.Fatal(err)
		}
	}
	for key, u := range map[string]store.User{
		"dcoB":      {Name: "Test DCO of ICB B", Role: store.RoleDCO, OrgID: b.icb.ID},
		"providerB": {Name: "Test provider of ICB B", Role: store.RoleProvider, OrgID: b.prov.ID},
	} {
		u.Email, u.PasswordHash = key+"@example.nhs.uk", passwordHash(e.t)
		if err := e.store.CreateUser(ctx, store.System, &u); err != nil {
			e.t.Fatal(err)
		}
		e.users[key] = u
	}
	e.users["national"] = store.InsertLegacyUser(e.t, e.store, store.User{Email: "national@example.nhs.uk",
		Name: "Test DCO of no ICB", Role: store.RoleDCO, PasswordHash: passwordHash(e.t)})
	return b
}

// Two ICBs' DCOs set different local standards and letters on their
// notification settings pages: each ICB's lists, compliance and letters use
// its own, whoever looks; neither changes the other's nor the defaults.
func TestS23SettingsPerICB(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	b := e.otherICB()
	dcoA, dcoB, national := e.as("dco"), e.as("dcoB"), e.as("national")
	today := send.Today(e.clock.Now())

	// In each ICB, one notification sent to the LA 8 days after the parent
	// was told, and one still waiting 8 days after.
	mk := func(la, prov store.Org, given string, sent bool) s23db.Notification {
		t.Helper()
		c := e.youngChild(la, given)
		n := s23db.Notification{ChildID: c.ID, Kind: s23.KindS23, ProviderOrgID: prov.ID, Professional: "HV", Needs: []string{"semh"},
			Steps: s23.Steps{OpinionOn: today.AddDays(-8), ParentInformedOn: today.AddDays(-8), DiscussionOfferedOn: today.AddDays(-8)}}
		if sent {
			n.Steps.LANotifiedOn = today
		}
		if err := s23db.New(e.store).Create(ctx, store.System, &n, nil); err != nil {
			t.Fatal(err)
		}
		return n
	}
	sentA, waitingA := mk(e.laA, e.prov, "Sentalpha", true), mk(e.laA, e.prov, "Waitingalpha", false)
	sentB, waitingB := mk(b.la, b.prov, "Sentbeta", true), mk(b.la, b.prov, "Waitingbeta", false)

	save := func(c *client, days, letter string) {
		t.Helper()
		page := c.get("/s23-notifications/settings")
		wantStatus(t, "settings page", page, http.StatusOK)
		f := url.Values{"s23_standard_days": {days}, "s23_ack_standard_days": {"10"},
			"s23_parent_letter_template": {letter}, "s23_la_notification_template": {s23.DefaultLANotification}}
		for _, m := range hiddenRE.FindAllStringSubmatch(page.Body, -1) {
			if strings.HasSuffix(m[1], "-version") {
				f.Set(m[1], m[2])
			}
		}
		wantStatus(t, "save settings", c.post("/s23-notifications/settings", f), http.StatusSeeOther)
	}
	save(dcoA, "5", "ICB A writes to the family of {{child_name}}")
	page := dcoB.get("/s23-notifications/settings").Body
	mustContain(t, "ICB B's settings before it sets its own", page, `value="10"`,
		"The default: your ICB has not set its own")
	if strings.Contains(page, "ICB A writes") || strings.Contains(page, "Your ICB's own value") {
		t.Errorf("ICB B's settings page shows ICB A's values or its own:\n%s", page)
	}
	save(dcoB, "20", "ICB B writes to the family of {{child_name}}")
	mustContain(t, "ICB B's settings after it sets its own", dcoB.get("/s23-notifications/settings").Body,
		`value="20"`, "Your ICB's own value", "ICB B writes to the family of")
	mustContain(t, "ICB A's settings", dcoA.get("/s23-notifications/settings").Body,
		`value="5"`, "Your ICB's own value", "ICB A writes to the family of")
	for _, tc := range []struct {
		name string
		icb  int64
		days int
	}{
		{"ICB A", e.icb.ID, 5},
		{"ICB B", b.icb.ID, 20},
		{"the defaults", 0, s23.DefaultStandardDays},
	} {
		if cfg, err := s23db.New(e.store).Settings(ctx, tc.icb); err != nil || cfg.StandardDays != tc.days {
			t.Errorf("%s's standard: got %d (%v), want %d", tc.name, cfg.StandardDays, err, tc.days)
		}
	}

	t.Run("each ICB's lists and compliance use its own standard", func(t *testing.T) {
		for _, tc := range []struct {
			name, path string
			who        *client
			in, out    []string
		}{
			{"ICB A's overdue list (5 days)", "/s23-notifications?status=overdue", dcoA, []string{"Waitingalpha"}, []string{"Waitingbeta", "Sentalpha"}},
			{"ICB B's overdue list (20 days)", "/s23-notifications?status=overdue", dcoB, nil, []string{"Waitingbeta", "Waitingalpha"}},
			{"ICB A's list", "/s23-notifications", dcoA, []string{"told within 5 days", "LA notified late"}, []string{"Sentbeta"}},
			{"ICB B's list", "/s23-notifications", dcoB, []string{"told within 20 days", "LA notified on time"}, []string{"LA notified late", "Sentalpha"}},
			{"ICB A's compliance", "/s23-notifications/compliance", dcoA, []string{"Within 5 days </span>0"}, []string{"Gamma Community Health"}},
			{"ICB B's compliance", "/s23-notifications/compliance", dcoB, []string{"Within 20 days </span>1"}, []string{"Test Community Health"}},
			{"ICB A's home page", "/", dcoA, []string{"not told within 5 days"}, nil},
			{"ICB B's home page", "/", dcoB, []string{"not told within 20 days"}, nil},
			{"the provider of ICB B's home page", "/", e.as("providerB"), []string{"not told within 20 days"}, nil},
		} {
			t.Run(tc.name, func(t *testing.T) {
				res := tc.who.get(tc.path)
				wantStatus(t, tc.path, res, http.StatusOK)
				for _, w := range tc.in {
					if !strings.Contains(res.Body, w) {
						t.Errorf("got no %q, want it", w)
					}
				}
				for _, w := range tc.out {
					if strings.Contains(res.Body, w) {
						t.Errorf("got %q, want none", w)
					}
				}
			})
		}
	})

	// A notification's status and letters are by its own ICB's settings,
	// whoever of that ICB looks.
	t.Run("a notification uses its own ICB's settings", func(t *testing.T) {
		for _, tc := range []struct {
			name, path string
			who        *client
			want, not  string
		}{
			{"ICB A's sent notification", s23Path(sentA.ID), dcoA, "LA notified late", "LA notified on time"},
			{"ICB B's sent notification", s23Path(sentB.ID), dcoB, "LA notified on time", "LA notified late"},
			{"ICB B's parent letter, to its DCO", s23Path(waitingB.ID) + "/parent-letter", dcoB,
				"ICB B writes to the family of Waitingbeta Young", "ICB A writes"},
			{"ICB B's parent letter, to its provider", s23Path(waitingB.ID) + "/parent-letter", e.as("providerB"),
				"ICB B writes to the family of Waitingbeta Young", "Dear parent or carer"},
			{"ICB A's parent letter, to its DCO", s23Path(waitingA.ID) + "/parent-letter", dcoA,
				"ICB A writes to the family of Waitingalpha Young", "ICB B writes"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				res := tc.who.get(tc.path)
				wantStatus(t, tc.path, res, http.StatusOK)
				if !strings.Contains(res.Body, tc.want) || strings.Contains(res.Body, tc.not) {
					t.Errorf("got a page without %q or with %q, want %q\n%s", tc.want, tc.not, tc.want, res.Body)
				}
			})
		}
		var got struct {
			Status struct{ Label string } `json:"status"`
		}
		res := e.as("providerB").api(http.MethodGet, "/api/v1/s23-notifications/"+fmt.Sprint(sentB.ID), "")
		if err := json.Unmarshal([]byte(res.Body), &got); err != nil || got.Status.Label != "LA notified on time" {
			t.Errorf("API status of ICB B's notification: got %q (%v), want LA notified on time", got.Status.Label, err)
		}
	})

	// A DCO of no ICB sees no ICB's notifications: before issue 8 they saw
	// every ICB's.
	t.Run("a DCO of no ICB sees no notification", func(t *testing.T) {
		for _, n := range []s23db.Notification{sentA, sentB, waitingA, waitingB} {
			wantStatus(t, "notification page", national.get(s23Path(n.ID)), http.StatusNotFound)
			wantStatus(t, "parent letter", national.get(s23Path(n.ID)+"/parent-letter"), http.StatusNotFound)
			wantStatus(t, "API", national.api(http.MethodGet, "/api/v1/s23-notifications/"+fmt.Sprint(n.ID), ""), http.StatusNotFound)
		}
		list := national.get("/s23-notifications")
		wantStatus(t, "list", list, http.StatusOK)
		for _, name := range []string{"Sentalpha", "Sentbeta", "Waitingalpha", "Waitingbeta"} {
			if strings.Contains(list.Body, name) {
				t.Errorf("list: got %q, want no notification", name)
			}
		}
	})

	// A DCO of no ICB sees the defaults and cannot change them.
	page = national.get("/s23-notifications/settings").Body
	mustContain(t, "the settings page of a DCO of no ICB", page, "Your account belongs to no ICB", `value="10"`)
	if strings.Contains(page, "Save settings") {
		t.Error("a DCO of no ICB is offered to save the defaults")
	}
	f := url.Values{"s23_standard_days": {"3"}, "s23_ack_standard_days": {"10"},
		"s23_parent_letter_template": {s23.DefaultParentLetter}, "s23_la_notification_template": {s23.DefaultLANotification}}
	wantStatus(t, "a DCO of no ICB saving", national.post("/s23-notifications/settings", f), http.StatusForbidden)
	if cfg, _ := s23db.New(e.store).Settings(ctx, 0); cfg.StandardDays != s23.DefaultStandardDays {
		t.Errorf("the defaults' standard: got %d, want %d", cfg.StandardDays, s23.DefaultStandardDays)
	}
}
