package report

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/llmbench/llmbench/shared/report/chart"
	"github.com/llmbench/llmbench/shared/summary"
)

// secondHeads head the per-second table of a level.
var secondHeads = []string{"second (s)", "arrivals (count)", "sent (count)", "ok (count)", "errors (count)", "output tokens (count)",
	"TTFT mean (ms)", "E2E mean (ms)", "send lag mean (ms)"}

// mdSecondHeads are secondHeads as report.md words its headers.
var mdSecondHeads = []string{"s", "arrivals", "sent", "ok", "errors", "out tokens", "TTFT mean ms", "E2E mean ms", "send lag mean ms"}

// seriesNote says what the per-second figures are.
const seriesNote = "Second by second, by intended send time from the level's start, warm-up included (so a ramp is seen whole): " +
	"the arrivals meant to be sent in that second, those sent, and what came of them. Means are over its ok requests (\"-\": none)."

// secondRows are the level's per-second figures, one row per second of
// its series.
func secondRows(l *summary.Level) [][]string {
	var out [][]string
	for _, x := range l.Series {
		ms := func(v float64) string {
			if x.OK == 0 {
				return "-"
			}
			return msCell(1, v)
		}
		lag := "-"
		if x.Sent > 0 {
			lag = msCell(1, x.SendLagMeanMs)
		}
		out = append(out, []string{fmt.Sprint(x.T), fmt.Sprint(x.Arrivals), fmt.Sprint(x.Sent), fmt.Sprint(x.OK), fmt.Sprint(x.Errors),
			fmt.Sprint(x.OutputTokens), ms(x.TTFTMeanMs), ms(x.E2EMeanMs), lag})
	}
	return out
}

// mdSeries writes the "Per second" section of report.md: a folded table
// per level worth it (see hasSeries).
func mdSeries(b *bytes.Buffer, s *summary.Summary) {
	started := false
	for i := range s.Levels {
		l := &s.Levels[i]
		if !hasSeries(l) {
			continue
		}
		if !started {
			b.WriteString("\n## Per second\n\n" + seriesNote + "\n")
			started = true
		}
		// GitHub folds a <details> block; the blank lines let the table
		// inside it be Markdown.
		fmt.Fprintf(b, "\n<details><summary>level %s: %d seconds</summary>\n\n", Label(l), len(l.Series))
		fmt.Fprintf(b, "| %s |\n|%s\n", strings.Join(mdSecondHeads, " | "), strings.Repeat("---:|", len(mdSecondHeads)))
		for _, r := range secondRows(l) {
			fmt.Fprintf(b, "| %s |\n", strings.Join(r, " | "))
		}
		b.WriteString("\n</details>\n")
	}
}

// seriesFigures draws a level's series: the arrivals and the requests
// sent per second, and the TTFT mean per second, over the level's time.
func seriesFigures(l *summary.Level, suffix string) ([]Figure, error) {
	if !hasSeries(l) {
		return nil, nil
	}
	f := &figures{suffix: suffix}
	// A second absent from the series had no arrival: it is drawn as 0,
	// not bridged by the line.
	arr := chart.Series{Name: "arrivals"}
	sent := chart.Series{Name: "sent", Dashed: true}
	ttft := chart.Series{Name: "TTFT mean"}
	next := l.Series[0].T
	for _, x := range l.Series {
		for ; next < x.T; next++ {
			arr.Points = append(arr.Points, chart.Point{X: float64(next), Y: 0})
			sent.Points = append(sent.Points, chart.Point{X: float64(next), Y: 0})
		}
		next = x.T + 1
		arr.Points = append(arr.Points, chart.Point{X: float64(x.T), Y: float64(x.Arrivals)})
		sent.Points = append(sent.Points, chart.Point{X: float64(x.T), Y: float64(x.Sent)})
		if x.OK > 0 {
			ttft.Points = append(ttft.Points, chart.Point{X: float64(x.T), Y: x.TTFTMeanMs})
		}
	}
	name := Label(l)
	const x = "time since the level's start, by intended send time (s)"
	if err := f.add(&chart.Lines{Title: "Arrivals and sent per second — " + name + f.suffix, XLabel: x, YLabel: "requests per second (req/s)",
		Series: []chart.Series{arr, sent}},
		"Requests meant to be sent (arrivals, solid) and sent (dashed) in each second of level "+name+", warm-up included; a gap between the lines is arrivals not sent."); err != nil {
		return nil, err
	}
	if some(ttft) {
		lc := &chart.Lines{Title: "TTFT mean per second — " + name + f.suffix, XLabel: x, YLabel: "TTFT mean (ms)", Series: []chart.Series{ttft}}
		logY(lc)
		if err := f.add(lc, "Mean time to first token of the ok requests meant to be sent in each second of level "+name+", warm-up included; a queue building up shows as a rising line"+logNote(lc)+"."); err != nil {
			return nil, err
		}
	}
	return f.out, nil
}
