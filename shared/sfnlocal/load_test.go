package sfnlocal

import (
	"context"
	"errors"
	"strings"
	"testing"
)

const fnArn = "arn:aws:lambda:us-east-1:000000000000:function:f"

// TestLoadRefusals: valid States Language that sfnlocal will not run is
// refused at load, naming the state.
func TestLoadRefusals(t *testing.T) {
	task := func(fields string) string {
		return machine1(`{"Type":"Task",` + fields + `,"End":true}`)
	}
	mapState := func(fields string) string {
		return machine1(`{"Type":"Map",` + fields + `"ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}`)
	}
	tests := []struct {
		name, def, want string
	}{
		// JSONata at the top level.
		{"JSONata top", `{"QueryLanguage":"JSONata","StartAt":"S","States":{"S":{"Type":"Pass","End":true}}}`, "QueryLanguage JSONata"},
		// JSONata on a state, with its Output field.
		{"JSONata state", machine1(`{"Type":"Pass","QueryLanguage":"JSONata","Output":"{% $states.input %}","End":true}`), "QueryLanguage JSONata"},
		// .sync integrations.
		{"sync", task(`"Resource":"arn:aws:states:::states:startExecution.sync:2"`), ".sync"},
		// Callback integrations.
		{"waitForTaskToken", task(`"Resource":"arn:aws:states:::lambda:invoke.waitForTaskToken","Parameters":{"FunctionName":"f"}`), ".waitForTaskToken"},
		// Other services.
		{"dynamodb", task(`"Resource":"arn:aws:states:::dynamodb:putItem"`), "only Lambda"},
		// Activities.
		{"activity", task(`"Resource":"arn:aws:states:us-east-1:000000000000:activity:a"`), "activity"},
		// Variables.
		{"Assign", machine1(`{"Type":"Pass","Assign":{"x":1},"End":true}`), "Assign"},
		// Cross-account credentials.
		{"Credentials", task(`"Resource":"` + fnArn + `","Credentials":{"RoleArn":"r"}`), "Credentials"},
		// Distributed Map S3 features.
		{"ItemReader inline", mapState(`"ItemReader":{"Resource":"arn:aws:states:::s3:getObject","ReaderConfig":{"InputType":"JSON"},"Parameters":{"Bucket":"b","Key":"k"}},`), "ItemReader is for a Distributed Map only"},
		{"ItemReader CSV", distMapPass(`"ItemReader":{"Resource":"arn:aws:states:::s3:getObject","ReaderConfig":{"InputType":"CSV"},"Parameters":{"Bucket":"b","Key":"k"}},`), "InputType \"CSV\""},
		{"ItemReader listing", distMapPass(`"ItemReader":{"Resource":"arn:aws:states:::s3:listObjectsV2","Parameters":{"Bucket":"b"}},`), "s3:listObjectsV2"},
		{"ItemReader and ItemsPath", distMapPass(`"ItemsPath":"$.x","ItemReader":{"Resource":"arn:aws:states:::s3:getObject","ReaderConfig":{"InputType":"JSON"},"Parameters":{"Bucket":"b","Key":"k"}},`), "ItemsPath with ItemReader"},
		{"ItemReader no Key", distMapPass(`"ItemReader":{"Resource":"arn:aws:states:::s3:getObject","ReaderConfig":{"InputType":"JSON"},"Parameters":{"Bucket":"b"}},`), "needs a Key"},
		{"ItemReader without a reader", distMapPass(`"ItemReader":{"Resource":"arn:aws:states:::s3:getObject","ReaderConfig":{"InputType":"JSON"},"Parameters":{"Bucket":"b","Key":"k"}},`), "needs Options.ItemReader"},
		{"ResultWriter", mapState(`"ResultWriter":{"Resource":"arn:aws:states:::s3:putObject"},`), "ResultWriter"},
		{"ItemBatcher", mapState(`"ItemBatcher":{"MaxItemsPerBatch":10},`), "ItemBatcher"},
		// Tolerated failures other than 0.
		{"ToleratedFailureCount", mapState(`"ToleratedFailureCount":2,`), "ToleratedFailureCount"},
		// Asynchronous invocation.
		{"Event invoke", task(`"Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"f","InvocationType":"Event"}`), "InvocationType"},
		// A variable reference in a path.
		{"variable path", machine1(`{"Type":"Pass","Parameters":{"a.$":"$myVar"},"End":true}`), "variables"},
		// A function missing from Options.Functions.
		{"missing function", task(`"Resource":"arn:aws:lambda:us-east-1:000000000000:function:ghost"`), `"ghost" is not in Options.Functions`},
		// lambda:invoke with a static FunctionName missing too.
		{"missing invoke function", task(`"Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"ghost"}`), `"ghost" is not in Options.Functions`},
		// An unfilled template placeholder in a Resource.
		{"unfilled", task(`"Resource":"${worker_arn}"`), "${worker_arn}"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load([]byte(tc.def), Options{Functions: fns(map[string]any{"f": func() error { return nil }})})
			var le *LoadError
			if !errors.As(err, &le) {
				t.Fatalf("want a LoadError, got %v", err)
			}
			if !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "sfnlocal: ") {
				t.Fatalf("error %q lacks %q", err, tc.want)
			}
			if tc.name != "JSONata top" && !strings.Contains(err.Error(), "state S: ") {
				t.Fatalf("error %q does not name state S", err)
			}
		})
	}
}

