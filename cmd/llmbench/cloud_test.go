package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"github.com/llmbench/llmbench/shared/report"
	"math"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/llmbench/llmbench/shared/cloudrun/sfnfake"
	"github.com/llmbench/llmbench/shared/localrun"
	"github.com/llmbench/llmbench/shared/plan"
	"github.com/llmbench/llmbench/shared/query"
	"github.com/llmbench/llmbench/shared/query/duckdb"
	"github.com/llmbench/llmbench/shared/sample"
	"github.com/llmbench/llmbench/shared/simllm"
	"github.com/llmbench/llmbench/shared/store"
	"github.com/llmbench/llmbench/shared/store/s3store"
	"github.com/llmbench/llmbench/shared/summary"
	"github.com/llmbench/llmbench/shared/transitions"
	"github.com/llmbench/llmbench/shared/workflow"
	"github.com/llmbench/llmbench/shared/workflow/workflowtest"
	"github.com/llmbench/llmbench/statemachine"
)

const (
	cloudBucket = "bench"
	cloudOutput = "s3://" + cloudBucket + "/prefix"
	cloudSM     = "arn:aws:states:us-east-1:123456789012:stateMachine:llmbench"
	// cloudFailSM runs the definition with its Aggregate state replaced by
	// a Fail state.
	cloudFailSM  = "arn:aws:states:us-east-1:123456789012:stateMachine:llmbench-fail"
	injectedErr  = "Injected.Failure"
	injectedWhy  = "the aggregator was replaced by a Fail state"
	cloudKeyName = "LLMBENCH_CLOUD_TEST_KEY"
)

// cloudEnv is AWS on loopback for `llmbench run --cloud`: gofakes3 as S3,
// sfnfake as Step Functions running statemachine.Definition with the
// workflow's steps wired as the Lambda functions wire them, and the
// simulated LLM server as the spec's OpenAI-compatible target. The CLI's
// newAWSClients is replaced by real SDK clients pointed at the fakes.
type cloudEnv struct {
	s3    *s3.Client // the test's own view of the bucket
	sim   *simllm.Running
	probe *sfnProbe
}

// cloudEnvOptions vary how Step Functions answers.
type cloudEnvOptions struct {
	pageSize int // the most history events sfnfake serves in a page
	// gate makes the aggregator wait until the CLI has polled once while
	// it runs, so that the run is followed over several polls.
	gate bool
	// lateDescribe holds DescribeExecution until the execution has ended:
	// it ends between the history and the describe of a poll.
	lateDescribe bool
}

// newCloudEnv starts the fakes.
func newCloudEnv(t *testing.T, o cloudEnvOptions) *cloudEnv {
	t.Helper()
	// S3.
	backend := s3mem.New()
	if err := backend.CreateBucket(cloudBucket); err != nil {
		t.Fatal(err)
	}
	s3srv := httptest.NewServer(gofakes3.New(backend).Server())
	t.Cleanup(s3srv.Close)

	// The target.
	p, err := simllm.LookupProfile("fixed")
	if err != nil {
		t.Fatal(err)
	}
	p.TTFT, p.ITL = 5*time.Millisecond, time.Millisecond
	sim, err := simllm.Start(simllm.Options{Profile: p})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sim.Close)

	// The Lambda functions: the steps with their own S3 client; the
	// environment has no secrets. DuckDB over the downloaded Parquet parts
	// stands in for Athena.
	openStore := s3store.Opener(newS3Client(s3srv.URL))
	// The aggregator counts the run's transitions from the fake's
	// history, as in AWS; the client is set once the fake listens.
	history := &lazyHistory{}
	aggregator := workflow.NewAggregator(openStore, duckDBFromS3(t.TempDir()), "duckdb", workflow.AggregatorConfig{Render: report.Files, Transitions: transitions.New(history)})
	fns := localrun.Functions(localrun.Steps{
		Planner:    workflow.NewPlanner(openStore, s3store.OpenObject(newS3Client(s3srv.URL)), 0),
		Worker:     workflow.NewWorker(openStore, workflowtest.OpenAI(""), workflow.WorkerConfig{StartMargin: 50 * time.Millisecond, PartRows: 2}),
		Sweeper:    workflow.NewSweeper(openStore, duckDBFromS3(t.TempDir())),
		Aggregator: aggregator,
	})
	probe := newSFNProbe()
	if o.gate {
		fns["aggregator"] = localrun.Strict(func(ctx context.Context, ev workflow.AggregateEvent) (*workflow.AggregateOutput, error) {
			probe.waitForPoll(ctx)
			return aggregator.Aggregate(ctx, ev)
		})
	}
	vars := map[string]string{}
	for v, name := range statemachine.Functions {
		vars[v] = "arn:aws:lambda:us-east-1:123456789012:function:" + name
	}
	fake, err := sfnfake.New(sfnfake.Options{PageSize: o.pageSize, StateMachines: map[string]sfnfake.StateMachine{
		// The Distributed Map's ResultWriter writes into the S3 fake.
		cloudSM:     {Definition: statemachine.Definition, Vars: vars, Functions: fns, MapRunFiles: workflow.NewMapRunFiles(openStore)},
		cloudFailSM: {Definition: failingDefinition(t), Vars: vars, Functions: fns, MapRunFiles: workflow.NewMapRunFiles(openStore)},
	}})
	if err != nil {
		t.Fatal(err)
	}
	probe.next = fake
	if o.lateDescribe {
		probe.lateDescribe = func(ctx context.Context, arn string) { fake.Wait(ctx, arn) }
	}
	sfnSrv := httptest.NewServer(probe)
	history.api = newSFNClient(sfnSrv.URL)
	t.Cleanup(func() {
		fake.Close()
		sfnSrv.Close()
	})

	// The CLI's clients.
	clients := &awsClients{sfn: newSFNClient(sfnSrv.URL), s3: newS3Client(s3srv.URL)}
	orig := newAWSClients
	newAWSClients = func(context.Context, string) (*awsClients, error) { return clients, nil }
	t.Cleanup(func() { newAWSClients = orig })
	return &cloudEnv{s3: newS3Client(s3srv.URL), sim: sim, probe: probe}
}

