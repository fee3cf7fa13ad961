package spec

import (
	"errors"
	"strings"
	"testing"
)

// loadDoc is a sim spec with the given load section.
func loadDoc(load string) string {
	return `{"name":"l","target":{"kind":"sim"},"load":` + load + `}`
}

func TestLoadShapeProblems(t *testing.T) {
	tests := []struct {
		name string
		load string
		want []string // each must appear in the error
	}{
		{"rate zero", `{"mode":"rate","rates":[2,0],"duration":"10s"}`, []string{"load.rates[1]: must be a finite number > 0"}},
		{"rate negative", `{"mode":"rate","rates":[-1],"duration":"10s"}`, []string{"load.rates[0]: must be a finite number > 0"}},
		{"rate repeated", `{"mode":"rate","rates":[2,2],"duration":"10s"}`, []string{"load.rates[1]: repeats load.rates[0]"}},
		{"no rates", `{"mode":"rate","duration":"10s"}`, []string{"load.rates: needs at least one rate"}},
		{"burstiness zero", `{"mode":"rate","rates":[2],"arrival":"gamma","duration":"10s"}`, []string{"load.burstiness: must be a finite number > 0"}},
		{"burstiness negative", `{"mode":"rate","rates":[2],"arrival":"gamma","burstiness":-1,"duration":"10s"}`, []string{"load.burstiness: must be a finite number > 0"}},
		{"burstiness with constant", `{"mode":"rate","rates":[2],"arrival":"constant","burstiness":2,"duration":"10s"}`, []string{"load.burstiness: not allowed here"}},
		{"unknown arrival", `{"mode":"rate","rates":[2],"arrival":"bursty","duration":"10s"}`, []string{"load.arrival: unknown value \"bursty\""}},
		{"ramp longer than level", `{"mode":"rate","ramp":{"from":1,"to":8,"over":"90s"},"warmup":"10s","duration":"60s"}`, []string{"load.ramp.over: 1m30s is longer than the level (load.warmup + load.duration = 1m10s)"}},
		{"ramp with rates", `{"mode":"rate","rates":[2],"ramp":{"from":1,"to":8,"over":"30s"},"duration":"60s"}`, []string{"load.rates: must be empty with load.ramp"}},
		{"ramp bad strategy", `{"mode":"rate","ramp":{"from":1,"to":8,"over":"30s","strategy":"cubic"},"duration":"60s"}`, []string{"load.ramp.strategy: must be \"linear\" or \"exponential\""}},
		{"ramp exponential from zero", `{"mode":"rate","ramp":{"from":0,"to":8,"over":"30s","strategy":"exponential"},"duration":"60s"}`, []string{"load.ramp.from: must be a finite number > 0"}},
		{"rates in concurrency mode", `{"mode":"concurrency","levels":[4],"rates":[2],"duration":"10s"}`, []string{"load.rates: are requests per second, for load.mode \"rate\""}},
		{"arrival in concurrency mode", `{"levels":[4],"arrival":"gamma","burstiness":0.5,"max_concurrency":3,"duration":"10s"}`, []string{"load.arrival: is for load.mode \"rate\"", "load.burstiness: is for load.mode \"rate\"", "load.max_concurrency: is for load.mode \"rate\""}},
		{"levels in rate mode", `{"mode":"rate","levels":[4],"rates":[2],"duration":"10s"}`, []string{"load.levels: are concurrencies"}},
		{"slice rate too high", `{"mode":"rate","rates":[2],"slice_rate":5000,"duration":"10s"}`, []string{"load.slice_rate: must be > 0 and at most 1000"}},
		{"unknown mode", `{"mode":"open","rates":[2],"duration":"10s"}`, []string{"load.mode: must be \"concurrency\" or \"rate\""}},
		{"sweep without levels", `{"profile":"sweep","duration":"10s"}`, []string{"load.sweep_levels: must be between 1 and 100", "load.sweep_concurrency: must be between 1"}},
		{"sweep in concurrency mode", `{"mode":"concurrency","profile":"sweep","sweep_levels":3,"sweep_concurrency":8,"duration":"10s"}`, []string{"load.profile: \"sweep\" measures rates"}},
		{"sweep with rates", `{"profile":"sweep","sweep_levels":3,"sweep_concurrency":8,"rates":[1],"duration":"10s"}`, []string{"load.rates: must be empty with load.profile \"sweep\""}},
		{"sweep fields without sweep", `{"levels":[2],"sweep_levels":3,"duration":"10s"}`, []string{"load.sweep_levels: is for load.profile \"sweep\""}},
		{"concurrency ramp fractional", `{"ramp":{"from":0.5,"to":8,"over":"10s"},"duration":"20s"}`, []string{"load.ramp.from: must be a whole number of virtual users"}},
		{"concurrency ramp with levels", `{"levels":[4],"ramp":{"from":1,"to":8,"over":"10s"},"duration":"20s"}`, []string{"load.levels: must be empty with load.ramp"}},
		{"max workers negative", `{"levels":[4],"max_workers":-1,"duration":"10s"}`, []string{"load.max_workers: must be between 1 and 10000"}},
		{"max workers past a Distributed Map", `{"levels":[4],"max_workers":10001,"duration":"10s"}`, []string{"load.max_workers: must be between 1 and 10000", "got 10001"}},
		// load.tolerated_failure_percent is a share of the level's slices, 0..100.
		{"tolerated failures negative", `{"levels":[4],"tolerated_failure_percent":-1,"duration":"10s"}`, []string{"load.tolerated_failure_percent: must be between 0 and 100", "got -1"}},
		{"tolerated failures past 100", `{"levels":[4],"tolerated_failure_percent":100.5,"duration":"10s"}`, []string{"load.tolerated_failure_percent: must be between 0 and 100", "got 100.5"}},
		{"ramp without duration", `{"mode":"rate","ramp":{"from":1,"to":8,"over":"10s"},"requests":100}`, []string{"load.ramp.over: a ramp needs load.duration"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(strings.NewReader(loadDoc(tt.load)))
			if err == nil {
				t.Fatalf("spec accepted; want %q", tt.want)
			}
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("error %v does not wrap ErrInvalid", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
		})
	}
}

func TestLoadShapeAccepted(t *testing.T) {
	tests := []struct {
		name string
		load string
		mode string
	}{
		{"rates imply mode rate", `{"rates":[0.5,2],"duration":"10s"}`, ModeRate},
		{"gamma", `{"mode":"rate","rates":[2],"arrival":"gamma","burstiness":0.5,"max_concurrency":16,"duration":"10s"}`, ModeRate},
		{"rate ramp", `{"mode":"rate","ramp":{"from":1,"to":32,"over":"60s","strategy":"exponential"},"duration":"60s"}`, ModeRate},
		{"sweep", `{"profile":"sweep","sweep_levels":4,"sweep_concurrency":32,"duration":"10s"}`, ModeRate},
		{"concurrency ramp", `{"ramp":{"from":0,"to":8,"over":"10s"},"warmup":"5s","duration":"10s"}`, ModeConcurrency},
		{"levels", `{"levels":[1,2],"requests":4}`, ModeConcurrency},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Parse(strings.NewReader(loadDoc(tt.load)))
			if err != nil {
				t.Fatal(err)
			}
			if s.Load.Mode != tt.mode {
				t.Errorf("mode = %q, want %q", s.Load.Mode, tt.mode)
			}
			if tt.mode == ModeRate && (s.Load.Arrival == "" || s.Load.SliceRate != DefaultSliceRate) {
				t.Errorf("rate defaults not applied: arrival %q slice_rate %v", s.Load.Arrival, s.Load.SliceRate)
			}
		})
	}
}

func TestSharedPrefixProblems(t *testing.T) {
	for _, c := range []struct{ workload, want string }{
		{`{"shared_prefix":{"count":0,"tokens":10}}`, "workload.shared_prefix.count: must be between 1 and 100000, got 0"},
		{`{"shared_prefix":{"count":2,"tokens":0}}`, "workload.shared_prefix.tokens: must be between 1 and 1000000, got 0"},
		{`{"prompts":"dataset","dataset":{"format":"jsonl","path":"x.jsonl"},"shared_prefix":{"count":2,"tokens":5}}`, "workload.shared_prefix: is for synthetic prompts"},
		{`{"shared_prefix":{"count":2,"tokens":5,"extra":1}}`, "unknown field"},
	} {
		_, err := Parse(strings.NewReader(`{"name":"p","target":{"kind":"sim"},"workload":` + c.workload + `,"load":{"levels":[1],"requests":1}}`))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want %q", c.workload, err, c.want)
		}
	}
}
