package arrival

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
)

// The processes, the values of load.arrival.
const (
	Poisson  = "poisson"
	Gamma    = "gamma"
	Constant = "constant"
)

// The ramp strategies, the values of load.ramp.strategy.
const (
	Linear      = "linear"
	Exponential = "exponential"
)

// Spec is one level's arrival schedule. Its fields mirror the run spec's
// load section; Validate names them by their paths there.
type Spec struct {
	// Level is the level's index in load.rates: it names the rate in
	// errors and seeds the generator together with Seed.
	Level int
	// Rate is the arrival rate in requests per second. It must be zero
	// with a Ramp, which sets the rate itself.
	Rate float64
	// Process is Poisson (also when empty), Gamma or Constant.
	Process string
	// Burstiness is the gamma shape (Gamma only; 0 or 1 is accepted with
	// Poisson, which is the gamma of shape 1).
	Burstiness float64
	// Ramp, when set, makes the rate grow (or fall) along it.
	Ramp *Ramp
	// Duration ends the schedule: arrivals are at offsets < Duration.
	Duration time.Duration
	// Requests ends the schedule after this many arrivals at offsets >=
	// Warmup (the measured ones). At least one of Duration and Requests
	// must be set; with both, the first reached ends it.
	Requests int
	// Warmup is the level's warm-up: its arrivals do not count toward
	// Requests. It does not change the schedule's offsets.
	Warmup time.Duration
	// Seed is the level's seed, fixed by the planner.
	Seed uint64
}

// Ramp takes the rate from From to To over Over, then holds To.
type Ramp struct {
	From, To float64 // requests per second
	Over     time.Duration
	// Strategy is Linear (also when empty) or Exponential (geometric
	// interpolation: the rate is multiplied by the same factor every
	// second).
	Strategy string
}

// Conditions of a FieldError, for errors.Is.
var (
	ErrNotPositive = errors.New("must be a finite number > 0")
	ErrNegative    = errors.New("must not be negative")
	ErrUnknown     = errors.New("unknown value")
	ErrConflict    = errors.New("not allowed here")
	ErrRampTooLong = errors.New("longer than the level")
	ErrUnbounded   = errors.New("the schedule has no end")
)

// FieldError is one problem of a Spec: the path of the field in the run
// spec (load.rates[2], load.burstiness, load.ramp.over, ...) and what is
// wrong with it, wrapping one of the Err conditions.
type FieldError struct {
	Field string
	Err   error
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Err.Error() }
func (e *FieldError) Unwrap() error { return e.Err }

// Problems is every problem of a Spec. errors.Is and errors.As see each of
// them.
type Problems []*FieldError

func (p Problems) Error() string {
	msgs := make([]string, len(p))
	for i, e := range p {
		msgs[i] = e.Error()
	}
	return "arrival: invalid schedule: " + strings.Join(msgs, "; ")
}

func (p Problems) Unwrap() []error {
	errs := make([]error, len(p))
	for i, e := range p {
		errs[i] = e
	}
	return errs
}

