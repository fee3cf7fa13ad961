package terraform_test

import (
	"encoding/json"
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/llmbench/llmbench/shared/emf"
	"github.com/llmbench/llmbench/statemachine"
)

var update = flag.Bool("update", false, "rewrite testdata/level_summary.jsonl")

// root is the checkout: this package sits in <root>/terraform.
func root(t *testing.T) string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Dir(wd)
}

func mustLoad(t *testing.T, dir string) *repo {
	t.Helper()
	r, err := loadRepo(dir)
	if err != nil {
		t.Fatalf("load %s: %v", dir, err)
	}
	return r
}

// check is one static check: it returns every problem it finds.
type check struct {
	name string
	run  func(t *testing.T, r *repo, logf func(string, ...any)) []string
}

var checks = []check{
	{"packaging", func(_ *testing.T, r *repo, _ func(string, ...any)) []string { return checkPackaging(r) }},
	{"state machine", func(_ *testing.T, r *repo, _ func(string, ...any)) []string { return checkStateMachine(r) }},
	{"glue", func(_ *testing.T, r *repo, _ func(string, ...any)) []string { return checkGlue(r) }},
	{"iam", func(t *testing.T, r *repo, logf func(string, ...any)) []string {
		return checkIAM(r, deriveCalls(t, mustLoad(t, root(t))), logf)
	}},
	{"scheduler", func(_ *testing.T, r *repo, _ func(string, ...any)) []string { return checkScheduler(r) }},
	{"secrets", func(_ *testing.T, r *repo, _ func(string, ...any)) []string { return checkSecrets(r) }},
	{"metrics", func(_ *testing.T, r *repo, _ func(string, ...any)) []string { return checkMetrics(r) }},
	{"references", func(_ *testing.T, r *repo, _ func(string, ...any)) []string { return checkReferences(r) }},
	{"roles", func(_ *testing.T, r *repo, _ func(string, ...any)) []string { return checkRoles(r) }},
	{"function maps", func(_ *testing.T, r *repo, _ func(string, ...any)) []string { return checkFunctionMaps(r) }},
	{"proxy metric", func(_ *testing.T, r *repo, _ func(string, ...any)) []string { return checkProxyMetric(r) }},
}

func checkByName(name string) check {
	for _, c := range checks {
		if c.name == name {
			return c
		}
	}
	panic("no check " + name)
}

// TestChecks runs every check on the tree as it is: none may find a
// problem.
func TestChecks(t *testing.T) {
	r := mustLoad(t, root(t))
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			for _, p := range c.run(t, r, t.Logf) {
				t.Error(p)
			}
		})
	}
}

