package workflow

import (
	"github.com/llmbench/llmbench/shared/plan"
	"github.com/llmbench/llmbench/shared/summary"
)

// RepeatConfidence is the level of the intervals the summary gives for a
// load point's repeated figures.
const RepeatConfidence = 0.95

// markRepeats tags each level of a run with load.repeats with its load
// point and round (from the plan), and returns, per load point of two
// runs or more, its headline figures' spread over the runs. Levels are
// taken once priced: a cost is one of the figures.
func markRepeats(p *plan.Plan, levels []summary.Level) []summary.PointRepeats {
	var out []summary.PointRepeats
	at := map[int]int{} // load point → its place in out
	for i := range levels {
		l := &levels[i]
		if l.Index < 0 || l.Index >= len(p.Levels) || p.Levels[l.Index].Repeat == nil {
			continue
		}
		r := p.Levels[l.Index].Repeat
		l.Repeat = &summary.Repeat{Point: r.Point, Run: r.Run, Of: r.Of}
		k, ok := at[r.Point]
		if !ok {
			k = len(out)
			at[r.Point] = k
			out = append(out, summary.PointRepeats{Point: r.Point, Mode: l.Mode, Concurrency: l.Concurrency, RequestRate: l.RequestRate, Ramp: l.Ramp})
		}
		out[k].Levels = append(out[k].Levels, l.Index)
	}
	byIndex := map[int]*summary.Level{}
	for i := range levels {
		byIndex[levels[i].Index] = &levels[i]
	}
	kept := out[:0]
	for _, pt := range out {
		if len(pt.Levels) < 2 {
			continue // a point whose other runs left no row has no spread to give
		}
		runs := make([]*summary.Level, len(pt.Levels))
		for j, idx := range pt.Levels {
			runs[j] = byIndex[idx]
		}
		pt.Figures = repeatFigures(runs)
		kept = append(kept, pt)
	}
	return kept
}

// repeatFigures estimates each headline figure over the runs that have it.
func repeatFigures(runs []*summary.Level) summary.RepeatFigures {
	fig := func(val func(l *summary.Level) (float64, bool)) *summary.Estimate {
		var xs []float64
		for _, l := range runs {
			if v, ok := val(l); ok {
				xs = append(xs, v)
			}
		}
		return summary.NewEstimate(xs, RepeatConfidence)
	}
	always := func(f func(l *summary.Level) float64) func(l *summary.Level) (float64, bool) {
		return func(l *summary.Level) (float64, bool) { return f(l), true }
	}
	dist := func(d func(l *summary.Level) summary.Dist, q func(d summary.Dist) float64) func(l *summary.Level) (float64, bool) {
		return func(l *summary.Level) (float64, bool) { return q(d(l)), d(l).N > 0 }
	}
	ttft := func(l *summary.Level) summary.Dist { return l.TTFTMs }
	tpot := func(l *summary.Level) summary.Dist { return l.TPOTMs }
	e2e := func(l *summary.Level) summary.Dist { return l.E2EMs }
	p50 := func(d summary.Dist) float64 { return d.P50 }
	p95 := func(d summary.Dist) float64 { return d.P95 }
	return summary.RepeatFigures{
		OutputTokenThroughput: fig(always(func(l *summary.Level) float64 { return l.OutputTokenThroughput })),
		RequestThroughput:     fig(always(func(l *summary.Level) float64 { return l.RequestThroughput })),
		TTFTP50Ms:             fig(dist(ttft, p50)),
		TTFTP95Ms:             fig(dist(ttft, p95)),
		TPOTP50Ms:             fig(dist(tpot, p50)),
		E2EP50Ms:              fig(dist(e2e, p50)),
		E2EP95Ms:              fig(dist(e2e, p95)),
		ErrorRate:             fig(always(func(l *summary.Level) float64 { return l.ErrorRate })),
		CostPer1MOutputTokens: fig(func(l *summary.Level) (float64, bool) {
			if l.CostPer1MOutputTokensUSD == nil {
				return 0, false
			}
			return *l.CostPer1MOutputTokensUSD, true
		}),
	}
}
