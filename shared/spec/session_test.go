package spec

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/llmbench/llmbench/shared/lengths"
)

// sessionSpec is a spec with the given workload.session and load.
func sessionSpec(session, load string) string {
	if load == "" {
		load = `"levels":[2]`
	}
	return `{"name":"s","target":{"kind":"sim"},"workload":{"session":` + session + `},"load":{` + load + `,"duration":"5s"}}`
}

func TestSessionValid(t *testing.T) {
	tests := []struct {
		doc   string
		turns Length
		think ThinkTime
	}{
		{`{"turns":4}`, FixedLength(4), ThinkTime{}},
		{`{"turns":4,"think_time":"2s"}`, FixedLength(4), ThinkTime{Fixed: "2s"}},
		{`{"turns":{"dist":"uniform","min":2,"max":6},"think_time":{"dist":"uniform","min":"0s","max":"4s"}}`,
			Length{Kind: lengths.Uniform, Min: 2, Max: 6}, ThinkTime{Kind: "uniform", Min: "0s", Max: "4s"}},
		{`{"turns":3,"think_time":{"dist":"lognormal","mean":"2s","stddev":"500ms","max":"10s"}}`,
			FixedLength(3), ThinkTime{Kind: "lognormal", Mean: "2s", Stddev: "500ms", Max: "10s"}},
	}
	for _, tt := range tests {
		s, err := Parse(strings.NewReader(sessionSpec(tt.doc, "")))
		if err != nil {
			t.Errorf("%s: %v", tt.doc, err)
			continue
		}
		ss := s.Workload.Session
		if ss == nil || ss.Turns != tt.turns || ss.ThinkTime != tt.think {
			t.Errorf("%s: session %+v, want turns %+v think %+v", tt.doc, ss, tt.turns, tt.think)
			continue
		}
		// It round-trips in the form it was read in.
		b, err := json.Marshal(ss)
		if err != nil {
			t.Fatal(err)
		}
		var back Session
		if err := json.Unmarshal(b, &back); err != nil || back != *ss {
			t.Errorf("%s: round trip %s → %+v, %v", tt.doc, b, back, err)
		}
	}
}

func TestSessionInvalid(t *testing.T) {
	tests := []struct {
		name, session, load string
		want                string
	}{
		{"no turns", `{}`, "", "workload.session.turns: is required"},
		{"zero turns", `{"turns":0}`, "", "workload.session.turns: is required: a number of turns, at least 1"},
		{"too many turns", `{"turns":{"dist":"uniform","min":2,"max":5000}}`, "", "workload.session.turns: must be at most 1000 turns"},
		{"turns min > max", `{"turns":{"dist":"uniform","min":6,"max":2}}`, "", "workload.session.turns: min 6 is greater than max 2"},
		{"think not a duration", `{"turns":2,"think_time":"soon"}`, "", `workload.session.think_time: must be a duration such as "2s" or "500ms", got "soon"`},
		{"think negative", `{"turns":2,"think_time":"-1s"}`, "", "workload.session.think_time: must be between 0s and 15m0s, got -1s"},
		{"think min > max", `{"turns":2,"think_time":{"dist":"uniform","min":"3s","max":"1s"}}`, "", "workload.session.think_time: min 3s is greater than max 1s"},
		{"think bad key", `{"turns":2,"think_time":{"dist":"uniform","low":"1s"}}`, "", `unknown key "low"`},
		{"think number", `{"turns":2,"think_time":2}`, "", `want a duration ("2s")`},
		{"think no dist", `{"turns":2,"think_time":{"mean":"2s"}}`, "", `"dist" is required`},
		{"think stddev bad", `{"turns":2,"think_time":{"dist":"normal","mean":"2s","stddev":"x"}}`, "", `workload.session.think_time.stddev: must be a duration`},
		{"rate mode", `{"turns":2}`, `"rates":[4]`, `workload.session: needs load.mode "concurrency"`},
		{"unknown field", `{"turns":2,"think":"1s"}`, "", `unknown field "think"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(strings.NewReader(sessionSpec(tt.session, tt.load)))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to say %q", err, tt.want)
			}
		})
	}
	_, err := Parse(strings.NewReader(sessionSpec(`{"turns":0}`, "")))
	if !errors.Is(err, ErrInvalid) {
		t.Errorf("a bad session: %v is not ErrInvalid", err)
	}
}

// TestThinkTimeDist: the pause's distribution is in whole milliseconds
// plus one, so that 0 s can be a bound.
func TestThinkTimeDist(t *testing.T) {
	d := ThinkTime{Kind: "uniform", Min: "0s", Max: "4s"}.Dist()
	if d != (lengths.Dist{Kind: "uniform", Min: 1, Max: 4001}) {
		t.Errorf("Dist = %+v", d)
	}
	if f := (ThinkTime{Fixed: "1500ms"}).Dist(); f.Fixed != 1501 {
		t.Errorf("fixed 1500ms: %+v", f)
	}
	if (ThinkTime{Fixed: "2s"}).String() != "2s" || !strings.Contains(ThinkTime{Kind: "normal", Mean: "2s", Stddev: "1s"}.String(), "mean 2s") {
		t.Errorf("String: %q", ThinkTime{Kind: "normal", Mean: "2s", Stddev: "1s"}.String())
	}
}
