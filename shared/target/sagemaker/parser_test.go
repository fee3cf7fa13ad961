package sagemaker

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sagemakerruntime/types"
	smithy "github.com/aws/smithy-go"

	"github.com/llmbench/llmbench/shared/sample"
	"github.com/llmbench/llmbench/shared/target"
)

// Lines as the containers send them.
const (
	chatRole   = `{"id":"c","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}`
	chatUsage  = `{"id":"c","object":"chat.completion.chunk","choices":[],"usage":{"prompt_tokens":11,"completion_tokens":7,"total_tokens":18}}`
	chatFinish = `{"id":"c","object":"chat.completion.chunk","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}`
)

func chatContent(s string) string {
	return fmt.Sprintf(`{"id":"c","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":%q},"finish_reason":null}]}`, s)
}

func lmiToken(id int, s string) string {
	return fmt.Sprintf(`{"token":{"id":%d,"text":%q,"log_prob":-0.05}}`, id, s)
}

func lmiFinal(id int, s string, n int) string {
	return fmt.Sprintf(`{"token":{"id":%d,"text":%q,"log_prob":-0.05},"generated_text":"all","details":{"finish_reason":"length","generated_tokens":%d,"inputs":"p"}}`, id, s, n)
}

func tgiToken(id int, s string) string {
	return fmt.Sprintf(`data:{"index":%d,"token":{"id":%d,"text":%q,"logprob":-0.1,"special":false},"generated_text":null,"details":null}`, id, id, s)
}

func tgiFinal(id int, s string, n int) string {
	return fmt.Sprintf(`data:{"index":%d,"token":{"id":%d,"text":%q,"logprob":-0.1,"special":true},"generated_text":"all","details":{"finish_reason":"eos_token","generated_tokens":%d,"input_length":5,"seed":null}}`, id, id, s, n)
}

// lines joins lines with terminator after each.
func lines(term string, ls ...string) string { return strings.Join(ls, term) + term }

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// partTime is the arrival time of part i in the parser tests.
func partTime(i int) time.Time { return t0.Add(time.Duration(i+1) * time.Millisecond) }

// parseParts runs the parser over parts, part i arriving at partTime(i),
// and settles the result with streamErr. The text is kept (Result.Text).
func parseParts(ctx context.Context, parts []string, streamErr error) *sample.Result {
	return parsePartsKeep(ctx, parts, streamErr, true)
}

// parsePartsKeep is parseParts keeping the text or not.
func parsePartsKeep(ctx context.Context, parts []string, streamErr error, keepText bool) *sample.Result {
	res := &sample.Result{Start: t0, InputTokens: 3, TokenSource: sample.TokensFromChunks}
	p := newLineParser(res, keepText)
	for i, part := range parts {
		p.feed([]byte(part), partTime(i))
		if p.failStatus != "" {
			p.settle(ctx, nil, partTime(i))
			return res
		}
	}
	p.end()
	p.settle(ctx, streamErr, partTime(len(parts)))
	return res
}

