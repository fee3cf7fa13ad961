package sfnfake_test

import (
	"context"
	"errors"
	"fmt"
	"github.com/llmbench/llmbench/shared/sdkhttp"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambda/messages"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/aws/smithy-go"

	"github.com/llmbench/llmbench/shared/cloudrun/sfnfake"
	"github.com/llmbench/llmbench/shared/sfnlocal"
)

const smPrefix = "arn:aws:states:us-east-1:123456789012:stateMachine:"

// mapCatch doubles each item in a Map; item 2 fails and is caught.
const mapCatch = `{
  "StartAt": "Prep",
  "States": {
    "Prep": {"Type": "Pass", "Result": [{"n": 1}, {"n": 2}, {"n": 3}], "ResultPath": "$.items", "Next": "Each"},
    "Each": {
      "Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": 1,
      "ItemProcessor": {
        "ProcessorConfig": {"Mode": "INLINE"},
        "StartAt": "Double",
        "States": {
          "Double": {
            "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
            "Parameters": {"FunctionName": "${double_arn}", "Payload.$": "$"},
            "ResultSelector": {"n.$": "$.Payload"},
            "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Caught"}],
            "End": true
          },
          "Caught": {"Type": "Pass", "Result": {"n": -1}, "End": true}
        }
      },
      "ResultPath": "$.doubled", "Next": "Done"
    },
    "Done": {"Type": "Succeed"}
  }
}`

type item struct {
	N int `json:"n"`
}

func double(_ context.Context, in item) (int, error) {
	if in.N == 2 {
		return 0, errors.New("two is refused")
	}
	return 2 * in.N, nil
}

// noSleep is a clock whose Retry waits return at once.
type noSleep struct{}

func (noSleep) Now() time.Time                                   { return time.Now() }
func (noSleep) Sleep(ctx context.Context, _ time.Duration) error { return ctx.Err() }

// blocked is a function that runs until its context is cancelled.
func blocked(ctx context.Context, _ map[string]any) (string, error) {
	<-ctx.Done()
	return "", ctx.Err()
}

// flaky fails its first call with a Lambda service error.
func flaky() lambda.Handler {
	var calls atomic.Int32
	return sfnlocal.Func(func(context.Context, map[string]any) (string, error) {
		if calls.Add(1) == 1 {
			return "", messages.InvokeResponse_Error{Type: "Lambda.ServiceException", Message: "busy"}
		}
		return "ok", nil
	})
}

