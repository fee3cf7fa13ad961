package workflow

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/llmbench/llmbench/shared/cost"
	"github.com/llmbench/llmbench/shared/query"
	"github.com/llmbench/llmbench/shared/spec"
	"github.com/llmbench/llmbench/shared/store"
	"github.com/llmbench/llmbench/shared/summary"
)

// OpenEngine opens a query engine over the samples of one run: DuckDB over
// the local Parquet files, or Athena over the Glue table.
type OpenEngine func(ctx context.Context, st store.Store, p *Plan) (query.Engine, func(), error)

// Render makes a run's reports from its summary: file name (report.md,
// report.html) to content. The aggregator's main and the CLI give
// report.Files; the planner and the worker, which render nothing, do not
// link the charting code.
type Render func(sum *summary.Summary, s *spec.Spec) (map[string][]byte, error)

// Aggregator turns a run's samples into summary.json and its reports.
type Aggregator struct {
	Store      store.Store
	Open       OpenEngine
	EngineName string
	Render     Render // nil: summary.json only
}

// AggregateInput names the run and what is known beside its samples.
type AggregateInput struct {
	Spec          *spec.Spec
	Plan          *Plan
	Target        string // the target's description, without secrets
	Simulated     bool
	StartedAt     time.Time
	FailedSlices  []summary.FailedSlice
	RetriedSlices []summary.RetriedSlice
	SliceWarnings []summary.SliceWarning
}

// Aggregate summarizes a run and writes runs/<id>/summary.json, the
// trend lines and the reports.
func (a *Aggregator) Aggregate(ctx context.Context, in AggregateInput) (*summary.Summary, error) {
	s, p := in.Spec, in.Plan
	eng, closeEng, err := a.Open(ctx, a.Store, p)
	if err != nil {
		return nil, fmt.Errorf("workflow: aggregate %s: %w", p.RunID, err)
	}
	defer closeEng()
	levels, err := query.Summarize(ctx, eng, p.RunID, query.SLO{TTFTMs: s.SLO.TTFTMs, TPOTMs: s.SLO.TPOTMs, E2EMs: s.SLO.E2EMs})
	if err != nil {
		return nil, fmt.Errorf("workflow: aggregate %s: %w", p.RunID, err)
	}
	for i := range levels {
		l := &levels[i]
		if c, ok := cost.PerMillionOutputTokens(s.Pricing.USDPerHour, s.Pricing.Instances, l.OutputTokenThroughput); ok {
			l.CostPer1MOutputTokensUSD = &c
		}
		if t, ok := cost.TokensPerUSDHour(s.Pricing.USDPerHour, s.Pricing.Instances, l.OutputTokenThroughput); ok {
			l.OutputTokensPerUSDHour = &t
		}
	}
	sum := &summary.Summary{
		RunID: p.RunID, Name: s.Name, Platform: s.Platform, Engine: a.EngineName,
		Simulated: in.Simulated, Target: in.Target,
		StartedAt: in.StartedAt.UTC(), FinishedAt: time.Now().UTC(),
		Definitions: Definitions, Levels: levels, FailedSlices: in.FailedSlices, RetriedSlices: in.RetriedSlices, SliceWarnings: in.SliceWarnings,
	}
	if in.Simulated {
		sum.SimProfile = s.Target.Profile
	}
	b, err := json.MarshalIndent(sum, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("workflow: encode summary: %w", err)
	}
	if err := a.Store.Put(ctx, store.RunKey(p.RunID, "summary.json"), append(b, '\n')); err != nil {
		return nil, err
	}
	if err := a.Store.Put(ctx, summary.LevelLinesKey(p.Day, p.RunID), summary.LevelLines(sum)); err != nil {
		return nil, err
	}
	if a.Render == nil {
		return sum, nil
	}
	files, err := a.Render(sum, s)
	if err != nil {
		return nil, fmt.Errorf("workflow: render reports of %s: %w", p.RunID, err)
	}
	for name, data := range files {
		if err := a.Store.Put(ctx, store.RunKey(p.RunID, name), data); err != nil {
			return nil, err
		}
	}
	return sum, nil
}

// Definitions is written into every summary.json and the README.
var Definitions = summary.Definitions{
	TTFT:       "request issued -> first chunk carrying a generated token (content or reasoning; a role-only chunk is not a token)",
	ITL:        "every gap between consecutive token-bearing chunks, pooled over all ok requests of the level",
	TPOT:       "(e2e - ttft) / (output_tokens - 1), per request with at least 2 output tokens",
	E2E:        "request issued -> last token-bearing chunk",
	Window:     "first measured request issued -> last measured request ended, over all workers of the level (warm-up excluded)",
	Throughput: "output tokens (server usage when given) of ok measured requests / window",
	Percentile: "exact, linear interpolation between closest ranks (numpy default), over ok measured requests",
	Cost:       "usd_per_hour x instances / (output tok/s x 3600) x 1e6",
}
