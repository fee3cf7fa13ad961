package sagemaker

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws/protocol/eventstream"

	"github.com/llmbench/llmbench/shared/sample"
	"github.com/llmbench/llmbench/shared/target"
)

// escaped is a visible text with every kind of escape a container writes;
// escapedJSON is how it is sent (%q would write Go's escapes, not JSON's).
const (
	escaped     = "line\n\"quoted\" café 😀"
	escapedJSON = `"line\n\"quoted\" caf\u00e9 \ud83d\ude00"`
)

// answerServer answers InvokeEndpointWithResponseStream on endpoint e
// with the PayloadParts parts[e], each its own frame, flushed, and
// InvokeEndpoint with the body wholes[e].
func answerServer(t *testing.T, parts map[string][]string, wholes map[string]string) string {
	t.Helper()
	enc := eventstream.NewEncoder()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		name, op, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/endpoints/"), "/")
		if op == "invocations" {
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, wholes[name])
			return
		}
		w.Header().Set("Content-Type", "application/vnd.amazon.eventstream")
		w.WriteHeader(http.StatusOK)
		for _, p := range parts[name] {
			var frame bytes.Buffer
			err := enc.Encode(&frame, eventstream.Message{Headers: eventstream.Headers{
				{Name: ":message-type", Value: eventstream.StringValue("event")},
				{Name: ":event-type", Value: eventstream.StringValue("PayloadPart")},
				{Name: ":content-type", Value: eventstream.StringValue("application/octet-stream")},
			}, Payload: []byte(p)})
			if err != nil {
				panic(err)
			}
			w.Write(frame.Bytes())
			w.(http.Flusher).Flush()
		}
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestKeepText: with Request.KeepText the answer's visible text, decoded,
// is in Result.Text, in every format, streamed (through the SDK's event
// stream) or whole; reasoning, special tokens and the final line's
// generated_text are not added; without KeepText Text stays empty; a
// stream cut short keeps what came.
func TestKeepText(t *testing.T) {
	escapedLMI := `{"token":{"id":3,"text":` + escapedJSON + `,"log_prob":-0.1}}`
	tests := []struct {
		name   string
		format string
		parts  []string // streamed when set, else whole is the body
		whole  string
		keep   bool
		status sample.Status
		want   string
	}{
		// chat: the deltas joined; the role, finish and usage chunks add nothing
		{name: "chat stream", format: FormatChat,
			parts: []string{lines("\n", chatRole, chatContent("Hi"), `{"choices":[{"index":0,"delta":{"content":`+escapedJSON+`}}]}`, chatFinish, chatUsage, "[DONE]")},
			keep:  true, status: sample.StatusOK, want: "Hi" + escaped},
		// chat: reasoning is not visible text
		{name: "chat reasoning", format: FormatChat,
			parts: []string{lines("\n", chatRole, `{"choices":[{"delta":{"reasoning_content":"hmm"}}]}`, `{"choices":[{"delta":{"reasoning":"so"}}]}`, chatContent("Yes"), chatFinish, "[DONE]")},
			keep:  true, status: sample.StatusOK, want: "Yes"},
		// lmi: the tokens' texts, the final line's token included, its generated_text not
		{name: "lmi stream", format: FormatLMI,
			parts: []string{lines("\n", lmiToken(1, "A"), escapedLMI, lmiFinal(4, "B", 3))},
			keep:  true, status: sample.StatusOK, want: "A" + escaped + "B"},
		// lmi: a line, and an escape, cut across parts
		{name: "lmi split parts", format: FormatLMI,
			parts: []string{lmiToken(1, "A") + "\n" + escapedLMI[:30], escapedLMI[30:] + "\n", lmiFinal(4, "B", 3) + "\n"},
			keep:  true, status: sample.StatusOK, want: "A" + escaped + "B"},
		// lmi: a special token is not visible text
		{name: "lmi special", format: FormatLMI,
			parts: []string{lines("\n", lmiToken(1, "A"), `{"token":{"id":2,"text":"<|eot|>","special_token":true}}`, `{"token":{"id":3,"text":"C"},"generated_text":"AC","details":{"generated_tokens":3}}`)},
			keep:  true, status: sample.StatusOK, want: "AC"},
		// tgi: data: lines; the final special token is not visible text
		{name: "tgi stream", format: FormatTGI,
			parts: []string{lines("\n\n", tgiToken(1, "A"), `data:{"index":2,"token":{"id":2,"text":`+escapedJSON+`,"logprob":-0.1,"special":false},"generated_text":null,"details":null}`, tgiFinal(3, "</s>", 3))},
			keep:  true, status: sample.StatusOK, want: "A" + escaped},
		// without KeepText nothing is kept
		{name: "stream not kept", format: FormatLMI,
			parts:  []string{lines("\n", lmiToken(1, "A"), lmiFinal(2, "B", 2))},
			status: sample.StatusOK, want: ""},
		// a stream that ends before its final line: the text received so far
		{name: "stream cut short", format: FormatLMI,
			parts: []string{lines("\n", lmiToken(1, "A"), lmiToken(2, "B"))},
			keep:  true, status: sample.StatusProtocol, want: "AB"},
		// an error line: the text before it, not the error token's
		{name: "stream error line", format: FormatLMI,
			parts: []string{lines("\n", lmiToken(1, "A"), `{"token":{"id":-1,"text":"oops"},"generated_text":"OOM","details":{"finish_reason":"error"}}`)},
			keep:  true, status: sample.StatusHTTPError, want: "A"},
		// whole chat: message.content, not its reasoning
		{name: "chat whole", format: FormatChat,
			whole: `{"choices":[{"index":0,"message":{"role":"assistant","reasoning_content":"hmm","content":` + escapedJSON + `},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":4}}`,
			keep:  true, status: sample.StatusOK, want: escaped},
		// whole lmi: generated_text
		{name: "lmi whole", format: FormatLMI, whole: `{"generated_text":` + escapedJSON + `}`,
			keep: true, status: sample.StatusOK, want: escaped},
		// whole tgi: the list's generated_text
		{name: "tgi whole", format: FormatTGI,
			whole: `[{"generated_text":` + escapedJSON + `,"details":{"finish_reason":"length","generated_tokens":4}}]`,
			keep:  true, status: sample.StatusOK, want: escaped},
		// a whole answer without KeepText
		{name: "whole not kept", format: FormatLMI, whole: `{"generated_text":"a b"}`, status: sample.StatusOK, want: ""},
	}
	parts, wholes := map[string][]string{}, map[string]string{}
	for i, tc := range tests {
		name := "e" + string(rune('a'+i))
		parts[name], wholes[name] = tc.parts, tc.whole
	}
	api := newAPI(answerServer(t, parts, wholes))
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tg := newTarget(t, api, Config{Endpoint: "e" + string(rune('a'+i)), Format: tc.format, Stream: tc.parts != nil})
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			res := tg.Do(ctx, target.Request{Prompt: "p", MaxTokens: 8, KeepText: tc.keep})
			if res.Status != tc.status || res.Text != tc.want {
				t.Errorf("status %s %q, text %q; want %s, %q", res.Status, res.Err, res.Text, tc.status, tc.want)
			}
		})
	}
}
