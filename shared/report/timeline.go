package report

import (
	"bytes"
	"fmt"
	"math"
	"strings"

	"github.com/llmbench/llmbench/shared/report/chart"
	"github.com/llmbench/llmbench/shared/summary"
)

// maxTimelinePoints caps the points of a timeline chart and the rows of
// its table: a longer run is drawn in bins of whole seconds.
const maxTimelinePoints = 600

// timelineNote says what the run's timeline holds.
const timelineNote = "The whole run second by second on one clock (t = 0: the first level's start; each level's start marked), warm-up included. " +
	"A request counts in the second it was issued and, with its output tokens, in the second it ended (not_sent arrivals: the second they were due); " +
	"in flight is the mean number of requests between issue and end during the second; TTFT p50 is over the ok requests issued in it. " +
	"The seconds sum to the run's requests and output tokens."

// bin is a span of timeline seconds drawn as one point.
type bin struct {
	t0, width        int // first second, seconds
	started, notSent int
	ok, errors       int
	tokens           int64
	inFlight         float64 // mean over the bin
	ttftP50          float64 // a one-second bin: that second's; wider: the mean of its seconds' medians
	hasTTFT          bool
	ttftSeconds      int
}

// timelineBins cuts the timeline into bins of equal whole seconds, at
// most maxTimelinePoints of them.
func timelineBins(tl *summary.Timeline) (bins []bin, width int) {
	n := len(tl.Seconds)
	width = max(1, int(math.Ceil(float64(n)/maxTimelinePoints)))
	for i := 0; i < n; i += width {
		b := bin{t0: tl.Seconds[i].T, width: width}
		sum := 0.0
		for _, tk := range tl.Seconds[i:min(i+width, n)] {
			b.started += tk.Started
			b.notSent += tk.NotSent
			b.ok += tk.OK
			b.errors += tk.Errors
			b.tokens += tk.OutputTokens
			b.inFlight += tk.InFlight / float64(width)
			if tk.TTFTP50Ms != nil {
				sum += *tk.TTFTP50Ms
				b.ttftSeconds++
			}
		}
		if b.ttftSeconds > 0 {
			b.ttftP50, b.hasTTFT = sum/float64(b.ttftSeconds), true
		}
		bins = append(bins, b)
	}
	return bins, width
}

// timelineMarks mark where each level begins, labelled as its points
// are elsewhere (c=6, 4.2 req/s, a ramp's label).
func timelineMarks(s *summary.Summary) []chart.Tick {
	var out []chart.Tick
	for _, tl := range s.Timeline.Levels {
		for i := range s.Levels {
			if l := &s.Levels[i]; l.Index == tl.Index {
				out = append(out, chart.Tick{Value: tl.StartS, Label: pointLabel(l)})
				break
			}
		}
	}
	return out
}