func TestLineParser(t *testing.T) {
	type want struct {
		status       sample.Status
		http         int    // expected HTTPStatus (0: untouched)
		err          string // substring of Err
		chunks       int
		tokens       []int // the part index each token-bearing line was stamped with
		firstContent int   // part index of the first visible content; -1 for none
		out, in      int
		source       string
	}
	cases := []struct {
		name  string
		parts []string
		err   error // the stream's Err after its channel closed
		want  want
	}{
		// chat, one line per part: the role line is a chunk but not a token;
		// usage gives the counts; [DONE] ends and is not a chunk.
		{"chat per line", []string{chatRole + "\n", chatContent("Hi") + "\n", chatContent(" there") + "\n", chatFinish + "\n", chatUsage + "\n", "[DONE]\n"}, nil,
			want{sample.StatusOK, 0, "", 5, []int{1, 2}, 1, 7, 11, sample.TokensFromUsage}},
		// chat as vLLM SSE (data: with a space, blank-line separated) all in
		// one part: every line is stamped with that part.
		{"chat sse merged", []string{lines("\n\n", "data: "+chatRole, "data: "+chatContent("a"), "data: "+chatContent("b"), "data: [DONE]")}, nil,
			want{sample.StatusOK, 0, "", 3, []int{0, 0}, 0, 2, 3, sample.TokensFromChunks}},
		// A line split across three parts is stamped with the part that
		// completes it.
		{"chat split line", []string{chatContent("x")[:10], chatContent("x")[10:30], chatContent("x")[30:] + "\n" + chatFinish[:5], chatFinish[5:] + "\n"}, nil,
			want{sample.StatusOK, 0, "", 2, []int{2}, 2, 1, 3, sample.TokensFromChunks}},
		// finish_reason without [DONE] and without usage ends a chat stream.
		{"chat finish no done", []string{chatContent("a") + "\n", chatFinish + "\n"}, nil,
			want{sample.StatusOK, 0, "", 2, []int{0}, 0, 1, 3, sample.TokensFromChunks}},
		// Reasoning is a token but not visible content.
		{"chat reasoning", []string{`{"choices":[{"delta":{"reasoning_content":"hm"}}]}` + "\n", chatContent("a") + "\n", "[DONE]\n"}, nil,
			want{sample.StatusOK, 0, "", 2, []int{0, 1}, 1, 2, 3, sample.TokensFromChunks}},
		// LMI JSON lines: the final line carries the last token and details.
		{"lmi", []string{lmiToken(1, "A") + "\n", lmiToken(2, " b") + "\n", lmiFinal(3, " c", 3) + "\n"}, nil,
			want{sample.StatusOK, 0, "", 3, []int{0, 1, 2}, 0, 3, 3, sample.TokensFromUsage}},
		// LMI v17 TGI-like chunks use "logprob", carry input_length, end
		// with [DONE].
		{"lmi v17", []string{`{"index":0,"token":{"id":5,"text":"A","logprob":-0.1},"generated_text":null,"details":null}` + "\n",
			`{"index":1,"token":{"id":6,"text":"B","logprob":-0.1},"generated_text":"AB","details":{"finish_reason":"length","generated_tokens":2,"input_length":9}}` + "\n", "[DONE]\n"}, nil,
			want{sample.StatusOK, 0, "", 2, []int{0, 1}, 0, 2, 9, sample.TokensFromUsage}},
		// LMI with the SSE output formatter: "data:" prefix, no space.
		{"lmi sse", []string{"data:" + lmiToken(1, "A") + "\n\n", "data:" + lmiFinal(2, "B", 2) + "\n\n"}, nil,
			want{sample.StatusOK, 0, "", 2, []int{0, 1}, 0, 2, 3, sample.TokensFromUsage}},
		// TGI: the final token is special (a token, not content); its
		// details give the counts, input_length included.
		{"tgi", []string{tgiToken(1, "A") + "\n\n", tgiToken(2, " b") + "\n\n", tgiFinal(3, "</s>", 3) + "\n\n"}, nil,
			want{sample.StatusOK, 0, "", 3, []int{0, 1, 2}, 0, 3, 5, sample.TokensFromUsage}},
		// Several lines in one part, the last one split into the next part.
		{"tgi merged and split", []string{tgiToken(1, "A") + "\n\n" + tgiToken(2, "B") + "\n\n" + tgiFinal(3, "C", 3)[:20], tgiFinal(3, "C", 3)[20:] + "\n\n"}, nil,
			want{sample.StatusOK, 0, "", 3, []int{0, 0, 1}, 0, 3, 5, sample.TokensFromUsage}},
		// Comments, blank lines, SSE fields and keep-alive "data:" are
		// skipped, \r\n is accepted.
		{"noise", []string{": ping\r\n\r\nevent: message\r\nid: 7\r\ndata:\r\n", lmiFinal(1, "A", 1) + "\r\n"}, nil,
			want{sample.StatusOK, 0, "", 1, []int{1}, 1, 1, 3, sample.TokensFromUsage}},
		// The last line may lack its newline.
		{"unterminated final", []string{lmiToken(1, "A") + "\n" + lmiFinal(2, "B", 2)}, nil,
			want{sample.StatusOK, 0, "", 2, []int{0, 0}, 0, 2, 3, sample.TokensFromUsage}},
		// An empty token text is not a token.
		{"empty token", []string{lmiToken(1, "") + "\n", lmiFinal(2, "B", 1) + "\n"}, nil,
			want{sample.StatusOK, 0, "", 2, []int{1}, 1, 1, 3, sample.TokensFromUsage}},
		// Bytes after [DONE] are ignored.
		{"after done", []string{chatContent("a") + "\n[DONE]\n{garbage\n"}, nil,
			want{sample.StatusOK, 0, "", 1, []int{0}, 0, 1, 3, sample.TokensFromChunks}},
		// An OpenAI error object: http_error with its code.
		{"chat error object", []string{chatContent("a") + "\n", `{"error":{"message":"boom","code":503}}` + "\n"}, nil,
			want{sample.StatusHTTPError, 503, "error in stream: boom", 2, []int{0}, 0, 1, 3, sample.TokensFromChunks}},
		// vLLM's error object.
		{"vllm error", []string{`{"object":"error","message":"bad","type":"BadRequestError","code":400}` + "\n"}, nil,
			want{sample.StatusHTTPError, 400, "error in stream: bad", 1, nil, -1, 0, 3, sample.TokensFromChunks}},
		// TGI's error event has no code.
		{"tgi error", []string{tgiToken(1, "A") + "\n\n", `data:{"error":"overloaded","error_type":"generation"}` + "\n\n"}, nil,
			want{sample.StatusHTTPError, 0, "error in stream: overloaded", 2, []int{0}, 0, 1, 3, sample.TokensFromChunks}},
		// LMI's mid-stream error: finish_reason "error", token id -1, the
		// message in generated_text; generated_tokens still counts.
		{"lmi error", []string{lmiToken(1, "A") + "\n", `{"token":{"id":-1,"text":"","log_prob":-1,"special_token":true},"generated_text":"CUDA OOM","details":{"finish_reason":"error","generated_tokens":1}}` + "\n"}, nil,
			want{sample.StatusHTTPError, 0, "error in stream: CUDA OOM", 2, []int{0}, 0, 1, 3, sample.TokensFromChunks}},
		// A token id of -1 alone marks the error too.
		{"lmi id -1", []string{`{"token":{"id":[-1],"text":""}}` + "\n"}, nil,
			want{sample.StatusHTTPError, 0, "error in stream", 1, nil, -1, 0, 3, sample.TokensFromChunks}},
		// An error object is one whatever key follows it (the rule of
		// target.ParseChunk, shared with the OpenAI client).
		{"error then object", []string{`{"error":{"message":"late","code":500},"object":"chat.completion.chunk"}` + "\n"}, nil,
			want{sample.StatusHTTPError, 500, "error in stream: late", 1, nil, -1, 0, 3, sample.TokensFromChunks}},
		// A usage without prompt_tokens keeps the intended prompt length
		// (target.SetUsage), as in the OpenAI client.
		{"usage without prompt", []string{chatContent("a") + "\n", `{"choices":[],"usage":{"completion_tokens":1}}` + "\n", "[DONE]\n"}, nil,
			want{sample.StatusOK, 0, "", 2, []int{0}, 0, 1, 3, sample.TokensFromUsage}},
		// A usage without completion_tokens is no count.
		{"usage without completion", []string{chatContent("a") + "\n", `{"choices":[],"usage":{"prompt_tokens":9}}` + "\n", "[DONE]\n"}, nil,
			want{sample.StatusOK, 0, "", 2, []int{0}, 0, 1, 3, sample.TokensFromChunks}},
		// A token of the wrong shape is a malformed line, as before.
		{"token not an object", []string{`{"token":"A"}` + "\n"}, nil,
			want{sample.StatusProtocol, 0, "malformed line: token: ", 1, nil, -1, 0, 3, sample.TokensFromChunks}},
		// A line that is not JSON is a protocol error.
		{"malformed", []string{lmiToken(1, "A") + "\n{not json\n", lmiFinal(2, "B", 2) + "\n"}, nil,
			want{sample.StatusProtocol, 0, "malformed line", 2, []int{0}, 0, 1, 3, sample.TokensFromChunks}},
		// A stream that stops before its end (a cut the SDK saw as EOF).
		{"cut between lines", []string{lmiToken(1, "A") + "\n", lmiToken(2, "B") + "\n"}, nil,
			want{sample.StatusProtocol, 0, "stream ended before its end after 2 chunks", 2, []int{0, 1}, 0, 2, 3, sample.TokensFromChunks}},
		// ... or in the middle of a line.
		{"cut in a line", []string{lmiToken(1, "A") + "\n" + lmiToken(2, "B")[:9]}, nil,
			want{sample.StatusProtocol, 0, "middle of a line", 1, []int{0}, 0, 1, 3, sample.TokensFromChunks}},
		// A ModelStreamError after two tokens: one http_error row with the
		// code and message, the tokens received kept.
		{"model stream error", []string{lmiToken(1, "A") + "\n", lmiToken(2, "B") + "\n"},
			&types.ModelStreamError{Message: aws.String("stream broke"), ErrorCode_: aws.String("StreamBroken")},
			want{sample.StatusHTTPError, 0, "ModelStreamError (StreamBroken) after 2 chunks: stream broke", 2, []int{0, 1}, 0, 2, 3, sample.TokensFromChunks}},
		// InternalStreamFailure likewise.
		{"internal stream failure", []string{chatRole + "\n"},
			&types.InternalStreamFailure{Message: aws.String("oops")},
			want{sample.StatusHTTPError, 0, "InternalStreamFailure after 1 chunks: oops", 1, nil, -1, 0, 3, sample.TokensFromChunks}},
		// An exception this SDK does not model.
		{"unknown exception", nil, &smithy.GenericAPIError{Code: "Weird", Message: "w"},
			want{sample.StatusHTTPError, 0, "Weird after 0 chunks: w", 0, nil, -1, 0, 3, sample.TokensFromChunks}},
		// A frame that does not decode (bad CRC): protocol.
		{"broken frame", []string{lmiToken(1, "A") + "\n"}, errors.New("decode event: message checksum mismatch"),
			want{sample.StatusProtocol, 0, "event stream broken after 1 chunks", 1, []int{0}, 0, 1, 3, sample.TokensFromChunks}},
		// A complete answer stays ok whatever the stream says after it.
		{"error after end", []string{lmiFinal(1, "A", 1) + "\n"}, errors.New("late"),
			want{sample.StatusOK, 0, "", 1, []int{0}, 0, 1, 3, sample.TokensFromUsage}},
		// A whole JSON answer sent as one part (no newline): its
		// generated_text ends it, but it carries no token line.
		{"whole body", []string{`{"generated_text":"abc"}`}, nil,
			want{sample.StatusOK, 0, "", 1, nil, -1, 0, 3, sample.TokensFromChunks}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := parseParts(context.Background(), c.parts, c.err)
			w := c.want
			if res.Status != w.status || !strings.Contains(res.Err, w.err) || (w.err == "" && res.Err != "") {
				t.Errorf("status %q err %q, want %q with %q", res.Status, res.Err, w.status, w.err)
			}
			if res.HTTPStatus != w.http {
				t.Errorf("HTTPStatus %d, want %d", res.HTTPStatus, w.http)
			}
			if res.Chunks != w.chunks {
				t.Errorf("chunks %d, want %d", res.Chunks, w.chunks)
			}
			if len(res.Tokens) != len(w.tokens) {
				t.Fatalf("tokens %v, want parts %v", res.Tokens, w.tokens)
			}
			for i, pi := range w.tokens {
				if !res.Tokens[i].Equal(partTime(pi)) {
					t.Errorf("token %d at %v, want part %d", i, res.Tokens[i].Sub(t0), pi)
				}
			}
			if len(w.tokens) > 0 && !res.FirstToken.Equal(res.Tokens[0]) {
				t.Errorf("FirstToken %v, want the first token's time", res.FirstToken)
			}
			switch {
			case w.firstContent < 0 && !res.FirstContent.IsZero():
				t.Errorf("FirstContent %v, want none", res.FirstContent.Sub(t0))
			case w.firstContent >= 0 && !res.FirstContent.Equal(partTime(w.firstContent)):
				t.Errorf("FirstContent %v, want part %d", res.FirstContent.Sub(t0), w.firstContent)
			}
			if res.OutputTokens != w.out || res.InputTokens != w.in || res.TokenSource != w.source {
				t.Errorf("tokens out %d in %d (%s), want %d %d (%s)", res.OutputTokens, res.InputTokens, res.TokenSource, w.out, w.in, w.source)
			}
		})
	}
}

