package sfnlocal

import (
	"encoding/json"
	"fmt"
	"reflect"

	"github.com/aws/aws-lambda-go/lambda/messages"
)

// Error names used by the interpreter (States Language Appendix A, AWS).
const (
	ErrAll                    = "States.ALL"
	ErrTaskFailed             = "States.TaskFailed"
	ErrTimeout                = "States.Timeout"
	ErrRuntime                = "States.Runtime"
	ErrDataLimitExceeded      = "States.DataLimitExceeded"
	ErrParameterPathFailure   = "States.ParameterPathFailure"
	ErrResultPathMatchFailure = "States.ResultPathMatchFailure"
	ErrIntrinsicFailure       = "States.IntrinsicFailure"
	ErrNoChoiceMatched        = "States.NoChoiceMatched"
	ErrExceedToleratedFailure = "States.ExceedToleratedFailureThreshold"
	ErrResultWriterFailed     = "States.ResultWriterFailed"
	ErrItemReaderFailed       = "States.ItemReaderFailed"
	ErrLambdaUnknown          = "Lambda.Unknown"
	ErrLambdaResourceNotFound = "Lambda.ResourceNotFoundException"
	errExecutionCancelled     = "sfnlocal.Cancelled"
	errorOutputErrorField     = "Error"
	errorOutputCauseField     = "Cause"
)

// ExecutionError is the failure of an execution: the Error and Cause AWS
// would report, and the state where it arose. Path locates that state in
// nested Map iterations and Parallel branches, e.g. "Fanout[3]/Work".
type ExecutionError struct {
	ErrorName string // e.g. "States.Runtime", "errorString"
	Cause     string
	State     string // the state where the error arose
	Path      string // that state inside Map iterations and branches
}

// Error formats the failure as "sfnlocal: state S: Error: Cause".
func (e *ExecutionError) Error() string {
	where := e.State
	if e.Path != "" {
		where = e.Path
	}
	msg := "sfnlocal: "
	if where != "" {
		msg += "state " + where + ": "
	}
	msg += e.ErrorName
	if e.Cause != "" {
		msg += ": " + e.Cause
	}
	return msg
}

// LambdaMessage returns the errorMessage of a Lambda function's error when
// the Cause is the function's error payload ({"errorMessage":…,
// "errorType":…}, as lambdaCause writes it and AWS reports it).
func (e *ExecutionError) LambdaMessage() (string, bool) {
	var p struct {
		Message string `json:"errorMessage"`
	}
	if json.Unmarshal([]byte(e.Cause), &p) != nil || p.Message == "" {
		return "", false
	}
	return p.Message, true
}

// stateError is an error raised while running a state.
type stateError struct {
	name, cause string
	state, path string // where it arose, filled as it propagates
}

func newError(name, cause string) *stateError {
	return &stateError{name: name, cause: cause}
}

// output is the Error Output a Catcher places into the raw input.
func (e *stateError) output() map[string]any {
	out := map[string]any{errorOutputErrorField: e.name}
	if e.cause != "" {
		out[errorOutputCauseField] = e.cause
	}
	return out
}

// terminal errors are only caught by naming them, never by a wildcard.
func (e *stateError) terminal() bool {
	return e.name == ErrRuntime || e.name == ErrDataLimitExceeded || e.name == errExecutionCancelled
}

// matches reports whether an ErrorEquals list covers the error: by name,
// States.ALL (all but the terminal ones) or States.TaskFailed (all but
// States.Timeout and the terminal ones).
func (e *stateError) matches(names []string) bool {
	for _, n := range names {
		switch {
		case n == e.name && e.name != errExecutionCancelled:
			return true
		case n == ErrAll && !e.terminal():
			return true
		case n == ErrTaskFailed && !e.terminal() && e.name != ErrTimeout:
			return true
		}
	}
	return false
}

// lambdaError names a Go handler's error as the aws-lambda-go runtime does
// (lambdaErrorResponse): a messages.InvokeResponse_Error value keeps its
// Type and Message; any other error is named by its type via reflection,
// without the pointer ("*errors.errorString" → "errorString"). The Cause is
// the compact error payload {"errorMessage":…,"errorType":…}.
func lambdaError(err error) *stateError {
	var name, msg string
	if ive, ok := err.(messages.InvokeResponse_Error); ok {
		name, msg = ive.Type, ive.Message
	} else {
		name, msg = goTypeName(err), err.Error()
	}
	return newError(name, lambdaCause(msg, name))
}

// lambdaPanic names a handler's panic. The Go runtime would report the
// panic value's type and exit the sandbox; Step Functions documents such
// crashes as Lambda.Unknown, which is what sfnlocal reports, keeping the
// runtime's errorType and message in the Cause.
func lambdaPanic(v any) *stateError {
	name, msg := goTypeName(v), fmt.Sprint(v)
	if ive, ok := v.(messages.InvokeResponse_Error); ok {
		name, msg = ive.Type, ive.Message
	} else if err, ok := v.(error); ok {
		msg = err.Error()
	}
	return newError(ErrLambdaUnknown, lambdaCause(msg, name))
}

func goTypeName(v any) string {
	t := reflect.TypeOf(v)
	if t == nil {
		return "nil"
	}
	if t.Kind() == reflect.Pointer {
		return t.Elem().Name()
	}
	return t.Name()
}

func lambdaCause(msg, typ string) string {
	b, _ := json.Marshal(struct {
		Message string `json:"errorMessage"`
		Type    string `json:"errorType"`
	}{msg, typ})
	return string(b)
}
