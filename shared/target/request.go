package target

import (
	"bytes"
	"errors"
	"math"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/llmbench/llmbench/shared/sample"
)

// Request is one request to send.
//
// The generation parameters after MaxTokens are sent only when set: a nil
// pointer, false, an empty Stop or ExtraBody send nothing, and the server's
// default applies. Each client writes them under the names its schema
// gives them (see packages openai and sagemaker), and refuses, as a failed
// Result, one its schema cannot carry: none is dropped. The pointers,
// slices and bytes are only read, so one spec's values may be shared by
// every request.
type Request struct {
	ID     string // sent as X-Request-Id (OpenAI) or InferenceId (SageMaker) when set
	Prompt string
	// Messages, when set, replace Prompt: a conversation (a dataset's
	// record of several messages). Chat sends them as they are; a schema
	// of one text (completions, LMI's and TGI's inputs) sends their
	// contents joined by blank lines (PromptText).
	Messages    []Message
	InputTokens int // the intended prompt length, reported when the server gives no usage
	MaxTokens   int // max_tokens; 0 leaves it to the server

	Temperature *float64 // sampling temperature; 0 is greedy decoding
	TopP        *float64 // nucleus sampling: the probability mass kept, in (0, 1]
	MinTokens   *int     // at least this many output tokens (vLLM's min_tokens)
	IgnoreEOS   bool     // generate until MaxTokens whatever the model says (vLLM's ignore_eos)
	Stop        []string // stop sequences
	// ExtraBody is a JSON object whose members are added, as they are, to
	// the object that holds the generation parameters: the body itself in
	// the OpenAI schema, "parameters" in LMI's and TGI's. The caller keeps
	// it from repeating a member the client writes (spec.Validate does).
	ExtraBody []byte

	// KeepText asks the client to keep the answer's visible content in
	// Result.Text (a multi-turn session sends it back in its next turn).
	// Off, nothing of the answer's text is kept: the hot path stays as it
	// is.
	KeepText bool
}

// Message is one message of a chat conversation.
type Message struct {
	Role    string // system, user or assistant
	Content string
}

// PromptText is the request's prompt as one text: Prompt, or Messages'
// contents joined by blank lines.
func (r Request) PromptText() string {
	if len(r.Messages) == 0 {
		return r.Prompt
	}
	n := 0
	for _, m := range r.Messages {
		n += len(m.Content) + 2
	}
	b := make([]byte, 0, n)
	for i, m := range r.Messages {
		if i > 0 {
			b = append(b, "\n\n"...)
		}
		b = append(b, m.Content...)
	}
	return string(b)
}

// tokensHint caps the Tokens capacity NewResult reserves.
const tokensHint = 1024

// NewResult is the Result a client's Do starts from: the intended prompt
// length, token counts labelled "chunks" until the server gives usage, and
// for a stream Tokens reserved up front (up to MaxTokens, at most 1024), so
// that appending a token's time while the stream is read does not
// allocate.
func NewResult(req Request, stream bool) *sample.Result {
	res := &sample.Result{InputTokens: req.InputTokens, ClientInputTokens: req.InputTokens, TokenSource: sample.TokensFromChunks}
	if stream && req.MaxTokens > 0 {
		res.Tokens = make([]time.Time, 0, min(req.MaxTokens, tokensHint))
	}
	return res
}

// The request bodies are written by hand rather than by encoding/json: one
// allocation per body, sized up front, and no reflection over optional
// fields, on the path every request takes. The appenders below write what
// encoding/json would (strings without its HTML escaping, which changes
// no decoded value).

// CheckParams reports a generation parameter no JSON body can carry: a
// temperature or top_p that is not a finite number, an ExtraBody that is
// not a JSON object. A validated spec has none; the check keeps a client
// from sending a broken body when given one anyway.
func (r Request) CheckParams() error {
	for _, p := range []*float64{r.Temperature, r.TopP} {
		if p != nil && (math.IsNaN(*p) || math.IsInf(*p, 0)) {
			return errors.New("temperature and top_p must be finite numbers")
		}
	}
	if len(r.ExtraBody) > 0 {
		if o := bytes.TrimSpace(r.ExtraBody); len(o) < 2 || o[0] != '{' || o[len(o)-1] != '}' {
			return errors.New("extra body must be a JSON object")
		}
	}
	return nil
}

// BodySize is a capacity for the body of r: the variable parts plus room
// for the fixed ones, so that a body without escapes is written without
// growing its buffer.
func (r Request) BodySize() int {
	n := 256 + len(r.Prompt) + len(r.ExtraBody)
	for _, m := range r.Messages {
		n += len(m.Role) + len(m.Content) + 32
	}
	for _, s := range r.Stop {
		n += len(s) + 3
	}
	return n
}

