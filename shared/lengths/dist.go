package lengths

import (
	"fmt"
	"math"
	"strings"
)

// The distributions, the values of a length's "dist".
const (
	Uniform   = "uniform"
	Normal    = "normal"
	Lognormal = "lognormal"
)

// MaxTokens bounds every length, fixed or drawn; it is also the default
// Max of a normal or lognormal.
const MaxTokens = 1_000_000

// MinKept is the least share of a normal or lognormal that Min and Max may
// keep (see the package comment).
const MinKept = 0.01

// Dist is a token length: Fixed when Kind is empty, else drawn from the
// distribution Kind names. A zero field is absent.
type Dist struct {
	// Kind is Uniform, Normal or Lognormal; empty for a fixed length.
	Kind string
	// Fixed is the length when Kind is empty.
	Fixed int
	// Mean and Stddev are those of the token count (normal, lognormal).
	// A Stddev of 0 makes every count the rounded Mean.
	Mean, Stddev float64
	// Min and Max bound the count, inclusive: required for uniform, 1 and
	// MaxTokens when absent for normal and lognormal.
	Min, Max int
}

// IsZero reports whether d is the zero Dist: no length at all.
func (d Dist) IsZero() bool { return d == Dist{} }

// Bounds returns the least and the greatest count d can draw, defaults
// applied.
func (d Dist) Bounds() (lo, hi int) {
	switch d.Kind {
	case "":
		return d.Fixed, d.Fixed
	case Uniform:
		return d.Min, d.Max
	}
	lo, hi = d.Min, d.Max
	if lo == 0 {
		lo = 1
	}
	if hi == 0 {
		hi = MaxTokens
	}
	return lo, hi
}

// FieldError is one problem of a Dist: the key of the field in the run
// spec's length object (dist, mean, stddev, min or max; empty for the
// length as a whole) and what is wrong with it.
type FieldError struct {
	Field string
	Err   error
}

func (e *FieldError) Error() string {
	if e.Field == "" {
		return e.Err.Error()
	}
	return e.Field + ": " + e.Err.Error()
}

func (e *FieldError) Unwrap() error { return e.Err }

// Problems is every problem of a Dist.
type Problems []*FieldError

func (p Problems) Error() string {
	msgs := make([]string, len(p))
	for i, e := range p {
		msgs[i] = e.Error()
	}
	return "lengths: invalid length: " + strings.Join(msgs, "; ")
}

// Validate returns Problems listing every problem of d, or nil.
func (d Dist) Validate() error {
	var p Problems
	add := func(field, format string, args ...any) {
		p = append(p, &FieldError{Field: field, Err: fmt.Errorf(format, args...)})
	}
	switch d.Kind {
	case "":
		switch {
		case d.Mean != 0 || d.Stddev != 0 || d.Min != 0 || d.Max != 0:
			add("dist", "is required with mean, stddev, min or max: one of %s, %s, %s", Uniform, Normal, Lognormal)
		case d.Fixed < 1 || d.Fixed > MaxTokens:
			add("", "must be between 1 and %d, got %d", MaxTokens, d.Fixed)
		}
		return p.orNil()
	case Uniform:
		for _, f := range []struct {
			key string
			v   float64
		}{{"mean", d.Mean}, {"stddev", d.Stddev}} {
			if f.v != 0 {
				add(f.key, "is not for dist %q, which draws every count from min to max alike; got %g", Uniform, f.v)
			}
		}
		for _, f := range []struct {
			key string
			v   int
		}{{"min", d.Min}, {"max", d.Max}} {
			if f.v < 1 || f.v > MaxTokens {
				add(f.key, "must be between 1 and %d (dist %q draws from min to max), got %d", MaxTokens, Uniform, f.v)
			}
		}
	case Normal, Lognormal:
		if !(d.Mean > 0) || math.IsInf(d.Mean, 1) {
			add("mean", "must be a finite number > 0 (the mean token count), got %g", d.Mean)
		}
		if !(d.Stddev >= 0) || math.IsInf(d.Stddev, 1) {
			add("stddev", "must be a finite number >= 0 (of the token count), got %g", d.Stddev)
		}
		for _, f := range []struct {
			key string
			v   int
		}{{"min", d.Min}, {"max", d.Max}} {
			if f.v < 0 || f.v > MaxTokens {
				add(f.key, "must be between 1 and %d, got %d", MaxTokens, f.v)
			}
		}
	default:
		add("dist", "must be %s, %s or %s, got %q", Uniform, Normal, Lognormal, d.Kind)
	}
	if d.Fixed != 0 {
		add("", "has a fixed length (%d) and a dist (%q): choose one", d.Fixed, d.Kind)
	}
	if len(p) > 0 {
		return p
	}
	if lo, hi := d.Bounds(); lo > hi {
		add("", "min %d is greater than max %d", lo, hi)
	} else if k := d.Kept(); k < MinKept {
		add("", "min %d and max %d keep %s of this %s distribution (mean %g, stddev %g), less than %g%%: "+
			"nearly every draw would be redrawn and the lengths would not average %g; widen min and max or move the mean",
			lo, hi, percent(k), d.Kind, d.Mean, d.Stddev, MinKept*100, d.Mean)
	}
	return p.orNil()
}

func (p Problems) orNil() error {
	if len(p) == 0 {
		return nil
	}
	return p
}

func percent(k float64) string {
	switch {
	case k == 0:
		return "none"
	case k < 1e-6:
		return "practically none"
	}
	return fmt.Sprintf("only %.2g%%", k*100)
}

// String describes d for reports: "512", "uniform 16..2048",
// "normal(mean 512, stddev 128)", "lognormal(mean 512, stddev 128) in 16..4096".
func (d Dist) String() string {
	switch d.Kind {
	case "":
		return fmt.Sprint(d.Fixed)
	case Uniform:
		return fmt.Sprintf("%s %d..%d", Uniform, d.Min, d.Max)
	}
	s := fmt.Sprintf("%s(mean %g, stddev %g)", d.Kind, d.Mean, d.Stddev)
	if d.Min != 0 || d.Max != 0 {
		lo, hi := d.Bounds()
		s += fmt.Sprintf(" in %d..%d", lo, hi)
	}
	return s
}
