package plan

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	"github.com/llmbench/llmbench/shared/spec"
	"github.com/llmbench/llmbench/shared/store"
)

// Save writes the spec and the plan under runs/<run_id>/.
func Save(ctx context.Context, st store.Store, s *spec.Spec, p *Plan) error {
	for name, v := range map[string]any{store.SpecFile: s, store.PlanFile: p} {
		b, err := json.MarshalIndent(v, "", "  ")
		if err != nil {
			return fmt.Errorf("plan: encode %s: %w", name, err)
		}
		if err := st.Put(ctx, store.RunKey(p.RunID, name), append(b, '\n')); err != nil {
			return err
		}
	}
	return nil
}

// SavePlan rewrites runs/<run_id>/plan.json alone (a sweep's step adds
// levels; the spec does not change).
func SavePlan(ctx context.Context, st store.Store, p *Plan) error {
	b, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return fmt.Errorf("plan: encode %s: %w", store.PlanFile, err)
	}
	return st.Put(ctx, store.RunKey(p.RunID, store.PlanFile), append(b, '\n'))
}

// Load reads a run's spec and plan back from the store.
func Load(ctx context.Context, st store.Store, runID string) (*spec.Spec, *Plan, error) {
	if !ValidRunID(runID) {
		return nil, nil, fmt.Errorf("plan: load: bad run id %q", runID)
	}
	b, err := st.Get(ctx, store.RunKey(runID, store.SpecFile))
	if err != nil {
		return nil, nil, fmt.Errorf("plan: load spec of %s: %w", runID, err)
	}
	sp, err := spec.Parse(bytes.NewReader(b))
	if err != nil {
		return nil, nil, fmt.Errorf("plan: stored spec of %s: %w", runID, err)
	}
	b, err = st.Get(ctx, store.RunKey(runID, store.PlanFile))
	if err != nil {
		return nil, nil, fmt.Errorf("plan: load plan of %s: %w", runID, err)
	}
	var p Plan
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return nil, nil, fmt.Errorf("plan: stored plan of %s: %w", runID, err)
	}
	return sp, &p, nil
}
