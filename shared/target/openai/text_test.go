package openai

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/llmbench/llmbench/shared/sample"
	"github.com/llmbench/llmbench/shared/target"
)

// escaped is a visible text with every kind of escape a server writes;
// escapedJSON is how it is sent (%q would write Go's escapes, not JSON's).
const (
	escaped     = "line\n\"quoted\" café 😀"
	escapedJSON = `"line\n\"quoted\" caf\u00e9 \ud83d\ude00"`
)

// TestKeepText: with Request.KeepText the answer's visible text, decoded,
// is in Result.Text, streamed or whole, chat or completions; reasoning is
// not part of it; without KeepText Text stays empty; a stream cut short
// keeps what came.
func TestKeepText(t *testing.T) {
	tests := []struct {
		name    string
		mod     func(*Config)
		handler http.HandlerFunc
		keep    bool
		status  sample.Status
		want    string
	}{
		// a chat stream: the deltas joined, the role and usage chunks adding nothing
		{"chat stream", nil,
			stream(data(roleChunk, content("Hi"), content(" there"), `{"choices":[{"index":0,"delta":{"content":`+escapedJSON+`}}]}`, stopChunk, usageChunk, "[DONE]")...),
			true, sample.StatusOK, "Hi there" + escaped},
		// a completions stream: the texts joined
		{"completions stream", func(c *Config) { c.API = APICompletions },
			stream(data(text("Once"), text(" upon"), `{"choices":[{"index":0,"text":`+escapedJSON+`,"finish_reason":"length"}]}`, "[DONE]")...),
			true, sample.StatusOK, "Once upon" + escaped},
		// reasoning, in either field, is not visible text
		{"reasoning stream", nil,
			stream(data(roleChunk, reasoning("reasoning_content", "hmm"), reasoning("reasoning", "so"), content("Yes"), stopChunk, "[DONE]")...),
			true, sample.StatusOK, "Yes"},
		// without KeepText nothing is kept
		{"stream not kept", nil, stream(data(roleChunk, content("Hi"), stopChunk, "[DONE]")...), false, sample.StatusOK, ""},
		// a stream that ends before [DONE]: the text received so far
		{"stream cut short", nil, stream(data(roleChunk, content("Hi"), content(" th"))...), true, sample.StatusProtocol, "Hi th"},
		// a connection cut in the middle of an event: the whole events before it
		{"stream broken", nil,
			hijacked("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n",
				chunked("data: "+content("a")+"\n\n"), chunked("data: "+content("b")+"\n\n"), "40\r\ndata: {\"choi"),
			true, sample.StatusProtocol, "ab"},
		// an error object mid-stream: the text before it
		{"stream error", nil, stream(data(content("a"), `{"error":{"message":"boom","code":500}}`)...), true, sample.StatusHTTPError, "a"},
		// a whole chat answer: message.content, not its reasoning
		{"chat whole", func(c *Config) { c.Stream = false },
			reply(200, "application/json", `{"choices":[{"index":0,"message":{"role":"assistant","reasoning_content":"hmm","content":`+escapedJSON+`},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":4}}`),
			true, sample.StatusOK, escaped},
		// a whole completions answer: the text
		{"completions whole", func(c *Config) { c.Stream = false; c.API = APICompletions },
			reply(200, "application/json", `{"choices":[{"index":0,"text":`+escapedJSON+`,"finish_reason":"length"}]}`),
			true, sample.StatusOK, escaped},
		// a whole answer without KeepText
		{"whole not kept", func(c *Config) { c.Stream = false },
			reply(200, "application/json", `{"choices":[{"message":{"content":"hi"}}]}`), false, sample.StatusOK, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(tt.handler)
			defer srv.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			r := newTarget(t, srv.URL, tt.mod).Do(ctx, target.Request{Prompt: "p", MaxTokens: 16, KeepText: tt.keep})
			checkOrder(t, r)
			if r.Status != tt.status || r.Text != tt.want {
				t.Errorf("status %s %q, text %q; want %s, %q", r.Status, r.Err, r.Text, tt.status, tt.want)
			}
		})
	}
}
