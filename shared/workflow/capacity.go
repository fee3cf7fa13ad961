package workflow

import (
	"github.com/llmbench/llmbench/shared/plan"
	"github.com/llmbench/llmbench/shared/search"
	"github.com/llmbench/llmbench/shared/spec"
	"github.com/llmbench/llmbench/shared/summary"
)

// check evaluates one criterion of search.slo on a measured level.
func check(c spec.Criterion, l *summary.Level) summary.Check {
	ck := summary.Check{Criterion: c.Key, Limit: c.Limit, AtLeast: c.AtLeast}
	var v *float64
	val := func(d summary.Dist) *float64 {
		if d.N == 0 {
			return nil
		}
		x := d.P95
		return &x
	}
	if l != nil {
		switch c.Key {
		case "ttft_p95_ms":
			v = val(l.TTFTMs)
		case "tpot_p95_ms":
			v = val(l.TPOTMs)
		case "e2e_p95_ms":
			v = val(l.E2EMs)
		case "error_rate":
			if l.Requests > 0 {
				x := l.ErrorRate
				v = &x
			}
		case "goodput_ratio":
			if l.Requests > 0 {
				x := l.GoodputRPS * l.DurationS / float64(l.Requests)
				v = &x
			}
		}
	}
	ck.Value = v
	switch {
	case v == nil:
		// Nothing measured (no ok request, or no row): it does not pass,
		// except an error rate, which is 1.
		ck.Pass = false
	case c.AtLeast:
		ck.Pass = *v >= c.Limit
	default:
		ck.Pass = *v <= c.Limit
	}
	return ck
}

// trials evaluates the first n planned levels of a search run against
// search.slo; figures holds the measured levels by index (a level with no
// row is absent: every criterion fails).
func trials(s *spec.Spec, p *plan.Plan, n int, figures map[int]*summary.Level) []summary.Tried {
	var out []summary.Tried
	for i := 0; i < n && i < len(p.Levels); i++ {
		lv := p.Levels[i]
		t := summary.Tried{LevelIndex: i, Load: searchLoad(s, lv), Pass: true}
		for _, c := range s.Search.SLO.Criteria() {
			ck := check(c, figures[i])
			t.Checks = append(t.Checks, ck)
			t.Pass = t.Pass && ck.Pass
		}
		out = append(out, t)
	}
	return out
}

// searchLoad is the load a search level ran at.
func searchLoad(s *spec.Spec, lv plan.Level) float64 {
	if s.Search.Over == spec.SearchRate {
		return lv.Rate
	}
	return float64(lv.Concurrency)
}

func searchTrials(ts []summary.Tried) []search.Trial {
	out := make([]search.Trial, len(ts))
	for i, t := range ts {
		out[i] = search.Trial{Load: t.Load, Pass: t.Pass}
	}
	return out
}

// StopStepFailed is Capacity.Stopped when the search step itself failed.
const StopStepFailed = "step_failed"

// capacity is what a search run found, from its measured levels;
// stepError, if not empty, is why the search step failed.
func capacity(s *spec.Spec, p *plan.Plan, levels []summary.Level, stepError string) *summary.Capacity {
	figures := map[int]*summary.Level{}
	for i := range levels {
		figures[levels[i].Index] = &levels[i]
	}
	ts := trials(s, p, len(p.Levels), figures)
	d := search.Next(plan.SearchConfig(s), searchTrials(ts))
	c := &summary.Capacity{Over: s.Search.Over, Unit: s.Search.Unit()[1:], Tried: ts, Stopped: d.Why}
	switch {
	case len(ts) == 0:
		c.Stopped = search.StopNotRun
	case stepError != "":
		c.Stopped = StopStepFailed
	case !d.Done:
		c.Stopped = StopStepFailed // the run ended before the search did
		stepError = "the run ended before the search did"
	}
	c.Why = search.Explain(c.Stopped, d, s.Search.Unit())
	if c.Stopped == StopStepFailed {
		c.Why = "the search step failed: " + stepError
	}
	if d.HasPass {
		load := d.LastPass
		c.Load, c.Bracket[0] = &load, &load
		for _, t := range ts {
			if t.Pass && t.Load == load {
				idx := t.LevelIndex
				c.LevelIndex = &idx
				if l := figures[idx]; l != nil {
					c.OutputTokenThroughput, c.RequestThroughput = l.OutputTokenThroughput, l.RequestThroughput
					c.TTFTP95Ms, c.TPOTP95Ms, c.E2EP95Ms = l.TTFTMs.P95, l.TPOTMs.P95, l.E2EMs.P95
					c.CostPer1MOutputTokensUSD = l.CostPer1MOutputTokensUSD
				}
			}
		}
	}
	if d.HasFail {
		f := d.FirstFail
		c.Bracket[1] = &f
	}
	return c
}
