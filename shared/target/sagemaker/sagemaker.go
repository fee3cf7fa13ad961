package sagemaker

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptrace"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/sagemakerruntime"
	"github.com/aws/aws-sdk-go-v2/service/sagemakerruntime/types"
	smithy "github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/llmbench/llmbench/shared/sample"
	"github.com/llmbench/llmbench/shared/target"
)

// Payload formats: the values of Config.Format, as spec.SageMakerChat,
// spec.SageMakerLMI and spec.SageMakerTGI.
const (
	FormatChat = "chat" // OpenAI chat schema (LMI with vLLM, TGI's messages API)
	FormatLMI  = "lmi"  // LMI's {"inputs","parameters"} schema
	FormatTGI  = "tgi"  // Hugging Face TGI's {"inputs","parameters"} schema, details requested
)

// API is the part of the SageMaker runtime client a Target uses;
// *sagemakerruntime.Client satisfies it.
type API interface {
	InvokeEndpoint(ctx context.Context, in *sagemakerruntime.InvokeEndpointInput, optFns ...func(*sagemakerruntime.Options)) (*sagemakerruntime.InvokeEndpointOutput, error)
	InvokeEndpointWithResponseStream(ctx context.Context, in *sagemakerruntime.InvokeEndpointWithResponseStreamInput, optFns ...func(*sagemakerruntime.Options)) (*sagemakerruntime.InvokeEndpointWithResponseStreamOutput, error)
}

var _ API = (*sagemakerruntime.Client)(nil)

// Config configures a SageMaker target. The region, credentials and HTTP
// client belong to the API client (see ClientOptions).
type Config struct {
	Endpoint           string // the endpoint name (required)
	InferenceComponent string // sent as InferenceComponentName when set
	TargetVariant      string // sent as TargetVariant when set
	Format             string // FormatChat (the default when empty), FormatLMI or FormatTGI
	Stream             bool   // InvokeEndpointWithResponseStream rather than InvokeEndpoint
	Model              string // the "model" of chat payloads; ignored by the other formats
	// HTTPClient is the HTTP client the API client sends through (the one
	// given to ClientOptions), for Close to release its idle connections;
	// nil leaves Close nothing to do.
	HTTPClient *http.Client
}

// Target sends requests to a SageMaker real-time endpoint and measures
// them. It is safe for concurrent use.
type Target struct {
	api      API
	cfg      Config
	describe string
}

// New validates cfg and returns a Target that calls api.
func New(api API, cfg Config) (*Target, error) {
	if api == nil {
		return nil, errors.New("sagemaker: new: API client is nil")
	}
	if cfg.Endpoint == "" {
		return nil, errors.New("sagemaker: new: endpoint is required")
	}
	switch cfg.Format {
	case "":
		cfg.Format = FormatChat
	case FormatChat, FormatLMI, FormatTGI:
	default:
		return nil, fmt.Errorf("sagemaker: new: format must be %s, %s or %s, got %q", FormatChat, FormatLMI, FormatTGI, cfg.Format)
	}
	mode := "nostream"
	if cfg.Stream {
		mode = "stream"
	}
	d := fmt.Sprintf("sagemaker endpoint=%s format=%s", cfg.Endpoint, cfg.Format)
	if cfg.InferenceComponent != "" {
		d += " component=" + cfg.InferenceComponent
	}
	if cfg.TargetVariant != "" {
		d += " variant=" + cfg.TargetVariant
	}
	if cfg.Format == FormatChat && cfg.Model != "" {
		d += " model=" + cfg.Model
	}
	return &Target{api: api, cfg: cfg, describe: d + " " + mode}, nil
}

// Describe returns a human description, such as
// "sagemaker endpoint=llama format=chat model=m stream".
func (t *Target) Describe() string { return t.describe }

// Close closes the idle connections of Config.HTTPClient, so that a
// finished run leaves no sockets behind. Requests in flight are not
// interrupted; a later Do dials again.
func (t *Target) Close() {
	if t.cfg.HTTPClient != nil {
		t.cfg.HTTPClient.CloseIdleConnections()
	}
}

// Do sends one request and measures it. It always returns a Result; ctx
// bounds the whole request, the event stream included.
func (t *Target) Do(ctx context.Context, req target.Request) *sample.Result {
	return t.do(ctx, req, nil)
}

// Relay is Do that also hands the answer's visible text to emit as it
// arrives: for a stream, each token-bearing line's new text, on the
// goroutine that called Relay, before the next line is read; for a whole
// answer, its text once. Reasoning and special tokens are not relayed
// (they are not visible content). The Result is Do's, Text included. It
// is how package proxy re-emits a SageMaker answer as OpenAI chunks,
// measured by the same rules as every other row.
func (t *Target) Relay(ctx context.Context, req target.Request, emit func(text string)) *sample.Result {
	req.KeepText = true
	res := t.do(ctx, req, emit)
	if !t.cfg.Stream && res.Status == sample.StatusOK && res.Text != "" {
		emit(res.Text)
	}
	return res
}

