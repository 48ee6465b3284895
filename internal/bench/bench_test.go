package bench

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"dco/internal/advice"
	"dco/internal/importer"
	"dco/internal/send"
	"dco/internal/store"
)

// tiny is a run small and short enough for every test: it proves each
// measurement works end to end, not how fast anything is.
var tiny = Options{Children: 500, Requests: 50, Duration: 200 * time.Millisecond, MaxTime: 2 * time.Second, Concurrency: 8}

func TestRunReportsEveryMetric(t *testing.T) {
	s := store.OpenTestSQLite(t)
	rep, err := Run(context.Background(), s, tiny)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Children != 500 || rep.LAs != DefaultLAs || rep.Reused || rep.Engine != store.EngineSQLite || rep.Advice != 250 {
		t.Errorf("got %d children in %d LAs, %d advice requests, reused %v, engine %s; want 500 in %d, 250, new, sqlite",
			rep.Children, rep.LAs, rep.Advice, rep.Reused, rep.Engine, DefaultLAs)
	}
	var names []string
	for _, m := range rep.Metrics {
		names = append(names, m.Name)
		if m.Count == 0 || m.P50 <= 0 || m.P95 < m.P50 || m.P99 < m.P95 || m.Max < m.P99 || m.Throughput <= 0 || m.Unit == "" {
			t.Errorf("metric %s: got %+v, want a count, ordered percentiles and a throughput", m.Name, m)
		}
	}
	if !slices.Equal(names, MetricNames) {
		t.Errorf("metrics: got %v, want %v", names, MetricNames)
	}
	if m, _ := rep.Metric(MetricImport); m.Throughput <= 0 || m.Count != 1 {
		t.Errorf("import: got %+v, want one batch of 500", m)
	}
	if m, _ := rep.Metric(MetricAdviceImport); m.Throughput <= 0 || m.Count != 1 {
		t.Errorf("advice import: got %+v, want one batch of 250", m)
	}
	// The caseload page must list something for its time to mean anything.
	if rep.Overdue == 0 {
		t.Error("the caseload LA has no overdue advice requests")
	}
	// Each of the 500 children and 250 requests has its import row; every
	// search and every list page adds one.
	if want := 500 + 250 + 3*int64(tiny.Requests); rep.AuditRows < want {
		t.Errorf("audit rows: got %d, want at least %d", rep.AuditRows, want)
	}
	wantTargets := []string{MetricImport, MetricCaseloadPage, MetricCaseloadRate, MetricChildrenPage, MetricConcurrentRate,
		MetricDCOHome, MetricViewerHome, MetricMemory}
	var got []string
	for _, tg := range rep.Targets {
		got = append(got, tg.Metric)
		measured := tg.Result == Pass || tg.Result == Fail
		if tg.Metric == MetricMemory && runtime.GOOS != "linux" {
			measured = tg.Result == NotMeasured
		}
		if !measured {
			t.Errorf("target %s: got result %q", tg.Metric, tg.Result)
		}
	}
	if !slices.Equal(got, wantTargets) {
		t.Errorf("targets: got %v, want %v", got, wantTargets)
	}
	if runtime.GOOS == "linux" && (rep.Memory.RSSMB <= 0 || rep.Memory.HWMMB < rep.Memory.RSSMB) {
		t.Errorf("memory: got %+v, want VmRSS and VmHWM", rep.Memory)
	}

	var text bytes.Buffer
	if err := rep.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	for _, want := range append(slices.Clone(MetricNames), "Targets (docs/quality-bar.md §19)", "VmRSS", "≥ 50,000 rows/s", "≤ 20.00 ms", "≥ 0.250 ratio", "caseload page ÷ static file throughput", "children list ÷ static file throughput") {
		if !strings.Contains(text.String(), want) {
			t.Errorf("the text report does not contain %q:\n%s", want, text.String())
		}
	}
	b, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	var back struct {
		Metrics []struct {
			Name string  `json:"name"`
			P95  float64 `json:"p95_ms"`
		} `json:"metrics"`
		Targets []struct{ Result string } `json:"targets"`
	}
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if len(back.Metrics) != len(MetricNames) || back.Metrics[3].P95 <= 0 || len(back.Targets) != len(wantTargets) {
		t.Errorf("JSON: got %s", b)
	}
}