// TestLineParserContext: a stream that ends because ctx did is a timeout
// or a cancellation, whatever error the SDK reports.
func TestLineParserContext(t *testing.T) {
	for _, c := range []struct {
		name string
		err  error
		want sample.Status
	}{
		{"deadline", context.DeadlineExceeded, sample.StatusTimeout}, // ctx expired
		{"canceled", context.Canceled, sample.StatusCanceled},        // ctx canceled
	} {
		t.Run(c.name, func(t *testing.T) {
			ctx, cancel := context.WithCancelCause(context.Background())
			cancel(c.err)
			if c.err == context.DeadlineExceeded {
				var stop context.CancelFunc
				ctx, stop = context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
				defer stop()
			}
			res := parseParts(ctx, []string{lmiToken(1, "A") + "\n"}, fmt.Errorf("decode event: %w", c.err))
			if res.Status != c.want || len(res.Tokens) != 1 {
				t.Errorf("status %q (%s), %d tokens; want %q with 1", res.Status, res.Err, len(res.Tokens), c.want)
			}
		})
	}
}

// TestLineTooLong: a line past maxLine fails the stream rather than
// growing the buffer, whether it arrives whole or in pieces.
func TestLineTooLong(t *testing.T) {
	big := strings.Repeat("x", maxLine+1)
	for _, parts := range [][]string{{big + "\n"}, {big[:maxLine/2], big[maxLine/2:]}} {
		res := parseParts(context.Background(), parts, nil)
		if res.Status != sample.StatusProtocol || !strings.Contains(res.Err, "exceeds") {
			t.Errorf("%d parts: status %q err %q", len(parts), res.Status, res.Err)
		}
	}
}

