package openai

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/llmbench/llmbench/shared/sample"
	"github.com/llmbench/llmbench/shared/target"
)

// Chunks as OpenAI-compatible servers send them.
const (
	roleChunk  = `{"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"role":"assistant","content":""}}]}`
	emptyChunk = `{"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":""},"finish_reason":null}]}`
	usageChunk = `{"id":"c1","object":"chat.completion.chunk","choices":[],"usage":{"prompt_tokens":11,"completion_tokens":7,"total_tokens":18}}`
	stopChunk  = `{"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}`
)

func content(s string) string {
	return fmt.Sprintf(`{"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":%q}}],"usage":null}`, s)
}

func reasoning(field, s string) string {
	return fmt.Sprintf(`{"id":"c1","choices":[{"index":0,"delta":{%q:%q}}]}`, field, s)
}

func text(s string) string {
	return fmt.Sprintf(`{"id":"c1","object":"text_completion","choices":[{"index":0,"text":%q}]}`, s)
}

// stream answers with each event written and flushed on its own, with a
// short pause so that arrival times are distinct.
func stream(events ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		w.WriteHeader(http.StatusOK)
		for _, ev := range events {
			io.WriteString(w, ev)
			w.(http.Flusher).Flush()
			time.Sleep(2 * time.Millisecond)
		}
	}
}

// data frames payloads as SSE events.
func data(payloads ...string) []string {
	out := make([]string, len(payloads))
	for i, p := range payloads {
		out[i] = "data: " + p + "\n\n"
	}
	return out
}

// reply answers with a fixed status, content type and body.
func reply(status int, ctype, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", ctype)
		w.Header().Set("X-Backend", "node-7")
		w.WriteHeader(status)
		io.WriteString(w, body)
	}
}