// machines are the state machines the tests start, by name.
func machines() map[string]sfnfake.StateMachine {
	return map[string]sfnfake.StateMachine{
		smPrefix + "mapcatch": {
			Definition: []byte(mapCatch),
			Vars:       map[string]string{"double_arn": "arn:aws:lambda:us-east-1:123456789012:function:double"},
			Functions:  map[string]lambda.Handler{"double": sfnlocal.Func(double)},
		},
		smPrefix + "fail": {
			Definition: []byte(`{"StartAt":"Boom","States":{"Boom":{"Type":"Fail","Error":"Custom.Error","Cause":"it broke"}}}`),
		},
		smPrefix + "distributed": {
			Definition: []byte(`{"StartAt":"Each","States":{"Each":{"Type":"Map","ItemsPath":"$.items","ToleratedFailureCount":1,
			  "ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"D","States":{
			    "D":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:double","End":true}}},
			  "ResultWriter":{"Resource":"arn:aws:states:::s3:putObject","Parameters":{"Bucket":"b","Prefix":"p"}},"End":true}}}`),
			Functions:   map[string]lambda.Handler{"double": sfnlocal.Func(double)},
			MapRunFiles: discard{},
		},
		// Past ToleratedFailureCount 0: the Map Run fails at item 2.
		smPrefix + "distintolerant": {
			Definition: []byte(`{"StartAt":"Each","States":{"Each":{"Type":"Map","ItemsPath":"$.items","MaxConcurrency":1,
			  "ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"D","States":{
			    "D":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:double","End":true}}},"End":true}}}`),
			Functions: map[string]lambda.Handler{"double": sfnlocal.Func(double)},
		},
		// Children that run until the execution is stopped.
		smPrefix + "distblocked": {
			Definition: []byte(`{"StartAt":"Each","States":{"Each":{"Type":"Map","ItemsPath":"$.items",
			  "ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"Hold","States":{
			    "Hold":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:blocked","End":true}}},"End":true}}}`),
			Functions: map[string]lambda.Handler{"blocked": sfnlocal.Func(blocked)},
		},
		smPrefix + "lambdaarn": {
			Definition: []byte(`{"StartAt":"Call","States":{"Call":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:bad","End":true}}}`),
			Functions: map[string]lambda.Handler{"bad": sfnlocal.Func(func(context.Context) (string, error) {
				return "", errors.New("nope")
			})},
		},
		smPrefix + "retry": {
			Definition: []byte(`{"StartAt":"Call","States":{"Call":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
			  "Parameters":{"FunctionName":"flaky","Payload":{}},"OutputPath":"$.Payload",
			  "Retry":[{"ErrorEquals":["Lambda.ServiceException"],"MaxAttempts":2}],"End":true}}}`),
			Functions: map[string]lambda.Handler{"flaky": flaky()},
			Clock:     noSleep{},
		},
		smPrefix + "blocked": {
			Definition: []byte(`{"StartAt":"Hold","States":{"Hold":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
			  "Parameters":{"FunctionName":"blocked","Payload.$":"$"},"End":true}}}`),
			Functions: map[string]lambda.Handler{"blocked": sfnlocal.Func(blocked)},
		},
	}
}

// fake is a Server on loopback and a real SDK client pointed at it.
type fake struct {
	srv    *sfnfake.Server
	client *sfn.Client
}

func newFake(t *testing.T, pageSize int) *fake {
	t.Helper()
	srv, err := sfnfake.New(sfnfake.Options{StateMachines: machines(), PageSize: pageSize})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(func() {
		srv.Close()
		ts.Close()
	})
	client := sfn.New(sfn.Options{
		Region:           "us-east-1",
		BaseEndpoint:     aws.String(ts.URL),
		Credentials:      credentials.NewStaticCredentialsProvider("AKIDSFNFAKE", "secret", ""),
		HTTPClient:       sdkhttp.Guard(ts.Client()),
		RetryMaxAttempts: 1,
	})
	return &fake{srv: srv, client: client}
}

// run starts an execution and waits for it to end.
func (f *fake) run(t *testing.T, machine, name, input string) (string, *sfn.DescribeExecutionOutput) {
	t.Helper()
	ctx := context.Background()
	in := &sfn.StartExecutionInput{StateMachineArn: aws.String(smPrefix + machine), Input: aws.String(input)}
	if name != "" {
		in.Name = aws.String(name)
	}
	out, err := f.client.StartExecution(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	arn := aws.ToString(out.ExecutionArn)
	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if _, err := f.srv.Wait(wctx, arn); err != nil {
		t.Fatal(err)
	}
	d, err := f.client.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String(arn)})
	if err != nil {
		t.Fatal(err)
	}
	return arn, d
}

// history reads every page of an execution's history with the SDK's
// paginator and counts the pages.
func (f *fake) history(t *testing.T, in *sfn.GetExecutionHistoryInput) ([]types.HistoryEvent, int) {
	t.Helper()
	var events []types.HistoryEvent
	pages := 0
	p := sfn.NewGetExecutionHistoryPaginator(f.client, in)
	for p.HasMorePages() {
		out, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		pages++
		events = append(events, out.Events...)
	}
	return events, pages
}

func typeCounts(events []types.HistoryEvent) map[string]int {
	m := map[string]int{}
	for _, e := range events {
		m[string(e.Type)]++
	}
	return m
}

