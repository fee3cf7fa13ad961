package workflow

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/llmbench/llmbench/shared/cost"
	"github.com/llmbench/llmbench/shared/plan"
	"github.com/llmbench/llmbench/shared/query"
	"github.com/llmbench/llmbench/shared/spec"
	"github.com/llmbench/llmbench/shared/store"
	"github.com/llmbench/llmbench/shared/summary"
	"github.com/llmbench/llmbench/shared/telemetry"
)

// OpenEngine opens a query engine over the samples of one run: DuckDB over
// the local Parquet files, or Athena over the Glue table.
type OpenEngine func(ctx context.Context, st store.Store, p *plan.Plan) (query.Engine, func(), error)

// Render makes a run's reports from its summary: file name (report.md,
// report.html) to content. The aggregator's main and the CLI give
// report.Files; the planner and the worker, which render nothing, do not
// link the charting code.
type Render func(sum *summary.Summary, s *spec.Spec) (map[string][]byte, error)

// AggregatorConfig is what an Aggregator may be given beyond its
// dependencies.
type AggregatorConfig struct {
	// Render makes the reports; nil writes summary.json and the trend
	// lines only.
	Render Render
	// Simulated marks summaries of runs against the simulated server.
	Simulated bool
	// Describe names the target for the summary, without secrets; nil
	// gives the target's kind.
	Describe func(s *spec.Spec) string
	// Transitions counts the execution's state transitions for the
	// run's bill; nil leaves them out of it (and says so).
	Transitions TransitionCounter
}

// Aggregator is the Aggregate step: it turns a run's samples into
// summary.json, the trend lines and the reports.
type Aggregator struct {
	metering
	runs       runs
	engine     OpenEngine
	engineName string
	cfg        AggregatorConfig
}

// NewAggregator returns the Aggregate step, querying the samples through
// the engines engine opens (engineName, "duckdb" or "athena", is written
// into the summary).
func NewAggregator(open OpenStore, engine OpenEngine, engineName string, cfg AggregatorConfig) *Aggregator {
	return &Aggregator{runs: runs{open: meteredStore(open)}, engine: meteredEngine(engine), engineName: engineName, cfg: cfg}
}

// LateSliceMs is how late after its level's start instant a slice may
// arrive before the summary warns about it.
const LateSliceMs = 1000

// Aggregate summarizes the run's samples and writes summary.json and the
// reports. Slices the state machine caught as failed are listed, as are
// slices that needed more than one attempt.
func (a *Aggregator) Aggregate(ctx context.Context, ev AggregateEvent) (*AggregateOutput, error) {
	out, _, err := a.Summarize(ctx, ev)
	return out, err
}

// Summarize is Aggregate that also returns the summary it wrote (the
// aggregator's main emits metrics from it).
func (a *Aggregator) Summarize(ctx context.Context, ev AggregateEvent) (*AggregateOutput, *summary.Summary, error) {
	ctx, m := a.begin(ctx, StepAggregator)
	defer a.recordUsage(ctx, m, a.runs.open, ev.Output, ev.RunID, nil, nil)
	r, err := a.runs.get(ctx, "aggregate", ev.RunID, ev.Output, len(ev.Earlier)+len(ev.Levels))
	if err != nil {
		return nil, nil, err
	}
	var failed []summary.FailedSlice
	fs, thresholds, err := failures(ctx, r, ev)
	if err != nil {
		return nil, nil, err
	}
	for _, f := range fs {
		failed = append(failed, summary.FailedSlice{Level: f.LevelIndex, Worker: f.Worker, Error: f.Error, Cause: strings.TrimSpace(f.Cause), Round: f.Round})
	}
	sort.SliceStable(failed, func(i, j int) bool { // a level's rounds' outcomes come keyed by round
		a, b := failed[i], failed[j]
		return a.Level < b.Level || a.Level == b.Level && (a.Round < b.Round || a.Round == b.Round && a.Worker < b.Worker)
	})
	notes, err := sliceNotes(ctx, r)
	if err != nil {
		return nil, nil, err
	}
	notes.thresholds = thresholds
	var later []summary.UnfinishedSlice
	if notes.gaps, later, err = roundNotes(ctx, r); err != nil {
		return nil, nil, err
	}
	notes.unfinished = append(notes.unfinished, later...)
	if ev.SweepError != nil {
		notes.sweepError = ev.SweepError.Message()
	}
	notes.execution = ev.Execution
	sum, err := a.summarize(ctx, r, failed, notes)
	if err != nil && len(failed) > 0 {
		// Nothing to summarize, say, because every slice failed: say why.
		f := failed[0]
		return nil, nil, fmt.Errorf("%w (%d slices failed; the first, level %d worker %d: %s: %s)", err, len(failed), f.Level, f.Worker, f.Error, f.Cause)
	}
	if err != nil {
		return nil, nil, err
	}
	out := &AggregateOutput{RunID: ev.RunID, Summary: store.SummaryKey(ev.RunID), Levels: len(sum.Levels), FailedSlice: len(failed)}
	for _, l := range sum.Levels {
		out.Requests += l.Requests
		out.Errors += l.Errors
	}
	out.AllFailedLevels = len(sum.AllFailed)
	return out, sum, nil
}

