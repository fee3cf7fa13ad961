package openai

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"math"
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

// bodies records the request bodies a handler receives before passing
// each request on.
type bodies struct {
	mu   sync.Mutex
	seen [][]byte
}

func (b *bodies) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, _ := io.ReadAll(r.Body)
		b.mu.Lock()
		b.seen = append(b.seen, raw)
		b.mu.Unlock()
		r.Body = io.NopCloser(bytes.NewReader(raw))
		next.ServeHTTP(w, r)
	})
}

func (b *bodies) all() [][]byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([][]byte(nil), b.seen...)
}

// canonical re-encodes a JSON body with sorted keys, after checking that
// no object in it repeats a key (which a decode into a map would hide).
func canonical(t *testing.T, raw []byte) string {
	t.Helper()
	if err := noRepeatedKeys(json.NewDecoder(bytes.NewReader(raw))); err != "" {
		t.Errorf("body %s: %s", raw, err)
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("body is not JSON: %v\n%s", err, raw)
	}
	var b bytes.Buffer // maps marshal with sorted keys
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
	return strings.TrimSuffix(b.String(), "\n")
}

// noRepeatedKeys reads one JSON value and says which key an object in it
// repeats, or "".
func noRepeatedKeys(dec *json.Decoder) string {
	tok, err := dec.Token()
	if err != nil {
		return err.Error()
	}
	switch tok {
	case json.Delim('{'):
		seen := map[string]bool{}
		for dec.More() {
			k, _ := dec.Token()
			if seen[k.(string)] {
				return "repeats key " + k.(string)
			}
			seen[k.(string)] = true
			if err := noRepeatedKeys(dec); err != "" {
				return err
			}
		}
		dec.Token()
	case json.Delim('['):
		for dec.More() {
			if err := noRepeatedKeys(dec); err != "" {
				return err
			}
		}
		dec.Token()
	}
	return ""
}

func ptr[T any](v T) *T { return &v }

