package terraform_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/hashicorp/hcl/v2"

	llmplan "github.com/llmbench/llmbench/shared/plan"
	"github.com/llmbench/llmbench/shared/query"
	"github.com/llmbench/llmbench/shared/simllm"
	"github.com/llmbench/llmbench/shared/store"
	"github.com/llmbench/llmbench/shared/store/s3store"
	"github.com/llmbench/llmbench/shared/workflow"
	"github.com/llmbench/llmbench/shared/workflow/workflowtest"
)

const module = "github.com/llmbench/llmbench"

// The AWS calls a function can make are derived from the code it links:
// every consumer-side interface of the project (s3store.API, athena.API,
// sagemaker.API, …) declares its methods with the SDK's input types, so a
// method taking *s3.PutObjectInput is the S3 operation PutObject. The
// tables below turn operations into IAM actions.

// servicePrefix maps an SDK service package to its IAM prefix.
var servicePrefix = map[string]string{
	"s3":               "s3",
	"athena":           "athena",
	"sagemakerruntime": "sagemaker",
	"secretsmanager":   "secretsmanager",
	"sfn":              "states",
	"lambda":           "lambda",
	"cloudwatch":       "cloudwatch",
	"cloudwatchlogs":   "logs",
	"sts":              "sts",
}

// actionsOf maps an operation to the IAM actions it needs where they are
// not simply prefix:Operation.
var actionsOf = map[string][]string{
	// ListObjectsV2 is authorized as s3:ListBucket on the bucket.
	"s3:ListObjectsV2": {"s3:ListBucket"},
	"s3:HeadObject":    {"s3:GetObject"},
	// The streaming call is authorized as sagemaker:InvokeEndpoint; the
	// policy names the streaming action too, as AWS's policy editor lists it.
	"sagemaker:InvokeEndpointWithResponseStream": {"sagemaker:InvokeEndpoint", "sagemaker:InvokeEndpointWithResponseStream"},
}

// impliedBy lists what an action needs beyond itself because AWS acts as
// the caller: an Athena query reads the Glue catalog and the table's S3
// files, and writes its results to S3, with the caller's permissions.
var impliedBy = map[string][]string{
	"athena:StartQueryExecution": {
		"glue:GetDatabase", "glue:GetTable", "glue:GetPartitions",
		"s3:GetBucketLocation", "s3:ListBucket", "s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload",
	},
}

// credentialServices are SDK services the config package links for its
// credential providers (SSO, web identity, sign-in). In Lambda the
// credentials come from the environment: these make no call.
var credentialServices = map[string]bool{"sts": true, "sso": true, "ssooidc": true, "signin": true}

// lambdaRuntime is what every function's role needs whatever its code:
// the Lambda runtime writes the function's logs as the function.
var lambdaRuntime = []string{"logs:CreateLogStream", "logs:PutLogEvents"}

// optional are permissions a role may hold beyond its code's SDK calls,
// each only in a statement that exists when its variable is set (a
// dynamic statement): calls the derivation cannot see, made through an
// HTTP client or by a service acting for the caller.
var optional = map[string]map[string]string{
	"worker": {
		"execute-api:Invoke":       "SigV4-signed HTTP targets behind API Gateway (target.auth.sigv4, signed with the role's credentials), on var.execute_api_arns",
		"kms:Decrypt":              "Secrets Manager secrets under a customer managed key (decrypted for GetSecretValue as the caller), on var.secret_kms_key_arns",
		"lambda:InvokeFunctionUrl": "the proxy's IAM-authorized Function URL (SigV4-signed HTTP, a kind openai target), with deploy_proxy",
		"lambda:InvokeFunction":    "the proxy's IAM-authorized Function URL: since October 2025 a Function URL also wants InvokeFunction of its caller",
	},
}

// starExceptions are the actions that may have Resource "*": AWS offers no
// narrower resource for them.
var starExceptions = map[string]string{
	"logs:CreateLogDelivery":        "Step Functions logging",
	"logs:GetLogDelivery":           "Step Functions logging",
	"logs:UpdateLogDelivery":        "Step Functions logging",
	"logs:DeleteLogDelivery":        "Step Functions logging",
	"logs:ListLogDeliveries":        "Step Functions logging",
	"logs:PutResourcePolicy":        "Step Functions logging",
	"logs:DescribeResourcePolicies": "Step Functions logging",
	"logs:DescribeLogGroups":        "Step Functions logging",
	"ecr:GetAuthorizationToken":     "the seed endpoint pulling its image",
	"cloudwatch:PutMetricData":      "the seed endpoint's metrics (held to its namespace by a condition)",
}

// sfnLogDelivery is what a state machine's role needs for logging.
var sfnLogDelivery = []string{
	"logs:CreateLogDelivery", "logs:GetLogDelivery", "logs:UpdateLogDelivery", "logs:DeleteLogDelivery",
	"logs:ListLogDeliveries", "logs:PutResourcePolicy", "logs:DescribeResourcePolicies", "logs:DescribeLogGroups",
}

// apiCall is one method of a consumer-side interface.
type apiCall struct {
	pkg, iface, method string
	service            string // SDK service package name: s3, athena…
}

func (c apiCall) String() string {
	return fmt.Sprintf("%s.%s.%s", strings.TrimPrefix(c.pkg, module+"/"), c.iface, c.method)
}

