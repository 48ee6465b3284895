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

// Target is one figure of QUALITY.md §19 and how this run compares.
type Target struct {
	Metric string  `json:"metric"`
	What   string  `json:"what"`
	Value  float64 `json:"value"`
	Unit   string  `json:"unit"`
	Limit  float64 `json:"limit"`
	AtMost bool    `json:"at_most"` // the value must be ≤ Limit; otherwise ≥
	Result string  `json:"result"`  // pass, fail, or not measured
	Note   string  `json:"note,omitempty"`
}

// The results of a target.
const (
	Pass        = "pass"
	Fail        = "fail"
	NotMeasured = "not measured"
)

// targets compares a report with QUALITY.md §19.
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
				Note: "the ICB dashboard target"}, m.Count > 0)
		}
	}
	t := Target{Metric: MetricMemory, What: "resident memory while serving (VmRSS)", Value: r.Memory.RSSMB, Unit: "MB", Limit: 300, AtMost: true}
	if r.Children < NationalChildren {
		t.Note = fmt.Sprintf("the target is for the national database (%s children); this one has %s", thousands(NationalChildren), thousands(float64(r.Children)))
	}
	add(t, r.Memory.RSSMB > 0)
	return out
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

	fmt.Fprintln(bw, "\nTargets (QUALITY.md §19)")
	tw = tabwriter.NewWriter(bw, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "target\tvalue\trequired\tresult\t")
	for _, t := range r.Targets {
		op := "≥"
		if t.AtMost {
			op = "≤"
		}
		line := fmt.Sprintf("%s\t%s %s\t%s %s %s\t%s\t", t.What, figure(t.Value, t.Unit), t.Unit, op, figure(t.Limit, t.Unit), t.Unit, t.Result)
		if t.Note != "" {
			line += "  " + t.Note
		}
		fmt.Fprintln(tw, line)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, n := range r.Notes {
		fmt.Fprintf(bw, "note: %s\n", n)
	}
	return bw.Flush()
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
	case "ratio":
		return fmt.Sprintf("%.3f", v)
	case "ms":
		return fmt.Sprintf("%.2f", v)
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