// Validate returns Problems listing every problem of s, or nil.
func (s Spec) Validate() error {
	var p Problems
	add := func(field string, err error) { p = append(p, &FieldError{Field: field, Err: err}) }
	rate := fmt.Sprintf("load.rates[%d]", s.Level)

	if s.Level < 0 {
		add("load.rates", fmt.Errorf("%w: level index %d", ErrNegative, s.Level))
	}
	switch {
	case s.Ramp != nil && s.Rate != 0:
		add(rate, fmt.Errorf("%w: load.ramp sets the rate, got %v as well", ErrConflict, s.Rate))
	case s.Ramp == nil && !positive(s.Rate):
		add(rate, fmt.Errorf("%w requests per second, got %v", ErrNotPositive, s.Rate))
	}

	switch s.Process {
	case "", Poisson:
		if s.Burstiness != 0 && s.Burstiness != 1 {
			add("load.burstiness", fmt.Errorf("%w: it shapes load.arrival %q only, got %v with %q", ErrConflict, Gamma, s.Burstiness, s.process()))
		}
	case Gamma:
		if !positive(s.Burstiness) {
			add("load.burstiness", fmt.Errorf("%w (the gamma shape: 1 is poisson, < 1 burstier), got %v", ErrNotPositive, s.Burstiness))
		}
	case Constant:
		if s.Burstiness != 0 {
			add("load.burstiness", fmt.Errorf("%w: it shapes load.arrival %q only, got %v with %q", ErrConflict, Gamma, s.Burstiness, Constant))
		}
	default:
		add("load.arrival", fmt.Errorf("%w %q: want %s, %s or %s", ErrUnknown, s.Process, Poisson, Gamma, Constant))
	}

	if s.Duration < 0 {
		add("load.duration", fmt.Errorf("%w, got %v", ErrNegative, s.Duration))
	}
	if s.Requests < 0 {
		add("load.requests", fmt.Errorf("%w, got %d", ErrNegative, s.Requests))
	}
	if s.Warmup < 0 {
		add("load.warmup", fmt.Errorf("%w, got %v", ErrNegative, s.Warmup))
	}
	if s.Duration == 0 && s.Requests == 0 {
		add("load.duration", fmt.Errorf("%w: set load.duration or load.requests", ErrUnbounded))
	}

	if r := s.Ramp; r != nil {
		switch r.Strategy {
		case "", Linear:
			if !(r.From >= 0) || math.IsInf(r.From, 1) {
				add("load.ramp.from", fmt.Errorf("%w, got %v", ErrNegative, r.From))
			}
		case Exponential:
			if !positive(r.From) {
				add("load.ramp.from", fmt.Errorf("%w with strategy %q, got %v", ErrNotPositive, Exponential, r.From))
			}
		default:
			add("load.ramp.strategy", fmt.Errorf("%w %q: want %s or %s", ErrUnknown, r.Strategy, Linear, Exponential))
		}
		if !positive(r.To) {
			add("load.ramp.to", fmt.Errorf("%w, got %v", ErrNotPositive, r.To))
		}
		switch {
		case r.Over <= 0:
			add("load.ramp.over", fmt.Errorf("%w, got %v", ErrNotPositive, r.Over))
		case s.Duration > 0 && r.Over > s.Duration:
			add("load.ramp.over", fmt.Errorf("%w: %v > load.duration %v", ErrRampTooLong, r.Over, s.Duration))
		}
	}
	if p == nil {
		return nil
	}
	return p
}

func (s Spec) process() string {
	if s.Process == "" {
		return Poisson
	}
	return s.Process
}

// positive reports whether v is a finite number > 0 (NaN is not).
func positive(v float64) bool { return v > 0 && !math.IsInf(v, 1) }

// RateAt returns the arrival rate of a valid s at offset t, in requests
// per second.
func (s Spec) RateAt(t time.Duration) float64 {
	in := newIntensity(s)
	return in.rate(t.Seconds())
}

// Peak returns the highest rate of a valid s, in requests per second: the
// rate, or the larger end of the ramp.
func (s Spec) Peak() float64 {
	if r := s.Ramp; r != nil {
		return max(r.From, r.To)
	}
	return s.Rate
}

// Expected returns the mean number of arrivals of a valid s at offsets in
// [0, window): Λ(window), the integral of the rate, with window cut at
// Duration and the result at Requests. It is exact for poisson and gamma
// (which start in equilibrium) up to the Requests cap, where the true mean
// is a little lower; a constant schedule has exactly ⌈Λ(window)⌉.
func (s Spec) Expected(window time.Duration) float64 {
	if s.Duration > 0 {
		window = min(window, s.Duration)
	}
	in := newIntensity(s)
	n := in.cum(max(window, 0).Seconds())
	if s.Requests > 0 {
		n = min(n, float64(s.Requests)+in.cum(min(max(s.Warmup, 0), max(window, 0)).Seconds()))
	}
	return n
}