func newTarget(t *testing.T, url string, mod func(*Config)) *Client {
	t.Helper()
	cfg := Config{BaseURL: url + "/v1/", Model: "m", Stream: true}
	if mod != nil {
		mod(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func do(t *testing.T, c *Client, timeout time.Duration) *sample.Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	return c.Do(ctx, target.Request{ID: "r1", Prompt: "hello there", InputTokens: 2, MaxTokens: 16})
}

// checkOrder checks the invariants of every Result's times.
func checkOrder(t *testing.T, r *sample.Result) {
	t.Helper()
	if r.Start.IsZero() || r.End.IsZero() || r.End.Before(r.Start) {
		t.Errorf("Start %v End %v", r.Start, r.End)
	}
	if !r.FirstByte.IsZero() && r.FirstByte.Before(r.Start) {
		t.Errorf("FirstByte before Start")
	}
	for i, tok := range r.Tokens {
		if tok.Before(r.FirstByte) || tok.After(r.End) || i > 0 && tok.Before(r.Tokens[i-1]) {
			t.Errorf("token %d at %v out of order", i, tok)
		}
	}
	if len(r.Tokens) > 0 && !r.FirstToken.Equal(r.Tokens[0]) {
		t.Errorf("FirstToken is not the first token time")
	}
	if (r.Status == sample.StatusOK) != (r.Err == "") {
		t.Errorf("status %s with Err %q", r.Status, r.Err)
	}
}

func TestDo(t *testing.T) {
	type want struct {
		status     sample.Status
		httpStatus int
		err        string // a substring of Err
		chunks     int
		tokens     int // len(Tokens)
		out, in    int
		source     string
		content    bool // FirstContent set
	}
	tests := []struct {
		name    string
		mod     func(*Config)
		handler http.HandlerFunc
		want    want
		check   func(*testing.T, *sample.Result)
	}{
		{
			// The usual vLLM chat stream: a role-only chunk (not a token),
			// content, a finish chunk, a usage chunk with no choices.
			name:    "chat stream with usage",
			handler: stream(data(roleChunk, content("Hi"), content(" there"), content("!"), stopChunk, usageChunk, "[DONE]")...),
			want:    want{status: sample.StatusOK, httpStatus: 200, chunks: 6, tokens: 3, out: 7, in: 11, source: "usage", content: true},
		},
		{
			// Completions API, no usage: output counted from token chunks,
			// input from the request.
			name:    "completions stream without usage",
			mod:     func(c *Config) { c.API = APICompletions },
			handler: stream(data(text("a"), text(" b"), text(""), text(" c"), "[DONE]")...),
			want:    want{status: sample.StatusOK, httpStatus: 200, chunks: 4, tokens: 3, out: 3, in: 2, source: "chunks", content: true},
		},
		{
			// Role-only and empty-content chunks are chunks, not tokens.
			name:    "role-only and empty chunks not counted",
			handler: stream(data(roleChunk, emptyChunk, content("x"), emptyChunk, "[DONE]")...),
			want:    want{status: sample.StatusOK, httpStatus: 200, chunks: 4, tokens: 1, out: 1, in: 2, source: "chunks", content: true},
		},
		{
			// Reasoning tokens set FirstToken but not FirstContent.
			name:    "reasoning before content",
			handler: stream(data(roleChunk, reasoning("reasoning_content", "hmm"), reasoning("reasoning", " so"), content("42"), "[DONE]")...),
			want:    want{status: sample.StatusOK, httpStatus: 200, chunks: 4, tokens: 3, out: 3, in: 2, source: "chunks", content: true},
			check: func(t *testing.T, r *sample.Result) {
				// Not After: under load two events can arrive in one read.
				if !r.FirstContent.Equal(r.Tokens[2]) || r.FirstContent.Before(r.FirstToken) {
					t.Errorf("FirstContent %v should be the third token, after FirstToken %v", r.FirstContent, r.FirstToken)
				}
			},
		},
		{
			// A reasoning-only answer has a first token and no content.
			name:    "reasoning only",
			handler: stream(data(reasoning("reasoning_content", "hmm"), "[DONE]")...),
			want:    want{status: sample.StatusOK, httpStatus: 200, chunks: 1, tokens: 1, out: 1, in: 2, source: "chunks"},
		},
		{
			// Comments, keep-alives, empty data lines and data-less events are
			// not chunks.
			name: "comments and keep-alives ignored",
			handler: stream(": keep-alive\n\n", "event: ping\n\n", "data:\n\n", "data: "+content("a")+"\n\n",
				":\n\n", "data:"+content("b")+"\n\n", "data: [DONE]\n\n"),
			want: want{status: sample.StatusOK, httpStatus: 200, chunks: 2, tokens: 2, out: 2, in: 2, source: "chunks", content: true},
		},
		{
			// CRLF line endings throughout.
			name:    "crlf",
			handler: stream("data: "+content("a")+"\r\n\r\n", "data: "+content("b")+"\r\n\r\n", "data: [DONE]\r\n\r\n"),
			want:    want{status: sample.StatusOK, httpStatus: 200, chunks: 2, tokens: 2, out: 2, in: 2, source: "chunks", content: true},
		},
		{
			// A server that ends with "data: [DONE]" and no blank line.
			name:    "unterminated [DONE]",
			handler: stream("data: "+content("a")+"\n\n", "data: [DONE]"),
			want:    want{status: sample.StatusOK, httpStatus: 200, chunks: 1, tokens: 1, out: 1, in: 2, source: "chunks", content: true},
		},
		{
			// Non-streaming chat with usage: one token time, the body's end.
			name:    "chat without stream",
			mod:     func(c *Config) { c.Stream = false },
			handler: reply(200, "application/json", `{"id":"x","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"Hello you"},"finish_reason":"stop"}],"usage":{"prompt_tokens":9,"completion_tokens":3}}`),
			want:    want{status: sample.StatusOK, httpStatus: 200, chunks: 1, tokens: 1, out: 3, in: 9, source: "usage", content: true},
			check: func(t *testing.T, r *sample.Result) {
				if !r.FirstToken.Equal(r.End) || !r.FirstContent.Equal(r.End) {
					t.Errorf("FirstToken/FirstContent should be the end of the body")
				}
			},
		},
		{
			// Non-streaming completions without usage: a word-count estimate.
			name:    "completions without stream or usage",
			mod:     func(c *Config) { c.Stream = false; c.API = APICompletions },
			handler: reply(200, "application/json", `{"choices":[{"index":0,"text":" one two  three\nfour"}]}`),
			want:    want{status: sample.StatusOK, httpStatus: 200, chunks: 1, tokens: 1, out: 4, in: 2, source: "chunks", content: true},
		},
		{
			// Non-streaming body without choices is a protocol error.
			name:    "no choices",
			mod:     func(c *Config) { c.Stream = false },
			handler: reply(200, "application/json", `{"id":"x","choices":[]}`),
			want:    want{status: sample.StatusProtocol, httpStatus: 200, err: "without choices", chunks: 1, in: 2, source: "chunks"},
		},
		{
			// 429 with OpenAI's error shape; the message is kept.
			name:    "429",
			handler: reply(429, "application/json", `{"error":{"message":"Rate limit reached","type":"requests","code":"rate_limit_exceeded"}}`),
			want:    want{status: sample.StatusHTTPError, httpStatus: 429, err: "HTTP 429: Rate limit reached", in: 2, source: "chunks"},
		},
		{
			// 500 with vLLM's error shape.
			name:    "500 json error",
			handler: reply(500, "application/json", `{"object":"error","message":"CUDA out of memory","type":"InternalServerError","param":null,"code":500}`),
			want:    want{status: sample.StatusHTTPError, httpStatus: 500, err: "HTTP 500: CUDA out of memory", in: 2, source: "chunks"},
		},
		{
			// A plain-text error body is quoted, whitespace collapsed.
			name:    "502 text",
			handler: reply(502, "text/html", "<html>\n  Bad   gateway\n</html>"),
			want:    want{status: sample.StatusHTTPError, httpStatus: 502, err: "HTTP 502: <html> Bad gateway </html>", in: 2, source: "chunks"},
		},
		{
			// A huge error body: the message is truncated.
			name:    "long error body",
			handler: reply(400, "text/plain", strings.Repeat("bad request ", 20000)),
			want:    want{status: sample.StatusHTTPError, httpStatus: 400, err: "HTTP 400: bad request", in: 2, source: "chunks"},
			check: func(t *testing.T, r *sample.Result) {
				if len(r.Err) > target.MaxErrLen {
					t.Errorf("Err is %d bytes", len(r.Err))
				}
			},
		},
		{
			// An error status never parses as tokens, even if the body is SSE.
			name:    "error status with sse body",
			handler: reply(503, "text/event-stream", strings.Join(data(content("a"), "[DONE]"), "")),
			want:    want{status: sample.StatusHTTPError, httpStatus: 503, err: "HTTP 503", in: 2, source: "chunks"},
		},
		{
			// A chunk that is not JSON.
			name:    "malformed chunk",
			handler: stream(data(content("a"), `{"choices":[{"delta":`, content("b"), "[DONE]")...),
			want:    want{status: sample.StatusProtocol, httpStatus: 200, err: "malformed chunk: ", chunks: 2, tokens: 1, out: 1, in: 2, source: "chunks", content: true},
		},
		{
			// vLLM's error object mid-stream: http_error with its code; the
			// tokens before it are kept.
			name:    "error object mid-stream",
			handler: stream(data(content("a"), content("b"), `{"object":"error","message":"engine died","type":"InternalServerError","code":503}`, "[DONE]")...),
			want:    want{status: sample.StatusHTTPError, httpStatus: 503, err: "error in stream: engine died", chunks: 3, tokens: 2, out: 2, in: 2, source: "chunks", content: true},
		},
		{
			// OpenAI's error shape with a non-numeric code: the response status stays.
			name:    "error object with string code",
			handler: stream(data(`{"error":{"message":"overloaded","type":"server_error","code":"busy"}}`)...),
			want:    want{status: sample.StatusHTTPError, httpStatus: 200, err: "error in stream: overloaded", chunks: 1, in: 2, source: "chunks"},
		},
		{
			// A stream request answered with plain JSON holding an error.
			name:    "json error instead of stream",
			handler: reply(200, "application/json", `{"error":"Input validation error: max_tokens too large","error_type":"validation"}`),
			want:    want{status: sample.StatusHTTPError, httpStatus: 200, err: "error in response: Input validation error", in: 2, source: "chunks"},
		},
		{
			// A stream request answered with a whole completion.
			name:    "json answer instead of stream",
			handler: reply(200, "application/json", `{"choices":[{"message":{"content":"hi"}}]}`),
			want:    want{status: sample.StatusProtocol, httpStatus: 200, err: "stream requested", chunks: 1, tokens: 1, out: 1, in: 2, source: "chunks", content: true},
		},
		{
			// The server ends the response without [DONE].
			name:    "no [DONE]",
			handler: stream(data(content("a"), content("b"))...),
			want:    want{status: sample.StatusProtocol, httpStatus: 200, err: "stream ended before [DONE] after 2 chunks", chunks: 2, tokens: 2, out: 2, in: 2, source: "chunks", content: true},
		},
		{
			// Captured response headers, multi-valued ones joined.
			name: "captured headers",
			mod:  func(c *Config) { c.CaptureHeaders = []string{"x-backend", "X-Multi", "X-Absent"} },
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("X-Backend", "node-3")
				w.Header().Add("X-Multi", "a")
				w.Header().Add("X-Multi", "b")
				stream(data(content("a"), "[DONE]")...)(w, r)
			},
			want: want{status: sample.StatusOK, httpStatus: 200, chunks: 1, tokens: 1, out: 1, in: 2, source: "chunks", content: true},
			check: func(t *testing.T, r *sample.Result) {
				if fmt.Sprint(r.Headers) != "map[X-Multi:a, b x-backend:node-3]" {
					t.Errorf("Headers = %v", r.Headers)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(tt.handler)
			defer srv.Close()
			r := do(t, newTarget(t, srv.URL, tt.mod), 5*time.Second)
			checkOrder(t, r)
			w := tt.want
			if r.Status != w.status || r.HTTPStatus != w.httpStatus || !strings.Contains(r.Err, w.err) {
				t.Errorf("status %s %d %q, want %s %d %q", r.Status, r.HTTPStatus, r.Err, w.status, w.httpStatus, w.err)
			}
			if r.Chunks != w.chunks || len(r.Tokens) != w.tokens || r.OutputTokens != w.out || r.InputTokens != w.in || r.TokenSource != w.source {
				t.Errorf("chunks %d tokens %d out %d in %d source %s; want %d %d %d %d %s",
					r.Chunks, len(r.Tokens), r.OutputTokens, r.InputTokens, r.TokenSource, w.chunks, w.tokens, w.out, w.in, w.source)
			}
			if (w.tokens > 0) == r.FirstToken.IsZero() || w.content == r.FirstContent.IsZero() {
				t.Errorf("FirstToken %v FirstContent %v", r.FirstToken, r.FirstContent)
			}
			if r.FirstByte.IsZero() || r.Bytes == 0 {
				t.Errorf("FirstByte %v Bytes %d", r.FirstByte, r.Bytes)
			}
			if tt.check != nil {
				tt.check(t, r)
			}
		})
	}
}

// TestRequestBody checks what is sent, for each API and mode.
func TestRequestBody(t *testing.T) {
	tests := []struct {
		name string
		mod  func(*Config)
		want string // the body, re-encoded with sorted keys
	}{
		// Chat, streaming: usage requested; no generation parameter set, none
		// sent (params_test.go sends them).
		{"chat stream", nil,
			`{"max_tokens":16,"messages":[{"content":"hello there","role":"user"}],"model":"m","stream":true,"stream_options":{"include_usage":true}}`},
		// Completions, not streaming.
		{"completions", func(c *Config) { c.API = APICompletions; c.Stream = false },
			`{"max_tokens":16,"model":"m","prompt":"hello there","stream":false}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var (
				mu     sync.Mutex
				body   string
				path   string
				header http.Header
			)
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				var v any
				json.NewDecoder(r.Body).Decode(&v)
				b, _ := json.Marshal(v) // maps marshal with sorted keys
				mu.Lock()
				body, path, header = string(b), r.URL.Path, r.Header.Clone()
				mu.Unlock()
				w.WriteHeader(500)
			}))
			defer srv.Close()
			c := newTarget(t, srv.URL, func(c *Config) {
				c.Headers = map[string]string{"Authorization": "Bearer k", "X-Extra": "1"}
				if tt.mod != nil {
					tt.mod(c)
				}
			})
			do(t, c, 5*time.Second)
			mu.Lock()
			defer mu.Unlock()
			if body != tt.want {
				t.Errorf("body\n got %s\nwant %s", body, tt.want)
			}
			wantPath := "/v1/chat/completions"
			if c.cfg.API == APICompletions {
				wantPath = "/v1/completions"
			}
			if path != wantPath {
				t.Errorf("path %s, want %s", path, wantPath)
			}
			if header.Get("X-Request-Id") != "r1" || header.Get("Authorization") != "Bearer k" || header.Get("X-Extra") != "1" ||
				header.Get("Content-Type") != "application/json" || header.Get("Accept-Encoding") != "identity" {
				t.Errorf("headers %v", header)
			}
		})
	}
}

// TestStampIsLastByte writes one event a byte at a time, with pauses, and
// checks that its token is stamped when the last byte arrived, not the first.
func TestStampIsLastByte(t *testing.T) {
	const pause = 3 * time.Millisecond
	var (
		mu        sync.Mutex
		firstSent time.Time
		lastSent  time.Time
	)
	event := "data: " + content("x") + "\n\n"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		f := w.(http.Flusher)
		f.Flush()
		for i := 0; i < len(event); i++ {
			now := time.Now()
			mu.Lock()
			if i == 0 {
				firstSent = now
			}
			lastSent = now
			mu.Unlock()
			io.WriteString(w, event[i:i+1])
			f.Flush()
			time.Sleep(pause)
		}
		io.WriteString(w, "data: [DONE]\n\n")
	}))
	defer srv.Close()
	r := do(t, newTarget(t, srv.URL, nil), 5*time.Second)
	if r.Status != sample.StatusOK || len(r.Tokens) != 1 {
		t.Fatalf("status %s %q, %d tokens", r.Status, r.Err, len(r.Tokens))
	}
	mu.Lock()
	defer mu.Unlock()
	if r.Tokens[0].Before(lastSent) {
		t.Errorf("token stamped %v before its last byte was sent", lastSent.Sub(r.Tokens[0]))
	}
	// The event took (len-1) pauses to send: the stamp must show it.
	if spread := r.Tokens[0].Sub(firstSent); spread < time.Duration(len(event)-1)*pause {
		t.Errorf("token stamped %v after the first byte was sent, want >= %v", spread, time.Duration(len(event)-1)*pause)
	}
}

// A port that was listening and is now closed refuses the connection.
func TestConnectionRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	r := do(t, newTarget(t, "http://"+addr, nil), 5*time.Second)
	checkOrder(t, r)
	if r.Status != sample.StatusTransport || !strings.Contains(r.Err, "refused") || !r.FirstByte.IsZero() || r.HTTPStatus != 0 {
		t.Errorf("status %s %d %q, FirstByte %v", r.Status, r.HTTPStatus, r.Err, r.FirstByte)
	}
}

// hijacked answers with raw bytes on the connection, then closes it.
func hijacked(raw ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		conn, buf, err := w.(http.Hijacker).Hijack()
		if err != nil {
			panic(err)
		}
		defer conn.Close()
		for _, s := range raw {
			buf.WriteString(s)
			buf.Flush()
			time.Sleep(2 * time.Millisecond)
		}
	}
}

func chunked(s string) string { return fmt.Sprintf("%x\r\n%s\r\n", len(s), s) }

// The connection is closed in the middle of a stream.
func TestStreamCut(t *testing.T) {
	ev1, ev2 := "data: "+content("a")+"\n\n", "data: "+content("b")+"\n\n"
	tests := []struct {
		name     string
		handler  http.HandlerFunc
		err      string
		cutShort bool
	}{
		// Chunked encoding cut inside a chunk: the body read fails with
		// unexpected EOF, a broken stream.
		{"chunked", hijacked("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n",
			chunked(ev1), chunked(ev2), "40\r\ndata: {\"choi"),
			`stream broken after 2 chunks (238 bytes): unexpected EOF, no finish_reason; cut in the middle of an event: {"choi`, false},
		// A close-delimited body cut in the middle of a chunk: a clean EOF,
		// the server's own end; the half chunk is a cut, not a malformed chunk.
		{"close-delimited", hijacked("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n",
			ev1, ev2, "data: {\"choi"),
			`stream ended before [DONE] after 2 chunks (238 bytes), no finish_reason; cut in the middle of an event: {"choi`, true},
		// The chunked encoding's clean end after whole events (Ollama, now
		// and then): cut short, with the last event quoted.
		{"chunked clean end", hijacked("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n",
			chunked(ev1), chunked(ev2), "0\r\n\r\n"),
			`stream ended before [DONE] after 2 chunks (226 bytes), no finish_reason; last event: {…,"choices":[{"index":0,"delta":{"content":"b"}}],"usage":null}`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(tt.handler)
			defer srv.Close()
			r := do(t, newTarget(t, srv.URL, nil), 5*time.Second)
			checkOrder(t, r)
			if r.Status != sample.StatusProtocol || r.Err != tt.err || len(r.Tokens) != 2 || r.OutputTokens != 2 || r.CutShort != tt.cutShort {
				t.Errorf("status %s %q, %d tokens, cut short %v", r.Status, r.Err, len(r.Tokens), r.CutShort)
			}
		})
	}
}

// stall sends a role chunk and one token, then waits without a byte until
// the client gives up (or a guard expires, so the server can close).
func stall() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body) // the server notices a client gone only once the body is read
		stream(data(roleChunk, content("a"))...)(w, r)
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	}
}

