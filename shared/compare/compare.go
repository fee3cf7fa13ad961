// Package compare sets llmbench runs side by side: the executive summary
// table (one row per run, as in the seeds' "Performance Executive Summary":
// best throughput, best latency, TTFT, cost per 1M tokens, tokens per
// dollar-hour), its Markdown and HTML renderings with overlaid charts, and
// the regressions of a candidate run against a baseline.
//
// # The rules behind the executive table
//
// The seeds' column names are ambiguous; here is what each cell is.
//
//   - Eligible levels: the levels of a run whose error rate (errors /
//     measured requests) is at most Rules.MaxErrorRate (1% by default). A
//     figure reached while failing more requests than that is not a
//     capacity to plan with. If no level of a run is eligible, every level
//     is used and the row says so.
//   - Best Throughput (TPS): the highest output tok/s (output tokens of ok
//     requests per second of the measured window) over eligible levels.
//     That level is "the best-throughput level".
//   - Best Latency (ms): the lowest E2E p50 over eligible levels: the
//     typical end-to-end latency a request gets when the endpoint is driven
//     at its most favourable concurrency, usually the lowest. (A median,
//     not a p95: the seeds' first row gives 2,151 ms here and a p95 of
//     2,974 ms elsewhere, so their figure is not a p95.)
//   - TTFT (ms): the TTFT p50 at the best-throughput level: what a user
//     waits for the first token when the endpoint delivers its best
//     throughput.
//   - Cost per 1M Tokens and Tokens/$/Hour: per 1M output tokens and output
//     tokens per dollar-hour, at the best-throughput level, as summary.json
//     gives them (shared/cost's formulas), or recomputed with shared/cost
//     when Rules.Prices sets the run's price. A run whose best-throughput
//     level has throughput but no cost figure ran without a price (the
//     seeds' Local row): it shows $0.00 and ∞, and a note says it was
//     counted as free.
//
// # Levels across runs
//
// Levels are matched across runs by their identity in the load model (see
// Key): a concurrency level by its concurrency, a rate level by the rate
// asked, exactly; never a rate level with a concurrency level. The
// side-by-side tables and Diff go level by level under that rule, and at
// rate levels they add the achieved request rate, the share of arrivals
// not sent and the send lag p99: for context, never a regression. A
// summary written before load.mode (no mode) holds concurrency levels.
//
// Rounding follows the seeds: throughput to 0.1 tok/s, latencies to 1 ms
// with thousands separators, cost to the cent ($ with 4 decimals below one
// cent), tokens per dollar-hour to the token.
package compare

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/llmbench/llmbench/shared/cost"
	"github.com/llmbench/llmbench/shared/report"
	"github.com/llmbench/llmbench/shared/report/chart"
	"github.com/llmbench/llmbench/shared/summary"
)

// Rules choose the levels and prices behind the executive table.
type Rules struct {
	// MaxErrorRate is the highest error rate (0..1) of a level that counts
	// for the best figures. The zero Rules admit error-free levels only;
	// DefaultRules admit 1%.
	MaxErrorRate float64
	// Prices sets the price of runs, keyed by run ID or by platform
	// (case-insensitive; a run ID wins). The cost cells are then recomputed
	// with shared/cost; a price of zero makes the run free.
	Prices map[string]Price
	// Labels, one per run in the order compared, name the runs; an empty
	// or missing one gets the default (see Labels).
	Labels []string
	// Margin is the lead (a share of the other figure, 0.02 for 2%) a
	// figure needs over every other run's to be marked best; see best.
	// The zero Rules mark any strict lead; DefaultRules need 2%.
	Margin float64
}

// Price is the hourly price of one instance and how many instances served
// the measured throughput together (0 means 1).
type Price struct {
	USDPerHour float64
	Instances  int
}

// DefaultRules are the rules the CLI uses unless told otherwise.
var DefaultRules = Rules{MaxErrorRate: 0.01, Margin: DefaultMargin}

// Pricing says where a row's cost cells come from.
type Pricing int

const (
	// Unpriced: nothing to price (no throughput at the best level, or no run).
	Unpriced Pricing = iota
	// Priced: the cost cells are figures.
	Priced
	// Free: the run has no price; shown as $0.00 and ∞ tokens per $·h.
	Free
)

