package compare

import (
	"fmt"
	"strings"

	"github.com/llmbench/llmbench/shared/stats"
	"github.com/llmbench/llmbench/shared/summary"
)

// NoiseAlpha is the significance level of the noise test: a change beyond
// the limit is a regression only if Welch's test of the two runs' repeats
// gives p below it.
const NoiseAlpha = 0.05

// Noise is what two runs' repeats (load.repeats) say of one metric at one
// load point: each side's estimate, in the metric's unit, and Welch's test
// of their means.
type Noise struct {
	Baseline, Candidate summary.Estimate
	Welch               stats.WelchTest
}

// Separate reports whether the two means differ beyond noise: p below
// NoiseAlpha.
func (n *Noise) Separate() bool { return n.Welch.P < NoiseAlpha }

// point returns the repeat figures of load point k of s, or nil when s did
// not repeat it.
func point(s *summary.Summary, k Key) *summary.PointRepeats {
	for i := range s.Repeats {
		pt := &s.Repeats[i]
		l := summary.Level{Mode: pt.Mode, Concurrency: pt.Concurrency, RequestRate: pt.RequestRate, Ramp: pt.Ramp}
		if KeyOf(&l) == k {
			return pt
		}
	}
	return nil
}

// estimateOf is the repeat estimate of metric m, in the metric's unit
// (the error rate in %), or nil.
func estimateOf(pt *summary.PointRepeats, m Metric) *summary.Estimate {
	if pt == nil {
		return nil
	}
	f := pt.Figures
	var e *summary.Estimate
	switch m {
	case TTFTP95:
		e = f.TTFTP95Ms
	case E2EP95:
		e = f.E2EP95Ms
	case OutputTPS:
		e = f.OutputTokenThroughput
	case CostPer1M:
		e = f.CostPer1MOutputTokens
	case ErrorRate:
		if f.ErrorRate == nil {
			return nil
		}
		c := *f.ErrorRate
		c.Values = nil
		for _, v := range f.ErrorRate.Values {
			c.Values = append(c.Values, 100*v)
		}
		c.Mean, c.SD, c.CILow, c.CIHigh = 100*c.Mean, 100*c.SD, 100*c.CILow, 100*c.CIHigh
		return &c
	}
	return e
}

// withNoise judges each compared metric against the runs' noise: where
// both runs repeated the level, a change beyond the limit stays Worse only
// if Welch's test separates the means (p < NoiseAlpha); otherwise it is
// WithinNoise. Where either did not, the limit alone decides, as without
// repeats.
func withNoise(ds []Regression, baseline, candidate *summary.Summary) []Regression {
	for i := range ds {
		r := &ds[i]
		if r.Info {
			continue
		}
		be, ke := estimateOf(point(baseline, r.Level), r.Metric), estimateOf(point(candidate, r.Level), r.Metric)
		if be == nil || ke == nil {
			continue
		}
		w, ok := stats.Welch(be.Sample(), ke.Sample())
		if !ok {
			continue
		}
		r.Noise = &Noise{Baseline: *be, Candidate: *ke, Welch: w}
		if r.Worse && !r.Noise.Separate() {
			r.Worse, r.WithinNoise = false, true
		}
	}
	return ds
}