func typeList(events []types.HistoryEvent) string {
	s := make([]string, len(events))
	for i, e := range events {
		s[i] = string(e.Type)
	}
	return strings.Join(s, " ")
}

// TestMapWithCatch runs a Map whose middle item fails and is caught, and
// reads its history through the SDK in pages.
func TestMapWithCatch(t *testing.T) {
	f := newFake(t, 5)
	start := time.Now().Add(-time.Second)
	arn, d := f.run(t, "mapcatch", "map-1", `{"x":1}`)
	if want := "arn:aws:states:us-east-1:123456789012:execution:mapcatch:map-1"; arn != want {
		t.Errorf("execution ARN %s, want %s", arn, want)
	}
	if d.Status != types.ExecutionStatusSucceeded || aws.ToString(d.Name) != "map-1" || aws.ToString(d.StateMachineArn) != smPrefix+"mapcatch" {
		t.Fatalf("describe: status %s name %s machine %s", d.Status, aws.ToString(d.Name), aws.ToString(d.StateMachineArn))
	}
	if got, want := aws.ToString(d.Output), `{"doubled":[{"n":2},{"n":-1},{"n":6}],"items":[{"n":1},{"n":2},{"n":3}],"x":1}`; got != want {
		t.Errorf("output %s, want %s", got, want)
	}
	if d.StartDate == nil || d.StopDate == nil || d.StartDate.Before(start) || d.StopDate.Before(*d.StartDate) {
		t.Errorf("dates: start %v stop %v", d.StartDate, d.StopDate)
	}

	events, pages := f.history(t, &sfn.GetExecutionHistoryInput{ExecutionArn: aws.String(arn)})
	want := map[string]int{
		"ExecutionStarted": 1, "ExecutionSucceeded": 1,
		"PassStateEntered": 2, "PassStateExited": 2, // Prep, and Caught for item 2
		"MapStateEntered": 1, "MapStateSucceeded": 1, "MapStateExited": 1,
		"MapIterationStarted": 3, "MapIterationSucceeded": 3, // a caught failure is a successful iteration
		"TaskStateEntered": 3, "TaskScheduled": 3, "TaskStarted": 3,
		"TaskSucceeded": 2, "TaskFailed": 1,
		"TaskStateExited":     3, // the caught one exits too
		"SucceedStateEntered": 1, "SucceedStateExited": 1,
	}
	if got := typeCounts(events); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("event types\n got %v\nwant %v", got, want)
	}
	if n := len(events); pages != (n+4)/5 {
		t.Errorf("%d events in %d pages, want pages of 5", n, pages)
	}
	stop := d.StopDate.Add(time.Second)
	for i, e := range events {
		if e.Id != int64(i+1) || e.PreviousEventId < 0 || e.PreviousEventId >= e.Id {
			t.Errorf("event %d: id %d previous %d", i, e.Id, e.PreviousEventId)
		}
		if e.Timestamp == nil || e.Timestamp.Before(start) || e.Timestamp.After(stop) {
			t.Errorf("event %d: timestamp %v outside the execution", e.Id, e.Timestamp)
		}
		switch e.Type {
		case types.HistoryEventTypeTaskStateEntered:
			if aws.ToString(e.StateEnteredEventDetails.Name) != "Double" {
				t.Errorf("TaskStateEntered names %q", aws.ToString(e.StateEnteredEventDetails.Name))
			}
		case types.HistoryEventTypeTaskStateExited:
			if aws.ToString(e.StateExitedEventDetails.Name) != "Double" {
				t.Errorf("TaskStateExited names %q", aws.ToString(e.StateExitedEventDetails.Name))
			}
		case types.HistoryEventTypeTaskScheduled:
			if d := e.TaskScheduledEventDetails; aws.ToString(d.ResourceType) != "lambda" || aws.ToString(d.Resource) != "invoke" || aws.ToString(d.Region) != "us-east-1" {
				t.Errorf("TaskScheduled: %s %s in %s", aws.ToString(d.ResourceType), aws.ToString(d.Resource), aws.ToString(d.Region))
			}
		case types.HistoryEventTypeTaskFailed:
			if d := e.TaskFailedEventDetails; aws.ToString(d.Error) != "errorString" || !strings.Contains(aws.ToString(d.Cause), "two is refused") {
				t.Errorf("TaskFailed: %s: %s", aws.ToString(d.Error), aws.ToString(d.Cause))
			}
		case types.HistoryEventTypeMapIterationStarted:
			if d := e.MapIterationStartedEventDetails; aws.ToString(d.Name) != "Each" {
				t.Errorf("MapIterationStarted names %q", aws.ToString(d.Name))
			}
		case types.HistoryEventTypeExecutionStarted:
			if aws.ToString(e.ExecutionStartedEventDetails.Input) != `{"x":1}` {
				t.Errorf("ExecutionStarted input %q", aws.ToString(e.ExecutionStartedEventDetails.Input))
			}
		}
	}
	if events[0].Type != types.HistoryEventTypeExecutionStarted || events[len(events)-1].Type != types.HistoryEventTypeExecutionSucceeded {
		t.Errorf("history runs %s … %s", events[0].Type, events[len(events)-1].Type)
	}

	// The same history through other page sizes and orders.
	n := int64(len(events))
	tests := []struct {
		name      string
		in        sfn.GetExecutionHistoryInput
		pages     int
		firstID   int64
		inputSeen bool
	}{
		{"maxResults below the page size wins", sfn.GetExecutionHistoryInput{MaxResults: 3}, int(n+2) / 3, 1, true},
		{"maxResults above the page size is capped", sfn.GetExecutionHistoryInput{MaxResults: 1000}, int(n+4) / 5, 1, true},
		{"newest first", sfn.GetExecutionHistoryInput{ReverseOrder: true}, int(n+4) / 5, n, true},
		{"without execution data", sfn.GetExecutionHistoryInput{IncludeExecutionData: aws.Bool(false)}, int(n+4) / 5, 1, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.in
			in.ExecutionArn = aws.String(arn)
			got, pages := f.history(t, &in)
			if int64(len(got)) != n || pages != tc.pages || got[0].Id != tc.firstID {
				t.Fatalf("%d events in %d pages from id %d; want %d in %d from %d", len(got), pages, got[0].Id, n, tc.pages, tc.firstID)
			}
			var started *types.ExecutionStartedEventDetails
			for _, e := range got {
				if e.Type == types.HistoryEventTypeExecutionStarted {
					started = e.ExecutionStartedEventDetails
				}
			}
			if seen := started != nil && started.Input != nil; seen != tc.inputSeen {
				t.Errorf("ExecutionStarted input present %v, want %v", seen, tc.inputSeen)
			}
		})
	}
}