// Row is one run in the executive table.
type Row struct {
	Label     string // the run's name in tables and legends (see Labels)
	RunID     string
	Name      string
	Simulated bool

	// ThroughputLevel is the best-throughput level (a concurrency, or a
	// rate); zero when the run has no level.
	ThroughputLevel Key
	BestThroughput  float64 // output tok/s at ThroughputLevel

	// LatencyLevel is the level with the lowest E2E p50; zero when no
	// eligible level has an ok request.
	LatencyLevel  Key
	BestLatencyMs float64 // E2E p50 at LatencyLevel

	HasTTFT bool    // the best-throughput level has an ok request
	TTFTMs  float64 // TTFT p50 at ThroughputLevel

	Pricing          Pricing
	CostPer1M        float64 // USD per 1M output tokens at ThroughputLevel, when Priced
	TokensPerUSDHour float64 // output tokens per USD-hour at ThroughputLevel, when Priced

	// Capacity is what the run's search found (capacityCell), "-"
	// without one.
	Capacity string
	// Bill is what the run itself cost (billCell), "-" without the figure.
	Bill string

	// OverErrorLimit: no level met Rules.MaxErrorRate, so the figures come
	// from all levels.
	OverErrorLimit bool

	// ThroughputRuns and LatencyRuns count the runs of the load points
	// the figures come from: above 1 (load.repeats), the figures are the
	// means of the runs'.
	ThroughputRuns, LatencyRuns int

	// samples are each figure cell's repeat values (see repeatSamples),
	// nil where the run did not repeat the cell's load point.
	samples [6][]float64
}

// Header is the executive table's header: the seeds' columns, after the
// run's label. Each cell names the level and percentile its figure comes
// from (Cells).
var Header = [6]string{"Run", "Best Throughput (TPS)", "Best Latency (ms)", "TTFT (ms)", "Cost per 1M Tokens", "Tokens/$/Hour"}

// Executive builds the executive table: one row per run, in the order given.
func Executive(runs []*summary.Summary, rule Rules) []Row {
	rows := make([]Row, 0, len(runs))
	for _, s := range runs {
		r := executiveRow(s, rule)
		repeatSamples(&r, s)
		rows = append(rows, r)
	}
	// The CLI refuses labels that collide (Labels' error) before it gets
	// here; the labels are still distinct enough to render without it.
	labels, _ := Labels(runs, rule.Labels)
	for i := range rows {
		rows[i].Label = labels[i]
	}
	return rows
}

func executiveRow(s *summary.Summary, rule Rules) Row {
	r := Row{RunID: s.RunID, Name: s.Name, Simulated: s.Simulated, Capacity: capacityCell(s), Bill: billCell(s)}
	var elig []*summary.Level
	levels := points(s) // a repeated level once, by its runs' means
	for i := range levels {
		if l := &levels[i]; l.ErrorRate <= rule.MaxErrorRate {
			elig = append(elig, l)
		}
	}
	if len(elig) == 0 && len(levels) > 0 {
		r.OverErrorLimit = true
		for i := range levels {
			elig = append(elig, &levels[i])
		}
	}
	var best *summary.Level
	for _, l := range elig {
		// Ties go to the lower load (see less): the same throughput for less.
		if best == nil || l.OutputTokenThroughput > best.OutputTokenThroughput ||
			l.OutputTokenThroughput == best.OutputTokenThroughput && less(KeyOf(l), KeyOf(best)) {
			best = l
		}
	}
	var fast *summary.Level
	for _, l := range elig {
		if l.E2EMs.N == 0 {
			continue
		}
		if fast == nil || l.E2EMs.P50 < fast.E2EMs.P50 || l.E2EMs.P50 == fast.E2EMs.P50 && less(KeyOf(l), KeyOf(fast)) {
			fast = l
		}
	}
	if fast != nil {
		r.LatencyLevel, r.BestLatencyMs = KeyOf(fast), fast.E2EMs.P50
		r.LatencyRuns = runsAt(s, r.LatencyLevel)
	}
	if best == nil {
		return r
	}
	r.ThroughputRuns = runsAt(s, KeyOf(best))
	r.ThroughputLevel, r.BestThroughput = KeyOf(best), best.OutputTokenThroughput
	if best.TTFTMs.N > 0 {
		r.HasTTFT, r.TTFTMs = true, best.TTFTMs.P50
	}
	if p, ok := priceOf(s, rule); ok {
		c, ok1 := cost.PerMillionOutputTokens(p.USDPerHour, p.Instances, best.OutputTokenThroughput)
		t, ok2 := cost.TokensPerUSDHour(p.USDPerHour, p.Instances, best.OutputTokenThroughput)
		switch {
		case ok1 && ok2:
			r.Pricing, r.CostPer1M, r.TokensPerUSDHour = Priced, c, t
		case p.USDPerHour == 0 && best.OutputTokenThroughput > 0:
			r.Pricing = Free
		}
		return r
	}
	switch {
	case best.CostPer1MOutputTokensUSD != nil && best.OutputTokensPerUSDHour != nil:
		r.Pricing, r.CostPer1M, r.TokensPerUSDHour = Priced, *best.CostPer1MOutputTokensUSD, *best.OutputTokensPerUSDHour
	case best.OutputTokenThroughput > 0:
		r.Pricing = Free
	}
	return r
}

