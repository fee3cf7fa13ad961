package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"net/url"
	"regexp"
	"strings"

	"github.com/llmbench/llmbench/shared/report/chart"
	"github.com/llmbench/llmbench/shared/spec"
	"github.com/llmbench/llmbench/shared/summary"
)

// HTML renders report.html: one self-contained page (inline CSS and SVG,
// no script, no font or image to fetch) with the run's facts, a table of
// every level, the charts, the latency distributions of each level, the
// errors, the definitions and the spec as JSON, auth secrets and header
// values redacted.
//
// Charts:
//   - output tok/s vs concurrency;
//   - TTFT, TPOT, ITL and E2E p50 and p95 vs concurrency, one chart each
//     (their scales differ by orders of magnitude);
//   - the error rate by kind (the rows' status) vs concurrency, and all
//     kinds together, when a level failed any request;
//   - throughput–latency curves: x = output tok/s, y = E2E p95 and, in a
//     second chart, TTFT p95, each level a point labelled with its
//     concurrency;
//   - the TTFT distribution of each level as a percentile profile: x is
//     1/(1 − q) on a log scale (p50, p90, p99, p99.9 a decade apart), the
//     maximum half a decade past the last, y the TTFT, one line per level;
//   - errors by kind per level: stacked bars, in % of the level's measured
//     requests, one colour per kind;
//   - empirical CDFs of TTFT, E2E and ITL, one line per level through its
//     quantiles (summary.Quantiles), x on a log scale past a spread of 20.
//
// With a capacity search, the points of the charts against load are
// labelled #k, the order the search tried them. A run with a timeline
// (summary.Timeline) gets a "Run timeline" section: output tok/s,
// requests in flight, TTFT p50 and requests ended ok and failed per
// second over the whole run, each level's start marked, and a folded
// table of its seconds (binned past 600 seconds).
//
// A run with rate levels (open loop) adds a table of asked and achieved
// rate, arrivals not sent, send lag and queue per level, and charts
// against the achieved request rate (output tok/s; TTFT, TPOT, ITL and
// E2E p50 and p95; the error rate by kind) and of the achieved rate
// against the asked one. The charts
// against concurrency hold the concurrency levels only; a ramp is on
// neither axis. A ramp or a rate level with a per-second series gets, in
// its own section, its arrivals and sent requests per second and its TTFT
// mean per second, and a folded table of its seconds.
//
// A simulated run says so in a banner above everything and in every chart
// title. The page is deterministic: the same inputs give the same bytes.
func HTML(sum *summary.Summary, sp *spec.Spec) ([]byte, error) {
	if sum == nil {
		return nil, fmt.Errorf("report: html: no summary")
	}
	v, err := htmlView(sum, sp)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := pageTmpl.Execute(&b, v); err != nil {
		return nil, fmt.Errorf("report: html: %w", err)
	}
	return b.Bytes(), nil
}

// Figure is a chart with its caption.
type Figure struct {
	SVG     template.HTML
	Caption string
	data    svgChart // what was drawn: the golden tests of the charts' data read it
}

// Style is the CSS shared by report.html and compare.html.
const Style = `
:root{--fg:#1d2430;--muted:#5b6575;--line:#d9dee6;--head:#f3f5f8;--warn:#b3261e;--warnbg:#fdecea;--accent:#0072b2}
*{box-sizing:border-box}
body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI","Liberation Sans",Arial,sans-serif;color:var(--fg);background:#fff}
main{max-width:1280px;margin:0 auto;padding:20px 24px 48px}
h1{font-size:1.6em;margin:.2em 0 .1em}
h2{font-size:1.25em;margin:1.6em 0 .5em;padding-bottom:.2em;border-bottom:1px solid var(--line)}
h3{font-size:1.05em;margin:1.2em 0 .4em}
.sub{color:var(--muted);margin:0 0 1em}
.banner{background:var(--warnbg);border:2px solid var(--warn);color:var(--warn);border-radius:6px;padding:12px 16px;margin:12px 0 16px;font-size:1.05em}
.banner strong{font-size:1.15em;letter-spacing:.04em}
table{border-collapse:collapse;margin:.4em 0 1em;font-variant-numeric:tabular-nums}
th,td{border:1px solid var(--line);padding:4px 8px;vertical-align:top}
th{background:var(--head);font-weight:600;text-align:center}
td.n{text-align:right;white-space:nowrap}
table.facts th{text-align:left}
.scroll{overflow-x:auto}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(480px,1fr));gap:18px}
figure{margin:0;border:1px solid var(--line);border-radius:6px;padding:8px;background:#fff}
figcaption{color:var(--muted);font-size:.88em;margin-top:4px}
svg.chart{display:block;width:100%;height:auto}
svg.chart text{font-family:"Liberation Sans",Arial,Helvetica,sans-serif !important}
.levels{display:grid;grid-template-columns:repeat(auto-fit,minmax(420px,1fr));gap:8px 24px}
pre{background:var(--head);border:1px solid var(--line);border-radius:6px;padding:10px;overflow-x:auto;font-size:.85em}
ul.defs li{margin:.2em 0}
.note{color:var(--muted);font-size:.9em}
b.best{color:var(--accent)}
`

