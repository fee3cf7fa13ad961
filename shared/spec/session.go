package spec

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/llmbench/llmbench/shared/lengths"
)

// Session is workload.session: every virtual user plays one multi-turn
// conversation at a time. Turn k sends the whole history, the earlier
// turns' prompts and the answers the server actually gave, then the new
// prompt; the conversation ends after Turns turns, or at the first turn
// that fails, and the user starts the next one.
type Session struct {
	// Turns is the number of turns of a conversation: fixed, or drawn per
	// conversation from a distribution (as a token length is).
	Turns Length `json:"turns"`
	// ThinkTime is the pause between an answer and the next turn of the
	// same conversation (none before a conversation's first turn).
	ThinkTime ThinkTime `json:"think_time,omitzero"`
}

// MaxTurns bounds a conversation's turns, fixed or drawn: its history is
// sent with every turn.
const MaxTurns = 1000

// ThinkTime is a pause: in JSON a duration ("2s"), or an object drawn per
// pause, its values durations:
//
//	{"dist": "uniform", "min": "0s", "max": "4s"}
//	{"dist": "normal" | "lognormal", "mean": "2s", "stddev": "500ms", "min": "0s", "max": "10s"}
//
// Draws are whole milliseconds. The zero ThinkTime is no pause.
type ThinkTime struct {
	Fixed                  Duration // the form "2s"
	Kind                   string   // "" for the fixed form, else the distribution
	Mean, Stddev, Min, Max Duration // the object form's values; "" when absent
}

// IsZero reports whether t is absent.
func (t ThinkTime) IsZero() bool { return t == ThinkTime{} }

// thinkKeys are the keys of the object form, in the order MarshalJSON
// writes them.
var thinkKeys = []string{"dist", "mean", "stddev", "min", "max"}