// lazyHistory is the Step Functions client of the aggregator's
// transitions, set once the fake listens.
type lazyHistory struct{ api *sfn.Client }

func (h *lazyHistory) GetExecutionHistory(ctx context.Context, in *sfn.GetExecutionHistoryInput, optFns ...func(*sfn.Options)) (*sfn.GetExecutionHistoryOutput, error) {
	return h.api.GetExecutionHistory(ctx, in, optFns...)
}

// checkCloudBill checks the bill of a run through the fakes: every step
// invoked (the planner once, each slice's worker, the aggregator once),
// transitions counted from the execution's history (at least Plan,
// Levels, SweepNext and Aggregate, a Workers and a Slices state per level
// and a Work per slice), S3 requests made, and parts that add up.
func checkCloudBill(t *testing.T, b *summary.BenchmarkCost, levels, slices int) {
	t.Helper()
	if b == nil {
		t.Fatal("summary.json has no benchmark_cost_usd")
	}
	inv := map[string]int{}
	for _, f := range b.Functions {
		inv[f.Name] += f.Invocations
	}
	if inv["planner"] != 1 || inv["worker"] != slices || inv["aggregator"] != 1 {
		t.Errorf("invocations %v; want planner 1, worker %d, aggregator 1", inv, slices)
	}
	var sum float64
	q := map[string]float64{}
	for _, p := range b.Parts {
		sum += p.USD
		q[p.Name] = p.Quantity
	}
	if min := float64(4 + 2*levels + slices); q["step_functions_transitions"] < min {
		t.Errorf("%v transitions, want at least %v", q["step_functions_transitions"], min)
	}
	for _, n := range b.NotCounted {
		if strings.HasPrefix(n, "step functions transitions") {
			t.Errorf("transitions not counted: %s", n)
		}
	}
	if q["s3_put_requests"] < float64(2*slices+4) || q["s3_get_requests"] < float64(2*slices) {
		t.Errorf("S3 requests: %v PUT, %v GET", q["s3_put_requests"], q["s3_get_requests"])
	}
	if b.TotalUSD <= 0 || math.Abs(b.TotalUSD-sum) > 1e-12 {
		t.Errorf("total $%v, parts sum to $%v", b.TotalUSD, sum)
	}
}

