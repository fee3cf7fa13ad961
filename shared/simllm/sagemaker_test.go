package simllm

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws/protocol/eventstream"
)

// The end-to-end check of these routes, through the AWS SDK, is in
// shared/target/sagemaker; these tests pin the wire shapes.

// smFrame is one decoded event-stream message.
type smFrame struct {
	messageType, eventType, exceptionType, contentType string
	payload                                            []byte
}

// smResponse is a SageMaker response as a test sees it.
type smResponse struct {
	status int
	header http.Header
	body   []byte    // non-stream answers and errors
	frames []smFrame // event-stream answers
}

// smCall posts body to /endpoints/<endpoint>/<op> and decodes the answer.
func smCall(t *testing.T, rs *Running, method, path string, hdr map[string]string, body any) smResponse {
	t.Helper()
	b, ok := body.(string)
	if !ok {
		bb, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		b = string(bb)
	}
	req, err := http.NewRequest(method, rs.SageMakerEndpoint()+path, strings.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := newClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out := smResponse{status: resp.StatusCode, header: resp.Header}
	if resp.Header.Get("Content-Type") != "application/vnd.amazon.eventstream" {
		out.body, _ = io.ReadAll(resp.Body)
		return out
	}
	dec := eventstream.NewDecoder()
	for {
		msg, err := dec.Decode(resp.Body, nil)
		if err != nil {
			if !errors.Is(err, io.EOF) {
				t.Fatalf("decode: %v", err)
			}
			return out
		}
		f := smFrame{payload: bytes.Clone(msg.Payload)}
		for _, h := range msg.Headers {
			switch h.Name {
			case ":message-type":
				f.messageType = h.Value.String()
			case ":event-type":
				f.eventType = h.Value.String()
			case ":exception-type":
				f.exceptionType = h.Value.String()
			case ":content-type":
				f.contentType = h.Value.String()
			}
		}
		out.frames = append(out.frames, f)
	}
}

// payload concatenates the PayloadPart bytes, checking every frame's
// headers.
func (r smResponse) payload(t *testing.T) string {
	t.Helper()
	var b strings.Builder
	for _, f := range r.frames {
		if f.messageType != "event" {
			continue
		}
		if f.eventType != "PayloadPart" || f.contentType != "application/octet-stream" {
			t.Errorf("frame headers %+v", f)
		}
		b.Write(f.payload)
	}
	return b.String()
}

func lmiBody(n int, stream bool) map[string]any {
	return map[string]any{"inputs": "one two three", "parameters": map[string]any{"max_new_tokens": n}, "stream": stream}
}

func tgiBody(n int, stream bool) map[string]any {
	return map[string]any{"inputs": "one two three", "parameters": map[string]any{"max_new_tokens": n, "details": true}, "stream": stream}
}

const streamPath = "/endpoints/ep/invocations-response-stream"

// TestSageMakerStreamShapes: each format's lines, one PayloadPart each.
func TestSageMakerStreamShapes(t *testing.T) {
	rs := start(t, Options{Profile: mustProfile(t, "instant"), Model: "sim", RecordTruth: true})
	const n = 3
	cases := []struct {
		name   string
		body   any
		ctype  string   // X-Amzn-SageMaker-Content-Type
		frames int      // PayloadParts
		prefix []string // the start of each line, in order
		last   []string // substrings of the last non-[DONE] line
	}{
		// LMI chat: chat.completion.chunk JSON lines without "data: ",
		// role first, usage, [DONE].
		{"chat", chatBody("one two three", n, true), "application/jsonlines", n + 3,
			[]string{`{"id":"chatcmpl-`, `{"id":`, `{"id":`, `{"id":`, `{"id":`, `[DONE]`},
			[]string{`"usage":{"prompt_tokens":3,"completion_tokens":3,"total_tokens":6,"prompt_tokens_details":{"cached_tokens":0}}`}},
		// LMI: token lines with log_prob; the last adds generated_text and
		// details.
		{"lmi", lmiBody(n, true), "application/jsonlines", n,
			[]string{`{"token":{"id":`, `{"token":{"id":`, `{"token":{"id":`},
			[]string{`"log_prob":`, `"generated_text":" `, `"details":{"finish_reason":"length","generated_tokens":3,"inputs":"one two three"}`}},
		// TGI: data: events, blank-line separated; the last carries
		// generated_text and details.
		{"tgi", tgiBody(n, true), "text/event-stream", n,
			[]string{`data:{"index":0,"token":`, ``, `data:{"index":1,"token":`, ``, `data:{"index":2,"token":`, ``},
			[]string{`"logprob":`, `"special":false`, `"generated_text":" `, `"details":{"finish_reason":"length","generated_tokens":3,"input_length":3,"seed":null}`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := smCall(t, rs, http.MethodPost, streamPath, map[string]string{SageMakerInferenceIDHeader: c.name}, c.body)
			if r.status != http.StatusOK || r.header.Get("X-Amzn-SageMaker-Content-Type") != c.ctype || r.header.Get(SimulatedHeader) == "" {
				t.Fatalf("status %d headers %v", r.status, r.header)
			}
			lines := strings.Split(strings.TrimSuffix(r.payload(t), "\n"), "\n")
			if len(lines) != len(c.prefix) {
				t.Fatalf("%d lines, want %d:\n%s", len(lines), len(c.prefix), strings.Join(lines, "\n"))
			}
			if len(r.frames) != c.frames {
				t.Errorf("%d frames, want one a line: %d", len(r.frames), c.frames)
			}
			lastData := ""
			for i, l := range lines {
				if !strings.HasPrefix(l, c.prefix[i]) {
					t.Errorf("line %d = %q, want prefix %q", i, l, c.prefix[i])
				}
				if l != "" && l != "[DONE]" {
					lastData = l
					if !json.Valid([]byte(strings.TrimPrefix(l, "data:"))) {
						t.Errorf("line %d is not JSON: %q", i, l)
					}
				}
			}
			for _, s := range c.last {
				if !strings.Contains(lastData, s) {
					t.Errorf("last line %q lacks %q", lastData, s)
				}
			}
			tr, ok := rs.Server.TakeTruth(c.name)
			if !ok || len(tr.Chunks) != n || !tr.Completed || tr.InputTokens != 3 {
				t.Errorf("truth by InferenceId: %+v (found %v)", tr, ok)
			}
		})
	}
}

// TestSageMakerParts: split and merged parts carry the same bytes as one
// line per part, in more or fewer frames.
func TestSageMakerParts(t *testing.T) {
	const n = 5
	body := lmiBody(n, true)
	base := smCall(t, start(t, Options{Profile: mustProfile(t, "instant")}), http.MethodPost, streamPath, nil, body)
	for _, c := range []struct {
		name   string
		opts   SageMakerOptions
		frames int
	}{
		{"split", SageMakerOptions{Parts: PartsSplit}, 2 * n},                 // two parts a line
		{"merge 2", SageMakerOptions{Parts: PartsMerge, MergeLines: 2}, 3},    // 2+2+1 lines
		{"merge default", SageMakerOptions{Parts: PartsMerge}, 2},             // 3+2 lines
		{"forced format", SageMakerOptions{Format: SageMakerLMI}, n},          // the body's keys agree
		{"per line", SageMakerOptions{Parts: PartsPerLine, MergeLines: 9}, n}, // MergeLines ignored
	} {
		t.Run(c.name, func(t *testing.T) {
			r := smCall(t, start(t, Options{Profile: mustProfile(t, "instant"), SageMaker: c.opts}), http.MethodPost, streamPath, nil, body)
			if len(r.frames) != c.frames {
				t.Errorf("%d frames, want %d", len(r.frames), c.frames)
			}
			if got, want := r.payload(t), base.payload(t); got != want {
				t.Errorf("payload differs:\n got %q\nwant %q", got, want)
			}
		})
	}
}

// TestSageMakerFaults: exception frames and restJson1 error answers.
func TestSageMakerFaults(t *testing.T) {
	rs := start(t, Options{Profile: mustProfile(t, "instant")})
	fault := func(f string) map[string]string { return map[string]string{SageMakerFaultHeader: f} }
	t.Run("exceptions", func(t *testing.T) {
		for _, c := range []struct {
			fault, typ, payload string
		}{
			// ModelStreamError carries an ErrorCode.
			{"model-stream-error", "ModelStreamError", `{"Message":"Your model's stream was broken after 2 tokens (simulated).","ErrorCode":"StreamBroken"}`},
			{"internal-stream-failure", "InternalStreamFailure", `{"Message":"Internal stream failure (simulated)."}`},
		} {
			r := smCall(t, rs, http.MethodPost, streamPath, fault(c.fault), lmiBody(4, true))
			if len(r.frames) != 3 {
				t.Fatalf("%s: %d frames, want 2 tokens and the exception", c.fault, len(r.frames))
			}
			f := r.frames[2]
			if f.messageType != "exception" || f.exceptionType != c.typ || f.contentType != "application/json" || string(f.payload) != c.payload {
				t.Errorf("%s: exception frame %+v %s", c.fault, f, f.payload)
			}
		}
	})
	for _, c := range []struct {
		name   string
		path   string
		method string
		hdr    map[string]string
		body   any
		status int
		typ    string // X-Amzn-ErrorType
		body2  string // substring of the body
	}{
		// Service errors, before the container.
		{"throttling", streamPath, "POST", fault("throttling"), lmiBody(2, true), 429, "ThrottlingException", `"Message":"Rate exceeded (simulated)"`},
		{"generic 429", streamPath, "POST", map[string]string{FaultHeader: "429"}, lmiBody(2, true), 429, "ThrottlingException", "Rate exceeded"},
		{"not ready", "/endpoints/ep/invocations", "POST", fault("model-not-ready"), lmiBody(2, false), 429, "ModelNotReadyException", "not ready"},
		{"validation", streamPath, "POST", fault("validation"), lmiBody(2, true), 400, "ValidationError", "Endpoint ep of account"},
		{"unavailable", streamPath, "POST", fault("unavailable"), lmiBody(2, true), 503, "ServiceUnavailable", "unavailable"},
		// Container errors are ModelError 424 with the container's status.
		{"model error", streamPath, "POST", fault("model-error"), lmiBody(2, true), 424, "ModelError", `"OriginalStatusCode":500`},
		{"generic 500", "/endpoints/ep/invocations", "POST", map[string]string{FaultHeader: "500"}, lmiBody(2, false), 424, "ModelError", `"OriginalStatusCode":500`},
		{"bad body", streamPath, "POST", nil, `{"prompt":"x"}`, 424, "ModelError", `"OriginalStatusCode":400`},
		{"bad max tokens", streamPath, "POST", nil, lmiBody(0, true), 424, "ModelError", "max tokens must be"},
		{"stream error whole", "/endpoints/ep/invocations", "POST", fault("model-stream-error"), lmiBody(2, false), 424, "ModelError", "LogStreamArn"},
		// Routing.
		{"unknown fault", streamPath, "POST", fault("nope"), lmiBody(2, true), 400, "ValidationError", "unknown fault"},
		{"unknown op", "/endpoints/ep/other", "POST", nil, lmiBody(2, true), 404, "UnknownOperationException", "no route"},
		{"nested name", "/endpoints/a/b/invocations", "POST", nil, lmiBody(2, true), 404, "UnknownOperationException", "no route"},
		{"get", streamPath, "GET", nil, "", 405, "MethodNotAllowed", "use POST"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := smCall(t, rs, c.method, c.path, c.hdr, c.body)
			if r.status != c.status || r.header.Get("X-Amzn-ErrorType") != c.typ || !strings.Contains(string(r.body), c.body2) {
				t.Errorf("got %d %q %s; want %d %q containing %q", r.status, r.header.Get("X-Amzn-ErrorType"), r.body, c.status, c.typ, c.body2)
			}
		})
	}
}

