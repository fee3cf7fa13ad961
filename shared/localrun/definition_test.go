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
	return &localrun.Execution{Definition: def, Vars: statemachine.LocalVars(), Steps: localrun.Steps{Planner: env.Planner, Worker: env.Worker, Sweeper: env.Sweeper, Aggregator: env.Aggregator},
		MapRunFiles: env.MapRunFiles}
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

// TestBrokenPathFailsLocally: a wrong path in the slices Map's ItemReader,
// in a copy of the definition, fails here, naming the state, instead of
// first in AWS.
func TestBrokenPathFailsLocally(t *testing.T) {
	f := newEnv(t, `{"name":"broken","target":{"kind":"sim","profile":"fixed"},"load":{"levels":[2],"requests":2}}`)
	def := bytes.Replace(statemachine.Definition, []byte(`"Key.$": "$.items.key"`), []byte(`"Key.$": "$.items.kye"`), 1)
	if bytes.Equal(def, statemachine.Definition) {
		t.Fatal("the definition no longer has the path this test breaks")
	}
	exec := execution(f, def)
	_, err := exec.Run(context.Background(), "broken", f.Input)
	if err == nil || !strings.Contains(err.Error(), "Slices") || !strings.Contains(err.Error(), "items.kye") {
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
	m, err := sfnlocal.Load(statemachine.Definition, sfnlocal.Options{Vars: statemachine.LocalVars(), Functions: fns, Clock: clock, ResultWriter: f.MapRunFiles, ItemReader: f.MapRunFiles})
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
// levels of 200 slices (the slices Map a Distributed Map writing its
// results to the store) and checks that no state's data comes near the
// 256 KiB Step Functions limit.
func TestPayloadsStaySmall(t *testing.T) {
	var biggest atomic.Int64 // the largest step payload or state input or output
	track := func(v any) {
		b, _ := json.Marshal(v)
		trackBytes(&biggest, len(b))
	}
	const levels, slices = 100, 200
	plan := &workflow.PlanOutput{RunID: "big-20261123T000000Z-0000", Output: "s3://bucket/some/prefix", Done: []workflow.LevelOutcome{}}
	for i := 0; i < levels; i++ {
		prefix := fmt.Sprintf("some/prefix/runs/big-20261123T000000Z-0000/maprun/level=%d", i)
		plan.Levels = append(plan.Levels, workflow.LevelStep{Index: i, Concurrency: 1000 + i, Rounds: 1, Slices: slices, ToleratedFailurePercent: 1,
			Results: workflow.ResultsLocation{Bucket: "bucket", Prefix: prefix}, Items: workflow.ItemsLocation{Bucket: "bucket", Key: prefix + "/items.json"}})
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
				if _, f := l.ThresholdExceeded(); f != nil {
					failed++
				}
			}
			return &workflow.AggregateOutput{RunID: ev.RunID, Levels: len(ev.Levels), AllFailedLevels: failed}, nil
		}),
	}
	objects := objectCounter{items: slices}
	m, err := sfnlocal.Load(statemachine.Definition, sfnlocal.Options{Vars: statemachine.LocalVars(), Functions: fns, Clock: &noSleep{}, ResultWriter: &objects, ItemReader: &objects,
		Observer: func(e sfnlocal.Event) { trackBytes(&biggest, e.Bytes) }})
	if err != nil {
		t.Fatal(err)
	}
	big := bytes.Repeat([]byte(" "), 0)
	input := append([]byte(`{"name":"big","target":{"kind":"openai","url":"http://127.0.0.1:1/v1","model":"m"},"load":{"levels":[1],"requests":1}}`), big...)
	out, err := m.Execute(context.Background(), "big", input)
	if err != nil {
		t.Fatalf("%d levels x %d slices: %v", levels, slices, err)
	}
	var res workflow.AggregateOutput
	json.Unmarshal(out, &res)
	// One slice failing of 200 is within 1%: no level failed.
	if works.Load() != levels*slices || res.Levels != levels || res.AllFailedLevels != 0 {
		t.Errorf("%d workers ran, aggregator saw %d levels, %d past their tolerance; want %d, %d, 0", works.Load(), res.Levels, res.AllFailedLevels, levels*slices, levels)
	}
	// Each level's map run wrote its manifest and SUCCEEDED file; level 7
	// a FAILED file too.
	if got, want := objects.count(), 2*levels+1; got != want || !objects.has("some/prefix/runs/big-20261123T000000Z-0000/maprun/level=7/", "FAILED_0.json") {
		t.Errorf("%d ResultWriter objects, want %d, level 7's FAILED_0.json among them", got, want)
	}
	t.Logf("largest payload: %d bytes", biggest.Load())
	if biggest.Load() > 64<<10 {
		t.Errorf("largest payload %d bytes: not far below the 256 KiB limit", biggest.Load())
	}
}

