package compare

import (
	"bytes"
	"fmt"
	"html/template"
	"strings"

	"github.com/llmbench/llmbench/shared/report"
	"github.com/llmbench/llmbench/shared/report/chart"
	"github.com/llmbench/llmbench/shared/summary"
)

// Table renders the executive table alone in Markdown, the clearly best
// figure of each column in bold (see best and Legend).
func Table(rows []Row, rule Rules) []byte {
	var b bytes.Buffer
	extraHeads, extraCells := extras(rows)
	head := append(append([]string{}, Header[:]...), extraHeads...)
	fmt.Fprintf(&b, "| %s |\n|----------|%s\n", strings.Join(head, " | "), strings.Repeat("---:|", len(head)-1))
	m, _ := best(rows, rule.Margin)
	for i, r := range rows {
		c := r.Cells()
		c[0] = "**" + mdEsc(c[0]) + "**"
		for j := 1; j < len(c); j++ {
			if m[j][i] {
				c[j] = "**" + c[j] + "**"
			}
		}
		cells := append(c[:], extraCells(r)...)
		fmt.Fprintf(&b, "| %s |\n", strings.Join(cells, " | "))
	}
	return b.Bytes()
}

// Markdown renders compare.md: the executive table with its notes and
// definitions, then the runs' figures side by side, level by level.
func Markdown(runs []*summary.Summary, rule Rules) []byte {
	rows := Executive(runs, rule)
	var b bytes.Buffer
	b.WriteString("# Performance Executive Summary\n\n")
	if sim := simulatedLabels(rows); sim != "" {
		fmt.Fprintf(&b, "> **Simulated server**: %s measured llmbench's model of an LLM server, not a real endpoint.\n\n", sim)
	}
	b.WriteString(Legend(rule) + "\n\n")
	b.Write(Table(rows, rule))
	b.WriteString("\n")
	for _, n := range Notes(rows, rule) {
		fmt.Fprintf(&b, "- %s\n", n)
	}
	b.WriteString("\n## Definitions\n\n")
	for _, d := range Definitions(rule) {
		fmt.Fprintf(&b, "- %s\n", d)
	}
	b.WriteString("\n## Runs\n\n| Run | run ID | name | target |\n|---|---|---|---|\n")
	for i, r := range rows {
		fmt.Fprintf(&b, "| %s | `%s` | %s | %s |\n", mdEsc(r.Label), mdEsc(r.RunID), mdEsc(dash(r.Name)), mdEsc(dash(runs[i].Target)))
	}
	levels := levelsOf(runs)
	if n := sharedNote(runs); n != "" {
		fmt.Fprintf(&b, "\n> %s\n", n)
	}
	first := firstHead(levels)
	for _, f := range figuresFor(levels) {
		fmt.Fprintf(&b, "\n## %s per level (%s)\n\n| %s |", f.title, f.unit, first)
		for _, r := range rows {
			fmt.Fprintf(&b, " %s |", mdEsc(r.Label))
		}
		fmt.Fprintf(&b, "\n|---:|%s\n", strings.Repeat("---:|", len(rows)))
		for _, c := range levels {
			fmt.Fprintf(&b, "| %s |", mdEsc(c.String()))
			for _, s := range runs {
				fmt.Fprintf(&b, " %s |", cell(s, c, f))
			}
			b.WriteString("\n")
		}
	}
	return b.Bytes()
}

// firstHead heads the side-by-side tables' first column.
func firstHead(ks []Key) string {
	if plainKeys(ks) {
		return "concurrency"
	}
	return "level"
}

func cell(s *summary.Summary, c Key, f perLevel) string {
	l := level(s, c)
	if l == nil {
		return "-"
	}
	v, ok := f.val(l)
	if !ok {
		return "-"
	}
	return f.format(v)
}

func simulatedLabels(rows []Row) string {
	var sim []string
	for _, r := range rows {
		if r.Simulated {
			sim = append(sim, r.Label)
		}
	}
	return strings.Join(sim, ", ")
}

