package sfnlocal

import (
	"crypto/md5"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"hash"
	"math"
	mrand "math/rand/v2"
	"strings"
	"unicode/utf8"
)

// Limits AWS documents for the intrinsics.
const (
	maxArrayRange   = 1000
	maxBase64Length = 10000
	maxHashLength   = 10000
)

// eval runs the call; errors become States.IntrinsicFailure.
func (c *call) eval(ev *evalEnv) (any, error) {
	vals := make([]any, len(c.args))
	for i, a := range c.args {
		v, err := a.eval(ev)
		if err != nil {
			return nil, err
		}
		vals[i] = v
	}
	v, err := c.apply(ev, vals)
	if err != nil {
		return nil, fmt.Errorf("States.%s: %v", c.name, err)
	}
	return v, nil
}

func (a *arg) eval(ev *evalEnv) (any, error) {
	switch a.kind {
	case argString:
		return a.str, nil
	case argNumber:
		return a.num, nil
	case argBool:
		return a.b, nil
	case argPath:
		v, ok := a.path.get(ev.input, ev.ctxObj())
		if !ok {
			return nil, fmt.Errorf("the path %s in an intrinsic argument matches nothing", a.path.text)
		}
		return v, nil
	case argCall:
		return a.call.eval(ev)
	}
	return nil, nil
}

func (c *call) apply(ev *evalEnv, v []any) (any, error) {
	switch c.name {
	case "Format":
		return c.format(v)
	case "StringToJson":
		s, ok := v[0].(string)
		if !ok {
			return nil, fmt.Errorf("argument must be a string, got %s", typeName(v[0]))
		}
		out, err := parseJSON([]byte(s))
		if err != nil {
			return nil, fmt.Errorf("not JSON: %v", err)
		}
		return out, nil
	case "JsonToString":
		return string(encodeJSON(v[0])), nil
	case "Array":
		return append([]any{}, v...), nil
	case "ArrayPartition":
		arr, err := arrayArg(v[0])
		if err != nil {
			return nil, err
		}
		n, ok := asInt(v[1])
		if !ok || n <= 0 {
			return nil, fmt.Errorf("chunk size must be a positive integer")
		}
		out := []any{}
		for i := 0; i < len(arr); i += int(n) {
			out = append(out, append([]any{}, arr[i:min(len(arr), i+int(n))]...))
		}
		return out, nil
	case "ArrayContains":
		arr, err := arrayArg(v[0])
		if err != nil {
			return nil, err
		}
		for _, e := range arr {
			if jsonEqual(e, v[1]) {
				return true, nil
			}
		}
		return false, nil
	case "ArrayRange":
		return arrayRange(v)
	case "ArrayGetItem":
		arr, err := arrayArg(v[0])
		if err != nil {
			return nil, err
		}
		i, ok := asInt(v[1])
		if !ok || i < 0 || i >= int64(len(arr)) {
			return nil, fmt.Errorf("index %v out of range for an array of %d", v[1], len(arr))
		}
		return arr[i], nil
	case "ArrayLength":
		arr, err := arrayArg(v[0])
		if err != nil {
			return nil, err
		}
		return int64(len(arr)), nil
	case "ArrayUnique":
		arr, err := arrayArg(v[0])
		if err != nil {
			return nil, err
		}
		seen := map[string]bool{}
		out := []any{}
		for _, e := range arr {
			k := string(encodeJSON(e))
			if !seen[k] {
				seen[k] = true
				out = append(out, e)
			}
		}
		return out, nil
	case "Base64Encode", "Base64Decode":
		s, ok := v[0].(string)
		if !ok {
			return nil, fmt.Errorf("argument must be a string, got %s", typeName(v[0]))
		}
		if utf8.RuneCountInString(s) > maxBase64Length {
			return nil, fmt.Errorf("input longer than %d characters", maxBase64Length)
		}
		if c.name == "Base64Encode" {
			return base64.StdEncoding.EncodeToString([]byte(s)), nil
		}
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			return nil, fmt.Errorf("not base64: %v", err)
		}
		return string(b), nil
	case "Hash":
		return hashOf(v[0], v[1])
	case "JsonMerge":
		return jsonMerge(v)
	case "MathRandom":
		return mathRandom(ev, v)
	case "MathAdd":
		a, ok1 := asNumber(v[0])
		b, ok2 := asNumber(v[1])
		if !ok1 || !ok2 {
			return nil, fmt.Errorf("arguments must be numbers")
		}
		// AWS rounds each argument like Java's Math.round (V12).
		return int64(math.Floor(a+0.5)) + int64(math.Floor(b+0.5)), nil
	case "StringSplit":
		s, ok1 := v[0].(string)
		d, ok2 := v[1].(string)
		if !ok1 || !ok2 {
			return nil, fmt.Errorf("arguments must be strings")
		}
		out := []any{}
		for _, f := range strings.FieldsFunc(s, func(r rune) bool { return strings.ContainsRune(d, r) }) {
			out = append(out, f)
		}
		return out, nil
	case "UUID":
		return newUUID(), nil
	}
	return nil, fmt.Errorf("unknown function")
}

