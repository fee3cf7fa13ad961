package sfnlocal

import (
	"fmt"
	"strconv"
	"strings"
)

// call is a parsed intrinsic function call, e.g. States.Format('{}', $.a).
type call struct {
	name string // without "States."
	args []*arg
}

type argKind int

const (
	argString argKind = iota
	argNumber
	argNull
	argBool
	argPath
	argCall
)

// arg is one argument of an intrinsic call.
type arg struct {
	kind argKind
	str  string // decoded string literal
	raw  string // string literal as written between the quotes (for Format)
	num  any    // int64 or float64
	b    bool
	path *path
	call *call
}

// intrinsicArity gives the allowed argument counts; max -1 = any.
var intrinsicArity = map[string][2]int{
	"Format": {1, -1}, "StringToJson": {1, 1}, "JsonToString": {1, 1},
	"Array": {0, -1}, "ArrayPartition": {2, 2}, "ArrayContains": {2, 2},
	"ArrayRange": {3, 3}, "ArrayGetItem": {2, 2}, "ArrayLength": {1, 1},
	"ArrayUnique": {1, 1}, "Base64Encode": {1, 1}, "Base64Decode": {1, 1},
	"Hash": {2, 2}, "JsonMerge": {3, 3}, "MathRandom": {2, 3}, "MathAdd": {2, 2},
	"StringSplit": {2, 2}, "UUID": {0, 0},
}

// maxIntrinsicDepth is AWS's limit on nested intrinsic calls.
const maxIntrinsicDepth = 10

type intrinsicParser struct {
	s   string
	pos int
}

// parseIntrinsic parses a whole "States.Name(args...)" expression.
func parseIntrinsic(s string) (*call, error) {
	p := &intrinsicParser{s: s}
	c, err := p.call(1)
	if err != nil {
		return nil, fmt.Errorf("intrinsic %q: %v", s, err)
	}
	p.space()
	if p.pos != len(p.s) {
		return nil, fmt.Errorf("intrinsic %q: unexpected %q after the call", s, p.s[p.pos:])
	}
	return c, nil
}

func (p *intrinsicParser) space() {
	for p.pos < len(p.s) && (p.s[p.pos] == ' ' || p.s[p.pos] == '\t') {
		p.pos++
	}
}

func (p *intrinsicParser) call(depth int) (*call, error) {
	if depth > maxIntrinsicDepth {
		return nil, fmt.Errorf("more than %d nested calls", maxIntrinsicDepth)
	}
	if !strings.HasPrefix(p.s[p.pos:], "States.") {
		return nil, fmt.Errorf("expected States.Name( at offset %d", p.pos)
	}
	p.pos += len("States.")
	start := p.pos
	for p.pos < len(p.s) && isIdent(p.s[p.pos]) {
		p.pos++
	}
	c := &call{name: p.s[start:p.pos]}
	arity, ok := intrinsicArity[c.name]
	if !ok {
		return nil, fmt.Errorf("unknown intrinsic function States.%s", c.name)
	}
	if p.pos >= len(p.s) || p.s[p.pos] != '(' {
		return nil, fmt.Errorf("expected ( after States.%s", c.name)
	}
	p.pos++
	p.space()
	if p.pos < len(p.s) && p.s[p.pos] == ')' {
		p.pos++
	} else {
		for {
			p.space()
			a, err := p.arg(depth)
			if err != nil {
				return nil, err
			}
			c.args = append(c.args, a)
			p.space()
			if p.pos >= len(p.s) {
				return nil, fmt.Errorf("missing ) after the arguments of States.%s", c.name)
			}
			if p.s[p.pos] == ')' {
				p.pos++
				break
			}
			if p.s[p.pos] != ',' {
				return nil, fmt.Errorf("expected , or ) at offset %d", p.pos)
			}
			p.pos++
		}
	}
	if n := len(c.args); n < arity[0] || (arity[1] >= 0 && n > arity[1]) {
		return nil, fmt.Errorf("States.%s takes %s, got %d", c.name, arityText(arity), n)
	}
	return c, nil
}

func arityText(a [2]int) string {
	switch {
	case a[1] < 0:
		return fmt.Sprintf("at least %d argument(s)", a[0])
	case a[0] == a[1]:
		return fmt.Sprintf("%d argument(s)", a[0])
	}
	return fmt.Sprintf("%d to %d arguments", a[0], a[1])
}

func isIdent(b byte) bool {
	return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9'
}

func (p *intrinsicParser) arg(depth int) (*arg, error) {
	if p.pos >= len(p.s) {
		return nil, fmt.Errorf("missing argument")
	}
	rest := p.s[p.pos:]
	switch {
	case rest[0] == '\'':
		return p.stringArg()
	case rest[0] == '$':
		return p.pathArg()
	case strings.HasPrefix(rest, "States."):
		c, err := p.call(depth + 1)
		if err != nil {
			return nil, err
		}
		return &arg{kind: argCall, call: c}, nil
	}
	end := p.pos
	for end < len(p.s) && p.s[end] != ',' && p.s[end] != ')' && p.s[end] != ' ' {
		end++
	}
	tok := p.s[p.pos:end]
	p.pos = end
	switch tok {
	case "null":
		return &arg{kind: argNull}, nil
	case "true", "false":
		return &arg{kind: argBool, b: tok == "true"}, nil
	}
	if i, err := strconv.ParseInt(tok, 10, 64); err == nil {
		return &arg{kind: argNumber, num: i}, nil
	}
	if f, err := strconv.ParseFloat(tok, 64); err == nil {
		return &arg{kind: argNumber, num: f}, nil
	}
	return nil, fmt.Errorf("bad argument %q", tok)
}

// stringArg reads 'text' with the escapes \' \{ \} \\.
func (p *intrinsicParser) stringArg() (*arg, error) {
	p.pos++ // opening quote
	start := p.pos
	var dec strings.Builder
	for p.pos < len(p.s) {
		c := p.s[p.pos]
		switch c {
		case '\\':
			if p.pos+1 >= len(p.s) || !strings.ContainsRune(`'{}\`, rune(p.s[p.pos+1])) {
				return nil, fmt.Errorf("lone backslash at offset %d (escape only ' { } \\)", p.pos)
			}
			dec.WriteByte(p.s[p.pos+1])
			p.pos += 2
			continue
		case '\'':
			a := &arg{kind: argString, str: dec.String(), raw: p.s[start:p.pos]}
			p.pos++
			return a, nil
		}
		dec.WriteByte(c)
		p.pos++
	}
	return nil, fmt.Errorf("unterminated string starting at offset %d", start-1)
}

// pathArg reads a Path up to the next top-level , or ).
func (p *intrinsicParser) pathArg() (*arg, error) {
	start := p.pos
	depth := 0
	var quote byte
	for ; p.pos < len(p.s); p.pos++ {
		c := p.s[p.pos]
		if quote != 0 {
			if c == '\\' {
				p.pos++
			} else if c == quote {
				quote = 0
			}
			continue
		}
		switch c {
		case '\'', '"':
			quote = c
		case '[', '(':
			depth++
		case ']':
			depth--
		case ')':
			if depth == 0 {
				goto done
			}
			depth--
		case ',':
			if depth == 0 {
				goto done
			}
		}
	}
done:
	text := strings.TrimSpace(p.s[start:p.pos])
	pa, err := compilePath(text, false)
	if err != nil {
		return nil, err
	}
	return &arg{kind: argPath, path: pa}, nil
}
