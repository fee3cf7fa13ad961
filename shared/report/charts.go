package report

import (
	"fmt"
	"html/template"
	"math"
	"sort"
	"strings"

	"github.com/llmbench/llmbench/shared/report/chart"
	"github.com/llmbench/llmbench/shared/summary"
)

// svgChart is a chart of package chart.
type svgChart interface {
	SVG() (template.HTML, error)
}

// figures collects the charts of a page.
type figures struct {
	suffix string // " — SIMULATED server" on a simulated run
	out    []Figure
	// order numbers a search's levels (by Index) in the order it tried
	// them, from 1: the vs-load charts label their points with it, so the
	// search's path shows. Nil without a search.
	order map[int]int
}

func (f *figures) add(c svgChart, caption string) error {
	svg, err := c.SVG()
	if err != nil {
		return fmt.Errorf("report: html: %w", err)
	}
	f.out = append(f.out, Figure{SVG: svg, Caption: caption, data: c})
	return nil
}

// searchOrder numbers the levels a search tried, in its order.
func searchOrder(s *summary.Summary) map[int]int {
	if s.Capacity == nil || len(s.Capacity.Tried) == 0 {
		return nil
	}
	out := map[int]int{}
	for k, t := range s.Capacity.Tried {
		out[t.LevelIndex] = k + 1
	}
	return out
}

// pathLabel is "#k" for the k-th level a search tried, "" otherwise.
func (f *figures) pathLabel(l *summary.Level) string {
	if k, ok := f.order[l.Index]; ok {
		return fmt.Sprintf("#%d", k)
	}
	return ""
}

// pathNote is what a caption says of the "#k" labels.
func (f *figures) pathNote() string {
	if f.order == nil {
		return ""
	}
	return " Points are labelled #k, the k-th load the capacity search tried: its path."
}

func some(ss ...chart.Series) bool {
	for _, s := range ss {
		if len(s.Points) > 0 {
			return true
		}
	}
	return false
}

// A quantity of a level, and whether it has one.
type levelValue func(l *summary.Level) (float64, bool)

func dist(pick func(l *summary.Level) summary.Dist, q func(d summary.Dist) float64) levelValue {
	return func(l *summary.Level) (float64, bool) { d := pick(l); return q(d), d.N > 0 }
}

func ttftOf(l *summary.Level) summary.Dist { return l.TTFTMs }
func tpotOf(l *summary.Level) summary.Dist { return l.TPOTMs }
func itlOf(l *summary.Level) summary.Dist  { return l.ITLMs }
func e2eOf(l *summary.Level) summary.Dist  { return l.E2EMs }
func p50(d summary.Dist) float64           { return d.P50 }
func p95(d summary.Dist) float64           { return d.P95 }

// latencies are the latency figures charted against the load.
var latencies = []struct {
	name, what string
	pick       func(l *summary.Level) summary.Dist
}{{"TTFT", "time to first token", ttftOf}, {"TPOT", "time per output token", tpotOf}, {"ITL", "inter-token latency (every gap, pooled)", itlOf}, {"E2E", "end-to-end latency", e2eOf}}

// runFigures draws the charts of one run: against concurrency (its
// steady concurrency levels), against request rate (its steady rate
// levels), then over every level.
func runFigures(s *summary.Summary) ([]Figure, error) {
	if len(s.Levels) == 0 {
		return nil, nil
	}
	f := &figures{order: searchOrder(s)}
	if s.Simulated {
		f.suffix = " — SIMULATED server"
	}
	levels := append([]summary.Level(nil), s.Levels...)
	if plain(s) {
		sort.SliceStable(levels, func(i, j int) bool { return levels[i].Concurrency < levels[j].Concurrency })
	}
	conc, rate := steady(levels)
	if err := f.vsConcurrency(conc); err != nil {
		return nil, err
	}
	if err := f.vsRate(rate); err != nil {
		return nil, err
	}
	if err := f.overLevels(s, levels); err != nil {
		return nil, err
	}
	if err := f.cdfs(levels); err != nil {
		return nil, err
	}
	return f.out, nil
}

// steady returns the steady concurrency levels, by concurrency, and the
// steady rate levels, by rate: those a chart can place on a load axis. A
// ramp is neither: its figures average a changing load (its series shows
// it); and a rate level's Concurrency is its cap, not its load.
func steady(levels []summary.Level) (conc, rate []summary.Level) {
	for _, l := range levels {
		switch {
		case l.Ramp != "":
		case IsRate(&l):
			rate = append(rate, l)
		default:
			conc = append(conc, l)
		}
	}
	sort.SliceStable(conc, func(i, j int) bool { return conc[i].Concurrency < conc[j].Concurrency })
	sort.SliceStable(rate, func(i, j int) bool { return rate[i].RequestRate < rate[j].RequestRate })
	return conc, rate
}

