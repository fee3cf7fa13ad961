// Package sfnlocal is a small in-process interpreter of the Amazon States
// Language in JSONPath mode, for running a Step Functions definition
// against Go Lambda handlers locally, so that a wrong path fails on a
// laptop rather than first in AWS.
//
//	m, err := sfnlocal.Load(def, sfnlocal.Options{
//		Vars:      map[string]string{"planner_arn": "arn:aws:lambda:us-east-1:000000000000:function:planner"},
//		Functions: map[string]lambda.Handler{"planner": sfnlocal.Func(planner.Handle)},
//	})
//	out, err := m.Execute(ctx, "run-1", input) // err is *ExecutionError on failure
//
// Load fills Terraform templatefile placeholders ("${name}") from Vars,
// checks the definition (every problem, each with its state) and resolves
// functions by the NAME of arn:aws:lambda:REGION:ACCOUNT:function:NAME or of
// the FunctionName of arn:aws:states:::lambda:invoke. Check runs the same
// static checks without functions; LambdaRetryPolicy checks that each
// Lambda Task retries only the Lambda service errors.
//
// Supported: Task (Lambda function ARN, or lambda:invoke with its
// {"ExecutedVersion","Payload","SdkHttpMetadata","SdkResponseMetadata",
// "StatusCode"} wrapper; TimeoutSeconds/TimeoutSecondsPath give
// States.Timeout), Pass, Choice (every JSONPath operator, And/Or/Not),
// Wait (through the Clock), Succeed, Fail (Error/Cause and their Paths),
// Map (ItemsPath, ItemSelector or Parameters, ItemProcessor or Iterator,
// MaxConcurrency(Path) with 0 = unbounded but never above
// MaxInlineConcurrency), the Distributed Map (ProcessorConfig Mode
// DISTRIBUTED: each item a child execution with its own context object and
// history, at most 10,000 at once, ToleratedFailureCount(Path) and
// ToleratedFailurePercentage(Path) with States.ExceedToleratedFailureThreshold,
// Map Run events in the parent's history, ItemReader (a JSON array in one
// object, with MaxItems(Path), through Options.ItemReader; a failed read is
// States.ItemReaderFailed) and ResultWriter through Options.ResultWriter:
// see distributed.go), Parallel; InputPath, Parameters,
// ResultSelector, ResultPath, OutputPath, "key.$" fields, the context
// object $$, the 18 intrinsic functions, Retry (with MaxDelaySeconds and
// JitterStrategy) and Catch, the 256 KiB payload limit
// (States.DataLimitExceeded), States.Runtime for paths that match
// nothing, and the 25,000-event history of every execution (States.Runtime
// when reached). A top-level TimeoutSeconds bounds the execution.
//
// Refused at load, naming the state: JSONata (QueryLanguage, Arguments,
// Output, Items, Condition), Assign and variables, .sync and
// .waitForTaskToken, non-Lambda integrations, activities, Credentials,
// an ItemReader other than a JSON array in one object (s3:getObject with
// ReaderConfig.InputType JSON, read through Options.ItemReader; CSV,
// JSONL, manifests and object listings are refused), ItemsPath beside an
// ItemReader, ItemBatcher, ResultWriter's WriterConfig, InvocationType
// other than RequestResponse. HeartbeatSeconds is accepted
// and not enforced.
//
// A handler's error is named as the aws-lambda-go runtime names it: a
// messages.InvokeResponse_Error value keeps its Type, any other error is
// its Go type name without the pointer (errors.New gives "errorString",
// fmt.Errorf with %w gives "wrapError"), and the Cause is
// {"errorMessage":…,"errorType":…}. A panic is reported as Lambda.Unknown,
// with the runtime's errorType and message in the Cause. A Task that times
// out abandons its handler goroutine after cancelling its context.
package sfnlocal
