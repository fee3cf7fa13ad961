package plan_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/llmbench/llmbench/shared/plan"
)

// TestRepeatsPlanRounds: load.repeats N plans the list of levels N times
// in rounds, each run a level of its own (index, slices), tagged with its
// load point and round; in both load modes and for a ramp.
func TestRepeatsPlanRounds(t *testing.T) {
	now := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name, load string
		want       string // each level as load/point/run
	}{
		// Concurrency levels, 2 slices each for 4 and 5 streams at slice_concurrency 3.
		{"concurrency", `{"levels":[4,5],"requests":10,"slice_concurrency":3,"repeats":3}`,
			"[c4/0/1 c5/1/1 c4/0/2 c5/1/2 c4/0/3 c5/1/3]"},
		{"rate", `{"rates":[2,0.5],"duration":"10s","repeats":2}`,
			"[r2/0/1 r0.5/1/1 r2/0/2 r0.5/1/2]"},
		{"ramp", `{"ramp":{"from":1,"to":4,"over":"5s"},"duration":"10s","repeats":2}`,
			"[c4/0/1 c4/0/2]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := parseSpec(t, `{"name":"rep","target":{"kind":"sim"},"load":`+tt.load+`}`)
			p, err := plan.Make(s, "rep-20261123T000000Z-0000", now)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for i, l := range p.Levels {
				if l.Index != i {
					t.Errorf("level %d has index %d", i, l.Index)
				}
				for _, sl := range l.Slices {
					if sl.LevelIndex != i {
						t.Errorf("level %d: slice %d says level index %d", i, sl.Worker, sl.LevelIndex)
					}
				}
				if l.Repeat == nil {
					t.Fatalf("level %d has no repeat", i)
				}
				load := fmt.Sprintf("c%d", l.Concurrency)
				if l.Mode == "rate" {
					load = fmt.Sprintf("r%g", l.Rate)
				}
				if l.Repeat.Of != s.Load.RepeatCount() {
					t.Errorf("level %d: of %d", i, l.Repeat.Of)
				}
				got = append(got, fmt.Sprintf("%s/%d/%d", load, l.Repeat.Point, l.Repeat.Run))
			}
			if g := fmt.Sprint(got); g != tt.want {
				t.Errorf("levels %s, want %s", g, tt.want)
			}
			// Each round's levels are planned as one run's: same slices, same seed.
			once := *s
			once.Load.Repeats = nil
			single, err := plan.Make(&once, "rep-20261123T000000Z-0000", now)
			if err != nil {
				t.Fatal(err)
			}
			if single.Seed != p.Seed {
				t.Errorf("seed %d, one round's %d", p.Seed, single.Seed)
			}
			for i, l := range p.Levels {
				want := single.Levels[l.Repeat.Point]
				if len(l.Slices) != len(want.Slices) || l.Slices[0].Concurrency != want.Slices[0].Concurrency || l.Slices[0].Workers != want.Slices[0].Workers || l.Slices[0].Requests != want.Slices[0].Requests {
					t.Errorf("level %d: slices %+v; one round's %+v", i, l.Slices, want.Slices)
				}
			}
		})
	}
}

// TestNoRepeatsNoTag: without load.repeats (or with 1) plan.json is as
// it was: no repeat on any level.
func TestNoRepeatsNoTag(t *testing.T) {
	for _, load := range []string{`{"levels":[4,5],"requests":10}`, `{"levels":[4,5],"requests":10,"repeats":1}`} {
		s := parseSpec(t, `{"name":"rep","target":{"kind":"sim"},"load":`+load+`}`)
		p, err := plan.Make(s, "rep-20261123T000000Z-0000", time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Levels) != 2 || p.Levels[0].Repeat != nil || p.Levels[1].Repeat != nil {
			t.Errorf("%s: %d levels, repeats %v %v", load, len(p.Levels), p.Levels[0].Repeat, p.Levels[1].Repeat)
		}
	}
}
