package workflow

import (
	"bytes"
	"context"
	"fmt"
	"io"

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
	recs, stats, err := ReadDataset(ctx, open, d)
	if err != nil {
		return nil, fmt.Errorf("workflow: plan: %w", err)
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

// ReadDataset reads and parses a spec's dataset through open, as the
// planner does; errors name the spec's field, and the file and line.
func ReadDataset(ctx context.Context, open OpenSource, d *spec.Dataset) ([]dataset.Record, dataset.Stats, error) {
	rc, err := open(ctx, d.Path)
	if err != nil {
		return nil, dataset.Stats{}, fmt.Errorf("workload.dataset.path: %w", err)
	}
	defer rc.Close()
	recs, stats, err := dataset.Parse(rc, d.Format, d.Path, dataset.Options{})
	if err != nil {
		return nil, stats, fmt.Errorf("workload.dataset: %w", err)
	}
	return recs, stats, nil
}

// prompts are a run's dataset records, and how its requests sample them.
type prompts struct {
	recs []dataset.Record
	mode string
	seed int64
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
	return &prompts{recs: recs, mode: p.Dataset.Sample, seed: p.Seed}, nil
}

// sampler is how a level's requests pick records: record Index(k) for
// the level's k-th request.
func (ps *prompts) sampler(level int) (*dataset.Sampler, error) {
	return dataset.NewSampler(len(ps.recs), ps.mode, ps.seed, level)
}