// A stall past the request's deadline: timeout, with what was measured
// before it kept.
func TestTimeout(t *testing.T) {
	srv := httptest.NewServer(stall())
	defer srv.Close()
	const timeout = 300 * time.Millisecond
	r := do(t, newTarget(t, srv.URL, nil), timeout)
	checkOrder(t, r)
	if r.Status != sample.StatusTimeout || !strings.Contains(r.Err, "timed out after 2 chunks") {
		t.Fatalf("status %s %q", r.Status, r.Err)
	}
	if r.FirstToken.IsZero() || len(r.Tokens) != 1 || r.Chunks != 2 || r.FirstByte.IsZero() {
		t.Errorf("measurements lost: FirstToken %v, %d tokens, %d chunks", r.FirstToken, len(r.Tokens), r.Chunks)
	}
	if e := r.End.Sub(r.Start); e < timeout || e > timeout+3*time.Second {
		t.Errorf("End %v after Start, want about %v", e, timeout)
	}
}

// A deadline before the response headers.
func TestTimeoutBeforeResponse(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body) // the server notices a client gone only once the body is read
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	}))
	defer srv.Close()
	r := do(t, newTarget(t, srv.URL, nil), 100*time.Millisecond)
	checkOrder(t, r)
	if r.Status != sample.StatusTimeout || !r.FirstByte.IsZero() || r.Err != "timed out before the response" {
		t.Errorf("status %s %q", r.Status, r.Err)
	}
}