// TestEndings: how each way of ending shows in DescribeExecution and the
// history.
func TestEndings(t *testing.T) {
	f := newFake(t, 0)
	tests := []struct {
		machine      string
		status       types.ExecutionStatus
		error, cause string
		types        string
	}{
		// A Fail state: its Error and Cause.
		{"fail", types.ExecutionStatusFailed, "Custom.Error", "it broke",
			"ExecutionStarted FailStateEntered ExecutionFailed"},
		// A Task on a Lambda function ARN whose handler errs, uncaught.
		{"lambdaarn", types.ExecutionStatusFailed, "errorString", `{"errorMessage":"nope","errorType":"errorString"}`,
			"ExecutionStarted TaskStateEntered LambdaFunctionScheduled LambdaFunctionStarted LambdaFunctionFailed ExecutionFailed"},
		// A Lambda service error retried: one failed attempt, then a second one.
		{"retry", types.ExecutionStatusSucceeded, "", "",
			"ExecutionStarted TaskStateEntered TaskScheduled TaskStarted TaskFailed TaskScheduled TaskStarted TaskSucceeded TaskStateExited ExecutionSucceeded"},
	}
	for _, tc := range tests {
		t.Run(tc.machine, func(t *testing.T) {
			arn, d := f.run(t, tc.machine, "", "{}")
			if d.Status != tc.status || aws.ToString(d.Error) != tc.error || aws.ToString(d.Cause) != tc.cause {
				t.Errorf("describe: %s %q %q; want %s %q %q", d.Status, aws.ToString(d.Error), aws.ToString(d.Cause), tc.status, tc.error, tc.cause)
			}
			events, _ := f.history(t, &sfn.GetExecutionHistoryInput{ExecutionArn: aws.String(arn)})
			if got := typeList(events); got != tc.types {
				t.Errorf("history\n got %s\nwant %s", got, tc.types)
			}
			last := events[len(events)-1]
			if d := last.ExecutionFailedEventDetails; tc.status == types.ExecutionStatusFailed && (d == nil || aws.ToString(d.Error) != tc.error || aws.ToString(d.Cause) != tc.cause) {
				t.Errorf("ExecutionFailed details %+v", d)
			}
			if tc.status == types.ExecutionStatusSucceeded && aws.ToString(last.ExecutionSucceededEventDetails.Output) != aws.ToString(d.Output) {
				t.Errorf("ExecutionSucceeded output %q, describe %q", aws.ToString(last.ExecutionSucceededEventDetails.Output), aws.ToString(d.Output))
			}
		})
	}
}