func TestRunReusesAndTopsUp(t *testing.T) {
	s := store.OpenTestSQLite(t)
	ctx := context.Background()
	small := Options{Children: 300, Requests: 5, Duration: 50 * time.Millisecond, Concurrency: 4}
	if _, err := Run(ctx, s, small); err != nil {
		t.Fatal(err)
	}
	more := small
	more.Children = 420
	rep, err := Run(ctx, s, more)
	if err != nil {
		t.Fatal(err)
	}
	if m, _ := rep.Metric(MetricImport); !rep.Reused || rep.Children != 420 || m.Count != 1 || m.Throughput <= 0 {
		t.Errorf("top-up: got reused %v, %d children, import %+v; want 120 more imported", rep.Reused, rep.Children, m)
	}
	if m, _ := rep.Metric(MetricAdviceImport); rep.Advice != 210 || m.Count != 1 || m.Throughput <= 0 {
		t.Errorf("top-up: got %d advice requests, import %+v; want 60 more imported", rep.Advice, m)
	}
	less := small
	less.Children = 100
	rep, err = Run(ctx, s, less)
	if err != nil {
		t.Fatal(err)
	}
	m, _ := rep.Metric(MetricImport)
	if rep.Children != 420 || m.Count != 0 || m.Note == "" || rep.Targets[0].Result != NotMeasured || len(rep.Notes) != 2 {
		t.Errorf("reuse: got %d children, import %+v, target %+v, notes %v; want 420, nothing imported and said so",
			rep.Children, m, rep.Targets[0], rep.Notes)
	}
	if a, _ := rep.Metric(MetricAdviceImport); rep.Advice != 210 || a.Count != 0 || a.Note == "" {
		t.Errorf("reuse: got %d advice requests, import %+v; want 210, nothing imported and said so", rep.Advice, a)
	}
}

func TestRefusesOtherData(t *testing.T) {
	ctx := context.Background()
	s := store.OpenTestSQLite(t)
	store.SeedFixture(t, s)
	if _, err := Run(ctx, s, tiny); !errors.Is(err, ErrNotBench) {
		t.Errorf("Run on a database with real organisations: got %v, want ErrNotBench", err)
	}

	path := filepath.Join(t.TempDir(), "real.db")
	real, err := store.Open(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := real.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	store.SeedFixture(t, real)
	real.Close()
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Open(ctx, path, false, nil); !errors.Is(err, ErrNotBench) {
		t.Errorf("Open of a real database: got %v, want ErrNotBench", err)
	}
	if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
		t.Error("Open changed a database it refused")
	}

	other := filepath.Join(t.TempDir(), "notes.txt")
	if err := os.WriteFile(other, []byte("not a database"), 0o600); err != nil {
		t.Fatal(err)
	}
	if db, err := Open(ctx, other, false, nil); err == nil {
		db.Close()
		t.Error("Open of a file that is not a database: got no error")
	}
}

func TestOpenTemporaryIsRemoved(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, "", false, nil)
	if err != nil {
		t.Fatal(err)
	}
	path := strings.TrimPrefix(db.Where, "SQLite file ")
	if _, err := os.Stat(path); err != nil || db.Kept != "" {
		t.Fatalf("temporary database %q: %v, kept %q", path, err, db.Kept)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Dir(path)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("after Close the temporary directory is still there (%v)", err)
	}
}

