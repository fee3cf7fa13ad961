package workflow_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"github.com/llmbench/llmbench/shared/report"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambda/messages"

	"github.com/llmbench/llmbench/shared/sample"
	"github.com/llmbench/llmbench/shared/sfnlocal"
	"github.com/llmbench/llmbench/shared/simllm"
	"github.com/llmbench/llmbench/shared/spec"
	"github.com/llmbench/llmbench/shared/store"
	"github.com/llmbench/llmbench/shared/workflow"
	"github.com/llmbench/llmbench/statemachine"
)

// noSleep is a clock for Retry waits that records them instead of sleeping.
type noSleep struct {
	mu    sync.Mutex
	waits []time.Duration
}

func (c *noSleep) Now() time.Time { return time.Now() }
func (c *noSleep) Sleep(_ context.Context, d time.Duration) error {
	c.mu.Lock()
	c.waits = append(c.waits, d)
	c.mu.Unlock()
	return nil
}

type fixture struct {
	st    *store.Local
	sim   *simllm.Running
	steps *workflow.Steps
	spec  *spec.Spec
	input []byte
}

func newFixture(t *testing.T, doc string) *fixture {
	t.Helper()
	p, _ := simllm.LookupProfile("fixed")
	p.TTFT, p.ITL = 5*time.Millisecond, time.Millisecond
	sim, err := simllm.Start(simllm.Options{Profile: p})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sim.Close)
	st, err := store.NewLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	s := parseSpec(t, doc)
	s.Output = st.Root()
	input, _ := json.Marshal(s)
	return &fixture{st: st, sim: sim, spec: s, input: input, steps: &workflow.Steps{
		OpenStore:   func(context.Context, string) (store.Store, error) { return st, nil },
		OpenTarget:  workflow.OpenAIOpener(func(string) string { return "" }, sim.URL),
		OpenEngine:  duckdbEngine,
		EngineName:  "duckdb",
		Render:      report.Files,
		StartMargin: 20 * time.Millisecond,
		PartRows:    5,
	}}
}

// TestDefinitionThreeLevelsTwoSlices runs statemachine/benchmark.asl.json
// locally: 3 levels of 2 slices each against the simulated server.
func TestDefinitionThreeLevelsTwoSlices(t *testing.T) {
	f := newFixture(t, `{"name":"asl","target":{"kind":"sim","profile":"fixed"},
	  "workload":{"input_tokens":8,"output_tokens":4},
	  "load":{"levels":[4,5,6],"requests":24,"slice_concurrency":3}}`)
	var mu sync.Mutex
	entered := map[string]int{}
	exec := &workflow.Execution{Definition: statemachine.Definition, Vars: statemachine.LocalVars(), Steps: f.steps,
		Observer: func(ev sfnlocal.Event) {
			if ev.Type == sfnlocal.StateEntered {
				mu.Lock()
				entered[ev.State]++
				mu.Unlock()
			}
		}}
	out, err := exec.Run(context.Background(), "three", f.input)
	if err != nil {
		t.Fatal(err)
	}
	if entered["Plan"] != 1 || entered["Slices"] != 3 || entered["Work"] != 6 || entered["Aggregate"] != 1 || entered["SliceFailed"] != 0 {
		t.Errorf("states entered: %v; want Plan 1, Slices 3, Work 6, Aggregate 1", entered)
	}
	ctx := context.Background()
	// The plan: 3 levels of 2 slices, the VUs split evenly.
	b, err := f.st.Get(ctx, store.RunKey(out.RunID, "plan.json"))
	if err != nil {
		t.Fatal(err)
	}
	var plan workflow.Plan
	if err := json.Unmarshal(b, &plan); err != nil {
		t.Fatal(err)
	}
	for i, want := range [][]int{{2, 2}, {3, 2}, {3, 3}} {
		got := []int{}
		for _, sl := range plan.Levels[i].Slices {
			got = append(got, sl.Concurrency)
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("level %d slices %v, want %v", plan.Levels[i].Concurrency, got, want)
		}
	}
	// The Parquet keys follow the layout, one worker's parts under its level.
	keys, _ := f.st.List(ctx, "samples/")
	for _, k := range keys {
		if !strings.HasPrefix(k, "samples/dt="+plan.Day+"/run_id="+out.RunID+"/level=") || !strings.Contains(k, "/worker=") || !strings.HasSuffix(k, ".parquet") {
			t.Errorf("key %q does not follow the layout", k)
		}
	}
	rows := readRows(t, f.st, out.RunID)
	sum := readSummaryFile(t, f.st, out.RunID)
	if len(sum.Levels) != 3 {
		t.Fatalf("%d levels in the summary", len(sum.Levels))
	}
	total := 0
	for _, l := range sum.Levels {
		total += l.Requests + l.WarmupRequests
		if l.Requests != 24 || l.OK != 24 {
			t.Errorf("level %d: %d requests, %d ok; want 24", l.Concurrency, l.Requests, l.OK)
		}
	}
	if len(rows) != total || out.Requests != total {
		t.Errorf("rows %d, summary %d, execution output %d: must reconcile", len(rows), total, out.Requests)
	}
}