// format fills {} placeholders; a literal template honours \{ and \}.
func (c *call) format(v []any) (any, error) {
	var tpl string
	escaped := false
	if c.args[0].kind == argString {
		tpl, escaped = c.args[0].raw, true
	} else if s, ok := v[0].(string); ok {
		tpl = s
	} else {
		return nil, fmt.Errorf("the template must be a string, got %s", typeName(v[0]))
	}
	var out strings.Builder
	n := 1
	for i := 0; i < len(tpl); i++ {
		ch := tpl[i]
		if escaped && ch == '\\' && i+1 < len(tpl) {
			out.WriteByte(tpl[i+1])
			i++
			continue
		}
		if ch == '{' && i+1 < len(tpl) && tpl[i+1] == '}' {
			if n >= len(v) {
				return nil, fmt.Errorf("more {} placeholders than arguments")
			}
			switch a := v[n].(type) {
			case string:
				out.WriteString(a)
			case map[string]any, []any:
				return nil, fmt.Errorf("argument %d is an %s; Format takes strings, numbers, booleans and null", n, typeName(a))
			default:
				out.Write(encodeJSON(a))
			}
			n++
			i++
			continue
		}
		out.WriteByte(ch)
	}
	if n != len(v) {
		return nil, fmt.Errorf("%d argument(s) for %d placeholder(s)", len(v)-1, n-1)
	}
	return out.String(), nil
}

func arrayArg(v any) ([]any, error) {
	arr, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("argument must be an array, got %s", typeName(v))
	}
	return arr, nil
}

func arrayRange(v []any) (any, error) {
	var n [3]int64
	for i := range n {
		x, ok := asInt(v[i])
		if !ok {
			return nil, fmt.Errorf("arguments must be integers")
		}
		n[i] = x
	}
	start, end, step := n[0], n[1], n[2]
	if step == 0 {
		return nil, fmt.Errorf("step must not be 0")
	}
	out := []any{}
	for i := start; (step > 0 && i <= end) || (step < 0 && i >= end); i += step {
		if len(out) == maxArrayRange {
			return nil, fmt.Errorf("more than %d items", maxArrayRange)
		}
		out = append(out, i)
	}
	return out, nil
}

func hashOf(data, alg any) (any, error) {
	s, ok := data.(string)
	if !ok {
		s = string(encodeJSON(data))
	}
	if utf8.RuneCountInString(s) > maxHashLength {
		return nil, fmt.Errorf("input longer than %d characters", maxHashLength)
	}
	var h hash.Hash
	switch alg {
	case "MD5":
		h = md5.New()
	case "SHA-1":
		h = sha1.New()
	case "SHA-256":
		h = sha256.New()
	case "SHA-384":
		h = sha512.New384()
	case "SHA-512":
		h = sha512.New()
	default:
		return nil, fmt.Errorf("algorithm %v is not one of MD5, SHA-1, SHA-256, SHA-384, SHA-512", alg)
	}
	h.Write([]byte(s))
	return hex.EncodeToString(h.Sum(nil)), nil
}

func jsonMerge(v []any) (any, error) {
	a, ok1 := v[0].(map[string]any)
	b, ok2 := v[1].(map[string]any)
	if !ok1 || !ok2 {
		return nil, fmt.Errorf("the first two arguments must be objects")
	}
	deep, ok := v[2].(bool)
	if !ok {
		return nil, fmt.Errorf("the third argument must be a boolean")
	}
	if deep {
		return nil, fmt.Errorf("AWS Step Functions supports only shallow merging: the third argument must be false")
	}
	out := make(map[string]any, len(a)+len(b))
	for k, e := range a {
		out[k] = e
	}
	for k, e := range b {
		out[k] = e
	}
	return out, nil
}

func mathRandom(ev *evalEnv, v []any) (any, error) {
	start, ok1 := asInt(v[0])
	end, ok2 := asInt(v[1])
	if !ok1 || !ok2 || end <= start {
		return nil, fmt.Errorf("start and end must be integers with start < end")
	}
	r := ev.rand
	if len(v) == 3 {
		seed, ok := asInt(v[2])
		if !ok {
			return nil, fmt.Errorf("seed must be an integer")
		}
		r = mrand.New(mrand.NewPCG(uint64(seed), 0)).Float64
	}
	return start + int64(r()*float64(end-start)), nil
}

// newUUID returns a random (version 4) UUID.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
