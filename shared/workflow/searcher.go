package workflow

import (
	"context"
	"fmt"
	"time"

	"github.com/llmbench/llmbench/shared/plan"
	"github.com/llmbench/llmbench/shared/query"
	"github.com/llmbench/llmbench/shared/search"
	"github.com/llmbench/llmbench/shared/summary"
)

// searchNext is the Sweep step of a run with a search: it measures the
// levels run so far, judges each against search.slo, and plans the next
// load (package search), or none when the search is done. Only the plan
// is written; the decision is a function of the stored figures, so a
// retried step decides the same, and a level planned by an earlier try
// of this step is returned as it is.
func (sw *Sweeper) searchNext(ctx context.Context, r *run, ev SweepEvent) (*PlanOutput, error) {
	s, p := r.spec, r.plan
	out := &PlanOutput{RunID: p.RunID, Output: p.Output, Done: append(append([]LevelOutcome{}, ev.Done...), ev.Levels...)}
	ran := len(out.Done)
	if len(p.Levels) > ran { // planned by an earlier try of this step
		levels, err := steps(ctx, r.st, p.RunID, p.Levels[ran:])
		if err != nil {
			return nil, err
		}
		out.Levels, out.Next = levels, true
		return out, nil
	}
	eng, closeEng, err := sw.engine(ctx, r.st, p)
	if err != nil {
		return nil, fmt.Errorf("workflow: search %s: %w", p.RunID, err)
	}
	defer closeEng()
	slo := query.SLO{TTFTMs: s.SLO.TTFTMs, TPOTMs: s.SLO.TPOTMs, E2EMs: s.SLO.E2EMs}
	levels, err := query.Summarize(ctx, eng, p.RunID, slo)
	if err != nil {
		return nil, fmt.Errorf("workflow: search %s: %w", p.RunID, err)
	}
	figures := map[int]*summary.Level{}
	for i := range levels {
		figures[levels[i].Index] = &levels[i]
	}
	d := search.Next(plan.SearchConfig(s), searchTrials(trials(s, p, ran, figures)))
	if d.Done {
		out.Levels = []LevelStep{}
		return out, nil
	}
	if err := p.AddLoad(s, d.Next, time.Now()); err != nil {
		return nil, fmt.Errorf("workflow: search %s: %w", p.RunID, err)
	}
	if err := plan.SavePlan(ctx, r.st, p); err != nil {
		return nil, err
	}
	if out.Levels, err = steps(ctx, r.st, p.RunID, p.Levels[ran:]); err != nil {
		return nil, err
	}
	out.Next = true
	return out, nil
}
