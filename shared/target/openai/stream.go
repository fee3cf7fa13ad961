package openai

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"time"

	"github.com/llmbench/llmbench/shared/sample"
	"github.com/llmbench/llmbench/shared/sse"
	"github.com/llmbench/llmbench/shared/target"
)

var done = []byte("[DONE]")

// readStream decodes an SSE body into res. It reports whether the stream
// reached its end cleanly (so draining can keep the connection).
func (c *Client) readStream(ctx context.Context, body io.Reader, res *sample.Result) bool {
	var (
		d           = sse.NewDecoder(body)
		last        target.Chunk // the last chunk with usage
		tokenChunks int
	)
	// Token counts are settled on every way out, failures included: a
	// partial count is still what was received.
	defer func() {
		if last.HasUsage {
			target.SetUsage(res, last.Usage)
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
		chunk, err := target.ParseChunk(data)
		if err != nil {
			if ev.Partial {
				break // cut in the middle of a chunk: reported as a cut stream below
			}
			res.Chunks++
			c.fail(res, sample.StatusProtocol, "malformed chunk: %v: %q", err, target.Excerpt(data))
			return false
		}
		res.Chunks++
		if chunk.Error {
			c.streamError(res, data, "error in stream")
			return false
		}
		if chunk.HasUsage {
			// With continuous usage stats every chunk has one; the last is
			// the total.
			last = chunk
		}
		if chunk.Token {
			tokenChunks++
			res.Tokens = append(res.Tokens, ev.Time)
			if res.FirstToken.IsZero() {
				res.FirstToken = ev.Time
			}
		}
		if chunk.Content && res.FirstContent.IsZero() {
			res.FirstContent = ev.Time
		}
	}
	res.End = time.Now()
	err := d.Err()
	if c.failCtx(ctx, res, err, fmt.Sprintf("after %d chunks", res.Chunks)) {
		return false
	}
	if err != nil {
		c.fail(res, sample.StatusProtocol, "stream ended before [DONE] after %d chunks: %v", res.Chunks, err)
	} else {
		c.fail(res, sample.StatusProtocol, "stream ended before [DONE] after %d chunks", res.Chunks)
	}
	return false
}