func priceOf(s *summary.Summary, rule Rules) (Price, bool) {
	if p, ok := rule.Prices[s.RunID]; ok {
		return p, true
	}
	for k, p := range rule.Prices {
		if s.Platform != "" && strings.EqualFold(k, s.Platform) {
			return p, true
		}
	}
	return Price{}, false
}

// platformNames spell the usual platforms as the seeds do.
var platformNames = map[string]string{"aws": "AWS", "azure": "Azure", "gcp": "GCP", "local": "Local", "sim": "Sim"}

// Cells are the row's six cells, without emphasis: each figure as the
// seeds round it, then what it is where the header does not say (the
// percentile) and the level it comes from, "@32" (32 concurrent
// streams), "@4 req/s" (the rate asked), or a ramp: "950.0 @32", "2,151
// E2E p50 @6", "2,123 TTFT p50 @32", "$0.44 @32", "2,257,386 @32". A free
// run's "$0.00" and "∞" name the best-throughput level too.
func (r Row) Cells() [6]string {
	c := [6]string{r.Label, "-", "-", "-", "-", "-"}
	tl := " @" + r.ThroughputLevel.String()
	if !r.ThroughputLevel.IsZero() {
		c[1] = chart.Thousands(r.BestThroughput, 1) + tl
	}
	if !r.LatencyLevel.IsZero() {
		c[2] = chart.Thousands(r.BestLatencyMs, 0) + " E2E p50 @" + r.LatencyLevel.String()
	}
	if r.HasTTFT {
		c[3] = chart.Thousands(r.TTFTMs, 0) + " TTFT p50" + tl
	}
	switch r.Pricing {
	case Priced:
		c[4] = usd(r.CostPer1M) + tl
		c[5] = chart.Thousands(r.TokensPerUSDHour, 0) + tl
	case Free:
		c[4], c[5] = "$0.00"+tl, "∞"+tl
	}
	return c
}

func usd(v float64) string {
	if v > 0 && v < 0.01 {
		return fmt.Sprintf("$%.4f", v)
	}
	return "$" + chart.Thousands(v, 2)
}

// Legend says, above the executive table, how to read its cells and what
// bold means.
func Legend(rule Rules) string {
	return fmt.Sprintf("Each cell names the level its figure comes from (@32: 32 concurrent streams; @4 req/s: the rate asked) and, for a latency, its percentile. "+
		"Bold: the best of its column, ahead of every other run by more than %s of that run's figure and, against a run that also repeated its load point (load.repeats), by Welch's t-test of the repeats (p < %g); otherwise no run is bold in that column.",
		pct(rule.Margin), NoiseAlpha)
}

// Notes explain each row: the levels its figures come from, and anything
// unusual (repeated load points, no price, every level over the error
// limit); then each column where no run is clearly best, and why.
func Notes(rows []Row, rule Rules) []string {
	var out []string
	for _, r := range rows {
		if r.ThroughputLevel.IsZero() {
			out = append(out, fmt.Sprintf("%s: no level measured.", r.Label))
			continue
		}
		n := fmt.Sprintf("%s: throughput, TTFT and cost at %s%s", r.Label, r.ThroughputLevel.load(), meanOf(r.ThroughputRuns))
		if !r.LatencyLevel.IsZero() {
			n += fmt.Sprintf("; best latency at %s%s", r.LatencyLevel, meanOf(r.LatencyRuns))
		}
		n += "."
		if r.OverErrorLimit {
			n += fmt.Sprintf(" Every level failed more than %s of its requests: figures taken over all levels.", pct(rule.MaxErrorRate))
		}
		if r.Pricing == Free {
			n += " No price given: counted as free ($0.00, ∞ tokens per $·h)."
		}
		out = append(out, n)
	}
	_, undecided := best(rows, rule.Margin)
	for _, u := range undecided {
		out = append(out, u+".")
	}
	return out
}

