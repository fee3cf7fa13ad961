package target

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"unicode/utf8"
)

// Chunk is what timing needs from one streamed OpenAI-style chunk.
type Chunk struct {
	Token   bool // a choice carries generated text: content, text or reasoning
	Content bool // a choice carries visible content (not reasoning)
	Finish  bool // a choice has a finish_reason that is not null
	Error   bool // an error object: {"error": non-null} or {"object": "error"}

	// FinishReason is the value of the last choice whose finish_reason is
	// a string ("stop", "length", …); "" when there is none. The common
	// reasons cost no allocation; any other one costs one, once a stream.
	FinishReason string

	HasUsage bool  // a usage object with an integer completion_tokens
	Usage    Usage // its counts; PromptTokens is 0 when absent or not an integer, HasCached and HasReasoning false

	// text is the visible text of the first choice (choices[0]): its
	// delta.content when a non-empty string, else its text. It is kept raw,
	// a sub-slice of the chunk (nil when there is none), so that reading a
	// chunk costs no copy; AppendText decodes it.
	text rawString
}

// ParseChunk validates a chunk and reads its Chunk in one pass, without
// allocating. It is the one reader of the OpenAI chunk rule for every
// client. It replaces encoding/json on the hot path, where it cost about
// 2.7 µs and 8 allocations per chunk; it is held to the same notion of
// valid JSON (json.Valid: RFC 8259 syntax, bytes >= 0x20 in strings,
// nesting up to 10000) and to a reference written with encoding/json by a
// differential fuzz test (FuzzParseChunk).
//
// The chunk must be a JSON object. The fields read are choices[].text,
// choices[].delta.{content,reasoning_content,reasoning},
// choices[].finish_reason, usage.{prompt_tokens,completion_tokens},
// usage.prompt_tokens_details.cached_tokens,
// usage.completion_tokens_details.reasoning_tokens, error and object. Keys
// match exactly; a repeated key counts only in its last occurrence, as in a
// decoded map; a field of an unexpected type is ignored as if absent (a
// benchmark reads what it can; only broken JSON is an error).
//
// The chunk's visible text is not copied: the Chunk points into b, and
// AppendText reads it from there, so b must not change in between.
func ParseChunk(b []byte) (Chunk, error) { return ParseChunkFields(b, nil) }

// Field asks ParseChunkFields for the value of one more top-level key, for
// the parts of a chunk that are particular to one server (LMI's and TGI's
// "token", "details").
type Field struct {
	Key string // matched exactly, after unescaping; not a key ParseChunk reads
	Raw []byte // set to the value's bytes (null included), a sub-slice of the chunk; nil when absent
}

// ParseChunkFields is ParseChunk that also sets the Raw of each field whose
// Key is a top-level key of the chunk (the last occurrence, when repeated).
// On an error every Raw is nil. It allocates nothing either.
func ParseChunkFields(b []byte, fields []Field) (Chunk, error) {
	for i := range fields {
		fields[i].Raw = nil
	}
	p := chunkParser{b: b}
	var c Chunk
	err := p.chunk(&c, fields)
	if err != nil {
		for i := range fields {
			fields[i].Raw = nil
		}
		return Chunk{}, err
	}
	return c, nil
}

var errNotObject = errors.New("chunk is not a JSON object")

// chunk reads the whole chunk. fields is passed apart from p, whose
// bytes may leak (to json.Unmarshal, for a rare escaped key), so that the
// caller's fields can stay on its stack.
func (p *chunkParser) chunk(c *Chunk, fields []Field) error {
	p.ws()
	if p.peek() != '{' {
		if err := p.value(0); err != nil {
			return err
		}
		if err := p.end(); err != nil {
			return err
		}
		return errNotObject
	}
	if err := p.topObject(c, fields); err != nil {
		return err
	}
	return p.end()
}

// maxDepth is encoding/json's nesting limit, kept so that both agree on
// what is valid, and so that a hostile chunk cannot recurse without bound.
const maxDepth = 10000

type chunkParser struct {
	b []byte
	i int
}

func (p *chunkParser) errorf(format string, args ...any) error {
	return fmt.Errorf("invalid JSON at offset %d: "+format, append([]any{p.i}, args...)...)
}

func (p *chunkParser) peek() byte {
	if p.i < len(p.b) {
		return p.b[p.i]
	}
	return 0
}

func (p *chunkParser) ws() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *chunkParser) end() error {
	p.ws()
	if p.i != len(p.b) {
		return p.errorf("unexpected %q after the value", p.b[p.i])
	}
	return nil
}