// TestParamsReachServer: the generation parameters of a Request, as the
// simulated server receives them, for chat and completions; the server
// accepts every body (status ok).
func TestParamsReachServer(t *testing.T) {
	sim, err := simllm.New(simllm.Options{Profile: simllm.Profile{Kind: simllm.KindInstant}})
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	var got bodies
	srv := httptest.NewServer(got.wrap(sim))
	defer srv.Close()

	const chat = `"messages":[{"content":"hello there","role":"user"}]`
	tests := []struct {
		name   string
		api    string
		stream bool
		req    target.Request // Prompt and MaxTokens are set below
		want   string         // the body, keys sorted
	}{
		// Nothing set, nothing sent: the server's defaults apply.
		{"chat unset", APIChat, true, target.Request{},
			`{"max_tokens":16,` + chat + `,"model":"m","stream":true,"stream_options":{"include_usage":true}}`},
		// Every parameter, under the OpenAI/vLLM names, at the top level,
		// extra_body's members beside them.
		{"chat all", APIChat, true, target.Request{
			Temperature: ptr(0.7), TopP: ptr(0.9), MinTokens: ptr(4), IgnoreEOS: true, Stop: []string{"\n\n", "END"},
			ExtraBody: []byte(`{"seed":7,"top_k":20,"repetition_penalty":1.05}`)},
			`{"ignore_eos":true,"max_tokens":16,` + chat + `,"min_tokens":4,"model":"m","repetition_penalty":1.05,"seed":7,` +
				`"stop":["\n\n","END"],"stream":true,"stream_options":{"include_usage":true},"temperature":0.7,"top_k":20,"top_p":0.9}`},
		// Completions, not streaming: temperature 0 (the spec's default) is
		// sent as 0; stop sequences with quotes, tabs and U+2028 arrive
		// intact; a nested extra_body member is kept whole.
		{"completions", APICompletions, false, target.Request{
			Temperature: ptr(0.0), Stop: []string{"</s>", "say \"hi\"\t\u2028"},
			ExtraBody: []byte(`{"logit_bias":{"50256":-100}}`)},
			`{"logit_bias":{"50256":-100},"max_tokens":16,"model":"m","prompt":"hello there",` +
				`"stop":["</s>","say \"hi\"\t\u2028"],"stream":false,"temperature":0}`},
		// min_tokens 0 is sent (it was set); an empty extra_body adds nothing.
		{"completions zero min", APICompletions, true, target.Request{MinTokens: ptr(0), ExtraBody: []byte(` { } `)},
			`{"max_tokens":16,"min_tokens":0,"model":"m","prompt":"hello there","stream":true,"stream_options":{"include_usage":true}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(got.all())
			c := newTarget(t, srv.URL, func(c *Config) { c.API = tt.api; c.Stream = tt.stream })
			req := tt.req
			req.ID, req.Prompt, req.InputTokens, req.MaxTokens = "r-"+tt.name, "hello there", 2, 16
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			res := c.Do(ctx, req)
			if res.Status != sample.StatusOK {
				t.Errorf("status %s %s", res.Status, res.Err)
			}
			seen := got.all()
			if len(seen) != before+1 {
				t.Fatalf("%d requests reached the server, want 1", len(seen)-before)
			}
			if body := canonical(t, seen[before]); body != tt.want {
				t.Errorf("body\n got %s\nwant %s", body, tt.want)
			}
		})
	}
}

// TestParamsRefusedUnsent: a parameter no JSON body can carry fails the
// request before anything is sent.
func TestParamsRefusedUnsent(t *testing.T) {
	var got bodies
	srv := httptest.NewServer(got.wrap(http.NotFoundHandler()))
	defer srv.Close()
	c := newTarget(t, srv.URL, nil)
	for _, req := range []target.Request{
		{Temperature: ptr(math.NaN())},
		{TopP: ptr(math.Inf(1))},
		{ExtraBody: []byte(`["not","an","object"]`)},
	} {
		req.Prompt, req.MaxTokens = "p", 4
		res := c.Do(context.Background(), req)
		if res.Status != sample.StatusTransport || !strings.HasPrefix(res.Err, "encode request: ") {
			t.Errorf("%+v: status %s %q, want transport encode request", req, res.Status, res.Err)
		}
	}
	if n := len(got.all()); n != 0 {
		t.Errorf("%d requests sent", n)
	}
}

// FuzzJSONString: the hand-written string encoder writes exactly what
// encoding/json does (HTML escaping off), for any string, valid UTF-8 or
// not: a prompt or a stop sequence reaches the server as given.
func FuzzJSONString(f *testing.F) {
	for _, s := range []string{"", "plain words", "quote \" backslash \\ slash /", "\x00\x01\x1f\x7f \b\f\n\r\t",
		"<html>&amp;", "é 漢字 🙂", "\u2028\u2029", "bad \xff\xfe utf8 \xc3", "\xed\xa0\x80 surrogate"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(s); err != nil {
			t.Fatal(err)
		}
		if got := target.AppendJSONString(nil, s); string(got) != strings.TrimSuffix(want.String(), "\n") {
			t.Errorf("%q:\n got %s\nwant %s", s, got, want.Bytes())
		}
	})
}

// FuzzJSONFloat: the float encoder writes exactly what encoding/json does.
func FuzzJSONFloat(f *testing.F) {
	for _, x := range []float64{0, math.Copysign(0, -1), 0.7, 1, 2, 1e-6, 9.99e-7, 1e-7, 1.5e-300, 1e20, 1e21, 123456789.125, -0.25, math.MaxFloat64, math.SmallestNonzeroFloat64} {
		f.Add(x)
	}
	f.Fuzz(func(t *testing.T, x float64) {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return // CheckParams refuses them
		}
		want, _ := json.Marshal(x)
		if got := target.AppendJSONFloat(nil, x); string(got) != string(want) {
			t.Errorf("%v: got %s, want %s", x, got, want)
		}
	})
}