// TestStopAndNames: StopExecution aborts a running execution; a name is
// idempotent while its execution runs with the same input, and taken after.
func TestStopAndNames(t *testing.T) {
	f := newFake(t, 0)
	ctx := context.Background()
	start := func(name, input string) (string, error) {
		out, err := f.client.StartExecution(ctx, &sfn.StartExecutionInput{
			StateMachineArn: aws.String(smPrefix + "blocked"), Name: aws.String(name), Input: aws.String(input)})
		if err != nil {
			return "", err
		}
		return aws.ToString(out.ExecutionArn), nil
	}
	arn, err := start("hold", `{"a":1}`)
	if err != nil {
		t.Fatal(err)
	}
	again, err := start("hold", `{"a":1}`)
	if err != nil || again != arn {
		t.Errorf("same name and input while running: %q, %v; want %q", again, err, arn)
	}
	var exists *types.ExecutionAlreadyExists
	if _, err := start("hold", `{"a":2}`); !errors.As(err, &exists) {
		t.Errorf("same name, other input: %v, want ExecutionAlreadyExists", err)
	}
	d, err := f.client.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String(arn)})
	if err != nil || d.Status != types.ExecutionStatusRunning || d.StopDate != nil {
		t.Fatalf("describe while running: %v, %+v", err, d)
	}
	if _, err := f.client.StopExecution(ctx, &sfn.StopExecutionInput{ExecutionArn: aws.String(arn), Error: aws.String("Test.Stop"), Cause: aws.String("enough")}); err != nil {
		t.Fatal(err)
	}
	d, err = f.client.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String(arn)})
	if err != nil || d.Status != types.ExecutionStatusAborted || aws.ToString(d.Error) != "Test.Stop" || aws.ToString(d.Cause) != "enough" {
		t.Fatalf("describe after stop: %v, %s %q %q", err, d.Status, aws.ToString(d.Error), aws.ToString(d.Cause))
	}
	events, _ := f.history(t, &sfn.GetExecutionHistoryInput{ExecutionArn: aws.String(arn)})
	if last := events[len(events)-1]; last.Type != types.HistoryEventTypeExecutionAborted || aws.ToString(last.ExecutionAbortedEventDetails.Error) != "Test.Stop" {
		t.Errorf("history ends %s", typeList(events))
	}
	if _, err := start("hold", `{"a":1}`); !errors.As(err, &exists) {
		t.Errorf("the name of an ended execution: %v, want ExecutionAlreadyExists", err)
	}
}