// TestCheck: the static checks each find their problem, with the state.
func TestCheck(t *testing.T) {
	tests := []struct {
		name, def, state, want string
	}{
		// A Next naming no state.
		{"missing Next", `{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"}}}`, "A", `Next "B" names no state`},
		// A state no path reaches.
		{"unreachable", `{"StartAt":"A","States":{"A":{"Type":"Pass","End":true},"B":{"Type":"Pass","End":true}}}`, "B", "not reachable"},
		// Unreachable inside a Map's ItemProcessor.
		{"unreachable in map", machine1(`{"Type":"Map","ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true},"Q":{"Type":"Succeed"}}},"End":true}`), "Q", "not reachable"},
		// States.ALL not last in Retry.
		{"ALL not last", machine1(`{"Type":"Task","Resource":"` + fnArn + `","Retry":[{"ErrorEquals":["States.ALL"]},{"ErrorEquals":["X"]}],"End":true}`), "S", "States.ALL must appear alone"},
		// States.ALL not alone in Catch.
		{"ALL not alone", `{"StartAt":"S","States":{"S":{"Type":"Task","Resource":"` + fnArn + `","Catch":[{"ErrorEquals":["States.ALL","X"],"Next":"Z"}],"End":true},"Z":{"Type":"Succeed"}}}`, "S", "States.ALL must appear alone"},
		// No terminal state.
		{"no terminal", `{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"A"}}}`, "", "no terminal state"},
		// Unknown fields.
		{"unknown field", machine1(`{"Type":"Pass","Reslt":1,"End":true}`), "S", `unknown field "Reslt"`},
		// Both Next and End.
		{"next and end", `{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B","End":true},"B":{"Type":"Succeed"}}}`, "A", "exactly one of Next or End"},
		// A bad path.
		{"bad path", machine1(`{"Type":"Pass","InputPath":"$.a[","End":true}`), "S", "InputPath"},
		// ResultPath must be a Reference Path.
		{"reference path", machine1(`{"Type":"Pass","ResultPath":"$.a[*]","End":true}`), "S", "reference path"},
		// A Choice rule without an operator.
		{"choice rule", `{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Variable":"$.x","Next":"E"}]},"E":{"Type":"Succeed"}}}`, "C", "exactly one operator"},
		// A Wait needs exactly one duration.
		{"wait", machine1(`{"Type":"Wait","Seconds":1,"SecondsPath":"$.s","End":true}`), "S", "exactly one of Seconds"},
		// StartAt names no state.
		{"StartAt", `{"StartAt":"X","States":{"A":{"Type":"Succeed"}}}`, "", `StartAt "X" names no state`},
		// Duplicate state names across scopes.
		{"duplicate", `{"StartAt":"M","States":{"M":{"Type":"Map","ItemProcessor":{"StartAt":"M","States":{"M":{"Type":"Succeed"}}},"End":true}}}`, "M", "used twice"},
		// Duplicate keys after stripping .$.
		{"duplicate key", machine1(`{"Type":"Pass","Parameters":{"a":1,"a.$":"$.b"},"End":true}`), "S", "appears twice"},
		// Not JSON.
		{"not json", `{"StartAt":`, "", "not valid JSON"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			problems := Check([]byte(tc.def), nil)
			for _, p := range problems {
				if p.State == tc.state && strings.Contains(p.Message, tc.want) {
					return
				}
			}
			t.Fatalf("no problem %q for state %q in %v", tc.want, tc.state, problems)
		})
	}
}

// TestCheckClean: a correct definition has no problems, and Problem
// prints as "state X: message".
func TestCheckClean(t *testing.T) {
	if p := Check([]byte(policyDef(goodRetry)), map[string]string{"worker_arn": fnArn}); len(p) != 0 {
		t.Fatalf("problems: %v", p)
	}
	if s := (Problem{State: "X", Message: "m"}).String(); s != "state X: m" {
		t.Fatal(s)
	}
}

