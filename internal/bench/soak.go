package bench

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"runtime"
	"sync"
	"time"

	"dco/internal/store"
)

// docs/quality-bar.md §20, load and soak: virtual users work through the real web
// handler, served on a loopback port, for a long time, while the process's
// memory and goroutines are sampled. What it asks: 50 virtual users for 30
// minutes on SQLite, 150 requests/s for an hour on PostgreSQL; p95 ≤ 300 ms,
// errors < 0.1 %, memory and goroutines flat.
const (
	DefaultUsers      = 50
	MaxUsers          = 1000
	MaxSoak           = 24 * time.Hour
	DefaultSoakSample = 10 * time.Second

	// maxThink is the longest a virtual user waits between requests: each
	// waits a random 0 to maxThink.
	maxThink = 200 * time.Millisecond
	// sessionRenew is how long a virtual user keeps a session before it
	// signs in again, well inside the service's 12-hour absolute limit, so
	// that a soak longer than a working day is not cut short by it.
	sessionRenew = 8 * time.Hour

	soakP95Limit   = 300        // ms
	soakErrorLimit = 0.1        // per cent, strictly below
	soakFlatLimit  = 1.2        // last quarter's mean over the second quarter's, at most
	soakMinSQLite  = 30         // minutes
	soakMinPG      = 60         // minutes
	soakRatePG     = 150        // requests/s
	maxErrorsSeen  = 20         // distinct error messages kept for the report
	laChildSample  = childPage  // children of each LA the virtual users pick from
	soakUserPrefix = "soak-la-" // LA caseworkers the soak adds, one per LA
)

// The soak's targets (Target.Metric).
const (
	MetricSoakP95        = "soak.p95"
	MetricSoakErrors     = "soak.errors"
	MetricSoakRSS        = "soak.rss_flat"
	MetricSoakGoroutines = "soak.goroutines_flat"
	MetricSoakDuration   = "soak.duration"
	MetricSoakRate       = "soak.throughput"
)

// Soak is what a load and soak run found (Report.Soak).
type Soak struct {
	// Duration is how long the virtual users were asked to work; Elapsed
	// how long they did, from the first request to the last answer.
	Duration float64 `json:"duration_s"`
	Elapsed  float64 `json:"elapsed_s"`
	Users    int     `json:"users"`
	// LAUsers, DCOUsers and ViewerUsers say who the virtual users are:
	// LA caseworkers spread over the LAs, the DCO, the board member.
	LAUsers     int     `json:"la_users"`
	DCOUsers    int     `json:"dco_users"`
	ViewerUsers int     `json:"viewer_users"`
	ThinkMax    Millis  `json:"think_max_ms"`
	SampleEvery float64 `json:"sample_every_s"`
	// Requests counts every request sent; Errors those that failed: a
	// transport error, a status of 500 or more, or any status but the one
	// the request should get (a redirect to sign-in included).
	Requests   int64   `json:"requests"`
	Errors     int64   `json:"errors"`
	ErrorRate  float64 `json:"error_percent"`
	Throughput float64 `json:"throughput"` // requests/s over Elapsed
	// Latencies of every answered request, seen from the client, to within
	// 2 % (the maximum exactly).
	P50        Millis       `json:"p50_ms"`
	P95        Millis       `json:"p95_ms"`
	P99        Millis       `json:"p99_ms"`
	Max        Millis       `json:"max_ms"`
	Operations []SoakOp     `json:"operations"`
	Samples    []SoakSample `json:"samples"`
	// ErrorsSeen lists the distinct failures, with how often each came.
	ErrorsSeen []string `json:"errors_seen,omitempty"`
	Targets    []Target `json:"targets"`
	// Verdict is pass when every target passes, fail when any fails, and
	// not measured otherwise.
	Verdict string   `json:"verdict"`
	Notes   []string `json:"notes,omitempty"`
}

// SoakOp is one kind of request of the mix and how it went.
type SoakOp struct {
	Name   string `json:"name"`
	Title  string `json:"title"`
	Count  int64  `json:"count"`
	Errors int64  `json:"errors"`
	P50    Millis `json:"p50_ms"`
	P95    Millis `json:"p95_ms"`
	P99    Millis `json:"p99_ms"`
	Max    Millis `json:"max_ms"`
}

