package report

import (
	"bytes"
	"fmt"
	"sort"
	"strings"

	"github.com/llmbench/llmbench/shared/report/chart"
	"github.com/llmbench/llmbench/shared/summary"
)

// criterionNames are search.slo's criteria as reports word them.
var criterionNames = map[string]string{
	"ttft_p95_ms": "TTFT p95 (ms)", "tpot_p95_ms": "TPOT p95 (ms)", "e2e_p95_ms": "E2E p95 (ms)",
	"error_rate": "error rate", "goodput_ratio": "goodput ratio",
}

// loadCell writes a search load with its unit: "24 streams", "3.5 req/s".
func loadCell(c *summary.Capacity, v float64) string {
	return FormatRate(v) + " " + c.Unit
}

// checkValue writes a criterion's measured value: ms, or a fraction as a
// percentage; "-" when nothing was measured.
func checkValue(ck summary.Check) string {
	if ck.Value == nil {
		return "-"
	}
	if strings.HasSuffix(ck.Criterion, "_ms") {
		return msCell(1, *ck.Value)
	}
	return fmt.Sprintf("%.2f%%", 100**ck.Value)
}

// checkLimit writes a criterion's limit as checkValue writes values, with
// its direction: "≤ 500", "≥ 99.00%".
func checkLimit(ck summary.Check) string {
	v := ck.Limit
	s := checkValue(summary.Check{Criterion: ck.Criterion, Value: &v})
	if ck.AtLeast {
		return "≥ " + s
	}
	return "≤ " + s
}

// CapacityLines say what a search found, for the terminal and report.md:
// the capacity with its figures, the bracket, and why it stopped.
func CapacityLines(s *summary.Summary) []string {
	c := s.Capacity
	if c == nil {
		return nil
	}
	var out []string
	if c.Load == nil {
		out = append(out, "CAPACITY: none: no load tried met the search's SLO")
	} else {
		line := fmt.Sprintf("CAPACITY: %s (%.1f output tok/s, %.2f req/s, TTFT p95 %s ms, TPOT p95 %s ms, E2E p95 %s ms",
			loadCell(c, *c.Load), c.OutputTokenThroughput, c.RequestThroughput, msCell(1, c.TTFTP95Ms), msCell(1, c.TPOTP95Ms), msCell(1, c.E2EP95Ms))
		if c.CostPer1MOutputTokensUSD != nil {
			line += fmt.Sprintf(", $%.3f per 1M output tokens", *c.CostPer1MOutputTokensUSD)
		}
		out = append(out, line+")")
	}
	lo, hi := "none passed", "none failed: open at the top"
	if c.Bracket[0] != nil {
		lo = loadCell(c, *c.Bracket[0])
	}
	if c.Bracket[1] != nil {
		hi = loadCell(c, *c.Bracket[1])
	}
	out = append(out, fmt.Sprintf("search: %d levels tried; bracket [%s, %s]; stopped: %s", len(c.Tried), lo, hi, c.Why))
	return out
}

// capacityHeads and capacityRows are the table of a search's levels, in
// the order they ran: the load, pass or FAIL, and each criterion's value
// against its limit.
func capacityHeads(c *summary.Capacity) []string {
	h := []string{"level", "load", "result"}
	if len(c.Tried) > 0 {
		for _, ck := range c.Tried[0].Checks {
			h = append(h, criterionNames[ck.Criterion]+" "+checkLimit(ck))
		}
	}
	return h
}

func capacityRows(c *summary.Capacity) [][]string {
	var out [][]string
	for _, t := range c.Tried {
		r := []string{fmt.Sprint(t.LevelIndex), loadCell(c, t.Load), map[bool]string{true: "pass", false: "FAIL"}[t.Pass]}
		for _, ck := range t.Checks {
			mark := ""
			if !ck.Pass {
				mark = " ✗"
			}
			r = append(r, checkValue(ck)+mark)
		}
		out = append(out, r)
	}
	return out
}

// mdCapacity writes report.md's "Capacity" section.
func mdCapacity(b *bytes.Buffer, s *summary.Summary) {
	c := s.Capacity
	if c == nil {
		return
	}
	b.WriteString("\n## Capacity\n\n")
	for _, l := range CapacityLines(s) {
		b.WriteString(l + "\n\n")
	}
	heads := capacityHeads(c)
	fmt.Fprintf(b, "| %s |\n|%s\n", strings.Join(heads, " | "), strings.Repeat("---:|", len(heads)))
	for _, r := range capacityRows(c) {
		fmt.Fprintf(b, "| %s |\n", strings.Join(r, " | "))
	}
}

// capacityFigures draws the search's path: for each criterion, the value
// each load tried measured (labelled pass or FAIL), by load, with the
// SLO's limit as a dashed line.
func capacityFigures(s *summary.Summary, suffix string) ([]Figure, error) {
	c := s.Capacity
	if c == nil || len(c.Tried) == 0 {
		return nil, nil
	}
	tried := append([]summary.Tried(nil), c.Tried...)
	sort.SliceStable(tried, func(i, j int) bool { return tried[i].Load < tried[j].Load })
	f := &figures{suffix: suffix}
	lo, hi := tried[0].Load, tried[len(tried)-1].Load
	for k, ck0 := range tried[0].Checks {
		scale := 1.0
		if !strings.HasSuffix(ck0.Criterion, "_ms") {
			scale = 100 // fractions drawn as percentages
		}
		measured := chart.Series{Name: "measured"}
		for _, t := range tried {
			ck := t.Checks[k]
			if ck.Value == nil {
				continue
			}
			measured.Points = append(measured.Points, chart.Point{X: t.Load, Y: *ck.Value * scale})
			measured.Labels = append(measured.Labels, map[bool]string{true: "pass", false: "FAIL"}[ck.Pass])
		}
		limit := chart.Series{Name: "SLO " + checkLimit(ck0), Dashed: true,
			Points: []chart.Point{{X: lo, Y: ck0.Limit * scale}, {X: hi, Y: ck0.Limit * scale}}}
		name := criterionNames[ck0.Criterion]
		if scale != 1 {
			name = strings.TrimSuffix(name, " (ms)") + " (%)"
		}
		lc := &chart.Lines{Title: "Search: " + name + " by load" + f.suffix, XLabel: "load (" + c.Unit + ")", YLabel: name, Series: []chart.Series{measured, limit}}
		if err := f.add(lc, fmt.Sprintf("Each load the search tried, in %s, against the SLO's limit (dashed); a point is labelled pass or FAIL on this criterion.", c.Unit)); err != nil {
			return nil, err
		}
	}
	return f.out, nil
}
