package workflow

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/llmbench/llmbench/shared/loadgen"
	"github.com/llmbench/llmbench/shared/spec"
	"github.com/llmbench/llmbench/shared/store"
	"github.com/llmbench/llmbench/shared/summary"
)

// The events below are what the state machine passes between the steps.
// They stay small whatever the size of the run (a Step Functions payload
// is at most 256 KiB): the spec and the plan travel through the store.

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
}

// LevelStep is one level as the state machine iterates it: the slices Map
// runs workers 0..LastWorker (States.ArrayRange).
type LevelStep struct {
	Index       int `json:"index"`
	Concurrency int `json:"concurrency"`
	LastWorker  int `json:"last_worker"`
}

// WorkEvent is one worker's input.
type WorkEvent struct {
	RunID      string `json:"run_id"`
	Output     string `json:"output"`
	LevelIndex int    `json:"level_index"`
	Worker     int    `json:"worker"`
	// Entered is when the level's slices Map started ($$.State.EnteredTime):
	// the same for every slice, so the level's common start instant is
	// Entered + StartMargin.
	Entered string `json:"entered,omitempty"`
}

// WorkOutput is what a worker returns (the state machine drops it; the
// full record is runs/<id>/slices/level=<c>/worker=<w>.json).
type WorkOutput struct {
	Level    int  `json:"level"`
	Worker   int  `json:"worker"`
	Requests int  `json:"requests"`
	Errors   int  `json:"errors"`
	Replayed bool `json:"replayed,omitempty"` // an earlier attempt had finished: nothing was re-run
}

// SliceFailure is a slice the state machine caught as failed.
type SliceFailure struct {
	LevelIndex int    `json:"level_index"`
	Worker     int    `json:"worker"`
	Error      string `json:"error"`
	Cause      string `json:"cause,omitempty"`
}

// AggregateEvent is the aggregator's input: the run, and per level the
// outcome of each slice (an empty object for a success).
type AggregateEvent struct {
	RunID  string             `json:"run_id"`
	Output string             `json:"output"`
	Levels [][]map[string]any `json:"levels,omitempty"`
	Failed []SliceFailure     `json:"failed,omitempty"`
}

// AggregateOutput is the execution's result.
type AggregateOutput struct {
	RunID       string `json:"run_id"`
	Summary     string `json:"summary"` // key of summary.json
	Levels      int    `json:"levels"`
	Requests    int    `json:"requests"`
	Errors      int    `json:"errors"`
	FailedSlice int    `json:"failed_slices"`
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
}

// SliceRecordKey is the key of a slice's record.
func SliceRecordKey(runID string, level, worker int) string {
	return store.RunKey(runID, fmt.Sprintf("slices/level=%d/worker=%d.json", level, worker))
}

// LateSliceMs is how late after its level's start instant a slice may
// arrive before the summary warns about it.
const LateSliceMs = 1000

// Steps runs the three steps with their dependencies. The Lambda functions
// and the CLI each build one.
type Steps struct {
	// OpenStore opens the store an output URL names (a folder, s3://…).
	OpenStore  func(ctx context.Context, output string) (store.Store, error)
	OpenTarget OpenTarget
	OpenEngine OpenEngine
	EngineName string
	// Render makes the reports (report.Files); nil writes summary.json only.
	Render Render
	// StartMargin is added to a level's Entered time to give its common
	// start: long enough for every worker to be up (cold starts in AWS).
	StartMargin time.Duration
	// MaxLevel, if set, bounds a level's warm-up plus duration: in AWS a
	// level's slice is one Lambda invocation, at most 15 minutes.
	MaxLevel time.Duration
	// Simulated marks summaries of runs against the simulated server.
	Simulated bool
	// Describe names the target for the summary, without secrets.
	Describe func(s *spec.Spec) string

	// For local runs: live counters and a graceful-stop channel.
	Counters func(level int) *loadgen.Counters
	Drain    <-chan struct{}
	// PartRows bounds rows per Parquet part (0: the default).
	PartRows int
	// Now is the clock (default time.Now).
	Now func() time.Time

	mu    sync.Mutex
	cache map[string]*runFiles // spec and plan by run id, per process
}

type runFiles struct {
	spec *spec.Spec
	plan *Plan
}

