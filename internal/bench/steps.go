package bench

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"dco/internal/store"
)

// caseloadPath is docs/quality-bar.md §19's caseload page: an LA's overdue advice
// requests, first page.
const caseloadPath = "/advice-requests?queue=overdue"

// caseloadPage times an LA caseworker's caseload page, first page, as the
// server renders it, and counts what it lists.
func (m *measurer) caseloadPage() ([]Metric, error) {
	if err := m.caseloadOverdue(); err != nil {
		return nil, err
	}
	overdue := m.overdue
	m.say("caseload page (%d overdue advice requests), one request at a time", overdue)
	ds, wall, err := sequential(m.ctx, m.opt.Requests, m.opt.MaxTime, pageOp(m.h, caseloadPath, m.la, `id="results"`))
	if err != nil {
		return nil, fmt.Errorf("bench: caseload page: %w", err)
	}
	metric := summarise(MetricCaseloadPage, "LA caseload: overdue advice requests, first page, HTML (server time)", "req/s", ds, len(ds), wall)
	metric.Note = fmt.Sprintf("%s overdue in the LA", thousands(float64(overdue)))
	return []Metric{metric}, nil
}

// atRiskPage times the DCO's page of advice requests that will miss six
// weeks this week or already have, and who they wait on.
func (m *measurer) atRiskPage() ([]Metric, error) {
	m.say("DCO's advice requests at risk")
	ds, wall, err := sequential(m.ctx, m.opt.Requests, m.opt.MaxTime, pageOp(m.h, "/advice-requests/at-risk", m.dco, `id="at-risk-total"`))
	if err != nil {
		return nil, fmt.Errorf("bench: advice requests at risk: %w", err)
	}
	return []Metric{summarise(MetricAtRiskPage, "DCO: advice requests at risk this week, HTML (server time)", "req/s", ds, len(ds), wall)}, nil
}

// childrenPage times an LA caseworker's list of children, first page, as
// the server renders it.
func (m *measurer) childrenPage() ([]Metric, error) {
	m.say("children page, one request at a time")
	ds, wall, err := sequential(m.ctx, m.opt.Requests, m.opt.MaxTime, pageOp(m.h, "/children", m.la, `id="results"`))
	if err != nil {
		return nil, fmt.Errorf("bench: children page: %w", err)
	}
	return []Metric{summarise(MetricChildrenPage, "LA children list, first page, HTML (server time)", "req/s", ds, len(ds), wall)}, nil
}

// concurrent serves the handler on a loopback port and loads it from
// opt.Concurrency clients: first a static file the same binary serves,
// then the LA caseload page, then the LA children list. Times are the
// clients'.
func (m *measurer) concurrent() ([]Metric, error) {
	static, err := m.staticPath()
	if err != nil {
		return nil, err
	}
	base, stop, err := serveLoopback(m.h)
	if err != nil {
		return nil, err
	}
	defer stop()
	n := m.opt.Concurrency

	m.say("static file %s, %d clients for %s", static, n, m.opt.Duration)
	ds, wall, err := load(m.ctx, base+static, nil, n, m.opt.Duration)
	if err != nil {
		return nil, fmt.Errorf("bench: static file under load: %w", err)
	}
	st := summarise(MetricStaticHTTP, fmt.Sprintf("static file %s, %d clients, loopback HTTP", static, n), "req/s", ds, len(ds), wall)

	var pages []Metric
	for _, p := range []struct{ name, what, path string }{
		{MetricCaseloadHTTP, "LA caseload page", caseloadPath},
		{MetricChildrenHTTP, "LA children list", "/children"},
	} {
		m.say("%s, %d clients for %s", p.what, n, m.opt.Duration)
		ds, wall, err = load(m.ctx, base+p.path, m.la, n, m.opt.Duration)
		if err != nil {
			return nil, fmt.Errorf("bench: %s under load: %w", p.what, err)
		}
		page := summarise(p.name, fmt.Sprintf("%s, %d clients, loopback HTTP", p.what, n), "req/s", ds, len(ds), wall)
		if st.Throughput > 0 {
			page.Note = fmt.Sprintf("%.3f of the static file's throughput", page.Throughput/st.Throughput)
		}
		pages = append(pages, page)
	}
	return append(pages, st), nil
}

// serveLoopback serves h over HTTP on a free loopback port until stop is
// called, and returns the base URL.
func serveLoopback(h http.Handler) (base string, stop func(), err error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, fmt.Errorf("bench: listen on loopback: %w", err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	return "http://" + ln.Addr().String(), func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		<-served
	}, nil
}

