package localrun_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambda/messages"

	"github.com/llmbench/llmbench/shared/localrun"
	"github.com/llmbench/llmbench/shared/plan"
	"github.com/llmbench/llmbench/shared/sample"
	"github.com/llmbench/llmbench/shared/sfnlocal"
	"github.com/llmbench/llmbench/shared/simllm"
	"github.com/llmbench/llmbench/shared/store"
	"github.com/llmbench/llmbench/shared/workflow"
	"github.com/llmbench/llmbench/shared/workflow/workflowtest"
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

// newEnv builds the steps over a temporary store and a fixed-profile
// simulated server.
func newEnv(t *testing.T, doc string) *workflowtest.Env {
	t.Helper()
	sim := workflowtest.Sim(t, simllm.Options{})
	return workflowtest.New(t, doc, workflowtest.Options{BaseURL: sim.URL})
}

// execution runs the definition (or def, if given) over env's steps.
func execution(env *workflowtest.Env, def []byte) *localrun.Execution {
	if def == nil {
		def = statemachine.Definition
	}
	return &localrun.Execution{Definition: def, Vars: statemachine.LocalVars(), Steps: localrun.Steps{Planner: env.Planner, Worker: env.Worker, Sweeper: env.Sweeper, Aggregator: env.Aggregator}}
}

