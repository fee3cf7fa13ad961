package sfnlocal

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strings"

	"github.com/ohler55/ojg"
	"github.com/ohler55/ojg/jp"
	"github.com/ohler55/ojg/oj"
)

// MaxPayloadBytes is AWS's limit on a state's input, output or task result,
// measured as UTF-8 JSON: 256 KiB.
const MaxPayloadBytes = 262144

// Values inside the interpreter are the generic JSON types of ojg:
// map[string]any, []any, int64, float64, string, bool and nil. They are
// never mutated in place once shared; writes (ResultPath) work on a copy.

// parseJSON parses one JSON text; numbers too big for int64 become float64.
func parseJSON(b []byte) (any, error) {
	if len(bytes.TrimSpace(b)) == 0 {
		return nil, fmt.Errorf("empty JSON text")
	}
	return oj.Parse(b, ojg.NumConvFloat64)
}

// encodeJSON writes v as compact JSON with sorted keys and no HTML escaping.
func encodeJSON(v any) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		// Only NaN/Inf floats can get here; JSON has no spelling for them.
		return []byte(`null`)
	}
	return bytes.TrimRight(buf.Bytes(), "\n")
}

// deepCopy copies maps and slices; scalars are shared.
func deepCopy(v any) any {
	switch t := v.(type) {
	case map[string]any:
		c := make(map[string]any, len(t))
		for k, e := range t {
			c[k] = deepCopy(e)
		}
		return c
	case []any:
		c := make([]any, len(t))
		for i, e := range t {
			c[i] = deepCopy(e)
		}
		return c
	}
	return v
}

// asNumber reports v as a float64 if it is a JSON number.
func asNumber(v any) (float64, bool) {
	switch t := v.(type) {
	case int64:
		return float64(t), true
	case float64:
		return t, true
	case int:
		return float64(t), true
	}
	return 0, false
}

// asInt reports v as an int64 if it is an integral JSON number.
func asInt(v any) (int64, bool) {
	switch t := v.(type) {
	case int64:
		return t, true
	case int:
		return int64(t), true
	case float64:
		if t == math.Trunc(t) && math.Abs(t) < 1<<53 {
			return int64(t), true
		}
	}
	return 0, false
}

// jsonEqual compares two JSON values, numbers by value.
func jsonEqual(a, b any) bool {
	if x, ok := asNumber(a); ok {
		y, ok := asNumber(b)
		return ok && x == y
	}
	switch t := a.(type) {
	case map[string]any:
		u, ok := b.(map[string]any)
		if !ok || len(t) != len(u) {
			return false
		}
		for k, v := range t {
			w, ok := u[k]
			if !ok || !jsonEqual(v, w) {
				return false
			}
		}
		return true
	case []any:
		u, ok := b.([]any)
		if !ok || len(t) != len(u) {
			return false
		}
		for i := range t {
			if !jsonEqual(t[i], u[i]) {
				return false
			}
		}
		return true
	}
	return a == b
}

// typeName names a JSON value's type for messages.
func typeName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case map[string]any:
		return "object"
	case []any:
		return "array"
	case string:
		return "string"
	case bool:
		return "boolean"
	}
	if _, ok := asNumber(v); ok {
		return "number"
	}
	return fmt.Sprintf("%T", v)
}

// path is a compiled JSONPath: the text as written and ojg's expression.
// context is true for "$$..." paths into the context object.
type path struct {
	text     string
	expr     jp.Expr
	context  bool
	definite bool
}

// compilePath parses a Path ("$..." or "$$..."). ref restricts it to a
// Reference Path (only child names and indexes, no "$$").
func compilePath(text string, ref bool) (*path, error) {
	p := &path{text: text}
	s := text
	if strings.HasPrefix(s, "$$") {
		if ref {
			return nil, fmt.Errorf("%q: a reference path must not start with $$", text)
		}
		p.context = true
		s = s[1:]
	}
	if s != "$" && !strings.HasPrefix(s, "$.") && !strings.HasPrefix(s, "$[") {
		if len(s) > 1 && s[0] == '$' {
			return nil, fmt.Errorf("%q: variables ($name) need Assign, which sfnlocal does not support", text)
		}
		return nil, fmt.Errorf("%q is not a JSONPath (must start with $)", text)
	}
	x, err := jp.ParseString(bracketNames(s))
	if err != nil {
		return nil, fmt.Errorf("%q is not a valid JSONPath: %v", text, err)
	}
	p.expr = x
	p.definite = true
	for _, f := range x {
		switch f.(type) {
		case jp.Root, jp.At, jp.Bracket, jp.Child, jp.Nth:
		default:
			p.definite = false
		}
	}
	if ref && !p.definite {
		return nil, fmt.Errorf("%q: a reference path may only name fields and indexes (no wildcards, slices, filters)", text)
	}
	return p, nil
}

// get resolves the path. A definite path gives its single value; an
// indefinite one gives the array of all matches. ok is false when a
// definite path matches nothing.
func (p *path) get(input, ctxObj any) (any, bool) {
	data := input
	if p.context {
		data = ctxObj
	}
	if p.definite {
		return p.expr.FirstFound(data)
	}
	got := p.expr.Get(data)
	if got == nil {
		got = []any{}
	}
	return got, true
}

// isRoot reports whether the path is plain "$".
func (p *path) isRoot() bool { return len(p.expr) == 1 && !p.context }

// set writes value at a Reference Path into a copy of raw and returns it.
func (p *path) set(raw, value any) (any, error) {
	if p.isRoot() {
		return value, nil
	}
	if _, ok := raw.(map[string]any); !ok {
		if _, ok := raw.([]any); !ok {
			return nil, fmt.Errorf("unable to apply ResultPath %q to a %s input", p.text, typeName(raw))
		}
	}
	c := deepCopy(raw)
	if err := p.expr.SetOne(c, value); err != nil {
		return nil, fmt.Errorf("unable to apply ResultPath %q: %v", p.text, err)
	}
	if _, ok := p.expr.FirstFound(c); !ok {
		return nil, fmt.Errorf("unable to apply ResultPath %q to input %s", p.text, truncate(encodeJSON(raw)))
	}
	return c, nil
}

// truncate shortens a JSON text for an error message.
func truncate(b []byte) string {
	const max = 512
	if len(b) > max {
		return string(b[:max]) + "..."
	}
	return string(b)
}

// bracketNames rewrites dot-notation names that ojg's parser stops at
// (e.g. "$.delivery-partner", valid for AWS's Jayway JSONPath) into
// bracket notation ("$['delivery-partner']"). Brackets are left alone.
func bracketNames(s string) string {
	var out strings.Builder
	depth := 0
	var quote byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0:
			if c == '\\' && i+1 < len(s) {
				out.WriteByte(c)
				i++
				c = s[i]
			} else if c == quote {
				quote = 0
			}
		case depth > 0 && (c == '\'' || c == '"'):
			quote = c
		case c == '[':
			depth++
		case c == ']':
			depth--
		case depth == 0 && c == '.' && i+1 < len(s) && s[i+1] != '.' && s[i+1] != '*' && s[i+1] != '[':
			end := i + 1
			for end < len(s) && s[end] != '.' && s[end] != '[' {
				end++
			}
			name := s[i+1 : end]
			if strings.ContainsAny(name, "-!\"&'()+,/:<=>@\\^`{|}~ ") {
				out.WriteString("['" + strings.NewReplacer("\\", "\\\\", "'", "\\'").Replace(name) + "']")
				i = end - 1
				continue
			}
		}
		out.WriteByte(c)
	}
	return out.String()
}