func TestReadWhole(t *testing.T) {
	at := t0.Add(time.Second)
	cases := []struct {
		name    string
		body    string
		status  sample.Status
		http    int
		err     string
		out, in int
		source  string
		tokens  int
	}{
		// OpenAI chat with usage.
		{"chat", `{"choices":[{"message":{"role":"assistant","content":"a b c"}}],"usage":{"prompt_tokens":4,"completion_tokens":3}}`,
			sample.StatusOK, 0, "", 3, 4, sample.TokensFromUsage, 1},
		// LMI: generated_text only, words counted.
		{"lmi", `{"generated_text":" one two three four"}`, sample.StatusOK, 0, "", 4, 3, sample.TokensFromChunks, 1},
		// LMI with details.
		{"lmi details", `{"generated_text":"x","details":{"finish_reason":"length","generated_tokens":9,"inputs":"p"}}`,
			sample.StatusOK, 0, "", 9, 3, sample.TokensFromUsage, 1},
		// TGI: a list with details.
		{"tgi", `[{"generated_text":" a b","details":{"finish_reason":"length","generated_tokens":2,"seed":null}}]`,
			sample.StatusOK, 0, "", 2, 3, sample.TokensFromUsage, 1},
		// LMI TGI-compat list without details.
		{"list no details", `[{"generated_text":"a b c"}]`, sample.StatusOK, 0, "", 3, 3, sample.TokensFromChunks, 1},
		// An empty answer is ok without a token.
		{"empty text", `{"generated_text":""}`, sample.StatusOK, 0, "", 0, 3, sample.TokensFromChunks, 0},
		// Error objects.
		{"error", `{"error":"bad input","error_type":"validation"}`, sample.StatusHTTPError, 0, "bad input", 0, 3, sample.TokensFromChunks, 0},
		{"vllm error", `{"object":"error","message":"too long","code":400}`, sample.StatusHTTPError, 400, "too long", 0, 3, sample.TokensFromChunks, 0},
		{"lmi error", `{"generated_text":"OOM","details":{"finish_reason":"error"}}`, sample.StatusHTTPError, 0, "OOM", 0, 3, sample.TokensFromChunks, 0},
		// Protocol errors.
		{"malformed", `{not json`, sample.StatusProtocol, 0, "malformed response", 0, 3, sample.TokensFromChunks, 0},
		{"empty list", `[]`, sample.StatusProtocol, 0, "empty list", 0, 3, sample.TokensFromChunks, 0},
		{"no answer", `{"foo":1}`, sample.StatusProtocol, 0, "without choices", 0, 3, sample.TokensFromChunks, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := &sample.Result{InputTokens: 3, TokenSource: sample.TokensFromChunks}
			readWhole([]byte(c.body), at, false, res)
			if res.Status != c.status || !strings.Contains(res.Err, c.err) || res.HTTPStatus != c.http {
				t.Errorf("status %q %d err %q, want %q %d %q", res.Status, res.HTTPStatus, res.Err, c.status, c.http, c.err)
			}
			if res.OutputTokens != c.out || res.InputTokens != c.in || res.TokenSource != c.source || len(res.Tokens) != c.tokens {
				t.Errorf("out %d in %d %s tokens %d, want %d %d %s %d", res.OutputTokens, res.InputTokens, res.TokenSource, len(res.Tokens), c.out, c.in, c.source, c.tokens)
			}
			if c.tokens > 0 && (!res.FirstToken.Equal(at) || !res.End.Equal(at)) {
				t.Errorf("FirstToken %v End %v, want %v", res.FirstToken, res.End, at)
			}
		})
	}
}