// failures lists the slices whose child executions failed (or were
// stopped) in the levels' map runs, from the ResultWriter's files in the
// store, and the levels whose slices Map failed past
// load.tolerated_failure_percent, by index.
func failures(ctx context.Context, r *run, ev AggregateEvent) ([]SliceFailure, map[int]*summary.SliceThreshold, error) {
	var out []SliceFailure
	thresholds := map[int]*summary.SliceThreshold{}
	for _, lvl := range append(append([]LevelOutcome{}, ev.Earlier...), ev.Levels...) {
		fs, err := failedSlices(ctx, r.st, ev.RunID, lvl.LevelIndex)
		if err != nil {
			return nil, nil, err
		}
		out = append(out, fs...)
		round, f := lvl.ThresholdExceeded()
		if f == nil {
			continue
		}
		t := &summary.SliceThreshold{Failed: len(fs), Round: round, Error: f.Error, Cause: f.Cause}
		if lvl.LevelIndex >= 0 && lvl.LevelIndex < len(r.plan.Levels) {
			pl := r.plan.Levels[lvl.LevelIndex]
			t.Slices, t.TolerancePercent = len(pl.Slices), pl.ToleratedFailurePercent
		}
		thresholds[lvl.LevelIndex] = t
	}
	return out, thresholds, nil
}

// notes is what the slice records say beside the samples.
type notes struct {
	retried    []summary.RetriedSlice
	warnings   []summary.SliceWarning
	unfinished []summary.UnfinishedSlice
	sweepError string
	execution  string                    // the execution's ARN: its transitions are billed
	skews      skews                     // the slices' start skews (skew.go)
	gaps       map[int]*summary.RoundGap // levels in rounds: the gaps between them (rounds.go)
	// starts are the levels' common start instants, by index, from the
	// slice records that give one (timeline.go).
	starts map[int]time.Time
	// thresholds are the levels past load.tolerated_failure_percent, by
	// index (maprun.go).
	thresholds map[int]*summary.SliceThreshold
	// scrapes are the levels' scrapes of the server (telemetry.go).
	scrapes map[int]*telemetry.Result
}

// sliceNotes reads every slice record of the run: the slices that needed
// more than one attempt, those that started late or stopped early, and
// those that never recorded their end. A missing record is a slice that
// never started; any other store error fails the step, since dropping the
// notes would hide a retry, a late start or an incomplete run.
func sliceNotes(ctx context.Context, r *run) (notes, error) {
	var n notes
	for _, l := range r.plan.Levels {
		for _, sl := range l.Slices {
			key := store.SliceRecordKey(r.plan.RunID, sl.LevelIndex, sl.Worker)
			b, err := r.st.Get(ctx, key)
			if errors.Is(err, store.ErrNotFound) {
				n.unfinished = append(n.unfinished, summary.UnfinishedSlice{Level: sl.LevelIndex, Worker: sl.Worker})
				continue
			}
			if err != nil {
				return n, fmt.Errorf("workflow: aggregate: slice record %s: %w", key, err)
			}
			var rec SliceRecord
			if err := json.Unmarshal(b, &rec); err != nil {
				n.warnings = append(n.warnings, summary.SliceWarning{Level: sl.LevelIndex, Worker: sl.Worker, StoppedEarly: "unknown: its slice record is unreadable (" + err.Error() + ")"})
				n.unfinished = append(n.unfinished, summary.UnfinishedSlice{Level: sl.LevelIndex, Worker: sl.Worker, Started: true})
				continue
			}
			if !rec.Done {
				n.unfinished = append(n.unfinished, summary.UnfinishedSlice{Level: sl.LevelIndex, Worker: sl.Worker, Started: true, Rows: rec.Requests})
			}
			if rec.Attempt > 1 {
				n.retried = append(n.retried, summary.RetriedSlice{Level: sl.LevelIndex, Worker: sl.Worker, Attempts: rec.Attempt, DiscardedParts: rec.DiscardedParts})
			}
			n.skews.add(sl.LevelIndex, sl.Worker, rec.SliceResult)
			n.addScrape(sl.LevelIndex, rec.Telemetry)
			n.addStart(sl.LevelIndex, rec.LevelStart)
			if rec.LateMs > LateSliceMs || rec.Drained != "" {
				w := summary.SliceWarning{Level: sl.LevelIndex, Worker: sl.Worker, StoppedEarly: rec.Drained}
				if rec.LateMs > LateSliceMs {
					w.LateMs = rec.LateMs
				}
				n.warnings = append(n.warnings, w)
			}
		}
	}
	return n, nil
}