// TestErrors: Step Functions' error codes, as the SDK decodes them.
func TestErrors(t *testing.T) {
	f := newFake(t, 2)
	ctx := context.Background()
	done, _ := f.run(t, "fail", "done", "{}")
	missing := strings.Replace(done, ":done", ":missing", 1)
	tests := []struct {
		name string
		call func() error
		code string
	}{
		{"unknown state machine", func() error {
			_, err := f.client.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(smPrefix + "nope")})
			return err
		}, "StateMachineDoesNotExist"},
		{"malformed state machine ARN", func() error {
			_, err := f.client.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String("llmbench")})
			return err
		}, "InvalidArn"},
		{"input not JSON", func() error {
			_, err := f.client.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(smPrefix + "fail"), Input: aws.String("{")})
			return err
		}, "InvalidExecutionInput"},
		{"name with a space", func() error {
			_, err := f.client.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(smPrefix + "fail"), Name: aws.String("a b")})
			return err
		}, "InvalidName"},
		{"unknown execution", func() error {
			_, err := f.client.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String(missing)})
			return err
		}, "ExecutionDoesNotExist"},
		{"history of an unknown execution", func() error {
			_, err := f.client.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: aws.String(missing)})
			return err
		}, "ExecutionDoesNotExist"},
		{"token not ours", func() error {
			_, err := f.client.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: aws.String(done), NextToken: aws.String("garbage")})
			return err
		}, "InvalidToken"},
		{"token of the other direction", func() error {
			out, err := f.client.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: aws.String(done)})
			if err != nil || out.NextToken == nil {
				return fmt.Errorf("first page: %v, token %v", err, out)
			}
			_, err = f.client.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: aws.String(done), NextToken: out.NextToken, ReverseOrder: true})
			return err
		}, "InvalidToken"},
		{"unknown map run", func() error {
			_, err := f.client.DescribeMapRun(ctx, &sfn.DescribeMapRunInput{MapRunArn: aws.String("arn:aws:states:us-east-1:123456789012:mapRun:distributed/Each:00000000-0000-4000-8000-000000000000")})
			return err
		}, "ResourceNotFound"},
		{"malformed map run ARN", func() error {
			_, err := f.client.DescribeMapRun(ctx, &sfn.DescribeMapRunInput{MapRunArn: aws.String(done)})
			return err
		}, "InvalidArn"},
		{"an operation the fake does not serve", func() error {
			_, err := f.client.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: aws.String(smPrefix + "fail")})
			return err
		}, "UnknownOperationException"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			var ae smithy.APIError
			if !errors.As(err, &ae) || ae.ErrorCode() != tc.code {
				t.Errorf("error %v, want code %s", err, tc.code)
			}
		})
	}
}

// TestCloseAbortsRunning: Close ends what still runs, as ABORTED.
func TestCloseAbortsRunning(t *testing.T) {
	f := newFake(t, 0)
	out, err := f.client.StartExecution(context.Background(), &sfn.StartExecutionInput{StateMachineArn: aws.String(smPrefix + "blocked")})
	if err != nil {
		t.Fatal(err)
	}
	f.srv.Close()
	status, err := f.srv.Wait(context.Background(), aws.ToString(out.ExecutionArn))
	if err != nil || status != "ABORTED" {
		t.Errorf("after Close: %s, %v", status, err)
	}
}