// SoakSample is the process and the load at one moment of the soak: what
// the process holds then, and the requests answered since the sample
// before.
type SoakSample struct {
	Elapsed    float64 `json:"elapsed_s"`
	RSSMB      float64 `json:"rss_mb"`
	HeapMB     float64 `json:"go_heap_mb"`
	Goroutines int     `json:"goroutines"`
	Requests   int64   `json:"requests"`
	Rate       float64 `json:"req_per_s"`
	P95        Millis  `json:"p95_ms"`
	Errors     int64   `json:"errors"`
}

// The operations of the mix. Each virtual user is an LA caseworker, the
// DCO or the board member, and picks among its role's operations by
// weight; a write is a read of the child through the JSON API followed by
// a change of its setting.
const (
	opChildren = iota
	opChild
	opSearchName
	opSearchNHS
	opCaseload
	opAPIGet
	opAPIPatch
	opDCOHome
	opAtRisk
	opViewer
	opSignIn
	nOps
)

var soakOps = [nOps]struct{ name, title string }{
	opChildren:   {"children", "LA: children list, first page (GET /children)"},
	opChild:      {"child", "LA: a child's page (GET /children/{id})"},
	opSearchName: {"search.name", "LA: search by name fragment (GET /children?q=)"},
	opSearchNHS:  {"search.nhs", "LA: search by NHS number (GET /children?q=)"},
	opCaseload:   {"caseload", "LA: caseload, overdue advice requests (GET " + caseloadPath + ")"},
	opAPIGet:     {"api.child_get", "LA system: read a child (GET /api/v1/children/{id}, bearer token)"},
	opAPIPatch:   {"api.child_patch", "LA system: change the child's setting (PATCH /api/v1/children/{id})"},
	opDCOHome:    {"dco_home", "DCO: home page (GET /)"},
	opAtRisk:     {"at_risk", "DCO: advice requests at risk (GET /advice-requests/at-risk)"},
	opViewer:     {"viewer_dashboard", "board member: dashboard (GET /)"},
	opSignIn:     {"sign_in", "a virtual user signs in again (every 8 hours; store, not HTTP)"},
}

// opWrite stands for the pair opAPIGet, opAPIPatch in a role's mix.
const opWrite = -1

type weighted struct{ op, weight int }

// The mix of each role, in parts of 100.
var (
	laMix     = []weighted{{opChildren, 20}, {opChild, 25}, {opSearchName, 10}, {opSearchNHS, 10}, {opCaseload, 25}, {opWrite, 10}}
	dcoMix    = []weighted{{opDCOHome, 50}, {opAtRisk, 50}}
	viewerMix = []weighted{{opViewer, 100}}
)

// vu is one virtual user.
type vu struct {
	mix    []weighted
	user   store.User
	cookie *http.Cookie
	since  time.Time // when the session began
	token  string    // the LA's API token (LA users only)
	kids   []store.Child
	own    []store.Child // the children this user changes: no other user writes to them
	rng    *rand.Rand
}

func (v *vu) pick() int {
	n := v.rng.IntN(100)
	for _, w := range v.mix {
		if n < w.weight {
			return w.op
		}
		n -= w.weight
	}
	return v.mix[len(v.mix)-1].op
}

// recorder gathers every request's latency and outcome: for the whole run,
// for each operation, and for the interval since the last sample.
type recorder struct {
	mu             sync.Mutex
	on             bool
	total, current hist
	ops            [nOps]hist
	opCount        [nOps]int64
	opErrors       [nOps]int64
	requests       int64
	errors         int64
	curRequests    int64
	curErrors      int64
	seen           map[string]int64
	seenOrder      []string
}

