package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"dco/internal/advice"
	"dco/internal/auth"
	"dco/internal/errs"
	"dco/internal/send"
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

// virtualUsers makes n virtual users, each with a session of its own: of
// every ten, one is the DCO, one the board member and eight are LA
// caseworkers (the first user is always an LA caseworker), spread over
// the LAs that have children, one caseworker account per LA. Each LA's
// caseworkers share an API token (the LA's system) and split its children
// between them for writing, so that no two users change the same child.
func (m *measurer) virtualUsers(n int) ([]*vu, error) {
	type laWork struct {
		place int // in m.d.las
		kids  []store.Child
		vus   []*vu
	}
	var las []*laWork
	for i, o := range m.d.las {
		kids, _, err := m.s.SearchChildren(m.ctx, store.System, store.ChildFilter{LAID: o.ID, Limit: laChildSample})
		if err != nil {
			return nil, fmt.Errorf("bench: children of LA %s: %w", o.Code, err)
		}
		if len(kids) > 0 {
			las = append(las, &laWork{place: i, kids: kids})
		}
	}
	if len(las) == 0 {
		return nil, errors.New("bench: no local authority has children for the virtual users to work on")
	}
	var out []*vu
	nLA := 0
	for i := range n {
		v := &vu{rng: rand.New(rand.NewPCG(uint64(i), 0x50a6))}
		switch i % 10 {
		case 1:
			v.mix, v.user = dcoMix, m.d.dco
		case 2:
			v.mix, v.user = viewerMix, m.d.viewer
		default:
			w := las[nLA%len(las)]
			nLA++
			v.mix, v.kids = laMix, w.kids
			w.vus = append(w.vus, v)
		}
		out = append(out, v)
	}
	for _, w := range las {
		if len(w.vus) == 0 {
			continue
		}
		u, err := m.laUser(w.place)
		if err != nil {
			return nil, err
		}
		secret, hash, err := auth.NewSecret()
		if err != nil {
			return nil, err
		}
		if err := m.s.CreateToken(m.ctx, store.System, u.ID, hash); err != nil {
			return nil, fmt.Errorf("bench: API token for %s: %w", u.Email, err)
		}
		for j, v := range w.vus {
			v.user, v.token = u, secret
			for k := j; k < len(w.kids); k += len(w.vus) {
				v.own = append(v.own, w.kids[k])
			}
		}
	}
	for _, v := range out {
		var err error
		if v.cookie, err = m.signIn(v.user); err != nil {
			return nil, err
		}
		v.since = time.Now()
	}
	return out, nil
}

// laUser returns an LA caseworker of the i-th LA: the dataset's own for
// the first, and for the others one the soak adds (once: a reused dataset
// keeps them), with a bench address like every bench user.
func (m *measurer) laUser(i int) (store.User, error) {
	if i == 0 {
		return m.d.la, nil
	}
	o := m.d.las[i]
	email := soakUserPrefix + o.Code + "@" + EmailDomain
	u, err := m.s.GetUserByEmail(m.ctx, email)
	if err == nil {
		return u, nil
	}
	if !errs.Is(err, errs.NotFound) {
		return store.User{}, fmt.Errorf("bench: find %s: %w", email, err)
	}
	u = store.User{Email: email, Name: "Bench LA caseworker, " + o.Name, Role: store.RoleLA, LAID: o.ID}
	if err := m.s.CreateUser(m.ctx, store.System, &u); err != nil {
		return store.User{}, fmt.Errorf("bench: create %s: %w", email, err)
	}
	return u, nil
}

// preflight sends each kind of request the users will send once, as the
// first user of its role, and checks the answers are the real pages.
func (r *soakRun) preflight(users []*vu) error {
	tried := map[int]bool{}
	for _, v := range users {
		for _, w := range v.mix {
			if tried[w.op] {
				continue
			}
			tried[w.op] = true
			if err := r.act(v, w.op, true); err != nil {
				return fmt.Errorf("bench: soak: the first request of its kind failed: %w", err)
			}
		}
	}
	return nil
}

// work is one virtual user's loop: a request, a think of 0 to maxThink,
// and again, until the duration is up. A request under way then is
// finished and counted.
func (r *soakRun) work(v *vu) {
	think := time.NewTimer(0)
	<-think.C
	for {
		select {
		case <-r.stop:
			return
		case <-r.ctx.Done():
			return
		default:
		}
		if time.Since(v.since) >= sessionRenew {
			t0 := time.Now()
			c, err := r.m.signIn(v.user)
			failure := ""
			if err != nil {
				failure = "sign in again: " + err.Error()
			} else {
				v.cookie, v.since = c, time.Now()
			}
			r.rec.add(opSignIn, time.Since(t0), true, failure)
		}
		_ = r.act(v, v.pick(), false) // recorded; a failed request does not stop the user
		think.Reset(time.Duration(v.rng.Int64N(int64(maxThink) + 1)))
		select {
		case <-think.C:
		case <-r.stop:
			think.Stop()
			return
		case <-r.ctx.Done():
			think.Stop()
			return
		}
	}
}