func (t *Target) do(ctx context.Context, req target.Request, emit func(string)) *sample.Result {
	res := target.NewResult(req, t.cfg.Stream)
	body, err := t.payload(req)
	if err != nil {
		res.Start = time.Now()
		res.End = res.Start
		target.Fail(res, sample.StatusTransport, "encode request: %v", err)
		return res
	}
	var tr target.ConnTrace
	ctx = httptrace.WithClientTrace(ctx, tr.ClientTrace())
	if t.cfg.Stream {
		t.doStream(ctx, req, body, res, &tr, emit)
	} else {
		t.doWhole(ctx, req, body, res, &tr)
	}
	return res
}

// payload encodes the request body of the configured format.
func (t *Target) payload(req target.Request) ([]byte, error) {
	return Payload(req, t.cfg.Format, t.cfg.Model, t.cfg.Stream)
}

// Payload encodes the body of req in a payload format (FormatChat, the
// default when empty, FormatLMI or FormatTGI; see the package comment for
// what goes where): what a Target sends, exported for package proxy, which
// translates OpenAI requests with it. model is sent in format chat only.
func Payload(req target.Request, format, model string, stream bool) ([]byte, error) {
	switch format {
	case FormatLMI, FormatTGI:
		return inputsBody(req, format, stream)
	case FormatChat, "":
		return target.OpenAIBody(req, model, true, stream)
	default:
		return nil, fmt.Errorf("format must be %s, %s or %s, got %q", FormatChat, FormatLMI, FormatTGI, format)
	}
}

// inferenceID returns req.ID when SageMaker accepts it as an InferenceId
// (1 to 64 printable ASCII characters, the first not a space), else nil.
func inferenceID(id string) *string {
	if id == "" || len(id) > 64 || id[0] == ' ' {
		return nil
	}
	for i := 0; i < len(id); i++ {
		if id[i] < 0x20 || id[i] > 0x7e {
			return nil
		}
	}
	return aws.String(id)
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return aws.String(s)
}

// doWhole calls InvokeEndpoint: the SDK returns once the body is read, so
// every token time is the return.
func (t *Target) doWhole(ctx context.Context, req target.Request, body []byte, res *sample.Result, tr *target.ConnTrace) {
	in := &sagemakerruntime.InvokeEndpointInput{
		EndpointName:           aws.String(t.cfg.Endpoint),
		Body:                   body,
		ContentType:            aws.String("application/json"),
		Accept:                 aws.String("application/json"),
		InferenceComponentName: optional(t.cfg.InferenceComponent),
		TargetVariant:          optional(t.cfg.TargetVariant),
		InferenceId:            inferenceID(req.ID),
	}
	var handoff time.Time
	called := time.Now()
	out, err := t.api.InvokeEndpoint(context.WithValue(ctx, handoffKey{}, &handoff), in, callOptions)
	returned := time.Now()
	res.Start = startTime(called, handoff)
	tr.Record(res)
	if err != nil {
		res.End = returned
		callError(ctx, err, res)
		return
	}
	if res.FirstByte.IsZero() {
		res.FirstByte = returned
	}
	res.HTTPStatus = httpStatus(out.ResultMetadata)
	res.Bytes = int64(len(out.Body))
	readWhole(out.Body, returned, req.KeepText, res)
}

// doStream calls InvokeEndpointWithResponseStream and reads its events.
func (t *Target) doStream(ctx context.Context, req target.Request, body []byte, res *sample.Result, tr *target.ConnTrace, emit func(string)) {
	in := &sagemakerruntime.InvokeEndpointWithResponseStreamInput{
		EndpointName:           aws.String(t.cfg.Endpoint),
		Body:                   body,
		ContentType:            aws.String("application/json"),
		InferenceComponentName: optional(t.cfg.InferenceComponent),
		TargetVariant:          optional(t.cfg.TargetVariant),
		InferenceId:            inferenceID(req.ID),
	}
	var (
		handoff time.Time
		ended   bodyEnd
	)
	called := time.Now()
	cctx := context.WithValue(context.WithValue(ctx, handoffKey{}, &handoff), bodyKey{}, &ended)
	out, err := t.api.InvokeEndpointWithResponseStream(cctx, in, streamCallOptions)
	returned := time.Now()
	res.Start = startTime(called, handoff)
	tr.Record(res)
	if err != nil {
		res.End = returned
		callError(ctx, err, res)
		return
	}
	if res.FirstByte.IsZero() {
		res.FirstByte = returned // a fake API, or a transport without httptrace
	}
	res.HTTPStatus = httpStatus(out.ResultMetadata)
	stream := out.GetStream()
	if stream == nil || stream.Reader == nil {
		res.End = returned
		target.Fail(res, sample.StatusProtocol, "response without an event stream")
		return
	}
	defer stream.Close()
	readEvents(ctx, stream, &ended, req.KeepText, res, emit)
}

