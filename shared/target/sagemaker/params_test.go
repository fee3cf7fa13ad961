package sagemaker

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/llmbench/llmbench/shared/sample"
	"github.com/llmbench/llmbench/shared/simllm"
	"github.com/llmbench/llmbench/shared/target"
)

// startCapturing serves the simulated SageMaker runtime API on loopback
// behind a handler that records each request body; the returned function
// gives the bodies seen so far.
func startCapturing(t *testing.T) (string, func() [][]byte) {
	t.Helper()
	sim, err := simllm.New(simllm.Options{Profile: simllm.Profile{Kind: simllm.KindInstant}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sim.Close)
	var (
		mu   sync.Mutex
		seen [][]byte
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, _ := io.ReadAll(r.Body)
		mu.Lock()
		seen = append(seen, raw)
		mu.Unlock()
		r.Body = io.NopCloser(bytes.NewReader(raw))
		sim.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL, func() [][]byte {
		mu.Lock()
		defer mu.Unlock()
		return append([][]byte(nil), seen...)
	}
}

// canonical re-encodes a JSON body with sorted keys (HTML escaping off),
// after checking that no object in it repeats a key.
func canonical(t *testing.T, raw []byte) string {
	t.Helper()
	if k := repeatedKey(json.NewDecoder(bytes.NewReader(raw))); k != "" {
		t.Errorf("body %s repeats key %s", raw, k)
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("body is not JSON: %v\n%s", err, raw)
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
	return strings.TrimSuffix(b.String(), "\n")
}

// repeatedKey reads one JSON value and returns a key an object in it
// repeats, or "".
func repeatedKey(dec *json.Decoder) string {
	tok, _ := dec.Token()
	switch tok {
	case json.Delim('{'):
		seen := map[string]bool{}
		for dec.More() {
			tk, _ := dec.Token()
			k, _ := tk.(string)
			if seen[k] {
				return k
			}
			seen[k] = true
			if r := repeatedKey(dec); r != "" {
				return r
			}
		}
		dec.Token()
	case json.Delim('['):
		for dec.More() {
			if r := repeatedKey(dec); r != "" {
				return r
			}
		}
		dec.Token()
	}
	return ""
}

func ptr[T any](v T) *T { return &v }

// TestParamsReachContainer: the generation parameters of a Request, as the
// container behind the SageMaker runtime API receives them, for each
// format, streamed and not, through the real SDK client; the simulated
// container accepts every body (status ok).
func TestParamsReachContainer(t *testing.T) {
	url, seen := startCapturing(t)
	api := newAPI(url)
	all := target.Request{
		Temperature: ptr(0.7), TopP: ptr(0.9), MinTokens: ptr(2), IgnoreEOS: true, Stop: []string{"\n\n", "</s>"},
		ExtraBody: []byte(`{"seed":7,"top_k":20}`),
	}
	sampling := all // what TGI can carry
	sampling.MinTokens, sampling.IgnoreEOS = nil, false
	const msgs = `"messages":[{"content":"hi","role":"user"}]`
	tests := []struct {
		name   string
		format string
		stream bool
		req    target.Request // Prompt and MaxTokens are set below
		want   string         // the body, keys sorted
	}{
		// Chat: the OpenAI names at the top level, as for the OpenAI client.
		{"chat all", FormatChat, true, all,
			`{"ignore_eos":true,"max_tokens":8,` + msgs + `,"min_tokens":2,"model":"m","seed":7,"stop":["\n\n","</s>"],` +
				`"stream":true,"stream_options":{"include_usage":true},"temperature":0.7,"top_k":20,"top_p":0.9}`},
		// Chat, nothing set: nothing sent.
		{"chat unset", FormatChat, false, target.Request{},
			`{"max_tokens":8,` + msgs + `,"model":"m","stream":false}`},
		// LMI: everything in "parameters", under LMI's names (do_sample with
		// a positive temperature, ignore_eos_token), extra_body there too.
		{"lmi all", FormatLMI, true, all,
			`{"inputs":"hi","parameters":{"do_sample":true,"ignore_eos_token":true,"max_new_tokens":8,"min_tokens":2,"seed":7,` +
				`"stop":["\n\n","</s>"],"temperature":0.7,"top_k":20,"top_p":0.9},"stream":true}`},
		// LMI at temperature 0: greedy, said explicitly, no do_sample.
		{"lmi greedy", FormatLMI, false, target.Request{Temperature: ptr(0.0)},
			`{"inputs":"hi","parameters":{"max_new_tokens":8,"temperature":0},"stream":false}`},
		// TGI: its names in "parameters", details always.
		{"tgi sampling", FormatTGI, true, sampling,
			`{"inputs":"hi","parameters":{"details":true,"do_sample":true,"max_new_tokens":8,"seed":7,` +
				`"stop":["\n\n","</s>"],"temperature":0.7,"top_k":20,"top_p":0.9},"stream":true}`},
		// TGI at temperature 0 and top_p 1: neither is sent (TGI refuses
		// both values; without them it decodes greedily over the whole
		// distribution, which is what they mean).
		{"tgi greedy", FormatTGI, false, target.Request{Temperature: ptr(0.0), TopP: ptr(1.0)},
			`{"inputs":"hi","parameters":{"details":true,"max_new_tokens":8},"stream":false}`},
		// TGI at temperature 1: do_sample, or TGI would decode greedily.
		{"tgi temperature 1", FormatTGI, true, target.Request{Temperature: ptr(1.0)},
			`{"inputs":"hi","parameters":{"details":true,"do_sample":true,"max_new_tokens":8,"temperature":1},"stream":true}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(seen())
			tg := newTarget(t, api, Config{Endpoint: "e", Format: tt.format, Stream: tt.stream, Model: "m"})
			req := tt.req
			req.ID, req.Prompt, req.InputTokens, req.MaxTokens = tt.name, "hi", 1, 8
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			res := tg.Do(ctx, req)
			if res.Status != sample.StatusOK {
				t.Errorf("status %s %s", res.Status, res.Err)
			}
			got := seen()
			if len(got) != before+1 {
				t.Fatalf("%d requests reached the container, want 1", len(got)-before)
			}
			if body := canonical(t, got[before]); body != tt.want {
				t.Errorf("body\n got %s\nwant %s", body, tt.want)
			}
		})
	}
}

// TestTGIRefuses: what TGI's parameters cannot carry fails the request,
// unsent, rather than being dropped.
func TestTGIRefuses(t *testing.T) {
	url, seen := startCapturing(t)
	tg := newTarget(t, newAPI(url), Config{Endpoint: "e", Format: FormatTGI, Stream: true})
	cases := []struct {
		req target.Request
		err string
	}{
		{target.Request{MinTokens: ptr(3)}, "encode request: format tgi has no min_tokens"},
		{target.Request{IgnoreEOS: true}, "encode request: format tgi cannot ignore EOS"},
		{target.Request{ExtraBody: []byte(`"seed"`)}, "encode request: extra body must be a JSON object"},
	}
	for _, c := range cases {
		c.req.Prompt, c.req.MaxTokens = "p", 4
		res := tg.Do(context.Background(), c.req)
		if res.Status != sample.StatusTransport || !strings.HasPrefix(res.Err, c.err) {
			t.Errorf("%+v: %s %q, want transport %q", c.req, res.Status, res.Err, c.err)
		}
	}
	if n := len(seen()); n != 0 {
		t.Errorf("%d requests sent", n)
	}
}