// FuzzPayloadParser feeds arbitrary bytes to the parser, whole and cut into
// parts at positions taken from cuts. Every input must end in a result with
// a status, and the result must not depend on where the parts were cut
// (only the timestamps may), nor, but for its Text, on whether the text
// was kept.
func FuzzPayloadParser(f *testing.F) {
	f.Add([]byte(lines("\n", chatRole, chatContent("a"), chatUsage, "[DONE]")), []byte{5, 40})
	f.Add([]byte(lines("\n", lmiToken(1, "A"), lmiFinal(2, "B", 2))), []byte{1})
	f.Add([]byte(lines("\n\n", tgiToken(1, "A"), tgiFinal(2, "B", 2))), []byte{100, 3, 3})
	// Text: escapes, a key matched without regard to case, a special token.
	f.Add([]byte(lines("\n", `{"token":{"id":1,"text":"a\nb\u00e9","TEXT":"\ud83d\ude00"}}`, chatContent("c\"d"),
		`{"token":{"id":2,"text":"<s>","special":true},"generated_text":"x"}`)), []byte{30})
	f.Fuzz(func(t *testing.T, data, cuts []byte) {
		whole := parseParts(context.Background(), []string{string(data)}, nil)
		var parts []string
		rest := data
		for _, c := range cuts {
			n := int(c)
			if n > len(rest) {
				break
			}
			parts = append(parts, string(rest[:n]))
			rest = rest[n:]
		}
		parts = append(parts, string(rest))
		split := parseParts(context.Background(), parts, nil)
		for _, r := range []*sample.Result{whole, split} {
			if r.Status == "" {
				t.Fatalf("no status: %+v", r)
			}
			if (r.Status == sample.StatusOK) != (r.Err == "") {
				t.Fatalf("status %q with err %q", r.Status, r.Err)
			}
			for i := 1; i < len(r.Tokens); i++ {
				if r.Tokens[i].Before(r.Tokens[i-1]) {
					t.Fatalf("token times go backwards: %v", r.Tokens)
				}
			}
			if r.End.IsZero() || (len(r.Tokens) > 0 && r.End.Before(r.Tokens[len(r.Tokens)-1])) {
				t.Fatalf("End %v before the last token", r.End)
			}
		}
		type summary struct {
			Status                    sample.Status
			Err                       string
			HTTP, Chunks, Tokens      int
			Out, In                   int
			Source                    string
			HasFirstToken, HasContent bool
			Text                      string
		}
		sum := func(r *sample.Result) summary {
			return summary{r.Status, r.Err, r.HTTPStatus, r.Chunks, len(r.Tokens), r.OutputTokens, r.InputTokens, r.TokenSource,
				!r.FirstToken.IsZero(), !r.FirstContent.IsZero(), r.Text}
		}
		if a, b := sum(whole), sum(split); a != b {
			t.Fatalf("split changes the result:\nwhole %+v\nsplit %+v (%d parts)", a, b, len(parts))
		}
		a, b := sum(whole), sum(parsePartsKeep(context.Background(), []string{string(data)}, nil, false))
		if a.Text = ""; a != b {
			t.Fatalf("keeping the text changes the result:\nkept     %+v\nnot kept %+v", a, b)
		}
	})
}

