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

// streamLine is one line of a stream as timing needs it. Every shape the
// parser understands is an OpenAI chunk, whose rule target.ParseChunk
// reads (choices, usage, error objects), plus the keys particular to LMI
// and TGI (token, generated_text, details), read here:
//
//	OpenAI chunk:  {"choices":[{"delta":{"content":"…"}}],"usage":{…}}
//	LMI token:     {"token":{"id":1,"text":"…","log_prob":-0.1}}
//	TGI token:     {"token":{"id":1,"text":"…","logprob":-0.1,"special":false},"generated_text":null,"details":null}
//	final line:    the above plus "generated_text":"…","details":{"finish_reason":…,"generated_tokens":N}
//	error:         {"error":…} (OpenAI, TGI), {"object":"error",…} (vLLM)
type streamLine struct {
	target.Chunk
	token         *tokenObject // nil when absent or null
	generatedText []byte       // raw JSON, null included; nil when absent
	details       *details     // nil when absent or null
}

// parseLine reads one line's JSON. A line that is not one JSON object is
// an error, and so is a token or details of the wrong shape. With kept
// the token's text is decoded too (decodeToken).
func parseLine(data []byte, kept *keptToken) (streamLine, error) {
	fields := [...]target.Field{{Key: "token"}, {Key: "generated_text"}, {Key: "details"}}
	var (
		l   streamLine
		err error
	)
	if l.Chunk, err = target.ParseChunkFields(data, fields[:]); err != nil {
		return l, err
	}
	if raw := fields[0].Raw; !isNull(raw) {
		if l.token, err = decodeToken(raw, kept); err != nil {
			return l, fmt.Errorf("token: %w", err)
		}
	}
	l.generatedText = fields[1].Raw
	if raw := fields[2].Raw; !isNull(raw) {
		l.details = new(details)
		if err := json.Unmarshal(raw, l.details); err != nil {
			return l, fmt.Errorf("details: %w", err)
		}
	}
	return l, nil
}

func isNull(raw []byte) bool { return raw == nil || bytes.Equal(raw, []byte("null")) }

// tokenObject is the "token" of an LMI or TGI stream line.
type tokenObject struct {
	ID           errorID `json:"id"`
	Text         present `json:"text"`
	Special      bool    `json:"special"`       // TGI
	SpecialToken bool    `json:"special_token"` // LMI
}

// present records whether a JSON value is a non-empty string, without
// allocating it: only emptiness matters for timing.
type present bool

func (p *present) UnmarshalJSON(b []byte) error {
	*p = present(len(b) > 2 && b[0] == '"')
	return nil
}

// decodeToken decodes a token. With kept (the parser keeps the text) the
// token's text is decoded as well, into kept, in the same pass; the token
// returned then lives in kept, until the next line.
func decodeToken(raw []byte, kept *keptToken) (*tokenObject, error) {
	if kept == nil {
		t := new(tokenObject)
		return t, shapeError(json.Unmarshal(raw, t))
	}
	*kept = keptToken{Text: keptText{text: kept.Text.text[:0]}}
	err := json.Unmarshal(raw, kept)
	kept.tok = tokenObject{ID: kept.ID, Text: kept.Text.present, Special: kept.Special, SpecialToken: kept.SpecialToken}
	return &kept.tok, shapeError(err)
}

// shapeError words a JSON type mismatch by the stream's terms (the field
// and the JSON kind found), not by the Go type decoded into, so that a
// line gives the same error whether the parser keeps the text or not.
func shapeError(err error) error {
	var te *json.UnmarshalTypeError
	if !errors.As(err, &te) {
		return err
	}
	if te.Field == "" {
		return fmt.Errorf("a JSON %s, want an object", te.Value)
	}
	return fmt.Errorf("field %q: a JSON %s of the wrong kind", te.Field, te.Value)
}

