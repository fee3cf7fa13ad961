// Package search decides a capacity search (the spec's "search"): the
// highest load (concurrency, or request rate) whose level meets every
// SLO criterion given. It is pure: the next load is a function of the
// loads tried so far and whether each passed, so the state machine's
// search step can be retried, and the aggregator can replay the search
// from the stored figures and say why it stopped.
//
// The search doubles the load from Min until a level fails (never past
// Max), then bisects between the last pass and the first fail until the
// bracket is narrower than Precision (relative to the last pass; for
// concurrency, until the two are one apart), or MaxLevels levels ran.
// It assumes the SLO criteria fail from some load on (latency and errors
// grow with load); a pass above a fail is reported, not hidden.
package search

import (
	"fmt"
	"math"
	"sort"
)

// Config is a validated search.
type Config struct {
	Integer   bool    // concurrency: whole loads only
	Min, Max  float64 // the loads it may try
	Precision float64 // in (0, 1): the bracket's width relative to its low end at which it stops
	MaxLevels int     // the most levels it runs, >= 2
}

// Trial is a load tried and whether its level met every criterion.
type Trial struct {
	Load float64
	Pass bool
}

// Why the search stopped.
const (
	StopPrecision = "precision"  // the bracket is narrower than the precision
	StopAdjacent  = "adjacent"   // concurrency: last pass and first fail are one apart
	StopMaxLevels = "max_levels" // max_levels levels ran
	StopMinFails  = "min_fails"  // the first level, at min, failed: no capacity in range
	StopMaxPasses = "max_passes" // the level at max passed: the bracket is open at the top
	StopNotRun    = "not_run"    // no level was measured
)

// Decision is what the search does after the trials so far.
type Decision struct {
	Done bool
	Next float64 // the next load to try, when not Done
	Why  string  // a Stop… constant, when Done
	// LastPass and FirstFail bracket the capacity: the highest passing
	// load below the lowest failing one. HasPass and HasFail say whether
	// each exists (no pass: the capacity is none; no fail: the bracket
	// is open at the top).
	LastPass, FirstFail float64
	HasPass, HasFail    bool
}

// Next returns the decision after trials, in the order they ran.
func Next(c Config, trials []Trial) Decision {
	if len(trials) == 0 {
		return Decision{Next: c.Min}
	}
	d := bracket(trials)
	switch {
	case !d.HasPass && d.HasFail && d.FirstFail <= c.Min:
		d.Done, d.Why = true, StopMinFails
		return d
	case d.HasPass && !d.HasFail && d.LastPass >= c.Max:
		d.Done, d.Why = true, StopMaxPasses
		return d
	}
	if !d.HasFail {
		// Doubling up from the last pass (or min, if none ran yet).
		d.Next = c.round(math.Min(2*d.LastPass, c.Max))
	} else {
		low := c.Min
		if d.HasPass {
			low = d.LastPass
			switch {
			case c.Integer && d.FirstFail-d.LastPass <= 1:
				d.Done, d.Why = true, StopAdjacent
				return d
			case (d.FirstFail-d.LastPass)/d.LastPass <= c.Precision:
				d.Done, d.Why = true, StopPrecision
				return d
			}
		}
		d.Next = c.round((low + d.FirstFail) / 2)
		if !d.HasPass && d.Next <= low {
			d.Next = low // min has not run (a fail above it came first): try it
		}
	}
	if len(trials) >= c.MaxLevels {
		d.Done, d.Why, d.Next = true, StopMaxLevels, 0
		return d
	}
	for _, t := range trials {
		if t.Load == d.Next { // a load already tried (rounding): nothing left to learn
			d.Done, d.Why, d.Next = true, StopAdjacent, 0
			return d
		}
	}
	return d
}

// bracket finds the lowest failing load and the highest passing load
// below it.
func bracket(trials []Trial) Decision {
	ts := append([]Trial(nil), trials...)
	sort.SliceStable(ts, func(i, j int) bool { return ts[i].Load < ts[j].Load })
	var d Decision
	for _, t := range ts {
		if !t.Pass {
			d.FirstFail, d.HasFail = t.Load, true
			break
		}
	}
	for _, t := range ts {
		if t.Pass && (!d.HasFail || t.Load < d.FirstFail) {
			d.LastPass, d.HasPass = t.Load, true
		}
	}
	return d
}

func (c Config) round(x float64) float64 {
	if c.Integer {
		x = math.Floor(x)
	}
	return math.Max(c.Min, math.Min(x, c.Max))
}

// MaxTrials bounds the levels a search can run, whatever it measures: at
// most MaxLevels, and no more than the doubling steps from Min to Max
// plus the bisection steps down to the precision (or to adjacent whole
// loads). The state machine's history limit is checked against it.
func (c Config) MaxTrials() int {
	doublings := 1 // min itself
	for x := c.Min; x < c.Max; x = math.Min(2*x, c.Max) {
		doublings++
	}
	// The widest bracket after doubling is [Max/2, Max]; bisection halves
	// it until width/low <= precision, i.e. about log2(1/precision) steps
	// (or log2 of the width for whole loads).
	width := c.Max - c.Max/2
	low := math.Max(c.Min, c.Max/2)
	bisections := 0
	for w := width; w/low > c.Precision && !(c.Integer && w <= 1); w /= 2 {
		bisections++
	}
	return min(c.MaxLevels, doublings+bisections+1)
}

// Explain says why a search stopped, for people; unit follows each load
// (" streams", " req/s").
func Explain(why string, d Decision, unit string) string {
	f := func(x float64) string { return fmt.Sprintf("%g%s", x, unit) }
	switch why {
	case StopPrecision:
		return fmt.Sprintf("the bracket %s..%s is within the precision", f(d.LastPass), f(d.FirstFail))
	case StopAdjacent:
		return fmt.Sprintf("%s passes and %s fails: nothing lies between them", f(d.LastPass), f(d.FirstFail))
	case StopMaxLevels:
		return "max_levels levels ran; the bracket is where the search stopped"
	case StopMinFails:
		return fmt.Sprintf("the first level, at min (%s), already fails: no load in range meets the SLO", f(d.FirstFail))
	case StopMaxPasses:
		return fmt.Sprintf("the level at max (%s) passes: the capacity is at least max; the bracket is open at the top", f(d.LastPass))
	case StopNotRun:
		return "no level was measured"
	}
	return why
}