// members iterates over an object's members: call it with first=true right
// after '{' and then after each member's value. It consumes the ',' or '}'
// and, for a member, its key and ':'. more is false at the end of the
// object.
func (p *chunkParser) members(first bool) (key []byte, more bool, err error) {
	p.ws()
	switch c := p.peek(); {
	case c == '}':
		p.i++
		return nil, false, nil
	case first:
	case c == ',':
		p.i++
		p.ws()
	default:
		return nil, false, p.errorf("want ',' or '}' in object")
	}
	if p.peek() != '"' {
		return nil, false, p.errorf("want a string key")
	}
	raw, escaped, err := p.str()
	if err != nil {
		return nil, false, err
	}
	if escaped {
		// Rare: unescape the key so "\u0063hoices" is "choices", as for
		// any JSON decoder. The allocation is acceptable off the hot path.
		var s string
		if err := json.Unmarshal(p.b[p.i-len(raw)-2:p.i], &s); err != nil {
			return nil, false, err
		}
		raw = []byte(s)
	}
	p.ws()
	if p.peek() != ':' {
		return nil, false, p.errorf("want ':' after an object key")
	}
	p.i++
	p.ws()
	return raw, true, nil
}

// elements iterates over an array's elements like members does for objects.
func (p *chunkParser) elements(first bool) (more bool, err error) {
	p.ws()
	switch c := p.peek(); {
	case c == ']':
		p.i++
		return false, nil
	case first:
	case c == ',':
		p.i++
		p.ws()
	default:
		return false, p.errorf("want ',' or ']' in array")
	}
	return true, nil
}

func (p *chunkParser) topObject(c *Chunk, fields []Field) error {
	p.i++ // '{'
	// The two error marks are kept apart until the end: a later "object"
	// must not undo an earlier "error", as neither would in a decoded map.
	var errorKey, objectError bool
	for first := true; ; first = false {
		key, more, err := p.members(first)
		if err != nil {
			return err
		}
		if !more {
			c.Error = errorKey || objectError
			return nil
		}
		switch string(key) {
		case "choices":
			c.Token, c.Content, c.Finish, c.FinishReason = false, false, false, ""
			c.text = rawString{}
			if p.peek() == '[' {
				err = p.choices(c)
			} else {
				err = p.value(1)
			}
		case "usage":
			c.HasUsage, c.Usage = false, Usage{}
			if p.peek() == '{' {
				err = p.usage(c)
			} else {
				err = p.value(1)
			}
		case "error":
			errorKey = p.peek() != 'n' // anything but null; value validates it
			err = p.value(1)
		case "object":
			objectError = false
			if p.peek() == '"' {
				start := p.i
				var raw []byte
				var escaped bool
				raw, escaped, err = p.str()
				if err == nil && escaped {
					var v string // rare: unescape, as any JSON decoder would
					err = json.Unmarshal(p.b[start:p.i], &v)
					raw = []byte(v)
				}
				objectError = string(raw) == "error"
			} else {
				err = p.value(1)
			}
		default:
			start := p.i
			if err = p.value(1); err == nil {
				for i := range fields {
					if fields[i].Key == string(key) {
						fields[i].Raw = p.b[start:p.i]
					}
				}
			}
		}
		if err != nil {
			return err
		}
	}
}

// choices reads the choices array (depth 2).
func (p *chunkParser) choices(c *Chunk) error {
	p.i++ // '['
	for first := true; ; first = false {
		more, err := p.elements(first)
		if err != nil || !more {
			return err
		}
		if p.peek() != '{' {
			if err := p.value(2); err != nil {
				return err
			}
			continue
		}
		ch, err := p.choice()
		if err != nil {
			return err
		}
		if first {
			c.text = ch.visible()
		}
		c.Token = c.Token || ch.text || ch.content || ch.reasoning
		c.Content = c.Content || ch.text || ch.content
		c.Finish = c.Finish || ch.finish
		if ch.hasReason {
			c.FinishReason = ch.reason
		}
	}
}

// choiceInfo is what one choice says.
type choiceInfo struct {
	text, content, reasoning, finish bool
	hasReason                        bool   // finish_reason is a string
	reason                           string // its value

	// The raw strings of text and delta.content when non-empty, quotes
	// included, and whether each holds an escape.
	textRaw, contentRaw rawString
}

// rawString is a raw JSON string, quotes included, and whether it holds
// an escape.
type rawString struct {
	raw     []byte
	escaped bool
}

// visible is the choice's visible text: delta.content, else text.
func (ch *choiceInfo) visible() rawString {
	if ch.content {
		return ch.contentRaw
	}
	return ch.textRaw // nil raw when there is none
}