const xConc = "concurrency (concurrent streams)"

// vsConcurrency draws output throughput, TTFT and E2E against
// concurrency.
func (f *figures) vsConcurrency(levels []summary.Level) error {
	if len(levels) == 0 {
		return nil
	}
	var ticks []chart.Tick
	for _, l := range levels {
		ticks = append(ticks, chart.Tick{Value: float64(l.Concurrency), Label: fmt.Sprint(l.Concurrency)})
	}
	pts := func(val levelValue, labelled bool) chart.Series {
		var sr chart.Series
		for i := range levels {
			if y, ok := val(&levels[i]); ok {
				sr.Points = append(sr.Points, chart.Point{X: float64(levels[i].Concurrency), Y: y})
				if labelled && f.order != nil {
					sr.Labels = append(sr.Labels, f.pathLabel(&levels[i]))
				}
			}
		}
		return sr
	}
	tput := pts(func(l *summary.Level) (float64, bool) { return l.OutputTokenThroughput, true }, true)
	tput.Name = "output tok/s"
	if err := f.add(&chart.Lines{Title: "Output throughput vs concurrency" + f.suffix, XLabel: xConc, YLabel: "output throughput (tok/s)", XTicks: ticks,
		Series: []chart.Series{tput}}, "Output tokens of ok requests per second of the measured window, at each concurrency level."+f.pathNote()); err != nil {
		return err
	}
	for _, c := range latencies {
		a := pts(dist(c.pick, p50), true)
		a.Name = c.name + " p50"
		b := pts(dist(c.pick, p95), false)
		b.Name, b.Dashed = c.name+" p95", true
		if !some(a, b) {
			continue
		}
		lc := &chart.Lines{Title: c.name + " p50 and p95 vs concurrency" + f.suffix, XLabel: xConc, YLabel: c.name + " (ms)", XTicks: ticks,
			Series: []chart.Series{a, b}}
		logY(lc)
		if err := f.add(lc, fmt.Sprintf("Median (solid) and 95th percentile (dashed) %s of ok requests at each level%s.%s", c.what, logNote(lc), f.pathNote())); err != nil {
			return err
		}
	}
	return f.errorRates(levels, xConc, ticks, func(l *summary.Level) float64 { return float64(l.Concurrency) }, "")
}

const xRate = "achieved request rate (req/s)"

// vsRate draws, for the rate levels, output throughput and the latencies
// against the achieved request rate, and the achieved rate against the
// asked one. The x axis is the achieved rate, the load the server was
// actually given: an asked rate the sender could not keep (arrivals not
// sent, a sender behind) would place a point where the server never was.
func (f *figures) vsRate(levels []summary.Level) error {
	if len(levels) == 0 {
		return nil
	}
	pts := func(val levelValue, labelled bool) chart.Series {
		var sr chart.Series
		for i := range levels {
			l := &levels[i]
			if y, ok := val(l); ok {
				sr.Points = append(sr.Points, chart.Point{X: l.AchievedRequestRate, Y: y})
				if labelled {
					sr.Labels = append(sr.Labels, strings.TrimSpace(f.pathLabel(l)+" "+pointLabel(l)))
				}
			}
		}
		return sr
	}
	const xNote = " x is the achieved request rate (requests sent per second of the measured window), each point labelled with the rate asked; points are joined in order of the asked rate."
	tput := pts(func(l *summary.Level) (float64, bool) { return l.OutputTokenThroughput, true }, true)
	tput.Name = "output tok/s"
	if err := f.add(&chart.Lines{Title: "Output throughput vs request rate" + f.suffix, XLabel: xRate, YLabel: "output throughput (tok/s)",
		Series: []chart.Series{tput}}, "Output tokens of ok requests per second of the measured window, at each rate level."+xNote+f.pathNote()); err != nil {
		return err
	}
	for _, c := range latencies {
		a := pts(dist(c.pick, p50), true)
		a.Name = c.name + " p50"
		b := pts(dist(c.pick, p95), false)
		b.Name, b.Dashed = c.name+" p95", true
		if !some(a, b) {
			continue
		}
		lc := &chart.Lines{Title: c.name + " p50 and p95 vs request rate" + f.suffix, XLabel: xRate, YLabel: c.name + " (ms)", Series: []chart.Series{a, b}}
		logY(lc)
		if err := f.add(lc, fmt.Sprintf("Median (solid) and 95th percentile (dashed) %s of ok requests at each rate level%s.%s", c.what, logNote(lc), xNote)); err != nil {
			return err
		}
	}
	if err := f.errorRates(levels, xRate, nil, func(l *summary.Level) float64 { return l.AchievedRequestRate }, xNote); err != nil {
		return err
	}
	got := chart.Series{Name: "achieved"}
	asked := chart.Series{Name: "asked (y = x)", Dashed: true}
	for i := range levels {
		l := &levels[i]
		got.Points = append(got.Points, chart.Point{X: l.RequestRate, Y: l.AchievedRequestRate})
		got.Labels = append(got.Labels, fmt.Sprintf("%d not sent", l.NotSent))
		asked.Points = append(asked.Points, chart.Point{X: l.RequestRate, Y: l.RequestRate})
	}
	return f.add(&chart.Lines{Title: "Achieved vs asked request rate" + f.suffix, XLabel: "asked request rate (req/s)", YLabel: "achieved request rate (req/s)",
		Series: []chart.Series{got, asked}},
		"x is the rate asked, y the requests sent per second of the measured window; the dashed line is y = x. A point below it sent less than asked: arrivals not sent (each point gives their count), or a sender behind.")
}