// functionCalls is what the code of one function can call.
type functionCalls struct {
	calls []apiCall
	// unclient are interface methods of services no linked code makes a
	// client of: the function cannot call them (a package linked for
	// another of its parts).
	unclient []apiCall
	// narrowed holds, for an interface exercised by a recorded run of the
	// function's handler, the methods that run called (by pkg.iface).
	narrowed map[string]map[string]bool
	// s3 holds the store calls of the recorded run, for the resource check.
	s3       []s3Access
	problems []string
}

// actions returns the IAM actions the function needs, each with why.
func (fc *functionCalls) actions() map[string]string {
	need := map[string]string{}
	for _, c := range fc.calls {
		if n, ok := fc.narrowed[c.pkg+"."+c.iface]; ok && !n[c.method] {
			continue
		}
		op := servicePrefix[c.service] + ":" + c.method
		acts, ok := actionsOf[op]
		if !ok {
			acts = []string{op}
		}
		for _, a := range acts {
			if _, dup := need[a]; !dup {
				need[a] = c.String()
			}
			for _, imp := range impliedBy[a] {
				if _, dup := need[imp]; !dup {
					need[imp] = c.String() + " (" + a + " runs as the caller)"
				}
			}
		}
	}
	return need
}

var (
	callsOnce sync.Once
	callsMemo map[string]*functionCalls
	callsErr  error
)

// deriveCalls lists, for each function of the Makefile, the AWS calls its
// code can make: `go list -deps` with the package target's GOOS, GOARCH,
// CGO_ENABLED and tags, then the interfaces of the project's packages it
// links. Computed once per test binary.
func deriveCalls(t *testing.T, r *repo) map[string]*functionCalls {
	t.Helper()
	callsOnce.Do(func() {
		callsMemo = map[string]*functionCalls{}
		for _, fn := range r.pkg.functions {
			fc, err := linkedCalls(r.root, r.pkg, "./functions/"+fn)
			if err != nil {
				callsErr = err
				return
			}
			callsMemo[fn] = fc
		}
		narrowByRecordedRuns(callsMemo, r.outputURL())
	})
	if callsErr != nil {
		t.Fatalf("derive the AWS calls of the functions: %v", callsErr)
	}
	return callsMemo
}

func linkedCalls(root string, pkg packaging, target string) (*functionCalls, error) {
	args := []string{"list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}\t{{.Dir}}\t{{join .GoFiles \",\"}}{{end}}"}
	if pkg.tags != "" {
		args = append(args, "-tags", pkg.tags)
	}
	cmd := exec.Command("go", append(args, target)...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "GOOS="+pkg.goos, "GOARCH="+pkg.goarch, "CGO_ENABLED="+pkg.cgo)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go %s: %v: %s", strings.Join(cmd.Args[1:], " "), err, stderr.String())
	}
	fc := &functionCalls{narrowed: map[string]map[string]bool{}}
	var all []apiCall
	clients := map[string]string{} // service -> where a client is made
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		parts := strings.Split(line, "\t")
		if len(parts) != 3 {
			continue
		}
		path, dir, files := parts[0], parts[1], parts[2]
		if !strings.HasPrefix(path, module+"/") || files == "" {
			continue
		}
		calls, made, err := interfaceCalls(path, dir, strings.Split(files, ","))
		if err != nil {
			return nil, err
		}
		all = append(all, calls...)
		for svc, where := range made {
			clients[svc] = where
		}
	}
	covered := map[string]bool{}
	for _, c := range all {
		if _, ok := clients[c.service]; !ok {
			fc.unclient = append(fc.unclient, c)
			continue
		}
		covered[c.service] = true
		if _, ok := servicePrefix[c.service]; !ok {
			fc.problems = append(fc.problems, fmt.Sprintf("%s calls service %s, which the IAM table of iam_test.go does not map: add its prefix", c, c.service))
		}
		fc.calls = append(fc.calls, c)
	}
	for _, svc := range sortedKeys(clients) {
		if !covered[svc] && !credentialServices[svc] {
			fc.problems = append(fc.problems, fmt.Sprintf("%s makes a %s client (%s) but no interface of the project declares its calls: call it through a consumer-side interface (like s3store.API) so the role can be derived", target, svc, clients[svc]))
		}
	}
	return fc, nil
}

// interfaceCalls parses a package and returns the methods of its
// interfaces that take an SDK input (*svc.XInput), and the services it
// makes clients of (svc.New or svc.NewFromConfig), with where.
func interfaceCalls(path, dir string, files []string) ([]apiCall, map[string]string, error) {
	var out []apiCall
	made := map[string]string{}
	fset := token.NewFileSet()
	for _, name := range files {
		f, err := parser.ParseFile(fset, filepath.Join(dir, name), nil, parser.SkipObjectResolution)
		if err != nil {
			return nil, nil, err
		}
		imports := map[string]string{} // local name -> SDK service
		for _, im := range f.Imports {
			p, _ := strconv.Unquote(im.Path.Value)
			svc, ok := strings.CutPrefix(p, "github.com/aws/aws-sdk-go-v2/service/")
			if !ok || strings.Contains(svc, "/") {
				continue
			}
			local := svc
			if im.Name != nil {
				local = im.Name.Name
			}
			imports[local] = svc
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if c, ok := n.(*ast.CallExpr); ok {
				if sel, ok := c.Fun.(*ast.SelectorExpr); ok && (sel.Sel.Name == "NewFromConfig" || sel.Sel.Name == "New") {
					if x, ok := sel.X.(*ast.Ident); ok {
						if svc, ok := imports[x.Name]; ok {
							made[svc] = fset.Position(c.Pos()).String()
						}
					}
				}
				return true
			}
			ts, ok := n.(*ast.TypeSpec)
			if !ok {
				return true
			}
			it, ok := ts.Type.(*ast.InterfaceType)
			if !ok {
				return true
			}
			for _, m := range it.Methods.List {
				ft, ok := m.Type.(*ast.FuncType)
				if !ok || len(m.Names) == 0 {
					continue
				}
				for _, p := range ft.Params.List {
					star, ok := p.Type.(*ast.StarExpr)
					if !ok {
						continue
					}
					sel, ok := star.X.(*ast.SelectorExpr)
					if !ok {
						continue
					}
					x, ok := sel.X.(*ast.Ident)
					if !ok {
						continue
					}
					if svc, ok := imports[x.Name]; ok && strings.HasSuffix(sel.Sel.Name, "Input") {
						out = append(out, apiCall{pkg: path, iface: ts.Name.Name, method: strings.TrimSuffix(sel.Sel.Name, "Input"), service: svc})
					}
				}
			}
			return false
		})
	}
	return out, made, nil
}