type htmlPage struct {
	Title      string
	Sum        *summary.Summary
	Simulated  bool
	SimProfile string
	Facts      [][2]string
	Heads      []string
	Rows       [][]string
	RateHeads  []string
	RateRows   [][]string
	RateNote   string
	Figures    []Figure
	NoCharts   string
	Levels     []levelView
	// SecondHeads head every level's per-second table; SeriesNote says
	// what it holds.
	SecondHeads []string
	SeriesNote  string
	// TurnHeads head every level's table by turn; TurnsNote says what it
	// holds.
	TurnHeads []string
	TurnsNote string
	// RepeatHeads and RepeatRows are the load points' figures over their
	// runs (load.repeats; none without), RepeatNote what they are.
	RepeatHeads []string
	RepeatRows  [][]string
	RepeatNote  string
	// The search's result (the spec's search): what it found, the levels
	// it tried against each criterion, and its path drawn.
	CapacityLines   []string
	CapacityHeads   []string
	CapacityRows    [][]string
	CapacityFigures []Figure
	Problems        []string
	Defs            [][2]string
	SpecJSON        string
	Style           template.CSS

	// TailHeads, TailRows and TailNote are the failures in the tail
	// (none when hasTail is not).
	TailHeads []string
	TailRows  [][]string
	TailNote  string

	// Skew is the levels' start skews (nil without any).
	Skew *skewView
	// ProxyTTFT is the client's and the server's own TTFT (nil without a
	// server TTFT).
	ProxyTTFT *skewView
	// Bill is what the benchmark itself cost (nil without a figure).
	Bill *billView
	// Rounds is the levels run in rounds (nil without any).
	Rounds *skewView
	// Server is the levels' server telemetry (nil without any).
	Server *skewView

	// The run's timeline (none without summary.Timeline): its charts and
	// its seconds.
	TimelineFigures []Figure
	TimelineNote    string
	TimelineHeads   []string
	TimelineRows    [][]string
}

type levelView struct {
	Title   string
	Facts   string
	Dists   [][]string
	Errors  string
	Notes   []string
	Series  []Figure   // its per-second charts (see hasSeries)
	Seconds [][]string // its per-second table
	Turns   [][]string // its figures by turn of its conversations
}

// levelTitle heads a level's section: "6 concurrent streams", "4 requests
// per second (at most 16 in flight)", "ramp of concurrent streams:
// linear 1→32 over 1m0s".
func levelTitle(l *summary.Level) string {
	switch {
	case l.Ramp != "" && IsRate(l):
		return "ramp of requests per second: " + l.Ramp
	case l.Ramp != "":
		return "ramp of concurrent streams: " + l.Ramp
	case IsRate(l) && l.Concurrency > 0:
		return fmt.Sprintf("%s requests per second (at most %d in flight)", FormatRate(l.RequestRate), l.Concurrency)
	case IsRate(l):
		return FormatRate(l.RequestRate) + " requests per second"
	}
	return fmt.Sprintf("%d concurrent streams", l.Concurrency)
}