const goodRetry = `[{"ErrorEquals":["Lambda.ServiceException","Lambda.AWSLambdaException","Lambda.SdkClientException",
	"Lambda.ClientExecutionTimeoutException","Lambda.TooManyRequestsException"],"IntervalSeconds":2,"MaxAttempts":6,"BackoffRate":2}]`

// policyDef is a Map of Lambda tasks with the given Retry, templated.
func policyDef(retry string) string {
	return `{"StartAt":"Fanout","States":{"Fanout":{"Type":"Map","ItemProcessor":{"StartAt":"Work","States":{
		"Work":{"Type":"Task","Resource":"${worker_arn}","Retry":` + retry + `,
		        "Catch":[{"ErrorEquals":["States.ALL"],"ResultPath":"$.error","Next":"Failed"}],"End":true},
		"Failed":{"Type":"Pass","End":true}}},"End":true}}}`
}

// TestLambdaRetryPolicy: retry the service errors, nothing that replays work.
func TestLambdaRetryPolicy(t *testing.T) {
	vars := map[string]string{"worker_arn": fnArn}
	tests := []struct {
		name, retry, want string
	}{
		// The AWS best practice plus throttling: clean.
		{"good", goodRetry, ""},
		// States.ALL replays work.
		{"ALL", `[{"ErrorEquals":["States.ALL"]}]`, "Retry on States.ALL"},
		// So does States.TaskFailed.
		{"TaskFailed", `[{"ErrorEquals":["States.TaskFailed"]}]`, "Retry on States.TaskFailed"},
		// And Lambda.Unknown.
		{"Unknown", strings.Replace(goodRetry, `"Lambda.ServiceException"`, `"Lambda.ServiceException","Lambda.Unknown"`, 1), "Retry on Lambda.Unknown"},
		// A missing service error.
		{"missing", strings.Replace(goodRetry, `"Lambda.TooManyRequestsException"`, `"X"`, 1), "does not retry Lambda.TooManyRequestsException"},
		// An earlier retrier with MaxAttempts 0 owns the error.
		{"owned by 0", `[{"ErrorEquals":["Lambda.SdkClientException"],"MaxAttempts":0},` + goodRetry[1:], "MaxAttempts 0"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			problems := LambdaRetryPolicy([]byte(policyDef(tc.retry)), vars)
			if tc.want == "" {
				if len(problems) != 0 {
					t.Fatalf("problems: %v", problems)
				}
				return
			}
			for _, p := range problems {
				if p.State == "Work" && strings.Contains(p.Message, tc.want) {
					return
				}
			}
			t.Fatalf("no %q in %v", tc.want, problems)
		})
	}
}

// TestVars: placeholders are filled before parsing, $${ stays literal,
// and functions are found by the NAME in the filled ARN.
func TestVars(t *testing.T) {
	def := `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"${planner_arn}",
		"Parameters":{"lit":"$${not_a_var}","run.$":"$.run"},"End":true}}}`
	planner := func(in map[string]string) (map[string]string, error) { return in, nil }
	m, err := Load([]byte(def), Options{
		Vars:      map[string]string{"planner_arn": "arn:aws:lambda:us-east-1:000000000000:function:planner"},
		Functions: fns(map[string]any{"planner": planner}),
	})
	if err != nil {
		t.Fatal(err)
	}
	out, err := m.Execute(context.Background(), "", []byte(`{"run":"r1"}`))
	if err != nil {
		t.Fatal(err)
	}
	jsonEq(t, string(out), `{"lit":"${not_a_var}","run":"r1"}`)
	// Unfilled, it is a problem naming the state.
	problems := Check([]byte(def), nil)
	found := false
	for _, p := range problems {
		found = found || (p.State == "T" && strings.Contains(p.Message, "${planner_arn}"))
	}
	if !found {
		t.Fatalf("no unfilled problem in %v", problems)
	}
}

// TestExecutionTimeout: the machine's TimeoutSeconds bounds the run.
func TestExecutionTimeout(t *testing.T) {
	def := `{"TimeoutSeconds":60,"StartAt":"T","States":{"T":{"Type":"Task","Resource":"` + fnArn + `","End":true}}}`
	block := func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() }
	_, err := run(t, def, Options{Functions: fns(map[string]any{"f": block})}, `{}`)
	execErr(t, err, ErrTimeout, "T")
}

// TestAbort: a cancelled context aborts the execution with ctx's error.
func TestAbort(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	f := func(context.Context) error { cancel(); return nil }
	m := mustLoad(t, machine1(`{"Type":"Task","Resource":"`+fnArn+`","Next":"W"},"W":{"Type":"Pass","End":true}`), Options{Functions: fns(map[string]any{"f": f})})
	_, err := m.Execute(ctx, "x", []byte(`{}`))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got %v", err)
	}
}