// signalBody closes seen once the response body has delivered marker.
type signalBody struct {
	io.ReadCloser
	marker string
	seen   chan struct{}
	got    strings.Builder
}

func (b *signalBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if b.seen != nil {
		b.got.Write(p[:n])
		if strings.Contains(b.got.String(), b.marker) {
			close(b.seen)
			b.seen = nil
		}
	}
	return n, err
}

type signalTransport struct {
	http.RoundTripper
	marker string
	seen   chan struct{}
}

func (t *signalTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := t.RoundTripper.RoundTrip(r)
	if err == nil {
		resp.Body = &signalBody{ReadCloser: resp.Body, marker: t.marker, seen: t.seen}
	}
	return resp, err
}

// Canceling the context (an interrupted run) mid-stream: canceled, with the
// token read before kept. The cancel waits until the client has read the
// token's bytes, so the test does not depend on scheduling.
func TestCancel(t *testing.T) {
	srv := httptest.NewServer(stall())
	defer srv.Close()
	seen := make(chan struct{})
	hc := target.NewHTTPClient(1)
	hc.Transport = &signalTransport{RoundTripper: hc.Transport, marker: `"content":"a"}}]`, seen: seen}
	c := newTarget(t, srv.URL, func(c *Config) { c.Client = hc })
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		select {
		case <-seen:
		case <-time.After(5 * time.Second):
		}
		cancel()
	}()
	r := c.Do(ctx, target.Request{Prompt: "p", MaxTokens: 4})
	checkOrder(t, r)
	if r.Status != sample.StatusCanceled || len(r.Tokens) != 1 || r.Err != "canceled after 2 chunks" {
		t.Errorf("status %s %q, %d tokens", r.Status, r.Err, len(r.Tokens))
	}
}

