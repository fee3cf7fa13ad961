package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/llmbench/llmbench/shared/loadgen"
	"github.com/llmbench/llmbench/shared/localrun"
	"github.com/llmbench/llmbench/shared/plan"
	"github.com/llmbench/llmbench/shared/query"
	"github.com/llmbench/llmbench/shared/query/duckdb"
	"github.com/llmbench/llmbench/shared/report"
	"github.com/llmbench/llmbench/shared/spec"
	"github.com/llmbench/llmbench/shared/store"
	"github.com/llmbench/llmbench/shared/summary"
	"github.com/llmbench/llmbench/shared/workflow"
	"github.com/llmbench/llmbench/statemachine"
)

const runHelp = `Usage: llmbench run [--out DIR] [--json] [--quiet] SPEC.json
       llmbench run --cloud --state-machine ARN [--region R] SPEC.json

Runs the benchmark a spec describes: each level in turn, either a
concurrency (virtual users keeping that many requests in flight) or a
request rate (arrivals sent on schedule, load.mode "rate"; a sweep plans
its rates from its first two levels), one sample row per request written
as Parquet; then SQL over the samples gives the summary.

Writes, under the output folder (the spec's "output", or --out):
  samples/dt=YYYY-MM-DD/run_id=ID/level=L/worker=W-part-N.parquet
                          one row per request, errors and warm-up included
                          (L: the level's index)
  runs/ID/spec.json       the spec as run (secrets stay references)
  runs/ID/plan.json       its levels and slices, run ID and seed
  runs/ID/summary.json    every figure of every level (the table below)
  runs/ID/report.md       the report, Markdown
  runs/ID/report.html     the report, one self-contained page with its
                          charts (inline SVG, no script, nothing fetched)
  runs/ID/slices/level=L/worker=W.json   each worker's record of its slice
  runs/ID/usage/STEP-N.json              what each step used (the run's bill)
  runs/ID/dataset.jsonl, tokenizer.json  copies of workload.dataset and
                          workload.tokenizer, when the spec has them
  summaries/dt=YYYY-MM-DD/run_id=ID.json one JSON line per level (trends)
  telemetry/dt=YYYY-MM-DD/run_id=ID/level=L/part-N.parquet
                          the server's metrics, with target.metrics
Parts are written every 5 s or 10,000 rows, whichever comes first, so a
killed run keeps what it measured (llmbench report summarizes it).

Prints, while it runs, a line per level on stderr, updated once a second:
requests done and in flight, ok and error counts, and the output tok/s
and TTFT p50 of the answers that ended in the last second (redrawn in place on a terminal; a line
per second in a log or pipe); then, on stdout, the summary table and
where the files are. --quiet leaves out the live lines and the run's
first line, not the summary table (--json prints summary.json instead).

With --cloud, the spec runs on the deployed state machine instead
(--state-machine ARN; the spec's output must be s3://bucket/prefix): llmbench
starts the execution, follows it, and prints the summary from S3.

Ctrl-C (or SIGTERM) once stops issuing requests and lets those in flight
finish; twice cancels them. Either way every request issued is kept and
summarized, and the exit code is 130.

Exit codes: 0 ok; 1 the run failed, or a level's error rate is above
--max-error-rate (every row and the summary are written first); 2 bad
usage or an invalid spec (nothing is run); 130 interrupted.

Options:
`

// getenver reads the environment (secrets are resolved from it).
type getenver interface{ Getenv(string) string }