// levelViewOf is the section of one level: its facts, distributions,
// errors and notes, and its per-second series.
func levelViewOf(l *summary.Level, suffix string) (levelView, error) {
	lv := levelView{Title: levelTitle(l),
		Facts: fmt.Sprintf("%d measured requests (%d ok, %d errors) after %d warm-up requests; window %.1f s; achieved concurrency %.1f; token counts from %s",
			l.Requests, l.OK, l.Errors, l.WarmupRequests, l.DurationS, l.AchievedConcurrency, dash(l.TokenSource))}
	for _, d := range []struct {
		name string
		d    summary.Dist
	}{{"TTFT", l.TTFTMs}, {"TPOT", l.TPOTMs}, {"ITL", l.ITLMs}, {"E2E", l.E2EMs}} {
		lv.Dists = append(lv.Dists, []string{d.name, fmt.Sprint(d.d.N), msCell(d.d.N, d.d.Mean), msCell(d.d.N, d.d.P50), msCell(d.d.N, d.d.P90),
			msCell(d.d.N, d.d.P95), msCell(d.d.N, d.d.P99), msCell(d.d.N, d.d.Max)})
	}
	if l.Errors > 0 {
		lv.Errors = ErrorKinds(l.ErrorsByStatus)
	}
	lv.Notes = LevelNotes(l)
	var err error
	if lv.Series, err = seriesFigures(l, suffix); err != nil {
		return levelView{}, err
	}
	if hasSeries(l) {
		lv.Seconds = secondRows(l)
	}
	lv.Turns = turnRows(l)
	return lv, nil
}

// rateHeads head the open-loop table of report.html, units included.
var rateHeads = []string{"level (streams, req/s or ramp)", "asked (req/s)", "achieved (req/s)", "achieved (% of asked)", "not sent (arrivals)",
	"send lag p50 (ms)", "send lag p99 (ms)", "queue p50 (ms)", "queue p99 (ms)"}

