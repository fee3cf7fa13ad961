package compare

import (
	"fmt"
	"sort"
	"strings"

	"github.com/llmbench/llmbench/shared/report"
	"github.com/llmbench/llmbench/shared/summary"
)

// Key is a level's identity in the load model, the same in every run
// that asked for the same load: a concurrency level is matched by its
// concurrency, a rate level by the rate asked (exactly: a sweep's
// computed rates match only a run that computed the same), a ramp by its
// ramp. A level of one kind never matches one of another: 32 streams and
// 32 req/s are not the same load, nor is a steady level its ramp's end.
//
// A rate level's load.max_concurrency is not part of its key: two runs
// at 4 req/s are compared whatever their caps (the reports print them).
type Key struct {
	Rate        bool    // mode rate (summary.Level.Mode "rate"); else concurrency, "" included
	Concurrency int     // mode concurrency: virtual users (a ramp's end)
	RequestRate float64 // mode rate: the rate asked, req/s (a ramp's end)
	Ramp        string  // how the level ramped; "" when it held its load
}

// KeyOf is the key of a level; a level without a mode (a summary from
// before load.mode) is a concurrency level.
func KeyOf(l *summary.Level) Key {
	k := Key{Ramp: l.Ramp}
	if report.IsRate(l) {
		k.Rate, k.RequestRate = true, l.RequestRate
	} else {
		k.Concurrency = l.Concurrency
	}
	return k
}

// IsZero reports whether k is no level at all.
func (k Key) IsZero() bool { return k == Key{} }

// String names the level as the tables do: "32" (a concurrency), "4
// req/s", or its ramp, as report.Label does but without the cap.
func (k Key) String() string {
	switch {
	case k.Ramp != "":
		return k.Ramp
	case k.Rate:
		return report.FormatRate(k.RequestRate) + " req/s"
	}
	return fmt.Sprint(k.Concurrency)
}

// load is the level in a sentence: "32 concurrent streams", "4 req/s".
func (k Key) load() string {
	if k.Ramp == "" && !k.Rate {
		return fmt.Sprintf("%d concurrent streams", k.Concurrency)
	}
	return k.String()
}

// streams is the level before a colon in a regression's description: "32
// streams", "4 req/s".
func (k Key) streams() string {
	if k.Ramp == "" && !k.Rate {
		return fmt.Sprintf("%d streams", k.Concurrency)
	}
	return k.String()
}

// pointLabel labels a level's point on a chart whose x axis is not its
// load: "c=6", "4 req/s".
func (k Key) pointLabel() string {
	if k.Ramp == "" && !k.Rate {
		return fmt.Sprintf("c=%d", k.Concurrency)
	}
	return k.String()
}

// steadyConcurrency reports whether k is a concurrency level that held its
// load: one a concurrency axis can place.
func (k Key) steadyConcurrency() bool { return !k.Rate && k.Ramp == "" }

// steadyRate reports whether k is a rate level that held its rate.
func (k Key) steadyRate() bool { return k.Rate && k.Ramp == "" }

// less orders keys: concurrency levels by concurrency, then rate levels
// by rate, then ramps (concurrency, then rate) by name.
func less(a, b Key) bool {
	rank := func(k Key) int {
		switch {
		case k.Ramp != "" && k.Rate:
			return 3
		case k.Ramp != "":
			return 2
		case k.Rate:
			return 1
		}
		return 0
	}
	switch ra, rb := rank(a), rank(b); {
	case ra != rb:
		return ra < rb
	case a.Ramp != b.Ramp:
		return a.Ramp < b.Ramp
	case a.Rate:
		return a.RequestRate < b.RequestRate
	}
	return a.Concurrency < b.Concurrency
}

// levelsOf is the sorted union of the runs' level keys.
func levelsOf(runs []*summary.Summary) []Key {
	seen := map[Key]bool{}
	var out []Key
	for _, s := range runs {
		for i := range s.Levels {
			if k := KeyOf(&s.Levels[i]); !seen[k] {
				seen[k] = true
				out = append(out, k)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return less(out[i], out[j]) })
	return out
}

// level returns the run's level with key k (a repeated one pooled: see
// pooled), or nil.
func level(s *summary.Summary, k Key) *summary.Level { return pooled(s, k) }

// plainKeys reports whether every key is a steady concurrency level: the
// tables then head their first column "concurrency", as they always did.
func plainKeys(ks []Key) bool {
	for _, k := range ks {
		if !k.steadyConcurrency() {
			return false
		}
	}
	return true
}

// anyRate reports whether some key is a rate level.
func anyRate(ks []Key) bool {
	for _, k := range ks {
		if k.Rate {
			return true
		}
	}
	return false
}

// matchRule says how levels are matched, for the notes that say none did.
const matchRule = "a concurrency level is compared only with a level of the same concurrency, a rate level only with one of the same asked rate, never a rate level with a concurrency level"

// NoCommonLevel says why nothing can be compared when no level of the
// baseline matches one of the candidate (see Key), naming each run's
// levels; it returns "" when some level matches.
func NoCommonLevel(baseline, candidate *summary.Summary) string {
	if common, _, _ := Levels(baseline, candidate); len(common) > 0 {
		return ""
	}
	return fmt.Sprintf("No level in common: the baseline has %s, the candidate %s; %s.",
		describeLevels(baseline), describeLevels(candidate), matchRule)
}

// describeLevels lists a run's levels by kind: "concurrency levels 6, 12
// and rate levels 2 req/s, 4 req/s".
func describeLevels(s *summary.Summary) string {
	var conc, rate, ramps []string
	for _, k := range levelsOf([]*summary.Summary{s}) {
		switch {
		case k.Ramp != "":
			ramps = append(ramps, k.String())
		case k.Rate:
			rate = append(rate, k.String())
		default:
			conc = append(conc, k.String())
		}
	}
	var parts []string
	for _, p := range []struct {
		name string
		ks   []string
	}{{"concurrency levels", conc}, {"rate levels", rate}, {"ramps", ramps}} {
		if len(p.ks) > 0 {
			parts = append(parts, p.name+" "+strings.Join(p.ks, ", "))
		}
	}
	if len(parts) == 0 {
		return "no level"
	}
	return strings.Join(parts, " and ")
}

// sharedNote says, for side-by-side tables of two runs or more, that no
// level of one run matches a level of another: the tables' rows are then
// each one run's alone.
func sharedNote(runs []*summary.Summary) string {
	if len(runs) < 2 {
		return ""
	}
	count := map[Key]int{}
	for _, s := range runs {
		for _, k := range levelsOf([]*summary.Summary{s}) {
			count[k]++
			if count[k] > 1 {
				return ""
			}
		}
	}
	return "No level is common to two of these runs, so each row below holds one run's figures alone: " + matchRule + "."
}