// recordingS3 is an in-memory s3store.API that records the operations
// called.
type recordingS3 struct {
	mu       sync.Mutex
	objects  map[string][]byte
	accesses []s3Access
}

// s3Access is one call a recorded run made: the operation and the key (the
// prefix, for a list).
type s3Access struct{ op, key string }

func newRecordingS3() *recordingS3 {
	return &recordingS3{objects: map[string][]byte{}}
}

func (r *recordingS3) record(op string, key *string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.accesses = append(r.accesses, s3Access{op, aws.ToString(key)})
}

// reset returns the calls recorded since the last reset.
func (r *recordingS3) reset() []s3Access {
	r.mu.Lock()
	defer r.mu.Unlock()
	a := r.accesses
	r.accesses = nil
	return a
}

func (r *recordingS3) PutObject(_ context.Context, in *s3.PutObjectInput, _ ...func(*s3.Options)) (*s3.PutObjectOutput, error) {
	r.record("PutObject", in.Key)
	b, err := io.ReadAll(in.Body)
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	r.objects[aws.ToString(in.Key)] = b
	r.mu.Unlock()
	return &s3.PutObjectOutput{}, nil
}

func (r *recordingS3) GetObject(_ context.Context, in *s3.GetObjectInput, _ ...func(*s3.Options)) (*s3.GetObjectOutput, error) {
	r.record("GetObject", in.Key)
	r.mu.Lock()
	b, ok := r.objects[aws.ToString(in.Key)]
	r.mu.Unlock()
	if !ok {
		return nil, &types.NoSuchKey{Message: aws.String("no such key")}
	}
	return &s3.GetObjectOutput{Body: io.NopCloser(bytes.NewReader(b))}, nil
}

func (r *recordingS3) DeleteObject(_ context.Context, in *s3.DeleteObjectInput, _ ...func(*s3.Options)) (*s3.DeleteObjectOutput, error) {
	r.record("DeleteObject", in.Key)
	r.mu.Lock()
	delete(r.objects, aws.ToString(in.Key))
	r.mu.Unlock()
	return &s3.DeleteObjectOutput{}, nil
}

func (r *recordingS3) ListObjectsV2(_ context.Context, in *s3.ListObjectsV2Input, _ ...func(*s3.Options)) (*s3.ListObjectsV2Output, error) {
	r.record("ListObjectsV2", in.Prefix)
	r.mu.Lock()
	defer r.mu.Unlock()
	out := &s3.ListObjectsV2Output{}
	var keys []string
	for k := range r.objects {
		if strings.HasPrefix(k, aws.ToString(in.Prefix)) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		out.Contents = append(out.Contents, types.Object{Key: aws.String(k)})
	}
	return out, nil
}

// stubEngine answers the summary, the series and the timeline SQL with one level per
// element of levels, each its requests all ok in one second: enough for
// the aggregate step to write its files, and for the sweep step to find
// rates between its first two levels. A row has the columns the query
// selects (selectColumns): those named here with their values, any other
// a zero of its CAST type, so a column added to the SQL does not break
// the recorded runs.
type stubEngine struct{ levels []stubLevel }

// stubLevel is one level of a stubEngine: its concurrency and its ok
// requests (its request throughput, per second).
type stubLevel struct{ concurrency, requests int64 }

func (e stubEngine) Query(_ context.Context, sql string) ([]map[string]any, error) {
	rows := []map[string]any{}
	var known func(i int, l stubLevel) map[string]any
	switch {
	case strings.Contains(sql, " AS busy_head"): // query.TimelineSQL: one second a level
		for i, l := range e.levels {
			rows = append(rows, map[string]any{
				"t": int64(i), "started": l.requests, "not_sent": int64(0), "warmup": int64(0),
				"ok": l.requests, "errors": int64(0), "output_tokens": 64 * l.requests,
				"busy_ms": 1000.0, "open_end": int64(0), "ttft_p50_ms": 100.0,
			})
		}
		return rows, nil
	case strings.Contains(sql, " AS arrivals"): // query.SeriesSQL
		known = func(i int, l stubLevel) map[string]any {
			return map[string]any{
				"level_index": int64(i), "t": int64(0), "arrivals": l.requests, "sent": l.requests,
				"ok": l.requests, "output_tokens": 64 * l.requests,
				"ttft_mean_ms": 100.0, "e2e_mean_ms": 500.0,
			}
		}
	case strings.Contains(sql, " AS first_start_ms"): // the counts of query.SummarySQL
		known = func(i int, l stubLevel) map[string]any {
			return map[string]any{
				"level_index": int64(i), "status": "ok", "concurrency": l.concurrency, "mode": "concurrency",
				"requests": l.requests, "good": l.requests, "usage_rows": l.requests,
				"first_start_ms": 0.0, "last_start_ms": 900.0, "last_end_ms": 1000.0,
				"first_intended_ms": 0.0, "last_intended_ms": 900.0, "busy_ms": 1000.0,
				"input_tokens": 256 * l.requests, "output_tokens": 64 * l.requests,
			}
		}
	default:
		return rows, nil // the distributions
	}
	cols := selectColumns(sql)
	if len(cols) == 0 {
		return nil, fmt.Errorf("stubEngine: no columns read from the SELECT of %q", sql)
	}
	for i, l := range e.levels {
		k := known(i, l)
		row := map[string]any{}
		for _, c := range cols {
			v, ok := k[c.name]
			switch {
			case ok:
			case c.typ == "BIGINT":
				v = int64(0)
			case c.typ == "DOUBLE":
				v = 0.0
			default:
				v = ""
			}
			row[c.name] = v
		}
		rows = append(rows, row)
	}
	return rows, nil
}

