package workflow

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/llmbench/llmbench/shared/loadgen"
	"github.com/llmbench/llmbench/shared/spec"
	"github.com/llmbench/llmbench/shared/summary"
)

// Observer hears about a run's progress. All methods may be nil-safe no-ops.
type Observer interface {
	Planned(p *Plan)
	LevelStarted(l PlanLevel, c *loadgen.Counters)
	LevelDone(l PlanLevel, results []*SliceResult)
}

// Local runs a whole benchmark in this process: plan, each level's slices
// at once (levels one after another), then the aggregate.
type Local struct {
	Worker     *Worker
	Aggregator *Aggregator
	Observer   Observer
	Target     string // description of the target, for the summary
	Simulated  bool
	// StartMargin is how far ahead of now a level's common start instant is
	// set, so that every slice is ready when it comes.
	StartMargin time.Duration
}

// Run executes the spec and returns its summary. Interrupted runs still
// aggregate what was measured.
func (l *Local) Run(ctx context.Context, s *spec.Spec, runID string) (*summary.Summary, *Plan, error) {
	started := time.Now()
	p, err := MakePlan(s, runID, started)
	if err != nil {
		return nil, nil, err
	}
	if err := SavePlan(ctx, l.Worker.Store, s, p); err != nil {
		return nil, p, err
	}
	if l.Observer != nil {
		l.Observer.Planned(p)
	}
	counters := map[int]*loadgen.Counters{}
	var cmu sync.Mutex
	l.Worker.Counters = func(level int) *loadgen.Counters {
		cmu.Lock()
		defer cmu.Unlock()
		if counters[level] == nil {
			counters[level] = new(loadgen.Counters)
		}
		return counters[level]
	}

	var failed []summary.FailedSlice
	for i, lv := range p.Levels {
		if ctx.Err() != nil || closed(l.Worker.Drain) {
			break
		}
		if i > 0 && s.Load.Cooldown.D() > 0 {
			select {
			case <-time.After(s.Load.Cooldown.D()):
			case <-ctx.Done():
			}
		}
		start := time.Now().Add(l.StartMargin)
		if l.Observer != nil {
			l.Observer.LevelStarted(lv, l.Worker.Counters(lv.Concurrency))
		}
		results := make([]*SliceResult, len(lv.Slices))
		errs := make([]error, len(lv.Slices))
		var wg sync.WaitGroup
		for j, sl := range lv.Slices {
			sl.Start = start
			wg.Add(1)
			go func() {
				defer wg.Done()
				results[j], errs[j] = l.Worker.WorkSlice(ctx, sl)
			}()
		}
		wg.Wait()
		for j, err := range errs {
			if err != nil {
				failed = append(failed, summary.FailedSlice{Level: lv.Concurrency, Worker: lv.Slices[j].Worker, Error: err.Error()})
			}
		}
		if l.Observer != nil {
			l.Observer.LevelDone(lv, results)
		}
	}
	// Aggregate even after an interruption: what was measured is kept.
	sum, err := l.Aggregator.Aggregate(context.WithoutCancel(ctx), AggregateInput{
		Spec: s, Plan: p, Target: l.Target, Simulated: l.Simulated, StartedAt: started, FailedSlices: failed,
	})
	if err != nil {
		return nil, p, err
	}
	if len(failed) > 0 {
		return sum, p, fmt.Errorf("workflow: %d slice(s) failed; the summary covers the rest", len(failed))
	}
	return sum, p, nil
}

func closed(ch <-chan struct{}) bool {
	if ch == nil {
		return false
	}
	select {
	case <-ch:
		return true
	default:
		return false
	}
}
