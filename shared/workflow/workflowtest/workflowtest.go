// Package workflowtest builds the three workflow steps over a local store,
// the simulated LLM server and DuckDB, for the tests of the packages that
// run them (workflow, localrun, the CLI). It is linked by tests only.
package workflowtest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"testing"
	"time"

	"github.com/llmbench/llmbench/shared/plan"
	"github.com/llmbench/llmbench/shared/query"
	"github.com/llmbench/llmbench/shared/query/duckdb"
	"github.com/llmbench/llmbench/shared/report"
	"github.com/llmbench/llmbench/shared/sample"
	"github.com/llmbench/llmbench/shared/simllm"
	"github.com/llmbench/llmbench/shared/spec"
	"github.com/llmbench/llmbench/shared/store"
	"github.com/llmbench/llmbench/shared/summary"
	"github.com/llmbench/llmbench/shared/target/openai"
	"github.com/llmbench/llmbench/shared/workflow"
)

// Env is a run's environment: a store in a temporary folder, the steps
// writing to it, and the spec with its output set to the folder.
type Env struct {
	Store      *store.Local
	Planner    *workflow.Planner
	Worker     *workflow.Worker
	Sweeper    *workflow.Sweeper
	Aggregator *workflow.Aggregator
	// MapRunFiles serves the slices Map's ItemReader and ResultWriter
	// from and into Store.
	MapRunFiles *workflow.MapRunFiles
	Spec        *spec.Spec
	Input       []byte // the spec as the execution's input
}

// Options tune an Env.
type Options struct {
	// BaseURL, if set, replaces the spec's target URL (a simulated server).
	BaseURL     string
	StartMargin time.Duration // default 20 ms
	PartRows    int           // default 5
}

// New builds an Env for the spec doc.
func New(t testing.TB, doc string, o Options) *Env {
	t.Helper()
	st, err := store.NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	s := ParseSpec(t, doc)
	s.Output = st.Root()
	input, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	if o.StartMargin == 0 {
		o.StartMargin = 20 * time.Millisecond
	}
	if o.PartRows == 0 {
		o.PartRows = 5
	}
	open := func(context.Context, string) (store.Store, error) { return st, nil }
	return &Env{
		Store:       st,
		Spec:        s,
		Input:       input,
		Planner:     workflow.NewPlanner(open, Files, 0),
		Worker:      workflow.NewWorker(open, OpenAI(o.BaseURL), workflow.WorkerConfig{StartMargin: o.StartMargin, PartRows: o.PartRows}),
		Sweeper:     workflow.NewSweeper(open, DuckDB),
		Aggregator:  workflow.NewAggregator(open, DuckDB, "duckdb", workflow.AggregatorConfig{Render: report.Files}),
		MapRunFiles: workflow.NewMapRunFiles(open),
	}
}

// Sim starts a fixed-profile simulated server (TTFT 5 ms, ITL 1 ms) with
// the options given, closed when the test ends.
func Sim(t testing.TB, o simllm.Options) *simllm.Running {
	t.Helper()
	if o.Profile.Name == "" {
		p, err := simllm.LookupProfile("fixed")
		if err != nil {
			t.Fatal(err)
		}
		p.TTFT, p.ITL = 5*time.Millisecond, time.Millisecond
		o.Profile = p
	}
	sim, err := simllm.Start(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sim.Close)
	return sim
}

// Files opens a spec's dataset as a local file.
func Files(_ context.Context, path string) (io.ReadCloser, error) { return os.Open(path) }

// OpenAI opens OpenAI-compatible targets without auth; baseURL, if set,
// replaces the spec's URL.
func OpenAI(baseURL string) workflow.OpenTarget {
	return func(ctx context.Context, s *spec.Spec, maxConns int) (workflow.Doer, error) {
		return openai.FromSpec(ctx, s, openai.FromSpecOptions{BaseURL: baseURL, MaxConns: maxConns})
	}
}

// DuckDB opens DuckDB over a local store's sample files of a run.
func DuckDB(ctx context.Context, s store.Store, p *plan.Plan) (query.Engine, func(), error) {
	db, err := duckdb.OpenRun(ctx, s.(*store.Local), p.Day, p.RunID)
	if err != nil {
		return nil, nil, err
	}
	return db, func() { db.Close() }, nil
}

// ParseSpec parses and validates a spec.
func ParseSpec(t testing.TB, doc string) *spec.Spec {
	t.Helper()
	s, err := spec.Parse(bytes.NewBufferString(doc))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// ReadRows reads every Parquet file of a run back.
func ReadRows(t testing.TB, st *store.Local, runID string) []sample.Row {
	t.Helper()
	keys, err := st.List(context.Background(), "samples/")
	if err != nil {
		t.Fatal(err)
	}
	var rows []sample.Row
	for _, k := range keys {
		b, err := os.ReadFile(st.Path(k))
		if err != nil {
			t.Fatal(err)
		}
		rs, err := sample.ReadParquet(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			t.Fatalf("%s: %v", k, err)
		}
		for _, r := range rs {
			if r.RunID != runID {
				t.Fatalf("%s holds a row of run %s", k, r.RunID)
			}
		}
		rows = append(rows, rs...)
	}
	return rows
}

// ReadSummary reads a run's summary.json.
func ReadSummary(t testing.TB, st store.Store, runID string) *summary.Summary {
	t.Helper()
	b, err := st.Get(context.Background(), store.SummaryKey(runID))
	if err != nil {
		t.Fatal(err)
	}
	var s summary.Summary
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	return &s
}
