package workflow

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"

	"github.com/llmbench/llmbench/shared/plan"
	"github.com/llmbench/llmbench/shared/spec"
	"github.com/llmbench/llmbench/shared/store"
	"github.com/llmbench/llmbench/shared/tokenize"
	"github.com/llmbench/llmbench/shared/workload"
)

// copyTokenizer reads the spec's tokenizer.json once, checks that it
// loads, and stores it in the run (runs/<id>/tokenizer.json) for the
// workers: a file that does not parse fails the plan, before any load.
func copyTokenizer(ctx context.Context, open OpenSource, st store.Store, s *spec.Spec, runID string) error {
	path := s.Workload.Tokenizer
	if open == nil {
		return fmt.Errorf("workflow: plan: workload.tokenizer %q: this planner reads no file", path)
	}
	rc, err := open(ctx, path)
	if err != nil {
		return fmt.Errorf("workflow: plan: workload.tokenizer: %w", err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		return fmt.Errorf("workflow: plan: workload.tokenizer %s: %w", path, err)
	}
	if _, err := tokenize.Load(bytes.NewReader(b)); err != nil {
		return fmt.Errorf("workflow: plan: workload.tokenizer %s: %w", path, err)
	}
	return st.Put(ctx, store.RunKey(runID, store.TokenizerFile), b)
}

// counter counts and makes prompts in tokens of the run's tokenizer.
type counter struct {
	tok *tokenize.Tokenizer
	pr  *tokenize.Prompter
}

// loadTokenizer reads the run's tokenizer.json.
func loadTokenizer(ctx context.Context, st store.Store, p *plan.Plan) (*counter, error) {
	key := store.RunKey(p.RunID, store.TokenizerFile)
	b, err := st.Get(ctx, key)
	if err != nil {
		return nil, fmt.Errorf("workflow: the run's tokenizer: %w", err)
	}
	tok, err := tokenize.Load(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("workflow: %s: %w", key, err)
	}
	pr, err := tokenize.NewPrompter(tok, workload.Words())
	if err != nil {
		return nil, fmt.Errorf("workflow: %s: %w", key, err)
	}
	return &counter{tok: tok, pr: pr}, nil
}

// prompt is a synthetic prompt of exactly n tokens, a pure function of
// (seed, level, worker, seq, n).
func (c *counter) prompt(seed int64, level, worker int, seq int64, n int) (string, error) {
	rng := rand.New(rand.NewPCG(uint64(seed)^uint64(level)<<40^uint64(worker)<<20, uint64(seq)^0x746f6b656e))
	return c.pr.Prompt(n, rng)
}
