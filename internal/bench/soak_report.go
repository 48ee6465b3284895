package bench

import (
	"fmt"
	"math"
	"time"

	"dco/internal/advice"
	"dco/internal/advice/advicedb"
	"dco/internal/send"
	"dco/internal/store"
)

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
	_, overdue, err := advicedb.New(m.s).ListAdviceRequests(m.ctx, m.laActor, clock, advicedb.Filter{Queue: advice.QueueOverdue, Limit: 1})
	if err != nil {
		return fmt.Errorf("bench: count the caseload: %w", err)
	}
	m.overdue = overdue
	return nil
}
