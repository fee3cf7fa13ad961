package spec

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/llmbench/llmbench/shared/lengths"
)

// Length is the token count of each request (workload.input_tokens,
// workload.output_tokens): in JSON a whole number, a fixed length as
// before, or an object drawn per request under the run's seed:
//
//	{"dist": "uniform", "min": 16, "max": 2048}
//	{"dist": "normal" | "lognormal", "mean": 512, "stddev": 128, "min": 16, "max": 4096}
//
// Package lengths says what each distribution means (mean and stddev are
// of the token count; min and max truncate, defaulting to 1 and 1000000)
// and draws them. A zero field is absent; the zero Length is no length at
// all, which ApplyDefaults replaces.
type Length lengths.Dist

// FixedLength returns the fixed length of n tokens.
func FixedLength(n int) Length { return Length{Fixed: n} }

// Dist returns l as the distribution package lengths and package workload
// draw from.
func (l Length) Dist() lengths.Dist { return lengths.Dist(l) }

// IsZero reports whether l is absent (so that an omitzero tag drops it).
func (l Length) IsZero() bool { return l == Length{} }

// Expected returns the mean length of a valid l, truncation included: the
// tokens per request to plan and estimate costs with.
func (l Length) Expected() float64 { return l.Dist().Expected() }

// String describes l for reports: "512", "uniform 16..2048",
// "normal(mean 512, stddev 128) in 16..4096".
func (l Length) String() string { return l.Dist().String() }

// Validate returns the problems of l, each prefixed by path (the field's
// path in the spec, e.g. workload.input_tokens) or by path.key for one key
// of the object form.
func (l Length) Validate(path string) []string {
	var probs lengths.Problems
	if !errors.As(l.Dist().Validate(), &probs) {
		return nil
	}
	out := make([]string, len(probs))
	for i, e := range probs {
		if e.Field == "" {
			out[i] = path + ": " + e.Err.Error()
		} else {
			out[i] = path + "." + e.Field + ": " + e.Err.Error()
		}
	}
	return out
}

// lengthKeys are the keys of the object form, in the order MarshalJSON
// writes them.
var lengthKeys = []string{"dist", "mean", "stddev", "min", "max"}

// lengthObject is the object form on the way out.
type lengthObject struct {
	Dist   string  `json:"dist"`
	Mean   float64 `json:"mean,omitempty"`
	Stddev float64 `json:"stddev,omitempty"`
	Min    int     `json:"min,omitempty"`
	Max    int     `json:"max,omitempty"`
}

// MarshalJSON writes l in the form it was read in: the number for a fixed
// length (any Length without a dist), else the object with the keys given.
func (l Length) MarshalJSON() ([]byte, error) {
	if l.Kind == "" {
		return strconv.AppendInt(nil, int64(l.Fixed), 10), nil
	}
	return json.Marshal(lengthObject{Dist: l.Kind, Mean: l.Mean, Stddev: l.Stddev, Min: l.Min, Max: l.Max})
}

// UnmarshalJSON reads a whole number (512, 512.0 or 5.12e2) or the object
// form, whose keys must be among dist, mean, stddev, min and max, dist
// required; null leaves l as it was. A value of the wrong type is a
// *json.UnmarshalTypeError, which the decoder completes with the field's
// path (workload.input_tokens, workload.input_tokens.min). The values are
// checked by Validate, not here.
func (l *Length) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case string(b) == "null":
		return nil
	case len(b) > 0 && b[0] == '{':
		return l.unmarshalObject(b)
	}
	n, err := wholeNumber(b, reflect.TypeFor[Length]())
	if err != nil {
		return err
	}
	*l = Length{Fixed: n}
	return nil
}

func (l *Length) unmarshalObject(b []byte) error {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	var unknown []string
	for k := range m {
		if !slices.Contains(lengthKeys, k) {
			unknown = append(unknown, strconv.Quote(k))
		}
	}
	if len(unknown) > 0 {
		slices.Sort(unknown)
		return fmt.Errorf("spec: token length %s: unknown key %s (want %s)", excerpt(b), strings.Join(unknown, ", "), strings.Join(lengthKeys, ", "))
	}
	if raw, ok := m["dist"]; !ok || string(raw) == "null" {
		return fmt.Errorf(`spec: token length %s: "dist" is required: %s, %s or %s (a fixed length is a bare number)`,
			excerpt(b), lengths.Uniform, lengths.Normal, lengths.Lognormal)
	}
	var d Length
	for _, f := range []struct {
		key string
		ptr any
	}{{"dist", &d.Kind}, {"mean", &d.Mean}, {"stddev", &d.Stddev}} {
		if raw, ok := m[f.key]; ok {
			if err := json.Unmarshal(raw, f.ptr); err != nil {
				return inField(err, f.key)
			}
		}
	}
	for _, f := range []struct {
		key string
		ptr *int
	}{{"min", &d.Min}, {"max", &d.Max}} {
		if raw, ok := m[f.key]; ok && string(raw) != "null" {
			n, err := wholeNumber(raw, reflect.TypeFor[int]())
			if err != nil {
				return inField(err, f.key)
			}
			*f.ptr = n
		}
	}
	*l = d
	return nil
}

// wholeNumber parses a JSON number that is a whole number of tokens; any
// other value is an *json.UnmarshalTypeError naming typ.
func wholeNumber(b []byte, typ reflect.Type) (int, error) {
	bad := &json.UnmarshalTypeError{Value: jsonKind(b), Type: typ}
	if bad.Value != "number" {
		return 0, bad
	}
	x, err := strconv.ParseFloat(string(b), 64)
	// 2⁵³: beyond it a float64 has no fractional part to check, and a
	// length is at most a million anyway
	if err != nil || x != math.Trunc(x) || math.Abs(x) > 1<<53 {
		bad.Value = "number " + string(b)
		return 0, bad
	}
	return int(x), nil
}

// jsonKind names the kind of a JSON value as encoding/json's errors do.
func jsonKind(b []byte) string {
	if len(b) == 0 {
		return "nothing"
	}
	switch c := b[0]; {
	case c == '"':
		return "string"
	case c == '[':
		return "array"
	case c == '{':
		return "object"
	case c == 't' || c == 'f':
		return "bool"
	case c == '-' || c >= '0' && c <= '9':
		return "number"
	}
	return "value"
}

// inField puts a key's type error under the key, so the decoder reports
// workload.input_tokens.min rather than workload.input_tokens.
func inField(err error, key string) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field == "" {
		te.Field = key
	}
	return err
}

// excerpt returns the object compacted and cut short, to tell which length
// an error is about (the decoder adds no path to errors other than type
// errors).
func excerpt(b []byte) string {
	var c bytes.Buffer
	if json.Compact(&c, b) != nil {
		c.Reset()
		c.Write(b)
	}
	if s := c.String(); len(s) <= 80 {
		return s
	}
	return strings.ToValidUTF8(string(c.Bytes()[:77]), "") + "..."
}
