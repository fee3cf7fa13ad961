package workflow

import (
	"encoding/json"
	"time"

	"github.com/llmbench/llmbench/shared/telemetry"
)

// The events below are what the state machine passes between the steps.
// They stay small whatever the size of the run (a Step Functions payload
// is at most 256 KiB): the spec and the plan travel through the store.
// events/steps/*.json are fixtures of each, as the definition sends them.

// PlanEvent is the planner's input: the run spec as the execution got it.
type PlanEvent struct {
	Spec json.RawMessage `json:"spec"`
	// Execution names the state machine execution, for the logs.
	Execution string `json:"execution,omitempty"`
}

// PlanOutput is the planner's answer: one small entry per level.
type PlanOutput struct {
	RunID  string      `json:"run_id"`
	Output string      `json:"output"`
	Levels []LevelStep `json:"levels"`
	// Next is true when the Sweep step must follow the levels, to plan
	// more from what they measured (load.profile sweep, a search): the
	// state machine's choice reads it.
	Next bool `json:"next"`
	// Done are the outcomes of levels already run: empty from the
	// planner, the earlier levels' from the Sweep step.
	Done []LevelOutcome `json:"done"`
}

// LevelStep is one level as the state machine iterates it: the slices Map
// runs the workers of the list at Items. Concurrency and Rate are there
// for people reading the execution history.
type LevelStep struct {
	Index       int     `json:"index"`
	Concurrency int     `json:"concurrency"`
	Rate        float64 `json:"rate,omitempty"`
	// Slices is the level's number of slices, the slices Map's
	// MaxConcurrency: all of them at once.
	Slices int `json:"slices"`
	// ToleratedFailurePercent is load.tolerated_failure_percent, the
	// slices Map's ToleratedFailurePercentage.
	ToleratedFailurePercent float64 `json:"tolerated_failure_percent"`
	// Results is where the slices Map's ResultWriter writes (maprun.go).
	Results ResultsLocation `json:"results"`
	// Items is the level's slice list, the slices Map's ItemReader source.
	Items ItemsLocation `json:"items"`
	// Rounds is how many times the definition runs the level's slices Map
	// in turn (its round loop): 1, or more for a level longer than one
	// worker invocation.
	Rounds int `json:"rounds"`
}

// SweepEvent is the Sweep step's input: the run, the outcomes of the
// levels just run (a sweep's synchronous and throughput level; a search's
// last level) and of those run before them.
type SweepEvent struct {
	RunID  string         `json:"run_id"`
	Output string         `json:"output"`
	Levels []LevelOutcome `json:"levels"`
	Done   []LevelOutcome `json:"done"`
}

// WorkEvent is one worker's input.
type WorkEvent struct {
	RunID      string `json:"run_id"`
	Output     string `json:"output"`
	LevelIndex int    `json:"level_index"`
	Worker     int    `json:"worker"`
	// Entered is when the level's slices Map started ($$.State.EnteredTime):
	// the same for every slice, so the level's common start instant is
	// Entered + the worker's start margin.
	Entered string `json:"entered,omitempty"`
	// Round is which of the level's rounds this is, from 0 (a level
	// longer than one worker invocation runs in rounds): each has its own
	// Entered.
	Round int `json:"round"`
}

// WorkOutput is what a worker returns (the state machine keeps none of it;
// the full record is runs/<id>/slices/level=<c>/worker=<w>.json).
type WorkOutput struct {
	Level    int  `json:"level_index"`
	Worker   int  `json:"worker"`
	Requests int  `json:"requests"`
	Errors   int  `json:"errors"`
	Replayed bool `json:"replayed,omitempty"` // an earlier attempt had finished: nothing was re-run
}

// SliceFailure is a slice whose child execution of the slices Map failed
// (its worker's error after the retries), or was aborted, as the map
// run's ResultWriter recorded it (maprun.go).
type SliceFailure struct {
	LevelIndex int    `json:"level_index"`
	Worker     int    `json:"worker"`
	Round      int    `json:"round"`
	Error      string `json:"error"`
	Cause      string `json:"cause,omitempty"`
}

// AggregateEvent is the aggregator's input: the run, and per level the
// outcome of its slices Map.
type AggregateEvent struct {
	// Execution is the execution's ARN ($$.Execution.Id), whose state
	// transitions the run's bill counts; empty leaves them out.
	Execution string         `json:"execution,omitempty"`
	RunID     string         `json:"run_id"`
	Output    string         `json:"output"`
	Levels    []LevelOutcome `json:"levels,omitempty"`
	// Earlier are the outcomes of the levels run before a sweep step
	// planned more (SweepOutput.Done); empty without a sweep.
	Earlier []LevelOutcome `json:"earlier,omitempty"`
	// SweepError is the Sweep state's failure, caught so that the levels
	// measured are still aggregated; null without one.
	SweepError *StepFailure `json:"sweep_error,omitempty"`
}