func htmlView(s *summary.Summary, sp *spec.Spec) (*htmlPage, error) {
	v := &htmlPage{Title: s.Name, Sum: s, Simulated: s.Simulated, SimProfile: s.SimProfile, Style: template.CSS(Style)}
	if s.Simulated {
		v.Title += " (simulated server)"
	}
	v.Facts = [][2]string{
		{"run", s.RunID}, {"platform", dash(s.Platform)}, {"target", dash(s.Target)},
		{"started", s.StartedAt.Format("2006-01-02 15:04:05 UTC")}, {"finished", s.FinishedAt.Format("2006-01-02 15:04:05 UTC")},
		{"duration", fmt.Sprintf("%.0f s", s.FinishedAt.Sub(s.StartedAt).Seconds())}, {"query engine", dash(s.Engine)},
	}
	if s.Simulated {
		v.Facts = append(v.Facts, [2]string{"simulated server profile", dash(s.SimProfile)})
	}
	if s.MaxWorkers > 0 {
		v.Facts = append(v.Facts, [2]string{"max workers per level", fmt.Sprint(s.MaxWorkers)})
	}
	if sp != nil {
		stream := "streaming"
		if !sp.Workload.Streaming() {
			stream = "non-streaming"
		}
		v.Facts = append(v.Facts, [2]string{"workload", WorkloadShape(&sp.Workload, stream)})
		shape := "concurrency levels " + joinInts(sp.Load.Levels)
		if d := loadShape(&sp.Load); d != "" {
			shape = d
		}
		load := fmt.Sprintf("%s; %s measured per level after %s warm-up", shape, dash(string(sp.Load.Duration)), dash(string(sp.Load.Warmup)))
		if sp.Load.Requests > 0 {
			load += fmt.Sprintf("; %d measured requests per level", sp.Load.Requests)
		}
		v.Facts = append(v.Facts, [2]string{"load", load})
		if sp.Pricing.USDPerHour > 0 {
			n := sp.Pricing.Instances
			if n == 0 {
				n = 1
			}
			v.Facts = append(v.Facts, [2]string{"price", fmt.Sprintf("$%.3f per hour × %d instance(s)", sp.Pricing.USDPerHour, n)})
		} else {
			v.Facts = append(v.Facts, [2]string{"price", "none given: no cost figures"})
		}
		if sp.SLO != (spec.SLO{}) {
			v.Facts = append(v.Facts, [2]string{"SLO (goodput)", sloText(sp.SLO)})
		}
		var j bytes.Buffer
		enc := json.NewEncoder(&j)
		enc.SetEscapeHTML(false) // html/template escapes it for the page
		enc.SetIndent("", "  ")
		if err := enc.Encode(redactSpec(sp)); err != nil {
			return nil, fmt.Errorf("report: html: spec: %w", err)
		}
		v.SpecJSON = strings.TrimSuffix(j.String(), "\n")
	}

	first := "concurrency (streams)"
	if !plain(s) {
		first = "level (streams, req/s or ramp)"
	}
	v.Heads = []string{first, "measured requests (count)", "error rate (%)", "output (tok/s)", "requests (req/s)", "goodput (req/s)",
		"TTFT p50 (ms)", "TTFT p95 (ms)", "TPOT p50 (ms)", "ITL p99 (ms)", "E2E p50 (ms)", "E2E p95 (ms)", "cost ($ per 1M output tokens)", "output tokens per dollar-hour (tok/$·h)"}
	suffix := ""
	if s.Simulated {
		suffix = " — SIMULATED server"
	}
	for i := range s.Levels {
		l := &s.Levels[i]
		tph := "-"
		if l.OutputTokensPerUSDHour != nil {
			tph = chart.Thousands(*l.OutputTokensPerUSDHour, 0)
		}
		v.Rows = append(v.Rows, []string{
			Label(l), fmt.Sprint(l.Requests), fmt.Sprintf("%.1f", 100*l.ErrorRate),
			fmt.Sprintf("%.1f", l.OutputTokenThroughput), fmt.Sprintf("%.2f", l.RequestThroughput), fmt.Sprintf("%.2f", l.GoodputRPS),
			msCell(l.TTFTMs.N, l.TTFTMs.P50), msCell(l.TTFTMs.N, l.TTFTMs.P95), msCell(l.TPOTMs.N, l.TPOTMs.P50),
			msCell(l.ITLMs.N, l.ITLMs.P99), msCell(l.E2EMs.N, l.E2EMs.P50), msCell(l.E2EMs.N, l.E2EMs.P95),
			usd(l.CostPer1MOutputTokensUSD), tph,
		})
		lv, err := levelViewOf(l, suffix)
		if err != nil {
			return nil, err
		}
		v.Levels = append(v.Levels, lv)
	}
	if hasRate(s) {
		v.RateHeads = rateHeads
		for i := range s.Levels {
			v.RateRows = append(v.RateRows, cells(&s.Levels[i], rateColumns))
		}
		v.RateNote = rateNote
	}
	if v.TailRows = tailRows(s); v.TailRows != nil {
		v.TailHeads, v.TailNote = tailHeadsFor(s), tailNote
	}
	v.Skew = skewTable(s)
	v.Bill = billTable(s)
	v.ProxyTTFT = proxyTTFTTable(s)
	v.Rounds = roundsTable(s)
	v.Server = serverTable(s)
	v.SecondHeads = secondHeads
	v.SeriesNote = seriesNote
	v.TurnHeads, v.TurnsNote = turnHeads, turnsNote
	v.RepeatHeads, v.RepeatRows = repeatTable(s)
	v.RepeatNote = strings.ReplaceAll(repeatNote, "`", "")
	if rs := ServerReported(s); len(rs) > 0 {
		v.Facts = append(v.Facts, [2]string{"server reported", strings.Join(rs, "; ")})
	}
	if n := Incomplete(s); n != "" {
		v.Problems = append(v.Problems, n)
	}
	if s.SweepError != "" {
		v.Problems = append(v.Problems, SweepNote(s))
	}
	if n := DatasetNote(s); n != "" {
		v.Problems = append(v.Problems, n)
	}
	for _, f := range s.FailedSlices {
		v.Problems = append(v.Problems, failedSlice(s, f))
	}
	for _, sw := range s.SliceWarnings {
		v.Problems = append(v.Problems, "warning: "+sliceWarning(s, sw))
	}
	v.Problems = append(v.Problems, serverWarnings(s)...)
	for _, r := range s.RetriedSlices {
		v.Problems = append(v.Problems, retriedSlice(s, r))
	}
	v.Defs = definitions(s)

	figs, err := runFigures(s)
	if err != nil {
		return nil, err
	}
	v.Figures = figs
	if v.TimelineFigures, err = timelineFigures(s, suffix); err != nil {
		return nil, err
	}
	if v.TimelineFigures != nil {
		v.TimelineNote, v.TimelineHeads, v.TimelineRows = timelineNote, timelineHeads, timelineRows(s.Timeline)
	}
	if c := s.Capacity; c != nil {
		v.CapacityLines, v.CapacityHeads, v.CapacityRows = CapacityLines(s), capacityHeads(c), capacityRows(c)
		suffix := ""
		if s.Simulated {
			suffix = " — SIMULATED server"
		}
		if v.CapacityFigures, err = capacityFigures(s, suffix); err != nil {
			return nil, err
		}
	}
	if len(figs) == 0 {
		v.NoCharts = "No level has measurements to chart."
	}
	return v, nil
}

