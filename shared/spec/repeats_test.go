package spec

import (
	"errors"
	"strings"
	"testing"
)

func TestRepeatsProblems(t *testing.T) {
	tests := []struct {
		name string
		load string
		want string
	}{
		// Zero is not "the default": a spec that says 0 runs nothing, which is a mistake.
		{"zero", `{"levels":[4],"duration":"10s","repeats":0}`, "load.repeats: must be at least 1 (each level runs once), got 0"},
		{"negative", `{"levels":[4],"duration":"10s","repeats":-2}`, "load.repeats: must be at least 1 (each level runs once), got -2"},
		{"too many", `{"levels":[4],"duration":"10s","repeats":21}`, "load.repeats: must be at most 20, got 21"},
		// A fraction fails to decode, naming the field.
		{"fraction", `{"levels":[4],"duration":"10s","repeats":2.5}`, "load.repeats: must be int, not number 2.5"},
		{"string", `{"levels":[4],"duration":"10s","repeats":"3"}`, "load.repeats: must be int, not string"},
		// The sweep's rates come from single measurements: nothing fixed to repeat.
		// The search's next level depends on the last one's measurement: nothing fixed either.
		{"search", `"duration":"10s","repeats":2`, `load.repeats: is refused with search: the search chooses each next level`},
		{"sweep", `{"profile":"sweep","sweep_levels":2,"sweep_concurrency":8,"duration":"10s","repeats":3}`, `load.repeats: is refused with load.profile "sweep": the sweep computes its rates`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := loadDoc(tt.load)
			if tt.name == "search" {
				doc = searchSpec(`{"over":"concurrency","min":1,"max":64,"slo":{"ttft_p95_ms":500}}`, tt.load)
			}
			_, err := Parse(strings.NewReader(doc))
			if err == nil {
				t.Fatalf("spec accepted; want %q", tt.want)
			}
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v\nwant it to contain %q (and wrap ErrInvalid)", err, tt.want)
			}
		})
	}
}

func TestRepeatsAccepted(t *testing.T) {
	tests := []struct {
		name string
		load string
		want int
	}{
		{"unset is one", `{"levels":[4],"duration":"10s"}`, 1},
		{"concurrency levels", `{"levels":[4,8],"duration":"10s","repeats":3}`, 3},
		{"rate levels", `{"rates":[2,4],"duration":"10s","repeats":20}`, 20},
		{"a ramp", `{"mode":"rate","ramp":{"from":1,"to":8,"over":"5s"},"duration":"10s","repeats":2}`, 2},
		// One repeat of a sweep is a sweep.
		{"sweep once", `{"profile":"sweep","sweep_levels":2,"sweep_concurrency":8,"duration":"10s","repeats":1}`, 1},
	}
	for _, tt := range tests {
		s, err := Parse(strings.NewReader(loadDoc(tt.load)))
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if got := s.Load.RepeatCount(); got != tt.want {
			t.Errorf("%s: RepeatCount %d, want %d", tt.name, got, tt.want)
		}
	}
}