// failingDefinition is benchmark.asl.json with a Fail state for Aggregate.
func failingDefinition(t *testing.T) []byte {
	t.Helper()
	var def map[string]any
	if err := json.Unmarshal(statemachine.Definition, &def); err != nil {
		t.Fatal(err)
	}
	def["States"].(map[string]any)["Aggregate"] = map[string]any{"Type": "Fail", "Error": injectedErr, "Cause": injectedWhy}
	b, err := json.Marshal(def)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// duckDBFromS3 downloads a run's Parquet parts from the store into dir and
// opens DuckDB over them.
func duckDBFromS3(dir string) workflow.OpenEngine {
	return func(ctx context.Context, st store.Store, p *plan.Plan) (query.Engine, func(), error) {
		keys, err := st.List(ctx, store.RunSamplesPrefix(p.Day, p.RunID))
		if err != nil {
			return nil, nil, err
		}
		if len(keys) == 0 {
			return nil, nil, fmt.Errorf("no samples for run %s", p.RunID)
		}
		files := make([]string, len(keys))
		for i, k := range keys {
			b, err := st.Get(ctx, k)
			if err != nil {
				return nil, nil, err
			}
			files[i] = filepath.Join(dir, filepath.FromSlash(k))
			if err := os.MkdirAll(filepath.Dir(files[i]), 0o755); err != nil {
				return nil, nil, err
			}
			if err := os.WriteFile(files[i], b, 0o644); err != nil {
				return nil, nil, err
			}
		}
		db, err := duckdb.Open(ctx, files)
		if err != nil {
			return nil, nil, err
		}
		return db, func() { db.Close() }, nil
	}
}

// objects lists the bucket's keys under prefix/.
func (e *cloudEnv) objects(t *testing.T) []string {
	t.Helper()
	var keys []string
	p := s3.NewListObjectsV2Paginator(e.s3, &s3.ListObjectsV2Input{Bucket: aws.String(cloudBucket), Prefix: aws.String("prefix/")})
	for p.HasMorePages() {
		out, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range out.Contents {
			keys = append(keys, aws.ToString(o.Key))
		}
	}
	sort.Strings(keys)
	return keys
}

func (e *cloudEnv) get(t *testing.T, key string) []byte {
	t.Helper()
	out, err := e.s3.GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String(cloudBucket), Key: aws.String(key)})
	if err != nil {
		t.Fatalf("get %s: %v", key, err)
	}
	defer out.Body.Close()
	var b bytes.Buffer
	if _, err := b.ReadFrom(out.Body); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// cloudLoad is the load of cloudSpec by default: 2 levels of 6 requests,
// of 1 and 2 slices.
const cloudLoad = `{"levels":[2,3],"requests":6,"slice_concurrency":2}`

// cloudSpec is a run against the simulated server; auth, when not empty,
// is the target's "auth" member, load the spec's (cloudLoad when empty).
func (e *cloudEnv) cloudSpec(t *testing.T, auth, load string) string {
	t.Helper()
	if auth != "" {
		auth = `,"auth":` + auth
	}
	if load == "" {
		load = cloudLoad
	}
	return writeSpec(t, `{"name":"cloud","platform":"aws",
	  "target":{"kind":"openai","url":"`+e.sim.URL+`","model":"m"`+auth+`},
	  "workload":{"input_tokens":8,"output_tokens":4},
	  "load":`+load+`,
	  "output":"`+cloudOutput+`"}`)
}

// progressLine is what the CLI prints on stderr after each poll.
var progressLine = regexp.MustCompile(`^llmbench: ([A-Z_]+): levels done (\d+)/(\d+), slices ended (\d+), failed (\d+), running (\d+)$`)

// cloudProgress is one progress line.
type cloudProgress struct {
	status                               string
	levels, of, ended, failures, running int
}

func (p cloudProgress) String() string {
	return fmt.Sprintf("%s: levels done %d/%d, slices ended %d, failed %d, running %d", p.status, p.levels, p.of, p.ended, p.failures, p.running)
}

// progressLines reads the progress lines of a run's stderr.
func progressLines(t *testing.T, stderr string) []cloudProgress {
	t.Helper()
	var out []cloudProgress
	for _, line := range strings.Split(stderr, "\n") {
		m := progressLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		n := func(i int) int { v, _ := strconv.Atoi(m[i]); return v }
		out = append(out, cloudProgress{m[1], n(2), n(3), n(4), n(5), n(6)})
	}
	if len(out) == 0 {
		t.Fatalf("no progress lines on stderr:\n%s", stderr)
	}
	return out
}

// checkProgress checks that no progress line counts more than happened
// (a slice running now ends later) and that the last one is want.
func checkProgress(t *testing.T, stderr string, want cloudProgress) {
	t.Helper()
	lines := progressLines(t, stderr)
	for _, p := range lines {
		if p.levels > want.levels || p.ended+p.running > want.ended || p.failures > want.failures {
			t.Errorf("progress %q counts more than the execution did (at most %q): is history counted twice?", p, want)
		}
	}
	if last := lines[len(lines)-1]; last != want {
		t.Errorf("last progress %q, want %q\n%s", last, want, stderr)
	}
}