func (s *Steps) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Plan validates the spec, gives the run its id, writes spec.json and
// plan.json, and returns the levels for the state machine.
func (s *Steps) Plan(ctx context.Context, ev PlanEvent) (*PlanOutput, error) {
	if len(ev.Spec) == 0 {
		return nil, errors.New("workflow: plan: the event has no spec (start the execution with the run spec as input)")
	}
	sp, err := spec.Parse(bytes.NewReader(ev.Spec))
	if err != nil {
		return nil, err
	}
	if d := sp.Load.Warmup.D() + sp.Load.Duration.D(); s.MaxLevel > 0 && d > s.MaxLevel {
		return nil, fmt.Errorf("workflow: plan: load.warmup + load.duration is %v, above the %v a worker can run in one Lambda invocation", d, s.MaxLevel)
	}
	st, err := s.OpenStore(ctx, sp.Output)
	if err != nil {
		return nil, err
	}
	now := s.now()
	p, err := MakePlan(sp, NewRunID(sp.Name, now), now)
	if err != nil {
		return nil, err
	}
	if err := SavePlan(ctx, st, sp, p); err != nil {
		return nil, err
	}
	out := &PlanOutput{RunID: p.RunID, Output: sp.Output}
	for _, l := range p.Levels {
		out.Levels = append(out.Levels, LevelStep{Index: l.Index, Concurrency: l.Concurrency, LastWorker: len(l.Slices) - 1})
	}
	return out, nil
}

// openRun opens the store of a run named in an event, with its spec and plan.
func (s *Steps) openRun(ctx context.Context, op, runID, output string) (store.Store, *runFiles, error) {
	if !ValidRunID(runID) {
		return nil, nil, fmt.Errorf("workflow: %s: bad run id %q", op, runID)
	}
	st, err := s.OpenStore(ctx, output)
	if err != nil {
		return nil, nil, err
	}
	rf, err := s.load(ctx, st, runID)
	if err != nil {
		return nil, nil, err
	}
	return st, rf, nil
}

// load reads a run's spec and plan from the store, once per process.
func (s *Steps) load(ctx context.Context, st store.Store, runID string) (*runFiles, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if rf, ok := s.cache[runID]; ok {
		return rf, nil
	}
	b, err := st.Get(ctx, store.RunKey(runID, "spec.json"))
	if err != nil {
		return nil, fmt.Errorf("workflow: load spec of %s: %w", runID, err)
	}
	sp, err := spec.Parse(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("workflow: stored spec of %s: %w", runID, err)
	}
	b, err = st.Get(ctx, store.RunKey(runID, "plan.json"))
	if err != nil {
		return nil, fmt.Errorf("workflow: load plan of %s: %w", runID, err)
	}
	var p Plan
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, fmt.Errorf("workflow: stored plan of %s: %w", runID, err)
	}
	if s.cache == nil {
		s.cache = map[string]*runFiles{}
	}
	rf := &runFiles{spec: sp, plan: &p}
	s.cache[runID] = rf
	return rf, nil
}

// Work runs one slice. It is idempotent: a slice whose record says done
// returns that record without sending a request; a slice retried after an
// interrupted attempt deletes that attempt's parts first, so the retried
// slice's rows are never counted twice.
func (s *Steps) Work(ctx context.Context, ev WorkEvent) (*WorkOutput, error) {
	st, rf, err := s.openRun(ctx, "work", ev.RunID, ev.Output)
	if err != nil {
		return nil, err
	}
	if ev.LevelIndex < 0 || ev.LevelIndex >= len(rf.plan.Levels) {
		return nil, fmt.Errorf("workflow: work: level index %d out of range (plan has %d levels)", ev.LevelIndex, len(rf.plan.Levels))
	}
	lv := rf.plan.Levels[ev.LevelIndex]
	if ev.Worker < 0 || ev.Worker >= len(lv.Slices) {
		return nil, fmt.Errorf("workflow: work: worker %d out of range (level %d has %d slices)", ev.Worker, lv.Concurrency, len(lv.Slices))
	}
	sl := lv.Slices[ev.Worker]

	recKey := SliceRecordKey(ev.RunID, sl.Level, sl.Worker)
	rec := SliceRecord{Started: s.now().UTC(), Attempt: 1}
	if b, err := st.Get(ctx, recKey); err == nil {
		var prev SliceRecord
		if json.Unmarshal(b, &prev) == nil {
			if prev.Done {
				return &WorkOutput{Level: sl.Level, Worker: sl.Worker, Requests: prev.Requests, Errors: prev.Errors, Replayed: true}, nil
			}
			rec.Attempt = prev.Attempt + 1
		}
	} else if !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	if rec.Attempt > 1 {
		// An earlier attempt was killed mid-slice: drop its parts.
		day, _ := time.Parse("2006-01-02", sl.Day)
		prefix := store.SamplePrefix(day, sl.RunID, sl.Level) + fmt.Sprintf("worker=%d-part-", sl.Worker)
		keys, err := st.List(ctx, prefix)
		if err != nil {
			return nil, err
		}
		for _, k := range keys {
			if err := st.Delete(ctx, k); err != nil {
				return nil, err
			}
		}
		rec.DiscardedParts = len(keys)
	}
	if err := putJSON(ctx, st, recKey, rec); err != nil {
		return nil, err
	}

	if ev.Entered != "" {
		t, err := time.Parse(time.RFC3339Nano, ev.Entered)
		if err != nil {
			return nil, fmt.Errorf("workflow: work: bad entered time %q: %w", ev.Entered, err)
		}
		sl.Start = t.Add(s.StartMargin)
	}
	w := &Worker{Store: st, Open: s.OpenTarget, Spec: rf.spec, Drain: s.Drain, Counters: s.Counters, PartRows: s.PartRows}
	res, err := w.WorkSlice(ctx, sl)
	if err != nil {
		return nil, err
	}
	rec.SliceResult = *res
	rec.Done = true
	rec.Finished = s.now().UTC()
	if err := putJSON(context.WithoutCancel(ctx), st, recKey, rec); err != nil {
		return nil, err
	}
	return &WorkOutput{Level: sl.Level, Worker: sl.Worker, Requests: res.Requests, Errors: res.Errors}, nil
}