// pooled is load point k of s as comparisons read it: the level itself,
// or, when s repeated it, one level whose figures are the means of its
// runs' (each percentile the mean of the runs' percentiles; counts
// summed), so that every table and chart of a comparison shows the same
// figure as the noise test judges. Nil when s has no such level.
func pooled(s *summary.Summary, k Key) *summary.Level {
	var runs []*summary.Level
	for i := range s.Levels {
		if KeyOf(&s.Levels[i]) == k {
			runs = append(runs, &s.Levels[i])
		}
	}
	switch len(runs) {
	case 0:
		return nil
	case 1:
		return runs[0]
	}
	p := *runs[0]
	p.Repeat, p.Series, p.Turns = nil, nil, nil
	mean := func(f func(l *summary.Level) float64) float64 {
		var sum float64
		for _, l := range runs {
			sum += f(l)
		}
		return sum / float64(len(runs))
	}
	dist := func(f func(l *summary.Level) summary.Dist) summary.Dist {
		var d summary.Dist
		n := 0
		for _, l := range runs {
			x := f(l)
			if x.N == 0 {
				continue
			}
			n++
			d.N += x.N
			d.Mean, d.P50, d.P90, d.P95, d.P99, d.Max = d.Mean+x.Mean, d.P50+x.P50, d.P90+x.P90, d.P95+x.P95, d.P99+x.P99, d.Max+x.Max
		}
		if n > 0 {
			k := float64(n)
			d.Mean, d.P50, d.P90, d.P95, d.P99, d.Max = d.Mean/k, d.P50/k, d.P90/k, d.P95/k, d.P99/k, d.Max/k
		}
		return d
	}
	p.Requests, p.WarmupRequests, p.OK, p.Errors, p.NotSent, p.Throttled, p.CutShort = 0, 0, 0, 0, 0, 0, 0
	p.OutputTokens, p.InputTokens = 0, 0
	p.ErrorsByStatus = map[string]int{}
	for _, l := range runs {
		p.Requests += l.Requests
		p.WarmupRequests += l.WarmupRequests
		p.OK += l.OK
		p.Errors += l.Errors
		p.NotSent += l.NotSent
		p.Throttled += l.Throttled
		p.CutShort += l.CutShort
		p.OutputTokens += l.OutputTokens
		p.InputTokens += l.InputTokens
		for st, c := range l.ErrorsByStatus {
			p.ErrorsByStatus[st] += c
		}
	}
	p.ErrorRate = mean(func(l *summary.Level) float64 { return l.ErrorRate })
	p.OutputTokenThroughput = mean(func(l *summary.Level) float64 { return l.OutputTokenThroughput })
	p.RequestThroughput = mean(func(l *summary.Level) float64 { return l.RequestThroughput })
	p.InputTokenThroughput = mean(func(l *summary.Level) float64 { return l.InputTokenThroughput })
	p.GoodputRPS = mean(func(l *summary.Level) float64 { return l.GoodputRPS })
	p.AchievedRequestRate = mean(func(l *summary.Level) float64 { return l.AchievedRequestRate })
	p.ScheduledRequestRate = mean(func(l *summary.Level) float64 { return l.ScheduledRequestRate })
	p.AchievedConcurrency = mean(func(l *summary.Level) float64 { return l.AchievedConcurrency })
	p.DurationS = mean(func(l *summary.Level) float64 { return l.DurationS })
	p.TTFTMs = dist(func(l *summary.Level) summary.Dist { return l.TTFTMs })
	p.TPOTMs = dist(func(l *summary.Level) summary.Dist { return l.TPOTMs })
	p.ITLMs = dist(func(l *summary.Level) summary.Dist { return l.ITLMs })
	p.E2EMs = dist(func(l *summary.Level) summary.Dist { return l.E2EMs })
	p.SendLagMs = dist(func(l *summary.Level) summary.Dist { return l.SendLagMs })
	p.QueueMs = dist(func(l *summary.Level) summary.Dist { return l.QueueMs })
	p.CostPer1MOutputTokensUSD, p.OutputTokensPerUSDHour = meanOfAll(runs, func(l *summary.Level) *float64 { return l.CostPer1MOutputTokensUSD }),
		meanOfAll(runs, func(l *summary.Level) *float64 { return l.OutputTokensPerUSDHour })
	return &p
}

// meanOfAll is the mean of a figure every run has, nil when one lacks it.
func meanOfAll(runs []*summary.Level, f func(l *summary.Level) *float64) *float64 {
	var sum float64
	for _, l := range runs {
		v := f(l)
		if v == nil {
			return nil
		}
		sum += *v
	}
	m := sum / float64(len(runs))
	return &m
}

// points are the run's load points in order of first appearance, each
// once: a repeated point pooled (see pooled).
func points(s *summary.Summary) []summary.Level {
	seen := map[Key]bool{}
	var out []summary.Level
	for i := range s.Levels {
		k := KeyOf(&s.Levels[i])
		if seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, *pooled(s, k))
	}
	return out
}

// NoiseNote says, for a --baseline comparison, how noise was judged: by
// the repeats of both runs, or not at all because one of them (or both)
// ran each level once.
func NoiseNote(baseline, candidate *summary.Summary) string {
	b, c := len(baseline.Repeats) > 0, len(candidate.Repeats) > 0
	switch {
	case b && c:
		return fmt.Sprintf("noise: where both runs repeated a level (load.repeats), a change beyond the limit is a regression only if Welch's t-test separates the means (p < %g); otherwise it is within noise", NoiseAlpha)
	case !b && !c:
		return "no noise estimate: neither run repeated its levels (load.repeats), so a change beyond the limit is a regression however noisy the figures"
	}
	which := "the baseline"
	if b {
		which = "the candidate"
	}
	return fmt.Sprintf("no noise estimate: %s ran each level once (load.repeats), so a change beyond the limit is a regression however noisy the figures; the other run's figures are the means of its repeats", which)
}

// noiseText is a regression's noise in words: "p 0.003 (Welch; 212 ± 9 →
// 255 ± 11 ms, 95% CI, n 3 and 3)".
func (r Regression) noiseText() string {
	n := r.Noise
	if n == nil {
		return ""
	}
	verdict := "beyond noise"
	if !n.Separate() {
		verdict = "within noise"
	}
	return fmt.Sprintf("; %s: Welch p %s (%s → %s %s, 95%% CI, n %d and %d)", verdict, pValue(n.Welch.P),
		r.pm(&n.Baseline), r.pm(&n.Candidate), r.Unit, n.Baseline.N, n.Candidate.N)
}

// pm is an estimate as "mean ± half-width" in the metric's format.
func (r Regression) pm(e *summary.Estimate) string {
	return r.format(e.Mean) + " ± " + strings.TrimPrefix(r.format(e.HalfWidth()), "+")
}

// pValue writes a p-value to two significant digits, "< 0.0001" below.
func pValue(p float64) string {
	if p < 0.0001 {
		return "< 0.0001"
	}
	return fmt.Sprintf("%.2g", p)
}