// act sends one request of kind op as v (two for a write) and records it.
// check, for the preflight, also checks the page holds what the real page
// does. It returns what went wrong, or nil.
func (r *soakRun) act(v *vu, op int, check bool) error {
	kid := func() store.Child { return v.kids[v.rng.IntN(len(v.kids))] }
	switch op {
	case opChildren:
		return r.page(v, op, "/children", `id="results"`, check)
	case opChild:
		c := kid()
		return r.page(v, op, "/children/"+strconv.FormatInt(c.ID, 10), c.GivenName+" "+c.FamilyName, check)
	case opSearchName:
		f := strings.ToLower(kid().FamilyName)
		f = f[:min(len(f), 5)]
		return r.page(v, op, "/children?q="+url.QueryEscape(f), `id="results"`, check)
	case opSearchNHS:
		return r.page(v, op, "/children?q="+string(kid().NHSNumber), `id="results"`, check)
	case opCaseload:
		return r.page(v, op, caseloadPath, `id="results"`, check)
	case opDCOHome, opViewer:
		return r.page(v, op, "/", r.m.d.las[0].Name, check)
	case opAtRisk:
		return r.page(v, op, "/advice-requests/at-risk", `id="at-risk-total"`, check)
	case opWrite:
		if len(v.own) == 0 {
			return r.act(v, opChild, check)
		}
		return r.write(v, v.own[v.rng.IntN(len(v.own))])
	}
	return fmt.Errorf("bench: no such operation %d", op)
}

// page sends GET path with v's session and records it under op.
func (r *soakRun) page(v *vu, op int, path, want string, check bool) error {
	status, body, d, err := r.send(v, http.MethodGet, path, nil, check)
	bad := ""
	if check && err == nil && status == http.StatusOK && !strings.Contains(string(body), want) {
		bad = fmt.Sprintf("the page does not contain %q", want)
	}
	return r.note(op, d, status, http.StatusOK, err, bad)
}

// write reads child c through the JSON API for its version, then changes
// its setting, as an LA's system would.
func (r *soakRun) write(v *vu, c store.Child) error {
	path := "/api/v1/children/" + strconv.FormatInt(c.ID, 10)
	status, body, d, err := r.send(v, http.MethodGet, path, nil, true)
	var got struct {
		Version int64 `json:"version"`
	}
	bad := ""
	if err == nil && status == http.StatusOK && (json.Unmarshal(body, &got) != nil || got.Version < 1) {
		bad = "the answer has no version"
	}
	if err := r.note(opAPIGet, d, status, http.StatusOK, err, bad); err != nil {
		return err
	}
	patch, err := json.Marshal(map[string]any{"version": got.Version, "setting": settings[v.rng.IntN(len(settings))]})
	if err != nil {
		return err
	}
	status, _, d, err = r.send(v, http.MethodPatch, path, patch, false)
	return r.note(opAPIPatch, d, status, http.StatusOK, err, "")
}

// send makes one request as v: with its session cookie, or, under /api/,
// its LA's bearer token. It returns the status, the body when keep is set,
// and the time from sending to the last byte of the answer.
func (r *soakRun) send(v *vu, method, path string, body []byte, keep bool) (int, []byte, time.Duration, error) {
	var rd io.Reader
	if body != nil {
		rd = strings.NewReader(string(body))
	}
	req, err := http.NewRequestWithContext(r.ctx, method, r.base+path, rd)
	if err != nil {
		return 0, nil, 0, err
	}
	if strings.HasPrefix(path, "/api/") {
		req.Header.Set("Authorization", "Bearer "+v.token)
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
	} else {
		req.AddCookie(v.cookie)
	}
	t0 := time.Now()
	res, err := r.client.Do(req)
	if err != nil {
		return 0, nil, time.Since(t0), err
	}
	defer res.Body.Close()
	var got []byte
	if keep {
		got, err = io.ReadAll(res.Body)
	} else {
		_, err = io.Copy(io.Discard, res.Body)
	}
	return res.StatusCode, got, time.Since(t0), err
}

// note records a request under op and returns its failure, or nil: a
// transport error, a status of 500 or more, any other status than want,
// or bad (an answer that is not what it should be).
func (r *soakRun) note(op int, d time.Duration, status, want int, err error, bad string) error {
	name := soakOps[op].name
	failure := ""
	switch {
	case err != nil:
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // the URL holds search terms; the kind of failure is enough
		}
		failure = fmt.Sprintf("%s: no answer: %v", name, err)
	case status >= 500:
		failure = fmt.Sprintf("%s: server error, status %d", name, status)
	case status != want:
		failure = fmt.Sprintf("%s: status %d, want %d", name, status, want)
	case bad != "":
		failure = fmt.Sprintf("%s: %s", name, bad)
	}
	r.rec.add(op, d, status != 0, failure)
	if failure != "" {
		return errors.New(failure)
	}
	return nil
}