// eventStream is what readEvents needs of the SDK's event stream.
type eventStream interface {
	Events() <-chan types.ResponseStream
	Err() error
}

// readEvents feeds every PayloadPart to a lineParser, stamped with the
// time it came out of the channel, then settles the status. The SDK
// delivers an in-stream exception (ModelStreamError, InternalStreamFailure)
// not as an event but as Err once the channel closes, so Err is checked
// after the loop: without it an exception would look like a short answer.
// With keepText the answer's visible text is kept in res.Text; emit, when
// not nil (keepText then set), gets each line's new text.
func readEvents(ctx context.Context, es eventStream, body *bodyEnd, keepText bool, res *sample.Result, emit func(string)) {
	p := newLineParser(res, keepText)
	p.emit = emit
	for ev := range es.Events() {
		at := time.Now()
		part, ok := ev.(*types.ResponseStreamMemberPayloadPart)
		if !ok {
			continue // an event type newer than this SDK: not payload
		}
		res.Bytes += int64(len(part.Value.Bytes))
		p.feed(part.Value.Bytes, at)
		if p.failStatus != "" {
			// An error line or a malformed one ends the measurement, as in
			// the OpenAI client; the caller's Close drops the connection.
			p.settle(ctx, nil, at)
			return
		}
	}
	closed := time.Now()
	p.end()
	// The SDK reads a cut connection as the stream's clean end: the body's
	// own error tells them apart.
	p.bodyErr = body.failed()
	p.settle(ctx, es.Err(), closed)
}

// callError classifies an error returned by an Invoke call.
func callError(ctx context.Context, err error, res *sample.Result) {
	if st, ok := target.ContextStatus(ctx, err); ok {
		target.Fail(res, st, "%s before the response", target.ContextVerb(st))
		return
	}
	status := 0
	var re *awshttp.ResponseError
	if errors.As(err, &re) && re.ResponseError != nil && re.Response != nil && re.Response.Response != nil {
		status = re.Response.StatusCode
		if status >= 400 {
			res.RetryAfter = target.RetryAfter(re.Response.Header, time.Now())
		}
	}
	var me *types.ModelError
	var apiErr smithy.APIError
	switch {
	case errors.As(err, &me):
		// The container answered with an error: its status is the
		// interesting one, SageMaker's own is always 424.
		res.HTTPStatus = status
		orig := ""
		if me.OriginalStatusCode != nil && *me.OriginalStatusCode > 0 {
			res.HTTPStatus = int(*me.OriginalStatusCode)
			orig = fmt.Sprintf(" (container status %d)", *me.OriginalStatusCode)
		}
		msg := me.ErrorMessage()
		if me.OriginalMessage != nil && *me.OriginalMessage != "" {
			msg = *me.OriginalMessage
		}
		prefix := "ModelError"
		if status > 0 {
			prefix = fmt.Sprintf("HTTP %d ModelError", status)
		}
		target.Fail(res, sample.StatusHTTPError, "%s%s: %s", prefix, orig, msg)
	case errors.As(err, &apiErr) && status > 0:
		res.HTTPStatus = status
		target.Fail(res, sample.StatusHTTPError, "HTTP %d: %s: %s", status, apiErr.ErrorCode(), apiErr.ErrorMessage())
	case errors.As(err, &apiErr):
		// A modelled error without a response: there is no such path in
		// the SDK today, but an API double may return one.
		target.Fail(res, sample.StatusHTTPError, "%s: %s", apiErr.ErrorCode(), apiErr.ErrorMessage())
	case status >= 400:
		res.HTTPStatus = status
		target.Fail(res, sample.StatusHTTPError, "HTTP %d: %v", status, errors.Unwrap(re))
	case status > 0:
		// A 2xx the SDK could not deserialize.
		res.HTTPStatus = status
		target.Fail(res, sample.StatusProtocol, "malformed response: %v", errors.Unwrap(re))
	default:
		target.Fail(res, sample.StatusTransport, "%v", target.TransportErr(err))
	}
}

// httpStatus reads the status of a successful call; the SDK returns one
// only for a 2xx, so 200 stands in when the raw response is not there
// (a fake API).
func httpStatus(md middleware.Metadata) int {
	if resp, ok := awsmiddleware.GetRawResponse(md).(*smithyhttp.Response); ok && resp != nil && resp.Response != nil {
		return resp.StatusCode
	}
	return http.StatusOK
}
