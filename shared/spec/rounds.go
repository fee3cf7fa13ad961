package spec

import (
	"fmt"
	"time"
)

// Rounds: a level longer than one worker invocation runs as consecutive
// rounds of the same slices (package plan splits it; the state machine
// loops). load.round fixes a round's length; the planner refuses one
// longer than what the worker's configured timeout leaves.

// MinRound and MaxRound bound load.round: a round shorter than a second
// is mostly its start margin, and none can outlast Lambda's 15 minutes.
const (
	MinRound = time.Second
	MaxRound = 15 * time.Minute
)

// RoundLength is load.round, 0 when unset (or invalid: Validate says so).
func (l Load) RoundLength() time.Duration {
	if l.Round == "" {
		return 0
	}
	d, err := time.ParseDuration(string(l.Round))
	if err != nil || d < 0 {
		return 0
	}
	return d
}

// checkRound checks load.round and the shapes rounds support.
func (s *Spec) checkRound() Problems {
	l := s.Load
	if l.Round == "" {
		return nil
	}
	var p Problems
	add := func(format string, args ...any) { p = append(p, "load.round: "+fmt.Sprintf(format, args...)) }
	r, ok := checkDurationOK(&p, "load.round", l.Round, false)
	if !ok {
		return p
	}
	switch {
	case r < MinRound || r > MaxRound:
		add("must be from %v to %v (a round runs in one worker invocation), got %q", MinRound, MaxRound, string(l.Round))
	case r%time.Millisecond != 0:
		add("must be whole milliseconds, got %q", string(l.Round))
	}
	for _, w := range s.RoundRefusals(r) {
		add("%s", w)
	}
	return p
}

// RoundRefusals say why a level of the spec cannot run as rounds of
// length round (none when it can): what does not carry from one worker
// invocation to the next. The planner asks it too when it splits a level
// into rounds of the worker's configured length.
func (s *Spec) RoundRefusals(round time.Duration) []string {
	l := s.Load
	var out []string
	if l.Duration.D() <= 0 {
		out = append(out, "rounds need load.duration (a level that ends on load.requests has no length to split)")
	}
	if l.Requests > 0 {
		out = append(out, "is refused with load.requests: a request budget does not carry over between rounds")
	}
	if l.Ramp != nil {
		out = append(out, "is refused with load.ramp: a ramp runs in one invocation (make load.ramp.over + load.warmup + load.duration fit in one, or drop the ramp)")
	}
	if s.Target.Metrics != nil {
		out = append(out, "is refused with target.metrics: a level's scrapes are stored per level, and a later round's would overwrite the earlier's")
	}
	if w := l.Warmup.D(); w >= round {
		out = append(out, fmt.Sprintf("the warm-up (load.warmup %v) must end inside the first round of %v", w, round))
	}
	return out
}