// logY puts a latency chart on a log scale when its values span a factor
// of 10 or more, and says so on the axis.
func logY(lc *chart.Lines) {
	if chart.WideRange(lc.Series) {
		lc.LogY = true
		lc.YLabel = strings.TrimSuffix(lc.YLabel, " (ms)") + " (ms, log scale)"
	}
}

func logNote(lc *chart.Lines) string {
	if lc.LogY {
		return "; the values span a factor of 10 or more, so the y axis is logarithmic"
	}
	return ""
}

func sloText(s spec.SLO) string {
	var parts []string
	if s.TTFTMs > 0 {
		parts = append(parts, fmt.Sprintf("TTFT ≤ %g ms", s.TTFTMs))
	}
	if s.TPOTMs > 0 {
		parts = append(parts, fmt.Sprintf("TPOT ≤ %g ms", s.TPOTMs))
	}
	if s.E2EMs > 0 {
		parts = append(parts, fmt.Sprintf("E2E ≤ %g ms", s.E2EMs))
	}
	return strings.Join(parts, ", ")
}

func joinInts(xs []int) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = fmt.Sprint(x)
	}
	return strings.Join(parts, ", ")
}

// Redacted is what replaces a value that might be secret.
const Redacted = "[redacted]"

var (
	secretRef     = regexp.MustCompile(`^(env:[A-Za-z_][A-Za-z0-9_]*|arn:aws:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:[A-Za-z0-9/_+=.@-]+)$`)
	sensitiveName = regexp.MustCompile(`(?i)key|token|secret|passw|sig|auth|cred|code|session`)
)

// redactSpec returns a copy of sp safe to publish: the auth secret kept
// only when it is a reference (env:NAME or a Secrets Manager ARN), every
// extra header's value replaced, and the URL's password (or lone user
// name) and sensitive query values replaced by "redacted". A valid spec holds no secret; this guards against
// one that does.
func redactSpec(sp *spec.Spec) *spec.Spec {
	c := *sp
	if sp.Target.Auth != nil {
		a := *sp.Target.Auth
		if !secretRef.MatchString(string(a.Secret)) {
			a.Secret = Redacted
		}
		c.Target.Auth = &a
	}
	if sp.Target.Headers != nil {
		c.Target.Headers = make(map[string]string, len(sp.Target.Headers))
		for k := range sp.Target.Headers {
			c.Target.Headers[k] = Redacted
		}
	}
	c.Target.URL = redactURL(sp.Target.URL)
	return &c
}

func redactURL(raw string) string {
	if raw == "" {
		return raw
	}
	u, err := url.Parse(raw)
	if err != nil {
		return Redacted
	}
	// In a URL the marker is a plain word, which needs no escaping.
	const mark = "redacted"
	if u.User != nil {
		if _, hasPassword := u.User.Password(); hasPassword {
			u.User = url.UserPassword(u.User.Username(), mark)
		} else {
			u.User = url.User(mark) // a user name alone may be a token
		}
	}
	if u.RawQuery != "" {
		q := u.Query()
		for k := range q {
			if sensitiveName.MatchString(k) {
				q[k] = []string{mark}
			}
		}
		u.RawQuery = q.Encode()
	}
	return u.String()
}

