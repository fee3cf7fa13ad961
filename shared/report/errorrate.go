package report

import (
	"fmt"
	"sort"

	"github.com/llmbench/llmbench/shared/report/chart"
	"github.com/llmbench/llmbench/shared/summary"
)

// errorRates draws the error rate of levels by kind (the rows' status:
// http_error, timeout, not_sent, …) against their load, x(l) on an axis
// named xlabel (with ticks, when given), one line per kind and the total
// dashed: where errors begin as load grows, and which. Nothing when no
// level failed a request.
func (f *figures) errorRates(levels []summary.Level, xlabel string, ticks []chart.Tick, x func(l *summary.Level) float64, xNote string) error {
	kinds := map[string]bool{}
	for _, l := range levels {
		for k, n := range l.ErrorsByStatus {
			if n > 0 {
				kinds[k] = true
			}
		}
	}
	if len(kinds) == 0 {
		return nil
	}
	names := make([]string, 0, len(kinds))
	for k := range kinds {
		names = append(names, k)
	}
	sort.Strings(names)
	var series []chart.Series
	total := chart.Series{Name: "all errors", Dashed: true}
	for _, k := range names {
		sr := chart.Series{Name: k}
		for i := range levels {
			l := &levels[i]
			if l.Requests == 0 {
				continue
			}
			sr.Points = append(sr.Points, chart.Point{X: x(l), Y: 100 * float64(l.ErrorsByStatus[k]) / float64(l.Requests)})
		}
		series = append(series, sr)
	}
	for i := range levels {
		l := &levels[i]
		if l.Requests > 0 {
			total.Points = append(total.Points, chart.Point{X: x(l), Y: 100 * l.ErrorRate})
			if f.order != nil {
				total.Labels = append(total.Labels, f.pathLabel(l))
			}
		}
	}
	if len(names) > 1 {
		series = append(series, total)
	}
	against := "concurrency"
	if xlabel == xRate {
		against = "request rate"
	}
	return f.add(&chart.Lines{Title: "Error rate by kind vs " + against + f.suffix, XLabel: xlabel, YLabel: "errors (% of measured requests)", XTicks: ticks, Series: series},
		fmt.Sprintf("Failed measured requests of each kind (the rows' status) as a share of each level's measured requests%s; counts are in the level tables below.%s%s",
			map[bool]string{true: ", and all kinds together (dashed)", false: ""}[len(names) > 1], xNote, f.pathNote()))
}
