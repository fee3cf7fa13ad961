package main

import (
	"fmt"
	"strings"

	"github.com/llmbench/llmbench/shared/report"
	"github.com/llmbench/llmbench/shared/summary"
)

// errorBudget is the verdict a script reads from the exit code: a level
// whose error rate is above max fails the run (exit 1), after every row
// and the summary are written. With max 1 (the default) a level fails only
// when every one of its measured requests failed.
func errorBudget(sum *summary.Summary, max float64) error {
	var bad []string
	for _, l := range sum.Levels {
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
	return &exitError{code: 1, err: fmt.Errorf("error rate above --max-error-rate %g: %s", max, strings.Join(bad, "; "))}
}
