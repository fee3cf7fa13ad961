package sagemaker

import (
	"context"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sagemakerruntime"
	"github.com/aws/aws-sdk-go-v2/service/sagemakerruntime/types"

	"github.com/llmbench/llmbench/shared/sample"
	"github.com/llmbench/llmbench/shared/simllm"
	"github.com/llmbench/llmbench/shared/target"
)

// The tests run the real SDK client against the simulator on loopback:
// static credentials, a region, BaseEndpoint on 127.0.0.1. Nothing reaches
// AWS.

// startSim runs a simulator with truth recording.
func startSim(t *testing.T, opts simllm.Options) *simllm.Running {
	t.Helper()
	opts.RecordTruth = true
	rs, err := simllm.Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(rs.Close)
	return rs
}

func fixedProfile(ttft, itl time.Duration) simllm.Profile {
	return simllm.Profile{Name: "fixed-test", Kind: simllm.KindFixed, TTFT: ttft, ITL: itl}
}

// newAPI is an SDK client for endpoint (a simulator's http://host:port).
func newAPI(endpoint string) *sagemakerruntime.Client {
	cfg := aws.Config{
		Region: "us-east-1",
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "AKIDLLMBENCHTEST", SecretAccessKey: "not-a-secret", Source: "test"}, nil
		}),
	}
	return sagemakerruntime.NewFromConfig(cfg, ClientOptions(target.NewHTTPClient(32), endpoint))
}

func newTarget(t *testing.T, api API, cfg Config) *Target {
	t.Helper()
	tg, err := New(api, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return tg
}

// TestFaults: every injected failure gives one row with the documented
// status, HTTP status and message; tokens received before it are kept.
func TestFaults(t *testing.T) {
	const maxTokens = 8 // mid-stream faults act after 4
	rs := startSim(t, simllm.Options{
		Profile: fixedProfile(5*time.Millisecond, time.Millisecond),
		SageMaker: simllm.SageMakerOptions{
			// The endpoint name picks the fault: /endpoints/<fault>/...
			Fault: func(_ int64, r *http.Request) simllm.SageMakerFault {
				name := strings.Split(strings.TrimPrefix(r.URL.Path, "/endpoints/"), "/")[0]
				return simllm.SageMakerFault(strings.TrimPrefix(name, "ep-"))
			},
		},
	})
	api := newAPI(rs.SageMakerEndpoint())
	cases := []struct {
		name    string
		fault   simllm.SageMakerFault
		format  string
		stream  bool
		timeout time.Duration // 0: none
		status  sample.Status
		http    int
		err     string // substring of Err
		tokens  int    // token times kept
	}{
		// Exception frames mid-stream: http_error, the response's 200 kept,
		// the exception's code and message in Err.
		{"model stream error chat", simllm.SageMakerFaultModelStreamError, FormatChat, true, 0, sample.StatusHTTPError, 200, "ModelStreamError (StreamBroken) after 5 chunks: Your model's stream was broken after 4 tokens", 4},
		{"model stream error lmi", simllm.SageMakerFaultModelStreamError, FormatLMI, true, 0, sample.StatusHTTPError, 200, "ModelStreamError (StreamBroken)", 4},
		{"internal stream failure tgi", simllm.SageMakerFaultInternalStreamFailure, FormatTGI, true, 0, sample.StatusHTTPError, 200, "InternalStreamFailure after 4 chunks: Internal stream failure", 4},
		// Service errors before the stream: the SDK call fails.
		{"throttling", simllm.SageMakerFaultThrottling, FormatChat, true, 0, sample.StatusHTTPError, 429, "HTTP 429: ThrottlingException: Rate exceeded", 0},
		{"throttling whole", simllm.SageMakerFaultThrottling, FormatLMI, false, 0, sample.StatusHTTPError, 429, "ThrottlingException", 0},
		{"model not ready", simllm.SageMakerFaultModelNotReady, FormatTGI, true, 0, sample.StatusHTTPError, 429, "ModelNotReadyException", 0},
		{"validation", simllm.SageMakerFaultValidation, FormatChat, true, 0, sample.StatusHTTPError, 400, "HTTP 400: ValidationError: Endpoint ep-validation of account", 0},
		{"validation whole", simllm.SageMakerFaultValidation, FormatTGI, false, 0, sample.StatusHTTPError, 400, "ValidationError", 0},
		{"unavailable", simllm.SageMakerFaultUnavailable, FormatLMI, true, 0, sample.StatusHTTPError, 503, "ServiceUnavailable", 0},
		// A container error: HTTPStatus is the container's (500), not 424.
		{"model error", simllm.SageMakerFaultModelError, FormatChat, true, 0, sample.StatusHTTPError, 500, "HTTP 424 ModelError (container status 500): simulated container error", 0},
		{"model error whole", simllm.SageMakerFaultModelError, FormatLMI, false, 0, sample.StatusHTTPError, 500, "ModelError (container status 500)", 0},
		// The container's own error line mid-stream.
		{"error line chat", simllm.SageMakerFaultErrorLine, FormatChat, true, 0, sample.StatusHTTPError, 500, "error in stream: simulated error in stream", 4},
		{"error line lmi", simllm.SageMakerFaultErrorLine, FormatLMI, true, 0, sample.StatusHTTPError, 200, "error in stream: simulated error in stream", 4},
		{"error line tgi", simllm.SageMakerFaultErrorLine, FormatTGI, true, 0, sample.StatusHTTPError, 200, "error in stream: simulated error in stream", 4},
		// A connection cut mid-frame: the SDK sees a clean end, the HTTP
		// body's error shows the break; the missing final line makes it
		// protocol.
		{"cut", simllm.SageMakerFaultCut, FormatLMI, true, 0, sample.StatusProtocol, 200, "event stream broken after 4 chunks (212 bytes): unexpected EOF; last line: {", 4},
		{"cut whole", simllm.SageMakerFaultCut, FormatChat, false, 0, sample.StatusProtocol, 200, "malformed response", 0},
		// A malformed line.
		{"malformed", simllm.SageMakerFaultMalformed, FormatTGI, true, 0, sample.StatusProtocol, 200, "malformed line", 4},
		{"malformed whole", simllm.SageMakerFaultMalformed, FormatTGI, false, 0, sample.StatusProtocol, 200, "malformed response", 0},
		// A stalled stream ends with the request's deadline.
		{"stall", simllm.SageMakerFaultStall, FormatChat, true, 150 * time.Millisecond, sample.StatusTimeout, 200, "timed out after 1 chunks", 0},
		{"stall whole", simllm.SageMakerFaultStall, FormatChat, false, 150 * time.Millisecond, sample.StatusTimeout, 0, "timed out before the response", 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			tg := newTarget(t, api, Config{Endpoint: "ep-" + string(c.fault), Format: c.format, Stream: c.stream, Model: "m"})
			ctx := context.Background()
			if c.timeout > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, c.timeout)
				defer cancel()
			}
			res := tg.Do(ctx, target.Request{ID: c.name, Prompt: "a b c", InputTokens: 3, MaxTokens: maxTokens})
			if res.Status != c.status || res.HTTPStatus != c.http || !strings.Contains(res.Err, c.err) {
				t.Errorf("got %q %d %q\nwant %q %d containing %q", res.Status, res.HTTPStatus, res.Err, c.status, c.http, c.err)
			}
			if len(res.Tokens) != c.tokens {
				t.Errorf("%d token times, want %d", len(res.Tokens), c.tokens)
			}
			if res.Start.IsZero() || res.End.Before(res.Start) {
				t.Errorf("Start %v End %v", res.Start, res.End)
			}
		})
	}
}

