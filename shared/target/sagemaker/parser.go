package sagemaker

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sagemakerruntime/types"
	smithy "github.com/aws/smithy-go"

	"github.com/llmbench/llmbench/shared/sample"
	"github.com/llmbench/llmbench/shared/target"
)

// maxLine bounds one line of a stream: a container that never sends a
// newline cannot make the client buffer without limit.
const maxLine = 4 << 20

// present records whether a JSON value is a non-empty string, without
// allocating it: only emptiness matters for timing.
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

// usage is the OpenAI usage object.
type usage struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
}

// details is the final "details" object of LMI and TGI answers. The input
// count is input_length (LMI v17, some TGI versions) or prompt_tokens.
type details struct {
	FinishReason    string `json:"finish_reason"`
	GeneratedTokens *int   `json:"generated_tokens"`
	InputLength     *int   `json:"input_length"`
	PromptTokens    *int   `json:"prompt_tokens"`
}

func (d *details) inputTokens() (int, bool) {
	switch {
	case d.InputLength != nil:
		return *d.InputLength, true
	case d.PromptTokens != nil:
		return *d.PromptTokens, true
	}
	return 0, false
}

// streamChoice is an OpenAI chunk choice, as far as timing needs it.
type streamChoice struct {
	Text  present `json:"text"` // completions
	Delta struct {
		Content          present `json:"content"`
		ReasoningContent present `json:"reasoning_content"`
		Reasoning        present `json:"reasoning"`
	} `json:"delta"`
	FinishReason notNull `json:"finish_reason"`
}

// tokenObject is the "token" of an LMI or TGI stream line.
type tokenObject struct {
	ID           json.RawMessage `json:"id"` // a number, or a list of them in older LMI
	Text         present         `json:"text"`
	Special      bool            `json:"special"`       // TGI
	SpecialToken bool            `json:"special_token"` // LMI
}

// streamLine is the union of every line shape the parser understands:
//
//	OpenAI chunk:  {"choices":[{"delta":{"content":"…"}}],"usage":{…}}
//	LMI token:     {"token":{"id":1,"text":"…","log_prob":-0.1}}
//	TGI token:     {"token":{"id":1,"text":"…","logprob":-0.1,"special":false},"generated_text":null,"details":null}
//	final line:    the above plus "generated_text":"…","details":{"finish_reason":…,"generated_tokens":N}
//	error:         {"error":…} (OpenAI, TGI), {"object":"error",…} (vLLM)
type streamLine struct {
	Choices       []streamChoice  `json:"choices"`
	Usage         *usage          `json:"usage"`
	Token         *tokenObject    `json:"token"`
	GeneratedText json.RawMessage `json:"generated_text"`
	Details       *details        `json:"details"`
	Error         notNull         `json:"error"`
	Object        string          `json:"object"`
}

// tokens reports whether the line carries a generated token, and whether
// that token is visible content (not reasoning, not a special token).
func (l *streamLine) tokens() (token, content bool) {
	for i := range l.Choices {
		ch := &l.Choices[i]
		if ch.Text || ch.Delta.Content {
			return true, true
		}
		if ch.Delta.ReasoningContent || ch.Delta.Reasoning {
			token = true
		}
	}
	if t := l.Token; t != nil {
		special := t.Special || t.SpecialToken
		if bool(t.Text) || special {
			token = true
		}
		if bool(t.Text) && !special {
			content = true
		}
	}
	return token, content
}

// final reports whether the line ends the answer: a finish_reason, or the
// generated_text/details that LMI and TGI put on their last line.
func (l *streamLine) final() bool {
	if l.Details != nil || (len(l.GeneratedText) > 0 && !bytes.Equal(l.GeneratedText, []byte("null"))) {
		return true
	}
	for i := range l.Choices {
		if l.Choices[i].FinishReason {
			return true
		}
	}
	return false
}

// containerError reports an error line: an error object, LMI's
// finish_reason "error", or its token id -1.
func (l *streamLine) containerError() bool {
	if l.Error || l.Object == "error" {
		return true
	}
	if l.Details != nil && l.Details.FinishReason == "error" {
		return true
	}
	if l.Token != nil {
		id := bytes.TrimSpace(l.Token.ID)
		if bytes.Equal(id, []byte("-1")) || bytes.Equal(id, []byte("[-1]")) {
			return true
		}
	}
	return false
}