// choice reads one choice object (depth 3).
func (p *chunkParser) choice() (ch choiceInfo, err error) {
	p.i++ // '{'
	for first := true; ; first = false {
		key, more, err := p.members(first)
		if err != nil || !more {
			return ch, err
		}
		switch string(key) {
		case "text":
			ch.textRaw, err = p.nonEmptyString(3)
			ch.text = ch.textRaw.raw != nil
		case "delta":
			ch.content, ch.reasoning, ch.contentRaw = false, false, rawString{}
			if p.peek() == '{' {
				ch.contentRaw, ch.reasoning, err = p.delta()
				ch.content = ch.contentRaw.raw != nil
			} else {
				err = p.value(3)
			}
		case "finish_reason":
			ch.finish = p.peek() != 'n' // anything but null; value validates it
			ch.hasReason, ch.reason = false, ""
			if p.peek() == '"' {
				ch.hasReason = true
				ch.reason, err = p.reason()
			} else {
				err = p.value(3)
			}
		default:
			err = p.value(3)
		}
		if err != nil {
			return ch, err
		}
	}
}

// delta reads a choice's delta object (depth 4): its content's raw
// string when non-empty, and whether it carries reasoning.
func (p *chunkParser) delta() (content rawString, reasoning bool, err error) {
	p.i++ // '{'
	var reasoningContent, reasoningField rawString
	for first := true; ; first = false {
		key, more, err := p.members(first)
		if err != nil || !more {
			return content, reasoningContent.raw != nil || reasoningField.raw != nil, err
		}
		switch string(key) {
		case "content":
			content, err = p.nonEmptyString(4)
		case "reasoning_content":
			reasoningContent, err = p.nonEmptyString(4)
		case "reasoning":
			reasoningField, err = p.nonEmptyString(4)
		default:
			err = p.value(4)
		}
		if err != nil {
			return rawString{}, false, err
		}
	}
}

// usage reads the usage object (depth 2).
func (p *chunkParser) usage(c *Chunk) error {
	p.i++ // '{'
	var (
		prompt, completion, cached, reasoning         int
		promptOK, completionOK, cachedOK, reasoningOK bool
	)
	for first := true; ; first = false {
		key, more, err := p.members(first)
		if err != nil {
			return err
		}
		if !more {
			break
		}
		switch string(key) {
		case "prompt_tokens":
			prompt, promptOK, err = p.integer(2)
		case "completion_tokens":
			completion, completionOK, err = p.integer(2)
		case "prompt_tokens_details":
			cached, cachedOK, err = p.detail("cached_tokens")
		case "completion_tokens_details":
			reasoning, reasoningOK, err = p.detail("reasoning_tokens")
		default:
			err = p.value(2)
		}
		if err != nil {
			return err
		}
	}
	if !promptOK {
		prompt = 0
	}
	if completionOK {
		c.HasUsage, c.Usage = true, Usage{PromptTokens: prompt, CompletionTokens: completion}
		if cachedOK {
			c.Usage.CachedTokens, c.Usage.HasCached = cached, true
		}
		if reasoningOK {
			c.Usage.ReasoningTokens, c.Usage.HasReasoning = reasoning, true
		}
	}
	return nil
}

// detail reads a usage details object (depth 3) for the integer value of
// one key: usage.prompt_tokens_details.cached_tokens or
// usage.completion_tokens_details.reasoning_tokens. ok is false when the
// value is not an object, lacks the key, or holds something other than an
// integer there (null, a string, a fraction), as for prompt_tokens.
func (p *chunkParser) detail(want string) (n int, ok bool, err error) {
	if p.peek() != '{' {
		return 0, false, p.value(2)
	}
	p.i++ // '{'
	for first := true; ; first = false {
		key, more, err := p.members(first)
		if err != nil || !more {
			return n, ok, err
		}
		if string(key) == want {
			n, ok, err = p.integer(3)
		} else {
			err = p.value(3)
		}
		if err != nil {
			return 0, false, err
		}
	}
}

// reason reads a finish_reason string. The reasons servers send are
// returned as constants, so that the chunk that ends a stream does not
// allocate either; an escaped or invalid-UTF-8 one is decoded by
// encoding/json, so that both agree.
func (p *chunkParser) reason() (string, error) {
	start := p.i
	raw, escaped, err := p.str()
	if err != nil {
		return "", err
	}
	if escaped || !utf8.Valid(raw) {
		var s string
		err := json.Unmarshal(p.b[start:p.i], &s)
		return s, err
	}
	switch string(raw) { // the conversions in a switch do not allocate
	case "stop":
		return "stop", nil
	case "length":
		return "length", nil
	case "tool_calls":
		return "tool_calls", nil
	case "function_call":
		return "function_call", nil
	case "content_filter":
		return "content_filter", nil
	case "eos_token":
		return "eos_token", nil
	case "stop_sequence":
		return "stop_sequence", nil
	case "abort":
		return "abort", nil
	case "error":
		return "error", nil
	}
	return string(raw), nil
}