// flat compares the mean of the samples in the last quarter of a run of
// elapsed seconds with the mean of those in the second quarter (the first
// is warm-up: connections opened, caches filled). It returns the ratio and
// both means, or false when either quarter has no sample.
func flat(samples []SoakSample, elapsed float64, get func(SoakSample) float64) (ratio, second, last float64, ok bool) {
	var sum [5]float64
	var n [5]int
	for _, s := range samples {
		q := min(max(int(math.Ceil(4*s.Elapsed/elapsed)), 1), 4)
		sum[q] += get(s)
		n[q]++
	}
	if n[2] == 0 || n[4] == 0 {
		return 0, 0, 0, false
	}
	second, last = sum[2]/float64(n[2]), sum[4]/float64(n[4])
	if second <= 0 {
		return 0, second, last, false
	}
	return last / second, second, last, true
}

// soakTargets compares a soak with docs/quality-bar.md §20.
func soakTargets(s *Soak, engine string) []Target {
	var out []Target
	add := func(t Target, measured bool) {
		switch {
		case !measured:
			t.Result = NotMeasured
		case (t.Strict && t.AtMost && t.Value < t.Limit) || (!t.Strict && t.AtMost && t.Value <= t.Limit) || (!t.AtMost && t.Value >= t.Limit):
			t.Result = Pass
		default:
			t.Result = Fail
		}
		out = append(out, t)
	}
	answered := s.Requests > 0
	add(Target{Metric: MetricSoakP95, What: "every request, p95 (client time, loopback HTTP)", Value: s.P95.Ms(), Unit: "ms", Limit: soakP95Limit, AtMost: true}, answered)
	add(Target{Metric: MetricSoakErrors, What: "errors (no answer, status ≥ 500, or an unexpected status)", Value: s.ErrorRate, Unit: "%", Limit: soakErrorLimit, AtMost: true, Strict: true,
		Note: fmt.Sprintf("%s of %s requests", thousands(float64(s.Errors)), thousands(float64(s.Requests)))}, answered)
	for _, f := range []struct {
		metric, what, unit string
		get                func(SoakSample) float64
	}{
		{MetricSoakRSS, "memory flat: VmRSS, last quarter's mean ÷ second quarter's", "MB", func(x SoakSample) float64 { return x.RSSMB }},
		{MetricSoakGoroutines, "goroutines flat: last quarter's mean ÷ second quarter's", "", func(x SoakSample) float64 { return float64(x.Goroutines) }},
	} {
		ratio, second, last, ok := flat(s.Samples, s.Elapsed, f.get)
		t := Target{Metric: f.metric, What: f.what, Value: ratio, Unit: "ratio", Limit: soakFlatLimit, AtMost: true}
		if ok {
			t.Note = fmt.Sprintf("%.1f%s, then %.1f%s", second, unitSuffix(f.unit), last, unitSuffix(f.unit))
		} else {
			t.Note = "too few samples: each quarter of the run needs one"
		}
		add(t, ok)
	}
	minutes, what := float64(soakMinSQLite), "duration (the bar: 30 minutes on SQLite)"
	if engine == store.EnginePostgres {
		minutes, what = soakMinPG, "duration (the bar: an hour on PostgreSQL)"
	}
	add(Target{Metric: MetricSoakDuration, What: what, Value: s.Elapsed / 60, Unit: "min", Limit: minutes}, true)
	if engine == store.EnginePostgres {
		add(Target{Metric: MetricSoakRate, What: "throughput (the bar: 150 requests/s on PostgreSQL)", Value: s.Throughput, Unit: "req/s", Limit: soakRatePG}, answered)
	}
	return out
}

func unitSuffix(u string) string {
	if u == "" {
		return ""
	}
	return " " + u
}

// soakVerdict is fail when any target fails, not measured when any is not
// measured, and pass otherwise.
func soakVerdict(ts []Target) string {
	v := Pass
	for _, t := range ts {
		switch t.Result {
		case Fail:
			return Fail
		case NotMeasured:
			v = NotMeasured
		}
	}
	return v
}

// verifyAfterSoak walks the audit chain once the soak is over: every page
// the users read and every change they made appended to it.
func (m *measurer) verifyAfterSoak(s *Soak) error {
	m.say("verifying the audit chain")
	t0 := time.Now()
	checked, broken, err := m.s.VerifyAudit(m.ctx)
	if err != nil {
		return fmt.Errorf("bench: verify audit after the soak: %w", err)
	}
	if broken != 0 {
		return fmt.Errorf("bench: after the soak the audit chain is broken at row %d", broken)
	}
	m.auditRows = checked
	s.Notes = append(s.Notes, fmt.Sprintf("the audit chain verified after the soak: %s rows, intact, in %.1f s", thousands(float64(checked)), time.Since(t0).Seconds()))
	return nil
}

// caseloadOverdue counts the open advice requests past six weeks in the LA
// caseworker's LA.
func (m *measurer) caseloadOverdue() error {
	clock := advice.NewClock(send.DefaultCalendar(), send.Today(time.Now()))
	_, overdue, err := m.s.ListAdviceRequests(m.ctx, m.laActor, clock, store.AdviceFilter{Queue: advice.QueueOverdue, Limit: 1})
	if err != nil {
		return fmt.Errorf("bench: count the caseload: %w", err)
	}
	m.overdue = overdue
	return nil
}