// TestSageMakerWhole: InvokeEndpoint answers of each format.
func TestSageMakerWhole(t *testing.T) {
	rs := start(t, Options{Profile: mustProfile(t, "instant"), RecordTruth: true})
	for _, c := range []struct {
		name, variant string
		body          any
		prefix        string
	}{
		{"chat", "", chatBody("a b", 2, false), `{"id":"chatcmpl-`},
		{"lmi", "blue", lmiBody(2, false), `{"generated_text":" `},
		{"tgi", "", tgiBody(2, false), `[{"generated_text":" `},
	} {
		t.Run(c.name, func(t *testing.T) {
			hdr := map[string]string{RequestIDHeader: c.name, SageMakerComponentHeader: "ic"}
			if c.variant != "" {
				hdr[SageMakerVariantHeader] = c.variant
			}
			r := smCall(t, rs, http.MethodPost, "/endpoints/ep/invocations", hdr, c.body)
			if r.status != 200 || !strings.HasPrefix(string(r.body), c.prefix) || !json.Valid(r.body) {
				t.Errorf("%d %s", r.status, r.body)
			}
			want := c.variant
			if want == "" {
				want = "AllTraffic"
			}
			if got := r.header.Get("X-Amzn-Invoked-Production-Variant"); got != want {
				t.Errorf("variant %q, want %q", got, want)
			}
			if tr, ok := rs.Server.TakeTruth(c.name); !ok || len(tr.Chunks) != 1 || tr.OutputTokens != 2 || !tr.Completed {
				t.Errorf("truth %+v", tr)
			}
		})
	}
}