// The second request reuses the first one's connection, and says so.
func TestConnReuse(t *testing.T) {
	srv := httptest.NewServer(stream(data(content("a"), "[DONE]")...))
	defer srv.Close()
	c := newTarget(t, srv.URL, func(c *Config) { c.Client = target.NewHTTPClient(4) })
	first := do(t, c, 5*time.Second)
	second := do(t, c, 5*time.Second)
	if first.Status != sample.StatusOK || second.Status != sample.StatusOK {
		t.Fatalf("statuses %s %s", first.Status, second.Status)
	}
	if first.ConnReused || first.Connect <= 0 {
		t.Errorf("first: reused %v connect %v", first.ConnReused, first.Connect)
	}
	if !second.ConnReused || second.Connect != 0 {
		t.Errorf("second: reused %v connect %v", second.ConnReused, second.Connect)
	}
}

// Header values are secrets: not in Err, even when the server echoes them,
// not in Describe, not in construction errors.
func TestSecretNotInErrors(t *testing.T) {
	const key = "sk-live-0123456789abcdef"
	headers := map[string]string{"Authorization": "Bearer " + key, "X-Api-Key": "k2-" + key}
	echo := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(401)
		fmt.Fprintf(w, `{"error":{"message":"Incorrect API key provided: %s (%s)","code":"invalid_api_key"}}`,
			r.Header.Get("Authorization"), r.Header.Get("X-Api-Key"))
	})
	srv := httptest.NewServer(echo)
	defer srv.Close()
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	refused := "http://" + ln.Addr().String()
	ln.Close()

	var errs []string
	for _, base := range []string{srv.URL, refused} {
		c := newTarget(t, base, func(c *Config) { c.Headers = headers })
		r := do(t, c, 5*time.Second)
		errs = append(errs, r.Err, c.Describe(), fmt.Sprintf("%+v", c.cfg))
	}
	_, err := New(Config{BaseURL: srv.URL, Model: "m", Headers: map[string]string{"Authorization": key + "\n"}})
	errs = append(errs, fmt.Sprint(err))
	_, err = New(Config{BaseURL: "http://user:" + key + "@127.0.0.1:1/v1?api-key=" + key, API: "bad", Model: "m"})
	errs = append(errs, fmt.Sprint(err))
	_, err = New(Config{BaseURL: "ftp://user:" + key + "@127.0.0.1:1/v1?api-key=" + key, Model: "m"})
	errs = append(errs, fmt.Sprint(err))
	for _, e := range errs {
		if strings.Contains(e, key) || strings.Contains(e, key[:12]) {
			t.Errorf("secret leaked: %s", e)
		}
	}
	if !strings.Contains(errs[0], "Incorrect API key provided: [REDACTED]") {
		t.Errorf("server message lost: %s", errs[0])
	}
}