func readSummaryFile(t *testing.T, st *store.Local, runID string) *summaryT {
	t.Helper()
	b, err := st.Get(context.Background(), store.RunKey(runID, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	var s summaryT
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	return &s
}

// TestBrokenPathFailsLocally: a wrong ItemsPath in a copy of the definition
// fails here, naming the state, instead of first in AWS.
func TestBrokenPathFailsLocally(t *testing.T) {
	f := newFixture(t, `{"name":"broken","target":{"kind":"sim","profile":"fixed"},"load":{"levels":[2],"requests":2}}`)
	def := bytes.Replace(statemachine.Definition, []byte(`"ItemsPath": "$.workers"`), []byte(`"ItemsPath": "$.wrokers"`), 1)
	if bytes.Equal(def, statemachine.Definition) {
		t.Fatal("the definition no longer has the path this test breaks")
	}
	exec := &workflow.Execution{Definition: def, Vars: statemachine.LocalVars(), Steps: f.steps}
	_, err := exec.Run(context.Background(), "broken", f.input)
	if err == nil || !strings.Contains(err.Error(), "Slices") || !strings.Contains(err.Error(), "wrokers") {
		t.Fatalf("error %v: want one naming the state Slices and the path", err)
	}
}

// TestRetriedSliceLeavesNoDuplicates: a worker that was killed mid-slice
// left a started record and a part file; the Lambda service then fails the
// invocation, Step Functions retries it, and the retry discards the stale
// part so that no row is counted twice. The summary reports the retry.
func TestRetriedSliceLeavesNoDuplicates(t *testing.T) {
	f := newFixture(t, `{"name":"retry","target":{"kind":"sim","profile":"fixed"},
	  "workload":{"input_tokens":8,"output_tokens":4},"load":{"levels":[4],"requests":20,"slice_concurrency":2}}`)
	ctx := context.Background()
	var calls atomic.Int32
	work := f.steps.Work
	fns := f.steps.Functions()
	fns["worker"] = sfnlocal.Func(func(ctx context.Context, ev workflow.WorkEvent) (*workflow.WorkOutput, error) {
		if ev.Worker == 1 && calls.Add(1) == 1 {
			// The killed attempt: its record says started, one part is on disk.
			rec := workflow.SliceRecord{Attempt: 1, Started: time.Now()}
			b, _ := json.Marshal(rec)
			if err := f.st.Put(ctx, workflow.SliceRecordKey(ev.RunID, 4, 1), b); err != nil {
				return nil, err
			}
			var buf bytes.Buffer
			stale := make([]sample.Row, 7)
			for i := range stale {
				stale[i] = sample.Row{RunID: ev.RunID, Level: 4, Worker: 1, Seq: int64(i), Status: "ok"}
			}
			if err := sample.WriteParquet(&buf, stale); err != nil {
				return nil, err
			}
			day := time.Now().UTC()
			if err := f.st.Put(ctx, store.SampleKey(day, ev.RunID, 4, 1, 3), buf.Bytes()); err != nil {
				return nil, err
			}
			return nil, messages.InvokeResponse_Error{Type: "Lambda.ServiceException", Message: "Lambda was unable to run the function"}
		}
		return work(ctx, ev)
	})
	clock := &noSleep{}
	m, err := sfnlocal.Load(statemachine.Definition, sfnlocal.Options{Vars: statemachine.LocalVars(), Functions: fns, Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	outb, err := m.Execute(ctx, "retry", f.input)
	if err != nil {
		t.Fatal(err)
	}
	var out workflow.AggregateOutput
	json.Unmarshal(outb, &out)
	if calls.Load() != 2 || len(clock.waits) != 1 {
		t.Errorf("worker 1 ran %d times with %d retry waits; want 2 and 1", calls.Load(), len(clock.waits))
	}
	rows := readRows(t, f.st, out.RunID)
	seen := map[string]bool{}
	for _, r := range rows {
		k := fmt.Sprint(r.Worker, "/", r.Seq)
		if seen[k] {
			t.Errorf("row worker %d seq %d stored twice", r.Worker, r.Seq)
		}
		seen[k] = true
	}
	sum := readSummaryFile(t, f.st, out.RunID)
	if l := sum.Levels[0]; l.Requests != 20 || len(rows) != 20 {
		t.Errorf("summary %d requests, %d rows; want 20 and 20", l.Requests, len(rows))
	}
	if len(sum.RetriedSlices) != 1 || sum.RetriedSlices[0].Worker != 1 || sum.RetriedSlices[0].Attempts != 2 || sum.RetriedSlices[0].DiscardedParts != 1 {
		t.Errorf("retried slices %+v; want worker 1, 2 attempts, 1 discarded part", sum.RetriedSlices)
	}
}

// TestPayloadsStaySmall runs the definition with stand-in functions for 100
// levels of 40 slices and checks that no state's data comes near the
// 256 KiB Step Functions limit.
func TestPayloadsStaySmall(t *testing.T) {
	var biggest atomic.Int64
	track := func(v any) {
		b, _ := json.Marshal(v)
		for {
			n := biggest.Load()
			if int64(len(b)) <= n || biggest.CompareAndSwap(n, int64(len(b))) {
				return
			}
		}
	}
	plan := &workflow.PlanOutput{RunID: "big-20261123T000000Z-0000", Output: "s3://bucket/some/prefix"}
	for i := 0; i < 100; i++ {
		plan.Levels = append(plan.Levels, workflow.LevelStep{Index: i, Concurrency: 1000 + i, LastWorker: 39})
	}
	var works atomic.Int32
	fns := map[string]lambda.Handler{
		"planner": sfnlocal.Func(func(ctx context.Context, ev workflow.PlanEvent) (*workflow.PlanOutput, error) {
			track(ev)
			track(plan)
			return plan, nil
		}),
		"worker": sfnlocal.Func(func(ctx context.Context, ev workflow.WorkEvent) (*workflow.WorkOutput, error) {
			track(ev)
			works.Add(1)
			if ev.LevelIndex == 7 && ev.Worker == 3 {
				return nil, fmt.Errorf("endpoint exploded: %s", strings.Repeat("x", 200))
			}
			return &workflow.WorkOutput{Level: 1000 + ev.LevelIndex, Worker: ev.Worker, Requests: 123456, Errors: 12}, nil
		}),
		"aggregator": sfnlocal.Func(func(ctx context.Context, ev workflow.AggregateEvent) (*workflow.AggregateOutput, error) {
			track(ev)
			failed := 0
			for _, l := range ev.Levels {
				for _, it := range l {
					if _, ok := it["failed"]; ok {
						failed++
					}
				}
			}
			return &workflow.AggregateOutput{RunID: ev.RunID, Levels: len(ev.Levels), FailedSlice: failed}, nil
		}),
	}
	m, err := sfnlocal.Load(statemachine.Definition, sfnlocal.Options{Vars: statemachine.LocalVars(), Functions: fns, Clock: &noSleep{}})
	if err != nil {
		t.Fatal(err)
	}
	big := bytes.Repeat([]byte(" "), 0)
	input := append([]byte(`{"name":"big","target":{"kind":"openai","url":"http://127.0.0.1:1/v1","model":"m"},"load":{"levels":[1],"requests":1}}`), big...)
	out, err := m.Execute(context.Background(), "big", input)
	if err != nil {
		t.Fatalf("100 levels x 40 slices: %v", err)
	}
	var res workflow.AggregateOutput
	json.Unmarshal(out, &res)
	if works.Load() != 4000 || res.Levels != 100 || res.FailedSlice != 1 {
		t.Errorf("%d workers ran, aggregator saw %d levels and %d failed slices; want 4000, 100, 1", works.Load(), res.Levels, res.FailedSlice)
	}
	t.Logf("largest payload: %d bytes", biggest.Load())
	if biggest.Load() > 64<<10 {
		t.Errorf("largest payload %d bytes: not far below the 256 KiB limit", biggest.Load())
	}
}

// TestFailedSliceIsRecorded: a worker that fails for good (an error the
// state machine does not retry) is caught; the run still aggregates what
// the other slices measured, and the summary names the failed slice.
func TestFailedSliceIsRecorded(t *testing.T) {
	f := newFixture(t, `{"name":"fail","target":{"kind":"sim","profile":"fixed"},
	  "workload":{"input_tokens":8,"output_tokens":4},"load":{"levels":[4],"requests":20,"slice_concurrency":2}}`)
	work := f.steps.Work
	fns := f.steps.Functions()
	fns["worker"] = sfnlocal.Func(func(ctx context.Context, ev workflow.WorkEvent) (*workflow.WorkOutput, error) {
		if ev.Worker == 0 {
			return nil, fmt.Errorf("worker ran out of memory")
		}
		return work(ctx, ev)
	})
	m, err := sfnlocal.Load(statemachine.Definition, sfnlocal.Options{Vars: statemachine.LocalVars(), Functions: fns, Clock: &noSleep{}})
	if err != nil {
		t.Fatal(err)
	}
	outb, err := m.Execute(context.Background(), "fail", f.input)
	if err != nil {
		t.Fatalf("a failed slice failed the whole run: %v", err)
	}
	var out workflow.AggregateOutput
	json.Unmarshal(outb, &out)
	sum := readSummaryFile(t, f.st, out.RunID)
	if len(sum.FailedSlices) != 1 || sum.FailedSlices[0].Worker != 0 || sum.FailedSlices[0].Level != 4 ||
		!strings.Contains(sum.FailedSlices[0].Cause, "out of memory") {
		t.Errorf("failed slices %+v; want worker 0 of level 4 with its cause", sum.FailedSlices)
	}
	if l := sum.Levels[0]; l.Requests != 10 || l.OK != 10 {
		t.Errorf("the surviving slice's figures: %d requests, %d ok; want its 10", l.Requests, l.OK)
	}
}

// TestWorkerStopsBeforeDeadline: a worker whose context has a deadline (a
// Lambda's) stops issuing FlushMargin before it, lets in-flight requests
// end, and writes every row.
func TestWorkerStopsBeforeDeadline(t *testing.T) {
	f := newFixture(t, `{"name":"deadline","target":{"kind":"sim","profile":"fixed"},
	  "workload":{"input_tokens":8,"output_tokens":4},"load":{"levels":[3],"duration":"1h"}}`)
	ctx := context.Background()
	plan, err := f.steps.Plan(ctx, workflow.PlanEvent{Spec: f.input})
	if err != nil {
		t.Fatal(err)
	}
	dctx, cancel := context.WithTimeout(ctx, workflow.FlushMargin+300*time.Millisecond)
	defer cancel()
	start := time.Now()
	out, err := f.steps.Work(dctx, workflow.WorkEvent{RunID: plan.RunID, Output: plan.Output, LevelIndex: 0, Worker: 0})
	if err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Fatalf("worker ran %v: it did not stop at the flush margin", took)
	}
	b, err := f.st.Get(ctx, workflow.SliceRecordKey(plan.RunID, 3, 0))
	if err != nil {
		t.Fatal(err)
	}
	var rec workflow.SliceRecord
	json.Unmarshal(b, &rec)
	rows := readRows(t, f.st, plan.RunID)
	if !rec.Done || rec.Drained != "deadline" || out.Requests == 0 || len(rows) != out.Requests {
		t.Errorf("record done=%v drained=%q, %d requests, %d rows", rec.Done, rec.Drained, out.Requests, len(rows))
	}
	for _, r := range rows {
		if r.Status != "ok" {
			t.Errorf("a request in flight at the drain ended %s, want ok", r.Status)
		}
	}
	// The summary warns that the slice stopped early.
	if _, err := f.steps.Aggregate(ctx, workflow.AggregateEvent{RunID: plan.RunID, Output: plan.Output}); err != nil {
		t.Fatal(err)
	}
	sum := readSummaryFile(t, f.st, plan.RunID)
	if len(sum.SliceWarnings) != 1 || sum.SliceWarnings[0].StoppedEarly != "deadline" {
		t.Errorf("slice warnings %+v; want one, stopped early at the deadline", sum.SliceWarnings)
	}
}

// TestLateSliceWarned: a worker that arrives after its level's start
// instant still runs, and the summary says how late it was.
func TestLateSliceWarned(t *testing.T) {
	f := newFixture(t, `{"name":"late","target":{"kind":"sim","profile":"fixed"},
	  "workload":{"input_tokens":8,"output_tokens":4},"load":{"levels":[2],"requests":4}}`)
	ctx := context.Background()
	plan, err := f.steps.Plan(ctx, workflow.PlanEvent{Spec: f.input})
	if err != nil {
		t.Fatal(err)
	}
	entered := time.Now().Add(-3 * time.Second).UTC().Format(time.RFC3339Nano)
	out, err := f.steps.Work(ctx, workflow.WorkEvent{RunID: plan.RunID, Output: plan.Output, Entered: entered})
	if err != nil || out.Requests != 4 {
		t.Fatalf("late worker: %+v, %v", out, err)
	}
	if _, err := f.steps.Aggregate(ctx, workflow.AggregateEvent{RunID: plan.RunID, Output: plan.Output}); err != nil {
		t.Fatal(err)
	}
	sum := readSummaryFile(t, f.st, plan.RunID)
	if len(sum.SliceWarnings) != 1 || sum.SliceWarnings[0].LateMs < 2900 || sum.SliceWarnings[0].LateMs > 4000 {
		t.Errorf("slice warnings %+v; want one about 3 s late", sum.SliceWarnings)
	}
}

func TestPlanRefusesMoreSlicesThanRunAtOnce(t *testing.T) {
	s := parseSpec(t, `{"name":"wide","target":{"kind":"sim"},"load":{"levels":[8,2000],"requests":1,"slice_concurrency":40}}`)
	_, err := workflow.MakePlan(s, "wide-20261123T000000Z-0000", time.Now())
	if err == nil || !strings.Contains(err.Error(), "level 2000 needs 50 slices") || !strings.Contains(err.Error(), "at least 50") {
		t.Fatalf("err = %v; want the level, its slices and the slice_concurrency to set", err)
	}
	s.Load.SliceConcurrency = 50
	if _, err := workflow.MakePlan(s, "wide-20261123T000000Z-0000", time.Now()); err != nil {
		t.Fatalf("40 slices of 50: %v", err)
	}
}
