package compare

import (
	"fmt"
	"math"

	"github.com/llmbench/llmbench/shared/stats"
	"github.com/llmbench/llmbench/shared/summary"
)

// DefaultMargin is the lead a figure needs over every other run's to be
// marked best in the executive table: 2% of the other figure.
const DefaultMargin = 0.02

// column is one figure column of the executive table, for the best marks.
type column struct {
	idx    int
	ok     func(r Row) bool
	val    func(r Row) float64
	higher bool // higher is better
}

var columns = []column{
	{1, func(r Row) bool { return !r.ThroughputLevel.IsZero() }, func(r Row) float64 { return r.BestThroughput }, true},
	{2, func(r Row) bool { return !r.LatencyLevel.IsZero() }, func(r Row) float64 { return r.BestLatencyMs }, false},
	{3, func(r Row) bool { return r.HasTTFT }, func(r Row) float64 { return r.TTFTMs }, false},
	{4, func(r Row) bool { return r.Pricing == Priced }, func(r Row) float64 { return r.CostPer1M }, false},
	{5, func(r Row) bool { return r.Pricing == Priced }, func(r Row) float64 { return r.TokensPerUSDHour }, true},
}

// best marks, for each column, the row holding its best figure (highest
// throughput and tokens per $·h; lowest latency, TTFT and cost) when it
// is clearly best: ahead of every other row's figure by more than margin
// (a share of the other figure), and, against each row whose load point
// was repeated as its own was (load.repeats), with Welch's t-test of the
// two rows' repeats separating them (p < NoiseAlpha). Otherwise no row is
// marked in that column, and undecided says why, one sentence per such
// column. Free rows take no part in the two cost columns: ∞ and $0.00 are
// not a price. With fewer than two rows nothing is marked or said.
func best(rows []Row, margin float64) (m [6][]bool, undecided []string) {
	for c := range m {
		m[c] = make([]bool, len(rows))
	}
	if len(rows) < 2 {
		return m, nil
	}
	for _, c := range columns {
		b := -1
		for i, r := range rows {
			if c.ok(r) && (b < 0 || c.higher && c.val(r) > c.val(rows[b]) || !c.higher && c.val(r) < c.val(rows[b])) {
				b = i
			}
		}
		if b < 0 {
			continue
		}
		why := ""
		others := 0
		for j, r := range rows {
			if j == b || !c.ok(r) {
				continue
			}
			others++
			lead := relDiff(c.val(rows[b]), c.val(r))
			if !(lead > margin) {
				why = fmt.Sprintf("%s: none marked best: %s and %s differ by %s, not more than %s", Header[c.idx], rows[b].Label, r.Label, pct(lead), pct(margin))
				break
			}
			if w, ok := welch(rows[b].samples[c.idx], r.samples[c.idx]); ok && !(w.P < NoiseAlpha) {
				why = fmt.Sprintf("%s: none marked best: %s and %s differ by %s, but their repeats do not separate them (Welch p %s)", Header[c.idx], rows[b].Label, r.Label, pct(lead), pValue(w.P))
				break
			}
		}
		if others == 0 {
			continue // one row has the figure: nothing to be best against
		}
		if why != "" {
			undecided = append(undecided, why)
			continue
		}
		m[c.idx][b] = true
	}
	return m, undecided
}

// relDiff is |a − b| as a share of |b|; +Inf when b is 0 and a is not.
func relDiff(a, b float64) float64 {
	d := math.Abs(a - b)
	if d == 0 {
		return 0
	}
	if b == 0 {
		return math.Inf(1)
	}
	return d / math.Abs(b)
}

// welch tests two rows' repeat values of one cell; false unless both
// rows repeated the load point the cell comes from.
func welch(a, b []float64) (stats.WelchTest, bool) {
	if len(a) < 2 || len(b) < 2 {
		return stats.WelchTest{}, false
	}
	return stats.Welch(stats.Of(a), stats.Of(b))
}

// repeatSamples fills the row's per-cell repeat values: each run's own
// figure at the load point the cell comes from, when s repeated it
// (load.repeats). The cost cells follow from the throughput runs at the
// row's price: tokens per $·h = k · tok/s and $ per 1M = 10⁶ / (k ·
// tok/s), k = 3600 / (usd_per_hour × instances), taken from the row
// itself (its tokens per $·h over its throughput).
func repeatSamples(r *Row, s *summary.Summary) {
	if r.ThroughputLevel.IsZero() {
		return
	}
	if pt := point(s, r.ThroughputLevel); pt != nil {
		if e := pt.Figures.OutputTokenThroughput; e != nil {
			r.samples[1] = e.Values
		}
		if e := pt.Figures.TTFTP50Ms; e != nil && r.HasTTFT {
			r.samples[3] = e.Values
		}
	}
	if !r.LatencyLevel.IsZero() {
		if pt := point(s, r.LatencyLevel); pt != nil && pt.Figures.E2EP50Ms != nil {
			r.samples[2] = pt.Figures.E2EP50Ms.Values
		}
	}
	if r.Pricing != Priced || r.BestThroughput <= 0 || r.samples[1] == nil {
		return
	}
	k := r.TokensPerUSDHour / r.BestThroughput
	var perM, perH []float64
	for _, tps := range r.samples[1] {
		if !(tps > 0) {
			return // a run with no throughput has no cost: leave the cost cells untested
		}
		perM, perH = append(perM, 1e6/(k*tps)), append(perH, k*tps)
	}
	r.samples[4], r.samples[5] = perM, perH
}

// runsAt is how many levels of s ran load point k (load.repeats).
func runsAt(s *summary.Summary, k Key) int {
	n := 0
	for i := range s.Levels {
		if KeyOf(&s.Levels[i]) == k {
			n++
		}
	}
	return n
}
