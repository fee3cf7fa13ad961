package simllm

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// A small SSE client for the tests; the project's real client lives
// elsewhere and is deliberately not imported.

// event is one SSE data line as the client saw it.
type event struct {
	at   time.Time
	data string
}

// result is everything a test may check about one response.
type result struct {
	status  int
	header  http.Header
	sent    time.Time // just before the request was written
	events  []event   // streaming: every data line, in order
	body    []byte    // non-streaming: the whole body
	readErr error     // the body ended with an error rather than EOF
}

// chunk is the part of a chunk event the tests read.
type chunk struct {
	Object  string `json:"object"`
	Choices []struct {
		Delta struct {
			Role             *string `json:"role"`
			Content          *string `json:"content"`
			ReasoningContent *string `json:"reasoning_content"`
		} `json:"delta"`
		Text         *string `json:"text"`
		FinishReason *string `json:"finish_reason"`
	} `json:"choices"`
	Usage *usage `json:"usage"`
	Error *struct {
		Message string `json:"message"`
		Code    int    `json:"code"`
	} `json:"error"`
}

// tokenText returns the token a chunk carries, content or reasoning, if
// any: a role-only chunk (content "") carries none.
func (c chunk) tokenText() (string, bool) {
	if len(c.Choices) == 0 {
		return "", false
	}
	ch := c.Choices[0]
	if ch.Text != nil && *ch.Text != "" {
		return *ch.Text, true
	}
	if ch.Delta.Content != nil && *ch.Delta.Content != "" {
		return *ch.Delta.Content, true
	}
	// A reasoning token is a token, as the project's client counts it.
	if ch.Delta.ReasoningContent != nil && *ch.Delta.ReasoningContent != "" {
		return *ch.Delta.ReasoningContent, true
	}
	return "", false
}

func parseChunk(t *testing.T, data string) chunk {
	t.Helper()
	var c chunk
	if err := json.Unmarshal([]byte(data), &c); err != nil {
		t.Fatalf("chunk %q: %v", data, err)
	}
	return c
}

// tokens returns the token-bearing events and their texts.
func (r *result) tokens(t *testing.T) (texts []string, at []time.Time) {
	t.Helper()
	for _, e := range r.events {
		if e.data == "[DONE]" || !json.Valid([]byte(e.data)) {
			continue
		}
		if s, ok := parseChunk(t, e.data).tokenText(); ok {
			texts = append(texts, s)
			at = append(at, e.at)
		}
	}
	return texts, at
}

// done reports whether the last event is [DONE].
func (r *result) done() bool {
	return len(r.events) > 0 && r.events[len(r.events)-1].data == "[DONE]"
}

// newClient is a client whose pool fits the tests' concurrency, so the
// closed-loop tests measure the server, not connection set-up.
func newClient() *http.Client {
	return &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 128, DisableCompression: true}}
}

// call posts body (GETs if nil) to url and reads the whole response. A
// transport error before the response headers fails the test unless ctx
// was cancelled; either way the result then has status 0. It reports with
// t.Errorf only, so it is safe in the closed-loop test's goroutines.
func call(ctx context.Context, t testing.TB, c *http.Client, url string, hdr map[string]string, body any) *result {
	t.Helper()
	method, rd := encodeBody(t, body)
	res := &result{}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		t.Errorf("new request: %v", err)
		return res
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	res.sent = time.Now()
	resp, err := c.Do(req)
	if err != nil {
		if ctx.Err() == nil {
			t.Errorf("%s %s: %v", method, url, err)
		}
		return res
	}
	defer resp.Body.Close()
	res.status, res.header = resp.StatusCode, resp.Header
	if !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		res.body, res.readErr = io.ReadAll(resp.Body)
		return res
	}
	br := bufio.NewReader(resp.Body)
	for {
		line, err := br.ReadBytes('\n')
		if data, ok := bytes.CutPrefix(bytes.TrimRight(line, "\r\n"), []byte("data: ")); ok && err == nil {
			res.events = append(res.events, event{at: time.Now(), data: string(data)})
		}
		if err != nil {
			if !errors.Is(err, io.EOF) {
				res.readErr = err
			}
			return res
		}
	}
}

// encodeBody is the method and body of a request: GET without a body, a
// POST of body itself if it is a string (the bad-JSON tests), else of
// body in JSON.
func encodeBody(t testing.TB, body any) (string, io.Reader) {
	t.Helper()
	if body == nil {
		return http.MethodGet, nil
	}
	b, ok := body.(string)
	if !ok {
		bb, err := json.Marshal(body)
		if err != nil {
			t.Errorf("encode request: %v", err)
		}
		b = string(bb)
	}
	return http.MethodPost, strings.NewReader(b)
}

// chatBody is a chat request with the given prompt.
func chatBody(prompt string, maxTokens int, stream bool) map[string]any {
	b := map[string]any{
		"model":      "whatever",
		"messages":   []map[string]any{{"role": "user", "content": prompt}},
		"max_tokens": maxTokens,
		"stream":     stream,
	}
	if stream {
		b["stream_options"] = map[string]any{"include_usage": true}
	}
	return b
}

// start runs a server for the test and closes it at cleanup.
func start(t *testing.T, opts Options) *Running {
	t.Helper()
	rs, err := Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(rs.Close)
	return rs
}

// mustProfile looks up a preset profile.
func mustProfile(t *testing.T, name string) Profile {
	t.Helper()
	p, err := LookupProfile(name)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// words returns a prompt of n words.
func words(n int) string {
	return strings.TrimSpace(strings.Repeat("lorem ", n))
}