func runCmd(ctx context.Context, args []string, stdout, stderr io.Writer, env getenver) error {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	out := fs.String("out", "", "output folder, overriding the spec's \"output\"")
	asJSON := fs.Bool("json", false, "print summary.json to stdout instead of the table")
	quiet := fs.Bool("quiet", false, "no live progress on stderr (the summary table still prints on stdout; --json for summary.json alone)")
	cloud := fs.Bool("cloud", false, "run on the deployed AWS state machine instead of in this process")
	stateMachine := fs.String("state-machine", "", "with --cloud: the state machine ARN")
	region := fs.String("region", "", "with --cloud: the AWS region (default: from the AWS configuration)")
	execName := fs.String("name", "", "with --cloud: the execution name (default: generated)")
	maxErrorRate := fs.Float64("max-error-rate", 1, "exit 1 (after writing every row and the summary) if a level's error rate is above this, 0 to 1; the default 1 fails only a level whose every request failed")
	pos, err := parseFlags(fs, args, stderr, runHelp)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		fmt.Fprint(stderr, runHelp)
		return usageError("run: want exactly one spec file, got %d", len(pos))
	}
	s, err := loadSpec(pos[0])
	if err != nil {
		return err
	}
	if *out != "" {
		s.Output = *out
		if err := s.Validate(); err != nil {
			return &exitError{code: 2, err: fmt.Errorf("--out: %w", err)}
		}
	}
	if *maxErrorRate < 0 || *maxErrorRate > 1 {
		return usageError("run: --max-error-rate must be between 0 and 1, got %g", *maxErrorRate)
	}
	if _, err := checkPlan(pos[0], s); err != nil {
		return err
	}
	if *cloud {
		return runCloud(ctx, s, *stateMachine, *region, *execName, *asJSON, *quiet, *maxErrorRate, stdout, stderr)
	}
	if strings.HasPrefix(s.Output, "s3://") {
		return usageError("run: output %s: a local run writes to a folder; use --cloud to run on AWS, or --out DIR", s.Output)
	}
	st, err := store.NewLocal(s.Output)
	if err != nil {
		return err
	}

	// Ctrl-C: the first stops issuing (drain), the second cancels in flight.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	drain := make(chan struct{})
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	var interrupted atomic.Bool
	go func() {
		n := 0
		for range sigs {
			n++
			interrupted.Store(true)
			if n == 1 {
				fmt.Fprintln(stderr, "\nllmbench: stopping: no new requests; waiting for those in flight (Ctrl-C again to cancel them)")
				close(drain)
			} else {
				fmt.Fprintln(stderr, "\nllmbench: cancelling requests in flight")
				cancel()
				return
			}
		}
	}()

	open, simulated, simMetrics, closeTargets, err := localTargets(ctx, s, env)
	if err != nil {
		return &exitError{code: 2, err: err}
	}
	defer closeTargets()
	// Open one client up front so that a missing secret or a bad URL fails
	// before any level starts.
	probe, err := open(ctx, s, 1)
	if err != nil {
		return &exitError{code: 2, err: err}
	}
	desc := describe(probe, s)
	probe.Close()

	counters := liveCounters()
	ttft := new(ttftWindow)
	if !*quiet {
		open = observeTTFT(open, ttft)
	}
	openStore := func(_ context.Context, output string) (store.Store, error) {
		if output != s.Output {
			return nil, fmt.Errorf("run: unexpected output %q", output)
		}
		return st, nil
	}
	transitions := localrun.NewTransitions() // for the run's bill
	exec := &localrun.Execution{
		Definition: statemachine.Definition,
		Vars:       statemachine.LocalVars(),
		Steps: localrun.Steps{
			Planner: workflow.NewPlanner(openStore, openSource, 0),
			Worker: workflow.NewWorker(openStore, open, workflow.WorkerConfig{
				StartMargin: 100 * time.Millisecond, Counters: counters, Drain: drain, SimMetricsURL: simMetrics,
			}),
			Sweeper: workflow.NewSweeper(openStore, duckDBOver),
			Aggregator: workflow.NewAggregator(openStore, duckDBOver, "duckdb", workflow.AggregatorConfig{
				Render: report.Files, Simulated: simulated, Describe: func(*spec.Spec) string { return desc },
				Transitions: transitions,
			}),
		},
		MapRunFiles: workflow.NewMapRunFiles(openStore),
	}
	exec.Transitions = transitions
	if !*quiet {
		pr := newProgress(stderr, s, counters, ttft)
		exec.Observer, exec.OnPlan = pr.observe, pr.planned
	}
	input, err := json.Marshal(s)
	if err != nil {
		return err
	}
	res, runErr := exec.Run(ctx, "local", input)
	var verdict error
	if res != nil {
		b, err := st.Get(context.WithoutCancel(ctx), res.Summary)
		if err != nil {
			return err
		}
		var sum summary.Summary
		if err := json.Unmarshal(b, &sum); err != nil {
			return err
		}
		if *asJSON {
			if _, err := stdout.Write(b); err != nil {
				return err
			}
		} else {
			fmt.Fprintln(stdout)
			if err := report.Table(stdout, &sum); err != nil {
				return err
			}
			day := sum.StartedAt.UTC().Format(plan.DayLayout)
			fmt.Fprintf(stdout, "\nsamples:  %s\nsummary:  %s\nreport:   %s\n          %s\n",
				st.Path(store.RunSamplesPrefix(day, res.RunID)),
				st.Path(res.Summary), st.Path(store.RunKey(res.RunID, store.ReportMD)), st.Path(store.RunKey(res.RunID, store.ReportHTML)))
		}
		verdict = errorBudget(&sum, *maxErrorRate)
	}
	if interrupted.Load() {
		return &exitError{code: 130, err: fmt.Errorf("interrupted; the summary covers every request issued before the stop")}
	}
	if runErr != nil {
		return runErr
	}
	return verdict
}

// describe names the target for reports, without secrets.
func describe(d workflow.Doer, s *spec.Spec) string {
	if s.Target.Profile != "" {
		return fmt.Sprintf("simulated %s server (profile %s, in-process)", s.Target.Kind, s.Target.Profile) + viaProxy(s)
	}
	if ds, ok := d.(interface{ Describe() string }); ok {
		return ds.Describe()
	}
	return s.Target.Kind + " " + s.Target.URL
}

// liveCounters gives each level its shared progress counters.
func liveCounters() func(level int) *loadgen.Counters {
	var mu sync.Mutex
	m := map[int]*loadgen.Counters{}
	return func(level int) *loadgen.Counters {
		mu.Lock()
		defer mu.Unlock()
		if m[level] == nil {
			m[level] = new(loadgen.Counters)
		}
		return m[level]
	}
}

// duckDBOver opens DuckDB over the run's Parquet files in a local store.
func duckDBOver(ctx context.Context, s store.Store, p *plan.Plan) (query.Engine, func(), error) {
	st, ok := s.(*store.Local)
	if !ok {
		return nil, nil, fmt.Errorf("run: DuckDB reads local folders only")
	}
	db, err := duckdb.OpenRun(ctx, st, p.Day, p.RunID)
	if err != nil {
		return nil, nil, err
	}
	return db, func() { db.Close() }, nil
}