// staticPath returns the static file of docs/quality-bar.md §19's comparison: dco's
// own content-hashed stylesheet, or /healthz when the build has none.
func (m *measurer) staticPath() (string, error) {
	req := httptest.NewRequest(http.MethodGet, "/children", nil)
	req.AddCookie(m.la)
	rec := httptest.NewRecorder()
	m.h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		return "", fmt.Errorf("bench: GET /children: status %d, want 200", rec.Code)
	}
	if p := staticRE.FindString(rec.Body.String()); p != "" {
		return p, nil
	}
	return "/healthz", nil
}

// searchNHS times a search by whole NHS number as the LA caseworker, at
// the store, over children spread through the dataset.
func (m *measurer) searchNHS() ([]Metric, error) {
	m.say("search by NHS number")
	i := 0
	ds, wall, err := sequential(m.ctx, m.opt.Requests, m.opt.MaxTime, func(bool) (time.Duration, error) {
		nhs := m.nhs[i%len(m.nhs)]
		i++
		t0 := time.Now()
		_, total, err := m.s.SearchChildren(m.ctx, m.laActor, store.ChildFilter{Query: nhs})
		d := time.Since(t0)
		if err == nil && total != 1 {
			err = fmt.Errorf("found %d children with one NHS number, want 1", total)
		}
		return d, err
	})
	if err != nil {
		return nil, fmt.Errorf("bench: search by NHS number: %w", err)
	}
	return []Metric{summarise(MetricSearchNHS, "search by NHS number, LA scope (store)", "searches/s", ds, len(ds), wall)}, nil
}

// searchName times a search by a fragment of a name as the LA caseworker,
// at the store: a family name, which matches about one child in forty.
func (m *measurer) searchName() ([]Metric, error) {
	m.say("search by name fragment")
	i, found := 0, 0
	ds, wall, err := sequential(m.ctx, m.opt.Requests, m.opt.MaxTime, func(bool) (time.Duration, error) {
		q := strings.ToLower(familyNames[i%len(familyNames)])
		i++
		t0 := time.Now()
		_, total, err := m.s.SearchChildren(m.ctx, m.laActor, store.ChildFilter{Query: q})
		found += total
		return time.Since(t0), err
	})
	if err != nil {
		return nil, fmt.Errorf("bench: search by name: %w", err)
	}
	if found == 0 {
		return nil, errors.New("bench: search by name: no search found anyone")
	}
	metric := summarise(MetricSearchName, "search by family name fragment, LA scope (store)", "searches/s", ds, len(ds), wall)
	metric.Note = fmt.Sprintf("%s matches a search on average", thousands(float64(found)/float64(i)))
	return []Metric{metric}, nil
}

// dcoHome times the DCO's home page: the ICB's children counted by LA.
func (m *measurer) dcoHome() ([]Metric, error) {
	m.say("DCO home page")
	ds, wall, err := sequential(m.ctx, m.opt.Requests, m.opt.MaxTime, pageOp(m.h, "/", m.dco, m.d.las[0].Name))
	if err != nil {
		return nil, fmt.Errorf("bench: DCO home page: %w", err)
	}
	return []Metric{summarise(MetricDCOHome, "DCO home: the ICB's children by LA, HTML (server time)", "req/s", ds, len(ds), wall)}, nil
}

// viewerHome times the board member's dashboard: counts only.
func (m *measurer) viewerHome() ([]Metric, error) {
	m.say("viewer dashboard")
	ds, wall, err := sequential(m.ctx, m.opt.Requests, m.opt.MaxTime, pageOp(m.h, "/", m.viewer, m.d.las[0].Name))
	if err != nil {
		return nil, fmt.Errorf("bench: viewer dashboard: %w", err)
	}
	return []Metric{summarise(MetricViewerHome, "viewer dashboard: counts by LA, HTML (server time)", "req/s", ds, len(ds), wall)}, nil
}

// auditRuns is how many times the audit chain is verified.
const auditRuns = 3

// auditVerify times a walk of the whole audit chain: the import's rows,
// one per child, and the measurements' own (each search is audited).
func (m *measurer) auditVerify() ([]Metric, error) {
	m.say("verifying the audit chain")
	var ds []time.Duration
	var rows int64
	start := time.Now()
	for len(ds) < auditRuns && (len(ds) == 0 || time.Since(start) < m.opt.MaxTime) {
		t0 := time.Now()
		checked, broken, err := m.s.VerifyAudit(m.ctx)
		ds = append(ds, time.Since(t0))
		if err != nil {
			return nil, fmt.Errorf("bench: verify audit: %w", err)
		}
		if broken != 0 {
			return nil, errors.New("bench: the audit chain is broken at row " + fmt.Sprint(broken))
		}
		rows += checked
		m.auditRows = checked
	}
	var total time.Duration
	for _, d := range ds {
		total += d
	}
	return []Metric{summarise(MetricAuditVerify, "audit chain verification, whole chain (per walk)", "rows/s", ds, int(rows), total)}, nil
}