// Aggregate summarizes the run's samples and writes summary.json and the
// report. Slices the state machine caught as failed are listed, as are
// slices that needed more than one attempt.
func (s *Steps) Aggregate(ctx context.Context, ev AggregateEvent) (*AggregateOutput, error) {
	st, rf, err := s.openRun(ctx, "aggregate", ev.RunID, ev.Output)
	if err != nil {
		return nil, err
	}
	var failed []summary.FailedSlice
	for _, f := range collectFailures(ev) {
		lvl := -1
		if f.LevelIndex >= 0 && f.LevelIndex < len(rf.plan.Levels) {
			lvl = rf.plan.Levels[f.LevelIndex].Concurrency
		}
		failed = append(failed, summary.FailedSlice{Level: lvl, Worker: f.Worker, Error: f.Error, Cause: f.Cause})
	}
	var retried []summary.RetriedSlice
	var warnings []summary.SliceWarning
	for _, l := range rf.plan.Levels {
		for _, sl := range l.Slices {
			b, err := st.Get(ctx, SliceRecordKey(ev.RunID, sl.Level, sl.Worker))
			if err != nil {
				continue
			}
			var rec SliceRecord
			if json.Unmarshal(b, &rec) != nil {
				continue
			}
			if rec.Attempt > 1 {
				retried = append(retried, summary.RetriedSlice{Level: sl.Level, Worker: sl.Worker, Attempts: rec.Attempt, DiscardedParts: rec.DiscardedParts})
			}
			if rec.LateMs > LateSliceMs || rec.Drained != "" {
				w := summary.SliceWarning{Level: sl.Level, Worker: sl.Worker, StoppedEarly: rec.Drained}
				if rec.LateMs > LateSliceMs {
					w.LateMs = rec.LateMs
				}
				warnings = append(warnings, w)
			}
		}
	}
	desc := rf.spec.Target.Kind
	if s.Describe != nil {
		desc = s.Describe(rf.spec)
	}
	a := &Aggregator{Store: st, Open: s.OpenEngine, EngineName: s.EngineName, Render: s.Render}
	sum, err := a.Aggregate(ctx, AggregateInput{
		Spec: rf.spec, Plan: rf.plan, Target: desc, Simulated: s.Simulated,
		StartedAt: rf.plan.CreatedAt, FailedSlices: failed, RetriedSlices: retried, SliceWarnings: warnings,
	})
	if err != nil {
		return nil, err
	}
	out := &AggregateOutput{RunID: ev.RunID, Summary: store.RunKey(ev.RunID, "summary.json"), Levels: len(sum.Levels), FailedSlice: len(failed)}
	for _, l := range sum.Levels {
		out.Requests += l.Requests
		out.Errors += l.Errors
	}
	return out, nil
}

// collectFailures finds the caught slices in the Map results: each failed
// iteration's output is {"failed": {...}}.
func collectFailures(ev AggregateEvent) []SliceFailure {
	out := append([]SliceFailure(nil), ev.Failed...)
	for _, lvl := range ev.Levels {
		for _, it := range lvl {
			f, ok := it["failed"].(map[string]any)
			if !ok {
				continue
			}
			sf := SliceFailure{LevelIndex: -1}
			if v, ok := f["level_index"].(float64); ok {
				sf.LevelIndex = int(v)
			}
			if v, ok := f["worker"].(float64); ok {
				sf.Worker = int(v)
			}
			sf.Error, _ = f["error"].(string)
			sf.Cause, _ = f["cause"].(string)
			sf.Cause = strings.TrimSpace(sf.Cause)
			out = append(out, sf)
		}
	}
	return out
}

func putJSON(ctx context.Context, st store.Store, key string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("workflow: encode %s: %w", key, err)
	}
	return st.Put(ctx, key, append(b, '\n'))
}
