package sagemaker

import (
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sagemakerruntime"
	"github.com/aws/aws-sdk-go-v2/service/sagemakerruntime/schemas"
	"github.com/aws/smithy-go/transport/http/protocol/restjson1"

	"github.com/llmbench/llmbench/shared/sdkhttp"
)

// ClientOptions configures a sagemakerruntime client for benchmarking:
// requests go through hc (nil keeps the SDK's client; use
// target.NewHTTPClient so connections are pooled like the OpenAI target's),
// the SDK never retries (one request, one row), and baseEndpoint, when not
// empty, replaces the regional endpoint (a simulator's http://host:port).
//
//	api := sagemakerruntime.NewFromConfig(awsCfg, sagemaker.ClientOptions(target.NewHTTPClient(n), ""))
func ClientOptions(hc *http.Client, baseEndpoint string) func(*sagemakerruntime.Options) {
	return func(o *sagemakerruntime.Options) {
		if hc != nil {
			o.HTTPClient = hc
		}
		callOptions(o)
		if baseEndpoint != "" {
			o.BaseEndpoint = aws.String(baseEndpoint)
		}
	}
}

// callOptions is applied to every call, whatever the client was built
// with: no SDK retry (a retry would hide a failure inside one longer row),
// and the request body guard.
func callOptions(o *sagemakerruntime.Options) {
	o.Retryer = aws.NopRetryer{}
	if _, ok := o.HTTPClient.(bodyGuard); !ok && o.HTTPClient != nil {
		o.HTTPClient = bodyGuard{o.HTTPClient}
	}
}

// streamCallOptions is callOptions for InvokeEndpointWithResponseStream,
// plus a protocol of the call's own.
//
// The SDK client shares one restjson1.Protocol between all its calls, and
// that protocol's event-stream codec keeps its decoder and payload buffer
// in plain fields that every open stream's reader goroutine writes without
// a lock: concurrent streams on one client are a data race (the race
// detector reports it; in v1.50.2 the buffer is never actually reused, so
// payloads are not corrupted, but nothing guarantees that). A protocol per
// streaming call costs two small allocations.
func streamCallOptions(o *sagemakerruntime.Options) {
	callOptions(o)
	if _, ok := o.Protocol.(*restjson1.Protocol); ok {
		o.Protocol = restjson1.New(schemas.AmazonSageMakerRuntime)
	}
}

// bodyGuard is sdkhttp's guard (request bodies reduced to Read and Close,
// which works around the SDK/net-http race that closes a connection under a
// stream) that also stamps the moment the SDK hands the request over.
type bodyGuard struct{ c sagemakerruntime.HTTPClient }

func (g bodyGuard) Do(r *http.Request) (*http.Response, error) {
	if p, ok := r.Context().Value(handoffKey{}).(*time.Time); ok {
		*p = time.Now() // the SDK calls Do on the goroutine of the Invoke call
	}
	resp, err := sdkhttp.Guard(g.c).Do(r)
	if be, ok := r.Context().Value(bodyKey{}).(*bodyEnd); ok && err == nil && resp != nil && resp.Body != nil {
		resp.Body = &watchedBody{ReadCloser: resp.Body, end: be}
	}
	return resp, err
}

// bodyKey is the context key under which Do finds the bodyEnd of a
// streaming call.
type bodyKey struct{}

// bodyEnd is how the HTTP body of a streaming call ended, which the SDK's
// event-stream reader does not tell: it reports a connection cut in the
// middle of a frame as a clean end of the stream. The SDK reads the body
// on a goroutine of its own, hence the mutex.
type bodyEnd struct {
	mu  sync.Mutex
	err error // the body's first read error other than io.EOF
}

// failed returns the read error of the body, nil when it ended cleanly
// (or was not watched: a fake API).
func (b *bodyEnd) failed() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.err
}

// watchedBody records its read errors in end.
type watchedBody struct {
	io.ReadCloser
	end *bodyEnd
}

func (w *watchedBody) Read(p []byte) (int, error) {
	n, err := w.ReadCloser.Read(p)
	if err != nil && err != io.EOF {
		w.end.mu.Lock()
		if w.end.err == nil {
			w.end.err = err
		}
		w.end.mu.Unlock()
	}
	return n, err
}

// handoffKey is the context key under which Do finds where to stamp the
// moment the SDK hands the request to the HTTP client.
type handoffKey struct{}

// startTime is Result.Start: the hand-off to the HTTP client when the
// guard saw it, as the OpenAI client stamps Start just before
// http.Client.Do (the SDK's serializing and signing are not measured,
// connection set-up is); else the moment the SDK was called (a fake API,
// a failure before the hand-off).
func startTime(called, handoff time.Time) time.Time {
	if handoff.IsZero() {
		return called
	}
	return handoff
}