// nonEmptyString reads a value and, if it is a non-empty string, returns
// it raw, quotes included (a nil raw otherwise). Any escape decodes to at
// least one character, so the raw length decides.
func (p *chunkParser) nonEmptyString(depth int) (rawString, error) {
	if p.peek() != '"' {
		return rawString{}, p.value(depth)
	}
	start := p.i
	raw, escaped, err := p.str()
	if err != nil || len(raw) == 0 {
		return rawString{}, err
	}
	return rawString{raw: p.b[start:p.i], escaped: escaped}, nil
}

// integer reads a value and, if it is a number written as an integer that
// fits an int, returns it.
func (p *chunkParser) integer(depth int) (n int, ok bool, err error) {
	start := p.i
	if c := p.peek(); c != '-' && (c < '0' || c > '9') {
		return 0, false, p.value(depth)
	}
	if err := p.number(); err != nil {
		return 0, false, err
	}
	lit := p.b[start:p.i]
	neg := lit[0] == '-'
	if neg {
		lit = lit[1:]
	}
	var u uint64
	for _, c := range lit {
		if c < '0' || c > '9' {
			return 0, false, nil // a fraction or an exponent
		}
		d := uint64(c - '0')
		if u > (math.MaxUint64-d)/10 {
			return 0, false, nil
		}
		u = u*10 + d
	}
	switch {
	case !neg && u <= math.MaxInt:
		return int(u), true, nil
	case neg && u <= uint64(math.MaxInt)+1:
		return int(-int64(u)), true, nil // -(1<<63) wraps to itself: still right
	}
	return 0, false, nil
}

// value validates and skips any JSON value; depth is the nesting depth of
// the container holding it.
func (p *chunkParser) value(depth int) error {
	switch c := p.peek(); {
	case c == '{':
		if depth+1 > maxDepth {
			return p.errorf("exceeded max depth")
		}
		p.i++
		for first := true; ; first = false {
			_, more, err := p.members(first)
			if err != nil || !more {
				return err
			}
			if err := p.value(depth + 1); err != nil {
				return err
			}
		}
	case c == '[':
		if depth+1 > maxDepth {
			return p.errorf("exceeded max depth")
		}
		p.i++
		for first := true; ; first = false {
			more, err := p.elements(first)
			if err != nil || !more {
				return err
			}
			if err := p.value(depth + 1); err != nil {
				return err
			}
		}
	case c == '"':
		_, _, err := p.str()
		return err
	case c == '-' || c >= '0' && c <= '9':
		return p.number()
	case c == 't':
		return p.literal("true")
	case c == 'f':
		return p.literal("false")
	case c == 'n':
		return p.literal("null")
	case p.i >= len(p.b):
		return p.errorf("unexpected end of input")
	default:
		return p.errorf("unexpected %q looking for a value", c)
	}
}

func (p *chunkParser) literal(lit string) error {
	if len(p.b)-p.i < len(lit) || string(p.b[p.i:p.i+len(lit)]) != lit {
		return p.errorf("want %s", lit)
	}
	p.i += len(lit)
	return nil
}

// number validates a number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (p *chunkParser) number() error {
	if p.peek() == '-' {
		p.i++
	}
	switch c := p.peek(); {
	case c == '0':
		p.i++
	case c >= '1' && c <= '9':
		p.digits()
	default:
		return p.errorf("want a digit")
	}
	if p.peek() == '.' {
		p.i++
		if !p.digits() {
			return p.errorf("want a digit after the decimal point")
		}
	}
	if c := p.peek(); c == 'e' || c == 'E' {
		p.i++
		if c := p.peek(); c == '+' || c == '-' {
			p.i++
		}
		if !p.digits() {
			return p.errorf("want a digit in the exponent")
		}
	}
	return nil
}

func (p *chunkParser) digits() bool {
	start := p.i
	for p.i < len(p.b) && p.b[p.i] >= '0' && p.b[p.i] <= '9' {
		p.i++
	}
	return p.i > start
}

// str reads a string starting at '"' and returns its raw bytes between the
// quotes, and whether they hold an escape.
func (p *chunkParser) str() (raw []byte, escaped bool, err error) {
	p.i++ // '"'
	start := p.i
	for p.i < len(p.b) {
		c := p.b[p.i]
		switch {
		case c == '"':
			raw = p.b[start:p.i]
			p.i++
			return raw, escaped, nil
		case c == '\\':
			escaped = true
			p.i++
			switch p.peek() {
			case 'b', 'f', 'n', 'r', 't', '\\', '/', '"':
				p.i++
			case 'u':
				p.i++
				for range 4 {
					if !isHex(p.peek()) {
						return nil, false, p.errorf("bad \\u escape")
					}
					p.i++
				}
			default:
				return nil, false, p.errorf("bad escape")
			}
		case c < 0x20:
			return nil, false, p.errorf("control character in string")
		default:
			p.i++
		}
	}
	return nil, false, p.errorf("unterminated string")
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}