// meanOf says that a figure is the mean of n runs of its load point.
func meanOf(n int) string {
	if n < 2 {
		return ""
	}
	return fmt.Sprintf(" (the mean of its %d runs)", n)
}

// Definitions describe the columns under the rules.
func Definitions(rule Rules) []string {
	lim := pct(rule.MaxErrorRate)
	return []string{
		"**Best Throughput (TPS)**: the highest output tokens per second (output tokens of ok requests / measured window) over the levels whose error rate is at most " + lim + "; @ names that level, the best-throughput level.",
		"**Best Latency (ms)**: the lowest end-to-end latency p50 (request issued → last token) over the same levels, at the level @ names (usually another one: the least loaded).",
		"**TTFT (ms)**: the time-to-first-token p50 at the best-throughput level.",
		"**Cost per 1M Tokens**: US dollars per million output tokens at the best-throughput level: usd_per_hour × instances / (output tok/s × 3600) × 1e6.",
		"**Tokens/$/Hour**: output tokens one dollar buys in an hour at the best-throughput level: output tok/s × 3600 / (usd_per_hour × instances).",
	}
}

func pct(f float64) string {
	if math.IsInf(f, 1) {
		return "∞%"
	}
	if f > 0 && f < 0.0001 {
		return strconv.FormatFloat(100*f, 'g', 1, 64) + "%" // 0.008%, never "0%" for a difference
	}
	return strings.TrimSuffix(strings.TrimSuffix(fmt.Sprintf("%.2f", 100*f), "0"), ".0") + "%"
}

// perLevel is a figure of a level for the side-by-side tables and charts.
type perLevel struct {
	title, unit string
	val         func(l *summary.Level) (float64, bool)
	format      func(v float64) string
}

// rateFigures are the open-loop figures of a rate level, shown beside
// perLevelFigures when some run has rate levels; a concurrency level has
// none ("-").
var rateFigures = []perLevel{
	{"Achieved request rate", "req/s", func(l *summary.Level) (float64, bool) { return l.AchievedRequestRate, report.IsRate(l) }, func(v float64) string { return fmt.Sprintf("%.2f", v) }},
	{"Not sent", "% of arrivals", notSentPct, func(v float64) string { return fmt.Sprintf("%.2f", v) }},
	{"Send lag p99", "ms", func(l *summary.Level) (float64, bool) { return l.SendLagMs.P99, report.IsRate(l) && l.SendLagMs.N > 0 }, msFmt},
}

// notSentPct is the share of a rate level's arrivals it could not send.
func notSentPct(l *summary.Level) (float64, bool) {
	if !report.IsRate(l) || l.Requests == 0 {
		return 0, false
	}
	return 100 * float64(l.NotSent) / float64(l.Requests), true
}

// figuresFor are the per-level figures of side-by-side tables over ks.
func figuresFor(ks []Key) []perLevel {
	if anyRate(ks) {
		return append(append([]perLevel(nil), perLevelFigures...), rateFigures...)
	}
	return perLevelFigures
}

var perLevelFigures = []perLevel{
	{"Output throughput", "tok/s", func(l *summary.Level) (float64, bool) { return l.OutputTokenThroughput, true }, func(v float64) string { return chart.Thousands(v, 1) }},
	{"TTFT p95", "ms", func(l *summary.Level) (float64, bool) { return l.TTFTMs.P95, l.TTFTMs.N > 0 }, msFmt},
	{"E2E p95", "ms", func(l *summary.Level) (float64, bool) { return l.E2EMs.P95, l.E2EMs.N > 0 }, msFmt},
	{"Error rate", "%", func(l *summary.Level) (float64, bool) { return 100 * l.ErrorRate, true }, func(v float64) string { return fmt.Sprintf("%.1f", v) }},
}

func msFmt(v float64) string {
	if math.Abs(v) >= 100 {
		return chart.Thousands(v, 0)
	}
	return fmt.Sprintf("%.1f", v)
}
