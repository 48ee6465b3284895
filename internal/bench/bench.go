// Package bench measures dco against the performance targets of docs/quality-bar.md
// §18–19. It fills a store with a synthetic ICB, or with Options.ICBs of
// them sharing the local authorities round-robin (local authorities and
// children whose NHS numbers come from the never-issued 999 range, imported
// through the real CSV importer and store, audit rows and all, and five
// years of health-advice requests for them, imported through the store's
// bulk import), then times what people do: the imports themselves, an LA
// caseworker's caseload page (their overdue advice requests) and list of
// children, the DCO's page of requests at risk, searches, the DCO's home
// page and the board's dashboard, served by the real web handler with a
// real session (the DCO and board member of ICB 1, a caseworker of its
// first LA); the caseload page and the children list under 32
// concurrent clients over loopback HTTP against a static file;
// verification of the audit chain; and the memory the process holds.
//
// With Options.Soak it runs docs/quality-bar.md §20's load and soak test instead of
// those measurements (soak.go): virtual users of each role work through
// the same handler over loopback HTTP for the duration while memory,
// goroutines and each interval's throughput and p95 are sampled.
//
// It reports; it does not assert. Every measurement is bounded in count and
// time, talks to nothing but the loopback interface, and stops by itself.
package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"runtime"
	"strings"
	"time"

	"dco/internal/auth"
	"dco/internal/send"
	"dco/internal/store"
	"dco/internal/web"
	"dco/internal/workflows"
)

// Options set a run's scale and bounds. The zero value of a field means
// its default.
type Options struct {
	// Children is how many children the dataset holds (default 20,000; the
	// national figure is 650,000). A reused dataset with fewer is topped up.
	Children int
	// LAs is how many local authorities a new dataset spreads the children
	// over (default 10).
	LAs int
	// ICBs is how many ICBs a new dataset has (default 1, at most MaxICBs,
	// at most LAs). The LAs go to them round-robin and the children follow
	// their LA; the measured DCO and board member belong to ICB 1 and the
	// measured LA caseworker to its first LA. A reused dataset must have
	// been made with the same number (ErrOtherICBs otherwise).
	ICBs int
	// Advice is how many health-advice requests the dataset holds (default
	// half the children; negative for none). Each is for one of the
	// children, in the child's LA, received in the last five years. A
	// reused dataset with fewer is topped up.
	Advice int
	// Batch is how many rows each import call carries (default 5,000).
	Batch int
	// Requests is how many calls each one-at-a-time measurement times
	// (default 1,000).
	Requests int
	// MaxTime bounds each one-at-a-time measurement (default 1 minute).
	MaxTime time.Duration
	// Duration is how long each concurrent measurement lasts (default 5 s).
	Duration time.Duration
	// Concurrency is how many clients the concurrent measurements run
	// (default 32).
	Concurrency int
	// Soak, when positive, makes the run docs/quality-bar.md §20's load and soak test
	// in place of the measurements: once the dataset is filled, Users
	// virtual users work through the real web handler over loopback HTTP
	// for this long (at most MaxSoak), and the report's Soak says how it
	// went.
	Soak time.Duration
	// Users is how many virtual users a soak runs (default 50, at most
	// MaxUsers).
	Users int
	// SoakSample is how often a soak samples the process and the interval's
	// requests (default 10 s).
	SoakSample time.Duration
	// Progress, when not nil, is told what the run is doing.
	Progress io.Writer
}

// Defaults.
const (
	DefaultChildren    = 20_000
	DefaultLAs         = 10
	DefaultBatch       = 5_000
	DefaultRequests    = 1_000
	DefaultMaxTime     = time.Minute
	DefaultDuration    = 5 * time.Second
	DefaultConcurrency = 32
	NationalChildren   = 650_000
)

func (o Options) withDefaults() Options {
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	def(&o.Children, DefaultChildren)
	def(&o.LAs, DefaultLAs)
	def(&o.ICBs, 1)
	def(&o.Batch, DefaultBatch)
	def(&o.Requests, DefaultRequests)
	def(&o.Concurrency, DefaultConcurrency)
	def(&o.Users, DefaultUsers)
	if o.Advice == 0 {
		o.Advice = o.Children / 2
	}
	if o.MaxTime == 0 {
		o.MaxTime = DefaultMaxTime
	}
	if o.Duration == 0 {
		o.Duration = DefaultDuration
	}
	if o.SoakSample == 0 {
		o.SoakSample = DefaultSoakSample
	}
	return o
}