// TestChecksCatchBreakage breaks a copy of the tree one way at a time and
// asserts the check meant to catch it reports it.
func TestChecksCatchBreakage(t *testing.T) {
	tests := []struct {
		name  string
		file  string // relative to the root
		old   string // a regular expression that must match
		new   string
		check string
		want  string // a substring of one problem
	}{
		// A permission the worker's code needs (s3store.API.GetObject: spec, plan, slice record).
		{"worker loses GetObject", "terraform/iam.tf", `(sid       = "ReadRun"\n    actions   = \[)"s3:GetObject"\]`, `${1}"s3:GetObjectVersion"]`, "iam", "function worker (role aws_iam_role.worker) lacks s3:GetObject"},
		// The planner's only permission.
		{"planner loses PutObject", "terraform/iam.tf", `sid       = "WriteRun"\n    actions   = \["s3:PutObject"\]`, "sid       = \"WriteRun\"\n    actions   = [\"s3:PutObjectAcl\"]", "iam", "function planner (role aws_iam_role.planner) lacks s3:PutObject"},
		// The action is there but not on the keys the code writes (its slice records).
		{"worker slice records elsewhere", "terraform/iam.tf", `runs/\*/slices/\*"`, `runs/*/slice/*"`, "iam", "its code calls PutObject on llmbench/runs/"},
		// The aggregator's summary.json written outside its resources.
		{"aggregator writes only summaries/", "terraform/iam.tf", `resources = \["\$\{local.store_objects\}runs/\*", "\$\{local.store_objects\}summaries/\*"\]`, `resources = ["${local.store_objects}summaries/*"]`, "iam", "function aggregator (role aws_iam_role.aggregator): its code calls PutObject on llmbench/runs/"},
		// The Distributed Map's children: DescribeExecution/StopExecution of
		// every execution, not only the Slices children.
		{"map children widened", "terraform/iam.tf", `execution:\$\{local.name\}-benchmark/Slices:\*"`, `execution:*"`, "iam", "grants states:DescribeExecution on"},
		// The Distributed Map cannot start its children without StartExecution.
		{"map loses StartExecution", "terraform/iam.tf", `sid       = "DistributedMapStart"\n    actions   = \["states:StartExecution"\]`, "sid       = \"DistributedMapStart\"\n    actions   = [\"states:ListExecutions\"]", "iam", "lacks states:StartExecution, needed by the definition's Distributed Map (Slices)"},
		// ResultWriter's writes held to the runs' maprun/ folders.
		{"map results anywhere", "terraform/iam.tf", `resources = \["\$\{local.store_objects\}runs/\*/maprun/\*"\]`, `resources = ["${local.store_objects}*"]`, "iam", "grants s3:PutObject on"},
		// Only the samples statement granted DeleteObject to the worker.
		{"worker loses DeleteObject", "terraform/iam.tf", `"s3:PutObject", "s3:DeleteObject"`, `"s3:PutObject"`, "iam", "function worker (role aws_iam_role.worker) lacks s3:DeleteObject"},
		// The aggregator's Athena query reads the Glue table as the caller.
		{"aggregator loses glue:GetTable", "terraform/iam.tf", `"glue:GetDatabase", "glue:GetTable", `, `"glue:GetDatabase", `, "iam", "lacks glue:GetTable"},
		// The planner only writes: the recorded run of its handler shows it.
		{"planner gains DeleteObject", "terraform/iam.tf", `sid       = "WriteRun"\n    actions   = \["s3:PutObject"\]`, "sid       = \"WriteRun\"\n    actions   = [\"s3:PutObject\", \"s3:DeleteObject\"]", "iam", "function planner (role aws_iam_role.planner) grants s3:DeleteObject"},
		// An action no code of the function calls.
		{"worker gains athena", "terraform/iam.tf", `sid       = "ListBucket"\n    actions   = \["s3:ListBucket"\]`, "sid       = \"ListBucket\"\n    actions   = [\"s3:ListBucket\", \"athena:StartQueryExecution\"]", "iam", "grants athena:StartQueryExecution"},
		// A wildcard action.
		{"wildcard action", "terraform/iam.tf", `actions   = \["s3:GetObject"\]\n    resources = \["\$\{local.store_objects\}runs/\*"\]\n  \}\n\n  statement \{\n    sid       = "WriteSliceRecords"`, "actions   = [\"s3:Get*\"]\n    resources = [\"${local.store_objects}runs/*\"]\n  }\n\n  statement {\n    sid       = \"WriteSliceRecords\"", "iam", "wildcard action s3:Get*"},
		// Resource "*" on an action that has narrower resources.
		{"star resource", "terraform/iam.tf", `resources = \[aws_sfn_state_machine.benchmark.arn\]`, `resources = ["*"]`, "iam", "allows states:StartExecution on Resource \"*\""},
		// An optional grant made unconditional.
		{"execute-api unconditional", "terraform/iam.tf", `(sid       = "ListBucket"\n    actions   = \[)"s3:ListBucket"\]`, `${1}"s3:ListBucket", "execute-api:Invoke"]`, "iam", "grants execute-api:Invoke unconditionally"},
		// The worker's code calls Secrets Manager (shared/secrets.API).
		{"worker loses secrets", "terraform/iam.tf", `actions   = \["secretsmanager:GetSecretValue"\]`, `actions   = ["secretsmanager:DescribeSecret"]`, "iam", "lacks secretsmanager:GetSecretValue"},
		// And SageMaker's runtime (shared/target/sagemaker.API).
		{"worker loses streaming", "terraform/iam.tf", `"sagemaker:InvokeEndpoint", "sagemaker:InvokeEndpointWithResponseStream"`, `"sagemaker:InvokeEndpoint"`, "iam", "lacks sagemaker:InvokeEndpointWithResponseStream"},
		// The scaling policy must read what the proxy emits: its metric name,
		{"policy reads another metric", "terraform/sagemaker.tf", `metric_name = "CompletionTokens"`, `metric_name = "OutputTokens"`, "proxy metric", `metric_name "OutputTokens"`},
		// its dimensions (a set the proxy emits),
		{"policy adds a dimension", "terraform/sagemaker.tf", `(dimensions \{\n\s+name  = "EndpointName"\n\s+value = aws_sagemaker_endpoint.seed\[0\].name\n\s+\}\n)(\s+\}\n\s+\}\n\s+\}\n\n\s+metrics \{\n\s+id\s+= "invocations")`, "${1}\n            dimensions {\n              name  = \"VariantName\"\n              value = \"AllTraffic\"\n            }\n${2}", "proxy metric", "tokens: dimensions [EndpointName VariantName]"},
		// its statistic (one datum per request: Sum),
		{"policy averages", "terraform/sagemaker.tf", `stat = "Sum"\n\n(\s+)metric \{\n(\s+)namespace   = var.seed_scaling_metric_namespace`, "stat = \"Average\"\n\n${1}metric {\n${2}namespace   = var.seed_scaling_metric_namespace", "proxy metric", `stat "Average"`},
		// and the namespace the proxy writes to.
		{"proxy writes elsewhere", "terraform/proxy.tf", `LLMBENCH_EMF_NAMESPACE      = var.seed_scaling_metric_namespace`, `LLMBENCH_EMF_NAMESPACE      = var.metrics_namespace`, "proxy metric", "the proxy's LLMBENCH_EMF_NAMESPACE \"var.metrics_namespace\""},
		// The state machine's role must invoke what the Tasks name.
		{"sfn loses the aggregator", "terraform/iam.tf", `      aws_lambda_function.aggregator.arn,\n`, ``, "iam", "lacks lambda:InvokeFunction on aws_lambda_function.aggregator"},
		// A managed policy hides its actions.
		{"managed policy", "terraform/iam.tf", `(?s)\z`, "\nresource \"aws_iam_role_policy_attachment\" \"extra\" {\n  role       = aws_iam_role.worker.name\n  policy_arn = \"arn:aws:iam::aws:policy/AmazonS3FullAccess\"\n}\n", "iam", "attaches a managed policy"},
		// The sweep Task's function.
		{"sfn loses the sweeper", "terraform/iam.tf", `      aws_lambda_function.sweeper.arn,\n`, ``, "iam", "lacks lambda:InvokeFunction on aws_lambda_function.sweeper"},
		// The sweeper's Athena queries (athena.API through the engine).
		{"sweeper loses athena", "terraform/iam.tf", `(data "aws_iam_policy_document" "sweeper"(?s:.*?))      "athena:StartQueryExecution",\n`, `${1}`, "iam", "function sweeper (role aws_iam_role.sweeper) lacks athena:StartQueryExecution"},
		// The sweeper rewrites plan.json alone (plan.SavePlan).
		{"sweeper writes the spec too", "terraform/iam.tf", `(sid       = "WritePlan"\n    actions   = \["s3:PutObject"\]\n    resources = )\[[^\]]*\]`, `${1}["${local.store_objects}runs/*/spec.json", "${local.store_objects}runs/*/plan.json"]`, "roles", "the sweeper role may s3:PutObject on arn:aws:s3:::bucket/llmbench/runs/nightly-20260101T030000Z-1a2b/spec.json"},
		// Everything under runs/: the derived check is satisfied (the code
		// does call PutObject there); the simulation is not.
		{"sweeper writes runs/*", "terraform/iam.tf", `(sid       = "WritePlan"\n    actions   = \["s3:PutObject"\]\n    resources = )\[[^\]]*\]`, `${1}["${local.store_objects}runs/*"]`, "roles", "the sweeper role may s3:PutObject on arn:aws:s3:::bucket/llmbench/runs/nightly-20260101T030000Z-1a2b/summary.json"},
		// PutObject is needed (Athena's results) so the derived check
		// passes; on samples/ it must not be.
		{"sweeper writes samples", "terraform/iam.tf", `(data "aws_iam_policy_document" "sweeper"(?s:.*?)sid       = "QueryReadsSamples"\n    actions   = )\["s3:GetObject"\]`, `${1}["s3:GetObject", "s3:PutObject"]`, "roles", "the sweeper role may s3:PutObject on arn:aws:s3:::bucket/llmbench/samples/"},
		// GetObject stays granted (ReadRun) so the derived check passes;
		// the query reads the Parquet files as the sweeper.
		{"sweeper cannot read samples", "terraform/iam.tf", `(data "aws_iam_policy_document" "sweeper"(?s:.*?)sid       = "QueryReadsSamples"\n    actions   = \["s3:GetObject"\]\n    resources = )\["\$\{local.store_objects\}samples/\*"\]`, `${1}["${local.store_objects}summaries/*"]`, "roles", "the sweeper role cannot s3:GetObject on arn:aws:s3:::bucket/llmbench/samples/"},
		// The policy's workgroup is not the one the sweeper queries in.
		{"sweeper in another workgroup", "terraform/iam.tf", `(data "aws_iam_policy_document" "sweeper"(?s:.*?)    resources = )\[local.athena_workgroup_arn\]`, `${1}["arn:${local.partition}:athena:${local.region}:${local.account_id}:workgroup/primary"]`, "roles", "the sweeper role cannot athena:StartQueryExecution on arn:aws:athena:us-east-1:123456789012:workgroup/llmbench-bench"},
		// The sweeper's variable bound to another function, or missing.
		{"asl sweeper variable swapped", "terraform/stepfunctions.tf", `sweeper_arn    = aws_lambda_function.sweeper.arn`, `sweeper_arn    = aws_lambda_function.aggregator.arn`, "state machine", "sweeper_arn is aws_lambda_function.aggregator, the function built from functions/aggregator"},
		{"asl sweeper variable missing", "terraform/stepfunctions.tf", `    sweeper_arn    = aws_lambda_function.sweeper.arn\n`, ``, "state machine", "${sweeper_arn}"},
		// The sweeper's main reads the Athena engine's variables.
		{"sweeper env var", "terraform/lambda.tf", `(function_name    = "\$\{local.name\}-sweeper"(?s:.*?))      LLMBENCH_ATHENA_OUTPUT    = local.athena_results_url\n`, `${1}`, "packaging", "functions/sweeper/main.go reads LLMBENCH_ATHENA_OUTPUT"},
		// make package no longer builds the sweeper's zip.
		{"makefile drops the sweeper", "Makefile", `(?m)^FUNCTIONS := planner worker aggregator sweeper proxy$`, `FUNCTIONS := planner worker aggregator proxy`, "packaging", "aws_lambda_function.sweeper is not packaged from a zip of make package"},
		// The function maps: a default, a validation list, a message, a key.
		{"memory default lacks the sweeper", "terraform/variables.tf", `(variable "lambda_memory_mb"(?s:.*?))    sweeper    = 512\n`, `${1}`, "function maps", "var.lambda_memory_mb: the default has keys [aggregator planner proxy worker]"},
		{"timeout validation forgets the sweeper", "terraform/variables.tf", `(variable "lambda_timeout_s"(?s:.*?))\["planner", "worker", "aggregator", "sweeper", "proxy"\]`, `${1}["planner", "worker", "aggregator", "proxy"]`, "function maps", "the validation condition lists [aggregator planner proxy worker]"},
		{"memory message forgets the sweeper", "terraform/variables.tf", `lambda_memory_mb: exactly the keys planner, worker, aggregator, sweeper, proxy;`, `lambda_memory_mb: exactly the keys planner, worker, aggregator, proxy;`, "function maps", "does not name sweeper"},
		{"sweeper reads the aggregator's memory", "terraform/lambda.tf", `var.lambda_memory_mb\["sweeper"\]`, `var.lambda_memory_mb["aggregator"]`, "function maps", "reads var.lambda_memory_mb[\"aggregator\"]; it is the sweeper function"},
		{"example lacks the sweeper", "terraform/terraform.tfvars.example", `, sweeper = 300, proxy = 300 \}`, `, proxy = 300 }`, "function maps", "terraform.tfvars.example: lambda_timeout_s = { planner = 60, worker = 900, aggregator = 600, proxy = 300 }; the default is"},
		// A Glue column type that no longer matches the Parquet schema.
		{"glue column type", "terraform/glue.tf", `name    = "ttft_ms"\n      type    = "double"`, "name    = \"ttft_ms\"\n      type    = \"float\"", "glue", "column ttft_ms is float; sample.Row's Parquet schema has double"},
		// A column of sample.Row missing from the table.
		{"glue column missing", "terraform/glue.tf", `(?s)    columns \{\n      name = "chunks"\n      type = "int"\n    \}\n\n`, ``, "glue", "lacks column chunks int"},
		// A column that is not in the files.
		{"glue column extra", "terraform/glue.tf", `name = "chunks"`, `name = "chunk_count"`, "glue", "column chunk_count is not in sample.Row"},
		// The partition path no longer matches store.SamplePrefix.
		{"glue template", "terraform/glue.tf", `samples/dt=\$\$\{dt\}/run_id=\$\$\{run_id\}/`, `samples/run_id=$${run_id}/dt=$${dt}/`, "glue", "the store writes its files under"},
		// A partition key without projection.
		{"glue projection", "terraform/glue.tf", `    "projection.run_id.type"      = "injected"\n`, ``, "glue", "partition key run_id has no projection type"},
		// The trend table must read every run: dt only.
		{"trend partitioned by run", "terraform/glue.tf", `comment = "UTC day of the run's start, yyyy-MM-dd"\n  \}\n\n  storage_descriptor \{\n    location      = "s3://\$\{aws_s3_bucket.store.bucket\}/\$\{local.key_prefix\}summaries/"`, "comment = \"UTC day of the run's start, yyyy-MM-dd\"\n  }\n\n  partition_keys {\n    name = \"run_id\"\n    type = \"string\"\n  }\n\n  storage_descriptor {\n    location      = \"s3://${aws_s3_bucket.store.bucket}/${local.key_prefix}summaries/\"", "glue", "want dt only"},
		// A function renamed in the definition's variables.
		{"asl variable renamed", "terraform/stepfunctions.tf", `worker_arn     =`, `runner_arn     =`, "state machine", "${worker_arn}"},
		// The definition names a function the Terraform does not pass.
		{"asl names a new function", "statemachine/benchmark.asl.json", `"FunctionName": "\$\{aggregator_arn\}"`, `"FunctionName": "${summarizer_arn}"`, "state machine", "${summarizer_arn}"},
		// A variable wired to the wrong function.
		{"asl variable swapped", "terraform/stepfunctions.tf", `worker_arn     = aws_lambda_function.worker.arn`, `worker_arn     = aws_lambda_function.planner.arn`, "state machine", "worker_arn is aws_lambda_function.planner, the function built from functions/planner"},
		// The zip the Makefile builds.
		{"zip path", "terraform/lambda.tf", `build/worker.zip"\n  source_code_hash`, "build/worker-v2.zip\"\n  source_code_hash", "packaging", "no aws_lambda_function is packaged from build/worker.zip"},
		// The runtime and the architecture of make package.
		{"runtime", "terraform/lambda.tf", `(function_name    = "\$\{local.name\}-aggregator"(?s:.*?))runtime          = "provided.al2023"`, `${1}runtime          = "provided.al2"`, "packaging", "runtime \"provided.al2\", want \"provided.al2023\""},
		{"architecture", "terraform/lambda.tf", `(function_name    = "\$\{local.name\}-planner"(?s:.*?))architectures    = \["arm64"\]`, `${1}architectures    = ["x86_64"]`, "packaging", "want [\"arm64\"]"},
		{"handler", "terraform/lambda.tf", `(function_name    = "\$\{local.name\}-worker"(?s:.*?))handler          = "bootstrap"`, `${1}handler          = "main"`, "packaging", "handler \"main\", want \"bootstrap\""},
		// An environment variable the code reads, not set.
		{"env var", "terraform/lambda.tf", `      LLMBENCH_ATHENA_DATABASE  = aws_glue_catalog_database.bench.name\n`, ``, "packaging", "LLMBENCH_ATHENA_DATABASE"},
		// The planner's worker quota, not passed.
		{"quota env var", "terraform/lambda.tf", `      LLMBENCH_MAX_WORKERS      = var.lambda_concurrency_quota\n`, ``, "packaging", "LLMBENCH_MAX_WORKERS"},
		// A retried schedule replays a benchmark.
		{"scheduler retries", "terraform/scheduler.tf", `maximum_retry_attempts = 0`, `maximum_retry_attempts = 3`, "scheduler", "maximum_retry_attempts must be 0"},
		// A secret value as a variable default.
		{"secret default", "terraform/variables.tf", `(variable "seed_model_id" \{\n  description = "HF_MODEL_ID of the seed endpoint."\n  type        = string\n  default     = )"[^"]*"`, `${1}"hf_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789"`, "secrets", "var.seed_model_id"},
		// A variable made to carry a secret value.
		{"secret variable", "terraform/variables.tf", `variable "seed_hf_token_secret_arn"`, `variable "seed_hf_token"`, "secrets", "var.seed_hf_token looks like it carries a secret value"},
		// An output that exposes a secret.
		{"secret output", "terraform/outputs.tf", `(?s)\z`, "\noutput \"token\" {\n  value     = data.aws_secretsmanager_secret_version.seed_hf_token[0].secret_string\n  sensitive = true\n}\n", "secrets", "output.token exposes"},
		// A token written into the seed model's container environment.
		{"secret in an environment", "terraform/sagemaker.tf", `OPTION_ROLLING_BATCH = "vllm"`, `OPTION_ROLLING_BATCH = "vllm"
        HF_TOKEN             = "hf_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789"`, "secrets", "aws_sagemaker_model.seed environment holds a secret value"},
		// A spec (a state machine input) holding its secret.
		{"secret in a spec", "events/vllm.json", `"env:VLLM_API_KEY"`, `"sk-proj-abcdefghijklmnopqrstuvwxyz0123"`, "secrets", "events/vllm.json"},
		// A misspelt reference (terraform validate would catch it, offline it cannot run).
		{"undeclared reference", "terraform/lambda.tf", `role             = aws_iam_role.worker.arn`, `role             = aws_iam_role.wroker.arn`, "references", "refers to undeclared aws_iam_role.wroker.arn"},
		// A function Terraform does not have.
		{"unknown function", "terraform/lambda.tf", `filebase64sha256\("\$\{path.module\}/../build/planner.zip"\)`, `filesha256sum("${path.module}/../build/planner.zip")`, "references", "calls filesha256sum()"},
		// A metric the aggregator emits, missing from the dashboard.
		{"dashboard metric", "terraform/cloudwatch.tf", `MetricName=\\"E2Ep95Ms\\"`, `MetricName=\"E2Ep99Ms\"`, "metrics", "E2Ep95Ms"},
	}
	base := root(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := copyTree(t, base)
			path := filepath.Join(dir, tt.file)
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			re := regexp.MustCompile(tt.old)
			if !re.Match(b) {
				t.Fatalf("%s: %q does not match: update the test to the file", tt.file, tt.old)
			}
			// The first match only; ${1} in new is the first group.
			loc := re.FindSubmatchIndex(b)
			repl := []byte(tt.new)
			if strings.Contains(tt.new, "${1}") {
				repl = re.Expand(nil, repl, b, loc)
			}
			broken := append(append(append([]byte(nil), b[:loc[0]]...), repl...), b[loc[1]:]...)
			if err := os.WriteFile(path, broken, 0o644); err != nil {
				t.Fatal(err)
			}
			r, err := loadRepo(dir)
			if err != nil {
				t.Fatalf("the broken copy does not load: %v", err)
			}
			problems := checkByName(tt.check).run(t, r, func(string, ...any) {})
			for _, p := range problems {
				if strings.Contains(p, tt.want) {
					return
				}
			}
			t.Errorf("check %s did not report %q; it reported:\n%s", tt.check, tt.want, strings.Join(problems, "\n"))
		})
	}
}

