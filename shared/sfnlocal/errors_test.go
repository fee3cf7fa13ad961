package sfnlocal

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambda/messages"
)

// ThrottledError is a custom handler error type (V13).
type ThrottledError struct{}

func (*ThrottledError) Error() string { return "slow down" }

// failing returns a handler that raises the named errors in turn, then
// succeeds, counting its calls.
func failing(calls *int, mu *sync.Mutex, names ...string) func(context.Context, any) (string, error) {
	return func(context.Context, any) (string, error) {
		mu.Lock()
		defer mu.Unlock()
		*calls++
		if *calls <= len(names) {
			return "", messages.InvokeResponse_Error{Type: names[*calls-1], Message: "failure " + fmt.Sprint(*calls)}
		}
		return "ok", nil
	}
}

// taskZ is a Task T with the given fields and a Pass Z giving "caught";
// without a Catch in fields, a catcher of a never-raised error keeps Z
// reachable.
func taskZ(fields string) string {
	if !strings.Contains(fields, `"Catch"`) {
		fields += `,"Catch":[{"ErrorEquals":["Never"],"Next":"Z"}]`
	}
	return `{"StartAt":"T","States":{
	"T":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:000000000000:function:f",` + fields + `,"End":true},
	"Z":{"Type":"Pass","Result":"caught","End":true}}}`
}

// TestRetryTimeline: V11 with a fake clock, plus MaxDelaySeconds, FULL
// jitter and MaxAttempts 0.
func TestRetryTimeline(t *testing.T) {
	tests := []struct {
		name   string
		fields string
		errs   []string
		sleeps []time.Duration
		calls  int
		want   string
	}{
		// V11: the first retrier owns ErrorA/ErrorB (2 attempts), the second ErrorC;
		// the fourth error finds retrier 1 exhausted and goes to Catch.
		{"V11", `"Retry":[{"ErrorEquals":["ErrorA","ErrorB"],"IntervalSeconds":1,"BackoffRate":2,"MaxAttempts":2},{"ErrorEquals":["ErrorC"],"IntervalSeconds":5}],
			"Catch":[{"ErrorEquals":["States.ALL"],"Next":"Z"}]`,
			[]string{"ErrorA", "ErrorB", "ErrorC", "ErrorB"}, []time.Duration{1 * time.Second, 2 * time.Second, 5 * time.Second}, 4, `"caught"`},
		// V11: MaxDelaySeconds caps the second wait at 4 s instead of 6 s.
		{"MaxDelaySeconds", `"Retry":[{"ErrorEquals":["E"],"IntervalSeconds":3,"MaxAttempts":2,"BackoffRate":2,"MaxDelaySeconds":4}]`,
			[]string{"E", "E"}, []time.Duration{3 * time.Second, 4 * time.Second}, 3, `"ok"`},
		// Defaults: 1 s, backoff 2, three attempts.
		{"defaults", `"Retry":[{"ErrorEquals":["E"]}]`,
			[]string{"E", "E", "E"}, []time.Duration{1 * time.Second, 2 * time.Second, 4 * time.Second}, 4, `"ok"`},
		// FULL jitter scales each wait by Rand (0.5 here).
		{"FULL jitter", `"Retry":[{"ErrorEquals":["E"],"IntervalSeconds":2,"JitterStrategy":"FULL"}]`,
			[]string{"E", "E"}, []time.Duration{1 * time.Second, 2 * time.Second}, 3, `"ok"`},
		// MaxAttempts 0 never retries: straight to Catch.
		{"MaxAttempts 0", `"Retry":[{"ErrorEquals":["E"],"MaxAttempts":0},{"ErrorEquals":["States.ALL"]}],"Catch":[{"ErrorEquals":["E"],"Next":"Z"}]`,
			[]string{"E"}, nil, 1, `"caught"`},
		// States.TaskFailed matches a handler error.
		{"TaskFailed", `"Retry":[{"ErrorEquals":["States.TaskFailed"],"IntervalSeconds":7}]`,
			[]string{"anything"}, []time.Duration{7 * time.Second}, 2, `"ok"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var calls int
			var mu sync.Mutex
			clock := newFakeClock()
			opts := Options{Clock: clock, Rand: func() float64 { return 0.5 },
				Functions: fns(map[string]any{"f": failing(&calls, &mu, tc.errs...)})}
			got, err := run(t, taskZ(tc.fields), opts, `{}`)
			if err != nil {
				t.Fatal(err)
			}
			jsonEq(t, got, tc.want)
			if !reflect.DeepEqual(clock.slept(), tc.sleeps) {
				t.Errorf("sleeps %v, want %v", clock.slept(), tc.sleeps)
			}
			if calls != tc.calls {
				t.Errorf("%d calls, want %d", calls, tc.calls)
			}
		})
	}
}

// TestV13LambdaErrors: Go errors are named as the Lambda Go runtime names them.
func TestV13LambdaErrors(t *testing.T) {
	tests := []struct {
		name      string
		err       error
		wantName  string
		wantCause string
	}{
		// A custom pointer type: its name without the pointer.
		{"custom type", &ThrottledError{}, "ThrottledError", `{"errorMessage":"slow down","errorType":"ThrottledError"}`},
		// errors.New gives *errors.errorString.
		{"errors.New", errors.New("boom"), "errorString", `{"errorMessage":"boom","errorType":"errorString"}`},
		// Wrapping hides the type: *fmt.wrapError.
		{"wrapped", fmt.Errorf("ctx: %w", &ThrottledError{}), "wrapError", `{"errorMessage":"ctx: slow down","errorType":"wrapError"}`},
		// An InvokeResponse_Error keeps its Type.
		{"InvokeResponse_Error", messages.InvokeResponse_Error{Type: "Custom.Name", Message: "m"}, "Custom.Name", `{"errorMessage":"m","errorType":"Custom.Name"}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := func(context.Context) error { return tc.err }
			_, err := run(t, taskZ(`"Comment":"x"`), Options{Functions: fns(map[string]any{"f": f})}, `{}`)
			ee := execErr(t, err, tc.wantName, "T")
			if ee.Cause != tc.wantCause {
				t.Errorf("cause %s, want %s", ee.Cause, tc.wantCause)
			}
		})
	}
}

