package spec

import (
	"strings"
	"testing"
)

func searchSpec(search, load string) string {
	if load == "" {
		load = `"duration":"5s"`
	}
	return `{"name":"s","target":{"kind":"sim"},"slo":{"ttft_ms":500},"search":` + search + `,"load":{` + load + `}}`
}

func TestSearchValid(t *testing.T) {
	s, err := Parse(strings.NewReader(searchSpec(`{"over":"concurrency","min":1,"max":512,"slo":{"ttft_p95_ms":500,"error_rate":0.01}}`, "")))
	if err != nil {
		t.Fatal(err)
	}
	if se := s.Search; se.PrecisionOr0() != DefaultSearchPrecision || se.MaxLevels != DefaultSearchMaxLevels || s.Load.Mode != ModeConcurrency || len(se.SLO.Criteria()) != 2 {
		t.Errorf("defaults: %+v, mode %q", se, s.Load.Mode)
	}
	s, err = Parse(strings.NewReader(searchSpec(`{"over":"rate","min":0.5,"max":40,"precision":0.1,"max_levels":8,"slo":{"goodput_ratio":0.99}}`, "")))
	if err != nil {
		t.Fatal(err)
	}
	if s.Load.Mode != ModeRate || s.Load.Arrival != ArrivalPoisson {
		t.Errorf("over rate: mode %q arrival %q, want rate and poisson", s.Load.Mode, s.Load.Arrival)
	}
}

func TestSearchInvalid(t *testing.T) {
	const slo = `"slo":{"ttft_p95_ms":500}`
	tests := []struct {
		name, search, load, want string
	}{
		{"max < min", `{"over":"concurrency","min":8,"max":4,` + slo + `}`, "", "search.max: must be at least search.min (8), got 4"},
		{"precision 0", `{"over":"concurrency","min":1,"max":4,"precision":0,` + slo + `}`, "", "search.precision: must be > 0 and < 1"},
		{"precision 1", `{"over":"concurrency","min":1,"max":4,"precision":1,` + slo + `}`, "", "search.precision: must be > 0 and < 1"},
		{"precision < 0", `{"over":"concurrency","min":1,"max":4,"precision":-0.1,` + slo + `}`, "", "got -0.1"},
		{"unknown metric", `{"over":"concurrency","min":1,"max":4,"slo":{"ttft_p97_ms":500}}`, "", `search.slo: unknown metric "ttft_p97_ms": the criteria are ttft_p95_ms, tpot_p95_ms`},
		{"no criterion", `{"over":"concurrency","min":1,"max":4,"slo":{}}`, "", "search.slo: needs at least one criterion"},
		{"with levels", `{"over":"concurrency","min":1,"max":4,` + slo + `}`, `"levels":[2],"duration":"5s"`, "load.levels: must not be set with search"},
		{"with rates", `{"over":"rate","min":1,"max":4,` + slo + `}`, `"rates":[2],"duration":"5s"`, "load.rates: must not be set with search"},
		{"fractional concurrency", `{"over":"concurrency","min":1.5,"max":4,` + slo + `}`, "", "search.min: must be a whole number"},
		{"bad over", `{"over":"tokens","min":1,"max":4,` + slo + `}`, "", `search.over: must be "concurrency" or "rate"`},
		{"error rate > 1", `{"over":"concurrency","min":1,"max":4,"slo":{"error_rate":5}}`, "", "search.slo.error_rate: must be a fraction between 0 and 1"},
		{"mode mismatch", `{"over":"rate","min":1,"max":4,` + slo + `}`, `"mode":"concurrency","duration":"5s"`, `search.over: "rate" needs load.mode "rate"`},
		{"max_levels", `{"over":"concurrency","min":1,"max":4,"max_levels":1,` + slo + `}`, "", "search.max_levels: must be between 2 and 50"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(strings.NewReader(searchSpec(tt.search, tt.load)))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to say %q", err, tt.want)
			}
		})
	}
	_, err := Parse(strings.NewReader(`{"name":"s","target":{"kind":"sim"},"search":{"over":"concurrency","min":1,"max":4,"slo":{"goodput_ratio":0.9}},"load":{"duration":"5s"}}`))
	if err == nil || !strings.Contains(err.Error(), "search.slo.goodput_ratio: counts the requests meeting the spec's slo") {
		t.Errorf("goodput_ratio without slo: %v", err)
	}
}