// selectColumn is a column of a query's outer SELECT, with its CAST type
// (BIGINT, DOUBLE) or "".
type selectColumn struct{ name, typ string }

var (
	reAliased = regexp.MustCompile(`^(.*) AS ([a-z_][a-z0-9_]*)$`)
	reCastTo  = regexp.MustCompile(`AS (BIGINT|DOUBLE)\)$`)
	reBare    = regexp.MustCompile(`^[a-z_][a-z0-9_]*$`)
)

// selectColumns reads the columns of the last "SELECT" line of sql up to
// its FROM: the summary and series SQL write one column a line
// ("CAST(x AS BIGINT) AS name," or "name,").
func selectColumns(sql string) []selectColumn {
	lines := strings.Split(sql, "\n")
	start := -1
	for i, l := range lines {
		if strings.TrimSpace(l) == "SELECT" {
			start = i + 1
		}
	}
	if start < 0 {
		return nil
	}
	var out []selectColumn
	for _, l := range lines[start:] {
		l = strings.TrimSuffix(strings.TrimSpace(l), ",")
		if strings.HasPrefix(l, "FROM ") {
			break
		}
		if m := reAliased.FindStringSubmatch(l); m != nil {
			typ := ""
			if t := reCastTo.FindStringSubmatch(m[1]); t != nil {
				typ = t[1]
			}
			out = append(out, selectColumn{m[2], typ})
		} else if reBare.MatchString(l) {
			out = append(out, selectColumn{l, ""})
		}
	}
	return out
}

// engineOf opens e, as the Lambda mains open their Athena engine.
func engineOf(e stubEngine) workflow.OpenEngine {
	return func(context.Context, store.Store, *llmplan.Plan) (query.Engine, func(), error) {
		return e, func() {}, nil
	}
}