// OpenAIBody writes the OpenAI-schema body of r: chat (messages, one user
// message) or completions (prompt), with model when not empty, and
// stream_options.include_usage when streaming (without it OpenAI-compatible
// servers send no usage in a stream). The generation parameters keep the
// OpenAI names; min_tokens and ignore_eos are vLLM's extensions, accepted
// at the top level. ExtraBody's members close the object.
func OpenAIBody(r Request, model string, chat, stream bool) ([]byte, error) {
	if err := r.CheckParams(); err != nil {
		return nil, err
	}
	b := make([]byte, 0, r.BodySize()+len(model))
	b = append(b, '{')
	if model != "" {
		b = append(b, `"model":`...)
		b = AppendJSONString(b, model)
		b = append(b, ',')
	}
	switch {
	case chat && len(r.Messages) > 0:
		b = append(b, `"messages":[`...)
		for i, m := range r.Messages {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"role":`...)
			b = AppendJSONString(b, m.Role)
			b = append(b, `,"content":`...)
			b = AppendJSONString(b, m.Content)
			b = append(b, '}')
		}
		b = append(b, `],`...)
	case chat:
		b = append(b, `"messages":[{"role":"user","content":`...)
		b = AppendJSONString(b, r.Prompt)
		b = append(b, `}],`...)
	default:
		b = append(b, `"prompt":`...)
		b = AppendJSONString(b, r.PromptText())
		b = append(b, ',')
	}
	if r.MaxTokens > 0 {
		b = AppendJSONInt(append(b, `"max_tokens":`...), r.MaxTokens)
		b = append(b, ',')
	}
	if r.Temperature != nil {
		b = AppendJSONFloat(append(b, `"temperature":`...), *r.Temperature)
		b = append(b, ',')
	}
	if r.TopP != nil {
		b = AppendJSONFloat(append(b, `"top_p":`...), *r.TopP)
		b = append(b, ',')
	}
	if r.MinTokens != nil {
		b = AppendJSONInt(append(b, `"min_tokens":`...), *r.MinTokens)
		b = append(b, ',')
	}
	if r.IgnoreEOS {
		b = append(b, `"ignore_eos":true,`...)
	}
	if len(r.Stop) > 0 {
		b = AppendJSONStrings(append(b, `"stop":`...), r.Stop)
		b = append(b, ',')
	}
	if stream {
		b = append(b, `"stream":true,"stream_options":{"include_usage":true},`...)
	} else {
		b = append(b, `"stream":false,`...)
	}
	return CloseObject(AppendMembers(b, r.ExtraBody)), nil
}

// AppendMembers appends the members of the JSON object obj, each as it
// is, to an object being written whose members so far each end with a
// comma, and ends them with one too. An empty obj appends nothing.
func AppendMembers(b, obj []byte) []byte {
	obj = bytes.TrimSpace(obj)
	if len(obj) < 2 {
		return b
	}
	if inner := bytes.TrimSpace(obj[1 : len(obj)-1]); len(inner) > 0 {
		b = append(append(b, inner...), ',')
	}
	return b
}

// CloseObject ends an object whose members each end with a comma: the
// last comma becomes the closing brace.
func CloseObject(b []byte) []byte {
	if n := len(b); n > 0 && b[n-1] == ',' {
		b[n-1] = '}'
		return b
	}
	return append(b, '}')
}

// AppendJSONInt appends n as a JSON number.
func AppendJSONInt(b []byte, n int) []byte { return strconv.AppendInt(b, int64(n), 10) }

// AppendJSONFloat appends f as encoding/json writes a float64: the
// shortest representation, in exponent form below 1e-6 and from 1e21.
// f must be finite (CheckParams).
func AppendJSONFloat(b []byte, f float64) []byte {
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// 1e-07 → 1e-7, as encoding/json writes it.
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}

// AppendJSONStrings appends ss as a JSON array of strings.
func AppendJSONStrings(b []byte, ss []string) []byte {
	b = append(b, '[')
	for i, s := range ss {
		if i > 0 {
			b = append(b, ',')
		}
		b = AppendJSONString(b, s)
	}
	return append(b, ']')
}

const hexDigits = "0123456789abcdef"

// AppendJSONString appends s as a JSON string, as encoding/json writes it
// with HTML escaping off: '"', '\\' and control characters escaped, each
// invalid UTF-8 byte replaced by U+FFFD, U+2028 and U+2029 escaped (for
// JavaScript consumers).
func AppendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