// TestV13RetryRuns: MaxAttempts 2 on ThrottledError runs the handler 3 times.
func TestV13RetryRuns(t *testing.T) {
	var calls int
	var mu sync.Mutex
	f := func(context.Context) error { mu.Lock(); calls++; mu.Unlock(); return &ThrottledError{} }
	_, err := run(t, taskZ(`"Retry":[{"ErrorEquals":["ThrottledError"],"MaxAttempts":2}]`),
		Options{Functions: fns(map[string]any{"f": f})}, `{}`)
	execErr(t, err, "ThrottledError", "T")
	if calls != 3 {
		t.Fatalf("%d calls, want 3", calls)
	}
}

// TestErrorCases: failures, which are caught and which are not.
func TestErrorCases(t *testing.T) {
	big := strings.Repeat("x", MaxPayloadBytes)
	functions := fns(map[string]any{
		"f":     func(context.Context, any) (string, error) { return "ok", nil },
		"big":   func(context.Context, any) (string, error) { return big, nil },
		"panic": func(context.Context, any) (string, error) { panic("kaboom") },
		"block": func(ctx context.Context, _ any) (string, error) { <-ctx.Done(); return "", ctx.Err() },
	})
	catchAll := `"Catch":[{"ErrorEquals":["States.ALL"],"Next":"Z"}]`
	task := func(fn, fields string) string {
		return strings.Replace(taskZ(fields), "function:f", "function:"+fn, 1)
	}
	tests := []struct {
		name, def, input   string
		wantErr, wantState string
		wantOut            string
	}{
		// A missing InputPath is States.Runtime, which States.ALL does not catch.
		{"runtime not caught", task("f", `"InputPath":"$.nope",`+catchAll), `{}`, ErrRuntime, "T", ""},
		// A missing OutputPath likewise.
		{"outputpath runtime", task("f", `"OutputPath":"$.nope",`+catchAll), `{}`, ErrRuntime, "T", ""},
		// A Catch naming States.Runtime does catch it.
		{"runtime by name", task("f", `"InputPath":"$.nope","Catch":[{"ErrorEquals":["States.Runtime"],"Next":"Z"}]`), `{}`, "", "", `"caught"`},
		// A task result over 256 KiB is DataLimitExceeded, not caught by States.ALL.
		{"task result too big", task("big", catchAll), `{}`, ErrDataLimitExceeded, "T", ""},
		// A state output over 256 KiB.
		{"output too big", machine1(`{"Type":"Pass","Parameters":{"r.$":"States.Format('{}{}', $.s, $.s)"},"End":true}`),
			`{"s":"` + strings.Repeat("y", MaxPayloadBytes/2) + `"}`, ErrDataLimitExceeded, "S", ""},
		// A missing Parameters path is ParameterPathFailure, caught by States.ALL.
		{"parameter path caught", task("f", `"Parameters":{"a.$":"$.nope"},`+catchAll), `{}`, "", "", `"caught"`},
		// Uncaught, it fails the execution in that state.
		{"parameter path", task("f", `"Parameters":{"a.$":"$.nope"}`), `{}`, ErrParameterPathFailure, "T", ""},
		// A panic is Lambda.Unknown.
		{"panic", task("panic", `"Comment":""`), `{}`, ErrLambdaUnknown, "T", ""},
		// TimeoutSeconds gives States.Timeout (the fake clock's deadline is already past).
		{"timeout", task("block", `"TimeoutSeconds":5`), `{}`, ErrTimeout, "T", ""},
		// States.TaskFailed does not match States.Timeout.
		{"timeout not TaskFailed", task("block", `"TimeoutSeconds":5,"Catch":[{"ErrorEquals":["States.TaskFailed"],"Next":"Z"}]`), `{}`, ErrTimeout, "T", ""},
		// States.ALL does.
		{"timeout caught", task("block", `"TimeoutSeconds":5,`+catchAll), `{}`, "", "", `"caught"`},
		// No rule matching and no Default.
		{"no choice", `{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Variable":"$.x","NumericEquals":1,"Next":"E"}]},"E":{"Type":"Succeed"}}}`,
			`{"x":2}`, ErrNoChoiceMatched, "C", ""},
		// A Choice Variable that matches nothing is States.Runtime.
		{"choice missing variable", `{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Variable":"$.x","NumericEquals":1,"Next":"E"}],"Default":"E"},"E":{"Type":"Succeed"}}}`,
			`{}`, ErrRuntime, "C", ""},
		// Fail with ErrorPath and CausePath (an intrinsic).
		{"fail paths", machine1(`{"Type":"Fail","ErrorPath":"$.e","CausePath":"States.Format('bad {}', $.n)"}`),
			`{"e":"MyError","n":3}`, "MyError", "S", ""},
		// A wrong ItemsPath names the Map state.
		{"wrong ItemsPath", machine1(`{"Type":"Map","ItemsPath":"$.shards","ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}`),
			`{"shard":[1]}`, ErrRuntime, "S", ""},
		// ItemsPath pointing to an object.
		{"ItemsPath not array", machine1(`{"Type":"Map","ItemsPath":"$.shards","ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}`),
			`{"shards":{"a":1}}`, ErrRuntime, "S", ""},
		// A failing iteration fails the Map with the iteration's error and state.
		{"map iteration fails", machine1(`{"Type":"Map","ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Fail","Error":"Boom"}}},"End":true}`),
			`[1,2]`, "Boom", "P", ""},
		// A distributed Map turns it into ExceedToleratedFailureThreshold.
		{"distributed fails", machine1(`{"Type":"Map","ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"P","States":{"P":{"Type":"Fail","Error":"Boom"}}},"End":true}`),
			`[1]`, ErrExceedToleratedFailure, "S", ""},
		// A Parallel branch failure keeps the branch's error name.
		{"parallel fails", machine1(`{"Type":"Parallel","Branches":[{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}},{"StartAt":"B","States":{"B":{"Type":"Fail","Error":"BranchBoom"}}}],"End":true}`),
			`{}`, "BranchBoom", "B", ""},
		// lambda:invoke with a FunctionName.$ not in Functions.
		{"unknown dynamic function", task("f", `"Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName.$":"$.fn"}`),
			`{"fn":"ghost"}`, ErrLambdaResourceNotFound, "T", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			def := tc.def
			if strings.Contains(def, `"Resource":"arn:aws:states:::lambda:invoke"`) {
				def = strings.Replace(def, `"Resource":"arn:aws:lambda:us-east-1:000000000000:function:f",`, "", 1)
			}
			got, err := run(t, def, Options{Functions: functions}, tc.input)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				jsonEq(t, got, tc.wantOut)
				return
			}
			ee := execErr(t, err, tc.wantErr, tc.wantState)
			if !strings.Contains(ee.Error(), "sfnlocal: state ") || !strings.Contains(ee.Error(), tc.wantState) {
				t.Errorf("message %q does not name the state", ee.Error())
			}
		})
	}
}