// add records one request: d is its latency, or 0 when it got no answer;
// failure says what went wrong, or is "".
func (r *recorder) add(op int, d time.Duration, answered bool, failure string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.on {
		return
	}
	r.requests++
	r.curRequests++
	r.opCount[op]++
	if answered {
		r.total.add(d)
		r.current.add(d)
		r.ops[op].add(d)
	}
	if failure == "" {
		return
	}
	r.errors++
	r.curErrors++
	r.opErrors[op]++
	if r.seen == nil {
		r.seen = map[string]int64{}
	}
	if _, ok := r.seen[failure]; ok || len(r.seenOrder) < maxErrorsSeen {
		if !ok {
			r.seenOrder = append(r.seenOrder, failure)
		}
		r.seen[failure]++
	}
}

// cut returns the interval's requests, errors and p95, and starts a new
// interval.
func (r *recorder) cut() (requests, failed int64, p95 time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	requests, failed, p95 = r.curRequests, r.curErrors, r.current.quantile(0.95)
	r.curRequests, r.curErrors = 0, 0
	r.current.reset()
	return requests, failed, p95
}

// soakRun is one soak in progress.
type soakRun struct {
	ctx    context.Context
	m      *measurer
	base   string
	client *http.Client
	rec    *recorder
	stop   chan struct{} // closed when the duration is up
}

// soak runs docs/quality-bar.md §20's load and soak test over the filled dataset and
// returns what it found, its targets judged.
func (m *measurer) soak() (*Soak, error) {
	ctx, opt := m.ctx, m.opt
	out := &Soak{Duration: opt.Soak.Seconds(), Users: opt.Users, ThinkMax: Millis(maxThink), SampleEvery: opt.SoakSample.Seconds()}
	users, err := m.virtualUsers(opt.Users)
	if err != nil {
		return nil, err
	}
	out.countUsers(users)

	base, stopServing, err := serveLoopback(m.h)
	if err != nil {
		return nil, err
	}
	defer stopServing()
	run, closeIdle := m.newSoakRun(base)
	defer closeIdle()

	// Every kind of request once, unrecorded, checking that each page is
	// the real one: a redirect to sign-in or an error page would otherwise
	// be timed as if it were the page.
	if err := run.preflight(users); err != nil {
		return nil, err
	}

	m.say("load and soak: %s (%s, %d as the DCO, %d as the board member) for %s on %s, sampling every %s",
		plural(opt.Users, "virtual user"), plural(out.LAUsers, "LA caseworker"), out.DCOUsers, out.ViewerUsers, opt.Soak, base, opt.SoakSample)
	run.rec.mu.Lock()
	run.rec.on = true
	run.rec.mu.Unlock()

	samples, elapsed := run.drive(users)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	out.Samples = samples
	run.rec.summarise(out, elapsed)
	out.Targets = soakTargets(out, m.s.Engine())
	out.Verdict = soakVerdict(out.Targets)
	return out, nil
}

// countUsers counts the virtual users by role.
func (out *Soak) countUsers(users []*vu) {
	for _, v := range users {
		switch v.user.Role {
		case store.RoleLA:
			out.LAUsers++
		case store.RoleDCO:
			out.DCOUsers++
		default:
			out.ViewerUsers++
		}
	}
}

// newSoakRun is a soak over loopback to base, with a client that keeps a
// connection per user and follows no redirect; closeIdle closes its
// connections.
func (m *measurer) newSoakRun(base string) (run *soakRun, closeIdle func()) {
	tr := &http.Transport{
		Proxy:               nil, // loopback only, whatever the environment says
		MaxIdleConnsPerHost: m.opt.Users,
		DisableCompression:  true,
	}
	run = &soakRun{
		ctx: m.ctx, m: m, base: base, rec: &recorder{}, stop: make(chan struct{}),
		client: &http.Client{Transport: tr, Timeout: 30 * time.Second,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }},
	}
	return run, tr.CloseIdleConnections
}