// trackBytes keeps the largest n in biggest.
func trackBytes(biggest *atomic.Int64, n int) {
	for {
		b := biggest.Load()
		if int64(n) <= b || biggest.CompareAndSwap(b, int64(n)) {
			return
		}
	}
}

// objectCounter is an ObjectWriter that keeps only the keys, and an
// ObjectReader whose every items.json is the list of workers 0..items-1.
type objectCounter struct {
	mu    sync.Mutex
	keys  []string
	items int
}

func (o *objectCounter) GetObject(_ context.Context, bucket, key string) ([]byte, error) {
	if !strings.HasSuffix(key, "/items.json") {
		return nil, fmt.Errorf("NoSuchKey: %s/%s", bucket, key)
	}
	workers := make([]int, o.items)
	for i := range workers {
		workers[i] = i
	}
	return json.Marshal(workers)
}

func (o *objectCounter) PutObject(_ context.Context, bucket, key string, _ []byte) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.keys = append(o.keys, bucket+"/"+key)
	return nil
}

func (o *objectCounter) count() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return len(o.keys)
}

func (o *objectCounter) has(prefix, file string) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, k := range o.keys {
		if strings.HasPrefix(k, "bucket/"+prefix) && strings.HasSuffix(k, "/"+file) {
			return true
		}
	}
	return false
}

// TestFailedSliceIsRecorded: a worker that fails for good (an error the
// state machine does not retry) fails its slice's child execution; within
// load.tolerated_failure_percent the level goes on and the summary names
// the failed slice; past it the level's slices Map stops, the level is
// marked failed, and the run still aggregates what was measured, every
// request issued a row.
func TestFailedSliceIsRecorded(t *testing.T) {
	tests := []struct {
		name      string
		tolerated string // load.tolerated_failure_percent
		exceeded  bool
	}{
		// 1 of 2 slices is 50%: tolerated at 50.
		{"below the threshold", `,"tolerated_failure_percent":50`, false},
		// The default, 0, tolerates none.
		{"above the threshold", ``, true},
		// 49% is below one slice in two.
		{"just above", `,"tolerated_failure_percent":49`, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newEnv(t, `{"name":"fail","target":{"kind":"sim","profile":"fixed"},
			  "workload":{"input_tokens":8,"output_tokens":4},"load":{"levels":[4],"requests":20,"slice_concurrency":2`+tc.tolerated+`}}`)
			work := f.Worker.Work
			fns := localrun.Functions(localrun.Steps{Planner: f.Planner, Worker: f.Worker, Sweeper: f.Sweeper, Aggregator: f.Aggregator})
			survived := make(chan struct{})
			fns["worker"] = localrun.Strict(func(ctx context.Context, ev workflow.WorkEvent) (*workflow.WorkOutput, error) {
				if ev.Worker == 0 {
					// Fail once the other slice is done, so that a Map Run
					// stopped by the failure has no slice left to stop.
					select {
					case <-survived:
					case <-time.After(10 * time.Second): // watchdog only
					}
					return nil, fmt.Errorf("worker ran out of memory")
				}
				defer close(survived)
				return work(ctx, ev)
			})
			m, err := sfnlocal.Load(statemachine.Definition, sfnlocal.Options{Vars: statemachine.LocalVars(), Functions: fns, Clock: &noSleep{}, ResultWriter: f.MapRunFiles, ItemReader: f.MapRunFiles})
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
			if len(sum.FailedSlices) < 1 || sum.FailedSlices[0].Worker != 0 || sum.FailedSlices[0].Level != 0 ||
				!strings.Contains(sum.FailedSlices[0].Cause, "out of memory") || sum.FailedSlices[0].Error != "errorString" {
				t.Errorf("failed slices %+v; want worker 0 of level 0 (concurrency 4) with its error and cause", sum.FailedSlices)
			}
			l := sum.Levels[0]
			rows := workflowtest.ReadRows(t, f.Store, out.RunID)
			if len(rows) != l.Requests+l.WarmupRequests {
				t.Errorf("%d rows, %d requests: every request issued is one row", len(rows), l.Requests+l.WarmupRequests)
			}
			if len(sum.FailedSlices) != 1 || l.Requests != 10 || l.OK != 10 {
				t.Errorf("failed slices %+v; the surviving slice's figures: %d requests, %d ok; want its 10", sum.FailedSlices, l.Requests, l.OK)
			}
			if !tc.exceeded {
				if l.SlicesFailed != nil {
					t.Errorf("within the tolerance: threshold %+v", l.SlicesFailed)
				}
				return
			}
			th := l.SlicesFailed
			if th == nil || th.Slices != 2 || th.Failed != 1 || th.TolerancePercent != sum.Levels[0].SlicesFailed.TolerancePercent || th.Error != sfnlocal.ErrExceedToleratedFailure || th.Round != 0 {
				t.Fatalf("past the tolerance: threshold %+v (failed slices %+v)", th, sum.FailedSlices)
			}
		})
	}
}