// mdEsc keeps a text from breaking a Markdown table cell.
func mdEsc(s string) string {
	return strings.NewReplacer("|", "\\|", "\n", " ").Replace(s)
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// HTML renders compare.html: a self-contained page (inline CSS and SVG)
// with the executive table, its notes and definitions, the overlaid charts
// (output tok/s, TTFT p95 and E2E p95 vs concurrency, one line per run;
// at rate levels the same and the achieved rate vs the asked rate; and
// the throughput–E2E p95 curve of each run) and the side-by-side tables.
func HTML(runs []*summary.Summary, rule Rules) ([]byte, error) {
	rows := Executive(runs, rule)
	v := comparePage{Style: template.CSS(report.Style), Simulated: simulatedLabels(rows), Notes: Notes(rows, rule), Legend: Legend(rule)}
	extraHeads, extraCells := extras(rows)
	v.Head = append(append([]string{}, Header[:]...), extraHeads...)
	m, _ := best(rows, rule.Margin)
	for i, r := range rows {
		c := r.Cells()
		var cells []htmlCell
		for j, s := range c {
			cells = append(cells, htmlCell{Text: s, Best: j > 0 && m[j][i]})
		}
		for _, x := range extraCells(r) {
			cells = append(cells, htmlCell{Text: x})
		}
		v.Rows = append(v.Rows, cells)
		v.Runs = append(v.Runs, [4]string{r.Label, r.RunID, dash(r.Name), dash(runs[i].Target)})
	}
	for _, d := range Definitions(rule) {
		// The definitions are written for Markdown: **term**: text.
		term, text, _ := strings.Cut(strings.TrimPrefix(d, "**"), "**")
		v.Defs = append(v.Defs, [2]string{term, strings.TrimPrefix(text, ": ")})
	}
	levels := levelsOf(runs)
	v.SharedNote = sharedNote(runs)
	v.LevelHead = "concurrency (streams)"
	if !plainKeys(levels) {
		v.LevelHead = "level (streams or req/s)"
	}
	for _, f := range figuresFor(levels) {
		t := sideTable{Title: fmt.Sprintf("%s per level (%s)", f.title, f.unit)}
		for _, r := range rows {
			t.Head = append(t.Head, r.Label)
		}
		for _, c := range levels {
			row := []string{c.String()}
			for _, s := range runs {
				row = append(row, cell(s, c, f))
			}
			t.Rows = append(t.Rows, row)
		}
		v.Tables = append(v.Tables, t)
	}
	figs, err := compareFigures(runs, rows, levels)
	if err != nil {
		return nil, err
	}
	v.Figures = figs
	var b bytes.Buffer
	if err := compareTmpl.Execute(&b, v); err != nil {
		return nil, fmt.Errorf("compare: html: %w", err)
	}
	return b.Bytes(), nil
}

type htmlCell struct {
	Text string
	Best bool
}

type sideTable struct {
	Title string
	Head  []string
	Rows  [][]string
}

type comparePage struct {
	Style     template.CSS
	Simulated string
	Legend    string // how to read the executive table's cells
	Head      []string
	Rows      [][]htmlCell
	Notes     []string
	Defs      [][2]string
	Runs      [][4]string
	Figures   []report.Figure
	// SharedNote says that no level matched across runs; LevelHead heads
	// the side tables' first column.
	SharedNote string
	LevelHead  string
	Tables     []sideTable
}

// compareFigures overlays the runs, one line per run: against
// concurrency at the concurrency levels, against the asked rate at the
// rate levels, and the throughput–E2E p95 curves of every level.
func compareFigures(runs []*summary.Summary, rows []Row, levels []Key) ([]report.Figure, error) {
	var conc, rate []Key
	for _, k := range levels {
		switch {
		case k.steadyConcurrency():
			conc = append(conc, k)
		case k.steadyRate():
			rate = append(rate, k)
		}
	}
	var figs []report.Figure
	add := func(lc *chart.Lines, caption string) error {
		svg, err := lc.SVG()
		if err != nil {
			return fmt.Errorf("compare: html: %w", err)
		}
		figs = append(figs, report.Figure{SVG: svg, Caption: caption})
		return nil
	}
	axes := []struct {
		keys     []Key
		x        func(k Key) float64
		vs       string // the title's "vs …"
		xLabel   string
		ticks    bool
		figs     []perLevel
		atLevels string
	}{
		{conc, func(k Key) float64 { return float64(k.Concurrency) }, "concurrency", "concurrency (concurrent streams)", true, perLevelFigures[:3], "at each concurrency level"},
		// Rate levels are matched by the rate asked, so they are placed by
		// it: each run's achieved rate is its own chart.
		{rate, func(k Key) float64 { return k.RequestRate }, "request rate", "asked request rate (req/s)", false,
			append(append([]perLevel(nil), perLevelFigures[:3]...), rateFigures[0]), "at each rate level, placed by the rate asked"},
	}
	for _, ax := range axes {
		if len(ax.keys) == 0 {
			continue
		}
		var ticks []chart.Tick
		if ax.ticks {
			for _, k := range ax.keys {
				ticks = append(ticks, chart.Tick{Value: ax.x(k), Label: k.String()})
			}
		}
		for _, f := range ax.figs {
			var series []chart.Series
			for i, s := range runs {
				sr := chart.Series{Name: rows[i].Label}
				for _, k := range ax.keys {
					if l := level(s, k); l != nil {
						if y, ok := f.val(l); ok {
							sr.Points = append(sr.Points, chart.Point{X: ax.x(k), Y: y})
						}
					}
				}
				series = append(series, sr)
			}
			if !anyPoints(series) {
				continue
			}
			lc := &chart.Lines{Title: f.title + " vs " + ax.vs + ", per run", XLabel: ax.xLabel,
				YLabel: fmt.Sprintf("%s (%s)", f.title, f.unit), XTicks: ticks, Series: series}
			if f.unit == "ms" && chart.WideRange(series) {
				lc.LogY, lc.YLabel = true, fmt.Sprintf("%s (%s, log scale)", f.title, f.unit)
			}
			if err := add(lc, fmt.Sprintf("%s %s, one line per run%s.", f.title, ax.atLevels, logNote(lc.LogY))); err != nil {
				return nil, err
			}
		}
	}
	var series []chart.Series
	for i, s := range runs {
		sr := chart.Series{Name: rows[i].Label}
		for _, c := range levels {
			if l := level(s, c); l != nil && l.E2EMs.N > 0 {
				sr.Points = append(sr.Points, chart.Point{X: l.OutputTokenThroughput, Y: l.E2EMs.P95})
				sr.Labels = append(sr.Labels, c.pointLabel())
			}
		}
		series = append(series, sr)
	}
	if anyPoints(series) {
		lc := &chart.Lines{Title: "Throughput vs E2E p95 latency, per run", XLabel: "output throughput (tok/s)", YLabel: "E2E p95 (ms)", Series: series}
		if chart.WideRange(series) {
			lc.LogY, lc.YLabel = true, "E2E p95 (ms, log scale)"
		}
		how := "labelled c=concurrency"
		if !plainKeys(levels) {
			how = "labelled c=concurrency or with its rate"
		}
		if err := add(lc, "Each point is a level of a run, "+how+": further right is more throughput, lower is faster"+logNote(lc.LogY)+"."); err != nil {
			return nil, err
		}
	}
	return figs, nil
}

func logNote(log bool) string {
	if log {
		return "; the latencies span a factor of 10 or more, so the y axis is logarithmic"
	}
	return ""
}

func anyPoints(ss []chart.Series) bool {
	for _, s := range ss {
		if len(s.Points) > 0 {
			return true
		}
	}
	return false
}

var compareTmpl = template.Must(template.New("compare").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>Performance Executive Summary — llmbench compare</title>
<style>{{.Style}}</style>
</head>
<body>
<main>
<h1>Performance Executive Summary</h1>
<p class="sub">llmbench compare · {{len .Rows}} run(s)</p>
{{if .Simulated}}<div class="banner" id="simulated" role="alert"><strong>SIMULATED SERVER</strong>: {{.Simulated}} measured llmbench's model of an LLM server, not a real endpoint.</div>
{{end}}<p class="note" id="legend">{{.Legend}}</p>
<div class="scroll"><table class="executive">
<tr>{{range .Head}}<th>{{.}}</th>{{end}}</tr>
{{range .Rows}}<tr>{{range $i, $c := .}}{{if eq $i 0}}<th>{{$c.Text}}</th>{{else}}<td class="n">{{if $c.Best}}<b class="best">{{$c.Text}}</b>{{else}}{{$c.Text}}{{end}}</td>{{end}}{{end}}</tr>
{{end}}</table></div>
<ul class="note">{{range .Notes}}<li>{{.}}</li>{{end}}</ul>
<h2 id="definitions">Definitions</h2>
<ul class="defs">{{range .Defs}}<li><b>{{index . 0}}</b>: {{index . 1}}</li>
{{end}}</ul>
<h2 id="charts">Charts</h2>
<div class="charts">
{{range .Figures}}<figure>{{.SVG}}<figcaption>{{.Caption}}</figcaption></figure>
{{end}}</div>
<h2 id="levels">Per level</h2>
{{if .SharedNote}}<p class="note" id="no-common-level">{{.SharedNote}}</p>
{{end}}<div class="levels">
{{range .Tables}}<section><h3>{{.Title}}</h3>
<table><tr><th>{{$.LevelHead}}</th>{{range .Head}}<th>{{.}}</th>{{end}}</tr>
{{range .Rows}}<tr>{{range .}}<td class="n">{{.}}</td>{{end}}</tr>
{{end}}</table></section>
{{end}}</div>
<h2 id="runs">Runs</h2>
<table><tr><th>Run</th><th>run ID</th><th>name</th><th>target</th></tr>
{{range .Runs}}<tr><th>{{index . 0}}</th><td><code>{{index . 1}}</code></td><td>{{index . 2}}</td><td>{{index . 3}}</td></tr>
{{end}}</table>
</main>
</body>
</html>
`))