// Check returns what is wrong with the options, after defaults, or nil.
func (o Options) Check() error {
	o = o.withDefaults()
	var bad []string
	if c := Capacity(); o.Children < 1 || o.Children > c {
		bad = append(bad, fmt.Sprintf("children must be 1 to %d (the valid NHS numbers of the 999 range)", c))
	}
	if o.LAs < 1 || o.LAs > maxLAs {
		bad = append(bad, fmt.Sprintf("local authorities must be 1 to %d", maxLAs))
	}
	switch {
	case o.ICBs < 1 || o.ICBs > MaxICBs:
		bad = append(bad, fmt.Sprintf("ICBs must be 1 to %d", MaxICBs))
	case o.ICBs > o.LAs:
		bad = append(bad, "ICBs must be at most the local authorities, so that each has one")
	}
	if o.Advice > 10*o.Children {
		bad = append(bad, "advice requests must be at most ten for each child")
	}
	if o.Batch < 1 || o.Batch > 1_000_000 {
		bad = append(bad, "the batch must be 1 to 1,000,000 rows (the importer's limit)")
	}
	if o.Requests < 1 {
		bad = append(bad, "requests must be at least 1")
	}
	if o.Concurrency < 1 || o.Concurrency > 1024 {
		bad = append(bad, "concurrency must be 1 to 1024")
	}
	if o.MaxTime < 0 || o.Duration < 0 || o.SoakSample < 0 {
		bad = append(bad, "durations must be positive")
	}
	if o.Soak < 0 || o.Soak > MaxSoak {
		bad = append(bad, fmt.Sprintf("a soak must last at most %d hours", int(MaxSoak.Hours())))
	}
	if o.Users < 1 || o.Users > MaxUsers {
		bad = append(bad, fmt.Sprintf("virtual users must be 1 to %d", MaxUsers))
	}
	if len(bad) > 0 {
		return errors.New(strings.Join(bad, "; "))
	}
	return nil
}

// The metrics every report has, in the order it lists them.
const (
	MetricImport       = "import"
	MetricImportParse  = "import.parse"
	MetricImportStore  = "import.store"
	MetricAdviceImport = "import.advice"
	MetricCaseloadPage = "page.caseload"
	MetricChildrenPage = "page.children"
	MetricCaseloadHTTP = "http.caseload"
	MetricChildrenHTTP = "http.children"
	MetricStaticHTTP   = "http.static"
	MetricAtRiskPage   = "page.at_risk"
	MetricSearchNHS    = "search.nhs"
	MetricSearchName   = "search.name"
	MetricDCOHome      = "page.dco_home"
	MetricViewerHome   = "page.viewer_dashboard"
	MetricAuditVerify  = "audit.verify"
	MetricMemory       = "memory"
	// MetricConcurrentRate is the children list's throughput over the
	// static file's; MetricCaseloadRate the caseload page's.
	MetricConcurrentRate = "http.ratio"
	MetricCaseloadRate   = "http.caseload_ratio"
)

// MetricNames lists the measurements of a report, in order.
var MetricNames = []string{
	MetricImport, MetricImportParse, MetricImportStore, MetricAdviceImport,
	MetricCaseloadPage, MetricChildrenPage, MetricCaseloadHTTP, MetricChildrenHTTP, MetricStaticHTTP, MetricAtRiskPage,
	MetricSearchNHS, MetricSearchName, MetricDCOHome, MetricViewerHome, MetricAuditVerify,
}