// StepFailure is a step's error as a Catch records it: the error name and
// its cause (a Lambda's error JSON).
type StepFailure struct {
	Error string `json:"Error"`
	Cause string `json:"Cause"`
}

// Message is the failure for people: the Lambda's errorMessage when the
// cause is a Lambda error, else the error and its cause.
func (f *StepFailure) Message() string {
	var le struct {
		Message string `json:"errorMessage"`
	}
	if json.Unmarshal([]byte(f.Cause), &le) == nil && le.Message != "" {
		return le.Message
	}
	if f.Cause == "" {
		return f.Error
	}
	return f.Error + ": " + f.Cause
}

// AggregateOutput is the execution's result.
type AggregateOutput struct {
	RunID       string `json:"run_id"`
	Summary     string `json:"summary"` // key of summary.json
	Levels      int    `json:"levels"`
	Requests    int    `json:"requests"`
	Errors      int    `json:"errors"`
	FailedSlice int    `json:"failed_slices"`
	// AllFailedLevels counts the levels whose every measured request
	// failed (summary.json's all_failed_levels names them).
	AllFailedLevels int `json:"all_failed_levels"`
}

// SliceRecord is a worker's record of its slice in the store: written when
// it starts (Done false) and when it ends. A retried worker finds it and
// knows an attempt came before.
type SliceRecord struct {
	SliceResult
	Attempt  int       `json:"attempt"`
	Done     bool      `json:"done"`
	Started  time.Time `json:"started"`
	Finished time.Time `json:"finished,omitempty"`
	// DiscardedParts are part files of an interrupted earlier attempt,
	// deleted before this attempt ran so that no row is counted twice.
	DiscardedParts int `json:"discarded_parts,omitempty"`
	// Unreadable is set when the record an earlier attempt left could not
	// be decoded: that attempt is treated as interrupted.
	Unreadable string `json:"unreadable,omitempty"`
	// Carry is what the round leaves the slice's next round (a level in
	// rounds, rounds.go); CarryLost says why this round could not continue
	// its previous round's virtual users, when it could not.
	Carry     *RoundCarry `json:"carry,omitempty"`
	CarryLost string      `json:"carry_lost,omitempty"`
}

// SliceResult is what a worker measured of its slice.
type SliceResult struct {
	Level    int      `json:"level_index"` // the level's index
	Worker   int      `json:"worker"`
	Requests int      `json:"requests"` // rows written, warm-up included: every request issued
	Warmup   int      `json:"warmup"`
	Errors   int      `json:"errors"`
	Parts    int      `json:"parts"`
	LateMs   float64  `json:"late_ms"`           // how late the worker arrived after the level's start instant
	Drained  string   `json:"drained,omitempty"` // why issuing stopped early, if it did
	Keys     []string `json:"-"`                 // part keys, for tests and logs
	// FirstSendMs is when the slice's first request went out (its earliest
	// send, warm-up included, not_sent arrivals excluded) and
	// FirstIntendedMs when that request was due, both in ms after the
	// level's common start instant; nil when the slice sent nothing. Their
	// difference is the slice's start skew (skew.go).
	FirstSendMs     *float64 `json:"first_send_ms,omitempty"`
	FirstIntendedMs *float64 `json:"first_intended_ms,omitempty"`
	// Telemetry is what the scrapes of the server's metrics gave
	// (target.metrics): set in the record of the level's scraping slice.
	Telemetry *telemetry.Result `json:"telemetry,omitempty"`
	// Round is the level's round the record is of (rounds.go), SeqBase
	// the seq of its first request; FirstSendAt and LastEndAt (wall
	// clock, UTC) are its first send and the end of its last request: the
	// gap between two rounds of a slice is round r+1's FirstSendAt minus
	// round r's LastEndAt. Set in a level of more than one round.
	Round       int        `json:"round,omitempty"`
	SeqBase     int64      `json:"seq_base,omitempty"`
	FirstSendAt *time.Time `json:"first_send_at,omitempty"`
	LastEndAt   *time.Time `json:"last_end_at,omitempty"`
	// LevelStart is the level's common start instant (wall clock, UTC),
	// from which the slice's rows measure start_ms and end_ms: the
	// aggregator places the levels on the run's timeline with it.
	LevelStart *time.Time `json:"level_start,omitempty"`
}
