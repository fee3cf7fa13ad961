package sfnlocal

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// rule is a compiled JSONPath Choice Rule.
type rule struct {
	op        string // comparison operator without "Path", or And/Or/Not
	kids      []*rule
	variable  *path
	value     any   // literal operand
	valuePath *path // operand of a *Path operator
	next      string
}

// comparison operators and the JSON type of their literal operand.
var choiceOps = map[string]string{
	"StringEquals": "string", "StringLessThan": "string", "StringGreaterThan": "string",
	"StringLessThanEquals": "string", "StringGreaterThanEquals": "string", "StringMatches": "string",
	"NumericEquals": "number", "NumericLessThan": "number", "NumericGreaterThan": "number",
	"NumericLessThanEquals": "number", "NumericGreaterThanEquals": "number",
	"BooleanEquals":   "boolean",
	"TimestampEquals": "timestamp", "TimestampLessThan": "timestamp", "TimestampGreaterThan": "timestamp",
	"TimestampLessThanEquals": "timestamp", "TimestampGreaterThanEquals": "timestamp",
	"IsNull": "boolean", "IsPresent": "boolean", "IsNumeric": "boolean", "IsString": "boolean",
	"IsBoolean": "boolean", "IsTimestamp": "boolean",
}

// compileRule compiles one rule; top-level rules need Next, nested ones must not have it.
func compileRule(m map[string]any, top bool, errs *[]string) *rule {
	r := &rule{}
	var ops []string
	keys := sortedKeys(m)
	for _, k := range keys {
		v := m[k]
		switch k {
		case "Comment":
		case "Next":
			s, ok := v.(string)
			if !ok || !top {
				*errs = append(*errs, "a nested Choice rule must not have Next, and Next must be a string")
			}
			r.next = s
		case "Variable":
			s, _ := v.(string)
			p, err := compilePath(s, false)
			if err != nil {
				*errs = append(*errs, "Choice rule Variable: "+err.Error())
			}
			r.variable = p
		case "And", "Or":
			ops = append(ops, k)
			list, ok := v.([]any)
			if !ok || len(list) == 0 {
				*errs = append(*errs, k+" must be a non-empty array of rules")
				continue
			}
			for _, e := range list {
				if em, ok := e.(map[string]any); ok {
					r.kids = append(r.kids, compileRule(em, false, errs))
				} else {
					*errs = append(*errs, k+" must hold rule objects")
				}
			}
		case "Not":
			ops = append(ops, k)
			if em, ok := v.(map[string]any); ok {
				r.kids = append(r.kids, compileRule(em, false, errs))
			} else {
				*errs = append(*errs, "Not must be a rule object")
			}
		case "Condition", "Assign", "Output":
			*errs = append(*errs, fmt.Sprintf("unsupported by sfnlocal: Choice rule field %s (JSONata or variables)", k))
		default:
			base := strings.TrimSuffix(k, "Path")
			typ, ok := choiceOps[k]
			if !ok {
				typ, ok = choiceOps[base]
				if !ok || base == "StringMatches" || strings.HasPrefix(base, "Is") {
					*errs = append(*errs, fmt.Sprintf("unknown Choice rule field %q", k))
					continue
				}
				ops = append(ops, k)
				r.op = base
				s, _ := v.(string)
				p, err := compilePath(s, false)
				if err != nil {
					*errs = append(*errs, k+": "+err.Error())
				}
				r.valuePath = p
				continue
			}
			ops = append(ops, k)
			r.op = k
			r.value = v
			if !literalFits(typ, v) {
				*errs = append(*errs, fmt.Sprintf("%s needs a %s operand, got %s", k, typ, encodeJSON(v)))
			}
		}
	}
	if len(ops) != 1 {
		*errs = append(*errs, fmt.Sprintf("a Choice rule needs exactly one operator, has %v", ops))
		return r
	}
	switch ops[0] {
	case "And", "Or", "Not":
		r.op = ops[0]
		if r.variable != nil {
			*errs = append(*errs, ops[0]+" rule must not have Variable")
		}
	default:
		if r.variable == nil {
			*errs = append(*errs, ops[0]+" rule needs a Variable")
		}
	}
	if top && r.next == "" {
		*errs = append(*errs, "a Choice rule needs Next")
	}
	return r
}