var pageTmpl = template.Must(template.New("report").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>{{.Title}} — llmbench report</title>
<style>{{.Style}}</style>
</head>
<body>
<main>
<h1>{{.Sum.Name}}</h1>
<p class="sub">llmbench report · run <code>{{.Sum.RunID}}</code></p>
{{if .Simulated}}<div class="banner" id="simulated" role="alert"><strong>SIMULATED SERVER</strong> (profile <code>{{.SimProfile}}</code>): every figure on this page measures llmbench's model of an LLM server, not a real endpoint.</div>
{{end}}<table class="facts">
{{range .Facts}}<tr><th>{{index . 0}}</th><td>{{index . 1}}</td></tr>
{{end}}</table>

{{if .CapacityLines}}<h2 id="capacity">Capacity</h2>
{{range .CapacityLines}}<p><strong>{{.}}</strong></p>
{{end}}<div class="scroll"><table class="capacity">
<tr>{{range .CapacityHeads}}<th>{{.}}</th>{{end}}</tr>
{{range .CapacityRows}}<tr>{{range .}}<td class="n">{{.}}</td>{{end}}</tr>
{{end}}</table></div>
<div class="charts">
{{range .CapacityFigures}}<figure>{{.SVG}}<figcaption>{{.Caption}}</figcaption></figure>
{{end}}</div>
{{end}}<h2 id="levels">Results per level</h2>
<div class="scroll"><table class="results">
<tr>{{range .Heads}}<th>{{.}}</th>{{end}}</tr>
{{range .Rows}}<tr>{{range .}}<td class="n">{{.}}</td>{{end}}</tr>
{{end}}</table></div>
<p class="note">Latencies are over ok requests; “-” means no value (no ok request, or no price).</p>
{{if .RepeatRows}}
<h2 id="repeats">Repeats</h2>
<div class="scroll"><table class="repeats">
<tr>{{range .RepeatHeads}}<th>{{.}}</th>{{end}}</tr>
{{range .RepeatRows}}<tr>{{range .}}<td class="n">{{.}}</td>{{end}}</tr>
{{end}}</table></div>
<p class="note">{{.RepeatNote}}</p>
{{end}}{{if .RateRows}}
<h2 id="rate">Open-loop load per level</h2>
<div class="scroll"><table class="rate">
<tr>{{range .RateHeads}}<th>{{.}}</th>{{end}}</tr>
{{range .RateRows}}<tr>{{range .}}<td class="n">{{.}}</td>{{end}}</tr>
{{end}}</table></div>
<p class="note">{{.RateNote}}</p>
{{end}}{{if .TailRows}}
<h2 id="tail">Failures in the tail</h2>
<div class="scroll"><table class="tail">
<tr>{{range .TailHeads}}<th>{{.}}</th>{{end}}</tr>
{{range .TailRows}}<tr>{{range .}}<td class="n">{{.}}</td>{{end}}</tr>
{{end}}</table></div>
<p class="note">{{.TailNote}}</p>
{{end}}{{with .ProxyTTFT}}
<h2 id="server-ttft">Client and server TTFT</h2>
<div class="scroll"><table class="skew">
<tr>{{range .Heads}}<th>{{.}}</th>{{end}}</tr>
{{range .Rows}}<tr>{{range .}}<td class="n">{{.}}</td>{{end}}</tr>
{{end}}</table></div>
<p class="note">{{.Note}}</p>
{{end}}{{with .Skew}}
<h2 id="skew">Start skew</h2>
<div class="scroll"><table class="skew">
<tr>{{range .Heads}}<th>{{.}}</th>{{end}}</tr>
{{range .Rows}}<tr>{{range .}}<td class="n">{{.}}</td>{{end}}</tr>
{{end}}</table></div>
<p class="note">{{.Note}}</p>
{{end}}{{with .Bill}}
<h2 id="bill">What the benchmark cost</h2>
<p><strong>{{.Total}}</strong>: {{.Label}}.</p>
<div class="scroll"><table class="bill">
<tr>{{range .Heads}}<th>{{.}}</th>{{end}}</tr>
{{range .Rows}}<tr>{{range .}}<td class="n">{{.}}</td>{{end}}</tr>
{{end}}</table></div>
<div class="scroll"><table class="bill">
<tr>{{range .FnHeads}}<th>{{.}}</th>{{end}}</tr>
{{range .FnRows}}<tr>{{range .}}<td class="n">{{.}}</td>{{end}}</tr>
{{end}}</table></div>
<p class="note">{{.Prices}}{{if .NotCounted}} Not counted: {{range $i, $n := .NotCounted}}{{if $i}}; {{end}}{{$n}}{{end}}.{{end}}</p>
{{end}}{{with .Rounds}}
<h2 id="rounds">Rounds</h2>
<div class="scroll"><table class="skew">
<tr>{{range .Heads}}<th>{{.}}</th>{{end}}</tr>
{{range .Rows}}<tr>{{range .}}<td class="n">{{.}}</td>{{end}}</tr>
{{end}}</table></div>
<p class="note">{{.Note}}</p>
{{end}}{{with .Server}}
<h2 id="server">Server telemetry</h2>
<div class="scroll"><table class="server">
<tr>{{range .Heads}}<th>{{.}}</th>{{end}}</tr>
{{range .Rows}}<tr>{{range .}}<td class="n">{{.}}</td>{{end}}</tr>
{{end}}</table></div>
<p class="note">{{.Note}}</p>
{{end}}
<h2 id="charts">Charts</h2>
{{if .NoCharts}}<p>{{.NoCharts}}</p>{{end}}<div class="charts">
{{range .Figures}}<figure>{{.SVG}}<figcaption>{{.Caption}}</figcaption></figure>
{{end}}</div>
{{if .TimelineFigures}}
<h2 id="timeline">Run timeline</h2>
<p class="note">{{.TimelineNote}}</p>
<div class="charts">
{{range .TimelineFigures}}<figure>{{.SVG}}<figcaption>{{.Caption}}</figcaption></figure>
{{end}}</div>
<details><summary>the run's seconds ({{len .TimelineRows}} rows)</summary>
<table class="timeline">
<tr>{{range .TimelineHeads}}<th>{{.}}</th>{{end}}</tr>
{{range .TimelineRows}}<tr>{{range .}}<td class="n">{{.}}</td>{{end}}</tr>
{{end}}</table></details>
{{end}}

<h2 id="distributions">Distributions per level</h2>
<div class="levels">
{{range .Levels}}<section>
<h3>{{.Title}}</h3>
<p class="note">{{.Facts}}</p>
<table>
<tr><th>metric</th><th>n (values)</th><th>mean (ms)</th><th>p50 (ms)</th><th>p90 (ms)</th><th>p95 (ms)</th><th>p99 (ms)</th><th>max (ms)</th></tr>
{{range .Dists}}<tr><th>{{index . 0}}</th>{{range slice . 1}}<td class="n">{{.}}</td>{{end}}</tr>
{{end}}</table>
{{if .Errors}}<p>errors: {{.Errors}}</p>{{end}}{{range .Notes}}<p class="note">This level {{.}}</p>{{end}}
{{if .Turns}}<h4>By turn</h4>
<p class="note">{{$.TurnsNote}}</p>
<table>
<tr>{{range $.TurnHeads}}<th>{{.}}</th>{{end}}</tr>
{{range .Turns}}<tr>{{range .}}<td class="n">{{.}}</td>{{end}}</tr>
{{end}}</table>
{{end}}{{range .Series}}<figure>{{.SVG}}<figcaption>{{.Caption}}</figcaption></figure>
{{end}}{{if .Seconds}}<details><summary>per second ({{len .Seconds}} seconds)</summary>
<p class="note">{{$.SeriesNote}}</p>
<table class="seconds">
<tr>{{range $.SecondHeads}}<th>{{.}}</th>{{end}}</tr>
{{range .Seconds}}<tr>{{range .}}<td class="n">{{.}}</td>{{end}}</tr>
{{end}}</table></details>
{{end}}</section>
{{end}}</div>
{{if .Problems}}
<h2 id="problems">Failed and retried slices</h2>
<ul>{{range .Problems}}<li>{{.}}</li>{{end}}</ul>
{{end}}
<h2 id="definitions">Definitions</h2>
<ul class="defs">{{range .Defs}}<li><b>{{index . 0}}</b>: {{index . 1}}</li>
{{end}}</ul>

<h2 id="spec">Run spec</h2>
{{if .SpecJSON}}<p class="note">spec.json as run; secrets appear only as references, and auth secrets, header values and URL credentials are redacted.</p>
<pre id="spec-json">{{.SpecJSON}}</pre>{{else}}<p class="note">spec.json is not available.</p>{{end}}
</main>
</body>
</html>
`))