// drive sets the users working for the soak's duration (or until the
// context ends), sampling as they go, and returns the samples and the time
// the users worked.
func (r *soakRun) drive(users []*vu) ([]SoakSample, time.Duration) {
	opt := r.m.opt
	var (
		working sync.WaitGroup // users still working
		done    sync.WaitGroup // users gone
		release = make(chan struct{})
	)
	start := time.Now()
	smp := &soakSampler{run: r, start: start, last: start}

	working.Add(len(users))
	done.Add(len(users))
	for _, v := range users {
		go func() {
			defer done.Done()
			r.work(v)
			working.Done()
			<-release // stay, so that the last sample counts the goroutines the run had
		}()
	}
	// The sampler takes a sample every SoakSample, except within half an
	// interval of the end, and the last when told the users are done, so
	// that the last interval is not a sliver.
	sampling := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		t := time.NewTicker(opt.SoakSample)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				if time.Since(start) < opt.Soak-opt.SoakSample/2 {
					smp.take()
				}
			case <-sampling:
				smp.take() // the end: requests answered after the duration was up are in it
				return
			}
		}
	}()
	timer := time.NewTimer(opt.Soak)
	select {
	case <-timer.C:
	case <-r.ctx.Done():
		timer.Stop()
	}
	close(r.stop)
	working.Wait()
	elapsed := time.Since(start)
	close(sampling)
	<-sampled
	close(release)
	done.Wait()
	return smp.samples, elapsed
}

// soakSampler takes a soak's samples, each of the requests since the last.
type soakSampler struct {
	run         *soakRun
	start, last time.Time
	samples     []SoakSample
}

func (smp *soakSampler) take() {
	now := time.Now()
	n, bad, p95 := smp.run.rec.cut()
	mem := readMemory()
	s := SoakSample{Elapsed: now.Sub(smp.start).Seconds(), RSSMB: mem.RSSMB, HeapMB: mem.HeapMB, Goroutines: runtime.NumGoroutine(),
		Requests: n, P95: Millis(p95), Errors: bad}
	if dt := now.Sub(smp.last).Seconds(); dt > 0 {
		s.Rate = float64(n) / dt
	}
	smp.last = now
	smp.samples = append(smp.samples, s)
	smp.run.m.say("soak %s: %s req/s, p95 %s, %d errors, VmRSS %.0f MB, Go heap %.0f MB, %d goroutines",
		hms(s.Elapsed), thousands(s.Rate), ms(s.P95), s.Errors, s.RSSMB, s.HeapMB, s.Goroutines)
}

// summarise writes what the recorder counted over the whole soak into out.
func (rec *recorder) summarise(out *Soak, elapsed time.Duration) {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	out.Elapsed = elapsed.Seconds()
	out.Requests, out.Errors = rec.requests, rec.errors
	if rec.requests > 0 {
		out.ErrorRate = 100 * float64(rec.errors) / float64(rec.requests)
	}
	out.Throughput = float64(rec.requests) / elapsed.Seconds()
	out.P50, out.P95, out.P99, out.Max = Millis(rec.total.quantile(0.50)), Millis(rec.total.quantile(0.95)), Millis(rec.total.quantile(0.99)), Millis(rec.total.max)
	for op := range nOps {
		h := &rec.ops[op]
		if rec.opCount[op] == 0 {
			continue
		}
		out.Operations = append(out.Operations, SoakOp{Name: soakOps[op].name, Title: soakOps[op].title, Count: rec.opCount[op], Errors: rec.opErrors[op],
			P50: Millis(h.quantile(0.50)), P95: Millis(h.quantile(0.95)), P99: Millis(h.quantile(0.99)), Max: Millis(h.max)})
	}
	for _, e := range rec.seenOrder {
		out.ErrorsSeen = append(out.ErrorsSeen, fmt.Sprintf("%s (%s)", e, times(rec.seen[e])))
	}
	if len(rec.seenOrder) == maxErrorsSeen {
		out.Notes = append(out.Notes, fmt.Sprintf("only the first %d kinds of error are listed", maxErrorsSeen))
	}
}

// times writes "once", "twice" or "N times".
func times(n int64) string {
	switch n {
	case 1:
		return "once"
	case 2:
		return "twice"
	}
	return thousands(float64(n)) + " times"
}

// hms writes seconds as m:ss or h:mm:ss.
func hms(s float64) string {
	t := int64(math.Round(s))
	if t >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", t/3600, t/60%60, t%60)
	}
	return fmt.Sprintf("%d:%02d", t/60, t%60)
}
