package plan_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/llmbench/llmbench/shared/plan"
	"github.com/llmbench/llmbench/shared/spec"
)

func parseSpec(t *testing.T, doc string) *spec.Spec {
	t.Helper()
	s, err := spec.Parse(strings.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestPlanRefusesMoreSlicesThanRunAtOnce(t *testing.T) {
	// A level has at most 10,000 slices (a Distributed Map's children at
	// once), even when load.max_workers allows them.
	s := parseSpec(t, `{"name":"wide","target":{"kind":"sim"},"load":{"levels":[8,400040],"requests":1,"slice_concurrency":40,"max_workers":10000}}`)
	_, err := plan.Make(s, "wide-20261123T000000Z-0000", time.Now())
	if err == nil || !strings.Contains(err.Error(), "level 400040 needs 10001 slices") || !strings.Contains(err.Error(), "at least 41") {
		t.Fatalf("err = %v; want the level, its slices and the slice_concurrency to set", err)
	}
	s.Load.SliceConcurrency = 41
	p, err := plan.Make(s, "wide-20261123T000000Z-0000", time.Now())
	if err != nil {
		t.Fatalf("9,758 slices of 41: %v", err)
	}
	if n := len(p.Levels[1].Slices); n != 9758 {
		t.Errorf("%d slices, want 9,758", n)
	}
	// Past 1,000 slices, load.max_workers (default 1,000, Lambda's default
	// quota) must allow them.
	s.Load.MaxWorkers = 0
	if _, err := plan.Make(s, "wide-20261123T000000Z-0000", time.Now()); err == nil || !strings.Contains(err.Error(), "max_workers") {
		t.Errorf("9,758 slices under the default load.max_workers: %v", err)
	}
}

// TestSplit: a level's streams split as evenly as possible into slices of
// at most max, the request budget in proportion, nothing lost.
func TestSplit(t *testing.T) {
	for _, c := range []struct {
		conc, max, reqs int
		vus, budget     string
	}{
		{6, 40, 0, "[6]", "[]"},              // one slice, no budget
		{5, 3, 24, "[3 2]", "[14 10]"},       // uneven: the remainder goes first
		{6, 3, 24, "[3 3]", "[12 12]"},       // even
		{7, 2, 10, "[2 2 2 1]", "[2 2 2 4]"}, // the last slice takes the rounding
	} {
		vus, reqs := plan.Split(c.conc, c.max, c.reqs)
		if got := fmt.Sprint(vus); got != c.vus {
			t.Errorf("Split(%d, %d): vus %s, want %s", c.conc, c.max, got, c.vus)
		}
		if got := fmt.Sprint(reqs); c.reqs > 0 && got != c.budget {
			t.Errorf("Split(%d, %d, %d): requests %s, want %s", c.conc, c.max, c.reqs, got, c.budget)
		}
		sum := 0
		for _, r := range reqs {
			sum += r
		}
		if c.reqs > 0 && sum != c.reqs {
			t.Errorf("Split(%d, %d, %d): budget sums to %d", c.conc, c.max, c.reqs, sum)
		}
	}
}

func TestRateLevels(t *testing.T) {
	tests := []struct {
		name    string
		load    string
		workers []int // per level
		caps    []int // per-worker caps of the first level
		err     string
	}{
		{"one worker each", `"mode":"rate","rates":[2,50],"duration":"10s"`, []int{1, 1}, []int{0}, ""},
		{"sized by slice_rate", `"mode":"rate","rates":[250,1000],"slice_rate":100,"duration":"10s"`, []int{3, 10}, []int{0, 0, 0}, ""},
		{"sized by the cap", `"mode":"rate","rates":[10],"max_concurrency":100,"slice_concurrency":40,"duration":"10s"`, []int{3}, []int{34, 33, 33}, ""},
		{"cap split with the rate", `"mode":"rate","rates":[300],"max_concurrency":10,"slice_rate":100,"duration":"10s"`, []int{3}, []int{4, 3, 3}, ""},
		{"ramp sized by its peak", `"mode":"rate","ramp":{"from":1,"to":450,"over":"5s"},"slice_rate":100,"duration":"10s"`, []int{5}, []int{0, 0, 0, 0, 0}, ""},
		{"cap over six workers", `"mode":"rate","rates":[600],"max_concurrency":10,"slice_rate":100,"duration":"10s"`, []int{6}, []int{2, 2, 2, 2, 1, 1}, ""},
		{"cap below the workers", `"mode":"rate","rates":[600],"max_concurrency":4,"slice_rate":100,"duration":"10s"`, nil, nil, "load.max_concurrency: 4 is below the 6 workers"},
		{"more workers than max_workers", `"mode":"rate","rates":[2,200000],"duration":"10s"`, nil, nil, "load.rates[1] (200000 req/s at load.slice_rate 100) needs 2000 workers at once, more than the 1000 of load.max_workers"},
		{"more workers than a level has", `"mode":"rate","rates":[2,1000000],"slice_rate":50,"max_workers":10000,"duration":"10s"`, nil, nil, "load.rates[1]: 1000000 req/s needs 20000 workers at load.slice_rate 50"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := parseSpec(t, `{"name":"r","target":{"kind":"sim"},"load":{`+tt.load+`}}`)
			p, err := plan.Make(s, "r-20261203T000000Z-0000", time.Now())
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Levels) != len(tt.workers) {
				t.Fatalf("%d levels, want %d", len(p.Levels), len(tt.workers))
			}
			for i, lv := range p.Levels {
				if lv.Mode != spec.ModeRate || lv.Index != i || lv.Seed == 0 {
					t.Errorf("level %d: mode %q index %d seed %d", i, lv.Mode, lv.Index, lv.Seed)
				}
				if len(lv.Slices) != tt.workers[i] {
					t.Errorf("level %d: %d workers, want %d", i, len(lv.Slices), tt.workers[i])
				}
				for w, sl := range lv.Slices {
					if sl.Workers != len(lv.Slices) || sl.Worker != w || sl.LevelIndex != i {
						t.Errorf("level %d slice %d: %+v", i, w, sl)
					}
				}
			}
			var caps []int
			for _, sl := range p.Levels[0].Slices {
				caps = append(caps, sl.Concurrency)
			}
			if fmt.Sprint(caps) != fmt.Sprint(tt.caps) {
				t.Errorf("caps %v, want %v", caps, tt.caps)
			}
		})
	}
}