// pointLabel labels a level's point on a chart whose x axis is not its
// load: c=6 for a concurrency level, the asked rate for a rate level (a
// run's levels share their cap: the tables give it), its label for a
// ramp.
func pointLabel(l *summary.Level) string {
	switch {
	case l.Ramp != "":
		return Label(l)
	case IsRate(l):
		return FormatRate(l.RequestRate) + " req/s"
	}
	return fmt.Sprintf("c=%d", l.Concurrency)
}

// profileName names a level's line in the percentile profile.
func profileName(l *summary.Level) string {
	if IsRate(l) || l.Ramp != "" {
		return Label(l)
	}
	return fmt.Sprintf("%d streams", l.Concurrency)
}

// overLevels draws what every level has whatever its load: the
// throughput–latency curves, the TTFT percentile profiles, the errors.
func (f *figures) overLevels(s *summary.Summary, levels []summary.Level) error {
	one := plain(s)
	for _, c := range []struct {
		name string
		pick func(l *summary.Level) summary.Dist
	}{{"E2E", e2eOf}, {"TTFT", ttftOf}} {
		// One line per kind of load, each joined in order of its load.
		var series []chart.Series
		for _, kind := range []struct {
			name string
			is   func(l *summary.Level) bool
		}{
			{"concurrency levels", func(l *summary.Level) bool { return !IsRate(l) && l.Ramp == "" }},
			{"rate levels", func(l *summary.Level) bool { return IsRate(l) && l.Ramp == "" }},
			{"ramps", func(l *summary.Level) bool { return l.Ramp != "" }},
		} {
			sr := chart.Series{Name: c.name + " p95"}
			if !one {
				sr.Name += ", " + kind.name
			}
			var ls []summary.Level
			for _, l := range levels {
				if kind.is(&l) && c.pick(&l).N > 0 {
					ls = append(ls, l)
				}
			}
			if !one {
				sort.SliceStable(ls, func(i, j int) bool { return loadOf(&ls[i]) < loadOf(&ls[j]) })
			}
			for _, l := range ls {
				sr.Points = append(sr.Points, chart.Point{X: l.OutputTokenThroughput, Y: c.pick(&l).P95})
				sr.Labels = append(sr.Labels, pointLabel(&l))
			}
			if some(sr) {
				series = append(series, sr)
			}
		}
		if len(series) == 0 {
			continue
		}
		lc := &chart.Lines{Title: "Throughput vs " + c.name + " p95 latency" + f.suffix, XLabel: "output throughput (tok/s)", YLabel: c.name + " p95 (ms)",
			Series: series}
		logY(lc)
		how := "labelled c=concurrency, joined in order of concurrency"
		if !one {
			how = "labelled c=concurrency or with its rate, one line per kind of load joined in order of load"
		}
		if err := f.add(lc, fmt.Sprintf("Each point is a level, %s: what %s p95 each throughput costs%s.", how, c.name, logNote(lc))); err != nil {
			return err
		}
	}
	if err := f.profile(levels); err != nil {
		return err
	}
	return f.errorBars(s, levels)
}

