package sfnlocal

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

// invokeResult is what a handler goroutine hands back.
type invokeResult struct {
	out      []byte
	err      error
	panicked bool
	value    any
}

// runTask invokes the Task's Lambda function with the effective input
// (or, for lambda:invoke, Parameters.Payload) and returns the task result.
func (ex *execution) runTask(ctx context.Context, st *stateDef, in, effective any) (any, *stateError) {
	td := st.task
	name, qualifier, payload := td.fnName, td.qualifier, effective
	if td.invoke {
		pm, _ := effective.(map[string]any)
		s, _ := pm["FunctionName"].(string)
		var ok bool
		if name, qualifier, ok = functionName(s); !ok {
			return nil, newError("Lambda.InvalidParameterValueException", fmt.Sprintf("FunctionName %q is not a function name or ARN", s))
		}
		if q, ok := pm["Qualifier"].(string); ok && q != "" {
			qualifier = q
		}
		var has bool
		if payload, has = pm["Payload"]; !has {
			payload = map[string]any{}
		}
	}
	handler := td.handler
	if handler == nil || td.invoke {
		handler = td.functions[name]
	}
	fnArn := ex.m.lambdaPrefix + ":function:" + name
	if handler == nil {
		return nil, newError(ErrLambdaResourceNotFound, fmt.Sprintf("Function not found: %s (not in Options.Functions)", fnArn))
	}
	timeout := time.Duration(st.timeoutSeconds) * time.Second
	if st.timeoutPath != nil {
		v, ok := st.timeoutPath.get(in, nil)
		n, isInt := asInt(v)
		if !ok || !isInt || n <= 0 {
			return nil, newError(ErrRuntime, fmt.Sprintf("TimeoutSecondsPath '%s' must point to a positive integer, got %s", st.timeoutPath.text, encodeJSON(v)))
		}
		timeout = time.Duration(n) * time.Second
	}
	tctx := ctx
	if timeout > 0 {
		var cancel context.CancelFunc
		tctx, cancel = ex.m.withTimeout(ctx, timeout)
		defer cancel()
	}
	requestID := newUUID()
	lctx := lambdacontext.NewContext(tctx, &lambdacontext.LambdaContext{AwsRequestID: requestID, InvokedFunctionArn: fnArn})
	done := make(chan invokeResult, 1)
	go ex.invoke(lctx, name, handler, encodeJSON(payload), done)
	var r invokeResult
	select {
	case r = <-done:
	case <-tctx.Done():
	}
	switch {
	case ctx.Err() != nil:
		return nil, cancelled(ctx)
	case tctx.Err() != nil && errors.Is(tctx.Err(), context.DeadlineExceeded):
		// The handler may still be running; its result is dropped, as AWS
		// drops a result that arrives after the timeout.
		return nil, newError(ErrTimeout, fmt.Sprintf("the Task ran longer than its TimeoutSeconds (%s)", timeout))
	case r.panicked:
		return nil, lambdaPanic(r.value)
	case r.err != nil:
		return nil, lambdaError(r.err)
	}
	if n := len(r.out); n > MaxPayloadBytes {
		return nil, newError(ErrDataLimitExceeded, fmt.Sprintf(
			"The state/task '%s' returned a result with a size exceeding the maximum number of bytes service limit: %d bytes, more than %d", st.name, n, MaxPayloadBytes))
	}
	var result any
	if len(strings.TrimSpace(string(r.out))) > 0 {
		v, err := parseJSON(r.out)
		if err != nil {
			v = string(r.out) // not JSON: the payload as a string
		}
		result = v
	}
	if !td.invoke {
		return result, nil
	}
	version := "$LATEST"
	if _, err := strconv.Atoi(qualifier); err == nil {
		version = qualifier
	}
	wrapper := lambdaInvokeWrapper(result, version, requestID, len(r.out), ex.m.clock.Now())
	if err := checkSize(wrapper, "task result"); err != nil {
		return nil, err
	}
	return wrapper, nil
}

// invoke calls the handler, turning a panic into a result. Handlers from
// lambda.NewHandler run under a per-function lock, and their output is
// copied before the lock is released.
func (ex *execution) invoke(ctx context.Context, name string, h lambda.Handler, payload []byte, done chan<- invokeResult) {
	if mu := ex.m.locks[name]; mu != nil {
		mu.Lock()
		defer mu.Unlock()
	}
	defer func() {
		if v := recover(); v != nil {
			done <- invokeResult{panicked: true, value: v}
		}
	}()
	out, err := h.Invoke(ctx, payload)
	done <- invokeResult{out: append([]byte(nil), out...), err: err}
}

// lambdaInvokeWrapper is the result of arn:aws:states:::lambda:invoke.
func lambdaInvokeWrapper(payload any, version, requestID string, length int, now time.Time) map[string]any {
	headers := map[string]any{
		"Connection":                     "keep-alive",
		"Content-Length":                 strconv.Itoa(length),
		"Content-Type":                   "application/json",
		"Date":                           now.UTC().Format("Mon, 02 Jan 2006 15:04:05 GMT"),
		"X-Amz-Executed-Version":         version,
		"x-amzn-Remapped-Content-Length": "0",
		"x-amzn-RequestId":               requestID,
	}
	all := map[string]any{}
	for k, v := range headers {
		all[k] = []any{v}
	}
	return map[string]any{
		"ExecutedVersion": version,
		"Payload":         payload,
		"SdkHttpMetadata": map[string]any{
			"AllHttpHeaders": all,
			"HttpHeaders":    headers,
			"HttpStatusCode": int64(200),
		},
		"SdkResponseMetadata": map[string]any{"RequestId": requestID},
		"StatusCode":          int64(200),
	}
}