// TestLevelSeeds: a spec's seed fixes every level's schedule; without one
// the planner draws a seed per run, so two runs of a spec differ.
func TestLevelSeeds(t *testing.T) {
	doc := func(seed string) string {
		return `{"name":"r","target":{"kind":"sim"},` + seed + `"load":{"mode":"rate","rates":[2,4],"duration":"10s"}}`
	}
	now := time.Now()
	a, _ := plan.Make(parseSpec(t, doc(`"seed":7,`)), "r-20261203T000000Z-0000", now)
	b, _ := plan.Make(parseSpec(t, doc(`"seed":7,`)), "r-20261203T000001Z-0001", now.Add(time.Second))
	if a.Levels[0].Seed != 7 || b.Levels[1].Seed != 7 {
		t.Errorf("seeded: %d %d, want 7", a.Levels[0].Seed, b.Levels[1].Seed)
	}
	c, _ := plan.Make(parseSpec(t, doc("")), "r-20261203T000000Z-0000", now)
	d, _ := plan.Make(parseSpec(t, doc("")), "r-20261203T000001Z-0001", now.Add(time.Second))
	if c.Levels[0].Seed == d.Levels[0].Seed {
		t.Errorf("unseeded runs share seed %d", c.Levels[0].Seed)
	}
}

func TestSweepPlan(t *testing.T) {
	s := parseSpec(t, `{"name":"s","target":{"kind":"sim"},"load":{"profile":"sweep","sweep_levels":3,"sweep_concurrency":16,"duration":"5s"}}`)
	p, err := plan.Make(s, "s-20261203T000000Z-0000", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Levels) != 2 || p.Levels[0].Concurrency != 1 || p.Levels[1].Concurrency != 16 || p.Levels[1].Mode != spec.ModeConcurrency {
		t.Fatalf("sweep's first levels: %+v", p.Levels)
	}
	rates, err := plan.SweepRates(2, 10, 3)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(rates) != "[4 6 8]" {
		t.Errorf("SweepRates(2, 10, 3) = %v, want [4 6 8]", rates)
	}
	if err := p.AddRates(s, rates, time.Now()); err != nil {
		t.Fatal(err)
	}
	if len(p.Levels) != 5 || p.Levels[4].Rate != 8 || p.Levels[4].Index != 4 || p.Levels[2].Mode != spec.ModeRate {
		t.Errorf("after AddRates: %+v", p.Levels)
	}
	for _, c := range []struct {
		lo, hi float64
		want   string
	}{
		{0, 10, "nothing to sweep from"},
		{5, 5, "not above the synchronous level's 5"},
		{5, 4, "not above"},
	} {
		if _, err := plan.SweepRates(c.lo, c.hi, 3); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("SweepRates(%g, %g): %v, want %q", c.lo, c.hi, err, c.want)
		}
	}
}

func TestConcurrencyRampPlan(t *testing.T) {
	s := parseSpec(t, `{"name":"c","target":{"kind":"sim"},"load":{"ramp":{"from":1,"to":50,"over":"10s"},"slice_concurrency":20,"duration":"20s"}}`)
	p, err := plan.Make(s, "c-20261203T000000Z-0000", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	lv := p.Levels[0]
	if len(p.Levels) != 1 || lv.Concurrency != 50 || lv.Ramp == nil || lv.Label() != "linear 1→50 users over 10s" {
		t.Fatalf("ramp level: %+v label %q", lv, lv.Label())
	}
	users := 0
	for _, sl := range lv.Slices {
		if sl.Users != users {
			t.Errorf("slice %d: users before %d, want %d", sl.Worker, sl.Users, users)
		}
		users += sl.Concurrency
	}
	if users != 50 {
		t.Errorf("%d users in all, want 50", users)
	}
}
