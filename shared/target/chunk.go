package target

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
)

// chunkInfo is what timing needs from one streamed chunk.
type chunkInfo struct {
	token   bool // a choice carries generated text: content, text or reasoning
	content bool // a choice carries visible content (not reasoning)
	isError bool // an error object: {"error": non-null} or {"object": "error"}

	usage                          bool // a usage object with an integer completion_tokens
	promptTokens, completionTokens int
}

// parseChunk validates a chunk and extracts its chunkInfo in one pass,
// without allocating. It replaces encoding/json on the hot path, where it
// cost about 2.7 µs and 8 allocations per chunk; it is held to the same
// notion of valid JSON (json.Valid: RFC 8259 syntax, bytes >= 0x20 in
// strings, nesting up to 10000) by a differential fuzz test.
//
// The chunk must be a JSON object. The fields read are choices[].text,
// choices[].delta.{content,reasoning_content,reasoning}, usage.
// {prompt_tokens,completion_tokens}, error and object. Keys match exactly; a
// repeated key counts only in its last occurrence, as in a decoded map; a
// field of an unexpected type is ignored as if absent (a benchmark reads
// what it can; only broken JSON is a protocol error).
func parseChunk(b []byte) (chunkInfo, error) {
	p := chunkParser{b: b}
	var info chunkInfo
	p.ws()
	if p.peek() != '{' {
		if err := p.value(0); err != nil {
			return info, err
		}
		if err := p.end(); err != nil {
			return info, err
		}
		return info, errNotObject
	}
	if err := p.topObject(&info); err != nil {
		return chunkInfo{}, err
	}
	if err := p.end(); err != nil {
		return chunkInfo{}, err
	}
	return info, nil
}

var errNotObject = errors.New("chunk is not a JSON object")

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

func (p *chunkParser) topObject(info *chunkInfo) error {
	p.i++ // '{'
	for first := true; ; first = false {
		key, more, err := p.members(first)
		if err != nil || !more {
			return err
		}
		switch string(key) {
		case "choices":
			info.token, info.content = false, false
			if p.peek() == '[' {
				err = p.choices(info)
			} else {
				err = p.value(1)
			}
		case "usage":
			info.usage, info.promptTokens, info.completionTokens = false, 0, 0
			if p.peek() == '{' {
				err = p.usage(info)
			} else {
				err = p.value(1)
			}
		case "error":
			info.isError = p.peek() != 'n' // anything but null; value validates it
			err = p.value(1)
		case "object":
			info.isError = false
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
				info.isError = string(raw) == "error"
			} else {
				err = p.value(1)
			}
		default:
			err = p.value(1)
		}
		if err != nil {
			return err
		}
	}
}

// choices reads the choices array (depth 2).
func (p *chunkParser) choices(info *chunkInfo) error {
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
		text, delta, err := p.choice()
		if err != nil {
			return err
		}
		info.token = info.token || text || delta.content || delta.reasoning
		info.content = info.content || text || delta.content
	}
}

type deltaInfo struct{ content, reasoning bool }

// choice reads one choice object (depth 3).
func (p *chunkParser) choice() (text bool, delta deltaInfo, err error) {
	p.i++ // '{'
	for first := true; ; first = false {
		key, more, err := p.members(first)
		if err != nil || !more {
			return text, delta, err
		}
		switch string(key) {
		case "text":
			text, err = p.nonEmptyString(3)
		case "delta":
			delta = deltaInfo{}
			if p.peek() == '{' {
				delta, err = p.delta()
			} else {
				err = p.value(3)
			}
		default:
			err = p.value(3)
		}
		if err != nil {
			return text, delta, err
		}
	}
}

// delta reads a choice's delta object (depth 4).
func (p *chunkParser) delta() (d deltaInfo, err error) {
	p.i++ // '{'
	var content, reasoningContent, reasoning bool
	for first := true; ; first = false {
		key, more, err := p.members(first)
		if err != nil || !more {
			return deltaInfo{content: content, reasoning: reasoningContent || reasoning}, err
		}
		switch string(key) {
		case "content":
			content, err = p.nonEmptyString(4)
		case "reasoning_content":
			reasoningContent, err = p.nonEmptyString(4)
		case "reasoning":
			reasoning, err = p.nonEmptyString(4)
		default:
			err = p.value(4)
		}
		if err != nil {
			return d, err
		}
	}
}

// usage reads the usage object (depth 2).
func (p *chunkParser) usage(info *chunkInfo) error {
	p.i++ // '{'
	var (
		prompt, completion     int
		promptOK, completionOK bool
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
	info.usage, info.promptTokens, info.completionTokens = completionOK, prompt, completion
	if !completionOK {
		info.promptTokens, info.completionTokens = 0, 0
	}
	return nil
}

// nonEmptyString reads a value and reports whether it is a non-empty
// string. Any escape decodes to at least one character, so the raw length
// decides.
func (p *chunkParser) nonEmptyString(depth int) (bool, error) {
	if p.peek() != '"' {
		return false, p.value(depth)
	}
	raw, _, err := p.str()
	return len(raw) > 0, err
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
