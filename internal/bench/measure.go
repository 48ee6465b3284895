package bench

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Metric is one measurement: how many operations were timed, their
// latency percentiles and the throughput over the whole measurement.
type Metric struct {
	Name  string `json:"name"`  // stable key, one of MetricNames
	Title string `json:"title"` // what was measured, for people
	Count int    `json:"count"` // operations timed
	P50   Millis `json:"p50_ms"`
	P95   Millis `json:"p95_ms"`
	P99   Millis `json:"p99_ms"`
	Max   Millis `json:"max_ms"`
	// Throughput is Units per second over the measurement's wall time.
	Throughput float64 `json:"throughput"`
	Unit       string  `json:"unit"` // "rows/s", "req/s", "searches/s"
	Note       string  `json:"note,omitempty"`
}

// Millis is a duration that reads as milliseconds in JSON.
type Millis time.Duration

// MarshalJSON writes the duration in milliseconds, to the microsecond.
func (m Millis) MarshalJSON() ([]byte, error) {
	return fmt.Appendf(nil, "%.3f", float64(time.Duration(m))/float64(time.Millisecond)), nil
}

// UnmarshalJSON reads milliseconds, as MarshalJSON writes them.
func (m *Millis) UnmarshalJSON(b []byte) error {
	v, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		return fmt.Errorf("bench: %s is not a number of milliseconds", b)
	}
	*m = Millis(time.Duration(v * float64(time.Millisecond)))
	return nil
}

// Ms returns the duration in milliseconds.
func (m Millis) Ms() float64 { return float64(time.Duration(m)) / float64(time.Millisecond) }

// summarise turns timed operations into a Metric: latencies are the
// operations' own times, throughput is units done over wall time.
func summarise(name, title, unit string, ds []time.Duration, units int, wall time.Duration) Metric {
	m := Metric{Name: name, Title: title, Unit: unit, Count: len(ds)}
	if len(ds) == 0 {
		return m
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	m.P50, m.P95, m.P99, m.Max = Millis(rank(s, 0.50)), Millis(rank(s, 0.95)), Millis(rank(s, 0.99)), Millis(s[len(s)-1])
	if wall > 0 {
		m.Throughput = float64(units) / wall.Seconds()
	}
	return m
}

// rank is the nearest-rank percentile of sorted durations.
func rank(sorted []time.Duration, q float64) time.Duration {
	i := int(q*float64(len(sorted))+0.999999999) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

// sequential times op, one call at a time: a few untimed calls to warm
// caches and prepared statements, then up to n timed calls, stopping early
// once maxTime has passed. op returns the time it measured itself, so
// that setting up a call is not counted.
func sequential(ctx context.Context, n int, maxTime time.Duration, op func(first bool) (time.Duration, error)) ([]time.Duration, time.Duration, error) {
	for i := range min(5, n) {
		if _, err := op(i == 0); err != nil {
			return nil, 0, err
		}
	}
	ds := make([]time.Duration, 0, n)
	start := time.Now()
	for len(ds) < n && time.Since(start) < maxTime {
		if err := ctx.Err(); err != nil {
			return ds, time.Since(start), err
		}
		d, err := op(false)
		if err != nil {
			return ds, time.Since(start), err
		}
		ds = append(ds, d)
	}
	return ds, time.Since(start), nil
}

// pageOp returns an op that sends GET path, with the session cookie, to h
// in process and times h.ServeHTTP alone: the server's time for the page,
// rendering included. The first call checks the page holds want, so that
// a redirect to sign-in or an error page is not timed as the real page.
func pageOp(h http.Handler, path string, cookie *http.Cookie, want string) func(bool) (time.Duration, error) {
	return func(first bool) (time.Duration, error) {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		if cookie != nil {
			req.AddCookie(cookie)
		}
		rec := httptest.NewRecorder()
		t0 := time.Now()
		h.ServeHTTP(rec, req)
		d := time.Since(t0)
		if rec.Code != http.StatusOK {
			return d, fmt.Errorf("GET %s: status %d, want 200", path, rec.Code)
		}
		if first && !strings.Contains(rec.Body.String(), want) {
			return d, fmt.Errorf("GET %s: the page does not contain %q", path, want)
		}
		return d, nil
	}
}

// maxLoadRequests bounds a concurrent measurement whatever its duration,
// so that its latencies fit in memory.
const maxLoadRequests = 2_000_000

// loadClient is an HTTP client for clients concurrent clients over
// loopback, each keeping its connection, following no redirect; closeIdle
// closes the connections.
func loadClient(clients int) (client *http.Client, closeIdle func()) {
	tr := &http.Transport{
		Proxy:               nil, // loopback only, whatever the environment says
		MaxIdleConnsPerHost: clients,
		DisableCompression:  true,
	}
	client = &http.Client{Transport: tr, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return client, tr.CloseIdleConnections
}

// timedGet sends one GET url and returns its time, seen from the client,
// the body read to the end; any status but 200 is an error.
func timedGet(ctx context.Context, client *http.Client, url string, cookie *http.Cookie) (time.Duration, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, err
	}
	if cookie != nil {
		req.AddCookie(cookie)
	}
	t0 := time.Now()
	res, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	_, err = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	dt := time.Since(t0)
	if err != nil {
		return 0, err
	}
	if res.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("GET %s: status %d, want 200", req.URL.Path, res.StatusCode)
	}
	return dt, nil
}

// load sends GET url from clients concurrent clients over real HTTP, each
// on its own keep-alive connection, for the duration d (or
// maxLoadRequests). It returns every request's time, seen from the
// client, and the wall time. Each client first sends one untimed request,
// to open its connection.
func load(ctx context.Context, url string, cookie *http.Cookie, clients int, d time.Duration) ([]time.Duration, time.Duration, error) {
	client, closeIdle := loadClient(clients)
	defer closeIdle()
	parent := ctx
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	get := func() (time.Duration, error) { return timedGet(ctx, client, url, cookie) }

	var (
		wg       sync.WaitGroup
		ready    sync.WaitGroup
		start    = make(chan struct{})
		failOnce sync.Once
		failure  error
		issued   atomic.Int64
		per      = make([][]time.Duration, clients)
	)
	fail := func(err error) {
		failOnce.Do(func() { failure = err; cancel() })
	}
	var deadline time.Time
	ready.Add(clients)
	for i := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, warm := get()
			ready.Done()
			if warm != nil {
				fail(warm)
				return
			}
			<-start
			for time.Now().Before(deadline) && ctx.Err() == nil && issued.Add(1) <= maxLoadRequests {
				dt, err := get()
				if err != nil {
					if ctx.Err() == nil {
						fail(err)
					}
					return
				}
				per[i] = append(per[i], dt)
			}
		}()
	}
	ready.Wait()
	t0 := time.Now()
	deadline = t0.Add(d)
	close(start)
	wg.Wait()
	wall := time.Since(t0)
	if failure != nil {
		return nil, wall, failure
	}
	if err := parent.Err(); err != nil {
		return nil, wall, err
	}
	var all []time.Duration
	for _, p := range per {
		all = append(all, p...)
	}
	return all, wall, nil
}