// TestDefinitionThreeLevelsTwoSlices runs statemachine/benchmark.asl.json
// locally: 3 levels of 2 slices each against the simulated server.
func TestDefinitionThreeLevelsTwoSlices(t *testing.T) {
	f := newEnv(t, `{"name":"asl","target":{"kind":"sim","profile":"fixed"},
	  "workload":{"input_tokens":8,"output_tokens":4},
	  "load":{"levels":[4,5,6],"requests":24,"slice_concurrency":3}}`)
	var mu sync.Mutex
	entered := map[string]int{}
	exec := execution(f, nil)
	exec.Observer = func(ev sfnlocal.Event) {
		if ev.Type == sfnlocal.StateEntered {
			mu.Lock()
			entered[ev.State]++
			mu.Unlock()
		}
	}
	out, err := exec.Run(context.Background(), "three", f.Input)
	if err != nil {
		t.Fatal(err)
	}
	if entered["Plan"] != 1 || entered["Slices"] != 3 || entered["Work"] != 6 || entered["Aggregate"] != 1 || entered["SliceFailed"] != 0 {
		t.Errorf("states entered: %v; want Plan 1, Slices 3, Work 6, Aggregate 1", entered)
	}
	ctx := context.Background()
	// The plan: 3 levels of 2 slices, the VUs split evenly.
	b, err := f.Store.Get(ctx, store.RunKey(out.RunID, "plan.json"))
	if err != nil {
		t.Fatal(err)
	}
	var plan plan.Plan
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
	keys, _ := f.Store.List(ctx, "samples/")
	for _, k := range keys {
		if !strings.HasPrefix(k, "samples/dt="+plan.Day+"/run_id="+out.RunID+"/level=") || !strings.Contains(k, "/worker=") || !strings.HasSuffix(k, ".parquet") {
			t.Errorf("key %q does not follow the layout", k)
		}
	}
	rows := workflowtest.ReadRows(t, f.Store, out.RunID)
	sum := workflowtest.ReadSummary(t, f.Store, out.RunID)
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

// TestBrokenPathFailsLocally: a wrong ItemsPath in a copy of the definition
// fails here, naming the state, instead of first in AWS.
func TestBrokenPathFailsLocally(t *testing.T) {
	f := newEnv(t, `{"name":"broken","target":{"kind":"sim","profile":"fixed"},"load":{"levels":[2],"requests":2}}`)
	def := bytes.Replace(statemachine.Definition, []byte(`"ItemsPath": "$.workers"`), []byte(`"ItemsPath": "$.wrokers"`), 1)
	if bytes.Equal(def, statemachine.Definition) {
		t.Fatal("the definition no longer has the path this test breaks")
	}
	exec := execution(f, def)
	_, err := exec.Run(context.Background(), "broken", f.Input)
	if err == nil || !strings.Contains(err.Error(), "Slices") || !strings.Contains(err.Error(), "wrokers") {
		t.Fatalf("error %v: want one naming the state Slices and the path", err)
	}
}

// TestRetriedSliceLeavesNoDuplicates: a worker that was killed mid-slice
// left a started record and a part file; the Lambda service then fails the
// invocation, Step Functions retries it, and the retry discards the stale
// part so that no row is counted twice. The summary reports the retry.
func TestRetriedSliceLeavesNoDuplicates(t *testing.T) {
	f := newEnv(t, `{"name":"retry","target":{"kind":"sim","profile":"fixed"},
	  "workload":{"input_tokens":8,"output_tokens":4},"load":{"levels":[4],"requests":20,"slice_concurrency":2}}`)
	ctx := context.Background()
	var calls atomic.Int32
	work := f.Worker.Work
	fns := localrun.Functions(localrun.Steps{Planner: f.Planner, Worker: f.Worker, Sweeper: f.Sweeper, Aggregator: f.Aggregator})
	fns["worker"] = localrun.Strict(func(ctx context.Context, ev workflow.WorkEvent) (*workflow.WorkOutput, error) {
		if ev.Worker == 1 && calls.Add(1) == 1 {
			// The killed attempt: its record says started, one part is on disk.
			rec := workflow.SliceRecord{Attempt: 1, Started: time.Now()}
			b, _ := json.Marshal(rec)
			if err := f.Store.Put(ctx, store.SliceRecordKey(ev.RunID, 0, 1), b); err != nil {
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
			if err := f.Store.Put(ctx, store.SampleKey(day, ev.RunID, 0, 1, 3), buf.Bytes()); err != nil {
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
	outb, err := m.Execute(ctx, "retry", f.Input)
	if err != nil {
		t.Fatal(err)
	}
	var out workflow.AggregateOutput
	json.Unmarshal(outb, &out)
	if calls.Load() != 2 || len(clock.waits) != 1 {
		t.Errorf("worker 1 ran %d times with %d retry waits; want 2 and 1", calls.Load(), len(clock.waits))
	}
	rows := workflowtest.ReadRows(t, f.Store, out.RunID)
	seen := map[string]bool{}
	for _, r := range rows {
		k := fmt.Sprint(r.Worker, "/", r.Seq)
		if seen[k] {
			t.Errorf("row worker %d seq %d stored twice", r.Worker, r.Seq)
		}
		seen[k] = true
	}
	sum := workflowtest.ReadSummary(t, f.Store, out.RunID)
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
	plan := &workflow.PlanOutput{RunID: "big-20261123T000000Z-0000", Output: "s3://bucket/some/prefix", Done: [][]workflow.SliceOutcome{}}
	for i := 0; i < 100; i++ {
		plan.Levels = append(plan.Levels, workflow.LevelStep{Index: i, Concurrency: 1000 + i, LastWorker: 39})
	}
	var works atomic.Int32
	fns := map[string]lambda.Handler{
		"planner": localrun.Strict(func(ctx context.Context, ev workflow.PlanEvent) (*workflow.PlanOutput, error) {
			track(ev)
			track(plan)
			return plan, nil
		}),
		"worker": localrun.Strict(func(ctx context.Context, ev workflow.WorkEvent) (*workflow.WorkOutput, error) {
			track(ev)
			works.Add(1)
			if ev.LevelIndex == 7 && ev.Worker == 3 {
				return nil, fmt.Errorf("endpoint exploded: %s", strings.Repeat("x", 200))
			}
			return &workflow.WorkOutput{Level: 1000 + ev.LevelIndex, Worker: ev.Worker, Requests: 123456, Errors: 12}, nil
		}),
		"sweeper": localrun.Strict(func(ctx context.Context, ev workflow.SweepEvent) (*workflow.PlanOutput, error) {
			return nil, fmt.Errorf("a run without a sweep called the sweeper")
		}),
		"aggregator": localrun.Strict(func(ctx context.Context, ev workflow.AggregateEvent) (*workflow.AggregateOutput, error) {
			track(ev)
			failed := 0
			for _, l := range ev.Levels {
				for _, it := range l {
					if it.Failed != nil {
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
	f := newEnv(t, `{"name":"fail","target":{"kind":"sim","profile":"fixed"},
	  "workload":{"input_tokens":8,"output_tokens":4},"load":{"levels":[4],"requests":20,"slice_concurrency":2}}`)
	work := f.Worker.Work
	fns := localrun.Functions(localrun.Steps{Planner: f.Planner, Worker: f.Worker, Sweeper: f.Sweeper, Aggregator: f.Aggregator})
	fns["worker"] = localrun.Strict(func(ctx context.Context, ev workflow.WorkEvent) (*workflow.WorkOutput, error) {
		if ev.Worker == 0 {
			return nil, fmt.Errorf("worker ran out of memory")
		}
		return work(ctx, ev)
	})
	m, err := sfnlocal.Load(statemachine.Definition, sfnlocal.Options{Vars: statemachine.LocalVars(), Functions: fns, Clock: &noSleep{}})
	if err != nil {
		t.Fatal(err)
	}
	outb, err := m.Execute(context.Background(), "fail", f.Input)
	if err != nil {
		t.Fatalf("a failed slice failed the whole run: %v", err)
	}
	var out workflow.AggregateOutput
	json.Unmarshal(outb, &out)
	sum := workflowtest.ReadSummary(t, f.Store, out.RunID)
	if len(sum.FailedSlices) != 1 || sum.FailedSlices[0].Worker != 0 || sum.FailedSlices[0].Level != 0 ||
		!strings.Contains(sum.FailedSlices[0].Cause, "out of memory") {
		t.Errorf("failed slices %+v; want worker 0 of level 0 (concurrency 4) with its cause", sum.FailedSlices)
	}
	if l := sum.Levels[0]; l.Requests != 10 || l.OK != 10 {
		t.Errorf("the surviving slice's figures: %d requests, %d ok; want its 10", l.Requests, l.OK)
	}
}