// TestRunCloud runs `llmbench run --cloud` against the fakes and reads the
// run back with `llmbench report s3://…`. The last progress line must count
// exactly the levels and slices that ran however the polls fall: followed
// over several polls (the aggregator waits for one, as a real aggregation
// outlasts a poll), no history event may count twice; when the execution
// ends between a poll's history and its describe, the events in between
// must still count.
func TestRunCloud(t *testing.T) {
	tests := []struct {
		name  string
		opts  cloudEnvOptions
		paged bool // the runner must have followed a nextToken
	}{
		// The whole history in one page: no nextToken ever.
		{"one page", cloudEnvOptions{pageSize: 1000, gate: true}, false},
		// Pages of 4 events: the runner follows nextToken within a poll.
		{"pages of 4", cloudEnvOptions{pageSize: 4, gate: true}, true},
		// The execution ends between the history and the describe of the
		// first poll: the last progress must still count everything.
		{"ends between history and describe", cloudEnvOptions{pageSize: 4, lateDescribe: true}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			env := newCloudEnv(t, tc.opts)
			execName := "e2e-" + strings.ReplaceAll(tc.name, " ", "-")
			code, stdout, stderr := cli(t, nil, "run", "--cloud", "--state-machine", cloudSM, "--region", "us-east-1", "--name", execName, env.cloudSpec(t, "", ""))
			if code != 0 {
				t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
			}

			// The run, by the summary address printed under the table.
			m := regexp.MustCompile(`\nsummary:  ` + regexp.QuoteMeta(cloudOutput) + `/runs/([^/\s]+)/summary\.json\n$`).FindStringSubmatch(stdout)
			if m == nil {
				t.Fatalf("stdout does not end with the summary address:\n%s", stdout)
			}
			runID := m[1]
			table := strings.TrimSuffix(stdout, m[0])
			if !strings.HasPrefix(table, "cloud  run "+runID+"\n") {
				t.Errorf("table does not start with the run:\n%s", table)
			}
			for _, level := range []string{"2", "3"} {
				if !regexp.MustCompile(`(?m)^\s*` + level + `\s+6\s`).MatchString(table) {
					t.Errorf("table has no row for level %s with 6 requests:\n%s", level, table)
				}
			}

			// What is stored: plan, summary, report and Parquet parts.
			var pl plan.Plan
			if err := json.Unmarshal(env.get(t, "prefix/runs/"+runID+"/plan.json"), &pl); err != nil {
				t.Fatal(err)
			}
			slices := 0
			for _, l := range pl.Levels {
				slices += len(l.Slices)
			}
			var sum summary.Summary
			if err := json.Unmarshal(env.get(t, "prefix/runs/"+runID+"/summary.json"), &sum); err != nil {
				t.Fatal(err)
			}
			if len(sum.Levels) != 2 || sum.Simulated || sum.Engine != "duckdb" {
				t.Fatalf("summary: %d levels, simulated %v, engine %q", len(sum.Levels), sum.Simulated, sum.Engine)
			}
			for _, l := range sum.Levels {
				if l.Requests != 6 || l.OK != 6 || l.WarmupRequests != 0 {
					t.Errorf("level %d: %d requests, %d ok, %d warm-up; want 6 ok", l.Concurrency, l.Requests, l.OK, l.WarmupRequests)
				}
			}
			checkCloudBill(t, sum.BenchmarkCost, len(pl.Levels), slices)
			part := regexp.MustCompile(`^prefix/samples/dt=` + pl.Day + `/run_id=` + regexp.QuoteMeta(runID) + `/level=(\d+)/worker=(\d+)-part-(\d+)\.parquet$`)
			rowsByLevel := map[int]int{}
			workers := map[string]bool{}
			parts := 0
			for _, k := range env.objects(t) {
				if !strings.HasPrefix(k, "prefix/samples/") {
					continue
				}
				pm := part.FindStringSubmatch(k)
				if pm == nil {
					t.Errorf("key %q does not follow prefix/samples/dt=…/run_id=…/level=…/worker=…-part-N.parquet", k)
					continue
				}
				parts++
				workers[pm[1]+"/"+pm[2]] = true
				b := env.get(t, k)
				rows, err := sample.ReadParquet(bytes.NewReader(b), int64(len(b)))
				if err != nil {
					t.Fatalf("%s: %v", k, err)
				}
				for _, r := range rows {
					if r.RunID != runID || strconv.Itoa(int(r.LevelIndex)) != pm[1] || strconv.Itoa(int(r.Worker)) != pm[2] {
						t.Errorf("%s holds a row of run %s level index %d worker %d", k, r.RunID, r.LevelIndex, r.Worker)
					}
					rowsByLevel[int(r.Level)]++
				}
			}
			if rowsByLevel[2] != 6 || rowsByLevel[3] != 6 || len(rowsByLevel) != 2 {
				t.Errorf("rows by level %v, want 6 at levels 2 and 3 (one row per request)", rowsByLevel)
			}
			if len(workers) != slices || parts <= slices {
				t.Errorf("%d parts from %d workers; want every one of the %d slices to write, in parts of 2 rows", parts, len(workers), slices)
			}
			for _, name := range []string{"spec.json", "report.md"} {
				env.get(t, "prefix/runs/"+runID+"/"+name)
			}

			// What the CLI said while it followed the execution.
			started := "llmbench: started arn:aws:states:us-east-1:123456789012:execution:llmbench:" + execName + "\n"
			if !strings.Contains(stderr, started) {
				t.Errorf("stderr lacks %q:\n%s", started, stderr)
			}
			if lines := progressLines(t, stderr); tc.opts.gate && lines[0].status != "RUNNING" {
				t.Errorf("first progress %q, want RUNNING", lines[0])
			}
			// The slices are child executions of the Distributed Map,
			// counted by DescribeMapRun: every one ended, none failed.
			checkProgress(t, stderr, cloudProgress{"SUCCEEDED", 2, 2, slices, 0, 0})
			histories, continued := env.probe.counts()
			if tc.paged && continued == 0 || tc.opts.pageSize >= 1000 && continued > 0 || histories == 0 {
				t.Errorf("%d history requests, %d with a nextToken, pages of %d", histories, continued, tc.opts.pageSize)
			}

			// The stored run reads back as the same table.
			code, rstdout, rstderr := cli(t, nil, "report", cloudOutput+"/runs/"+runID)
			if code != 0 || rstdout != table {
				t.Errorf("report: exit %d\n%s%s\nwant the table run printed:\n%s", code, rstdout, rstderr, table)
			}
		})
	}
}

