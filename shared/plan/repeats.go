package plan

import (
	"fmt"
	"time"

	"github.com/llmbench/llmbench/shared/spec"
)

// Repeat says which run of which load point a level is, in a run with
// load.repeats N > 1.
//
// The levels run in rounds: the spec's whole list of levels once, then
// again, N times (6, 12, 24, 6, 12, 24, …), not each level N times back to
// back. A drift of the endpoint over the run (a cache filling, an
// autoscaler, a neighbour's load) then falls on every load point alike and
// shows in each point's spread, instead of biasing the points that happen
// to run late; and each repeat starts from the state the other points
// left, as a separate run of the benchmark would. Every run is its own
// level, with its own index: its own rows, slices, prompts and (mode rate)
// arrival schedule, all of which mix in the index.
type Repeat struct {
	// Point is the load point's place in the spec's list (load.levels or
	// load.rates; 0 for a ramp), from 0: the same in every round.
	Point int `json:"point"`
	// Run is the round, from 1, of Of.
	Run int `json:"run"`
	Of  int `json:"of"`
}

// addRounds plans n rounds of the spec's levels, each as Make plans them
// once, numbered on from the previous round.
func (p *Plan) addRounds(s *spec.Spec, n int, runID string, now time.Time) error {
	once := *s
	once.Load.Repeats = nil
	round, err := makeLevels(&once, runID, now, time.Duration(p.RoundLimitMs)*time.Millisecond)
	if err != nil {
		return err
	}
	if round.Seed != p.Seed {
		return fmt.Errorf("plan: a round of load.repeats drew seed %d, the run %d", round.Seed, p.Seed)
	}
	for run := 1; run <= n; run++ {
		for point, lv := range round.Levels {
			i := len(p.Levels)
			lv.Index = i
			lv.Repeat = &Repeat{Point: point, Run: run, Of: n}
			lv.Slices = append([]Slice(nil), lv.Slices...)
			for w := range lv.Slices {
				lv.Slices[w].LevelIndex = i
			}
			p.add(lv)
		}
	}
	return nil
}
