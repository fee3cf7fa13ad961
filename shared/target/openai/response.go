package openai

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/llmbench/llmbench/shared/sample"
	"github.com/llmbench/llmbench/shared/target"
)

// readHTTPError reads the start of an error body for its message.
// The status is the server's answer even if ctx ends while the body is
// read, so a read error only shortens the message.
func (c *Client) readHTTPError(r io.Reader, res *sample.Result) {
	b, _ := io.ReadAll(io.LimitReader(r, maxErrorBody))
	res.End = time.Now()
	msg := c.errorMessage(b)
	if msg == "" {
		msg = http.StatusText(res.HTTPStatus)
	}
	c.fail(res, sample.StatusHTTPError, "HTTP %d: %s", res.HTTPStatus, msg)
}

// readWhole reads a non-streamed answer, of media type mt, keeping its
// visible text in res.Text with keepText. It reports whether the body was
// read to its end (so that draining can keep the connection).
func (c *Client) readWhole(ctx context.Context, r io.Reader, mt string, keepText bool, res *sample.Result) bool {
	b, err := io.ReadAll(io.LimitReader(r, maxBody+1))
	res.End = time.Now()
	if err != nil {
		if !c.failCtx(ctx, res, err, fmt.Sprintf("while reading the response (%d bytes)", len(b))) {
			c.fail(res, sample.StatusProtocol, "reading response: %v", err)
		}
		return false
	}
	if len(b) > maxBody {
		c.fail(res, sample.StatusProtocol, "response body exceeds %d bytes", maxBody)
		return false
	}
	var body target.Answer
	if err := json.Unmarshal(b, &body); err != nil {
		if mt != "" && !isJSONType(mt) {
			// An HTML login page, a proxy's error page: say what came.
			c.fail(res, sample.StatusProtocol, "expected application/json, got %d %s: %s", res.HTTPStatus, mt, c.excerpt(b))
		} else {
			c.fail(res, sample.StatusProtocol, "malformed response: %v: %s", err, c.excerpt(b))
		}
		return true
	}
	if body.IsError() {
		c.streamError(res, b, "error in response")
		return true
	}
	res.Chunks = 1
	if len(body.Choices) == 0 {
		c.fail(res, sample.StatusProtocol, "response without choices: %s", c.excerpt(b))
		return true
	}
	res.FinishReason = body.FinishReason()
	if keepText {
		res.Text = body.Text()
	}
	words, content, reasoning := body.Count()
	// The tokens arrived all at once, when the body was complete.
	if content || reasoning {
		res.FirstToken = res.End
		res.Tokens = append(res.Tokens, res.End)
	}
	if content {
		res.FirstContent = res.End
	}
	if body.Usage != nil {
		target.SetUsage(res, *body.Usage)
	} else {
		res.OutputTokens = words
	}
	if c.cfg.Stream {
		c.fail(res, sample.StatusProtocol, "stream requested but the server answered %s", "application/json")
		return true
	}
	res.Status = sample.StatusOK
	return true
}

// fail sets an error status and a scrubbed, truncated message.
func (c *Client) fail(res *sample.Result, st sample.Status, format string, args ...any) {
	target.Fail(res, st, "%s", c.scrub.Replace(fmt.Sprintf(format, args...)))
}

// streamError reports an error object the server sent in place of an
// answer: http_error, with the error's own code when it is an HTTP status.
func (c *Client) streamError(res *sample.Result, b []byte, prefix string) {
	msg, status := target.ErrorObject(b)
	if status != 0 {
		res.HTTPStatus = status
	}
	if msg == "" {
		msg = c.plainExcerpt(b)
	}
	c.fail(res, sample.StatusHTTPError, "%s: %s", prefix, msg)
}

// failCtx reports err as timeout or canceled when the request's context
// explains it (target.ContextStatus), and tells whether it did. When ctx
// itself is done the transport's error text is incidental and left out;
// a deadline inside the stack keeps its cause in Err.
func (c *Client) failCtx(ctx context.Context, res *sample.Result, err error, where string) bool {
	st, ok := target.ContextStatus(ctx, err)
	switch {
	case !ok:
		return false
	case ctx.Err() != nil:
		c.fail(res, st, "%s %s", target.ContextVerb(st), where)
	default:
		c.fail(res, st, "%s %s: %v", target.ContextVerb(st), where, target.TransportErr(err))
	}
	return true
}

// errorMessage extracts a server's message from an error body, falling back
// to the body text.
func (c *Client) errorMessage(b []byte) string {
	if msg, _ := target.ErrorObject(b); msg != "" {
		return msg
	}
	return strings.Join(strings.Fields(c.plainExcerpt(b)), " ")
}

// drain reads what is left of a finished response, within a bound, so that
// the transport can put the connection back in its pool: an HTTP/1 body
// closed before its end closes the connection. A response cut short is
// closed without draining: nothing useful remains, and a server still
// generating would hold the caller.
func drain(r io.Reader) {
	_, _ = io.CopyN(io.Discard, r, maxDrain)
}
