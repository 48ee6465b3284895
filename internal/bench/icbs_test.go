package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"dco/internal/advice"
	"dco/internal/advice/advicedb"
	"dco/internal/send"
	"dco/internal/store"
)

// several is a run over three ICBs, small and short: it checks who is
// measured and what they count, never how fast.
var several = Options{Children: 700, LAs: 7, ICBs: 3, Requests: 5, Duration: 50 * time.Millisecond, MaxTime: 2 * time.Second, Concurrency: 4}

// totalRE finds the "All local authorities" total of the DCO home and the
// board's dashboard.
var totalRE = regexp.MustCompile(`All local authorities</th>\s*<td[^>]*>([0-9,]+|low)</td>`)

// homeTotal returns the total the home page shows the holder of cookie,
// and the page.
func homeTotal(t *testing.T, h http.Handler, cookie *http.Cookie) (int, string) {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.AddCookie(cookie)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /: status %d", rec.Code)
	}
	body := rec.Body.String()
	m := totalRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("GET /: no total of all local authorities in the page:\n%s", body)
	}
	n, err := strconv.Atoi(strings.ReplaceAll(m[1], ",", ""))
	if err != nil {
		t.Fatalf("GET /: total %q", m[1])
	}
	return n, body
}

func TestSeveralICBs(t *testing.T) {
	ctx := context.Background()
	s := store.OpenTestSQLite(t)
	rep, err := Run(ctx, s, several)
	if err != nil {
		t.Fatal(err)
	}
	d, err := loadDataset(ctx, s, several.LAs, several.ICBs)
	if err != nil {
		t.Fatal(err)
	}

	// Three bench ICBs with fake codes and no ONS code; the LAs go to them
	// round-robin: 001, 004 and 007 to ICB 1.
	if len(d.icbs) != 3 || d.icb.ID != d.icbs[0].ID {
		t.Fatalf("got ICBs %+v, ICB 1 %+v", d.icbs, d.icb)
	}
	for i, o := range d.icbs {
		want := ICBCode
		if i > 0 {
			want = fmt.Sprintf("BENCH%02d", i+1)
		}
		if o.Code != want || o.ONSCode != "" || !strings.Contains(o.Name, "(synthetic)") {
			t.Errorf("ICB %d: got code %q, ONS %q, name %q; want %s, none, synthetic", i+1, o.Code, o.ONSCode, o.Name, want)
		}
	}
	var ours []string
	for i, o := range d.las {
		if o.ParentID != d.icbs[i%3].ID {
			t.Errorf("LA %s: in ICB %d, want ICB %d", o.Code, o.ParentID, d.icbs[i%3].ID)
		}
		if o.ParentID == d.icb.ID {
			ours = append(ours, o.Code)
		}
	}
	if strings.Join(ours, " ") != "001 004 007" {
		t.Errorf("ICB 1's LAs: got %v, want 001 004 007", ours)
	}

	// Who is measured: the DCO and the board member are ICB 1's, the LA
	// caseworker works in an LA of ICB 1.
	if d.dco.OrgID != d.icb.ID || d.viewer.OrgID != d.icb.ID {
		t.Errorf("the DCO is of org %d and the board member of %d; want ICB 1 (%d)", d.dco.OrgID, d.viewer.OrgID, d.icb.ID)
	}
	caseworkerLA, err := s.GetOrg(ctx, d.la.LAID)
	if err != nil {
		t.Fatal(err)
	}
	if caseworkerLA.ParentID != d.icb.ID {
		t.Errorf("the LA caseworker's LA %s is in ICB %d, want ICB 1 (%d)", caseworkerLA.Code, caseworkerLA.ParentID, d.icb.ID)
	}

	// ICB 1's children, counted by the store LA by LA (by la_id, not by
	// the icb_id the pages count on).
	want, all := 0, 0
	for _, o := range d.las {
		n, err := s.CountChildren(ctx, store.Actor{UserID: d.la.ID, Role: store.RoleLA, LAID: o.ID})
		if err != nil {
			t.Fatal(err)
		}
		all += n
		if o.ParentID == d.icb.ID {
			want += n
		}
	}
	if all != several.Children || want == 0 || want >= all {
		t.Fatalf("children: %d in all, %d in ICB 1; want %d in all and ICB 1 a part of them", all, want, several.Children)
	}
	if rep.ICBs != 3 || rep.ICBLAs != 3 || rep.ICBChildren != want || rep.Children != several.Children {
		t.Errorf("report: %d ICBs, ICB 1 with %d LAs and %d children, %d in all; want 3, 3, %d, %d",
			rep.ICBs, rep.ICBLAs, rep.ICBChildren, rep.Children, want, several.Children)
	}

	// The pages the dashboard targets time count ICB 1's children alone.
	m, err := newMeasurer(ctx, s, d, several.withDefaults(), func(string, ...any) {})
	if err != nil {
		t.Fatal(err)
	}
	for _, who := range []struct {
		name   string
		cookie *http.Cookie
	}{{"DCO home", m.dco}, {"viewer dashboard", m.viewer}} {
		got, page := homeTotal(t, m.h, who.cookie)
		if got != want {
			t.Errorf("%s: counts %d children, want ICB 1's %d (of %d)", who.name, got, want, all)
		}
		for _, o := range d.las {
			if in := strings.Contains(page, o.Name+"<"); in != (o.ParentID == d.icb.ID) {
				t.Errorf("%s: LA %s listed %v, want %v", who.name, o.Code, in, !in)
			}
		}
	}

	// Advice requests follow their child's LA into its ICB.
	clock := advice.NewClock(send.DefaultCalendar(), send.Today(time.Now()))
	dcoActor := store.Actor{UserID: d.dco.ID, Role: store.RoleDCO, OrgID: d.icb.ID}
	_, dcoAdvice, err := advicedb.New(s).ListAdviceRequests(ctx, dcoActor, clock, advicedb.Filter{Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	laAdvice := 0
	for _, o := range d.las {
		if o.ParentID != d.icb.ID {
			continue
		}
		_, n, err := advicedb.New(s).ListAdviceRequests(ctx, store.Actor{UserID: d.la.ID, Role: store.RoleLA, LAID: o.ID}, clock, advicedb.Filter{Limit: 1})
		if err != nil {
			t.Fatal(err)
		}
		laAdvice += n
	}
	if dcoAdvice == 0 || dcoAdvice != laAdvice || dcoAdvice >= rep.Advice {
		t.Errorf("advice requests: ICB 1's DCO sees %d, its LAs hold %d, %d in all", dcoAdvice, laAdvice, rep.Advice)
	}

	// The report says what it measured at.
	var text bytes.Buffer
	if err := rep.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	share := fmt.Sprintf("ICB 1 of 3: %s children in 3 LAs", thousands(float64(want)))
	if !strings.Contains(text.String(), share) {
		t.Errorf("the report does not say %q:\n%s", share, text.String())
	}
	for _, tg := range rep.Targets {
		if (tg.Metric == MetricDCOHome || tg.Metric == MetricViewerHome) && !strings.Contains(tg.Note, "measured at "+share) {
			t.Errorf("target %s: note %q does not give the scale", tg.Metric, tg.Note)
		}
	}
}

// TestOneICBHoldingTheNationIsFlagged: the default of one ICB is
// unchanged, and a dashboard figure measured with a whole nation in it
// says so.
func TestOneICBHoldingTheNationIsFlagged(t *testing.T) {
	r := &Report{Children: NationalChildren, ICBs: 1, ICBChildren: NationalChildren, ICBLAs: 10}
	if got := r.icbScale(); !strings.Contains(got, "ICB 1 of 1: 650,000 children in 10 LAs") || !strings.Contains(got, "--icbs 42") {
		t.Errorf("got %q", got)
	}
	r = &Report{Children: 20_000, ICBs: 1, ICBChildren: 20_000, ICBLAs: 10}
	if got := r.icbScale(); got != "ICB 1 of 1: 20,000 children in 10 LAs" {
		t.Errorf("got %q", got)
	}
}

func TestKeptDatasetWithOtherICBsIsRefused(t *testing.T) {
	ctx := context.Background()
	s := store.OpenTestSQLite(t)
	small := Options{Children: 60, LAs: 4, ICBs: 2, Requests: 2, Duration: 20 * time.Millisecond, Concurrency: 2}
	if _, err := Run(ctx, s, small); err != nil {
		t.Fatal(err)
	}
	orgs, err := s.ListOrgs(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, icbs := range []int{1, 3} {
		other := small
		other.ICBs, other.Children = icbs, 80
		_, err := Run(ctx, s, other)
		if !errors.Is(err, ErrOtherICBs) || !strings.Contains(err.Error(), "it has 2") || !strings.Contains(err.Error(), "--icbs 2") {
			t.Errorf("reuse with %d ICBs: got %v, want ErrOtherICBs naming --icbs 2", icbs, err)
		}
	}
	after, err := s.ListOrgs(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := s.CountChildren(ctx, store.System); len(after) != len(orgs) || n != 60 {
		t.Errorf("after the refusals: %d organisations (was %d), %d children (was 60)", len(after), len(orgs), n)
	}
	// With the same number it is reused and topped up.
	again := small
	again.Children = 80
	rep, err := Run(ctx, s, again)
	if err != nil || !rep.Reused || rep.Children != 80 || rep.ICBs != 2 {
		t.Errorf("reuse with 2 ICBs: got %v, %+v", err, rep)
	}

	// A dataset of one ICB, as every dataset kept before --icbs is, is
	// refused for more.
	one := store.OpenTestSQLite(t)
	if _, err := Run(ctx, one, Options{Children: 30, LAs: 3, Requests: 2, Duration: 20 * time.Millisecond, Concurrency: 2}); err != nil {
		t.Fatal(err)
	}
	if _, err := Run(ctx, one, Options{Children: 30, LAs: 3, ICBs: 3, Requests: 2, Duration: 20 * time.Millisecond, Concurrency: 2}); !errors.Is(err, ErrOtherICBs) {
		t.Errorf("one-ICB dataset reused with 3: got %v, want ErrOtherICBs", err)
	}
}

func TestCheckBenchICBs(t *testing.T) {
	icb := func(id int64, code, name string) store.Org {
		return store.Org{ID: id, Kind: store.OrgICB, Code: code, Name: name}
	}
	la := func(id, parent int64, code string) store.Org {
		return store.Org{ID: id, Kind: store.OrgLA, Code: code, Name: laPrefix + code, ParentID: parent}
	}
	one, two := icbOrg(1), icbOrg(2)
	users := []store.User{{Email: "dco@" + EmailDomain}}
	for _, c := range []struct {
		name  string
		orgs  []store.Org
		bench bool
	}{
		{"one ICB", []store.Org{icb(1, one.Code, one.Name), la(2, 1, "001")}, true},
		{"two ICBs", []store.Org{icb(1, one.Code, one.Name), icb(2, two.Code, two.Name), la(3, 1, "001"), la(4, 2, "002")}, true},
		{"no ICB 1", []store.Org{icb(2, two.Code, two.Name), la(4, 2, "002")}, false},
		{"a real ICB beside", []store.Org{icb(1, one.Code, one.Name), icb(2, "QOX", icbPrefix+" lookalike"), la(3, 1, "001")}, false},
		{"a bench code, a real name", []store.Org{icb(1, one.Code, one.Name), icb(2, "BENCH02", "NHS Somewhere ICB"), la(3, 1, "001")}, false},
		{"an LA of a real ICB", []store.Org{icb(1, one.Code, one.Name), la(3, 9, "001")}, false},
	} {
		if err := checkBench(c.orgs, users); (err == nil) != c.bench {
			t.Errorf("%s: got %v, want bench %v", c.name, err, c.bench)
		}
	}
	// Every bench ICB's code passes the store's ODS-style check and none
	// is a real ICB's (three characters, from Q).
	for i := 1; i <= MaxICBs; i++ {
		o := icbOrg(i)
		if !strings.HasPrefix(o.Code, "BENCH") || len(o.Code) < 5 || len(o.Code) > 10 || o.ONSCode != "" {
			t.Errorf("ICB %d: %+v", i, o)
		}
	}
}

func TestICBOptions(t *testing.T) {
	if o := (Options{}).withDefaults(); o.ICBs != 1 {
		t.Errorf("default ICBs: got %d, want 1", o.ICBs)
	}
	for _, o := range []Options{{ICBs: -1}, {ICBs: MaxICBs + 1}, {ICBs: 11}, {LAs: 3, ICBs: 4}} {
		if err := o.Check(); err == nil || !strings.Contains(err.Error(), "ICBs") {
			t.Errorf("%+v: got %v, want a complaint about ICBs", o, err)
		}
	}
	for _, o := range []Options{{ICBs: 1}, {ICBs: 10}, {LAs: 153, ICBs: MaxICBs}, {Children: NationalChildren, LAs: 153, ICBs: 42}} {
		if err := o.Check(); err != nil {
			t.Errorf("%+v: got %v", o, err)
		}
	}
}
