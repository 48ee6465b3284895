package s23

import (
	"cmp"
	"slices"
	"strconv"
	"strings"

	"dco/internal/send"
)

// Record is what compliance needs of one notification: who made it, its
// kind and its steps.
type Record struct {
	ProviderID   int64
	ProviderName string
	Kind         Kind
	Steps        Steps
}

// Compliance is one provider's (or, as a total, every provider's) record
// against s.23 and the local standard for a period.
//
// The notifications counted are the s.23 notifications whose LA was told in
// the period: the event the duty ends with (s.23(3)). "Other"
// notifications are left out, as s.23 does not apply to them.
type Compliance struct {
	ProviderID   int64
	ProviderName string
	// Notified is how many s.23 notifications reached the LA in the period.
	Notified int
	// ParentFirst is how many of those had the parent informed on or before
	// the day the LA was told (s.23(2) before s.23(3)). dco refuses any
	// other order, so anything less than Notified is a fault to look into.
	ParentFirst int
	// WithinStandard is how many reached the LA within the local standard
	// of days from the parent being informed.
	WithinStandard int
	// MedianDays and MaxDays describe the days from parent informed to LA
	// notified; MedianDays is -1 when nothing was notified.
	MedianDays float64
	MaxDays    int
	// OpenOverdue is how many notifications had the parent informed but the
	// LA still not told at the end of the period, past the local standard.
	OpenOverdue int
	// StandardDays is the local standard applied.
	StandardDays int
}

// PercentParentFirst is ParentFirst as a whole-number percentage of
// Notified, "" when nothing was notified.
func (c Compliance) PercentParentFirst() string { return percent(c.ParentFirst, c.Notified) }

// PercentWithinStandard is WithinStandard as a whole-number percentage of
// Notified, "" when nothing was notified.
func (c Compliance) PercentWithinStandard() string { return percent(c.WithinStandard, c.Notified) }

// Median words MedianDays: "4", "4.5", or "" when nothing was notified.
func (c Compliance) Median() string {
	if c.MedianDays < 0 {
		return ""
	}
	return strings.TrimSuffix(strconv.FormatFloat(c.MedianDays, 'f', 1, 64), ".0")
}

// percent rounds n/d to the nearest whole percent, halves up.
func percent(n, d int) string {
	if d == 0 {
		return ""
	}
	return strconv.Itoa((200*n+d)/(2*d)) + "%"
}

// ComplianceFor works out each provider's compliance for the period from
// first to last (both included) under a local standard of standardDays,
// from the records given (which may include any others; they are ignored).
// Providers come in name order, each with at least one notification or one
// open overdue; total sums them all.
func ComplianceFor(rs []Record, first, last send.Date, standardDays int) (byProvider []Compliance, total Compliance) {
	type acc struct {
		c    Compliance
		days []int
	}
	accs := map[int64]*acc{}
	var all []int
	get := func(r Record) *acc {
		a := accs[r.ProviderID]
		if a == nil {
			a = &acc{c: Compliance{ProviderID: r.ProviderID, ProviderName: r.ProviderName, StandardDays: standardDays}}
			accs[r.ProviderID] = a
		}
		return a
	}
	for _, r := range rs {
		if r.Kind != KindS23 {
			continue
		}
		st := r.Steps
		switch {
		case !st.LANotifiedOn.IsZero() && !st.LANotifiedOn.Before(first) && !st.LANotifiedOn.After(last):
			a := get(r)
			a.c.Notified++
			if days, ok := st.DaysToNotify(); ok {
				if days >= 0 {
					a.c.ParentFirst++
				}
				if within, _ := st.NotifiedWithin(standardDays); within {
					a.c.WithinStandard++
				}
				a.days = append(a.days, days)
				all = append(all, days)
			}
		case !st.ParentInformedOn.IsZero() && !st.ParentInformedOn.After(last) &&
			(st.LANotifiedOn.IsZero() || st.LANotifiedOn.After(last)):
			if due, _ := st.NotifyDue(standardDays); last.After(due) {
				get(r).c.OpenOverdue++
			}
		}
	}
	total = Compliance{ProviderName: "All providers", StandardDays: standardDays}
	for _, a := range accs {
		a.c.MedianDays, a.c.MaxDays = median(a.days)
		byProvider = append(byProvider, a.c)
		total.Notified += a.c.Notified
		total.ParentFirst += a.c.ParentFirst
		total.WithinStandard += a.c.WithinStandard
		total.OpenOverdue += a.c.OpenOverdue
	}
	total.MedianDays, total.MaxDays = median(all)
	slices.SortFunc(byProvider, func(a, b Compliance) int {
		if c := strings.Compare(a.ProviderName, b.ProviderName); c != 0 {
			return c
		}
		return cmp.Compare(a.ProviderID, b.ProviderID)
	})
	return byProvider, total
}

// median returns the median and the maximum of days, or -1 and 0 for none.
func median(days []int) (float64, int) {
	if len(days) == 0 {
		return -1, 0
	}
	s := slices.Clone(days)
	slices.Sort(s)
	n := len(s)
	m := float64(s[n/2])
	if n%2 == 0 {
		m = float64(s[n/2-1]+s[n/2]) / 2
	}
	return m, s[n-1]
}