// narrowByRecordedRuns runs the four handlers, wired as their main.go
// wires them, against a recording S3 (and the simulated LLM server for the
// worker): a plan, a worker slice run twice (the second time as the retry
// of an interrupted attempt, which drops the first attempt's parts), the
// aggregation, and the sweep step of a second run (load.profile sweep),
// run twice (the second time as a retry, which finds its levels planned).
// For s3store.API each function keeps only the operations its run made,
// and the keys are checked against the role's resources.
func narrowByRecordedRuns(calls map[string]*functionCalls, output string) {
	fail := func(fn string, err error) {
		if fc := calls[fn]; fc != nil {
			fc.problems = append(fc.problems, fmt.Sprintf("recorded run of the %s handler failed (update narrowByRecordedRuns in iam_test.go to the workflow's contract): %v", fn, err))
		}
	}
	p, err := simllm.LookupProfile("instant")
	if err != nil {
		fail("worker", err)
		return
	}
	sim, err := simllm.Start(simllm.Options{Profile: p})
	if err != nil {
		fail("worker", err)
		return
	}
	defer sim.Close()
	bucket, _, err := s3store.ParseURL(output)
	if err != nil {
		fail("planner", err)
		return
	}
	spec, _ := json.Marshal(map[string]any{
		"name":     "iam-probe",
		"platform": "aws",
		"target":   map[string]any{"kind": "openai", "url": sim.URL, "api": "chat", "model": "m"},
		"workload": map[string]any{"output_tokens": 4, "stream": true,
			// A prompt dataset in the store's bucket, under datasets/.
			"prompts": "dataset", "dataset": map[string]any{"format": "jsonl", "path": "s3://" + bucket + "/datasets/iam-probe.jsonl"}},
		"load":    map[string]any{"levels": []int{2}, "requests": 4, "request_timeout": "10s"},
		"pricing": map[string]any{"usd_per_hour": 1.515, "instances": 1},
		"output":  output,
	})

	rec := newRecordingS3()
	rec.objects["datasets/iam-probe.jsonl"] = []byte("{\"prompt\":\"hello\"}\n{\"prompt\":\"world\"}\n")
	ctx := context.Background()
	planner := workflow.NewPlanner(s3store.Opener(rec), s3store.OpenObject(rec), 0)
	plan, err := planner.Plan(ctx, workflow.PlanEvent{Spec: spec, Execution: "recorded"})
	if err != nil {
		fail("planner", err)
		return
	}
	record(calls["planner"], rec.reset())

	worker := workflow.NewWorker(s3store.Opener(rec), workflowtest.OpenAI(""), workflow.WorkerConfig{})
	ev := workflow.WorkEvent{RunID: plan.RunID, Output: plan.Output, LevelIndex: 0, Worker: 0}
	if _, err := worker.Work(ctx, ev); err != nil {
		fail("worker", err)
		return
	}
	// Make the first attempt look interrupted: its record not done.
	_, prefix, err := s3store.ParseURL(plan.Output)
	if err != nil {
		fail("worker", err)
		return
	}
	if prefix = strings.Trim(prefix, "/"); prefix != "" {
		prefix += "/"
	}
	key := prefix + store.SliceRecordKey(plan.RunID, plan.Levels[0].Index, 0)
	var sr map[string]any
	if err := json.Unmarshal(rec.objects[key], &sr); err != nil {
		fail("worker", fmt.Errorf("slice record %s: %w", key, err))
		return
	}
	sr["done"] = false
	rec.objects[key], _ = json.Marshal(sr)
	worker = workflow.NewWorker(s3store.Opener(rec), workflowtest.OpenAI(""), workflow.WorkerConfig{})
	if _, err := worker.Work(ctx, ev); err != nil {
		fail("worker", err)
		return
	}
	record(calls["worker"], rec.reset())

	aggregator := workflow.NewAggregator(s3store.Opener(rec), engineOf(stubEngine{[]stubLevel{{2, 4}}}),
		"athena", workflow.AggregatorConfig{})
	if _, err := aggregator.Aggregate(ctx, workflow.AggregateEvent{RunID: plan.RunID, Output: plan.Output}); err != nil {
		fail("aggregator", err)
		return
	}
	record(calls["aggregator"], rec.reset())

	// A sweep: its plan holds the synchronous and the throughput level;
	// the engine says they measured 1 and 4 req/s.
	sweepSpec, _ := json.Marshal(map[string]any{
		"name":     "iam-probe",
		"platform": "aws",
		"target":   map[string]any{"kind": "openai", "url": sim.URL, "api": "chat", "model": "m"},
		"workload": map[string]any{"input_tokens": 8, "output_tokens": 4, "stream": true},
		"load": map[string]any{"mode": "rate", "profile": "sweep", "sweep_levels": 2, "sweep_concurrency": 4,
			"requests": 4, "request_timeout": "10s"},
		"pricing": map[string]any{"usd_per_hour": 1.515, "instances": 1},
		"output":  output,
	})
	swept, err := planner.Plan(ctx, workflow.PlanEvent{Spec: sweepSpec, Execution: "recorded-sweep"})
	if err != nil {
		fail("planner", err)
		return
	}
	record(calls["planner"], rec.reset())
	sev := workflow.SweepEvent{RunID: swept.RunID, Output: swept.Output, Levels: []workflow.LevelOutcome{}}
	for range 2 {
		sweeper := workflow.NewSweeper(s3store.Opener(rec), engineOf(stubEngine{[]stubLevel{{1, 1}, {4, 4}}}))
		out, err := sweeper.Sweep(ctx, sev)
		if err != nil {
			fail("sweeper", err)
			return
		}
		if len(out.Levels) != 2 {
			fail("sweeper", fmt.Errorf("the sweep planned %d levels, want 2 (load.sweep_levels)", len(out.Levels)))
			return
		}
	}
	record(calls["sweeper"], rec.reset())
}

// record keeps a function's recorded store calls and narrows its
// s3store.API methods to them.
func record(fc *functionCalls, acc []s3Access) {
	if fc == nil {
		return
	}
	ops := map[string]bool{}
	for _, a := range acc {
		ops[a.op] = true
	}
	fc.s3 = append(fc.s3, acc...)
	for _, c := range fc.calls {
		if strings.HasSuffix(c.pkg, "/s3store") {
			// A function may have several recorded runs (the planner plans
			// two): it needs what any of them called.
			k := c.pkg + "." + c.iface
			if fc.narrowed[k] == nil {
				fc.narrowed[k] = map[string]bool{}
			}
			for op := range ops {
				fc.narrowed[k][op] = true
			}
		}
	}
}

