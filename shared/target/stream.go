package target

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"time"

	"github.com/llmbench/llmbench/shared/sample"
	"github.com/llmbench/llmbench/shared/sse"
)

// present records whether a JSON value is a non-empty string, without
// allocating the string: the parser runs for every chunk of every stream,
// and only emptiness matters for timing.
type present bool

func (p *present) UnmarshalJSON(b []byte) error {
	*p = present(len(b) > 2 && b[0] == '"')
	return nil
}

// notNull records whether a JSON value is there and not null.
type notNull bool

func (p *notNull) UnmarshalJSON(b []byte) error {
	*p = notNull(!bytes.Equal(b, []byte("null")))
	return nil
}

// isErrorString records whether a JSON value is the string "error".
type isErrorString bool

func (p *isErrorString) UnmarshalJSON(b []byte) error {
	*p = isErrorString(bytes.Equal(b, []byte(`"error"`)))
	return nil
}

// errorFlags spots an error object cheaply: {"error": …} (OpenAI, TGI) or
// {"object": "error", …} (vLLM). The message is parsed only then.
type errorFlags struct {
	Error  notNull       `json:"error"`
	Object isErrorString `json:"object"`
}

func (f errorFlags) isError() bool { return bool(f.Error) || bool(f.Object) }

type streamChoice struct {
	Text  present `json:"text"` // completions
	Delta struct {
		Content          present `json:"content"`
		ReasoningContent present `json:"reasoning_content"` // vLLM, DeepSeek, SGLang
		Reasoning        present `json:"reasoning"`         // newer vLLM, OpenRouter
	} `json:"delta"`
}

// streamChunk is the part of a chunk that timing needs. One is reused for
// a whole stream.
type streamChunk struct {
	Choices []streamChoice `json:"choices"`
	Usage   *usage         `json:"usage"`
	errorFlags
}

// parse decodes data into c, clearing what the previous chunk left:
// encoding/json decodes a slice into the existing elements without zeroing
// them, and leaves absent fields as they were.
func (c *streamChunk) parse(data []byte) error {
	ch := c.Choices[:cap(c.Choices)]
	clear(ch)
	*c = streamChunk{Choices: ch[:0]}
	return json.Unmarshal(data, c)
}

// tokens reports whether the chunk carries a generated token, and whether
// one is visible content rather than reasoning.
func (c *streamChunk) tokens() (token, content bool) {
	for i := range c.Choices {
		ch := &c.Choices[i]
		if ch.Text || ch.Delta.Content {
			return true, true
		}
		if ch.Delta.ReasoningContent || ch.Delta.Reasoning {
			token = true
		}
	}
	return token, false
}

var done = []byte("[DONE]")

// readStream decodes an SSE body into res. It reports whether the stream
// reached its end cleanly (so draining can keep the connection).
func (c *OpenAI) readStream(ctx context.Context, body io.Reader, res *sample.Result) bool {
	var (
		d           = sse.NewDecoder(body)
		chunk       streamChunk
		last        *usage
		tokenChunks int
	)
	// Token counts are settled on every way out, failures included: a
	// partial count is still what was received.
	defer func() {
		if last != nil {
			setUsage(res, last)
		} else {
			res.OutputTokens = tokenChunks
		}
	}()
	for d.Next() {
		ev := d.Event()
		res.End = ev.Time
		data := bytes.TrimSpace(ev.Data)
		if len(data) == 0 {
			continue // an empty "data:" line, sent by some servers as a keep-alive
		}
		// A [DONE] without the final blank line (Partial) is accepted: its
		// bytes are all there.
		if bytes.Equal(data, done) {
			res.Status = sample.StatusOK
			return true
		}
		if err := chunk.parse(data); err != nil {
			if ev.Partial {
				break // cut in the middle of a chunk: reported as a cut stream below
			}
			res.Chunks++
			c.fail(res, sample.StatusProtocol, "malformed chunk: %v: %q", err, excerpt(data))
			return false
		}
		res.Chunks++
		if chunk.isError() {
			c.streamError(res, data, "error in stream")
			return false
		}
		if chunk.Usage != nil {
			// With continuous usage stats every chunk has one; the last is
			// the total.
			last = chunk.Usage
		}
		token, content := chunk.tokens()
		if token {
			tokenChunks++
			res.Tokens = append(res.Tokens, ev.Time)
			if res.FirstToken.IsZero() {
				res.FirstToken = ev.Time
			}
		}
		if content && res.FirstContent.IsZero() {
			res.FirstContent = ev.Time
		}
	}
	res.End = time.Now()
	err := d.Err()
	if st, ok := ctxStatus(ctx, err); ok {
		c.fail(res, st, "%s after %d chunks", ctxWhat(st), res.Chunks)
		return false
	}
	if err != nil {
		c.fail(res, sample.StatusProtocol, "stream ended before [DONE] after %d chunks: %v", res.Chunks, err)
	} else {
		c.fail(res, sample.StatusProtocol, "stream ended before [DONE] after %d chunks", res.Chunks)
	}
	return false
}

func setUsage(res *sample.Result, u *usage) {
	res.OutputTokens = u.CompletionTokens
	res.InputTokens = u.PromptTokens
	res.TokenSource = sample.TokensFromUsage
}