// TestPostgres runs the bench in a schema of its own and checks the schema
// is gone afterwards. It needs DCO_TEST_POSTGRES_URL.
func TestPostgres(t *testing.T) {
	url := store.TestPostgresURL(t)
	ctx := context.Background()
	db, err := Open(ctx, url, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	schema := strings.TrimPrefix(db.Where, "PostgreSQL schema ")
	// Two ICBs, so that the counts by ICB are exercised on PostgreSQL too.
	small := Options{Children: 200, LAs: 4, ICBs: 2, Requests: 5, Duration: 50 * time.Millisecond, Concurrency: 4}
	rep, err := Run(ctx, db.Store, small)
	if cerr := db.Close(); cerr != nil {
		t.Errorf("close: %v", cerr)
	}
	if err != nil {
		t.Fatal(err)
	}
	if rep.Engine != store.EnginePostgres || rep.Children != 200 || rep.ICBs != 2 || rep.ICBLAs != 2 || rep.ICBChildren != 100 {
		t.Errorf("got engine %s, %d children, ICB 1 of %d with %d LAs and %d children; want postgres, 200, ICB 1 of 2 with 2 and 100",
			rep.Engine, rep.Children, rep.ICBs, rep.ICBLAs, rep.ICBChildren)
	}
	admin, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	var n int
	if err := admin.QueryRowContext(ctx, "SELECT count(*) FROM information_schema.schemata WHERE schema_name = $1", schema).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("schema %s is still there after Close", schema)
	}
}

func TestNHSNumbersAreValidAndDistinct(t *testing.T) {
	var q nhsSeq
	prev := ""
	for i := range 5000 {
		n, ok := q.next()
		if !ok {
			t.Fatalf("the sequence ended after %d numbers", i)
		}
		if _, err := send.ParseNHSNumber(n); err != nil || !strings.HasPrefix(n, "999") || n <= prev {
			t.Fatalf("number %d: got %s (%v) after %s; want valid, 999 and ascending", i, n, err, prev)
		}
		prev = n
	}
	if c := Capacity(); c < NationalChildren || c > 1_000_000 {
		t.Errorf("capacity: got %d, want between %d and 1,000,000", c, NationalChildren)
	}
	var a, b nhsSeq
	a.skip(1234)
	for range 1234 {
		b.next()
	}
	x, _ := a.next()
	y, _ := b.next()
	if x != y {
		t.Errorf("skip: got %s, want %s", x, y)
	}
}

func TestGeneratedFileImportsCleanly(t *testing.T) {
	las := []store.Org{{Code: "001"}, {Code: "002"}, {Code: "003"}}
	var q nhsSeq
	data, err := childrenCSV(&q, 0, 2000, las, send.Today(time.Now()))
	if err != nil {
		t.Fatal(err)
	}
	cs, rowErrs, err := importer.ParseChildren(bytes.NewReader(data), func(code string) (store.Org, error) {
		return store.Org{ID: 1, Kind: store.OrgLA, Code: code}, nil
	})
	if err != nil || len(rowErrs) > 0 || len(cs) != 2000 {
		t.Fatalf("got %d children, problems %v, error %v; want 2000 and none", len(cs), rowErrs, err)
	}
}

func TestGeneratedAdviceRequests(t *testing.T) {
	today := send.Today(time.Now())
	c := store.Child{LAID: 1, NHSNumber: "9990000018", GivenName: "Ada", FamilyName: "Smith", DateOfBirth: today.AddDays(-3000)}
	cal := send.DefaultCalendar()
	var open, withdrawn, returned int
	for i := range 10_000 {
		r := adviceRow(i, c, today)
		due, err := advice.Due(cal, r.ReceivedOn)
		if err != nil {
			t.Fatal(err)
		}
		if bad := advice.CheckRecord(r.ReceivedOn, due, r.ReturnedOn, today, r.Outcome, r.Exception, r.ExceptionOn); len(bad) > 0 {
			t.Fatalf("request %d: %+v: %v", i, r, bad)
		}
		if r.ReceivedOn.Before(today.AddDays(-adviceDays)) || r.LAID != 1 || r.Child.NHSNumber != c.NHSNumber {
			t.Fatalf("request %d: %+v", i, r)
		}
		switch r.Outcome {
		case "":
			open++
		case advice.OutcomeWithdrawn:
			withdrawn++
		default:
			returned++
		}
	}
	// About 3 % stragglers and 2 % of the last four months still open; a
	// few withdrawn; the rest returned.
	if open < 300 || open > 800 || withdrawn < 100 || withdrawn > 400 || returned < 8500 {
		t.Errorf("of 10,000: %d open, %d withdrawn, %d returned", open, withdrawn, returned)
	}
}

