package bench

import (
	"math"
	"time"
)

// hist counts durations in buckets 2 % wide from 1 µs up, so that a soak
// of any length keeps its latencies in a few kilobytes rather than a slice
// that grows with every request (and would itself make the memory the
// soak watches grow). Percentiles are read to within 2 %; the maximum is
// exact.
type hist struct {
	counts [histBuckets]int64
	n      int64
	max    time.Duration
}

const (
	histGrowth  = 1.02
	histBuckets = 1200 // 1 µs × 1.02^1199 is about 5 hours
)

var logGrowth = math.Log(histGrowth)

// histBucket is the bucket of d: bucket 0 holds durations up to 1 µs and
// bucket i > 0 those over 1 µs × 1.02^(i-1) and up to 1 µs × 1.02^i; the
// last holds everything longer.
func histBucket(d time.Duration) int {
	if d <= time.Microsecond {
		return 0
	}
	i := int(math.Ceil(math.Log(float64(d)/float64(time.Microsecond)) / logGrowth))
	return min(max(i, 1), histBuckets-1)
}

// histUpper is the upper bound of bucket i.
func histUpper(i int) time.Duration {
	return time.Duration(float64(time.Microsecond) * math.Pow(histGrowth, float64(i)))
}

func (h *hist) add(d time.Duration) {
	h.counts[histBucket(d)]++
	h.n++
	h.max = max(h.max, d)
}

// quantile is the nearest-rank percentile q (0 < q ≤ 1), as rank gives for
// sorted durations, read as its bucket's upper bound and never above the
// maximum.
func (h *hist) quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	k := min(max(int64(math.Ceil(q*float64(h.n)-1e-9)), 1), h.n)
	var seen int64
	for i, c := range h.counts {
		seen += c
		if seen >= k {
			return min(histUpper(i), h.max)
		}
	}
	return h.max
}

func (h *hist) reset() { *h = hist{} }
