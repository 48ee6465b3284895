package bench

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"strconv"
	"strings"
	"text/tabwriter"

	"dco/internal/store"
)

// Memory is what the process holds, read from /proc/self/status after the
// measurements: the server, its clients and the generator together.
type Memory struct {
	RSSMB  float64 `json:"rss_mb"`     // VmRSS: resident now, while serving
	HWMMB  float64 `json:"hwm_mb"`     // VmHWM: the most ever resident, import included
	HeapMB float64 `json:"go_heap_mb"` // the Go heap in use
	Note   string  `json:"note,omitempty"`
}

// readMemory reads VmRSS and VmHWM; where there is no /proc (not Linux)
// the note says so and they stay zero.
func readMemory() Memory {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	m := Memory{HeapMB: float64(ms.HeapInuse) / (1 << 20)}
	f, err := os.Open("/proc/self/status")
	if err != nil {
		m.Note = "resident memory is not available here (" + runtime.GOOS + ")"
		return m
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		key, rest, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		fields := strings.Fields(rest)
		if len(fields) != 2 || fields[1] != "kB" {
			continue
		}
		kb, err := strconv.ParseFloat(fields[0], 64)
		if err != nil {
			continue
		}
		switch key {
		case "VmRSS":
			m.RSSMB = kb / 1024
		case "VmHWM":
			m.HWMMB = kb / 1024
		}
	}
	return m
}

// loadAverage returns the 1, 5 and 15 minute load averages, or "" where
// there is no /proc.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}

// Target is one figure of docs/quality-bar.md §19 and how this run compares.
type Target struct {
	Metric string  `json:"metric"`
	What   string  `json:"what"`
	Value  float64 `json:"value"`
	Unit   string  `json:"unit"`
	Limit  float64 `json:"limit"`
	AtMost bool    `json:"at_most"`          // the value must be ≤ Limit; otherwise ≥
	Strict bool    `json:"strict,omitempty"` // with AtMost: the value must be < Limit
	Result string  `json:"result"`           // pass, fail, or not measured
	Note   string  `json:"note,omitempty"`
}

// The results of a target.
const (
	Pass        = "pass"
	Fail        = "fail"
	NotMeasured = "not measured"
)

// targets compares a report with docs/quality-bar.md §19.
func targets(r *Report) []Target {
	var out []Target
	add := func(t Target, measured bool) {
		switch {
		case !measured:
			t.Result = NotMeasured
		case (t.AtMost && t.Value <= t.Limit) || (!t.AtMost && t.Value >= t.Limit):
			t.Result = Pass
		default:
			t.Result = Fail
		}
		out = append(out, t)
	}
	if m, ok := r.Metric(MetricImport); ok {
		add(Target{Metric: m.Name, What: "import with full validation", Value: m.Throughput, Unit: "rows/s", Limit: 50_000}, m.Count > 0)
	}
	static, hasStatic := r.Metric(MetricStaticHTTP)
	for _, p := range []struct {
		page, http, ratio, what, note string
	}{
		{MetricCaseloadPage, MetricCaseloadHTTP, MetricCaseloadRate, "LA caseload page (overdue advice requests)",
			fmt.Sprintf("the caseload target; %s overdue in the LA", thousands(float64(r.Overdue)))},
		{MetricChildrenPage, MetricChildrenHTTP, MetricConcurrentRate, "LA children list",
			"the caseload target applied to the children list"},
	} {
		if m, ok := r.Metric(p.page); ok {
			add(Target{Metric: m.Name, What: p.what + ", first page: p95 server time", Value: m.P95.Ms(), Unit: "ms", Limit: 20, AtMost: true,
				Note: p.note}, m.Count > 0)
		}
		if page, ok := r.Metric(p.http); ok && hasStatic {
			name, _, _ := strings.Cut(p.what, " (")
			t := Target{Metric: p.ratio, What: fmt.Sprintf("%s ÷ static file throughput, %d clients", strings.TrimPrefix(name, "LA "), r.Concurrency),
				Unit: "ratio", Limit: 0.25, Note: p.note}
			if static.Throughput > 0 {
				t.Value = page.Throughput / static.Throughput
			}
			add(t, static.Throughput > 0 && page.Count > 0)
		}
	}
	for _, name := range []string{MetricDCOHome, MetricViewerHome} {
		if m, ok := r.Metric(name); ok {
			add(Target{Metric: m.Name, What: strings.SplitN(m.Title, ":", 2)[0] + ": p95 server time", Value: m.P95.Ms(), Unit: "ms", Limit: 50, AtMost: true,
				Note: "the ICB dashboard target, measured at " + r.icbScale()}, m.Count > 0)
		}
	}
	t := Target{Metric: MetricMemory, What: "resident memory while serving (VmRSS)", Value: r.Memory.RSSMB, Unit: "MB", Limit: 300, AtMost: true}
	if r.Children < NationalChildren {
		t.Note = fmt.Sprintf("the target is for the national database (%s children); this one has %s", thousands(NationalChildren), thousands(float64(r.Children)))
	}
	add(t, r.Memory.RSSMB > 0)
	return out
}

