package workflow

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"sync"

	"github.com/llmbench/llmbench/shared/dataset"
	"github.com/llmbench/llmbench/shared/plan"
	"github.com/llmbench/llmbench/shared/spec"
	"github.com/llmbench/llmbench/shared/store"
)

// OpenSource opens the dataset a spec names (workload.dataset.path): a
// local file for the CLI, an s3://bucket/key object for both.
type OpenSource func(ctx context.Context, path string) (io.ReadCloser, error)

// copyDataset reads the spec's dataset once, normalizes it, and writes it
// into the run (runs/<id>/dataset.jsonl), where every worker reads it:
// nothing of it passes through the state machine. A dataset that cannot be
// read, a malformed record (named by file and line) or one with no usable
// record fails the plan, before any load is sent.
func copyDataset(ctx context.Context, open OpenSource, st store.Store, s *spec.Spec, runID string) (*plan.Dataset, error) {
	d := s.Workload.Dataset
	if open == nil {
		return nil, fmt.Errorf("workflow: plan: workload.dataset.path %q: this planner reads no dataset", d.Path)
	}
	rc, err := open(ctx, d.Path)
	if err != nil {
		return nil, fmt.Errorf("workflow: plan: workload.dataset.path: %w", err)
	}
	defer rc.Close()
	recs, stats, err := dataset.Parse(rc, d.Format, d.Path, dataset.Options{})
	if err != nil {
		return nil, fmt.Errorf("workflow: plan: workload.dataset: %w", err)
	}
	var b bytes.Buffer
	if err := dataset.WriteJSONL(&b, recs); err != nil {
		return nil, fmt.Errorf("workflow: plan: workload.dataset: %w", err)
	}
	if err := st.Put(ctx, store.RunKey(runID, store.DatasetFile), b.Bytes()); err != nil {
		return nil, err
	}
	return &plan.Dataset{Source: d.Path, Format: d.Format, Sample: d.Sample, Records: len(recs),
		Skipped: stats.Skipped, SkippedReasons: stats.SkippedReasons}, nil
}

// prompts are a run's dataset records as a worker picks them: record
// Sampler(level).Index(k) for the level's k-th request.
type prompts struct {
	recs []dataset.Record
	mode string
	seed int64

	mu       sync.Mutex
	samplers map[int]*dataset.Sampler
}

// loadPrompts reads the run's dataset.jsonl.
func loadPrompts(ctx context.Context, st store.Store, p *plan.Plan) (*prompts, error) {
	key := store.RunKey(p.RunID, store.DatasetFile)
	b, err := st.Get(ctx, key)
	if err != nil {
		return nil, fmt.Errorf("workflow: the run's dataset: %w", err)
	}
	recs, err := dataset.ReadJSONL(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("workflow: %s: %w", key, err)
	}
	if len(recs) == 0 {
		return nil, fmt.Errorf("workflow: %s: no record", key)
	}
	return &prompts{recs: recs, mode: p.Dataset.Sample, seed: p.Seed, samplers: map[int]*dataset.Sampler{}}, nil
}

// pick returns the record of a level's k-th request.
func (ps *prompts) pick(level int, k int64) (dataset.Record, error) {
	ps.mu.Lock()
	sm, ok := ps.samplers[level]
	if !ok {
		var err error
		if sm, err = dataset.NewSampler(len(ps.recs), ps.mode, ps.seed, level); err != nil {
			ps.mu.Unlock()
			return dataset.Record{}, err
		}
		ps.samplers[level] = sm
	}
	ps.mu.Unlock()
	return ps.recs[sm.Index(k)], nil
}
