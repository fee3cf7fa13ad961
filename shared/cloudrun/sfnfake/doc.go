// Package sfnfake is a stand-in for AWS Step Functions, speaking its wire
// protocol (AWS JSON 1.0) on a loopback address, so that code written
// against the real SDK client — `llmbench run --cloud` — can be tested end
// to end without AWS.
//
//	srv, err := sfnfake.New(sfnfake.Options{StateMachines: map[string]sfnfake.StateMachine{
//		"arn:aws:states:us-east-1:123456789012:stateMachine:llmbench": {
//			Definition: statemachine.Definition,
//			Vars:       vars,            // the ${…} placeholders
//			Functions:  steps.Functions(), // the Lambda functions, run in-process
//		},
//	}})
//	ts := httptest.NewServer(srv)
//	defer ts.Close(); defer srv.Close()
//	client := sfn.New(sfn.Options{BaseEndpoint: aws.String(ts.URL), Region: "us-east-1", Credentials: static})
//
// It serves POST / with X-Amz-Target AWSStepFunctions.StartExecution,
// DescribeExecution, GetExecutionHistory, DescribeMapRun and StopExecution;
// anything else is UnknownOperationException. Requests must carry a SigV4 Authorization
// header (the signature itself is not checked).
//
// StartExecution runs the state machine's definition with sfnlocal in a
// goroutine. sfnlocal's Observer events become the execution's history, with
// Step Functions' event types: {Type}StateEntered and {Type}StateExited by
// the state's type in the definition; a Task on arn:aws:states:::lambda:invoke
// adds TaskScheduled, TaskStarted and TaskSucceeded, TaskFailed or
// TaskTimedOut for each attempt, a Task on a Lambda function ARN the
// LambdaFunction* events instead; a caught error is followed by the state's
// StateExited, as in AWS; Map states add MapIterationStarted/Succeeded/Failed
// and MapStateSucceeded/Failed, a Distributed Map MapRunStarted (with its
// mapRunArn) and MapRunSucceeded/Failed instead of iterations (its child
// executions' events are not in the history; StateMachine.MapRunFiles
// serves its ItemReader and takes its ResultWriter's files); the execution starts with ExecutionStarted
// and ends with ExecutionSucceeded, ExecutionFailed, ExecutionTimedOut or
// ExecutionAborted. Events are numbered from 1; previousEventId points at
// the event before in the same Map iteration. States' input and output are
// not recorded (sfnlocal does not report them); the execution's are.
//
// GetExecutionHistory pages at most Options.PageSize events at a time
// whatever maxResults asks (AWS documents maxResults as an upper bound), so
// that clients' nextToken handling is exercised. A token names the first
// event of the next page and stays valid while the history grows: a client
// that keeps one across polls reads that page again. The last page has no
// token. DescribeExecution reports RUNNING, SUCCEEDED, FAILED, TIMED_OUT or
// ABORTED with the output or the error and cause. Timestamps are epoch
// seconds, as the protocol has them.
//
// DescribeMapRun answers for the Map Run of any execution (or of its child
// executions) the fake ran: its status (RUNNING, SUCCEEDED, FAILED, or
// ABORTED when the execution ended first), dates and itemCounts, counted
// from sfnlocal's events: total and pending from MapRunStarted, running
// from each child's ExecutionStarted, succeeded, failed and timedOut from
// its end; children still running when the Map Run ends (stopped at the
// tolerated failure threshold) count as aborted, those never started stay
// pending. executionCounts are the same (a child per item);
// failuresNotRedrivable counts every failed, timed out or aborted child;
// maxConcurrency, toleratedFailurePercentage, toleratedFailureCount and
// resultsWritten are 0 (sfnlocal does not report them).
//
// The errors are Step Functions' own (HTTP 400, "__type" in the body):
// StateMachineDoesNotExist, ExecutionDoesNotExist, ExecutionAlreadyExists
// (the same name with another input, or an ended execution; the same name
// and input while running gives the running execution, as in AWS),
// InvalidArn, InvalidName, InvalidExecutionInput, InvalidToken,
// ResourceNotFound (an unknown Map Run), ValidationException.
package sfnfake
