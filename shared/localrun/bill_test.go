package localrun_test

import (
	"context"
	"encoding/json"
	"math"
	"strings"
	"sync"
	"testing"

	"github.com/llmbench/llmbench/shared/cost"
	"github.com/llmbench/llmbench/shared/localrun"
	"github.com/llmbench/llmbench/shared/report"
	"github.com/llmbench/llmbench/shared/sfnlocal"
	"github.com/llmbench/llmbench/shared/simllm"
	"github.com/llmbench/llmbench/shared/store"
	"github.com/llmbench/llmbench/shared/summary"
	"github.com/llmbench/llmbench/shared/workflow"
	"github.com/llmbench/llmbench/shared/workflow/workflowtest"
	"github.com/llmbench/llmbench/statemachine"
)

// TestBillByHand runs a small run through the definition (one level of
// two slices of one stream, four requests) and checks its
// benchmark_cost_usd against figures counted by hand from what each step
// does, at round prices given in the spec:
//
//	planner     PUT spec.json, plan.json, its usage record                 3 PUT
//	worker w    GET its slice record (none yet), spec.json, plan.json       3 GET
//	            PUT its record at the start, each part and the record after
//	            it, its record at the end, its usage record                  3 + 2·parts PUT
//	aggregator  GET spec.json, plan.json, each slice record, each usage
//	            record but its own; LIST the usage records and the level's
//	            map run folder (PUT-class); PUT summary.json, the trend
//	            lines, report.md, report.html, its usage record              2 + 2 + 3 GET, 7 PUT
//
// (The second worker finds the run in the process's cache; it is charged
// the two GETs a worker of its own would make, as in AWS.)
func TestBillByHand(t *testing.T) {
	sim := workflowtest.Sim(t, simllm.Options{})
	env := workflowtest.New(t, `{"name":"bill","target":{"kind":"sim","profile":"fixed"},
	  "workload":{"input_tokens":8,"output_tokens":4},
	  "load":{"levels":[2],"requests":4,"slice_concurrency":1},
	  "pricing":{"benchmark":{"lambda_gb_second":0.00001,"lambda_per_1m_requests":1,
	    "step_functions_per_1k_transitions":0.1,"s3_per_1k_put":0.01,"s3_per_1k_get":0.001,"athena_per_tb":8}}}`,
		workflowtest.Options{BaseURL: sim.URL, PartRows: 1000})
	open := func(context.Context, string) (store.Store, error) { return env.Store, nil }
	tr := localrun.NewTransitions()
	agg := workflow.NewAggregator(open, workflowtest.DuckDB, "duckdb", workflow.AggregatorConfig{Render: report.Files, Transitions: tr})
	exec := &localrun.Execution{Definition: statemachine.Definition, Vars: statemachine.LocalVars(),
		Steps:       localrun.Steps{Planner: env.Planner, Worker: env.Worker, Sweeper: env.Sweeper, Aggregator: agg},
		Transitions: tr, MapRunFiles: env.MapRunFiles}
	var mu sync.Mutex
	entered := map[string]int{}
	exec.Observer = func(ev sfnlocal.Event) {
		mu.Lock()
		defer mu.Unlock()
		if ev.Type == sfnlocal.StateEntered || ev.Type == sfnlocal.StateRetry {
			entered[ev.State]++
		}
	}
	ctx := context.Background()
	out, err := exec.Run(ctx, "bill", env.Input)
	if err != nil {
		t.Fatal(err)
	}
	b, err := env.Store.Get(ctx, out.Summary)
	if err != nil {
		t.Fatal(err)
	}
	var sum summary.Summary
	if err := json.Unmarshal(b, &sum); err != nil {
		t.Fatal(err)
	}
	bill := sum.BenchmarkCost
	if bill == nil {
		t.Fatal("summary.json has no benchmark_cost_usd")
	}

	// What the steps recorded.
	recs := usageRecords(t, env.Store, out.RunID)
	var planner, workers []workflow.UsageRecord
	for _, r := range recs {
		switch r.Step {
		case workflow.StepPlanner:
			planner = append(planner, r)
		case workflow.StepWorker:
			workers = append(workers, r)
		}
	}
	if len(planner) != 1 || len(workers) != 2 || len(recs) != 4 {
		t.Fatalf("usage records: %d planner, %d worker, %d in all; want 1, 2 and 4 (the aggregator's own)", len(planner), len(workers), len(recs))
	}
	parts := 0
	for w := range 2 {
		var rec workflow.SliceRecord
		rb, err := env.Store.Get(ctx, store.SliceRecordKey(out.RunID, 0, w))
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(rb, &rec); err != nil {
			t.Fatal(err)
		}
		parts += rec.Parts
	}
	if parts < 1 {
		t.Fatalf("%d parts written", parts)
	}

	// Lambda: the planner's and workers' records as billed; the
	// aggregator's share is its time until it priced the run.
	fn := map[string]cost.FunctionBill{}
	for _, f := range bill.Functions {
		fn[f.Name] = f
	}
	if f := fn["planner"]; f.MemoryMB != 256 || f.Invocations != 1 || f.BilledMs != planner[0].BilledMs {
		t.Errorf("planner %+v; want 256 MB, 1 invocation, %d ms", f, planner[0].BilledMs)
	}
	if f := fn["worker"]; f.MemoryMB != 1769 || f.Invocations != 2 || f.BilledMs != workers[0].BilledMs+workers[1].BilledMs {
		t.Errorf("worker %+v; want 1769 MB, 2 invocations, %d ms", f, workers[0].BilledMs+workers[1].BilledMs)
	}
	if f := fn["aggregator"]; f.MemoryMB != 512 || f.Invocations != 1 || f.BilledMs < 1 {
		t.Errorf("aggregator %+v; want 512 MB, 1 invocation", f)
	}
	gbs := 0.25*float64(fn["planner"].BilledMs)/1000 + 1769.0/1024*float64(fn["worker"].BilledMs)/1000 + 0.5*float64(fn["aggregator"].BilledMs)/1000
	transitions := 0
	for _, n := range entered {
		transitions += n
	}
	// Plan, Levels, Workers, Slices, Work ×2, SweepNext, Aggregate.
	if entered["Plan"] != 1 || entered["Work"] != 2 || entered["Aggregate"] != 1 {
		t.Errorf("states entered %v", entered)
	}
	athena := float64(bill.Athena.Queries) * 10 * (1 << 20) // each query at the 10 MB minimum: the run's samples are far smaller
	want := []struct {
		name     string
		quantity float64
		usd      float64
	}{
		{cost.PartLambdaGBSeconds, gbs, gbs * 0.00001},
		{cost.PartLambdaRequests, 4, 4 * 1 / 1e6},
		{cost.PartSFNTransitions, float64(transitions), float64(transitions) * 0.1 / 1000},
		{cost.PartS3Put, float64(3 + 2*3 + 2*parts + 7), float64(3+2*3+2*parts+7) * 0.01 / 1000},
		{cost.PartS3Get, 0 + 2*3 + 7, 13 * 0.001 / 1000},
		{cost.PartAthena, athena, athena * 8 / (1 << 40)},
	}
	if len(bill.Parts) != len(want) {
		t.Fatalf("parts %+v", bill.Parts)
	}
	var total float64
	for i, w := range want {
		p := bill.Parts[i]
		if p.Name != w.name || !near(p.Quantity, w.quantity) || !near(p.USD, w.usd) {
			t.Errorf("part %d: %s %v ($%v); want %s %v ($%v)", i, p.Name, p.Quantity, p.USD, w.name, w.quantity, w.usd)
		}
		total += w.usd
	}
	if !near(bill.TotalUSD, total) {
		t.Errorf("total $%v, want $%v (the parts' sum)", bill.TotalUSD, total)
	}
	if bill.Athena.Queries < 1 || !bill.Athena.Estimated {
		t.Errorf("athena %+v: want the engine's queries, estimated", bill.Athena)
	}
	if bill.Basis != "local" || !strings.Contains(bill.Label, "would have cost in AWS") {
		t.Errorf("basis %q, label %q", bill.Basis, bill.Label)
	}
	if bill.Prices.S3Per1KGet != 0.001 || !strings.Contains(bill.Prices.Source, "pricing.benchmark") {
		t.Errorf("prices %+v: want the spec's", bill.Prices)
	}
	md, err := env.Store.Get(ctx, store.RunKey(out.RunID, store.ReportMD))
	if err != nil {
		t.Fatal(err)
	}
	t.Log(report.BillLines(&sum))
	if !strings.Contains(string(md), "What the benchmark cost") {
		t.Errorf("report.md has no bill section")
	}
}

func usageRecords(t *testing.T, st store.Store, runID string) []workflow.UsageRecord {
	t.Helper()
	ctx := context.Background()
	keys, err := st.List(ctx, store.UsagePrefix(runID))
	if err != nil {
		t.Fatal(err)
	}
	var recs []workflow.UsageRecord
	for _, k := range keys {
		b, err := st.Get(ctx, k)
		if err != nil {
			t.Fatal(err)
		}
		var r workflow.UsageRecord
		if err := json.Unmarshal(b, &r); err != nil {
			t.Fatal(err)
		}
		recs = append(recs, r)
	}
	return recs
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Abs(b)+1e-15 }