// TestTokenStaysValid: a token read again gives the same page, from the
// event it names, in both directions.
func TestTokenStaysValid(t *testing.T) {
	f := newFake(t, 4)
	arn, _ := f.run(t, "mapcatch", "", "{}")
	ctx := context.Background()
	for _, reverse := range []bool{false, true} {
		first, err := f.client.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: aws.String(arn), ReverseOrder: reverse})
		if err != nil || first.NextToken == nil {
			t.Fatalf("reverse %v: first page: %v", reverse, err)
		}
		var ids [2][]int64
		for i := range ids {
			page, err := f.client.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: aws.String(arn), ReverseOrder: reverse, NextToken: first.NextToken})
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range page.Events {
				ids[i] = append(ids[i], e.Id)
			}
		}
		step := int64(1)
		if reverse {
			step = -1
		}
		if fmt.Sprint(ids[0]) != fmt.Sprint(ids[1]) || len(ids[0]) != 4 || ids[0][0] != first.Events[3].Id+step {
			t.Errorf("reverse %v: first page ends at %d, then %v and %v", reverse, first.Events[3].Id, ids[0], ids[1])
		}
	}
}

// discard is an ObjectWriter that keeps nothing.
type discard struct{}

func (discard) PutObject(context.Context, string, string, []byte) error { return nil }

func (discard) GetObject(_ context.Context, bucket, key string) ([]byte, error) {
	return nil, fmt.Errorf("NoSuchKey: s3://%s/%s", bucket, key)
}

// TestDistributedMapHistory: a Distributed Map's children keep their events
// to their own histories; the execution's has the Map Run's, with its ARN.
func TestDistributedMapHistory(t *testing.T) {
	f := newFake(t, 1000)
	arn, d := f.run(t, "distributed", "dist-1", `{"items":[{"n":1},{"n":2},{"n":3}]}`)
	if d.Status != types.ExecutionStatusSucceeded {
		t.Fatalf("status %s: %s %s", d.Status, aws.ToString(d.Error), aws.ToString(d.Cause))
	}
	events, _ := f.history(t, &sfn.GetExecutionHistoryInput{ExecutionArn: aws.String(arn)})
	want := map[string]int{
		"ExecutionStarted": 1, "ExecutionSucceeded": 1,
		"MapStateEntered": 1, "MapStateSucceeded": 1, "MapStateExited": 1,
		"MapRunStarted": 1, "MapRunSucceeded": 1, // the item that failed is within ToleratedFailureCount
	}
	if got := typeCounts(events); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("event types\n got %v\nwant %v", got, want)
	}
	for _, e := range events {
		if e.Type == types.HistoryEventTypeMapRunStarted {
			if d := e.MapRunStartedEventDetails; d == nil || !strings.Contains(aws.ToString(d.MapRunArn), ":mapRun:distributed/Each:") {
				t.Errorf("MapRunStarted details %+v", d)
			}
		}
	}
}

// mapRunArn waits (10 s at most) for the execution's history to show a
// MapRunStarted and returns its mapRunArn.
func (f *fake) mapRunArn(t *testing.T, executionArn string) string {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		events, _ := f.history(t, &sfn.GetExecutionHistoryInput{ExecutionArn: aws.String(executionArn)})
		for _, e := range events {
			if e.Type == types.HistoryEventTypeMapRunStarted && e.MapRunStartedEventDetails != nil {
				return aws.ToString(e.MapRunStartedEventDetails.MapRunArn)
			}
		}
	}
	t.Fatalf("%s: no MapRunStarted", executionArn)
	return ""
}