// icbShare says how many ICBs the dataset has and ICB 1's share of it:
// "ICB 1 of 42: 15,476 children in 4 LAs".
func (r *Report) icbShare() string {
	return fmt.Sprintf("ICB 1 of %d: %s children in %s", r.ICBs, thousands(float64(r.ICBChildren)), plural(r.ICBLAs, "LA"))
}

// icbScale says at what scale the ICB dashboards were measured, and warns
// when one ICB holds a whole national dataset, which no real ICB does.
func (r *Report) icbScale() string {
	s := r.icbShare()
	if r.ICBs <= 1 && r.Children > NationalChildren/MaxICBs*2 {
		s += fmt.Sprintf(" (one ICB holds the whole dataset; a real one holds about a 42nd of the nation: --icbs %d)", MaxICBs)
	}
	return s
}

// WriteText writes the report as two tables, measurements and targets, for
// a person at a terminal.
func (r *Report) WriteText(w io.Writer) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "dco bench, %s\n", r.Date.Format("2006-01-02 15:04 MST"))
	fmt.Fprintf(bw, "%s: %s children in %d local authorities, %s advice requests (%s overdue in the caseload's LA), %s audit rows",
		r.Where, thousands(float64(r.Children)), r.LAs, thousands(float64(r.Advice)), thousands(float64(r.Overdue)), thousands(float64(r.AuditRows)))
	if r.Reused {
		fmt.Fprint(bw, " (reused dataset)")
	}
	if r.ICBs > 0 {
		fmt.Fprintf(bw, "\n%s; the DCO and the board member are ICB 1's, the LA caseworker its first LA's", r.icbShare())
	}
	fmt.Fprintf(bw, "\n%s, %s, %d CPUs", r.GoVersion, r.OS, r.CPUs)
	if r.LoadAverage != "" {
		fmt.Fprintf(bw, ", load average %s at the start", r.LoadAverage)
	}
	fmt.Fprint(bw, "\n\n")

	tw := tabwriter.NewWriter(bw, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "metric\tcount\tp50\tp95\tp99\tmax\tthroughput\t\t")
	for _, m := range r.Metrics {
		if m.Count == 0 {
			fmt.Fprintf(tw, "%s\t0\t\t\t\t\t\t\t  %s\n", m.Name, m.Note)
			continue
		}
		note := m.Title
		if m.Note != "" {
			note += "; " + m.Note
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t  %s\n", m.Name, m.Count, ms(m.P50), ms(m.P95), ms(m.P99), ms(m.Max),
			thousands(m.Throughput), m.Unit, note)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	mem := r.Memory
	fmt.Fprintf(bw, "\nmemory: VmRSS %.0f MB, VmHWM %.0f MB, Go heap %.0f MB (the whole process: server, clients and generator)\n", mem.RSSMB, mem.HWMMB, mem.HeapMB)
	if mem.Note != "" {
		fmt.Fprintf(bw, "memory: %s\n", mem.Note)
	}
	if r.Commits > 0 {
		fmt.Fprintf(bw, "writes: %s write transactions in %s commits, %.2f a commit (concurrent writers share a commit)\n",
			thousands(float64(r.Writes)), thousands(float64(r.Commits)), float64(r.Writes)/float64(r.Commits))
	}

	fmt.Fprintln(bw, "\nTargets (docs/quality-bar.md §19)")
	if err := writeTargets(bw, r.Targets); err != nil {
		return err
	}
	if r.Soak != nil {
		if err := r.Soak.writeText(bw, r.Engine); err != nil {
			return err
		}
	}
	for _, n := range r.Notes {
		fmt.Fprintf(bw, "note: %s\n", n)
	}
	return bw.Flush()
}

// writeTargets writes targets as a table.
func writeTargets(w io.Writer, ts []Target) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "target\tvalue\trequired\tresult\t")
	for _, t := range ts {
		op := "≥"
		switch {
		case t.AtMost && t.Strict:
			op = "<"
		case t.AtMost:
			op = "≤"
		}
		line := fmt.Sprintf("%s\t%s %s\t%s %s %s\t%s\t", t.What, figure(t.Value, t.Unit), t.Unit, op, figure(t.Limit, t.Unit), t.Unit, t.Result)
		if t.Note != "" {
			line += "  " + t.Note
		}
		fmt.Fprintln(tw, line)
	}
	return tw.Flush()
}

