package openai

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/llmbench/llmbench/shared/sample"
	"github.com/llmbench/llmbench/shared/sse"
	"github.com/llmbench/llmbench/shared/target"
)

var done = []byte("[DONE]")

// streamState is what a stream leaves for the message of its failure.
type streamState struct {
	finish  bool          // a finish_reason that is not null came
	partial bool          // the last event was cut in its middle
	last    [headLen]byte // more than is quoted: see excerpt
	nlast   int           // the bytes of the last event's data kept in last
}

// readStream decodes an SSE body into res; wire is the body as received,
// before any Content-Encoding is undone (else the same reader), mt its
// media type. With keepText the chunks' visible text is kept in res.Text.
// It reports whether the stream reached its end cleanly (so draining can
// keep the connection).
func (c *Client) readStream(ctx context.Context, body, wire *countReader, mt string, keepText bool, res *sample.Result) bool {
	var (
		d           = sse.NewDecoder(body)
		last        target.Chunk // the last chunk with usage
		tokenChunks int
		st          streamState // on the stack: copying an event's start costs no allocation
		text        []byte      // the visible text so far, only with keepText
		fields      = [...]target.Field{{Key: target.ServerMetricsField}}
	)
	// Token counts and the text are settled on every way out, failures
	// included: a partial count or text is still what was received.
	defer func() {
		if last.HasUsage {
			target.SetUsage(res, last.Usage)
		} else {
			res.OutputTokens = tokenChunks
		}
		if keepText {
			res.Text = string(text)
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
		// bytes are all there. What follows [DONE] is not read as events:
		// the answer is complete, and drain only lets the connection be
		// reused.
		if bytes.Equal(data, done) {
			res.Status = sample.StatusOK
			return true
		}
		st.nlast = copy(st.last[:], data)
		chunk, err := target.ParseChunkFields(data, fields[:])
		if err != nil {
			if ev.Partial {
				st.partial = true
				break // cut in the middle of a chunk: reported as a cut stream below
			}
			res.Chunks++
			c.fail(res, sample.StatusProtocol, "malformed chunk: %v: %s", err, c.excerpt(data))
			return false
		}
		res.Chunks++
		if raw := fields[0].Raw; raw != nil {
			target.SetServerTTFTField(res, raw) // llmbench's proxy: its own TTFT
		}
		if chunk.Error {
			c.streamError(res, data, "error in stream")
			return false
		}
		if chunk.HasUsage {
			// With continuous usage stats every chunk has one; the last is
			// the total.
			last = chunk
		}
		if chunk.Finish {
			st.finish = true
			if chunk.FinishReason != "" {
				res.FinishReason = chunk.FinishReason
			}
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
		if keepText {
			text = target.AppendText(text, chunk) // before the decoder reuses data
		}
	}
	res.End = time.Now()
	err := d.Err()
	if c.failCtx(ctx, res, err, fmt.Sprintf("after %d chunks", res.Chunks)) {
		return false
	}
	c.streamEnded(res, err, body, wire, mt, &st)
	return false
}

// streamEnded words a stream that ended before [DONE], with the evidence:
// chunks and bytes received, whether a finish_reason came, and the start
// of the last event (or of the body, when no event came). A body that
// ended cleanly, with events and without a finish_reason, is a stream the
// server cut short (Result.CutShort); a read error is a broken stream; a
// body without a single event is not an SSE stream at all.
func (c *Client) streamEnded(res *sample.Result, err error, body, wire *countReader, mt string, st *streamState) {
	received := fmt.Sprintf("%d chunks (%s bytes)", res.Chunks, target.Thousands(wire.n))
	finish := ", no finish_reason"
	if st.finish {
		finish = ", finish_reason came"
		if res.FinishReason != "" {
			finish = fmt.Sprintf(", finish_reason %q", res.FinishReason)
		}
	}
	lastEvent := "; last event: "
	if st.partial {
		lastEvent = "; cut in the middle of an event: "
	}
	lastEvent += c.show(st.last[:st.nlast])
	var de *errDecode
	switch {
	case errors.As(err, &de):
		c.fail(res, sample.StatusProtocol, "%v after %s%s%s", de, received, finish, lastEvent)
	case err != nil:
		c.fail(res, sample.StatusProtocol, "stream broken after %s: %v%s%s", received, target.TransportErr(err), finish, lastEvent)
	case st.nlast == 0 && wire.n > 0:
		// Bytes, but not one event: what came is not SSE (a proxy's page
		// without a Content-Type, plain text).
		if mt == "" {
			mt = "without Content-Type"
		}
		c.fail(res, sample.StatusProtocol, "expected text/event-stream, got %d %s: no SSE event in %s bytes: %s",
			res.HTTPStatus, mt, target.Thousands(wire.n), c.excerpt(body.Head()))
	default:
		res.CutShort = !st.finish
		c.fail(res, sample.StatusProtocol, "stream ended before [DONE] after %s%s%s", received, finish, lastEvent)
	}
}

// notSSE reports a streaming request answered with a body that is neither
// SSE nor JSON (an HTML login page, a proxy's error page), quoting its
// first bytes.
func (c *Client) notSSE(body io.Reader, res *sample.Result, mt string, codings []string) {
	var buf [headLen]byte
	n, _ := io.ReadAtLeast(body, buf[:], target.ExcerptLen) // short or failed reads: quote what came
	res.End = time.Now()
	enc := ""
	if len(codings) > 0 {
		enc = ", Content-Encoding " + strings.Join(codings, ", ")
	}
	c.fail(res, sample.StatusProtocol, "expected text/event-stream, got %d %s%s: %s", res.HTTPStatus, mt, enc, c.excerpt(buf[:n]))
}
