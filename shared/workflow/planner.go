package workflow

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/llmbench/llmbench/shared/plan"
	"github.com/llmbench/llmbench/shared/spec"
	"github.com/llmbench/llmbench/shared/store"
)

// Planner is the Plan step: it validates the spec, gives the run its id,
// writes spec.json and plan.json, and returns the levels for the state
// machine.
type Planner struct {
	metering
	open     OpenStore
	source   OpenSource
	maxLevel time.Duration
	// maxWorkers is the Lambda concurrency quota the deployment states
	// (0: none stated): load.max_workers when the spec gives none.
	maxWorkers int
}

// WithMaxWorkers sets the Lambda concurrency quota the deployment states
// (Terraform's lambda_concurrency_quota): a spec without load.max_workers
// is planned against it. n <= 0 leaves spec.DefaultMaxWorkers.
func (p *Planner) WithMaxWorkers(n int) *Planner {
	p.maxWorkers = max(n, 0)
	return p
}

// NewPlanner returns the Plan step. source opens the datasets specs name
// (nil: a spec with a dataset fails to plan). maxLevel, if positive, is
// the longest one worker invocation runs a level (plan.MaxLevelIn of the
// worker's configured timeout and start margin in AWS): a longer level
// runs as consecutive rounds (plan's rounds.go); 0 means no bound.
func NewPlanner(open OpenStore, source OpenSource, maxLevel time.Duration) *Planner {
	return &Planner{open: meteredStore(open), source: meteredSource(source), maxLevel: maxLevel}
}

// Plan plans the run the event's spec describes.
func (p *Planner) Plan(ctx context.Context, ev PlanEvent) (*PlanOutput, error) {
	ctx, m := p.begin(ctx, StepPlanner)
	if len(ev.Spec) == 0 {
		return nil, errors.New("workflow: plan: the event has no spec (start the execution with the run spec as input)")
	}
	sp, err := spec.Parse(bytes.NewReader(ev.Spec))
	if err != nil {
		return nil, err
	}
	if sp.Load.MaxWorkers == 0 && p.maxWorkers > 0 {
		sp.Load.MaxWorkers = min(p.maxWorkers, spec.MaxMaxWorkers)
	}
	st, err := p.open(ctx, sp.Output)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	pl, err := plan.MakeIn(sp, plan.NewRunID(sp.Name, now), now, p.maxLevel)
	if err != nil {
		return nil, fmt.Errorf("workflow: %w", err)
	}
	if sp.Workload.Tokenizer != "" {
		if err := copyTokenizer(ctx, p.source, st, sp, pl.RunID); err != nil {
			return nil, err
		}
		pl.Tokenizer = sp.Workload.Tokenizer
	}
	if sp.Workload.Prompts == spec.PromptsDataset {
		if pl.Dataset, err = copyDataset(ctx, p.source, st, sp, pl.RunID); err != nil {
			return nil, err
		}
	}
	if err := plan.Save(ctx, st, sp, pl); err != nil {
		return nil, err
	}
	_ = m.finish(ctx, st, pl.RunID, nil, nil) // best effort: the bill lacks a record it cannot read
	levels, err := steps(ctx, st, pl.RunID, pl.Levels)
	if err != nil {
		return nil, err
	}
	out := &PlanOutput{RunID: pl.RunID, Output: sp.Output, Levels: levels, Next: sp.Load.Profile == spec.ProfileSweep || sp.Search != nil, Done: []LevelOutcome{}}
	return out, nil
}

// steps are the levels as the state machine iterates them; their slice
// lists are written to st for the slices Map's ItemReader.
func steps(ctx context.Context, st store.Store, runID string, levels []plan.Level) ([]LevelStep, error) {
	if err := writeItems(ctx, st, runID, levels); err != nil {
		return nil, err
	}
	out := []LevelStep{}
	for _, l := range levels {
		s := LevelStep{Index: l.Index, Concurrency: l.Concurrency, Rate: l.Rate, Rounds: l.RoundCount(),
			Slices: len(l.Slices), ToleratedFailurePercent: l.ToleratedFailurePercent}
		if len(l.Slices) > 0 {
			s.Results = resultsLocation(l.Slices[0].Output, l.Slices[0].RunID, l.Index)
			s.Items = ItemsLocation{Bucket: s.Results.Bucket, Key: s.Results.Prefix + "/" + store.MapRunItemsFile}
		}
		out = append(out, s)
	}
	return out, nil
}
