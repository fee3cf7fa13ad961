package spec

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Search is the spec's "search": instead of fixed levels, find the highest
// load that meets every SLO criterion given, by doubling from Min then
// bisecting (package search).
type Search struct {
	Over      string    `json:"over"` // SearchConcurrency or SearchRate
	Min       float64   `json:"min"`  // the first load tried: virtual users, or requests per second
	Max       float64   `json:"max"`  // the highest load it may try
	SLO       SearchSLO `json:"slo"`
	Precision *float64  `json:"precision,omitempty"`  // in (0, 1), default DefaultSearchPrecision: the bracket's width relative to its low end at which it stops
	MaxLevels int       `json:"max_levels,omitempty"` // default DefaultSearchMaxLevels
}

// What a search moves.
const (
	SearchConcurrency = "concurrency"
	SearchRate        = "rate"
)

// Search defaults and bounds.
const (
	DefaultSearchPrecision = 0.05
	DefaultSearchMaxLevels = 12
	MaxSearchLevels        = 50
)

// SearchSLO is what a search level must meet; each criterion is optional
// (nil) and a level passes when every one given holds. At least one must
// be given.
type SearchSLO struct {
	TTFTP95Ms    *float64 `json:"ttft_p95_ms,omitempty"`   // TTFT p95 at most, ms
	TPOTP95Ms    *float64 `json:"tpot_p95_ms,omitempty"`   // TPOT p95 at most, ms
	E2EP95Ms     *float64 `json:"e2e_p95_ms,omitempty"`    // E2E p95 at most, ms
	ErrorRate    *float64 `json:"error_rate,omitempty"`    // errors / measured requests at most, in [0, 1]
	GoodputRatio *float64 `json:"goodput_ratio,omitempty"` // requests meeting the spec's slo / measured requests at least, in [0, 1]
}

// SearchCriteria are the keys of search.slo, in the order they are
// reported.
var SearchCriteria = []string{"ttft_p95_ms", "tpot_p95_ms", "e2e_p95_ms", "error_rate", "goodput_ratio"}

// Criteria returns the criteria given, keyed as in the spec, with their
// limits.
func (s SearchSLO) Criteria() []Criterion {
	var out []Criterion
	for _, c := range []struct {
		key string
		v   *float64
	}{{"ttft_p95_ms", s.TTFTP95Ms}, {"tpot_p95_ms", s.TPOTP95Ms}, {"e2e_p95_ms", s.E2EP95Ms}, {"error_rate", s.ErrorRate}, {"goodput_ratio", s.GoodputRatio}} {
		if c.v != nil {
			out = append(out, Criterion{Key: c.key, Limit: *c.v, AtLeast: c.key == "goodput_ratio"})
		}
	}
	return out
}

// Criterion is one criterion of search.slo.
type Criterion struct {
	Key     string  // ttft_p95_ms, …
	Limit   float64 // the bound
	AtLeast bool    // the figure must be at least Limit (goodput_ratio); else at most
}

// UnmarshalJSON reads the object, naming an unknown metric with the
// known ones (a typo would otherwise be a criterion silently missing).
func (s *SearchSLO) UnmarshalJSON(b []byte) error {
	if bytes.Equal(bytes.TrimSpace(b), []byte("null")) {
		return nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return fmt.Errorf("spec: search.slo: want an object of criteria (%s): %w", strings.Join(SearchCriteria, ", "), err)
	}
	var unknown []string
	for k := range m {
		if !slices.Contains(SearchCriteria, k) {
			unknown = append(unknown, strconv.Quote(k))
		}
	}
	if len(unknown) > 0 {
		slices.Sort(unknown)
		return fmt.Errorf("spec: search.slo: unknown metric %s: the criteria are %s", strings.Join(unknown, ", "), strings.Join(SearchCriteria, ", "))
	}
	type plain SearchSLO
	var p plain
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&p); err != nil {
		return fmt.Errorf("spec: search.slo: %w", err)
	}
	*s = SearchSLO(p)
	return nil
}

// PrecisionOr0 is the search's precision, 0 when unset.
func (s *Search) PrecisionOr0() float64 {
	if s.Precision == nil {
		return 0
	}
	return *s.Precision
}

// Unit is what the search's loads count: " streams" or " req/s".
func (s *Search) Unit() string {
	if s.Over == SearchRate {
		return " req/s"
	}
	return " streams"
}

// checkSearch checks the search against the load it replaces.
func (s *Spec) checkSearch() Problems {
	se := s.Search
	if se == nil {
		return nil
	}
	var p Problems
	add := func(path, format string, args ...any) {
		p = append(p, path+": "+fmt.Sprintf(format, args...))
	}
	l := s.Load
	switch se.Over {
	case SearchConcurrency:
		if l.Mode != ModeConcurrency {
			add("search.over", "%q needs load.mode %q (or no mode), got %q", se.Over, ModeConcurrency, l.Mode)
		}
		for path, v := range map[string]float64{"search.min": se.Min, "search.max": se.Max} {
			if v != math.Trunc(v) || v < 1 || v > MaxLevel {
				add(path, "must be a whole number of virtual users between 1 and %d, got %v", MaxLevel, v)
			}
		}
	case SearchRate:
		if l.Mode != ModeRate {
			add("search.over", "%q needs load.mode %q (or no mode), got %q", se.Over, ModeRate, l.Mode)
		}
		for path, v := range map[string]float64{"search.min": se.Min, "search.max": se.Max} {
			if !(v > 0) || v > MaxRate {
				add(path, "must be a request rate > 0 and at most %g, got %v", MaxRate, v)
			}
		}
	default:
		add("search.over", "must be %q or %q, got %q", SearchConcurrency, SearchRate, se.Over)
	}
	if se.Max < se.Min {
		add("search.max", "must be at least search.min (%v), got %v", se.Min, se.Max)
	}
	if pr := se.Precision; pr == nil || !(*pr > 0 && *pr < 1) {
		v := "nothing"
		if pr != nil {
			v = strconv.FormatFloat(*pr, 'g', -1, 64)
		}
		add("search.precision", "must be > 0 and < 1 (the bracket's width relative to the last passing load; 0.05 is 5%%), got %s", v)
	}
	if se.MaxLevels < 2 || se.MaxLevels > MaxSearchLevels {
		add("search.max_levels", "must be between 2 and %d, got %d", MaxSearchLevels, se.MaxLevels)
	}
	cs := se.SLO.Criteria()
	if len(cs) == 0 {
		add("search.slo", "needs at least one criterion (%s): a search with none passes every level", strings.Join(SearchCriteria, ", "))
	}
	for _, c := range cs {
		path := "search.slo." + c.Key
		switch {
		case c.Key == "error_rate" || c.Key == "goodput_ratio":
			if !(c.Limit >= 0 && c.Limit <= 1) {
				add(path, "must be a fraction between 0 and 1, got %v", c.Limit)
			}
		case !(c.Limit > 0) || math.IsInf(c.Limit, 0):
			add(path, "must be a number of milliseconds > 0, got %v", c.Limit)
		}
	}
	if se.SLO.GoodputRatio != nil && s.SLO == (SLO{}) {
		add("search.slo.goodput_ratio", "counts the requests meeting the spec's slo (ttft_ms, tpot_ms, e2e_ms): set at least one of those")
	}
	for path, set := range map[string]bool{
		"load.levels": len(l.Levels) > 0, "load.rates": len(l.Rates) > 0, "load.ramp": l.Ramp != nil,
		"load.profile": l.Profile == ProfileSweep,
	} {
		if set {
			add(path, "must not be set with search: the search picks each level's load")
		}
	}
	return p
}