func TestRank(t *testing.T) {
	var ds []time.Duration
	for i := 1; i <= 100; i++ {
		ds = append(ds, time.Duration(i))
	}
	for _, c := range []struct {
		q    float64
		want time.Duration
	}{{0.50, 50}, {0.95, 95}, {0.99, 99}, {1, 100}, {0.001, 1}} {
		if got := rank(ds, c.q); got != c.want {
			t.Errorf("rank(%v): got %d, want %d", c.q, got, c.want)
		}
	}
	if got := rank([]time.Duration{7}, 0.95); got != 7 {
		t.Errorf("rank of one: got %d, want 7", got)
	}
}

func TestThousands(t *testing.T) {
	for in, want := range map[float64]string{0: "0", 999: "999", 1000: "1,000", 650000: "650,000", 1234567.6: "1,234,568", -4500: "-4,500"} {
		if got := thousands(in); got != want {
			t.Errorf("thousands(%v): got %q, want %q", in, got, want)
		}
	}
}

// --- Benchmarks ---

// benchChildren is the dataset the Go benchmarks share: small enough to
// build in a few seconds, big enough that the queries use their indexes.
const benchChildren = 20_000

// setup builds a dataset of n children and n/2 advice requests in a fresh
// SQLite store, and the measurer over it.
func setup(b *testing.B, n int) *measurer {
	b.Helper()
	ctx := context.Background()
	s := store.OpenTestSQLite(b)
	d, err := loadDataset(ctx, s, DefaultLAs, 1)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := fill(ctx, s, d, n, DefaultBatch, nil); err != nil {
		b.Fatal(err)
	}
	if _, err := fillAdvice(ctx, s, d, n/2, DefaultBatch, nil); err != nil {
		b.Fatal(err)
	}
	m, err := newMeasurer(ctx, s, d, tiny.withDefaults(), func(string, ...any) {})
	if err != nil {
		b.Fatal(err)
	}
	return m
}

