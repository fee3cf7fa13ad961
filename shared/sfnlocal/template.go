package sfnlocal

import (
	"fmt"
	"sort"
	"strings"
)

// template is a compiled Payload Template (Parameters, ItemSelector,
// ResultSelector, lambda:invoke Payload): static JSON with "key.$" fields
// that take a Path or an intrinsic function call.
type template struct {
	static  any // used when fields and items are both nil
	object  bool
	array   bool
	fields  []tfield
	items   []*template
	dynamic bool
}

type tfield struct {
	key  string // without ".$"
	raw  string // as written, for messages
	sub  *template
	expr *valueExpr
}

// valueExpr is the value of a "key.$" field: a Path or an intrinsic call.
type valueExpr struct {
	text string
	path *path
	call *call
}

// compileValueExpr compiles the string value of a ".$" field.
func compileValueExpr(s string) (*valueExpr, error) {
	if strings.HasPrefix(s, "$") {
		p, err := compilePath(s, false)
		if err != nil {
			return nil, err
		}
		return &valueExpr{text: s, path: p}, nil
	}
	if strings.HasPrefix(s, "States.") {
		c, err := parseIntrinsic(s)
		if err != nil {
			return nil, err
		}
		return &valueExpr{text: s, call: c}, nil
	}
	return nil, fmt.Errorf("%q is neither a Path nor an intrinsic function", s)
}

// eval evaluates the expression; field names the "key.$" for messages.
func (v *valueExpr) eval(ev *evalEnv, field string) (any, *stateError) {
	if v.path != nil {
		got, ok := v.path.get(ev.input, ev.ctxObj())
		if !ok {
			where, data := "input", ev.input
			if v.path.context {
				where, data = "context object", ev.ctxObj()
			}
			return nil, newError(ErrParameterPathFailure, fmt.Sprintf(
				"The JSONPath '%s' specified for the field '%s' could not be found in the %s '%s'",
				v.text, field, where, truncate(encodeJSON(data))))
		}
		return got, nil
	}
	got, err := v.call.eval(ev)
	if err != nil {
		return nil, newError(ErrIntrinsicFailure, fmt.Sprintf("the field '%s': %v", field, err))
	}
	return got, nil
}

// compileTemplate compiles a Payload Template; problems are appended to errs.
func compileTemplate(v any, errs *[]string) *template {
	switch t := v.(type) {
	case map[string]any:
		tp := &template{object: true}
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		seen := map[string]bool{}
		for _, k := range keys {
			f := tfield{key: k, raw: k}
			if strings.HasSuffix(k, ".$") {
				f.key = strings.TrimSuffix(k, ".$")
				s, ok := t[k].(string)
				if !ok {
					*errs = append(*errs, fmt.Sprintf("field %q must be a string (a Path or an intrinsic function)", k))
					continue
				}
				e, err := compileValueExpr(s)
				if err != nil {
					*errs = append(*errs, fmt.Sprintf("field %q: %v", k, err))
					continue
				}
				f.expr = e
				tp.dynamic = true
			} else {
				f.sub = compileTemplate(t[k], errs)
				tp.dynamic = tp.dynamic || f.sub.dynamic
			}
			if seen[f.key] {
				*errs = append(*errs, fmt.Sprintf("field %q appears twice once %q is stripped", k, ".$"))
			}
			seen[f.key] = true
			tp.fields = append(tp.fields, f)
		}
		if !tp.dynamic {
			return &template{static: v}
		}
		return tp
	case []any:
		tp := &template{array: true}
		for _, e := range t {
			s := compileTemplate(e, errs)
			tp.items = append(tp.items, s)
			tp.dynamic = tp.dynamic || s.dynamic
		}
		if !tp.dynamic {
			return &template{static: v}
		}
		return tp
	}
	return &template{static: v}
}

// eval applies the template to ev.input and the context object.
func (tp *template) eval(ev *evalEnv) (any, *stateError) {
	switch {
	case tp.object:
		out := make(map[string]any, len(tp.fields))
		for _, f := range tp.fields {
			var v any
			var err *stateError
			if f.expr != nil {
				v, err = f.expr.eval(ev, f.raw)
			} else {
				v, err = f.sub.eval(ev)
			}
			if err != nil {
				return nil, err
			}
			out[f.key] = v
		}
		return out, nil
	case tp.array:
		out := make([]any, len(tp.items))
		for i, s := range tp.items {
			v, err := s.eval(ev)
			if err != nil {
				return nil, err
			}
			out[i] = v
		}
		return out, nil
	}
	return tp.static, nil
}
