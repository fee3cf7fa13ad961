package report

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/llmbench/llmbench/shared/summary"
)

// repeatNote says what the figures of a run with load.repeats are.
const repeatNote = "Each load point ran several times (load.repeats), in rounds: the whole list of levels, then again. " +
	"Each cell is the mean of the runs' figures ± the half-width of its 95% Student-t confidence interval " +
	"(t(0.975, n − 1) · sd / √n, sd the sample standard deviation over the n runs), then the coefficient of variation (sd / mean). " +
	"`compare --baseline` judges a change against these: beyond its limit and Welch's p < 0.05."

// repeatFigure is one headline figure of a load point's repeats.
type repeatFigure struct {
	head, unit string
	est        func(f *summary.RepeatFigures) *summary.Estimate
	scale      float64 // 100 for a rate shown in %
	format     func(v float64) string
}

var repeatFigures = []repeatFigure{
	{"out tok/s", "tok/s", func(f *summary.RepeatFigures) *summary.Estimate { return f.OutputTokenThroughput }, 1, fixed(1)},
	{"req/s", "req/s", func(f *summary.RepeatFigures) *summary.Estimate { return f.RequestThroughput }, 1, fixed(2)},
	{"TTFT p50", "ms", func(f *summary.RepeatFigures) *summary.Estimate { return f.TTFTP50Ms }, 1, ms},
	{"TTFT p95", "ms", func(f *summary.RepeatFigures) *summary.Estimate { return f.TTFTP95Ms }, 1, ms},
	{"TPOT p50", "ms", func(f *summary.RepeatFigures) *summary.Estimate { return f.TPOTP50Ms }, 1, ms},
	{"E2E p50", "ms", func(f *summary.RepeatFigures) *summary.Estimate { return f.E2EP50Ms }, 1, ms},
	{"E2E p95", "ms", func(f *summary.RepeatFigures) *summary.Estimate { return f.E2EP95Ms }, 1, ms},
	{"err", "%", func(f *summary.RepeatFigures) *summary.Estimate { return f.ErrorRate }, 100, fixed(2)},
	{"$/1M out", "USD", func(f *summary.RepeatFigures) *summary.Estimate { return f.CostPer1MOutputTokens }, 1, dollars},
}

// terminalRepeats are the figures the terminal's one line per point shows.
var terminalRepeats = []string{"out tok/s", "TTFT p95", "E2E p95", "err"}

func fixed(d int) func(float64) string {
	return func(v float64) string { return fmt.Sprintf("%.*f", d, v) }
}

// ms writes a latency as msCell does: three significant figures or so.
func ms(v float64) string { return msCell(1, v) }

func dollars(v float64) string { return usd(&v) }

// pm is an estimate as "212 ± 9", the half-width written as precisely as
// the mean.
func (f repeatFigure) pm(e *summary.Estimate) string {
	m, h := f.scale*e.Mean, f.scale*e.HalfWidth()
	mean := f.format(m)
	dec := 0
	if i := strings.IndexByte(mean, '.'); i >= 0 {
		dec = len(mean) - i - 1
	}
	return fmt.Sprintf("%s ± %.*f", mean, dec, h)
}

// cv is an estimate's coefficient of variation: "CV 2.1%", or "CV -" when
// its mean is 0.
func cv(e *summary.Estimate) string {
	if e.CV == nil {
		return "CV -"
	}
	if c := 100 * *e.CV; c < 1 {
		return fmt.Sprintf("CV %.2f%%", c)
	}
	return fmt.Sprintf("CV %.1f%%", 100**e.CV)
}

// repeatLabel names a load point as its levels are named, without the run.
func repeatLabel(pt *summary.PointRepeats) string {
	return Label(&summary.Level{Mode: pt.Mode, Concurrency: pt.Concurrency, RequestRate: pt.RequestRate, Ramp: pt.Ramp})
}

// repeatRuns is the number of runs behind a point's figures.
func repeatRuns(pt *summary.PointRepeats) int { return len(pt.Levels) }

// RepeatLines are the terminal's lines for a run with load.repeats, one
// per load point: "level 32, 3 runs (95% CI): out tok/s 952.1 ± 8.4 (CV
// 0.4%) · TTFT p95 205 ± 3 ms (CV 0.6%) · …".
func RepeatLines(s *summary.Summary) []string {
	var out []string
	for i := range s.Repeats {
		pt := &s.Repeats[i]
		var parts []string
		for _, f := range repeatFigures {
			e := f.est(&pt.Figures)
			if e == nil || !contains(terminalRepeats, f.head) {
				continue
			}
			unit := " " + f.unit
			if f.unit == "tok/s" {
				unit = ""
			}
			parts = append(parts, fmt.Sprintf("%s %s%s (%s)", f.head, f.pm(e), unit, cv(e)))
		}
		out = append(out, fmt.Sprintf("level %s, %d runs (mean ± 95%% CI): %s", repeatLabel(pt), repeatRuns(pt), strings.Join(parts, " · ")))
	}
	return out
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// repeatTable is the repeats' table of report.md and report.html: a row
// per load point, a cell per figure ("212 ± 9 (CV 2.1%)", "-" where fewer
// than two runs had the figure).
func repeatTable(s *summary.Summary) (heads []string, rows [][]string) {
	if len(s.Repeats) == 0 {
		return nil, nil
	}
	first := "conc"
	if !plain(s) {
		first = "level"
	}
	heads = []string{first, "runs"}
	for _, f := range repeatFigures {
		h := f.head
		if f.unit != "tok/s" && f.unit != "req/s" {
			h += " " + f.unit
		}
		heads = append(heads, h)
	}
	for i := range s.Repeats {
		pt := &s.Repeats[i]
		row := []string{repeatLabel(pt), fmt.Sprint(repeatRuns(pt))}
		for _, f := range repeatFigures {
			c := "-"
			if e := f.est(&pt.Figures); e != nil {
				c = fmt.Sprintf("%s (%s)", f.pm(e), cv(e))
			}
			row = append(row, c)
		}
		rows = append(rows, row)
	}
	return heads, rows
}

// mdRepeats writes report.md's "Repeats" section, for a run with
// load.repeats.
func mdRepeats(b *bytes.Buffer, s *summary.Summary) {
	heads, rows := repeatTable(s)
	if rows == nil {
		return
	}
	fmt.Fprintf(b, "\n## Repeats\n\n%s\n\n| %s |\n|%s\n", repeatNote, strings.Join(heads, " | "), strings.Repeat("---:|", len(heads)))
	for _, r := range rows {
		fmt.Fprintf(b, "| %s |\n", strings.Join(r, " | "))
	}
}