// TestDescribeMapRun: a Map Run's status and item counts through the SDK,
// while it runs and once it ended, however it ended.
func TestDescribeMapRun(t *testing.T) {
	f := newFake(t, 0)
	ctx := context.Background()
	items := `{"items":[{"n":1},{"n":2},{"n":3},{"n":4}]}`
	tests := []struct {
		name    string
		machine string
		// stop: the children block; DescribeMapRun is read once all run,
		// then the execution is stopped.
		stop    bool
		status  types.MapRunStatus
		counts  types.MapRunItemCounts
		running types.MapRunItemCounts // stop: the counts while it runs
	}{
		// Item 2 fails, within ToleratedFailureCount 1.
		{name: "succeeded", machine: "distributed", status: types.MapRunStatusSucceeded,
			counts: types.MapRunItemCounts{Total: 4, Succeeded: 3, Failed: 1}},
		// One child at a time, none tolerated: item 2 fails the Map Run,
		// items 3 and 4 never start.
		{name: "failed", machine: "distintolerant", status: types.MapRunStatusFailed,
			counts: types.MapRunItemCounts{Total: 4, Succeeded: 1, Failed: 1, Pending: 2}},
		// Stopped while its four children run: they are aborted.
		{name: "aborted", machine: "distblocked", stop: true, status: types.MapRunStatusAborted,
			running: types.MapRunItemCounts{Total: 4, Running: 4},
			counts:  types.MapRunItemCounts{Total: 4, Aborted: 4}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var execArn string
			if tc.stop {
				out, err := f.client.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(smPrefix + tc.machine), Input: aws.String(items)})
				if err != nil {
					t.Fatal(err)
				}
				execArn = aws.ToString(out.ExecutionArn)
			} else {
				execArn, _ = f.run(t, tc.machine, "", items)
			}
			runArn := f.mapRunArn(t, execArn)
			describe := func() *sfn.DescribeMapRunOutput {
				t.Helper()
				d, err := f.client.DescribeMapRun(ctx, &sfn.DescribeMapRunInput{MapRunArn: aws.String(runArn)})
				if err != nil {
					t.Fatal(err)
				}
				return d
			}
			if tc.stop {
				d := describe()
				for deadline := time.Now().Add(10 * time.Second); d.ItemCounts.Running < 4 && time.Now().Before(deadline); d = describe() {
					time.Sleep(5 * time.Millisecond)
				}
				if d.Status != types.MapRunStatusRunning || d.StopDate != nil || counts(d.ItemCounts) != counts(&tc.running) {
					t.Errorf("while running: %s, stop %v, items %s; want RUNNING, no stop date, %s", d.Status, d.StopDate, counts(d.ItemCounts), counts(&tc.running))
				}
				if _, err := f.client.StopExecution(ctx, &sfn.StopExecutionInput{ExecutionArn: aws.String(execArn)}); err != nil {
					t.Fatal(err)
				}
			}
			d := describe()
			if d.Status != tc.status || counts(d.ItemCounts) != counts(&tc.counts) || execCounts(d.ExecutionCounts) != counts(d.ItemCounts) {
				t.Errorf("%s, items %s, executions %s; want %s, items %s", d.Status, counts(d.ItemCounts), execCounts(d.ExecutionCounts), tc.status, counts(&tc.counts))
			}
			if aws.ToString(d.MapRunArn) != runArn || aws.ToString(d.ExecutionArn) != execArn || d.StartDate == nil || d.StopDate == nil || d.StopDate.Before(*d.StartDate) {
				t.Errorf("arns %s %s, dates %v %v", aws.ToString(d.MapRunArn), aws.ToString(d.ExecutionArn), d.StartDate, d.StopDate)
			}
		})
	}
}

// counts prints item counts for comparison.
func counts(c *types.MapRunItemCounts) string {
	if c == nil {
		return "<nil>"
	}
	return fmt.Sprintf("total %d pending %d running %d succeeded %d failed %d timed out %d aborted %d",
		c.Total, c.Pending, c.Running, c.Succeeded, c.Failed, c.TimedOut, c.Aborted)
}

func execCounts(c *types.MapRunExecutionCounts) string {
	if c == nil {
		return "<nil>"
	}
	return counts(&types.MapRunItemCounts{Total: c.Total, Pending: c.Pending, Running: c.Running, Succeeded: c.Succeeded,
		Failed: c.Failed, TimedOut: c.TimedOut, Aborted: c.Aborted})
}