// Report is what a run found.
type Report struct {
	Date      time.Time `json:"date"`
	Engine    string    `json:"engine"`
	Where     string    `json:"database"`
	GoVersion string    `json:"go"`
	OS        string    `json:"os"`
	CPUs      int       `json:"cpus"`
	Children  int       `json:"children"`
	LAs       int       `json:"local_authorities"`
	// ICBs is how many ICBs the dataset has; ICBChildren and ICBLAs are
	// ICB 1's share, the one the DCO home and the board's dashboard count.
	ICBs        int `json:"icbs"`
	ICBChildren int `json:"icb_children"`
	ICBLAs      int `json:"icb_local_authorities"`
	Advice      int `json:"advice_requests"`
	// Overdue is how many advice requests of the LA caseworker's LA are
	// open and past their six weeks: the caseload page lists the first of
	// them.
	Overdue     int   `json:"caseload_overdue"`
	AuditRows   int64 `json:"audit_rows"`
	Reused      bool  `json:"reused"`
	Concurrency int   `json:"concurrency"`
	// LoadAverage is the machine's load when the run began (1, 5 and 15
	// minutes), since other work on the machine moves every figure.
	LoadAverage string   `json:"load_average,omitempty"`
	Metrics     []Metric `json:"metrics"`
	Memory      Memory   `json:"memory"`
	// Writes and Commits count the store's write transactions (every audited
	// read is one) and the commits they took: concurrent ones share a
	// commit (group commit).
	Writes  int64    `json:"write_transactions"`
	Commits int64    `json:"commits"`
	Targets []Target `json:"targets"`
	// Soak is docs/quality-bar.md §20's load and soak test, when the run was one
	// (Options.Soak): then Metrics hold the import alone.
	Soak  *Soak    `json:"soak,omitempty"`
	Notes []string `json:"notes,omitempty"`
}

// Metric returns the named metric, or false.
func (r *Report) Metric(name string) (Metric, bool) {
	for _, m := range r.Metrics {
		if m.Name == name {
			return m, true
		}
	}
	return Metric{}, false
}

// Run fills s with the dataset (or tops up the one there) and measures it.
// s must be migrated and hold nothing but a bench dataset; Open sees to
// both. A missed target is not an error: it is in the report.
func Run(ctx context.Context, s *store.Store, opt Options) (*Report, error) {
	if err := opt.Check(); err != nil {
		return nil, err
	}
	opt = opt.withDefaults()
	say := func(format string, args ...any) {
		if opt.Progress != nil {
			fmt.Fprintf(opt.Progress, "bench: "+format+"\n", args...)
		}
	}
	rep := &Report{
		Date: time.Now().UTC(), Engine: s.Engine(), Where: s.Engine(), GoVersion: runtime.Version(),
		OS: runtime.GOOS + "/" + runtime.GOARCH, CPUs: runtime.NumCPU(), Concurrency: opt.Concurrency,
		LoadAverage: loadAverage(),
	}

	d, err := loadDataset(ctx, s, opt.LAs, opt.ICBs)
	if err != nil {
		return nil, err
	}
	rep.Reused = d.reused
	if d.reused {
		say("reusing a dataset of %d children in %d local authorities and %d ICBs", d.children, len(d.las), len(d.icbs))
	}
	if err := fillChildren(ctx, s, d, opt, rep, say); err != nil {
		return nil, err
	}
	opt.Advice = max(opt.Advice, 0)
	if err := fillAdviceRequests(ctx, s, d, opt, rep, say); err != nil {
		return nil, err
	}

	m, err := newMeasurer(ctx, s, d, opt, say)
	if err != nil {
		return nil, err
	}
	if opt.Soak > 0 {
		if err := m.soakInto(rep); err != nil {
			return nil, err
		}
	} else if err := m.run(rep); err != nil {
		return nil, err
	}
	rep.Memory = readMemory()
	rep.Writes, rep.Commits = s.WriteStats()
	rep.Targets = targets(rep)
	return rep, nil
}

// fillChildren tops the dataset up to opt.Children children and records the
// import's metrics and the dataset's size in rep.
func fillChildren(ctx context.Context, s *store.Store, d *dataset, opt Options, rep *Report, say func(string, ...any)) error {
	if d.children < opt.Children {
		say("importing %d children in batches of %d", opt.Children-d.children, opt.Batch)
	}
	samples, err := fill(ctx, s, d, opt.Children, opt.Batch, func(done, want int, elapsed time.Duration) {
		if opt.Progress != nil && (done == want || done%(10*opt.Batch) == 0) {
			say("%d of %d children (%.1f s)", done, want, elapsed.Seconds())
		}
	})
	if err != nil {
		return err
	}
	rep.Children, rep.LAs, rep.ICBs, rep.ICBLAs = d.children, len(d.las), len(d.icbs), len(d.icbLAs())
	if rep.ICBChildren, err = icbChildren(ctx, s, d); err != nil {
		return err
	}
	if d.children > opt.Children {
		rep.Notes = append(rep.Notes, fmt.Sprintf("the reused dataset holds %d children, more than the %d asked for; all were measured", d.children, opt.Children))
	}
	rep.Metrics = append(rep.Metrics, importMetrics(samples)...)
	return nil
}

