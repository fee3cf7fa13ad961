package search

import (
	"math"
	"testing"
)

// run searches against a server whose capacity is exactly capacity: a
// load passes when it is at most that.
func run(c Config, capacity float64) ([]Trial, Decision) {
	var trials []Trial
	for {
		d := Next(c, trials)
		if d.Done {
			return trials, d
		}
		trials = append(trials, Trial{Load: d.Next, Pass: d.Next <= capacity})
		if len(trials) > 1000 {
			panic("no end")
		}
	}
}

func TestFindsCapacity(t *testing.T) {
	tests := []struct {
		name     string
		c        Config
		capacity float64
		why      string
	}{
		{"concurrency", Config{Integer: true, Min: 1, Max: 512, Precision: 0.05, MaxLevels: 20}, 37, StopAdjacent},
		{"concurrency, precision", Config{Integer: true, Min: 1, Max: 512, Precision: 0.05, MaxLevels: 20}, 301, StopPrecision},
		{"rate", Config{Min: 0.5, Max: 200, Precision: 0.05, MaxLevels: 20}, 13.7, StopPrecision},
		{"rate, coarse", Config{Min: 1, Max: 200, Precision: 0.25, MaxLevels: 20}, 60, StopPrecision},
		{"max_levels", Config{Integer: true, Min: 1, Max: 512, Precision: 0.01, MaxLevels: 5}, 10, StopMaxLevels},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			trials, d := run(tt.c, tt.capacity)
			if d.Why != tt.why {
				t.Fatalf("stopped for %q after %v, want %q", d.Why, trials, tt.why)
			}
			if len(trials) > tt.c.MaxTrials() || len(trials) > tt.c.MaxLevels {
				t.Errorf("%d trials, more than MaxTrials %d or max_levels %d", len(trials), tt.c.MaxTrials(), tt.c.MaxLevels)
			}
			if !d.HasPass || !d.HasFail || d.LastPass > tt.capacity || d.FirstFail <= tt.capacity {
				t.Fatalf("bracket [%g, %g] (pass %v fail %v) does not hold the capacity %g", d.LastPass, d.FirstFail, d.HasPass, d.HasFail, tt.capacity)
			}
			if tt.why == StopMaxLevels {
				return
			}
			// Within the precision: the last pass is at most precision below
			// the true capacity (or one stream, for whole loads).
			if gap := (tt.capacity - d.LastPass) / d.LastPass; gap > tt.c.Precision && !(tt.c.Integer && tt.capacity-d.LastPass < 1) {
				t.Errorf("capacity %g found as %g: %.1f%% below, precision %g", tt.capacity, d.LastPass, 100*gap, tt.c.Precision)
			}
		})
	}
}

// TestFewerLevelsThanASweep: over many capacities the search needs at
// most MaxTrials levels, and far fewer than an exhaustive sweep at the
// same precision.
func TestFewerLevelsThanASweep(t *testing.T) {
	c := Config{Integer: true, Min: 1, Max: 512, Precision: 0.05, MaxLevels: 30}
	worst := 0
	for capacity := 1.0; capacity < 512; capacity++ {
		trials, d := run(c, capacity)
		worst = max(worst, len(trials))
		if d.LastPass != capacity && (capacity-d.LastPass)/d.LastPass > c.Precision {
			t.Fatalf("capacity %g: found %g", capacity, d.LastPass)
		}
	}
	if worst > c.MaxTrials() || worst > 20 {
		t.Errorf("worst case %d levels, MaxTrials %d", worst, c.MaxTrials())
	}
	t.Logf("worst case %d levels for 1..512 at 5%% (a sweep at 5%% steps needs %d)", worst, int(math.Ceil(math.Log(512)/math.Log(1.05))))
}

func TestEnds(t *testing.T) {
	c := Config{Integer: true, Min: 4, Max: 64, Precision: 0.05, MaxLevels: 12}
	trials, d := run(c, 2) // even min fails
	if d.Why != StopMinFails || d.HasPass || len(trials) != 1 {
		t.Errorf("min fails: %+v after %v", d, trials)
	}
	trials, d = run(c, 1000) // even max passes
	if d.Why != StopMaxPasses || d.HasFail || d.LastPass != 64 || len(trials) != 5 {
		t.Errorf("max passes: %+v after %v (want 4, 8, 16, 32, 64)", d, trials)
	}
	if d := Next(c, nil); d.Done || d.Next != 4 {
		t.Errorf("first decision %+v, want min", d)
	}
}

// TestRetryIsIdempotent: the decision is a function of the trials alone.
func TestRetryIsIdempotent(t *testing.T) {
	c := Config{Min: 1, Max: 100, Precision: 0.1, MaxLevels: 10}
	trials := []Trial{{1, true}, {2, true}, {4, false}}
	a, b := Next(c, trials), Next(c, trials)
	if a != b || a.Next != 3 {
		t.Errorf("decisions %+v, %+v; want the same, next 3", a, b)
	}
}