// summarize runs the summary SQL, prices the levels, and writes
// summary.json, the trend lines and the reports.
func (a *Aggregator) summarize(ctx context.Context, r *run, failed []summary.FailedSlice, n notes) (*summary.Summary, error) {
	s, p := r.spec, r.plan
	eng, closeEng, err := a.engine(ctx, r.st, p)
	if err != nil {
		return nil, fmt.Errorf("workflow: aggregate %s: %w", p.RunID, err)
	}
	defer closeEng()
	levels, err := query.Summarize(ctx, eng, p.RunID, query.SLO{TTFTMs: s.SLO.TTFTMs, TPOTMs: s.SLO.TPOTMs, E2EMs: s.SLO.E2EMs})
	if err != nil {
		return nil, fmt.Errorf("workflow: aggregate %s: %w", p.RunID, err)
	}
	series, err := query.Series(ctx, eng, p.RunID)
	if err != nil {
		return nil, fmt.Errorf("workflow: aggregate %s: %w", p.RunID, err)
	}
	var turns map[int][]summary.Turn
	if s.Workload.Session != nil { // rows of a run without sessions may predate the turn column
		if turns, err = query.Turns(ctx, eng, p.RunID); err != nil {
			return nil, fmt.Errorf("workflow: aggregate %s: %w", p.RunID, err)
		}
	}
	quantiles, err := query.Quantiles(ctx, eng, p.RunID)
	if err != nil {
		return nil, fmt.Errorf("workflow: aggregate %s: %w", p.RunID, err)
	}
	timeline, err := runTimeline(ctx, eng, p.RunID, levels, n.starts)
	if err != nil {
		return nil, fmt.Errorf("workflow: aggregate %s: %w", p.RunID, err)
	}
	var servers map[int]*summary.Server
	if s.Target.Metrics != nil {
		if servers, err = query.Server(ctx, eng, p.RunID); err != nil {
			return nil, fmt.Errorf("workflow: aggregate %s: %w", p.RunID, err)
		}
	}
	for i := range levels {
		l := &levels[i]
		l.Series = series[l.Index]
		if s.Target.Metrics != nil {
			l.Server = serverOf(servers[l.Index], n.scrapes[l.Index], levelRounds(p, l.Index))
		}
		l.Quantiles = quantiles[l.Index]
		l.Turns = turns[l.Index]
		l.RoundGapMs = n.gaps[l.Index]
		l.SlicesFailed = n.thresholds[l.Index]
		if l.Index >= 0 && l.Index < len(p.Levels) {
			if pl := p.Levels[l.Index]; pl.Ramp != nil {
				l.Ramp = pl.Label()
			}
		}
		if c, ok := cost.PerMillionOutputTokens(s.Pricing.USDPerHour, s.Pricing.Instances, l.OutputTokenThroughput); ok {
			l.CostPer1MOutputTokensUSD = &c
		}
		if t, ok := cost.TokensPerUSDHour(s.Pricing.USDPerHour, s.Pricing.Instances, l.OutputTokenThroughput); ok {
			l.OutputTokensPerUSDHour = &t
		}
	}
	desc := s.Target.Kind
	if a.cfg.Describe != nil {
		desc = a.cfg.Describe(s)
	}
	sum := &summary.Summary{
		RunID: p.RunID, Name: s.Name, Platform: s.Platform, Engine: a.engineName,
		Simulated: a.cfg.Simulated, Target: desc,
		StartedAt: p.CreatedAt.UTC(), FinishedAt: time.Now().UTC(),
		Definitions: Definitions, Levels: levels, FailedSlices: failed, RetriedSlices: n.retried, SliceWarnings: n.warnings,
		Unfinished: n.unfinished, SweepError: n.sweepError, Seed: p.Seed,
		MaxWorkers: s.Load.WorkerLimit(),
	}
	sum.SliceWarnings = n.skews.apply(sum.Levels, sum.SliceWarnings)
	sum.Timeline = timeline
	if s.Search != nil {
		// A failed search step is the capacity's stop, not a sweep's.
		sum.Capacity, sum.SweepError = capacity(s, p, levels, n.sweepError), ""
	}
	if d := p.Dataset; d != nil {
		sum.Dataset = &summary.Dataset{Source: d.Source, Format: d.Format, Sample: d.Sample, Records: d.Records, Skipped: d.Skipped, SkippedReasons: d.SkippedReasons}
	}
	if a.cfg.Simulated {
		sum.SimProfile = s.Target.Profile
	}
	sum.Repeats = markRepeats(p, sum.Levels)
	for _, l := range levels {
		if l.Requests > 0 && l.OK == 0 {
			sum.AllFailed = append(sum.AllFailed, l.Index)
		}
	}
	// The run's own bill, with the uploads that follow: this summary,
	// the trend lines and the reports.
	sum.BenchmarkCost = a.bill(ctx, r, n.execution, 2+a.reportUploads())
	if err := putJSON(ctx, r.st, store.SummaryKey(p.RunID), sum); err != nil {
		return nil, err
	}
	if err := r.st.Put(ctx, store.LevelLinesKey(p.Day, p.RunID), summary.LevelLines(sum)); err != nil {
		return nil, err
	}
	if a.cfg.Render == nil {
		return sum, nil
	}
	files, err := a.cfg.Render(sum, s)
	if err != nil {
		return nil, fmt.Errorf("workflow: render reports of %s: %w", p.RunID, err)
	}
	if files, err = a.reprice(ctx, r, sum, n.execution, files); err != nil {
		return nil, err
	}
	for name, data := range files {
		if err := r.st.Put(ctx, store.RunKey(p.RunID, name), data); err != nil {
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
	OpenLoop: "mode rate: not_sent arrivals count as requests and errors but widen no window; scheduled/achieved request rate = (n - 1) / span of the measured arrivals' intended / send instants; " +
		"send lag = send - intended over sent requests; queue = the part of it waiting for a max_concurrency slot",
	Turns: "workload.session: figures by turn of the conversations, over measured requests; a turn's input tokens include the history it resends " +
		"(earlier prompts and the server's actual answers); a conversation ends after its turns or at its first failed turn",
	TailAll: "ttft_all_ms, tpot_all_ms, itl_all_ms, e2e_all_ms: the percentiles with every failed measured request (not_sent included) counted as infinitely slow; " +
		"a percentile or mean that reaches a failure is null; itl_all adds one infinite gap per failed request to every gap received",
	SLOAttainment: "ok measured requests meeting every slo limit / all measured requests, errors and not_sent included (without an slo: ok / measured)",
	Capacity: "search: the highest load whose level met every search.slo criterion (p95s over ok measured requests, error rate over measured requests, " +
		"goodput ratio = requests meeting slo / measured requests) below the lowest failing one; doubling from min, then bisection to the precision",
	Server: "server (target.metrics): the server's Prometheus gauges scraped by one worker of the level every interval after the warm-up; per scrape " +
		"running and waiting = the sum of vllm:num_requests_running / vllm:num_requests_waiting over their series, kv_cache = the mean of vllm:kv_cache_usage_perc " +
		"(or vllm:gpu_cache_usage_perc), 0 to 1; then their mean and max over the scrapes",
	StartSkew: "start_skew_ms: per slice, its first request's send (warm-up included) minus the instant it was due, over the level's slices; " +
		"in a steady concurrency level every first request is due at the level's common start instant (slices Map entered + the start margin)",
}