// TestWrongItemsPathMessage: the message names the Map state and the path.
func TestWrongItemsPathMessage(t *testing.T) {
	def := `{"StartAt":"Fanout","States":{"Fanout":{"Type":"Map","ItemsPath":"$.plan.shards",
		"ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}}}`
	_, err := run(t, def, Options{}, `{"plan":{"slices":[]}}`)
	execErr(t, err, ErrRuntime, "Fanout")
	if msg := err.Error(); !strings.Contains(msg, "state Fanout") || !strings.Contains(msg, "$.plan.shards") {
		t.Fatalf("message %q", msg)
	}
}

// TestCatchInMap: an iteration's error caught by the Map's Catch, with
// the error in the raw input; the path locates the failing inner state.
func TestCatchInMap(t *testing.T) {
	def := `{"StartAt":"M","States":{
		"M":{"Type":"Map","ItemsPath":"$.items","ItemProcessor":{"StartAt":"W","States":{
			"W":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:000000000000:function:f","End":true}}},
		    "ResultPath":"$.results","Catch":[{"ErrorEquals":["States.ALL"],"ResultPath":"$.failure","Next":"Z"}],"End":true},
		"Z":{"Type":"Pass","End":true}}}`
	f := func(ctx context.Context, n int) (int, error) {
		if n == 2 {
			return 0, errors.New("two")
		}
		return n * 10, nil
	}
	var events []Event
	opts := Options{Functions: fns(map[string]any{"f": f}), Observer: func(e Event) { events = append(events, e) }}
	got, err := run(t, def, opts, `{"items":[1,2,3]}`)
	if err != nil {
		t.Fatal(err)
	}
	jsonEq(t, got, `{"items":[1,2,3],"failure":{"Error":"errorString","Cause":"{\"errorMessage\":\"two\",\"errorType\":\"errorString\"}"}}`)
	found := false
	for _, e := range events {
		if e.Type == StateFailed && e.State == "W" && e.Path == "M[1]/W" && e.MapIndex == 1 && e.Error == "errorString" {
			found = true
		}
	}
	if !found {
		t.Errorf("no StateFailed event for M[1]/W in %+v", events)
	}
}

// TestLambdaMessage: the message of a function's error comes back out of
// the Cause it was written into; any other Cause has none.
func TestLambdaMessage(t *testing.T) {
	for _, c := range []struct {
		cause, msg string
		ok         bool
	}{
		{lambdaCause("plan: level 9 needs 3 slices", "errorString"), "plan: level 9 needs 3 slices", true},
		{"States.Runtime: the JSONPath '$.x' could not be found", "", false},
		{`{"errorType":"x"}`, "", false},
	} {
		msg, ok := (&ExecutionError{Cause: c.cause}).LambdaMessage()
		if msg != c.msg || ok != c.ok {
			t.Errorf("LambdaMessage of %q = %q, %v; want %q, %v", c.cause, msg, ok, c.msg, c.ok)
		}
	}
}
