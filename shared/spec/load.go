package spec

import (
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/llmbench/llmbench/shared/arrival"
)

// MaxLevel bounds a level's concurrency (load.levels, load.max_concurrency,
// load.sweep_concurrency, a concurrency ramp's ends): 10,000 slices (a
// Distributed Map's children at once) of 100 streams.
const MaxLevel = 1_000_000

// MaxRate bounds a level's rate, in requests per second.
const MaxRate = 1_000_000.0

// checkShape checks the fields that say what the levels are: load.mode,
// levels or rates, the arrival process, the ramp and the sweep. dur and
// warm are the parsed load.duration and load.warmup (0 when unset or
// invalid).
func (l Load) checkShape(dur, warm time.Duration) Problems {
	var p Problems
	add := func(path, format string, args ...any) {
		p = append(p, path+": "+fmt.Sprintf(format, args...))
	}
	rate := l.Mode == ModeRate
	switch l.Mode {
	case ModeConcurrency, ModeRate:
	default:
		add("load.mode", "must be %q or %q, got %q", ModeConcurrency, ModeRate, l.Mode)
	}
	sweep := l.Profile == ProfileSweep
	switch l.Profile {
	case ProfileFixed:
		if l.SweepLevels != 0 {
			add("load.sweep_levels", "is for load.profile %q, got profile %q", ProfileSweep, l.Profile)
		}
		if l.SweepConcurrency != 0 {
			add("load.sweep_concurrency", "is for load.profile %q, got profile %q", ProfileSweep, l.Profile)
		}
	case ProfileSweep:
		if l.Mode != ModeRate {
			add("load.profile", "%q measures rates: it needs load.mode %q (or no mode), got %q", ProfileSweep, ModeRate, l.Mode)
		}
		if l.SweepLevels < 1 || l.SweepLevels > 100 {
			add("load.sweep_levels", "must be between 1 and 100 (the rate levels between the synchronous and the throughput level), got %d", l.SweepLevels)
		}
		if l.SweepConcurrency < 1 || l.SweepConcurrency > MaxLevel {
			add("load.sweep_concurrency", "must be between 1 and %d (the throughput level's concurrency), got %d", MaxLevel, l.SweepConcurrency)
		}
		if len(l.Levels) > 0 {
			add("load.levels", "must be empty with load.profile %q: the sweep's levels are a synchronous level, load.sweep_concurrency, then the rates it measures", ProfileSweep)
		}
		if len(l.Rates) > 0 {
			add("load.rates", "must be empty with load.profile %q: the sweep computes its rates from the first two levels", ProfileSweep)
		}
		if l.Ramp != nil {
			add("load.ramp", "is not for load.profile %q", ProfileSweep)
		}
	default:
		add("load.profile", "must be %q or %q, got %q", ProfileFixed, ProfileSweep, l.Profile)
	}

	switch {
	case l.Mode == ModeConcurrency:
		if len(l.Rates) > 0 {
			add("load.rates", "are requests per second, for load.mode %q; load.mode is %q (use load.levels, or set mode %q)", ModeRate, l.Mode, ModeRate)
		}
		for path, set := range map[string]bool{
			"load.arrival": l.Arrival != "", "load.burstiness": l.Burstiness != 0,
			"load.max_concurrency": l.MaxConcurrency != 0, "load.slice_rate": l.SliceRate != 0,
		} {
			if set {
				add(path, "is for load.mode %q; load.mode is %q", ModeRate, l.Mode)
			}
		}
		p = append(p, l.checkLevels(dur, warm)...)
	case rate:
		if len(l.Levels) > 0 && !sweep {
			add("load.levels", "are concurrencies, for load.mode %q; load.mode is %q (use load.rates)", ModeConcurrency, l.Mode)
		}
		if l.MaxConcurrency < 0 || l.MaxConcurrency > MaxLevel {
			add("load.max_concurrency", "must be between 0 (no cap) and %d, got %d", MaxLevel, l.MaxConcurrency)
		}
		if !(l.SliceRate > 0) || l.SliceRate > MaxSliceRate {
			add("load.slice_rate", "must be > 0 and at most %g requests per second: above it one worker's send lag is no longer measured (README, \"Open-loop load\"), got %g", MaxSliceRate, l.SliceRate)
		}
		p = append(p, l.checkRates(dur, warm, sweep)...)
	}
	return p
}

// MaxRepeats bounds load.repeats: past 20 runs the interval of a mean
// barely narrows (t(0.975, 19) = 2.09 against the normal's 1.96), while
// the run's time grows with every one.
const MaxRepeats = 20

// repeatRefusal is a load shape load.repeats cannot go with.
type repeatRefusal struct {
	with string // the shape, as the spec writes it: load.profile "sweep"
	set  bool   // the spec has it
	why  string
}

// repeatRefusals are the shapes load.repeats cannot go with: a run that
// chooses its later levels from what earlier ones measured has no fixed
// list of levels to repeat. A new such shape adds its row here.
func (s *Spec) repeatRefusals() []repeatRefusal {
	return []repeatRefusal{
		{fmt.Sprintf("load.profile %q", ProfileSweep), s.Load.Profile == ProfileSweep,
			"the sweep computes its rates from its first two levels' single measurements; run it once, then repeat the rates it chose with load.rates"},
		{"search", s.Search != nil,
			"the search chooses each next level from the last one's single measurement; run it once, then repeat the levels around its answer with load.levels or load.rates"},
	}
}

