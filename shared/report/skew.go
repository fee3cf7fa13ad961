package report

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/llmbench/llmbench/shared/summary"
)

// Start skew (summary.Level.StartSkewMs): how far apart a level's slices
// sent their first request. report.md and report.html table it; the
// terminal, like both, lists the slices beyond the tolerance among the
// slice warnings (skewPart).

// skewColumns are a level's start skew figures.
var skewColumns = []column{
	{"conc", Label}, // "level" unless every level is a steady concurrency level (see heads)
	{"slices", func(l *summary.Level) string { return fmt.Sprint(l.StartSkewMs.Slices) }},
	{"skew p50 ms", func(l *summary.Level) string { return msCell(1, l.StartSkewMs.P50) }},
	{"skew p99 ms", func(l *summary.Level) string { return msCell(1, l.StartSkewMs.P99) }},
	{"skew max ms", func(l *summary.Level) string { return msCell(1, l.StartSkewMs.Max) }},
	{"beyond tolerance", beyondCell},
}

// skewHeads head the table of report.html, units included.
var skewHeads = []string{"level (streams, req/s or ramp)", "slices (count)", "start skew p50 (ms)", "start skew p99 (ms)", "start skew max (ms)", "workers beyond the tolerance"}

// skewNote says what the table holds.
const skewNote = "Start skew: per slice, its first request's send instant (warm-up included) minus the instant it was due, " +
	"which in a steady concurrency level is the level's common start instant (the slices Map entered + the workers' start margin); " +
	"percentiles over the level's slices. A slice beyond the tolerance arrived after the start instant (a cold start longer than the margin) " +
	"or was held before its first send: the level ran short of its load at its start."

func beyondCell(l *summary.Level) string {
	k := l.StartSkewMs
	if len(k.Beyond) == 0 {
		return fmt.Sprintf("none (> %g ms)", k.ToleranceMs)
	}
	ws := make([]string, len(k.Beyond))
	for i, w := range k.Beyond {
		ws[i] = fmt.Sprint(w)
	}
	return fmt.Sprintf("worker %s (> %g ms)", strings.Join(ws, ", "), k.ToleranceMs)
}

// skewLevels are the levels that have a start skew (a summary written
// before the figure has none).
func skewLevels(s *summary.Summary) []*summary.Level {
	var out []*summary.Level
	for i := range s.Levels {
		if s.Levels[i].StartSkewMs != nil {
			out = append(out, &s.Levels[i])
		}
	}
	return out
}

// mdSkew writes the "Start skew" section of report.md.
func mdSkew(b *bytes.Buffer, s *summary.Summary) {
	ls := skewLevels(s)
	if len(ls) == 0 {
		return
	}
	b.WriteString("\n## Start skew\n\n")
	fmt.Fprintf(b, "| %s |\n|%s\n", strings.Join(heads(s, skewColumns), " | "), strings.Repeat("---:|", len(skewColumns)))
	for _, l := range ls {
		fmt.Fprintf(b, "| %s |\n", strings.Join(cells(l, skewColumns), " | "))
	}
	b.WriteString("\n" + skewNote + "\n")
}

// skewView is report.html's table of the start skews.
type skewView struct {
	Heads []string
	Rows  [][]string
	Note  string
}

// skewTable is report.html's table, nil without a start skew.
func skewTable(s *summary.Summary) *skewView {
	ls := skewLevels(s)
	if len(ls) == 0 {
		return nil
	}
	v := &skewView{Heads: append([]string(nil), skewHeads...), Note: skewNote}
	if plain(s) {
		v.Heads[0] = "concurrency (streams)"
	}
	for _, l := range ls {
		v.Rows = append(v.Rows, cells(l, skewColumns))
	}
	return v
}

// skewPart is a slice warning's words for its start skew, "" when it has
// none beyond the tolerance.
func skewPart(s *summary.Summary, w summary.SliceWarning) string {
	if w.StartSkewMs <= 0 {
		return ""
	}
	tol := ""
	for i := range s.Levels {
		if l := &s.Levels[i]; l.Index == w.Level && l.StartSkewMs != nil {
			tol = fmt.Sprintf(", tolerance %g ms", l.StartSkewMs.ToleranceMs)
		}
	}
	return fmt.Sprintf("sent its first request %s ms after it was due (start skew%s)", msCell(1, w.StartSkewMs), tol)
}