func TestNew(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		err  string // "" for valid
		desc string
	}{
		// The minimal config: chat by default, trailing slash dropped.
		{"minimal", Config{BaseURL: "http://127.0.0.1:8000/v1/", Model: "m", Stream: true}, "",
			"openai http://127.0.0.1:8000/v1 chat model=m stream"},
		// Completions without streaming; a query secret is hidden.
		{"completions", Config{BaseURL: "https://h.example/openai?api-key=x", API: "completions", Model: "m"}, "",
			"openai https://h.example/openai?… completions model=m nostream"},
		{"no scheme", Config{BaseURL: "127.0.0.1:8000", Model: "m"}, "base URL", ""},
		{"no host", Config{BaseURL: "http:///v1", Model: "m"}, "with a host", ""},
		{"bad api", Config{BaseURL: "http://h/v1", API: "responses", Model: "m"}, "api must be", ""},
		{"no model", Config{BaseURL: "http://h/v1"}, "model is required", ""},
		{"bad header name", Config{BaseURL: "http://h/v1", Model: "m", Headers: map[string]string{"Bad Name": "v"}}, "header name", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := New(tt.cfg)
			if tt.err == "" {
				if err != nil {
					t.Fatal(err)
				}
				if c.Describe() != tt.desc {
					t.Errorf("Describe() = %q, want %q", c.Describe(), tt.desc)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.err) || !strings.HasPrefix(err.Error(), "openai: ") {
				t.Errorf("err = %v, want %q", err, tt.err)
			}
		})
	}
}