// MarshalJSON writes t in the form it was read in.
func (t ThinkTime) MarshalJSON() ([]byte, error) {
	if t.Kind == "" {
		return json.Marshal(string(t.Fixed))
	}
	var b bytes.Buffer
	b.WriteString(`{"dist":`)
	b.WriteString(strconv.Quote(t.Kind))
	for _, f := range []struct {
		key string
		v   Duration
	}{{"mean", t.Mean}, {"stddev", t.Stddev}, {"min", t.Min}, {"max", t.Max}} {
		if f.v != "" {
			fmt.Fprintf(&b, ",%q:%q", f.key, string(f.v))
		}
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// UnmarshalJSON reads a duration string or the object form, whose keys
// must be among dist, mean, stddev, min and max, each value a duration
// string. The values are checked by Validate.
func (t *ThinkTime) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case string(b) == "null":
		return nil
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*t = ThinkTime{Fixed: Duration(s)}
		return nil
	case len(b) == 0 || b[0] != '{':
		return fmt.Errorf(`spec: think time %s: want a duration ("2s") or {"dist": …, "mean": "2s", …}`, excerpt(b))
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	var unknown []string
	for k := range m {
		if !slices.Contains(thinkKeys, k) {
			unknown = append(unknown, strconv.Quote(k))
		}
	}
	if len(unknown) > 0 {
		slices.Sort(unknown)
		return fmt.Errorf("spec: think time %s: unknown key %s (want %s)", excerpt(b), strings.Join(unknown, ", "), strings.Join(thinkKeys, ", "))
	}
	var d ThinkTime
	for _, f := range []struct {
		key string
		ptr *string
	}{{"dist", &d.Kind}, {"mean", (*string)(&d.Mean)}, {"stddev", (*string)(&d.Stddev)}, {"min", (*string)(&d.Min)}, {"max", (*string)(&d.Max)}} {
		if raw, ok := m[f.key]; ok && string(raw) != "null" {
			if err := json.Unmarshal(raw, f.ptr); err != nil {
				return fmt.Errorf(`spec: think time %s: %q must be a string (a duration such as "2s" for mean, stddev, min and max)`, excerpt(b), f.key)
			}
		}
	}
	if d.Kind == "" {
		return fmt.Errorf(`spec: think time %s: "dist" is required: %s, %s or %s (a fixed pause is a bare duration, "2s")`,
			excerpt(b), lengths.Uniform, lengths.Normal, lengths.Lognormal)
	}
	*t = d
	return nil
}

// Dist returns the pause as a distribution of whole milliseconds plus
// one: package lengths draws counts of at least 1, and the shift lets a
// pause of 0 be a bound. Subtract 1 from a draw (Draw does). Call it only
// on a valid t.
func (t ThinkTime) Dist() lengths.Dist {
	ms := func(d Duration) int { return int(d.D() / time.Millisecond) }
	if t.Kind == "" {
		return lengths.Dist{Fixed: ms(t.Fixed) + 1}
	}
	d := lengths.Dist{Kind: t.Kind}
	if t.Mean != "" {
		d.Mean = float64(ms(t.Mean) + 1)
	}
	if t.Stddev != "" {
		d.Stddev = float64(t.Stddev.D()) / float64(time.Millisecond)
	}
	if t.Min != "" {
		d.Min = ms(t.Min) + 1
	}
	if t.Max != "" {
		d.Max = ms(t.Max) + 1
	}
	return d
}

// String describes t for reports: "2s", "uniform 0s..4s",
// "normal(mean 2s, stddev 500ms) in 0s..10s".
func (t ThinkTime) String() string {
	switch {
	case t.IsZero():
		return "none"
	case t.Kind == "":
		return string(t.Fixed)
	case t.Kind == lengths.Uniform:
		return fmt.Sprintf("%s %s..%s", t.Kind, t.Min, t.Max)
	}
	s := fmt.Sprintf("%s(mean %s, stddev %s)", t.Kind, t.Mean, or(string(t.Stddev), "0s"))
	if t.Min != "" || t.Max != "" {
		s += fmt.Sprintf(" in %s..%s", or(string(t.Min), "0s"), or(string(t.Max), "1000s"))
	}
	return s
}

func or(s, dflt string) string {
	if s == "" {
		return dflt
	}
	return s
}

// maxThink bounds a pause: the distribution's millisecond counts stay
// under lengths.MaxTokens.
const maxThink = 900 * time.Second

// validate returns the problems of t under path.
func (t ThinkTime) validate(path string) []string {
	var out []string
	dur := func(key string, d Duration, required bool) bool {
		p := path
		if key != "" {
			p += "." + key
		}
		if d == "" {
			if required {
				out = append(out, p+": is required")
			}
			return false
		}
		v, err := time.ParseDuration(string(d))
		switch {
		case err != nil:
			out = append(out, fmt.Sprintf("%s: must be a duration such as \"2s\" or \"500ms\", got %q", p, string(d)))
		case v < 0 || v > maxThink:
			out = append(out, fmt.Sprintf("%s: must be between 0s and %s, got %s", p, maxThink, string(d)))
		default:
			return true
		}
		return false
	}
	if t.Kind == "" {
		dur("", t.Fixed, true)
		return out
	}
	ok := true
	for _, f := range []struct {
		key string
		v   Duration
	}{{"mean", t.Mean}, {"stddev", t.Stddev}, {"min", t.Min}, {"max", t.Max}} {
		if f.v != "" && !dur(f.key, f.v, false) {
			ok = false
		}
	}
	if !ok {
		return out
	}
	if t.Min != "" && t.Max != "" && t.Min.D() > t.Max.D() {
		return append(out, fmt.Sprintf("%s: min %s is greater than max %s", path, t.Min, t.Max))
	}
	return append(out, Length(t.Dist()).Validate(path)...)
}

// checkSession checks workload.session against the load it runs under.
func (s *Spec) checkSession() Problems {
	ss := s.Workload.Session
	if ss == nil {
		return nil
	}
	var p Problems
	add := func(path, format string, args ...any) {
		p = append(p, path+": "+fmt.Sprintf(format, args...))
	}
	if ss.Turns.IsZero() {
		add("workload.session.turns", "is required: a number of turns, at least 1 (4), or {\"dist\": …}")
	} else if probs := ss.Turns.Validate("workload.session.turns"); len(probs) > 0 {
		p = append(p, probs...)
	} else if _, hi := ss.Turns.Dist().Bounds(); hi > MaxTurns {
		add("workload.session.turns", "must be at most %d turns (every turn resends the whole conversation), got up to %d", MaxTurns, hi)
	}
	if !ss.ThinkTime.IsZero() {
		p = append(p, ss.ThinkTime.validate("workload.session.think_time")...)
	}
	if s.Load.Mode == ModeRate {
		add("workload.session", "needs load.mode %q: a virtual user plays one conversation at a time, and an arrival rate has no users", ModeConcurrency)
	}
	return p
}
