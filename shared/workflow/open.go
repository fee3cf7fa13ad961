package workflow

import (
	"context"
	"fmt"
	"sync"

	"github.com/llmbench/llmbench/shared/plan"
	"github.com/llmbench/llmbench/shared/sample"
	"github.com/llmbench/llmbench/shared/spec"
	"github.com/llmbench/llmbench/shared/store"
	"github.com/llmbench/llmbench/shared/target"
)

// OpenStore opens the store an output URL names (a folder, s3://…).
type OpenStore func(ctx context.Context, output string) (store.Store, error)

// Doer sends one request to a target and measures it. Close releases its
// connections once the slice is done.
type Doer interface {
	Do(ctx context.Context, req target.Request) *sample.Result
	Close()
}

// OpenTarget builds the client for a spec's target, sized for maxConns
// streams at once.
type OpenTarget func(ctx context.Context, s *spec.Spec, maxConns int) (Doer, error)

// ByKind opens targets with the opener registered for the spec's target
// kind: the composition roots register what their process can reach.
func ByKind(openers map[string]OpenTarget) OpenTarget {
	return func(ctx context.Context, s *spec.Spec, maxConns int) (Doer, error) {
		open, ok := openers[s.Target.Kind]
		if !ok {
			return nil, fmt.Errorf("workflow: target kind %q cannot be reached from here", s.Target.Kind)
		}
		return open(ctx, s, maxConns)
	}
}

// runs opens the store of a run an event names and reads its spec and
// plan, once per process (a Lambda execution environment serves many
// slices of one run).
type runs struct {
	open  OpenStore
	mu    sync.Mutex
	cache map[string]*run
}

// run is a run's store, spec and plan, and its dataset's records when
// its prompts come from one.
type run struct {
	st      store.Store
	spec    *spec.Spec
	plan    *plan.Plan
	prompts *prompts
	tokens  *counter // the spec's tokenizer, nil without one
}

// get returns the run, from the cache when its plan has at least
// levels levels: a sweep step appends levels to the stored plan after
// the process cached it.
func (r *runs) get(ctx context.Context, op, runID, output string, levels int) (*run, error) {
	if !plan.ValidRunID(runID) {
		return nil, fmt.Errorf("workflow: %s: bad run id %q", op, runID)
	}
	st, err := r.open(ctx, output)
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if c, ok := r.cache[runID]; ok && len(c.plan.Levels) >= levels {
		chargeCached(ctx, c)
		return &run{st: st, spec: c.spec, plan: c.plan, prompts: c.prompts, tokens: c.tokens}, nil
	}
	sp, p, err := plan.Load(ctx, st, runID)
	if err != nil {
		return nil, fmt.Errorf("workflow: %s: %w", op, err)
	}
	var ps *prompts
	if op == "work" && p.Dataset != nil {
		if ps, err = loadPrompts(ctx, st, p); err != nil {
			return nil, fmt.Errorf("workflow: %s: %w", op, err)
		}
	}
	var tc *counter
	if op == "work" && p.Tokenizer != "" {
		if tc, err = loadTokenizer(ctx, st, p); err != nil {
			return nil, fmt.Errorf("workflow: %s: %w", op, err)
		}
	}
	if r.cache == nil {
		r.cache = map[string]*run{}
	}
	c := &run{st: st, spec: sp, plan: p, prompts: ps, tokens: tc}
	r.cache[runID] = c
	return c, nil
}