// TestCanceledAndTransport: a canceled run and an unreachable endpoint.
func TestCanceledAndTransport(t *testing.T) {
	rs := startSim(t, simllm.Options{Profile: fixedProfile(time.Second, time.Millisecond)})
	tg := newTarget(t, newAPI(rs.SageMakerEndpoint()), Config{Endpoint: "e", Stream: true})
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	if res := tg.Do(ctx, target.Request{Prompt: "x", MaxTokens: 4}); res.Status != sample.StatusCanceled {
		t.Errorf("canceled: %q %q", res.Status, res.Err)
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there any more
	for _, stream := range []bool{true, false} {
		tg := newTarget(t, newAPI("http://"+addr), Config{Endpoint: "e", Stream: stream})
		res := tg.Do(context.Background(), target.Request{Prompt: "x", MaxTokens: 4})
		if res.Status != sample.StatusTransport || !strings.Contains(res.Err, "refused") {
			t.Errorf("stream %v: %q %q", stream, res.Status, res.Err)
		}
	}
}

// TestRequestHeaders: the inference component, target variant and
// InferenceId reach the server, and a second request reuses the
// connection.
func TestRequestHeaders(t *testing.T) {
	var mu sync.Mutex
	seen := map[string]http.Header{}
	rs := startSim(t, simllm.Options{
		Profile: simllm.Profile{Kind: simllm.KindInstant},
		SageMaker: simllm.SageMakerOptions{Fault: func(_ int64, r *http.Request) simllm.SageMakerFault {
			mu.Lock()
			seen[r.Header.Get(simllm.SageMakerInferenceIDHeader)] = r.Header.Clone()
			mu.Unlock()
			return simllm.SageMakerFaultNone
		}},
	})
	tg := newTarget(t, newAPI(rs.SageMakerEndpoint()), Config{Endpoint: "e", InferenceComponent: "ic-1", TargetVariant: "blue", Format: FormatTGI, Stream: true})
	first := tg.Do(context.Background(), target.Request{ID: "req-1", Prompt: "x", MaxTokens: 2})
	second := tg.Do(context.Background(), target.Request{ID: "req-2", Prompt: "x", MaxTokens: 2})
	if first.Status != sample.StatusOK || second.Status != sample.StatusOK {
		t.Fatalf("statuses %q %q: %s %s", first.Status, second.Status, first.Err, second.Err)
	}
	h := seen["req-1"]
	if h == nil || h.Get(simllm.SageMakerComponentHeader) != "ic-1" || h.Get(simllm.SageMakerVariantHeader) != "blue" {
		t.Errorf("headers seen: %v", h)
	}
	if first.ConnReused || first.Connect <= 0 || !second.ConnReused || second.Connect != 0 {
		t.Errorf("conn: first reused %v connect %v; second reused %v connect %v", first.ConnReused, first.Connect, second.ConnReused, second.Connect)
	}
	// An id SageMaker would refuse is not sent rather than failing the call.
	if got := inferenceID(strings.Repeat("x", 65)); got != nil {
		t.Errorf("65-character id sent: %q", *got)
	}
}

func TestNewAndDescribe(t *testing.T) {
	api := newAPI("http://127.0.0.1:1")
	cases := []struct {
		cfg  Config
		want string // Describe, or the error's text
	}{
		// The format defaults to chat; the model shows for chat only.
		{Config{Endpoint: "e", Model: "m", Stream: true}, "sagemaker endpoint=e format=chat model=m stream"},
		{Config{Endpoint: "e", Format: FormatTGI, Model: "m", InferenceComponent: "ic", TargetVariant: "v"}, "sagemaker endpoint=e format=tgi component=ic variant=v nostream"},
		{Config{}, "sagemaker: new: endpoint is required"},
		{Config{Endpoint: "e", Format: "xml"}, `sagemaker: new: format must be chat, lmi or tgi, got "xml"`},
	}
	for _, c := range cases {
		tg, err := New(api, c.cfg)
		got := ""
		if err != nil {
			got = err.Error()
		} else {
			got = tg.Describe()
		}
		if got != c.want {
			t.Errorf("%+v: got %q, want %q", c.cfg, got, c.want)
		}
	}
	if _, err := New(nil, Config{Endpoint: "e"}); err == nil {
		t.Error("nil API accepted")
	}
}

// TestPayloads: the request bodies of the three formats.
func TestPayloads(t *testing.T) {
	req := target.Request{Prompt: "hi", MaxTokens: 7}
	cases := []struct {
		cfg  Config
		want string
	}{
		{Config{Endpoint: "e", Model: "m", Stream: true}, `{"model":"m","messages":[{"role":"user","content":"hi"}],"max_tokens":7,"stream":true,"stream_options":{"include_usage":true}}`},
		{Config{Endpoint: "e", Model: "m"}, `{"model":"m","messages":[{"role":"user","content":"hi"}],"max_tokens":7,"stream":false}`},
		{Config{Endpoint: "e", Format: FormatLMI, Stream: true}, `{"inputs":"hi","parameters":{"max_new_tokens":7},"stream":true}`},
		{Config{Endpoint: "e", Format: FormatTGI, Stream: true}, `{"inputs":"hi","parameters":{"max_new_tokens":7,"details":true},"stream":true}`},
	}
	for _, c := range cases {
		tg := newTarget(t, newAPI("http://127.0.0.1:1"), c.cfg)
		b, err := tg.payload(req)
		if err != nil || string(b) != c.want {
			t.Errorf("%+v:\n got %s (%v)\nwant %s", c.cfg, b, err, c.want)
		}
	}
}

// TestNoClosedConnectionRace is the regression test of bodyGuard: with a
// fast server, the SDK's request body used to make net/http close a
// reused connection under a stream being read (a few requests in a
// thousand failed with "use of closed network connection").
func TestNoClosedConnectionRace(t *testing.T) {
	rs := startSim(t, simllm.Options{Profile: fixedProfile(2*time.Millisecond, 200*time.Microsecond)})
	tg := newTarget(t, newAPI(rs.SageMakerEndpoint()), Config{Endpoint: "e", Stream: true, Model: "m"})
	const rounds, conc = 150, 4
	for range rounds {
		var wg sync.WaitGroup
		for range conc {
			wg.Go(func() {
				if res := tg.Do(context.Background(), target.Request{Prompt: "a", MaxTokens: 4}); res.Status != sample.StatusOK {
					t.Errorf("%s %s (reused %v)", res.Status, res.Err, res.ConnReused)
				}
			})
		}
		wg.Wait()
	}
}

// fakeAPI is an API double: canned answers, no HTTP.
type fakeAPI struct {
	whole  *sagemakerruntime.InvokeEndpointOutput
	stream *sagemakerruntime.InvokeEndpointWithResponseStreamOutput
	err    error
}

func (f *fakeAPI) InvokeEndpoint(context.Context, *sagemakerruntime.InvokeEndpointInput, ...func(*sagemakerruntime.Options)) (*sagemakerruntime.InvokeEndpointOutput, error) {
	return f.whole, f.err
}

func (f *fakeAPI) InvokeEndpointWithResponseStream(context.Context, *sagemakerruntime.InvokeEndpointWithResponseStreamInput, ...func(*sagemakerruntime.Options)) (*sagemakerruntime.InvokeEndpointWithResponseStreamOutput, error) {
	return f.stream, f.err
}

// fakeReader replays events, then reports err.
type fakeReader struct {
	ch  chan types.ResponseStream
	err error
}

func newFakeReader(err error, events ...types.ResponseStream) *fakeReader {
	r := &fakeReader{ch: make(chan types.ResponseStream, len(events)), err: err}
	for _, ev := range events {
		r.ch <- ev
	}
	close(r.ch)
	return r
}

func (r *fakeReader) Events() <-chan types.ResponseStream { return r.ch }
func (r *fakeReader) Close() error                        { return nil }
func (r *fakeReader) Err() error                          { return r.err }

func part(s string) types.ResponseStream {
	return &types.ResponseStreamMemberPayloadPart{Value: types.PayloadPart{Bytes: []byte(s)}}
}

// TestFakeAPI covers what the simulator cannot produce: errors without a
// response, unknown event types, a missing stream.
func TestFakeAPI(t *testing.T) {
	cases := []struct {
		name   string
		api    *fakeAPI
		stream bool
		events *fakeReader // read with readEvents when set
		status sample.Status
		http   int
		err    string
	}{
		// A ModelError without a response still carries the container's status.
		{"model error no response", &fakeAPI{err: &types.ModelError{Message: aws.String("m"), OriginalStatusCode: aws.Int32(503), OriginalMessage: aws.String("overloaded")}},
			false, nil, sample.StatusHTTPError, 503, "ModelError (container status 503): overloaded"},
		// Any other modelled error without a response.
		{"api error no response", &fakeAPI{err: &types.ServiceUnavailable{Message: aws.String("later")}},
			true, nil, sample.StatusHTTPError, 0, "ServiceUnavailable: later"},
		// An output without an event stream (its stream field is
		// unexported: only the SDK's deserializer sets it, so a real
		// stream is exercised against the simulator, and readEvents
		// directly below).
		{"no stream", &fakeAPI{stream: &sagemakerruntime.InvokeEndpointWithResponseStreamOutput{}}, true, nil, sample.StatusProtocol, 200, "without an event stream"},
		// A non-streamed answer from a double: 200 stands in for the status.
		{"whole", &fakeAPI{whole: &sagemakerruntime.InvokeEndpointOutput{Body: []byte(`{"generated_text":"a b"}`)}},
			false, nil, sample.StatusOK, 200, ""},
		// Events of an unknown type are skipped.
		{"unknown event", nil, true, newFakeReader(nil, part(`{"token":{"text":"a"}}`+"\n"), &types.UnknownUnionMember{Tag: "Future"}, part(`{"token":{"text":"b"},"details":{"generated_tokens":2}}`+"\n")),
			sample.StatusOK, 0, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var res *sample.Result
			if c.events != nil {
				res = &sample.Result{}
				readEvents(context.Background(), c.events, &bodyEnd{}, false, res, nil)
			} else {
				tg := newTarget(t, c.api, Config{Endpoint: "e", Format: FormatLMI, Stream: c.stream})
				res = tg.Do(context.Background(), target.Request{ID: "x", Prompt: "p", MaxTokens: 2})
				if res.Start.IsZero() || res.End.Before(res.Start) {
					t.Errorf("Start %v End %v", res.Start, res.End)
				}
			}
			if res.Status != c.status || res.HTTPStatus != c.http || !strings.Contains(res.Err, c.err) {
				t.Errorf("got %q %d %q; want %q %d %q", res.Status, res.HTTPStatus, res.Err, c.status, c.http, c.err)
			}
		})
	}
}