// loopPage times a page through the handler, as page.children does.
func loopPage(b *testing.B, h http.Handler, path string, c *http.Cookie) {
	op := pageOp(h, path, c, "")
	for b.Loop() {
		if _, err := op(false); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkChildListPage renders an LA caseworker's first page of
// children (a 2,000-child LA), audited search and session included.
func BenchmarkChildListPage(b *testing.B) {
	m := setup(b, benchChildren)
	loopPage(b, m.h, "/children", m.la)
}

// BenchmarkCaseloadPage renders docs/quality-bar.md §19's caseload page: an LA
// caseworker's overdue advice requests, first page (an LA of 2,000
// children and 1,000 requests), audited listing and session included.
func BenchmarkCaseloadPage(b *testing.B) {
	m := setup(b, benchChildren)
	loopPage(b, m.h, caseloadPath, m.la)
}

// BenchmarkDCOHome renders the DCO's home page: the ICB's children
// counted by LA.
func BenchmarkDCOHome(b *testing.B) {
	m := setup(b, benchChildren)
	loopPage(b, m.h, "/", m.dco)
}

// BenchmarkStaticFile serves dco's own stylesheet through the same
// handler: the floor under every page.
func BenchmarkStaticFile(b *testing.B) {
	m := setup(b, 100)
	p, err := m.staticPath()
	if err != nil {
		b.Fatal(err)
	}
	loopPage(b, m.h, p, nil)
}

// BenchmarkSearchNHS searches by whole NHS number at the store.
func BenchmarkSearchNHS(b *testing.B) {
	m := setup(b, benchChildren)
	i := 0
	for b.Loop() {
		if _, _, err := m.s.SearchChildren(m.ctx, m.laActor, store.ChildFilter{Query: m.nhs[i%len(m.nhs)]}); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkImport parses and stores batches of 1,000 children, with full
// validation and an audit row each; rows/s is reported.
func BenchmarkImport(b *testing.B) {
	m := setup(b, 1)
	const batch = 1000
	rows := 0
	start := time.Now()
	for b.Loop() {
		if _, err := fill(m.ctx, m.s, m.d, m.d.children+batch, batch, nil); err != nil {
			b.Fatal(err)
		}
		rows += batch
	}
	b.ReportMetric(float64(rows)/time.Since(start).Seconds(), "rows/s")
}

// BenchmarkChildListPageHTTP serves the children list over loopback HTTP
// to GOMAXPROCS parallel clients.
func BenchmarkChildListPageHTTP(b *testing.B) {
	m := setup(b, benchChildren)
	srv := httptest.NewServer(m.h)
	defer srv.Close()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		client := srv.Client()
		for pb.Next() {
			req, _ := http.NewRequest(http.MethodGet, srv.URL+"/children", nil)
			req.AddCookie(m.la)
			res, err := client.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			_, err = io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if err != nil {
				b.Error(err)
				return
			}
			if res.StatusCode != http.StatusOK {
				b.Errorf("status %d", res.StatusCode)
				return
			}
		}
	})
}

// TestSoak runs docs/quality-bar.md §20's load and soak for two seconds with four
// virtual users (two LA caseworkers, the DCO, the board member) over a
// small dataset: every kind of request answers as it should, the samples
// come, and the targets are judged. It says nothing about speed.
func TestSoak(t *testing.T) {
	s := store.OpenTestSQLite(t)
	ctx := context.Background()
	opt := Options{Children: 300, Soak: 2 * time.Second, Users: 4, SoakSample: 250 * time.Millisecond}
	rep, err := Run(ctx, s, opt)
	if err != nil {
		t.Fatal(err)
	}
	sk := rep.Soak
	if sk == nil {
		t.Fatal("the report has no soak")
	}
	if sk.Users != 4 || sk.LAUsers != 2 || sk.DCOUsers != 1 || sk.ViewerUsers != 1 {
		t.Errorf("users: got %d (%d LA, %d DCO, %d viewer), want 4 (2, 1, 1)", sk.Users, sk.LAUsers, sk.DCOUsers, sk.ViewerUsers)
	}
	if sk.Requests == 0 || sk.Errors != 0 || sk.ErrorRate != 0 || len(sk.ErrorsSeen) != 0 {
		t.Errorf("got %d requests, %d errors (%v %%): %v; want some and no errors", sk.Requests, sk.Errors, sk.ErrorRate, sk.ErrorsSeen)
	}
	if sk.P50 <= 0 || sk.P95 < sk.P50 || sk.P99 < sk.P95 || sk.Max < sk.P99 || sk.Throughput <= 0 || sk.Elapsed < 2 {
		t.Errorf("got p50 %v, p95 %v, p99 %v, max %v, %v req/s over %v s", sk.P50, sk.P95, sk.P99, sk.Max, sk.Throughput, sk.Elapsed)
	}
	var perOp int64
	known := map[string]bool{}
	for _, o := range soakOps {
		known[o.name] = true
	}
	for _, o := range sk.Operations {
		perOp += o.Count
		if !known[o.Name] || o.Count == 0 || o.Errors != 0 || o.Title == "" {
			t.Errorf("operation %+v", o)
		}
	}
	if perOp != sk.Requests {
		t.Errorf("the operations count %d requests, the soak %d", perOp, sk.Requests)
	}
	// Samples every 250 ms for 2 s, and one at the end.
	if len(sk.Samples) < 5 {
		t.Fatalf("got %d samples, want at least 5", len(sk.Samples))
	}
	var sampled int64
	for i, x := range sk.Samples {
		sampled += x.Requests
		if x.Goroutines < 4 || (runtime.GOOS == "linux" && x.RSSMB <= 0) || x.HeapMB <= 0 || (i > 0 && x.Elapsed <= sk.Samples[i-1].Elapsed) {
			t.Errorf("sample %d: %+v", i, x)
		}
	}
	if last := sk.Samples[len(sk.Samples)-1]; sampled != sk.Requests || last.Elapsed < sk.Elapsed {
		t.Errorf("the samples count %d requests up to %v s, the soak %d over %v s", sampled, last.Elapsed, sk.Requests, sk.Elapsed)
	}
	results := map[string]string{}
	for _, tg := range sk.Targets {
		results[tg.Metric] = tg.Result
	}
	for _, name := range []string{MetricSoakP95, MetricSoakErrors, MetricSoakRSS, MetricSoakGoroutines} {
		if r := results[name]; r != Pass && r != Fail && !(name == MetricSoakRSS && runtime.GOOS != "linux") {
			t.Errorf("target %s: got %q, want it judged", name, r)
		}
	}
	if results[MetricSoakErrors] != Pass || results[MetricSoakDuration] != Fail || sk.Verdict != Fail {
		t.Errorf("got errors %s, duration %s, verdict %s; want pass, fail (2 s is not 30 min), fail", results[MetricSoakErrors], results[MetricSoakDuration], sk.Verdict)
	}
	// The soak replaces the measurements: the import's metrics alone.
	if len(rep.Metrics) != 4 || rep.Overdue == 0 || rep.AuditRows < 300+150+sk.Requests/2 {
		t.Errorf("got %d metrics, %d overdue, %d audit rows", len(rep.Metrics), rep.Overdue, rep.AuditRows)
	}

	var text bytes.Buffer
	if err := rep.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Load and soak (docs/quality-bar.md §20)", "4 virtual users (2 LA caseworkers, 1 as the DCO, 1 as the board member)",
		"Samples, every 0:00", "VmRSS", "goroutines", "< 0.100 %", "≤ 300.00 ms", "≤ 1.200 ratio", "verdict: fail; failed: ", "audit chain verified"} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("the text report does not contain %q:\n%s", want, text.String())
		}
	}
	// The duration always fails here; p95 may too on a loaded machine, so
	// only the duration is required among the failures.
	if i := strings.Index(text.String(), "verdict: fail; failed: "); i < 0 || !strings.Contains(strings.SplitN(text.String()[i:], "\n", 2)[0], "duration") {
		t.Errorf("the verdict line does not name the duration among the failures:\n%s", text.String())
	}
	b, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	var back Report
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.Soak == nil || back.Soak.Requests != sk.Requests || len(back.Soak.Samples) != len(sk.Samples) || back.Soak.Verdict != sk.Verdict {
		t.Errorf("JSON: got %s", b)
	}

	// Again on the same dataset, with more users than LAs: the LA
	// caseworkers the first soak added are found, not made twice, and the
	// dataset is still the bench's.
	again := Options{Children: 300, Soak: 300 * time.Millisecond, Users: 30, SoakSample: 100 * time.Millisecond}
	rep, err = Run(ctx, s, again)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Soak.LAUsers != 24 || rep.Soak.Errors != 0 || !rep.Reused {
		t.Errorf("second soak: got %d LA users, %d errors %v, reused %v", rep.Soak.LAUsers, rep.Soak.Errors, rep.Soak.ErrorsSeen, rep.Reused)
	}
	users, err := s.ListUsers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(users) != 3+DefaultLAs-1 {
		t.Errorf("got %d users, want the 3 of the dataset and %d soak caseworkers", len(users), DefaultLAs-1)
	}
}