// fillAdviceRequests tops the dataset up to opt.Advice advice requests and
// records the import's metric in rep.
func fillAdviceRequests(ctx context.Context, s *store.Store, d *dataset, opt Options, rep *Report, say func(string, ...any)) error {
	if d.advice < opt.Advice {
		say("importing %d advice requests in batches of %d", opt.Advice-d.advice, opt.Batch)
	}
	asamples, err := fillAdvice(ctx, s, d, opt.Advice, opt.Batch, func(done, want int, elapsed time.Duration) {
		if opt.Progress != nil && (done == want || done%(10*opt.Batch) == 0) {
			say("%d of %d advice requests (%.1f s)", done, want, elapsed.Seconds())
		}
	})
	if err != nil {
		return err
	}
	rep.Advice = d.advice
	if d.advice > opt.Advice {
		rep.Notes = append(rep.Notes, fmt.Sprintf("the reused dataset holds %d advice requests, more than the %d asked for; all were measured", d.advice, opt.Advice))
	}
	rep.Metrics = append(rep.Metrics, adviceImportMetric(asamples, d.advice))
	return nil
}

// soakInto runs the load and soak test in place of the measurements, and
// records it in rep.
func (m *measurer) soakInto(rep *Report) error {
	if err := m.caseloadOverdue(); err != nil {
		return err
	}
	var err error
	if rep.Soak, err = m.soak(); err != nil {
		return err
	}
	if err := m.verifyAfterSoak(rep.Soak); err != nil {
		return err
	}
	rep.Concurrency = m.opt.Users
	rep.AuditRows, rep.Overdue = m.auditRows, m.overdue
	return nil
}

// icbChildren counts the children of ICB 1, as its DCO may (a count reads
// no record and is not audited).
func icbChildren(ctx context.Context, s *store.Store, d *dataset) (int, error) {
	n, err := s.CountChildren(ctx, store.Actor{UserID: d.dco.ID, Email: d.dco.Email, Role: store.RoleDCO, OrgID: d.icb.ID, Addr: "127.0.0.1"})
	if err != nil {
		return 0, fmt.Errorf("bench: count ICB 1's children: %w", err)
	}
	return n, nil
}

// importMetrics summarises the import batches three ways: whole, parsing
// alone and storing alone.
func importMetrics(samples []importSample) []Metric {
	var whole, parse, stor []time.Duration
	var rows int
	var tw, tp, ts time.Duration
	for _, x := range samples {
		whole, parse, stor = append(whole, x.parse+x.store), append(parse, x.parse), append(stor, x.store)
		rows += x.rows
		tw, tp, ts = tw+x.parse+x.store, tp+x.parse, ts+x.store
	}
	out := []Metric{
		summarise(MetricImport, "import: CSV parsed and validated, then stored (per batch)", "rows/s", whole, rows, tw),
		summarise(MetricImportParse, "import: parsing and validation alone (per batch)", "rows/s", parse, rows, tp),
		summarise(MetricImportStore, "import: store.ImportChildren alone (per batch)", "rows/s", stor, rows, ts),
	}
	if len(samples) == 0 {
		for i := range out {
			out[i].Note = "not measured: the reused dataset needed no import"
		}
	}
	return out
}

// adviceImportMetric summarises the advice import's batches: the store
// call alone, since the rows are made in memory.
func adviceImportMetric(samples []importSample, held int) Metric {
	var ds []time.Duration
	var rows int
	var total time.Duration
	for _, x := range samples {
		ds = append(ds, x.store)
		rows += x.rows
		total += x.store
	}
	m := summarise(MetricAdviceImport, "import: store.ImportAdviceRequests, advice requests (per batch)", "rows/s", ds, rows, total)
	if len(samples) == 0 {
		m.Note = fmt.Sprintf("not measured: the dataset held %d advice requests already", held)
	}
	return m
}