// memBody is an in-memory SSE body, delivered in reads of one event each
// as a socket would.
type memBody struct {
	events [][]byte
	i      int
}

func (m *memBody) Read(p []byte) (int, error) {
	if m.i == len(m.events) {
		return 0, io.EOF
	}
	n := copy(p, m.events[m.i])
	m.i++
	return n, nil
}

// BenchmarkStreamParse measures the client's CPU per chunk: SSE decoding,
// JSON parsing and bookkeeping over an in-memory body of 1,000 chunks.
func BenchmarkStreamParse(b *testing.B) { benchStreamParse(b, false) }

// BenchmarkStreamParseKeepText is BenchmarkStreamParse keeping the text
// (Request.KeepText), as a multi-turn session asks.
func BenchmarkStreamParseKeepText(b *testing.B) { benchStreamParse(b, true) }

func benchStreamParse(b *testing.B, keepText bool) {
	const n = 1000
	events := make([][]byte, 0, n+2)
	events = append(events, []byte("data: "+roleChunk+"\n\n"))
	for i := 0; i < n-2; i++ {
		events = append(events, []byte("data: "+content(" tok")+"\n\n"))
	}
	events = append(events, []byte("data: "+usageChunk+"\n\n"), []byte("data: [DONE]\n\n"))
	c, err := New(Config{BaseURL: "http://127.0.0.1:1/v1", Model: "m", Stream: true})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ReportAllocs()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	body := &memBody{events: events}
	wire := &countReader{r: body} // as Do wraps the body; reused, so that only readStream's allocations count
	for b.Loop() {
		// As Do prepares it for a stream with a large max_tokens.
		res := target.NewResult(target.Request{MaxTokens: 1 << 20}, true)
		body.i = 0
		*wire = countReader{r: body}
		if !c.readStream(ctx, wire, wire, "text/event-stream", keepText, res) || res.Chunks != n || keepText != (len(res.Text) == 4*(n-2)) {
			b.Fatalf("status %s %q, %d chunks", res.Status, res.Err, res.Chunks)
		}
	}
	runtime.ReadMemStats(&after)
	chunks := float64(b.N * n)
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/chunks, "ns/chunk")
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/chunks, "allocs/chunk")
}