// writeText writes the soak: what ran, each kind of request, the samples,
// the targets of docs/quality-bar.md §20 and the verdict.
func (s *Soak) writeText(w io.Writer, engine string) error {
	fmt.Fprintf(w, "\nLoad and soak (docs/quality-bar.md §20)\n")
	fmt.Fprintf(w, "%s (%s, %d as the DCO, %d as the board member), each thinking 0–%s between requests, for %s (asked %s) on %s\n",
		plural(s.Users, "virtual user"), plural(s.LAUsers, "LA caseworker"), s.DCOUsers, s.ViewerUsers, ms(s.ThinkMax), hms(s.Elapsed), hms(s.Duration), engineName(engine))
	fmt.Fprintf(w, "requests: %s, %s req/s; errors: %s (%.3f %%); p50 %s, p95 %s, p99 %s, max %s (client time, to within 2 %%)\n\n",
		thousands(float64(s.Requests)), thousands(s.Throughput), thousands(float64(s.Errors)), s.ErrorRate, ms(s.P50), ms(s.P95), ms(s.P99), ms(s.Max))

	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "operation\tcount\terrors\tp50\tp95\tp99\tmax\t")
	for _, o := range s.Operations {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t  %s\n", o.Name, thousands(float64(o.Count)), thousands(float64(o.Errors)),
			ms(o.P50), ms(o.P95), ms(o.P99), ms(o.Max), o.Title)
	}
	if err := tw.Flush(); err != nil {
		return err
	}

	fmt.Fprintf(w, "\nSamples, every %s and at the end (requests, rate, p95 and errors since the sample before)\n", hms(s.SampleEvery))
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "time\trequests\treq/s\tp95\terrors\tVmRSS\tGo heap\tgoroutines\t")
	for _, x := range s.Samples {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%.0f MB\t%.0f MB\t%d\t\n", hms(x.Elapsed), thousands(float64(x.Requests)), thousands(x.Rate),
			ms(x.P95), x.Errors, x.RSSMB, x.HeapMB, x.Goroutines)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(s.ErrorsSeen) > 0 {
		fmt.Fprintln(w, "\nErrors")
		for _, e := range s.ErrorsSeen {
			fmt.Fprintf(w, "  %s\n", e)
		}
	}

	fmt.Fprintln(w, "\nTargets (docs/quality-bar.md §20)")
	if err := writeTargets(w, s.Targets); err != nil {
		return err
	}
	fmt.Fprintf(w, "flat: the mean of the samples in the last quarter of the run is at most %.1f × the mean of those in the second quarter (the first quarter is warm-up)\n", soakFlatLimit)
	var failed, passed, unmeasured []string
	for _, t := range s.Targets {
		name := strings.TrimPrefix(t.Metric, "soak.")
		switch t.Result {
		case Pass:
			passed = append(passed, name)
		case Fail:
			failed = append(failed, name)
		default:
			unmeasured = append(unmeasured, name)
		}
	}
	fmt.Fprintf(w, "verdict: %s", s.Verdict)
	for _, part := range []struct {
		what  string
		names []string
	}{{"failed", failed}, {"passed", passed}, {"not measured", unmeasured}} {
		if len(part.names) > 0 {
			fmt.Fprintf(w, "; %s: %s", part.what, strings.Join(part.names, ", "))
		}
	}
	fmt.Fprintln(w)
	for _, n := range s.Notes {
		fmt.Fprintf(w, "note: %s\n", n)
	}
	return nil
}

// plural writes n and the noun, with an s unless n is 1.
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// engineName is the database engine's proper name.
func engineName(engine string) string {
	switch engine {
	case store.EngineSQLite:
		return "SQLite"
	case store.EnginePostgres:
		return "PostgreSQL"
	}
	return engine
}

// ms writes a duration in milliseconds.
func ms(m Millis) string {
	v := m.Ms()
	switch {
	case v >= 100:
		return fmt.Sprintf("%.0f ms", v)
	case v >= 10:
		return fmt.Sprintf("%.1f ms", v)
	}
	return fmt.Sprintf("%.2f ms", v)
}

// figure writes a target's value: ratios to three places, milliseconds to
// two, counts whole with thousands separators.
func figure(v float64, unit string) string {
	switch unit {
	case "ratio", "%":
		return fmt.Sprintf("%.3f", v)
	case "ms":
		return fmt.Sprintf("%.2f", v)
	case "min":
		return fmt.Sprintf("%.1f", v)
	}
	return thousands(v)
}

// thousands writes a number rounded to a whole one, with commas.
func thousands(v float64) string {
	s := strconv.FormatInt(int64(math.Round(v)), 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
