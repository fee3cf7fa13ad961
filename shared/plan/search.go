package plan

import (
	"fmt"
	"time"

	"github.com/llmbench/llmbench/shared/search"
	"github.com/llmbench/llmbench/shared/spec"
)

// SearchConfig is the search of a validated spec with a search.
func SearchConfig(s *spec.Spec) search.Config {
	se := s.Search
	return search.Config{Integer: se.Over == spec.SearchConcurrency, Min: se.Min, Max: se.Max, Precision: se.PrecisionOr0(), MaxLevels: se.MaxLevels}
}

// AddLoad appends a level at load, a search's next: load virtual users
// (search over concurrency) or requests per second (over rate).
func (p *Plan) AddLoad(s *spec.Spec, load float64, now time.Time) error {
	if s.Search != nil && s.Search.Over == spec.SearchRate {
		return p.AddRates(s, []float64{load}, now)
	}
	return p.addConcurrency(s, int(load), nil)
}

// makeSearch plans a search's first level, at search.min, after checking
// that its highest load can be planned and that its longest course stays
// within the execution history Step Functions keeps.
func (p *Plan) makeSearch(s *spec.Spec, now time.Time) error {
	se := s.Search
	scratch := &Plan{RunID: p.RunID, Output: p.Output, Day: p.Day, Seed: p.Seed}
	if err := scratch.AddLoad(s, se.Max, now); err != nil {
		return fmt.Errorf("plan: search.max: %w", err)
	}
	slices := len(scratch.Levels[0].Slices)
	trials := SearchConfig(s).MaxTrials()
	batches := make([][]int, trials+1) // one level per search step, then the last step's empty batch
	for i := range trials {
		batches[i] = []int{slices}
	}
	if n := HistoryEvents(batches, trials, true); n > MaxHistoryEvents {
		return fmt.Errorf("plan: search: up to %d levels of up to %d slices could write %d execution history events, more than Step Functions' %d: lower search.max_levels or search.max, or raise load.slice_concurrency (or load.slice_rate)",
			trials, slices, n, MaxHistoryEvents)
	}
	return p.AddLoad(s, se.Min, now)
}

// MaxHistoryEvents is Step Functions' limit on one execution's history.
const MaxHistoryEvents = 25_000

// The events statemachine/benchmark.asl.json writes, as Step Functions
// counts them (sfnlocal.History): a Lambda task is Entered, Scheduled,
// Started, Succeeded, Exited; a Map is Entered, Started, Succeeded,
// Exited, and each iteration Started and Succeeded; a Pass or a Choice
// is Entered and Exited. A test runs the definition and checks the count.
const (
	taskEvents      = 5
	mapEvents       = 4
	iterationEvents = 2
	passEvents      = 2
	choiceEvents    = 2
	executionEvents = 2
	// The slices Map is a Distributed Map: in the parent's history it is
	// Entered, Started, MapRunStarted, MapRunSucceeded, Succeeded, Exited
	// (past its tolerated failures MapRunFailed, MapStateFailed and,
	// caught, Exited), whatever its slices: each slice is a child
	// execution with a history of its own (ChildHistoryEvents).
	distributedMapEvents = 6
	// Retries: TaskFailed, TaskScheduled, TaskStarted per retry, up to the
	// definition's MaxAttempts (6 for the steps, 4 for a worker).
	retryEvents   = 3
	stepRetries   = 6
	workerRetries = 4
)

// HistoryEvents is the number of history events of an execution of the
// definition: batches are the visits of its Levels Map (the planner's
// levels, then each sweep or search step's), each the slice counts of its
// levels (of one round each); steps the sweep or search steps that ran
// between them. worst adds every retry the definition allows and a
// failure of every slice: a bound no execution of that shape exceeds.
func HistoryEvents(batches [][]int, steps int, worst bool) int {
	shapes := make([][]Shape, len(batches))
	for i, b := range batches {
		for _, slices := range b {
			shapes[i] = append(shapes[i], Shape{Slices: slices, Rounds: 1})
		}
	}
	return HistoryEventsOf(shapes, steps, worst)
}

// ChildHistoryEvents is the number of history events of one slice's child
// execution of the slices Map: ExecutionStarted, the Work task, and its
// end (7); worst adds every retry the definition allows a worker (4, 3
// events each). Far below the limit whatever the level.
func ChildHistoryEvents(worst bool) int {
	n := executionEvents + taskEvents
	if worst {
		n += workerRetries * retryEvents
	}
	return n
}

// Shape is a level as the history sees it: its slices and its rounds.
type Shape struct{ Slices, Rounds int }

// HistoryEventsOf is HistoryEvents of levels of any number of rounds: a
// level's iteration runs its Workers Pass, then per round the Slices Map,
// the Round Pass and the MoreRounds Choice, then the LevelDone Pass.
func HistoryEventsOf(batches [][]Shape, steps int, worst bool) int {
	n := executionEvents + taskEvents /* Plan */ + taskEvents /* Aggregate */ + steps*taskEvents
	for _, b := range batches {
		n += mapEvents + choiceEvents
		for _, lv := range b {
			n += iterationEvents + passEvents /* Workers */ + passEvents /* LevelDone */
			n += max(lv.Rounds, 1) * (distributedMapEvents /* Slices */ + passEvents /* Round */ + choiceEvents /* MoreRounds */)
		}
	}
	if worst {
		n += (2 + steps) * stepRetries * retryEvents
	}
	return n
}