// missingKey is a target auth whose secret the Lambda environment lacks.
const missingKey = `{"header":"Authorization","scheme":"Bearer","secret":"env:` + cloudKeyName + `"}`

// TestRunCloudFails: an execution that fails ends the CLI with exit 1 and
// Step Functions' error and cause; the progress counts its failed slices.
func TestRunCloudFails(t *testing.T) {
	tests := []struct {
		name         string
		stateMachine string
		auth         string   // the target's auth: the workers must resolve its secret
		load         string   // the spec's load (cloudLoad if empty)
		want         []string // in the error message
		last         cloudProgress
	}{
		// The Lambda environment lacks the API key the spec names: each
		// level's only slice fails, past the tolerated failures (none):
		// each round is recorded as failed, and the aggregator, finding
		// no samples, fails the execution with its Go error.
		{"secret missing at the workers", cloudSM, missingKey, `{"levels":[1,2],"requests":6,"slice_concurrency":2}`,
			[]string{"FAILED: wrapError: ", `"errorType":"wrapError"`, "no samples for run"},
			cloudProgress{"FAILED", 2, 2, 2, 2, 0}},
		// The same with every failure tolerated: all 3 slices (1 and 2
		// a level) run and fail, and the Map Runs succeed.
		{"secret missing, failures tolerated", cloudSM, missingKey, `{"levels":[2,3],"requests":6,"slice_concurrency":2,"tolerated_failure_percent":100}`,
			[]string{"FAILED: wrapError: ", "no samples for run"},
			cloudProgress{"FAILED", 2, 2, 3, 3, 0}},
		// A Fail state where the aggregator was: its Error and Cause,
		// after 3 slices that succeeded.
		{"Fail state injected", cloudFailSM, "", "",
			[]string{"FAILED: " + injectedErr + ": " + injectedWhy},
			cloudProgress{"FAILED", 2, 2, 3, 0, 0}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			env := newCloudEnv(t, cloudEnvOptions{pageSize: 4})
			code, stdout, stderr := cli(t, fakeEnv{cloudKeyName: "sk-only-on-the-laptop"}, "run", "--cloud", "--state-machine", tc.stateMachine, env.cloudSpec(t, tc.auth, tc.load))
			if code != 1 {
				t.Fatalf("exit %d, want 1\n%s\n%s", code, stdout, stderr)
			}
			for _, w := range tc.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("error lacks %q:\n%s", w, stderr)
				}
			}
			if stdout != "" {
				t.Errorf("a failed run printed a table:\n%s", stdout)
			}
			checkProgress(t, stderr, tc.last)
			for _, k := range env.objects(t) {
				if strings.HasSuffix(k, "/summary.json") {
					t.Errorf("a failed run wrote %s", k)
				}
			}
		})
	}
}