// accessSummary lists the distinct operations and key shapes of a run
// (run ids and numbers elided).
func accessSummary(acc []s3Access) string {
	reID := regexp.MustCompile(`iam-probe-[0-9TZ]+-[0-9a-f]+`)
	seen := map[string]bool{}
	var out []string
	for _, a := range acc {
		k := a.op + " " + reID.ReplaceAllString(a.key, "<run>")
		if !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return strings.Join(out, "; ")
}

// checkS3Resources checks that each store call of a recorded run is
// allowed on its key by a statement's resources: the action on
// <bucket>/<key>, or s3:ListBucket on the bucket.
func checkS3Resources(r *repo, who string, acc []s3Access, sts []statement) []string {
	bucketARN := r.fixed()["aws_s3_bucket.store.arn"]
	var problems []string
	seen := map[s3Access]bool{}
	for _, a := range acc {
		// One key per file kind is enough: the run id and names vary.
		if seen[a] {
			continue
		}
		seen[a] = true
		acts, ok := actionsOf["s3:"+a.op]
		if !ok {
			acts = []string{"s3:" + a.op}
		}
		for _, act := range acts {
			target := bucketARN + "/" + a.key
			if act == "s3:ListBucket" {
				target = bucketARN
			}
			if !resourceAllows(r, sts, act, target) {
				problems = append(problems, fmt.Sprintf("%s: its code calls %s on %s, which no statement allows (%s on %s)", who, a.op, a.key, act, target))
			}
		}
	}
	return problems
}

// resourceAllows reports whether an Allow statement grants act on arn.
func resourceAllows(r *repo, sts []statement, act, arn string) bool {
	return resourceAllowsWith(r.fixed(), sts, act, arn)
}

// resourceAllowsWith is resourceAllows with the resources evaluated with
// fixed (evalWith).
func resourceAllowsWith(fixed map[string]string, sts []statement, act, arn string) bool {
	for _, s := range sts {
		if !s.allow || !contains(s.actions, act) {
			continue
		}
		for _, e := range s.resExprs {
			v, err := evalWith(e, fixed)
			if err != nil {
				continue
			}
			for _, pat := range ctyStrings(v) {
				if iamGlob(pat).MatchString(arn) {
					return true
				}
			}
		}
	}
	return false
}

// iamGlob turns an IAM resource pattern into a regular expression: * any
// run of characters (slashes too), ? one character.
func iamGlob(p string) *regexp.Regexp {
	var b strings.Builder
	b.WriteString("^")
	for _, r := range p {
		switch r {
		case '*':
			b.WriteString(".*")
		case '?':
			b.WriteString(".")
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	b.WriteString("$")
	return regexp.MustCompile(b.String())
}

// statement is one statement of an aws_iam_policy_document.
type statement struct {
	doc         *tfBlock
	sid         string
	allow       bool
	actions     []string
	resources   []string // each literal, or the source of a reference
	resExprs    []hcl.Expression
	star        bool // a literal "*" resource
	conditional bool // in a dynamic block
	line        string
}

// policyDoc reads the statements of data.aws_iam_policy_document.<name>.
func policyDoc(doc *tfBlock) ([]statement, []string) {
	var out []statement
	var problems []string
	for _, n := range children(doc.Body, "statement") {
		st := statement{doc: doc, allow: true, conditional: n.conditional, line: doc.at(n.body.SrcRange)}
		if a := attr(n.body, "sid"); a != nil {
			st.sid, _ = literalString(a.Expr)
		}
		if a := attr(n.body, "effect"); a != nil {
			e, _ := literalString(a.Expr)
			st.allow = e != "Deny"
		}
		for _, bad := range []string{"not_actions", "not_resources"} {
			if attr(n.body, bad) != nil && st.allow {
				problems = append(problems, fmt.Sprintf("%s: an Allow with %s grants everything else: name what is allowed", st.line, bad))
			}
		}
		if a := attr(n.body, "actions"); a != nil {
			acts, ok := literalStrings(a.Expr)
			if !ok {
				problems = append(problems, fmt.Sprintf("%s: actions must be a literal list of strings for the checks to read", st.line))
			}
			st.actions = acts
		}
		if a := attr(n.body, "resources"); a != nil {
			if items, ok := listItems(a.Expr); ok {
				for _, it := range items {
					st.resExprs = append(st.resExprs, it)
					if s, ok := literalString(it); ok {
						st.resources = append(st.resources, s)
						st.star = st.star || s == "*"
					} else {
						st.resources = append(st.resources, doc.text(it))
					}
				}
			} else {
				st.resources = []string{doc.text(a.Expr)}
				st.resExprs = []hcl.Expression{a.Expr}
			}
		}
		out = append(out, st)
	}
	return out, problems
}

// rolePolicies returns the statements of every policy attached to a role,
// and problems for attachments the checks cannot read.
func rolePolicies(c *tfConfig, role string) ([]statement, []string) {
	var out []statement
	var problems []string
	r := c.find(role)
	if r == nil {
		return nil, []string{fmt.Sprintf("no role %s in the configuration", role)}
	}
	{
		for _, a := range []string{"managed_policy_arns", "inline_policy"} {
			if attr(r.Body, a) != nil || child(r.Body, a) != nil {
				problems = append(problems, fmt.Sprintf("%s: %s has %s: use aws_iam_role_policy with an aws_iam_policy_document", r.file, role, a))
			}
		}
	}
	for _, b := range c.all("resource", "aws_iam_role_policy_attachment") {
		if a := attr(b.Body, "role"); a != nil && hasRef(a.Expr, role) {
			problems = append(problems, fmt.Sprintf("%s: %s attaches a managed policy to %s: its actions cannot be checked", b.at(b.DefRange()), b.addr(), role))
		}
	}
	for _, b := range c.all("resource", "aws_iam_role_policy") {
		a := attr(b.Body, "role")
		if a == nil || !hasRef(a.Expr, role) {
			continue
		}
		p := attr(b.Body, "policy")
		var doc *tfBlock
		if p != nil {
			for _, r := range refs(p.Expr) {
				if name, ok := strings.CutPrefix(r, "data.aws_iam_policy_document."); ok {
					name, _, _ = strings.Cut(name, ".")
					doc = c.find("data.aws_iam_policy_document." + name)
				}
			}
		}
		if doc == nil {
			problems = append(problems, fmt.Sprintf("%s: the policy of %s is not an aws_iam_policy_document the checks can read", b.at(b.DefRange()), b.addr()))
			continue
		}
		sts, pr := policyDoc(doc)
		out = append(out, sts...)
		problems = append(problems, pr...)
	}
	return out, problems
}

// allowed returns the actions a role's statements allow, with where.
func allowed(sts []statement) map[string][]statement {
	out := map[string][]statement{}
	for _, s := range sts {
		if !s.allow {
			continue
		}
		for _, a := range s.actions {
			out[a] = append(out[a], s)
		}
	}
	return out
}

// roleOf returns the role an attribute's expression names
// (aws_iam_role.worker.arn -> resource aws_iam_role.worker).
func roleOf(e hcl.Expression) string {
	for _, r := range refs(e) {
		if rest, ok := strings.CutPrefix(r, "aws_iam_role."); ok {
			name, _, _ := strings.Cut(rest, ".")
			name, _, _ = strings.Cut(name, "[")
			return "aws_iam_role." + name
		}
	}
	return ""
}

// compareActions reports what a role lacks and what it has beyond need,
// extra and pend (pending grants, allowed only in conditional statements).
func compareActions(who string, need map[string]string, extra []string, pend map[string]string, sts []statement) []string {
	var problems []string
	have := allowed(sts)
	for _, a := range sortedKeys(need) {
		if _, ok := have[a]; !ok {
			problems = append(problems, fmt.Sprintf("%s lacks %s, needed by %s", who, a, need[a]))
		}
	}
	ok := map[string]bool{}
	for _, a := range extra {
		ok[a] = true
	}
	for _, a := range sortedKeys(have) {
		if strings.Contains(a, "*") {
			problems = append(problems, fmt.Sprintf("%s: %s grants the wildcard action %s: name the actions", who, have[a][0].line, a))
			continue
		}
		if _, needed := need[a]; needed || ok[a] {
			continue
		}
		if why, isPending := pend[a]; isPending {
			for _, s := range have[a] {
				if !s.conditional {
					problems = append(problems, fmt.Sprintf("%s: %s grants %s unconditionally; it is for %s and must sit in a dynamic statement that exists only when its variable is set", who, s.line, a, why))
				}
			}
			continue
		}
		problems = append(problems, fmt.Sprintf("%s grants %s (%s), which no code it runs calls", who, a, have[a][0].line))
	}
	return problems
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// checkIAM compares each role with what runs under it: a function's role
// with its code's calls; the state machine's with the Tasks of the
// definition; the scheduler's with StartExecution; and checks Resource
// "*" everywhere.
func checkIAM(r *repo, calls map[string]*functionCalls, logf func(string, ...any)) []string {
	var problems []string
	known := map[string]bool{}

	lambdas := lambdaByFunction(r)
	for _, fn := range r.pkg.functions {
		fc := calls[fn]
		if fc == nil {
			problems = append(problems, fmt.Sprintf("no AWS calls derived for function %s", fn))
			continue
		}
		problems = append(problems, fc.problems...)
		lb := lambdas[fn]
		if lb == nil {
			continue // checkPackaging reports it
		}
		a := attr(lb.Body, "role")
		role := ""
		if a != nil {
			role = roleOf(a.Expr)
		}
		if role == "" {
			problems = append(problems, fmt.Sprintf("%s: %s has no role from an aws_iam_role of this configuration", lb.file, lb.addr()))
			continue
		}
		known[role] = true
		sts, pr := rolePolicies(r.tf, role)
		problems = append(problems, pr...)
		need := fc.actions()
		pend := optional[fn]
		for _, a := range sortedKeys(pend) {
			logf("%s: %s may be granted beyond the SDK calls: %s", fn, a, pend[a])
		}
		logf("%s: store calls of its recorded run: %s", fn, accessSummary(fc.s3))
		for _, c := range fc.unclient {
			logf("%s: %s is linked but no %s client is made: not counted", fn, c, c.service)
		}
		who := fmt.Sprintf("function %s (role %s)", fn, role)
		problems = append(problems, compareActions(who, need, lambdaRuntime, pend, sts)...)
		problems = append(problems, checkS3Resources(r, who, fc.s3, sts)...)
	}

	// The state machine: lambda:InvokeFunction on exactly the functions
	// its Tasks name, and log delivery.
	for _, sm := range r.tf.all("resource", "aws_sfn_state_machine") {
		a := attr(sm.Body, "role_arn")
		role := ""
		if a != nil {
			role = roleOf(a.Expr)
		}
		if role == "" {
			problems = append(problems, fmt.Sprintf("%s: %s has no role_arn from an aws_iam_role", sm.file, sm.addr()))
			continue
		}
		known[role] = true
		sts, pr := rolePolicies(r.tf, role)
		problems = append(problems, pr...)
		need := map[string]string{"lambda:InvokeFunction": "the Tasks of statemachine/benchmark.asl.json"}
		if child(sm.Body, "logging_configuration") != nil {
			for _, l := range sfnLogDelivery {
				need[l] = "the state machine's logging_configuration"
			}
		}
		who := fmt.Sprintf("state machine %s (role %s)", sm.addr(), role)
		problems = append(problems, distributedMapNeeds(who, "${local.name}-benchmark", need, sts)...)
		problems = append(problems, compareActions(who, need, nil, nil, sts)...)
		invoked := map[string]bool{}
		for _, lb := range taskLambdas(r, sm) {
			invoked[lb] = true
		}
		granted := map[string]bool{}
		for _, s := range allowed(sts)["lambda:InvokeFunction"] {
			for _, res := range s.resources {
				addr := lambdaAddr(res)
				if addr == "" {
					problems = append(problems, fmt.Sprintf("%s: %s may invoke %s, which is not a function of the definition", who, s.line, res))
					continue
				}
				granted[addr] = true
				if !invoked[addr] {
					problems = append(problems, fmt.Sprintf("%s: %s may invoke %s, which no Task of the definition names", who, s.line, addr))
				}
			}
		}
		for _, lb := range sortedKeys(invoked) {
			if !granted[lb] {
				problems = append(problems, fmt.Sprintf("%s lacks lambda:InvokeFunction on %s, which a Task of the definition invokes", who, lb))
			}
		}
	}

	// The scheduler: states:StartExecution on the state machine it starts.
	for _, s := range r.tf.all("resource", "aws_scheduler_schedule") {
		tgt := child(s.Body, "target")
		if tgt == nil {
			continue // checkScheduler reports it
		}
		role := ""
		if a := attr(tgt, "role_arn"); a != nil {
			role = roleOf(a.Expr)
		}
		if role == "" {
			problems = append(problems, fmt.Sprintf("%s: %s target has no role_arn from an aws_iam_role", s.file, s.addr()))
			continue
		}
		known[role] = true
		sts, pr := rolePolicies(r.tf, role)
		problems = append(problems, pr...)
		who := fmt.Sprintf("schedule %s (role %s)", s.addr(), role)
		problems = append(problems, compareActions(who, map[string]string{"states:StartExecution": "the schedule's target"}, nil, nil, sts)...)
		arn := ""
		if a := attr(tgt, "arn"); a != nil {
			for _, ref := range refs(a.Expr) {
				if strings.HasPrefix(ref, "aws_sfn_state_machine.") {
					arn = strings.TrimSuffix(ref, ".arn")
				}
			}
		}
		for _, st := range allowed(sts)["states:StartExecution"] {
			for _, res := range st.resources {
				if arn == "" || !strings.Contains(res, arn+".arn") {
					problems = append(problems, fmt.Sprintf("%s: %s may start %s; the schedule starts %s", who, st.line, res, arn))
				}
			}
		}
	}

	// SageMaker execution roles run no code of ours: only the Resource
	// "*" rule applies to them.
	for _, m := range r.tf.all("resource", "aws_sagemaker_model") {
		if a := attr(m.Body, "execution_role_arn"); a != nil {
			if role := roleOf(a.Expr); role != "" {
				known[role] = true
				_, pr := rolePolicies(r.tf, role)
				problems = append(problems, pr...)
			}
		}
	}
	for _, role := range r.tf.all("resource", "aws_iam_role") {
		if !known["aws_iam_role."+role.name()] {
			problems = append(problems, fmt.Sprintf("%s: %s is not the role of a function, the state machine, a schedule or a SageMaker model: the checks cannot tell what it needs", role.file, role.addr()))
		}
	}

	// Resource "*" only for the documented exceptions.
	for _, doc := range r.tf.all("data", "aws_iam_policy_document") {
		sts, pr := policyDoc(doc)
		problems = append(problems, pr...)
		for _, s := range sts {
			if !s.allow || !s.star {
				continue
			}
			for _, a := range s.actions {
				if _, ok := starExceptions[a]; !ok {
					problems = append(problems, fmt.Sprintf("%s: %s allows %s on Resource \"*\": name the resources (only %s may use \"*\")", s.line, doc.addr(), a, strings.Join(sortedKeys(starExceptions), ", ")))
				}
			}
		}
	}
	return problems
}

// lambdaByFunction maps each function of the Makefile to the
// aws_lambda_function packaged from its zip.
func lambdaByFunction(r *repo) map[string]*tfBlock {
	out := map[string]*tfBlock{}
	for _, lb := range r.tf.all("resource", "aws_lambda_function") {
		if fn := zipFunction(r, lb); fn != "" {
			out[fn] = lb
		}
	}
	return out
}

// zipFunction returns the Makefile function whose zip a Lambda's filename
// names, or "".
func zipFunction(r *repo, lb *tfBlock) string {
	a := attr(lb.Body, "filename")
	if a == nil {
		return ""
	}
	p, err := evalString(a.Expr, map[string]string{"path.module": r.tf.dir})
	if err != nil {
		return ""
	}
	rel, err := filepath.Rel(r.root, filepath.Clean(p))
	if err != nil {
		return ""
	}
	for fn, zip := range r.pkg.zip {
		if filepath.ToSlash(rel) == zip {
			return fn
		}
	}
	return ""
}

// lambdaAddr returns aws_lambda_function.<name> if a resource's source is
// that function's ARN.
func lambdaAddr(res string) string {
	rest, ok := strings.CutPrefix(res, "aws_lambda_function.")
	if !ok {
		return ""
	}
	name, attrName, _ := strings.Cut(rest, ".")
	if attrName != "arn" {
		return ""
	}
	return "aws_lambda_function." + name
}

// taskLambdas returns the Lambda resources the Tasks of a state machine's
// definition invoke, through its templatefile variables.
func taskLambdas(r *repo, sm *tfBlock) []string {
	vars := templateVars(sm)
	var out []string
	for _, t := range aslTasks(r.asl) {
		name := strings.TrimSuffix(strings.TrimPrefix(t.function, "${"), "}")
		if e, ok := vars[name]; ok {
			for _, ref := range refs(e) {
				if l := lambdaAddr(ref); l != "" {
					out = append(out, l)
				}
			}
		}
	}
	return out
}

// templateVars returns the variables a state machine's definition passes
// to templatefile, or nil.
func templateVars(sm *tfBlock) map[string]hcl.Expression {
	a := attr(sm.Body, "definition")
	if a == nil {
		return nil
	}
	c := call(a.Expr, "templatefile")
	if c == nil || len(c.Args) != 2 {
		return nil
	}
	items, ok := objectItems(c.Args[1])
	if !ok {
		return nil
	}
	out := map[string]hcl.Expression{}
	for k, v := range items {
		out[k] = v
	}
	return out
}
