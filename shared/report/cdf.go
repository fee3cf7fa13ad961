package report

import (
	"fmt"

	"github.com/llmbench/llmbench/shared/report/chart"
	"github.com/llmbench/llmbench/shared/summary"
)

// cdfSpread is the ratio of largest to smallest value past which a CDF's
// x axis is logarithmic: on a linear one, the body of a distribution
// spanning more than this is squeezed against the axis by its tail.
const cdfSpread = 20

// quantileValues are a level's quantiles of one metric ("TTFT", "E2E",
// "ITL"), nil without.
func quantileValues(q *summary.Quantiles, metric string) []float64 {
	if q == nil {
		return nil
	}
	switch metric {
	case "TTFT":
		return q.TTFTMs
	case "E2E":
		return q.E2EMs
	case "ITL":
		return q.ITLMs
	}
	return nil
}

// gridAt is the value at probability p of vals, a metric's quantiles at
// q's grid, when the grid has p.
func gridAt(q *summary.Quantiles, vals []float64, p float64) (float64, bool) {
	if q == nil || len(vals) != len(q.P) {
		return 0, false
	}
	for k, g := range q.P {
		if g == p {
			return vals[k], true
		}
	}
	return 0, false
}

// cdfs draws the empirical CDF of TTFT, E2E and ITL, one line per level
// through its quantiles (the summary's grid from p0 to p100): x the
// latency, y the share of values at or below it.
func (f *figures) cdfs(levels []summary.Level) error {
	for _, m := range []struct{ name, of, what string }{
		{"TTFT", "ok requests", "time to first token"},
		{"E2E", "ok requests", "end-to-end latency"},
		{"ITL", "inter-token gaps of ok requests", "inter-token latency, every gap pooled"},
	} {
		var series []chart.Series
		grid := 0
		for i := range levels {
			l := &levels[i]
			vals := quantileValues(l.Quantiles, m.name)
			if vals == nil || len(vals) != len(l.Quantiles.P) {
				continue
			}
			sr := chart.Series{Name: profileName(l), Bare: true}
			for k, v := range vals {
				sr.Points = append(sr.Points, chart.Point{X: v, Y: 100 * l.Quantiles.P[k]})
			}
			series = append(series, sr)
			grid = len(vals)
		}
		if len(series) == 0 {
			continue
		}
		lc := &chart.Lines{Title: m.name + " empirical CDF per level" + f.suffix, XLabel: m.name + " (ms)", YLabel: "share of " + m.of + " at or below (%)", YMax: 100, Series: series}
		note := ""
		if positive, dropped := positiveX(series); chart.Spread(positive) > cdfSpread {
			lc.Series, lc.LogX = positive, true
			lc.XLabel = m.name + " (ms, log scale)"
			note = fmt.Sprintf("; the values span more than a factor of %d, so the x axis is logarithmic", cdfSpread)
			if dropped > 0 {
				note += fmt.Sprintf(" (%d quantile(s) of 0 ms, which it cannot place, left off)", dropped)
			}
		}
		if err := f.add(lc, fmt.Sprintf("For each level, the share of its %s whose %s is at or below x: exact percentiles from p0 (the minimum) to p100 (the maximum), %d per level, denser in the tail%s. A line further right is slower; a long flat top is a tail.",
			m.of, m.what, grid, note)); err != nil {
			return err
		}
	}
	return nil
}

// positiveX keeps the points with x > 0 (a log axis holds no other),
// saying how many it left off.
func positiveX(ss []chart.Series) ([]chart.Series, int) {
	out := make([]chart.Series, 0, len(ss))
	dropped := 0
	for _, s := range ss {
		c := s
		c.Points = nil
		for _, p := range s.Points {
			if p.X > 0 {
				c.Points = append(c.Points, p)
			} else {
				dropped++
			}
		}
		if len(c.Points) > 0 {
			out = append(out, c)
		}
	}
	return out, dropped
}