// lineParser turns the bytes of PayloadParts into timed lines and records
// what timing needs in res. It is separate from the SDK so that it can be
// fuzzed: feed it bytes in any split, then call end once.
//
// Rules: bytes are buffered and split on '\n' (a line may span parts, a
// part may hold several lines); each line is trimmed; blank lines and ':'
// comments are skipped, as are the SSE fields event:, id: and retry:; an
// optional "data:" prefix and one optional space are stripped; "[DONE]"
// ends the stream; any other line must be one JSON object. A line is
// stamped with the time of the part that completed it (its last byte).
type lineParser struct {
	res *sample.Result
	buf []byte    // the incomplete line so far
	at  time.Time // the time of the last part fed

	lastUsage  *usage
	genTokens  int // details.generated_tokens, when sent
	haveGen    bool
	inTokens   int // details.input_length / prompt_tokens, when sent
	haveIn     bool
	tokenLines int

	complete bool // [DONE], a final line, or a finish_reason was seen
	stopped  bool // [DONE] or an error: later bytes are ignored
	cut      bool // end found an incomplete line that was not valid JSON

	failStatus sample.Status // http_error or protocol from a line; "" otherwise
	failMsg    string
	failCode   int // an HTTP status carried by an error object, else 0
}

func newLineParser(res *sample.Result) *lineParser { return &lineParser{res: res} }

// feed takes the bytes of one PayloadPart, which arrived at at.
func (p *lineParser) feed(b []byte, at time.Time) {
	p.at = at
	for len(b) > 0 && !p.stopped {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			if len(p.buf)+len(b) > maxLine {
				p.fail(sample.StatusProtocol, 0, "line exceeds %d bytes", maxLine)
				return
			}
			p.buf = append(p.buf, b...)
			return
		}
		line := b[:i]
		if len(p.buf) > 0 {
			p.buf = append(p.buf, line...)
			line = p.buf
		}
		b = b[i+1:]
		if len(line) > maxLine {
			p.fail(sample.StatusProtocol, 0, "line exceeds %d bytes", maxLine)
			return
		}
		p.line(line, at)
		p.buf = p.buf[:0]
	}
}

// end is called once the stream has no more bytes. An unterminated last
// line is accepted when it is whole (valid JSON or [DONE]); otherwise the
// stream was cut in the middle of a line.
func (p *lineParser) end() {
	if p.stopped || len(bytes.TrimSpace(p.buf)) == 0 {
		p.buf = p.buf[:0]
		return
	}
	line := p.buf
	p.buf = nil
	if payload, ok := linePayload(line); ok && !bytes.Equal(payload, done) && !json.Valid(payload) {
		p.cut = true
		return
	}
	p.line(line, p.at)
}

var done = []byte("[DONE]")

// linePayload strips a line down to its JSON (or [DONE]); ok is false for
// a line to skip.
func linePayload(line []byte) ([]byte, bool) {
	line = bytes.TrimSpace(line)
	if len(line) == 0 || line[0] == ':' {
		return nil, false
	}
	if rest, ok := bytes.CutPrefix(line, []byte("data:")); ok {
		rest, _ = bytes.CutPrefix(rest, []byte(" "))
		rest = bytes.TrimSpace(rest)
		return rest, len(rest) > 0 // an empty data: line is a keep-alive
	}
	for _, field := range [][]byte{[]byte("event:"), []byte("id:"), []byte("retry:")} {
		if bytes.HasPrefix(line, field) {
			return nil, false
		}
	}
	return line, true
}

// line handles one complete line that arrived at at.
func (p *lineParser) line(raw []byte, at time.Time) {
	data, ok := linePayload(raw)
	if !ok {
		return
	}
	res := p.res
	res.End = at
	if bytes.Equal(data, done) {
		p.complete, p.stopped = true, true
		return
	}
	var l streamLine
	if err := json.Unmarshal(data, &l); err != nil {
		res.Chunks++
		p.fail(sample.StatusProtocol, 0, "malformed line: %v: %q", err, excerpt(data))
		return
	}
	res.Chunks++
	if l.containerError() {
		msg, code := parseErrorObject(data)
		if msg == "" && l.Details != nil {
			msg = target.JSONText(l.GeneratedText) // LMI puts the message there
		}
		if msg == "" {
			msg = string(excerpt(data))
		}
		p.fail(sample.StatusHTTPError, code, "error in stream: %s", msg)
		return
	}
	if l.Usage != nil {
		p.lastUsage = l.Usage
	}
	if d := l.Details; d != nil {
		if d.GeneratedTokens != nil {
			p.genTokens, p.haveGen = *d.GeneratedTokens, true
		}
		if n, ok := d.inputTokens(); ok {
			p.inTokens, p.haveIn = n, true
		}
	}
	token, content := l.tokens()
	if token {
		p.tokenLines++
		res.Tokens = append(res.Tokens, at)
		if res.FirstToken.IsZero() {
			res.FirstToken = at
		}
	}
	if content && res.FirstContent.IsZero() {
		res.FirstContent = at
	}
	if l.final() {
		p.complete = true
	}
}