func literalFits(typ string, v any) bool {
	switch typ {
	case "string":
		_, ok := v.(string)
		return ok
	case "number":
		_, ok := asNumber(v)
		return ok
	case "boolean":
		_, ok := v.(bool)
		return ok
	case "timestamp":
		_, ok := parseTimestamp(v)
		return ok
	}
	return false
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// parseTimestamp accepts RFC 3339 with uppercase T and Z, as AWS does.
func parseTimestamp(v any) (time.Time, bool) {
	s, ok := v.(string)
	if !ok || strings.ContainsAny(s, "tz") {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	return t, err == nil
}

// eval tests the rule. A Variable (or operand path) that matches nothing
// is States.Runtime, except for IsPresent.
func (r *rule) eval(ev *evalEnv) (bool, *stateError) {
	switch r.op {
	case "And":
		for _, k := range r.kids {
			if ok, err := k.eval(ev); err != nil || !ok {
				return false, err
			}
		}
		return true, nil
	case "Or":
		for _, k := range r.kids {
			if ok, err := k.eval(ev); err != nil || ok {
				return ok, err
			}
		}
		return false, nil
	case "Not":
		ok, err := r.kids[0].eval(ev)
		return !ok, err
	}
	v, found := r.variable.get(ev.input, ev.ctxObj())
	if r.op == "IsPresent" {
		if arr, ok := v.([]any); ok && !r.variable.definite {
			found = len(arr) > 0
		}
		return found == r.value.(bool), nil
	}
	if !found {
		return false, newError(ErrRuntime, fmt.Sprintf(
			"Invalid path '%s': The choice state's condition path references an invalid value.", r.variable.text))
	}
	operand := r.value
	if r.valuePath != nil {
		o, ok := r.valuePath.get(ev.input, ev.ctxObj())
		if !ok {
			return false, newError(ErrRuntime, fmt.Sprintf(
				"Invalid path '%s': The choice state's condition path references an invalid value.", r.valuePath.text))
		}
		operand = o
	}
	return compare(r.op, v, operand), nil
}

// compare applies a data-test operator; a type mismatch is false.
func compare(op string, v, operand any) bool {
	switch op {
	case "IsNull":
		return (v == nil) == operand.(bool)
	case "IsNumeric":
		_, ok := asNumber(v)
		return ok == operand.(bool)
	case "IsString":
		_, ok := v.(string)
		return ok == operand.(bool)
	case "IsBoolean":
		_, ok := v.(bool)
		return ok == operand.(bool)
	case "IsTimestamp":
		_, ok := parseTimestamp(v)
		return ok == operand.(bool)
	case "BooleanEquals":
		a, ok1 := v.(bool)
		b, ok2 := operand.(bool)
		return ok1 && ok2 && a == b
	case "StringMatches":
		a, ok1 := v.(string)
		b, ok2 := operand.(string)
		return ok1 && ok2 && wildcardMatch(b, a)
	}
	var c int
	switch {
	case strings.HasPrefix(op, "String"):
		a, ok1 := v.(string)
		b, ok2 := operand.(string)
		if !ok1 || !ok2 {
			return false
		}
		c = strings.Compare(a, b)
	case strings.HasPrefix(op, "Numeric"):
		a, ok1 := asNumber(v)
		b, ok2 := asNumber(operand)
		if !ok1 || !ok2 {
			return false
		}
		c = cmpFloat(a, b)
	case strings.HasPrefix(op, "Timestamp"):
		a, ok1 := parseTimestamp(v)
		b, ok2 := parseTimestamp(operand)
		if !ok1 || !ok2 {
			return false
		}
		c = a.Compare(b)
	default:
		return false
	}
	switch {
	case strings.HasSuffix(op, "LessThanEquals"):
		return c <= 0
	case strings.HasSuffix(op, "GreaterThanEquals"):
		return c >= 0
	case strings.HasSuffix(op, "LessThan"):
		return c < 0
	case strings.HasSuffix(op, "GreaterThan"):
		return c > 0
	}
	return c == 0 // *Equals
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// wildcardMatch matches s against a StringMatches pattern: * is any run
// of characters, \* a literal star and \\ a literal backslash.
func wildcardMatch(pattern, s string) bool {
	type tok struct {
		star bool
		ch   rune
	}
	var toks []tok
	rs := []rune(pattern)
	for i := 0; i < len(rs); i++ {
		switch {
		case rs[i] == '\\' && i+1 < len(rs):
			toks = append(toks, tok{ch: rs[i+1]})
			i++
		case rs[i] == '*':
			toks = append(toks, tok{star: true})
		default:
			toks = append(toks, tok{ch: rs[i]})
		}
	}
	str := []rune(s)
	// Classic greedy match with backtracking to the last star.
	ti, si, starT, starS := 0, 0, -1, 0
	for si < len(str) {
		switch {
		case ti < len(toks) && !toks[ti].star && toks[ti].ch == str[si]:
			ti++
			si++
		case ti < len(toks) && toks[ti].star:
			starT, starS = ti, si
			ti++
		case starT >= 0:
			ti = starT + 1
			starS++
			si = starS
		default:
			return false
		}
	}
	for ti < len(toks) && toks[ti].star {
		ti++
	}
	return ti == len(toks)
}
