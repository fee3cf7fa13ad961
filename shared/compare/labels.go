package compare

import (
	"fmt"
	"strings"

	"github.com/llmbench/llmbench/shared/summary"
)

// Labels names the runs in tables and legends, one label per run in the
// order given. given[i], when not empty, is run i's own label (the CLI's
// --label); the others get a default: the spec's name and the platform,
// "local-sim-g5-llama31-8b · Sim" (either alone when the other is
// missing, the run ID when both are), with " (simulated)" when a run on
// another platform measured the simulated server. Where defaults
// collide (two runs of one spec), each of them names its run ID instead
// of the spec's name; the same run given twice is told apart by its
// place, "#2". Two given labels that are equal, or a given label equal
// to another run's label, are an error: the caller asked for a table
// whose rows cannot be told apart.
func Labels(runs []*summary.Summary, given []string) ([]string, error) {
	isGiven := func(i int) bool { return i < len(given) && given[i] != "" }
	defaults := make([]string, len(runs))
	for i, s := range runs {
		defaults[i] = defaultLabel(s, s.Name)
	}
	// A default that collides with another run's label names its run ID
	// instead.
	out := make([]string, len(runs))
	for i, s := range runs {
		if isGiven(i) {
			out[i] = given[i]
			continue
		}
		out[i] = defaults[i]
		for j := range runs {
			if j != i && (!isGiven(j) && defaults[j] == defaults[i] || isGiven(j) && given[j] == defaults[i]) {
				out[i] = defaultLabel(s, s.RunID)
				break
			}
		}
	}
	// What still collides: the same run twice (by default), or a label
	// the caller gave.
	for i := range out {
		for j := 0; j < i; j++ {
			if out[i] != out[j] {
				continue
			}
			if isGiven(i) || isGiven(j) {
				return out, fmt.Errorf("compare: runs %d and %d would both be labelled %q: give each its own --label", j+1, i+1, out[i])
			}
			out[i] = fmt.Sprintf("%s #%d", out[i], i+1)
		}
	}
	return out, nil
}

// defaultLabel is "name · Platform" with the name given (the spec's, or
// the run ID).
func defaultLabel(s *summary.Summary, name string) string {
	plat := s.Platform
	if n, ok := platformNames[strings.ToLower(plat)]; ok {
		plat = n
	}
	var l string
	switch {
	case name != "" && plat != "":
		l = name + " · " + plat
	case name != "":
		l = name
	case plat != "":
		l = plat
	default:
		l = s.RunID
	}
	if s.Simulated && !strings.EqualFold(s.Platform, "sim") {
		l += " (simulated)"
	}
	return l
}