// checkRepeats checks load.repeats: a whole number from 1 to MaxRepeats
// (a non-integer fails to decode, naming the field), and none of the
// shapes in repeatRefusals.
func (s *Spec) checkRepeats() Problems {
	l := s.Load
	if l.Repeats == nil {
		return nil
	}
	var p Problems
	n := *l.Repeats
	switch {
	case n < 1:
		p = append(p, fmt.Sprintf("load.repeats: must be at least 1 (each level runs once), got %d", n))
	case n > MaxRepeats:
		p = append(p, fmt.Sprintf("load.repeats: must be at most %d, got %d", MaxRepeats, n))
	}
	if n > 1 {
		for _, r := range s.repeatRefusals() {
			if r.set {
				p = append(p, fmt.Sprintf("load.repeats: is refused with %s: %s", r.with, r.why))
			}
		}
	}
	return p
}

// checkLevels checks mode concurrency's levels, or its ramp of virtual
// users.
func (l Load) checkLevels(dur, warm time.Duration) Problems {
	var p Problems
	add := func(path, format string, args ...any) {
		p = append(p, path+": "+fmt.Sprintf(format, args...))
	}
	if r := l.Ramp; r != nil {
		if len(l.Levels) > 0 {
			add("load.levels", "must be empty with load.ramp: the ramp is the level")
		}
		for path, v := range map[string]float64{"load.ramp.from": r.From, "load.ramp.to": r.To} {
			if v != math.Trunc(v) || v < 0 || v > MaxLevel {
				add(path, "must be a whole number of virtual users between 0 and %d in load.mode %q, got %v", MaxLevel, ModeConcurrency, v)
			}
		}
		if r.To < 1 {
			add("load.ramp.to", "must be at least 1 virtual user, got %v", r.To)
		}
		if r.Strategy == RampExponential && r.From < 1 {
			add("load.ramp.from", "must be at least 1 with strategy %q, got %v", RampExponential, r.From)
		}
		p = append(p, checkRamp(r, dur, warm)...)
		return p
	}
	if len(l.Levels) == 0 {
		add("load.levels", "needs at least one concurrency level (or load.ramp)")
	}
	seen := map[int]bool{}
	for i, c := range l.Levels {
		switch {
		case c <= 0:
			add(fmt.Sprintf("load.levels[%d]", i), "must be > 0, got %d", c)
		case c > MaxLevel:
			add(fmt.Sprintf("load.levels[%d]", i), "must be at most %d, got %d", MaxLevel, c)
		case seen[c]:
			add(fmt.Sprintf("load.levels[%d]", i), "repeats level %d (levels name their results, so each must be unique)", c)
		}
		seen[c] = true
	}
	return p
}

// checkRamp checks a ramp's strategy and length, in either mode.
func checkRamp(r *Ramp, dur, warm time.Duration) Problems {
	var p Problems
	if r.Strategy != RampLinear && r.Strategy != RampExponential {
		p = append(p, fmt.Sprintf("load.ramp.strategy: must be %q or %q, got %q", RampLinear, RampExponential, r.Strategy))
	}
	over, ok := checkDurationOK(&p, "load.ramp.over", r.Over, true)
	switch {
	case ok && over == 0:
		p = append(p, "load.ramp.over: must be > 0")
	case ok && dur > 0 && over > warm+dur:
		p = append(p, fmt.Sprintf("load.ramp.over: %v is longer than the level (load.warmup + load.duration = %v)", over, warm+dur))
	case ok && dur == 0:
		p = append(p, "load.ramp.over: a ramp needs load.duration, so that the level holds the ramp's end")
	}
	return p
}

// checkRates checks mode rate's rates and arrival process, through
// package arrival (which the workers draw the schedule with).
func (l Load) checkRates(dur, warm time.Duration, sweep bool) Problems {
	var p Problems
	specs := []arrival.Spec{}
	switch {
	case sweep:
		// The rates are measured; check the process with a stand-in rate.
		specs = append(specs, arrival.Spec{Rate: 1})
	case l.Ramp != nil:
		if len(l.Rates) > 0 {
			p = append(p, "load.rates: must be empty with load.ramp: the ramp is the level and sets its rate")
		}
		p = append(p, checkRamp(l.Ramp, dur, warm)...)
		ramp := l.Ramp.Arrival() // a malformed over reads as 0: checkRamp says so
		specs = append(specs, arrival.Spec{Ramp: &ramp})
	case len(l.Rates) == 0:
		p = append(p, "load.rates: needs at least one rate, in requests per second (or load.ramp)")
	default:
		seen := map[float64]int{}
		for i, r := range l.Rates {
			if j, dup := seen[r]; dup {
				p = append(p, fmt.Sprintf("load.rates[%d]: repeats load.rates[%d] (%g)", i, j, r))
			}
			seen[r] = i
			if r > MaxRate {
				p = append(p, fmt.Sprintf("load.rates[%d]: must be at most %g requests per second, got %g", i, MaxRate, r))
			}
			specs = append(specs, arrival.Spec{Level: i, Rate: r})
		}
	}
	for _, a := range specs {
		a.Process, a.Burstiness = l.Arrival, l.Burstiness
		a.Duration, a.Warmup, a.Requests = 1, 0, 0 // load.duration and load.requests are checked above
		var probs arrival.Problems
		if err := a.Validate(); errors.As(err, &probs) {
			for _, e := range probs {
				if e.Field == "load.ramp.over" {
					continue // checkRamp says it, against the whole level
				}
				p = append(p, e.Error())
			}
		}
	}
	return dedupe(p)
}

// dedupe drops repeated problems (the process is checked once per rate).
func dedupe(p Problems) Problems {
	seen := map[string]bool{}
	out := p[:0]
	for _, s := range p {
		if !seen[s] {
			out = append(out, s)
		}
		seen[s] = true
	}
	return out
}