// loadOf orders the levels of one kind: by concurrency, or by rate.
func loadOf(l *summary.Level) float64 {
	if IsRate(l) {
		return l.RequestRate
	}
	return float64(l.Concurrency)
}

// profile draws the TTFT distribution of each level as a percentile
// profile: x is 1/(1 − q) on a log scale, so that p50, p90, p99 and p99.9
// stand a decade apart and the tail gets the room it needs (evenly spaced
// ranks flatten it). The quantiles are the level's Quantiles when it has
// them (p50 to p99.9), else its Dist's p50, p90, p95, p99; its maximum
// (q = 1, at infinity on this axis) is drawn half a decade past the last.
func (f *figures) profile(levels []summary.Level) error {
	named := []struct {
		name string
		q    float64
		dist func(d summary.Dist) float64
	}{{"p50", 0.5, p50}, {"p90", 0.9, func(d summary.Dist) float64 { return d.P90 }}, {"p95", 0.95, p95}, {"p99", 0.99, func(d summary.Dist) float64 { return d.P99 }},
		{"p99.9", 0.999, nil}}
	x := func(q float64) float64 { return math.Log10(1 / (1 - q)) }
	var prof []chart.Series
	last := 0.0 // the largest x drawn
	withGrid := false
	for _, l := range levels {
		if l.TTFTMs.N == 0 {
			continue
		}
		sr := chart.Series{Name: profileName(&l)}
		vals := quantileValues(l.Quantiles, "TTFT")
		for _, p := range named {
			if v, ok := gridAt(l.Quantiles, vals, p.q); ok {
				sr.Points = append(sr.Points, chart.Point{X: x(p.q), Y: v})
				withGrid = true
			} else if p.dist != nil && vals == nil {
				sr.Points = append(sr.Points, chart.Point{X: x(p.q), Y: p.dist(l.TTFTMs)})
			}
		}
		if n := len(sr.Points); n > 0 {
			last = math.Max(last, sr.Points[n-1].X)
		}
		prof = append(prof, sr)
	}
	if len(prof) == 0 {
		return nil
	}
	maxX := last + 0.5
	i := 0
	for _, l := range levels {
		if l.TTFTMs.N == 0 {
			continue
		}
		prof[i].Points = append(prof[i].Points, chart.Point{X: maxX, Y: l.TTFTMs.Max})
		i++
	}
	var pticks []chart.Tick
	for _, p := range named {
		if x(p.q) <= last+1e-9 {
			pticks = append(pticks, chart.Tick{Value: x(p.q), Label: p.name})
		}
	}
	pticks = append(pticks, chart.Tick{Value: maxX, Label: "max"})
	lc := &chart.Lines{Title: "TTFT distribution per level (percentile profile)" + f.suffix, XLabel: "percentile of ok requests (log scale of 1/(1 − q))", YLabel: "TTFT (ms)", XTicks: pticks,
		Series: prof}
	logY(lc)
	src := "its TTFT p50, p90, p95 and p99"
	if withGrid {
		src = "its TTFT p50, p90, p95, p99 and p99.9"
	}
	return f.add(lc, "One line per level through "+src+", placed at 1/(1 − q) on a log scale (p50, p90, p99, p99.9 a decade apart, so the tail is not flattened), then its maximum, drawn half a decade past the last. The mean is in the level's table below"+logNote(lc)+".")
}

// errorBars draws the errors of each level by kind, stacked.
func (f *figures) errorBars(s *summary.Summary, levels []summary.Level) error {
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
	x := xConc
	if !plain(s) {
		x = "level (streams, req/s or ramp)"
	}
	bars := &chart.Bars{Title: "Errors by kind per level" + f.suffix, XLabel: x, YLabel: "errors (% of measured requests)"}
	for _, l := range levels {
		bars.Categories = append(bars.Categories, Label(&l))
	}
	for _, k := range names {
		st := chart.Stack{Name: k}
		for _, l := range levels {
			pct := 0.0
			if l.Requests > 0 {
				pct = 100 * float64(l.ErrorsByStatus[k]) / float64(l.Requests)
			}
			st.Values = append(st.Values, pct)
		}
		bars.Stacks = append(bars.Stacks, st)
	}
	return f.add(bars, "Failed measured requests by kind, stacked, as a share of each level's measured requests; counts are in the level tables below.")
}
