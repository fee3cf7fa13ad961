package workflow

import (
	"context"
	"fmt"
	"time"

	"github.com/llmbench/llmbench/shared/plan"
	"github.com/llmbench/llmbench/shared/query"
	"github.com/llmbench/llmbench/shared/spec"
)

// Sweeper is the Sweep step: it plans more levels from those measured.
// In a load.profile "sweep" run, from the request rates its first two
// levels measured (synchronous, then throughput) it plans
// load.sweep_levels rate levels between them; in a search, the next load
// to try (searchNext). It appends them to the stored plan and returns
// them for the state machine to run.
type Sweeper struct {
	metering
	runs   runs
	engine OpenEngine
}

// NewSweeper returns the Sweep step, measuring the first levels through
// the engines engine opens.
func NewSweeper(open OpenStore, engine OpenEngine) *Sweeper {
	return &Sweeper{runs: runs{open: meteredStore(open)}, engine: meteredEngine(engine)}
}

// Sweep plans the rate levels. It is idempotent: a plan that already has
// them (a retried step) is returned as it is.
func (sw *Sweeper) Sweep(ctx context.Context, ev SweepEvent) (*PlanOutput, error) {
	ctx, m := sw.begin(ctx, StepSweeper)
	defer sw.recordUsage(ctx, m, sw.runs.open, ev.Output, ev.RunID, nil, nil)
	r, err := sw.runs.get(ctx, "sweep", ev.RunID, ev.Output, 0)
	if err != nil {
		return nil, err
	}
	s, p := r.spec, r.plan
	if s.Search != nil {
		return sw.searchNext(ctx, r, ev)
	}
	if s.Load.Profile != spec.ProfileSweep {
		return nil, fmt.Errorf("workflow: sweep: run %s has load.profile %q and no search: nothing to plan", p.RunID, s.Load.Profile)
	}
	out := &PlanOutput{RunID: p.RunID, Output: p.Output, Done: append(append([]LevelOutcome{}, ev.Done...), ev.Levels...)}
	if out.Done == nil {
		out.Done = []LevelOutcome{}
	}
	if len(p.Levels) > 2 {
		if out.Levels, err = steps(ctx, r.st, p.RunID, p.Levels[2:]); err != nil {
			return nil, err
		}
		return out, nil
	}
	if len(p.Levels) != 2 {
		return nil, fmt.Errorf("workflow: sweep: run %s has %d levels planned, want the synchronous and the throughput level", p.RunID, len(p.Levels))
	}
	eng, closeEng, err := sw.engine(ctx, r.st, p)
	if err != nil {
		return nil, fmt.Errorf("workflow: sweep %s: %w", p.RunID, err)
	}
	defer closeEng()
	levels, err := query.Summarize(ctx, eng, p.RunID, query.SLO{})
	if err != nil {
		return nil, fmt.Errorf("workflow: sweep %s: %w", p.RunID, err)
	}
	measured := map[int]float64{}
	for _, l := range levels {
		measured[l.Index] = l.RequestThroughput
	}
	rates, err := plan.SweepRates(measured[0], measured[1], s.Load.SweepLevels)
	if err != nil {
		return nil, fmt.Errorf("workflow: sweep %s: %w", p.RunID, err)
	}
	if err := p.AddRates(s, rates, time.Now()); err != nil {
		return nil, fmt.Errorf("workflow: sweep %s: %w", p.RunID, err)
	}
	if err := plan.SavePlan(ctx, r.st, p); err != nil {
		return nil, err
	}
	if out.Levels, err = steps(ctx, r.st, p.RunID, p.Levels[2:]); err != nil {
		return nil, err
	}
	return out, nil
}