// timelineFigures draws the run's timeline: output tok/s, requests in
// flight, TTFT p50, and requests ended ok and in error, per second.
func timelineFigures(s *summary.Summary, suffix string) ([]Figure, error) {
	tl := s.Timeline
	if tl == nil || len(tl.Seconds) == 0 {
		return nil, nil
	}
	f := &figures{suffix: suffix}
	bins, width := timelineBins(tl)
	per := "per second"
	binNote := ""
	if width > 1 {
		per = fmt.Sprintf("per second, over %d-second bins", width)
		binNote = fmt.Sprintf(" The run is %d seconds long: each point is a bin of %d seconds (counts per second over the bin; TTFT: the mean of its seconds' medians).", len(tl.Seconds), width)
	}
	marks := timelineMarks(s)
	const x = "time since the run's start (s)"
	mid := func(b bin) float64 { return float64(b.t0) + float64(b.width)/2 }
	tok := chart.Series{Name: "output tok/s", Bare: true}
	flight := chart.Series{Name: "in flight (mean)", Bare: true}
	ttft := chart.Series{Name: "TTFT p50", Bare: true}
	ok := chart.Series{Name: "ended ok", Bare: true}
	errs := chart.Series{Name: "failed (not_sent included)", Bare: true, Dashed: true}
	for _, b := range bins {
		w := float64(b.width)
		tok.Points = append(tok.Points, chart.Point{X: mid(b), Y: float64(b.tokens) / w})
		flight.Points = append(flight.Points, chart.Point{X: mid(b), Y: b.inFlight})
		ok.Points = append(ok.Points, chart.Point{X: mid(b), Y: float64(b.ok) / w})
		errs.Points = append(errs.Points, chart.Point{X: mid(b), Y: float64(b.errors) / w})
		if b.hasTTFT {
			ttft.Points = append(ttft.Points, chart.Point{X: mid(b), Y: b.ttftP50})
		}
	}
	if err := f.add(&chart.Lines{Title: "Output throughput over the run" + f.suffix, XLabel: x, YLabel: "output throughput (tok/s)", Marks: marks, Series: []chart.Series{tok}},
		"Output tokens of the ok requests that ended in each second, "+per+", warm-up included; a dashed line marks each level's start."+binNote); err != nil {
		return nil, err
	}
	if err := f.add(&chart.Lines{Title: "Requests in flight over the run" + f.suffix, XLabel: x, YLabel: "requests in flight (count, mean)", Marks: marks, Series: []chart.Series{flight}},
		"Mean number of requests between issue and end during each second ("+per+"): a closed loop holds its concurrency, an open loop shows its queue."+binNote); err != nil {
		return nil, err
	}
	if some(ttft) {
		lc := &chart.Lines{Title: "TTFT p50 over the run" + f.suffix, XLabel: x, YLabel: "TTFT p50 (ms)", Marks: marks, Series: []chart.Series{ttft}}
		logY(lc)
		if err := f.add(lc, "Median time to first token of the ok requests issued in each second ("+per+"); a second without one has no point, and the line bridges it"+logNote(lc)+"."+binNote); err != nil {
			return nil, err
		}
	}
	if err := f.add(&chart.Lines{Title: "Requests ended per second over the run" + f.suffix, XLabel: x, YLabel: "requests ended (req/s)", Marks: marks, Series: []chart.Series{ok, errs}},
		"Requests that ended ok (solid) and failed (dashed) in each second, "+per+"; an arrival not sent counts as failed in the second it was due."+binNote); err != nil {
		return nil, err
	}
	return f.out, nil
}

// timelineHeads head the timeline's table.
var timelineHeads = []string{"t (s)", "issued", "not sent", "ended ok", "failed", "output tokens", "in flight (mean)", "TTFT p50 (ms)"}

// timelineRows are the table of the timeline, binned as its charts.
func timelineRows(tl *summary.Timeline) [][]string {
	bins, width := timelineBins(tl)
	var out [][]string
	for _, b := range bins {
		t := fmt.Sprint(b.t0)
		if width > 1 {
			t = fmt.Sprintf("%d–%d", b.t0, b.t0+width-1)
		}
		ttft := "-"
		if b.hasTTFT {
			ttft = msCell(1, b.ttftP50)
		}
		out = append(out, []string{t, fmt.Sprint(b.started), fmt.Sprint(b.notSent), fmt.Sprint(b.ok), fmt.Sprint(b.errors), fmt.Sprint(b.tokens),
			fmt.Sprintf("%.1f", b.inFlight), ttft})
	}
	return out
}

// mdTimeline writes report.md's "Run timeline" section: where each level
// starts, and the seconds in a folded table.
func mdTimeline(b *bytes.Buffer, s *summary.Summary) {
	tl := s.Timeline
	if tl == nil || len(tl.Seconds) == 0 {
		return
	}
	b.WriteString("\n## Run timeline\n\n" + timelineNote + "\n\n")
	var starts []string
	for _, m := range timelineMarks(s) {
		starts = append(starts, fmt.Sprintf("%s at %.1f s", m.Label, m.Value))
	}
	b.WriteString("Levels start: " + strings.Join(starts, ", ") + ".\n")
	rows := timelineRows(tl)
	fmt.Fprintf(b, "\n<details><summary>%d seconds</summary>\n\n", len(tl.Seconds))
	fmt.Fprintf(b, "| %s |\n|%s\n", strings.Join(timelineHeads, " | "), strings.Repeat("---:|", len(timelineHeads)))
	for _, r := range rows {
		fmt.Fprintf(b, "| %s |\n", strings.Join(r, " | "))
	}
	b.WriteString("\n</details>\n")
}