// measurer runs the measurements after the import.
type measurer struct {
	ctx context.Context
	s   *store.Store
	d   *dataset
	opt Options
	say func(string, ...any)

	h               http.Handler
	la, dco, viewer *http.Cookie
	laActor         store.Actor
	nhs             []string // NHS numbers of children in the LA user's LA
	auditRows       int64
	overdue         int // open advice requests past six weeks in the LA user's LA
}

// sessionCookie is the cookie the web service reads the session from when
// not served over TLS (web.Options.SecureCookies false). The first request
// of every measurement checks the page is the real one, so a change of
// name shows at once.
const sessionCookie = "dco_session"

// signIn gives u a server-side session, as signing in does, and returns
// its cookie.
func (m *measurer) signIn(u store.User) (*http.Cookie, error) {
	secret, hash, err := auth.NewSecret()
	if err != nil {
		return nil, err
	}
	csrf, _, err := auth.NewSecret()
	if err != nil {
		return nil, err
	}
	if err := m.s.CreateSession(m.ctx, store.Session{IDHash: hash, UserID: u.ID, CSRFToken: csrf}); err != nil {
		return nil, fmt.Errorf("bench: session for %s: %w", u.Email, err)
	}
	return &http.Cookie{Name: sessionCookie, Value: secret}, nil
}

// staticRE finds dco's own stylesheet, content-hashed, which every page
// links to: a small static file (under 2 KB), so that the comparison is
// with what the HTTP stack can serve rather than with the network's
// bandwidth, as the 270 KB NHS.UK stylesheet would be.
var staticRE = regexp.MustCompile(`/static/[0-9a-f]+/app\.css`)

// newMeasurer builds the real web handler over s and signs in the
// dataset's users.
func newMeasurer(ctx context.Context, s *store.Store, d *dataset, opt Options, say func(string, ...any)) (*measurer, error) {
	m := &measurer{ctx: ctx, s: s, d: d, opt: opt, say: say}
	// A soak runs long enough for a rare failure to matter: the server's
	// own account of a 500 (the log line with its cause) goes with the
	// progress. The measurements keep the handler quiet.
	log := slog.New(slog.DiscardHandler)
	if opt.Soak > 0 && opt.Progress != nil {
		log = slog.New(slog.NewTextHandler(opt.Progress, &slog.HandlerOptions{Level: slog.LevelError}))
	}
	h, err := web.NewServer(web.Options{
		Store: s,
		Log:   log,
		Calendar: func(context.Context) (*send.Calendar, error) {
			return send.DefaultCalendar(), nil
		},
		Workflows: workflows.Web(s),
	})
	if err != nil {
		return nil, fmt.Errorf("bench: web server: %w", err)
	}
	m.h = h
	for _, x := range []struct {
		c **http.Cookie
		u store.User
	}{{&m.la, d.la}, {&m.dco, d.dco}, {&m.viewer, d.viewer}} {
		if *x.c, err = m.signIn(x.u); err != nil {
			return nil, err
		}
	}
	m.laActor = store.Actor{UserID: d.la.ID, Email: d.la.Email, Role: d.la.Role, LAID: d.la.LAID, Addr: "127.0.0.1"}
	m.nhs = sampleNHS(d, 500)
	if len(m.nhs) == 0 {
		return nil, errors.New("bench: the first local authority has no children to search for")
	}
	return m, nil
}

// run takes every measurement after the import, in order.
func (m *measurer) run(rep *Report) error {
	steps := []func() ([]Metric, error){
		m.caseloadPage, m.childrenPage, m.concurrent, m.atRiskPage, m.searchNHS, m.searchName, m.dcoHome, m.viewerHome, m.auditVerify,
	}
	for _, step := range steps {
		if err := m.ctx.Err(); err != nil {
			return err
		}
		ms, err := step()
		if err != nil {
			return err
		}
		rep.Metrics = append(rep.Metrics, ms...)
	}
	rep.AuditRows, rep.Overdue = m.auditRows, m.overdue
	return nil
}
