package main

import (
	"fmt"
	"strings"

	"github.com/llmbench/llmbench/shared/report"
	"github.com/llmbench/llmbench/shared/summary"
)

// errorBudget is the verdict a script reads from the exit code: a level
// whose error rate is above max, or whose slices failed past
// load.tolerated_failure_percent (the level is FAILED), fails the run
// (exit 1), after every row and the summary are written. With max 1 (the
// default) a level's error rate fails it only when every one of its
// measured requests failed.
func errorBudget(sum *summary.Summary, max float64) error {
	var bad []string
	for _, l := range sum.Levels {
		if f := l.SlicesFailed; f != nil {
			bad = append(bad, fmt.Sprintf("level %d: %d of %d slices failed, past load.tolerated_failure_percent %g (round %d: %s)", l.Concurrency, f.Failed, f.Slices, f.TolerancePercent, f.Round, f.Error))
		}
		if l.Requests == 0 {
			continue
		}
		if l.ErrorRate > max || (max >= 1 && l.ErrorRate >= 1) {
			bad = append(bad, fmt.Sprintf("level %d: %d of %d requests failed (%s)", l.Concurrency, l.Errors, l.Requests, report.ErrorKinds(l.ErrorsByStatus)))
		}
	}
	if len(bad) == 0 {
		return nil
	}
	return &exitError{code: 1, err: fmt.Errorf("levels failed (error rate above --max-error-rate %g, or slices past their tolerance): %s", max, strings.Join(bad, "; "))}
}