// BenchmarkLineParser measures the parser's CPU per line over a chat
// stream and a TGI stream of 1,000 lines each, one line per part as the
// containers send them; the "keep" runs keep the text (Request.KeepText).
func BenchmarkLineParser(b *testing.B) {
	const n = 1000
	streams := map[string][]string{"chat": {chatRole + "\n"}, "tgi": nil}
	for i := 0; i < n-2; i++ {
		streams["chat"] = append(streams["chat"], chatContent(" tok")+"\n")
		streams["tgi"] = append(streams["tgi"], tgiToken(i, " tok")+"\n\n")
	}
	streams["chat"] = append(streams["chat"], chatUsage+"\n", "[DONE]\n")
	streams["tgi"] = append(streams["tgi"], tgiToken(n, " tok")+"\n\n", tgiFinal(n+1, "</s>", n)+"\n\n")
	for _, name := range []string{"chat", "tgi", "chat-keep", "tgi-keep"} {
		keep := strings.HasSuffix(name, "-keep")
		format := strings.TrimSuffix(name, "-keep")
		parts := make([][]byte, len(streams[format]))
		for i, s := range streams[format] {
			parts[i] = []byte(s)
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				res := target.NewResult(target.Request{MaxTokens: 1 << 20}, true)
				p := newLineParser(res, keep)
				for _, part := range parts {
					p.feed(part, t0)
				}
				p.end()
				p.settle(context.Background(), nil, t0)
				if res.Status != sample.StatusOK || res.Chunks < n-1 {
					b.Fatalf("status %s %q, %d chunks", res.Status, res.Err, res.Chunks)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(parts)), "ns/line")
		})
	}
}