// keptToken is tokenObject's fields with a text that is decoded too, so
// that each key is matched as tokenObject's is (the text kept is the text
// counted). A parser that keeps the text reuses one for every line. Its
// fields are not tokenObject embedded: encoding/json allocates for each
// field of an embedded struct.
type keptToken struct {
	ID           errorID  `json:"id"`
	Text         keptText `json:"text"`
	Special      bool     `json:"special"`
	SpecialToken bool     `json:"special_token"`
	tok          tokenObject
}

// keptText is present that also keeps the decoded string.
type keptText struct {
	present present
	text    []byte
}

func (k *keptText) UnmarshalJSON(b []byte) error {
	_ = k.present.UnmarshalJSON(b)
	k.text = target.AppendJSONText(k.text[:0], b) // a repeated key: the last one counts, as for present
	return nil
}

// errorID records whether a token id is LMI's error mark: -1, or [-1] (an
// id is a number, or a list of them in older LMI).
type errorID bool

func (p *errorID) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	*p = errorID(bytes.Equal(b, []byte("-1")) || bytes.Equal(b, []byte("[-1]")))
	return nil
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

// tokens reports whether the line carries a generated token, and whether
// that token is visible content (not reasoning, not a special token).
func (l *streamLine) tokens() (token, content bool) {
	token, content = l.Token, l.Content
	if t := l.token; t != nil {
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
	return l.details != nil || !isNull(l.generatedText) || l.Finish
}

// appendText appends the line's visible text to b: an OpenAI choice's
// (target.AppendText), and the text of a token that is visible content
// (not special), which parseLine decoded into kept. The generated_text of
// LMI's and TGI's final line, the whole answer over again, is not added.
func (l *streamLine) appendText(b []byte, kept *keptToken) []byte {
	b = target.AppendText(b, l.Chunk)
	if t := l.token; t != nil && bool(t.Text) && !t.Special && !t.SpecialToken {
		b = append(b, kept.Text.text...)
	}
	return b
}

// containerError reports an error line: an error object, LMI's
// finish_reason "error", or its token id -1.
func (l *streamLine) containerError() bool {
	return l.Error ||
		(l.details != nil && l.details.FinishReason == "error") ||
		(l.token != nil && bool(l.token.ID))
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

	// keepText keeps the visible text in res.Text (Request.KeepText);
	// text is the text so far, kept the last token decoded with its
	// text, both only with keepText. kept is a pointer so that, off, the
	// parser does not escape to the heap for it.
	keepText bool
	text     []byte
	kept     *keptToken
	// emit, when set (with keepText), gets each line's new visible text
	// as the line is read (Target.Relay).
	emit func(string)

	usage      target.Usage // the last usage object's counts, when sent
	hasUsage   bool
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

	// bodyErr is the HTTP body's read error when the connection broke
	// under the stream (the SDK reports that as a clean end); set by
	// readEvents before settle.
	bodyErr error
	last    [lastLen]byte // the start of the last line's payload, for messages
	nlast   int
}

// lastLen is how much of the last line the parser keeps: more than
// target.ExcerptLen, so that the quote is cut from a whole prefix.
const lastLen = 256

// newLineParser returns a parser that records into res, keeping the
// answer's visible text in res.Text when keepText.
func newLineParser(res *sample.Result, keepText bool) *lineParser {
	p := &lineParser{res: res, keepText: keepText}
	if keepText {
		p.kept = new(keptToken)
	}
	return p
}

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
	p.nlast = copy(p.last[:], data)
	l, err := parseLine(data, p.kept)
	res.Chunks++
	if err != nil {
		p.fail(sample.StatusProtocol, 0, "malformed line: %v: %q", err, target.Excerpt(data))
		return
	}
	if l.containerError() {
		msg, status := target.ErrorObject(data)
		if msg == "" && l.details != nil {
			msg = target.JSONText(l.generatedText) // LMI puts the message there
		}
		if msg == "" {
			msg = string(target.Excerpt(data))
		}
		p.fail(sample.StatusHTTPError, status, "error in stream: %s", msg)
		return
	}
	if l.HasUsage {
		// With continuous usage stats every line has one; the last is the
		// total.
		p.usage, p.hasUsage = l.Usage, true
	}
	if l.FinishReason != "" {
		res.FinishReason = l.FinishReason
	}
	if d := l.details; d != nil {
		if d.FinishReason != "" {
			res.FinishReason = d.FinishReason // LMI's and TGI's final line
		}
		if d.GeneratedTokens != nil {
			p.genTokens, p.haveGen = *d.GeneratedTokens, true
		}
		if n, ok := d.inputTokens(); ok {
			p.inTokens, p.haveIn = n, true
		}
	}
	token, content := l.tokens()
	if p.keepText && content {
		n := len(p.text)
		p.text = l.appendText(p.text, p.kept)
		if p.emit != nil && len(p.text) > n {
			p.emit(string(p.text[n:]))
		}
	}
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
// (usage, else details.generated_tokens) when sent, by target.SetUsage's
// rule, otherwise the number of token-bearing lines. It runs on every way
// out: a partial count is still what was received.
func (p *lineParser) counts() {
	res := p.res
	switch {
	case p.hasUsage:
		target.SetUsage(res, p.usage)
	case p.haveGen:
		u := target.Usage{CompletionTokens: p.genTokens}
		if p.haveIn {
			u.PromptTokens = p.inTokens
		}
		target.SetUsage(res, u)
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
//     stream without [DONE]: broken when the HTTP body failed under it
//     (the SDK reports a connection cut between or inside frames as a
//     clean end; bodyErr tells), else cut short by the server
//     (Result.CutShort), with the evidence in Err.
func (p *lineParser) settle(ctx context.Context, streamErr error, end time.Time) {
	res := p.res
	p.counts()
	if p.keepText {
		res.Text = string(p.text) // what came, on failures too
	}
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
		target.Fail(res, p.failStatus, "%s", p.failMsg)
		return
	}
	if st, ok := target.ContextStatus(ctx, streamErr); ok {
		target.Fail(res, st, "%s after %d chunks", target.ContextVerb(st), res.Chunks)
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
		target.Fail(res, sample.StatusHTTPError, "ModelStreamError%s after %d chunks: %s", code, res.Chunks, mse.ErrorMessage())
	case errors.As(streamErr, &isf):
		target.Fail(res, sample.StatusHTTPError, "InternalStreamFailure after %d chunks: %s", res.Chunks, isf.ErrorMessage())
	case errors.As(streamErr, &apiErr):
		target.Fail(res, sample.StatusHTTPError, "%s after %d chunks: %s", apiErr.ErrorCode(), res.Chunks, apiErr.ErrorMessage())
	case streamErr != nil:
		target.Fail(res, sample.StatusProtocol, "event stream broken after %d chunks: %v", res.Chunks, streamErr)
	case p.bodyErr != nil:
		target.Fail(res, sample.StatusProtocol, "event stream broken after %s: %v; last line: %s",
			p.received(), target.TransportErr(p.bodyErr), p.lastLine())
	case p.cut:
		res.CutShort = true
		target.Fail(res, sample.StatusProtocol, "stream ended in the middle of a line after %s, no final line or finish_reason; last line: %s",
			p.received(), p.lastLine())
	default:
		res.CutShort = true
		target.Fail(res, sample.StatusProtocol, "stream ended before its end after %s, no final line or finish_reason; last line: %s",
			p.received(), p.lastLine())
	}
}

// received words what came: "4 chunks (1,210 bytes)", the bytes being
// the payload parts'.
func (p *lineParser) received() string {
	return fmt.Sprintf("%d chunks (%s bytes)", p.res.Chunks, target.Thousands(p.res.Bytes))
}

// lastLine quotes the last line (target.EventExcerpt).
func (p *lineParser) lastLine() string {
	if p.nlast == 0 {
		return "none"
	}
	return target.EventExcerpt(string(p.last[:p.nlast]))
}
