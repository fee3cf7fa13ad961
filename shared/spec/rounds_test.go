package spec

import (
	"strings"
	"testing"
)

// TestRoundValidation: load.round is checked with its JSON path, with the
// shapes rounds cannot carry from one invocation to the next.
func TestRoundValidation(t *testing.T) {
	for _, c := range []struct {
		name, load, want string // want "": valid
	}{
		{"a round", `"duration":"30m","round":"2m"`, ""},
		{"not a duration", `"duration":"30m","round":"two"`, `load.round: must be a duration`},
		{"too short", `"duration":"30m","round":"500ms"`, `load.round: must be from 1s to 15m0s`},
		{"longer than Lambda", `"duration":"30m","round":"16m"`, `load.round: must be from 1s to 15m0s`},
		{"fractional ms", `"duration":"30m","round":"1.0005s"`, `load.round: must be whole milliseconds`},
		{"with requests", `"duration":"30m","requests":10,"round":"2m"`, `load.round: is refused with load.requests`},
		{"warm-up past it", `"duration":"30m","warmup":"3m","round":"2m"`, `load.round: the warm-up (load.warmup 3m0s) must end inside the first round of 2m0s`},
		{"requests only", `"requests":10,"round":"2m"`, `load.round: rounds need load.duration`},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse(strings.NewReader(`{"name":"r","target":{"kind":"sim"},"load":{"levels":[2],` + c.load + `}}`))
			switch {
			case c.want == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
				t.Fatalf("err = %v, want %q", err, c.want)
			}
		})
	}
	// Server telemetry is stored per level: refused with rounds.
	_, err := Parse(strings.NewReader(`{"name":"r","target":{"kind":"sim","metrics":{}},"load":{"levels":[2],"duration":"30m","round":"2m"}}`))
	if err == nil || !strings.Contains(err.Error(), "load.round: is refused with target.metrics") {
		t.Errorf("rounds with target.metrics: err = %v", err)
	}
}