func TestSoakOptions(t *testing.T) {
	for _, o := range []Options{{Soak: -time.Second}, {Soak: MaxSoak + time.Second}, {Users: -1}, {Users: MaxUsers + 1}, {SoakSample: -time.Second}} {
		if err := o.Check(); err == nil {
			t.Errorf("%+v: got no error", o)
		}
	}
	for _, o := range []Options{{Soak: MaxSoak, Users: MaxUsers}, {Soak: time.Second, Users: 1}} {
		if err := o.Check(); err != nil {
			t.Errorf("%+v: %v", o, err)
		}
	}
	if o := (Options{}).withDefaults(); o.Users != DefaultUsers || o.SoakSample != DefaultSoakSample || o.Soak != 0 {
		t.Errorf("defaults: got %d users, sample %s, soak %s", o.Users, o.SoakSample, o.Soak)
	}
}

func TestFlatAndVerdict(t *testing.T) {
	// Forty seconds sampled every ten: one sample in each quarter.
	samples := []SoakSample{{Elapsed: 10, RSSMB: 90}, {Elapsed: 20, RSSMB: 100}, {Elapsed: 30, RSSMB: 110}, {Elapsed: 40, RSSMB: 119}}
	ratio, second, last, ok := flat(samples, 40, func(x SoakSample) float64 { return x.RSSMB })
	if !ok || second != 100 || last != 119 || ratio != 1.19 {
		t.Errorf("got %v (%v, %v, %v), want 1.19 (100, 119)", ratio, second, last, ok)
	}
	if _, _, _, ok := flat(samples[:1], 40, func(x SoakSample) float64 { return x.RSSMB }); ok {
		t.Error("one sample: got a ratio, want none")
	}

	s := &Soak{Requests: 10_000, Errors: 10, ErrorRate: 0.1, P95: Millis(300 * time.Millisecond), Elapsed: 1800, Throughput: 149, Samples: samples}
	s.Samples = []SoakSample{{Elapsed: 450, RSSMB: 50, Goroutines: 60}, {Elapsed: 900, RSSMB: 50, Goroutines: 60},
		{Elapsed: 1350, RSSMB: 55, Goroutines: 61}, {Elapsed: 1800, RSSMB: 61, Goroutines: 80}}
	got := map[string]string{}
	ts := soakTargets(s, store.EnginePostgres)
	for _, tg := range ts {
		got[tg.Metric] = tg.Result
	}
	want := map[string]string{
		MetricSoakP95: Pass, MetricSoakErrors: Fail, // 0.1 % is not below 0.1 %
		MetricSoakRSS: Fail, MetricSoakGoroutines: Fail, // 61 ÷ 50 and 80 ÷ 60 are over 1.2
		MetricSoakDuration: Fail, MetricSoakRate: Fail, // an hour and 150 req/s on PostgreSQL
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: got %q, want %q", k, got[k], v)
		}
	}
	if v := soakVerdict(ts); v != Fail {
		t.Errorf("verdict: got %s", v)
	}
	s.ErrorRate, s.Samples[3].RSSMB, s.Samples[3].Goroutines = 0.09, 60, 72
	ts = soakTargets(s, store.EngineSQLite)
	if len(ts) != 5 || soakVerdict(ts) != Pass {
		t.Errorf("on SQLite, 30 minutes, nothing grown by more than 20 %%: got %+v", ts)
	}
	ts[2].Result = NotMeasured
	if v := soakVerdict(ts); v != NotMeasured {
		t.Errorf("verdict with a target not measured: got %s", v)
	}
}

func TestHistogram(t *testing.T) {
	var h hist
	var ds []time.Duration
	for i := 1; i <= 10_000; i++ {
		d := time.Duration(i*i) * time.Microsecond / 10 // 0.1 µs to 10 s, skewed
		h.add(d)
		ds = append(ds, d)
	}
	for _, q := range []float64{0.5, 0.95, 0.99, 1} {
		want, got := rank(ds, q), h.quantile(q)
		if got < want || float64(got) > float64(want)*histGrowth {
			t.Errorf("quantile %v: got %v, want %v to within 2 %%", q, got, want)
		}
	}
	if h.max != ds[len(ds)-1] || h.quantile(1) != h.max {
		t.Errorf("max: got %v and %v, want %v", h.max, h.quantile(1), ds[len(ds)-1])
	}
	h.reset()
	if h.quantile(0.95) != 0 || h.n != 0 {
		t.Error("reset: the histogram still counts")
	}
	if histBucket(0) != 0 || histBucket(time.Microsecond) != 0 || histBucket(time.Microsecond+1) != 1 || histBucket(1000*time.Hour) != histBuckets-1 {
		t.Error("buckets at the edges")
	}
}
