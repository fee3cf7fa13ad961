package sagemaker

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/llmbench/llmbench/shared/sample"
)

// TestStreamEnded: how a stream that ends is read: the finish_reason kept
// (OpenAI chunks, LMI's and TGI's details), a clean end before the final
// line marked cut short with its evidence, a broken HTTP body not.
func TestStreamEnded(t *testing.T) {
	for _, c := range []struct {
		name     string
		parts    []string
		bodyErr  error // the HTTP body's read error (the SDK saw a clean end)
		status   sample.Status
		cutShort bool
		finish   string
		err      string // substring of Err
	}{
		// A chat stream's finish_reason, then [DONE].
		{"chat stop", []string{lines("\n", chatRole, chatContent("a"), chatFinish, chatUsage, "[DONE]")}, nil,
			sample.StatusOK, false, "stop", ""},
		// LMI's final line carries its reason in details.
		{"lmi final", []string{lines("\n", lmiToken(1, "A"), lmiFinal(2, "B", 2))}, nil,
			sample.StatusOK, false, "length", ""},
		// TGI likewise.
		{"tgi final", []string{lines("\n", tgiToken(1, "A"), tgiFinal(2, "B", 2))}, nil,
			sample.StatusOK, false, "eos_token", ""},
		// The server ends cleanly after two tokens: cut short, the last
		// line quoted.
		{"cut short", []string{lines("\n", lmiToken(1, "A"), lmiToken(2, "B"))}, nil,
			sample.StatusProtocol, true, "",
			`stream ended before its end after 2 chunks (0 bytes), no final line or finish_reason; last line: {"token":{"id":2,"text":"B"`},
		// The same, but the HTTP body failed: a broken stream, not cut short.
		{"broken body", []string{lines("\n", lmiToken(1, "A"), lmiToken(2, "B"))}, errors.New("unexpected EOF"),
			sample.StatusProtocol, false, "", "event stream broken after 2 chunks (0 bytes): unexpected EOF; last line: {"},
		// A clean end in the middle of a line: cut short too.
		{"cut in a line", []string{lmiToken(1, "A") + "\n" + lmiToken(2, "B")[:9]}, nil,
			sample.StatusProtocol, true, "", "stream ended in the middle of a line after 1 chunks"},
	} {
		t.Run(c.name, func(t *testing.T) {
			res := &sample.Result{Start: t0, TokenSource: sample.TokensFromChunks}
			p := newLineParser(res, false)
			for i, part := range c.parts {
				p.feed([]byte(part), partTime(i))
			}
			p.end()
			p.bodyErr = c.bodyErr
			p.settle(context.Background(), nil, partTime(len(c.parts)))
			if res.Status != c.status || res.CutShort != c.cutShort || res.FinishReason != c.finish || !strings.Contains(res.Err, c.err) {
				t.Errorf("status %s cut short %v finish %q err %q\nwant %s %v %q containing %q",
					res.Status, res.CutShort, res.FinishReason, res.Err, c.status, c.cutShort, c.finish, c.err)
			}
		})
	}
}

// TestWholeFinishReason: a whole answer's finish_reason, in each format.
func TestWholeFinishReason(t *testing.T) {
	for _, c := range []struct{ body, want string }{
		{`{"choices":[{"message":{"content":"hi"},"finish_reason":"stop"}]}`, "stop"},
		{`[{"generated_text":"hi","details":{"finish_reason":"length","generated_tokens":1}}]`, "length"},
		{`{"generated_text":"hi"}`, ""},
		// A finish_reason of a strange type is no reason, and no error.
		{`{"choices":[{"message":{"content":"hi"},"finish_reason":7}]}`, ""},
	} {
		res := &sample.Result{Start: t0}
		readWhole([]byte(c.body), partTime(0), false, res)
		if res.Status != sample.StatusOK || res.FinishReason != c.want {
			t.Errorf("%s: status %s %q, finish %q, want %q", c.body, res.Status, res.Err, res.FinishReason, c.want)
		}
	}
}
