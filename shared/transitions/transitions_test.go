package transitions_test

import (
	"context"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambda/messages"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/llmbench/llmbench/shared/cloudrun/sfnfake"
	"github.com/llmbench/llmbench/shared/sdkhttp"
	"github.com/llmbench/llmbench/shared/sfnlocal"
	"github.com/llmbench/llmbench/shared/transitions"
)

const sm = "arn:aws:states:us-east-1:123456789012:stateMachine:bill"

// definition: a Pass, a Map of three items whose Task fails twice on the
// second item with a Lambda service error (retried), a Choice, and a
// Succeed. By hand: Prep 1, Each 1, Call 3 (one per item) + 2 retries,
// Branch 1, Done 1 = 9 transitions.
const definition = `{
  "StartAt": "Prep",
  "States": {
    "Prep": {"Type": "Pass", "Result": [1, 2, 3], "ResultPath": "$.items", "Next": "Each"},
    "Each": {
      "Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": 1,
      "ItemProcessor": {
        "ProcessorConfig": {"Mode": "INLINE"},
        "StartAt": "Call",
        "States": {
          "Call": {
            "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
            "Parameters": {"FunctionName": "f", "Payload.$": "$"},
            "Retry": [{"ErrorEquals": ["Lambda.ServiceException"], "MaxAttempts": 3}],
            "End": true
          }
        }
      },
      "ResultPath": "$.out", "Next": "Branch"
    },
    "Branch": {"Type": "Choice", "Choices": [{"Variable": "$.items[0]", "NumericEquals": 1, "Next": "Done"}], "Default": "Done"},
    "Done": {"Type": "Succeed"}
  }
}`

type noSleep struct{}

func (noSleep) Now() time.Time                                   { return time.Now() }
func (noSleep) Sleep(ctx context.Context, _ time.Duration) error { return ctx.Err() }

func TestCountFromHistory(t *testing.T) {
	var fails atomic.Int32
	f := sfnlocal.Func(func(_ context.Context, n int) (int, error) {
		if n == 2 && fails.Add(1) <= 2 {
			return 0, messages.InvokeResponse_Error{Type: "Lambda.ServiceException", Message: "busy"}
		}
		return n, nil
	})
	for _, page := range []int{1000, 4} { // one page, and many (paging followed)
		srv, err := sfnfake.New(sfnfake.Options{PageSize: page, StateMachines: map[string]sfnfake.StateMachine{
			sm: {Definition: []byte(definition), Functions: map[string]lambda.Handler{"f": f}, Clock: noSleep{}},
		}})
		if err != nil {
			t.Fatal(err)
		}
		ts := httptest.NewServer(srv)
		client := sfn.New(sfn.Options{
			Region: "us-east-1", BaseEndpoint: aws.String(ts.URL),
			Credentials: credentials.NewStaticCredentialsProvider("AKIDSFNFAKE", "secret", ""),
			HTTPClient:  sdkhttp.Guard(ts.Client()), RetryMaxAttempts: 1,
		})
		ctx := context.Background()
		fails.Store(0)
		out, err := client.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(sm), Input: aws.String(`{}`)})
		if err != nil {
			t.Fatal(err)
		}
		arn := aws.ToString(out.ExecutionArn)
		if _, err := srv.Wait(ctx, arn); err != nil {
			t.Fatal(err)
		}
		n, mapRuns, err := transitions.New(client).Transitions(ctx, arn)
		if err != nil {
			t.Fatal(err)
		}
		if n != 9 || mapRuns != 0 {
			t.Errorf("page size %d: %d transitions, %d map runs; want 9 and none", page, n, mapRuns)
		}
		if _, _, err := transitions.New(client).Transitions(ctx, arn+"-nope"); err == nil {
			t.Error("an unknown execution gave no error")
		}
		srv.Close()
		ts.Close()
	}
}

func TestTally(t *testing.T) {
	tests := []struct {
		name   string
		events []string
		want   int
		maps   int
	}{
		{"a task once", []string{"ExecutionStarted", "TaskStateEntered", "TaskScheduled", "TaskStarted", "TaskSucceeded", "TaskStateExited", "ExecutionSucceeded"}, 1, 0},
		// each retry is one more transition
		{"a task retried twice", []string{"TaskStateEntered", "TaskScheduled", "TaskFailed", "TaskScheduled", "TaskFailed", "TaskScheduled", "TaskSucceeded"}, 3, 0},
		// the legacy Lambda resource writes LambdaFunction* events
		{"a lambda resource retried", []string{"TaskStateEntered", "LambdaFunctionScheduled", "LambdaFunctionFailed", "LambdaFunctionScheduled"}, 2, 0},
		{"states of every type", []string{"PassStateEntered", "ChoiceStateEntered", "MapStateEntered", "WaitStateEntered", "SucceedStateEntered", "FailStateEntered", "ParallelStateEntered"}, 7, 0},
		// a Distributed Map run's children are elsewhere
		{"a map run", []string{"MapStateEntered", "MapRunStarted", "MapRunSucceeded", "MapStateExited"}, 1, 1},
		{"nothing", nil, 0, 0},
	}
	for _, tt := range tests {
		var n transitions.Tally
		for _, e := range tt.events {
			n.Add(e)
		}
		if n.Count() != tt.want || n.MapRuns != tt.maps {
			t.Errorf("%s: %d transitions, %d map runs; want %d, %d", tt.name, n.Count(), n.MapRuns, tt.want, tt.maps)
		}
	}
}