// TestTerraformFmt runs terraform fmt -check when a terraform binary is on
// PATH (validate needs the registry's providers: not offline).
func TestTerraformFmt(t *testing.T) {
	bin, err := exec.LookPath("terraform")
	if err != nil {
		t.Skip("no terraform binary on PATH: terraform fmt -check not run (go install github.com/hashicorp/terraform@v1.5.7 provides one)")
	}
	cfg := filepath.Join(t.TempDir(), "terraformrc")
	if err := os.WriteFile(cfg, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "fmt", "-check", "-recursive", "-diff", ".")
	cmd.Dir = filepath.Join(root(t), "terraform")
	cmd.Env = append(os.Environ(), "TF_CLI_CONFIG_FILE="+cfg, "CHECKPOINT_DISABLE=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Errorf("terraform fmt -check: %v\n%s", err, out)
	}
}

// TestLevelSummaryExample keeps testdata/level_summary.jsonl, the example
// of the file the aggregator writes for the trend table, in step with
// levelSummaryRows (go test -update rewrites it).
func TestLevelSummaryExample(t *testing.T) {
	want := encodeLevelSummaries(levelSummaryRows(exampleSummary()))
	path := filepath.Join("testdata", "level_summary.jsonl")
	if *update {
		if err := os.WriteFile(path, want, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Errorf("%s is stale (go test ./terraform -run TestLevelSummaryExample -update):\n got %s\nwant %s", path, got, want)
	}
	rows, err := readJSONLines(path)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range rows {
		if len(r) != len(rows[0]) {
			t.Errorf("line %d has keys %v; line 0 has %v: every line has every key (null when absent)", i, sortedStrings(r), sortedStrings(rows[0]))
		}
	}
}

// checkPackaging compares the functions with the Makefile's package
// target: one per zip, handler, runtime, architecture, environment.
func checkPackaging(r *repo) []string {
	var problems []string
	lambdas := lambdaByFunction(r)
	for _, lb := range r.tf.all("resource", "aws_lambda_function") {
		if zipFunction(r, lb) == "" {
			problems = append(problems, fmt.Sprintf("%s: %s is not packaged from a zip of make package (%v)", lb.file, lb.addr(), sortedKeys(r.pkg.zip)))
		}
	}
	for _, fn := range r.pkg.functions {
		lb := lambdas[fn]
		if lb == nil {
			problems = append(problems, fmt.Sprintf("no aws_lambda_function is packaged from %s (make package builds it)", r.pkg.zip[fn]))
			continue
		}
		where := fmt.Sprintf("%s: %s", lb.file, lb.addr())
		if a := attr(lb.Body, "source_code_hash"); a == nil || !strings.Contains(lb.text(a.Expr), r.pkg.zip[fn]) {
			problems = append(problems, fmt.Sprintf("%s: source_code_hash must hash %s, or a new build is not deployed", where, r.pkg.zip[fn]))
		}
		want := map[string]string{"handler": r.pkg.binary, "runtime": r.pkg.runtime}
		for _, k := range sortedKeys(want) {
			got := ""
			if a := attr(lb.Body, k); a != nil {
				got, _ = literalString(a.Expr)
			}
			if got != want[k] {
				problems = append(problems, fmt.Sprintf("%s: %s %q, want %q (make package)", where, k, got, want[k]))
			}
		}
		var arch []string
		if a := attr(lb.Body, "architectures"); a != nil {
			arch, _ = literalStrings(a.Expr)
		}
		if wantArch := []string{lambdaArch(r.pkg.goarch)}; fmt.Sprint(arch) != fmt.Sprint(wantArch) {
			problems = append(problems, fmt.Sprintf("%s: architectures %q, want %q (GOARCH=%s in make package)", where, arch, wantArch, r.pkg.goarch))
		}

		// Environment: every LLMBENCH_ variable main.go reads is set, and
		// no other LLMBENCH_ variable.
		reads, err := envReads(filepath.Join(r.root, "functions", fn, "main.go"))
		if err != nil {
			problems = append(problems, err.Error())
		}
		set := map[string]bool{}
		if env := child(lb.Body, "environment"); env != nil {
			if a := attr(env, "variables"); a != nil {
				items, ok := objectItems(a.Expr)
				if !ok {
					problems = append(problems, fmt.Sprintf("%s: environment.variables must be a literal object", where))
				}
				for k := range items {
					set[k] = true
				}
			}
		}
		for _, v := range reads {
			if !set[v] {
				problems = append(problems, fmt.Sprintf("%s: functions/%s/main.go reads %s, which the function's environment does not set", where, fn, v))
			}
		}
		for _, v := range sortedKeys(set) {
			if strings.HasPrefix(v, "LLMBENCH_") && !contains(reads, v) {
				problems = append(problems, fmt.Sprintf("%s: sets %s, which functions/%s/main.go does not read", where, v, fn))
			}
		}

		// Logs: a log group with a retention, not the default never-expire.
		lc := child(lb.Body, "logging_config")
		var lg *tfBlock
		if lc != nil {
			if a := attr(lc, "log_group"); a != nil {
				for _, ref := range refs(a.Expr) {
					if rest, ok := strings.CutPrefix(ref, "aws_cloudwatch_log_group."); ok {
						name, _, _ := strings.Cut(rest, ".")
						name, _, _ = strings.Cut(name, "[") // a counted group: proxy[0]
						lg = r.tf.find("aws_cloudwatch_log_group." + name)
					}
				}
			}
		}
		if lg == nil || attr(lg.Body, "retention_in_days") == nil {
			problems = append(problems, fmt.Sprintf("%s: logging_config.log_group must name an aws_cloudwatch_log_group with retention_in_days", where))
		}
	}
	return problems
}

// envReads returns the LLMBENCH_ variables a main.go reads with os.Getenv.
func envReads(path string) ([]string, error) {
	f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.SkipObjectResolution)
	if err != nil {
		return nil, err
	}
	var out []string
	ast.Inspect(f, func(n ast.Node) bool {
		c, ok := n.(*ast.CallExpr)
		if !ok || len(c.Args) != 1 {
			return true
		}
		sel, ok := c.Fun.(*ast.SelectorExpr)
		if !ok || sel.Sel.Name != "Getenv" {
			return true
		}
		if x, ok := sel.X.(*ast.Ident); !ok || x.Name != "os" {
			return true
		}
		if lit, ok := c.Args[0].(*ast.BasicLit); ok && lit.Kind == token.STRING {
			if s, err := strconv.Unquote(lit.Value); err == nil && strings.HasPrefix(s, "LLMBENCH_") {
				out = append(out, s)
			}
		}
		return true
	})
	sort.Strings(out)
	return out, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// notSteps are the functions that are not a step of the definition, and
// what invokes them instead.
var notSteps = map[string]string{"proxy": "its Function URL (the seeds' serving path, in front of SageMaker)"}

// wantFunction is the function a template variable of the definition
// stands for: statemachine.Functions, the Go side's table (the local
// runner uses it), or <fn>_arn for a variable it does not list yet.
func wantFunction(v string) string {
	if fn, ok := statemachine.Functions[v]; ok {
		return fn
	}
	return strings.TrimSuffix(v, "_arn")
}

var reTemplateVar = regexp.MustCompile(`\$\{([^}]*)\}`)

// checkStateMachine checks the definition's template variables and Tasks
// against the templatefile call and the functions.
func checkStateMachine(r *repo) []string {
	var problems []string
	sms := r.tf.all("resource", "aws_sfn_state_machine")
	if len(sms) != 1 {
		return []string{fmt.Sprintf("%d aws_sfn_state_machine resources, want 1", len(sms))}
	}
	sm := sms[0]
	where := fmt.Sprintf("%s: %s", sm.file, sm.addr())
	if a := attr(sm.Body, "type"); a == nil {
		problems = append(problems, where+": type must be STANDARD (the default EXPRESS lasts 5 minutes)")
	} else if s, _ := literalString(a.Expr); s != "STANDARD" {
		problems = append(problems, fmt.Sprintf("%s: type %q, want STANDARD", where, s))
	}
	if child(sm.Body, "logging_configuration") == nil {
		problems = append(problems, where+": no logging_configuration")
	}
	a := attr(sm.Body, "definition")
	if a == nil || call(a.Expr, "templatefile") == nil {
		return append(problems, where+": definition must be templatefile(\"${path.module}/../statemachine/benchmark.asl.json\", {…})")
	}
	tf := call(a.Expr, "templatefile")
	if p, err := evalString(tf.Args[0], map[string]string{"path.module": r.tf.dir}); err != nil || filepath.Clean(p) != filepath.Join(r.root, "statemachine", "benchmark.asl.json") {
		problems = append(problems, fmt.Sprintf("%s: templatefile reads %q, want ${path.module}/../statemachine/benchmark.asl.json", where, sm.text(tf.Args[0])))
	}
	vars := templateVars(sm)
	if vars == nil {
		return append(problems, where+": templatefile's variables must be a literal object")
	}
	lambdaOf := map[string]string{} // aws_lambda_function.x -> Makefile function
	for fn, lb := range lambdaByFunction(r) {
		lambdaOf[lb.addr()] = fn
	}

	// Every ${…} of the definition is passed, and nothing else.
	used := map[string]bool{}
	for _, m := range reTemplateVar.FindAllStringSubmatch(r.aslText, -1) {
		used[m[1]] = true
		if _, ok := vars[m[1]]; !ok {
			problems = append(problems, fmt.Sprintf("%s: the definition uses ${%s}, which templatefile does not pass (Terraform would fail; a renamed function?)", where, m[1]))
		}
	}
	for _, k := range sortedKeys(vars) {
		if !used[k] {
			problems = append(problems, fmt.Sprintf("%s: templatefile passes %s, which the definition does not use", where, k))
		}
	}

	// Every Task invokes a function of the Makefile, through a variable
	// <fn>_arn bound to that function's ARN.
	tasks := aslTasks(r.asl)
	if len(tasks) == 0 {
		problems = append(problems, "statemachine/benchmark.asl.json has no Task")
	}
	invoked := map[string]bool{}
	for _, t := range tasks {
		if t.resource != "arn:aws:states:::lambda:invoke" && !strings.HasPrefix(t.resource, "${") {
			problems = append(problems, fmt.Sprintf("%s: Resource %q: only Lambda tasks are known to these checks (and to the state machine's role)", t.path, t.resource))
			continue
		}
		m := reTemplateVar.FindStringSubmatch(t.function)
		if m == nil || m[0] != t.function {
			problems = append(problems, fmt.Sprintf("%s: FunctionName %q is not a template variable: Terraform cannot fill in the ARN", t.path, t.function))
			continue
		}
		name := m[1]
		e, ok := vars[name]
		if !ok {
			continue // reported above
		}
		var lambda string
		for _, ref := range refs(e) {
			if l := lambdaAddr(ref); l != "" {
				lambda = l
			}
		}
		fn, ok := lambdaOf[lambda]
		switch {
		case lambda == "":
			problems = append(problems, fmt.Sprintf("%s: %s is %s, not the ARN of an aws_lambda_function", where, name, sm.text(e)))
		case !ok:
			problems = append(problems, fmt.Sprintf("%s: %s is %s, which is not packaged from a zip of make package", where, name, lambda))
		case fn != wantFunction(name):
			problems = append(problems, fmt.Sprintf("%s: %s is %s, the function built from functions/%s; statemachine.Functions says %s", where, name, lambda, fn, wantFunction(name)))
		default:
			invoked[fn] = true
		}
	}
	for _, fn := range r.pkg.functions {
		if !invoked[fn] && notSteps[fn] == "" {
			problems = append(problems, fmt.Sprintf("no Task of the definition invokes the %s function", fn))
		}
	}
	return problems
}

// checkScheduler checks each schedule: one per var.schedules entry, the
// spec file as input, no retries, the state machine as target.
func checkScheduler(r *repo) []string {
	var problems []string
	schedules := r.tf.all("resource", "aws_scheduler_schedule")
	if len(schedules) == 0 {
		return []string{"no aws_scheduler_schedule"}
	}
	for _, s := range schedules {
		where := fmt.Sprintf("%s: %s", s.file, s.addr())
		if a := attr(s.Body, "for_each"); a == nil || fmt.Sprint(refs(a.Expr)) != "[var.schedules]" {
			problems = append(problems, where+": for_each must be var.schedules")
		}
		tgt := child(s.Body, "target")
		if tgt == nil {
			problems = append(problems, where+": no target")
			continue
		}
		if a := attr(tgt, "arn"); a == nil || !hasRef(a.Expr, "aws_sfn_state_machine") {
			problems = append(problems, where+": target.arn must be the state machine's ARN")
		}
		if a := attr(tgt, "input"); a == nil || call(a.Expr, "file") == nil || s.text(a.Expr) != "file(each.value.events_file)" {
			problems = append(problems, where+": target.input must be file(each.value.events_file)")
		}
		rp := child(tgt, "retry_policy")
		var n cty.Value
		if rp != nil {
			if a := attr(rp, "maximum_retry_attempts"); a != nil {
				n, _ = literal(a.Expr)
			}
		}
		if n == cty.NilVal || n.Type() != cty.Number || !n.Equals(cty.NumberIntVal(0)).True() {
			problems = append(problems, where+": retry_policy.maximum_retry_attempts must be 0: a retried start is a second benchmark")
		}
	}
	return problems
}

// Secret values: what tokens and keys look like.
var secretPatterns = []*regexp.Regexp{
	regexp.MustCompile(`\bhf_[A-Za-z0-9]{30,}`),                           // Hugging Face token
	regexp.MustCompile(`\bsk-[A-Za-z0-9_-]{20,}`),                         // OpenAI-style key
	regexp.MustCompile(`\b(AKIA|ASIA)[0-9A-Z]{16}\b`),                     // AWS access key id
	regexp.MustCompile(`-----BEGIN [A-Z ]*PRIVATE KEY-----`),              // a private key
	regexp.MustCompile(`(?i)\bbearer\s+[A-Za-z0-9._~+/-]{16,}`),           // a bearer token
	regexp.MustCompile(`\bgh[pousr]_[A-Za-z0-9]{30,}`),                    // GitHub token
	regexp.MustCompile(`(?i)\b(api[_-]?key|password|token)=[^\s&"]{12,}`), // a key in a URL or a string
}

// A variable whose name says it holds a secret must take a reference (an
// ARN), named so.
var (
	reSecretName = regexp.MustCompile(`(?i)(^|_)(token|password|passwd|secret|api_?key|credentials?)(_|$)`)
	reRefName    = regexp.MustCompile(`_arns?$`)
)

func secretIn(s string) string {
	for _, p := range secretPatterns {
		if m := p.FindString(s); m != "" {
			return m
		}
	}
	return ""
}

// strings of a cty value, recursively.
func ctyStrings(v cty.Value) []string {
	if v.IsNull() || !v.IsKnown() {
		return nil
	}
	switch {
	case v.Type() == cty.String:
		return []string{v.AsString()}
	case v.Type().IsListType() || v.Type().IsSetType() || v.Type().IsTupleType() || v.Type().IsMapType() || v.Type().IsObjectType():
		var out []string
		for it := v.ElementIterator(); it.Next(); {
			_, e := it.Element()
			out = append(out, ctyStrings(e)...)
		}
		return out
	}
	return nil
}

// checkSecrets looks for secret values where they must never be: variable
// defaults, outputs, environment maps, and every state machine input (the
// specs a schedule or a user starts it with, events/*.json).
func checkSecrets(r *repo) []string {
	var problems []string
	for _, v := range r.tf.all("variable", "") {
		if reSecretName.MatchString(v.typ()) && !reRefName.MatchString(v.typ()) {
			problems = append(problems, fmt.Sprintf("%s: %s looks like it carries a secret value: take a Secrets Manager ARN (name it …_arn)", v.file, v.addr()))
		}
		if a := attr(v.Body, "default"); a != nil {
			val, _ := literal(a.Expr)
			for _, s := range ctyStrings(val) {
				if m := secretIn(s); m != "" {
					problems = append(problems, fmt.Sprintf("%s: %s has a secret value as its default (%.8s…)", v.file, v.addr(), m))
				}
			}
		}
	}
	for _, o := range r.tf.all("output", "") {
		a := attr(o.Body, "value")
		if a == nil {
			continue
		}
		for _, ref := range refs(a.Expr) {
			if strings.Contains(ref, "aws_secretsmanager_secret_version") || strings.HasSuffix(ref, ".secret_string") || strings.HasSuffix(ref, ".environment") {
				problems = append(problems, fmt.Sprintf("%s: %s exposes %s", o.file, o.addr(), ref))
			}
		}
		if m := secretIn(o.text(a.Expr)); m != "" {
			problems = append(problems, fmt.Sprintf("%s: %s holds a secret value (%.8s…)", o.file, o.addr(), m))
		}
	}
	// Environments (a Lambda's environment.variables, a container's
	// environment), at any depth.
	for _, b := range r.tf.all("resource", "") {
		var walk func(body *hclsyntax.Body, inEnv bool)
		walk = func(body *hclsyntax.Body, inEnv bool) {
			for name, a := range body.Attributes {
				if name == "environment" || (inEnv && name == "variables") {
					if m := secretIn(b.text(a.Expr)); m != "" {
						problems = append(problems, fmt.Sprintf("%s: %s environment holds a secret value (%.8s…)", b.at(a.SrcRange), b.addr(), m))
					}
				}
			}
			for _, nb := range body.Blocks {
				walk(nb.Body, nb.Type == "environment")
			}
		}
		walk(b.Body, false)
	}
	if m := secretIn(r.aslText); m != "" {
		problems = append(problems, fmt.Sprintf("statemachine/benchmark.asl.json holds a secret value (%.8s…)", m))
	}
	specs, _ := filepath.Glob(filepath.Join(r.root, "events", "*.json"))
	tdata, _ := filepath.Glob(filepath.Join(r.root, "terraform", "testdata", "*.json"))
	for _, path := range append(specs, tdata...) {
		rel, _ := filepath.Rel(r.root, path)
		b, err := os.ReadFile(path)
		if err != nil {
			problems = append(problems, err.Error())
			continue
		}
		if m := secretIn(string(b)); m != "" {
			problems = append(problems, fmt.Sprintf("%s holds a secret value (%.8s…): a spec is a state machine input, kept in the execution history", rel, m))
		}
		var spec struct {
			Target struct {
				Auth *struct {
					Secret string `json:"secret"`
				} `json:"auth"`
			} `json:"target"`
		}
		if json.Unmarshal(b, &spec) == nil && spec.Target.Auth != nil && spec.Target.Auth.Secret != "" {
			if s := spec.Target.Auth.Secret; !regexp.MustCompile(`^(env:|arn:aws[a-z-]*:secretsmanager:)`).MatchString(s) {
				problems = append(problems, fmt.Sprintf("%s: target.auth.secret is a value, not a reference (env:NAME or a Secrets Manager ARN)", rel))
			}
		}
	}
	return problems
}

// checkMetrics checks that the dashboard draws every metric the aggregator
// emits, from the namespace the aggregator is given, and that the
// namespace's default is the code's.
func checkMetrics(r *repo) []string {
	var problems []string
	dash := r.tf.all("resource", "aws_cloudwatch_dashboard")
	if len(dash) != 1 {
		return []string{fmt.Sprintf("%d aws_cloudwatch_dashboard resources, want 1", len(dash))}
	}
	src := string(dash[0].src)
	for _, m := range emf.SummaryMetricNames {
		if !strings.Contains(src, `MetricName=\"`+m+`\"`) {
			problems = append(problems, fmt.Sprintf("%s: the dashboard does not draw %s, which the aggregator emits", dash[0].file, m))
		}
	}
	if v := r.tf.find("var.metrics_namespace"); v == nil {
		problems = append(problems, "no variable metrics_namespace")
	} else if a := attr(v.Body, "default"); a == nil {
		problems = append(problems, "var.metrics_namespace has no default")
	} else if s, _ := literalString(a.Expr); s != emf.DefaultNamespace {
		problems = append(problems, fmt.Sprintf("var.metrics_namespace defaults to %q; the aggregator's default is %q", s, emf.DefaultNamespace))
	}
	if lb := lambdaByFunction(r)["aggregator"]; lb != nil {
		ok := false
		if env := child(lb.Body, "environment"); env != nil {
			if a := attr(env, "variables"); a != nil {
				items, _ := objectItems(a.Expr)
				if e, found := items["LLMBENCH_EMF_NAMESPACE"]; found && hasRef(e, "var.metrics_namespace") {
					ok = true
				}
			}
		}
		if !ok {
			problems = append(problems, "the aggregator's LLMBENCH_EMF_NAMESPACE must be var.metrics_namespace (the dashboard's namespace)")
		}
	}
	return problems
}

// tfFunctions are the Terraform functions the configuration may call: a
// misspelt one fails only at plan time, which is not offline.
var tfFunctions = map[string]bool{
	"alltrue": true, "can": true, "concat": true, "contains": true, "file": true, "filebase64sha256": true,
	"floor": true, "format": true, "jsondecode": true, "jsonencode": true, "keys": true, "length": true,
	"lower": true, "max": true, "merge": true, "one": true, "regex": true, "replace": true, "setsubtract": true,
	"startswith": true, "templatefile": true, "tostring": true, "trim": true, "trimsuffix": true, "try": true,
	"values": true,
}

// checkReferences does the part of terraform validate that needs no
// provider: every var., local., resource and data source referred to is
// declared, every function called exists, and each.* / count.* appear
// only in blocks with for_each / count.
func checkReferences(r *repo) []string {
	var problems []string
	declared := map[string]bool{}
	for _, b := range r.tf.blocks {
		switch b.Type {
		case "variable":
			declared["var."+b.typ()] = true
		case "resource":
			declared[b.typ()+"."+b.name()] = true
		case "data":
			declared["data."+b.typ()+"."+b.name()] = true
		case "locals":
			for name := range b.Body.Attributes {
				declared["local."+name] = true
			}
		}
	}
	for _, b := range r.tf.blocks {
		iter := map[string]bool{}
		if attr(b.Body, "for_each") != nil {
			iter["each"] = true
		}
		if attr(b.Body, "count") != nil {
			iter["count"] = true
		}
		var walk func(body *hclsyntax.Body, scope map[string]bool)
		walk = func(body *hclsyntax.Body, scope map[string]bool) {
			for name, a := range body.Attributes {
				if b.Type == "variable" && name == "type" && body == b.Body {
					continue // a type constraint, not an expression
				}
				problems = append(problems, checkExpr(b, a.Expr, declared, scope)...)
			}
			for _, nb := range body.Blocks {
				inner := scope
				if nb.Type == "dynamic" && len(nb.Labels) == 1 {
					inner = map[string]bool{nb.Labels[0]: true}
					for k := range scope {
						inner[k] = true
					}
				}
				walk(nb.Body, inner)
			}
		}
		walk(b.Body, iter)
	}
	return problems
}

func checkExpr(b *tfBlock, e hclsyntax.Expression, declared, scope map[string]bool) []string {
	var problems []string
	for _, t := range e.Variables() {
		root := t.RootName()
		path := traversalString(t)
		switch {
		case root == "path" || root == "terraform" || root == "self" || scope[root]:
		case root == "each" || root == "count":
			problems = append(problems, fmt.Sprintf("%s: %s refers to %s outside a block with %s", b.at(t.SourceRange()), b.addr(), path, map[string]string{"each": "for_each", "count": "count"}[root]))
		case root == "var" || root == "local":
			if !declared[root+"."+firstAttr(t)] {
				problems = append(problems, fmt.Sprintf("%s: %s refers to undeclared %s.%s", b.at(t.SourceRange()), b.addr(), root, firstAttr(t)))
			}
		case root == "data":
			parts := strings.SplitN(strings.TrimPrefix(path, "data."), ".", 3)
			if len(parts) < 2 || !declared["data."+parts[0]+"."+strings.SplitN(parts[1], "[", 2)[0]] {
				problems = append(problems, fmt.Sprintf("%s: %s refers to undeclared %s", b.at(t.SourceRange()), b.addr(), path))
			}
		default:
			name := strings.SplitN(firstAttr(t), "[", 2)[0]
			if !declared[root+"."+name] {
				problems = append(problems, fmt.Sprintf("%s: %s refers to undeclared %s", b.at(t.SourceRange()), b.addr(), path))
			}
		}
	}
	hclsyntax.VisitAll(e, func(n hclsyntax.Node) hcl.Diagnostics {
		if c, ok := n.(*hclsyntax.FunctionCallExpr); ok && !tfFunctions[c.Name] {
			problems = append(problems, fmt.Sprintf("%s: %s calls %s(), not in the list of Terraform functions the checks know", b.at(c.NameRange), b.addr(), c.Name))
		}
		return nil
	})
	return problems
}

// firstAttr is the name after a traversal's root (var.NAME, aws_x.NAME).
func firstAttr(t hcl.Traversal) string {
	if len(t) > 1 {
		if a, ok := t[1].(hcl.TraverseAttr); ok {
			return a.Name
		}
	}
	return ""
}