func (p *lineParser) fail(st sample.Status, code int, format string, args ...any) {
	p.failStatus, p.failCode = st, code
	p.failMsg = fmt.Sprintf(format, args...)
	p.stopped = true
}

// counts settles the token counts into res: the server's own count
// (usage.completion_tokens, else details.generated_tokens) when sent,
// otherwise the number of token-bearing lines. It runs on every way out:
// a partial count is still what was received.
func (p *lineParser) counts() {
	res := p.res
	switch {
	case p.lastUsage != nil:
		res.OutputTokens = p.lastUsage.CompletionTokens
		res.InputTokens = p.lastUsage.PromptTokens
		res.TokenSource = sample.TokensFromUsage
	case p.haveGen:
		res.OutputTokens = p.genTokens
		if p.haveIn {
			res.InputTokens = p.inTokens
		}
		res.TokenSource = sample.TokensFromUsage
	default:
		res.OutputTokens = p.tokenLines
		res.TokenSource = sample.TokensFromChunks
	}
}

// settle ends the measurement at end: token counts, then exactly one
// status. streamErr is the event stream's Err once its channel closed (nil
// when the parser stopped the reading itself).
//
//   - a failing line decides: http_error for an error line, protocol for a
//     malformed or oversized one;
//   - a complete answer ([DONE], a final line, a finish_reason) is ok,
//     whatever the stream itself did after it (an exception, a cut);
//   - otherwise ctx decides first (timeout, canceled), then streamErr: an
//     exception frame (ModelStreamError, InternalStreamFailure, any other
//     modelled error) is http_error, like an error object in an OpenAI
//     stream; a broken frame is protocol;
//   - a stream that just stops before its end is protocol, like an OpenAI
//     stream without [DONE]. (The SDK reports a connection cut between or
//     inside frames as a clean end, so this is how a cut shows.)
func (p *lineParser) settle(ctx context.Context, streamErr error, end time.Time) {
	res := p.res
	p.counts()
	if p.complete && p.failStatus == "" {
		// End is the arrival of the last line read, as the OpenAI client's
		// is that of [DONE]; the channel closing after it adds nothing.
		if res.End.IsZero() {
			res.End = end
		}
		res.Status, res.Err = sample.StatusOK, ""
		return
	}
	res.End = end
	if p.failStatus != "" {
		if p.failCode != 0 {
			res.HTTPStatus = p.failCode
		}
		setFail(res, p.failStatus, "%s", p.failMsg)
		return
	}
	if st, ok := ctxStatus(ctx, streamErr); ok {
		setFail(res, st, "%s after %d chunks", ctxWhat(st), res.Chunks)
		return
	}
	var (
		mse    *types.ModelStreamError
		isf    *types.InternalStreamFailure
		apiErr smithy.APIError
	)
	switch {
	case errors.As(streamErr, &mse):
		code := ""
		if mse.ErrorCode_ != nil && *mse.ErrorCode_ != "" {
			code = " (" + *mse.ErrorCode_ + ")"
		}
		setFail(res, sample.StatusHTTPError, "ModelStreamError%s after %d chunks: %s", code, res.Chunks, mse.ErrorMessage())
	case errors.As(streamErr, &isf):
		setFail(res, sample.StatusHTTPError, "InternalStreamFailure after %d chunks: %s", res.Chunks, isf.ErrorMessage())
	case errors.As(streamErr, &apiErr):
		setFail(res, sample.StatusHTTPError, "%s after %d chunks: %s", apiErr.ErrorCode(), res.Chunks, apiErr.ErrorMessage())
	case streamErr != nil:
		setFail(res, sample.StatusProtocol, "event stream broken after %d chunks: %v", res.Chunks, streamErr)
	case p.cut:
		setFail(res, sample.StatusProtocol, "stream ended in the middle of a line after %d chunks", res.Chunks)
	default:
		setFail(res, sample.StatusProtocol, "stream ended before its end after %d chunks", res.Chunks)
	}
}
