// Package report renders a run's summary for people: the terminal table the
// CLI prints, report.md, and report.html (HTML, with its charts drawn by the
// subpackage chart).
package report

import (
	"bytes"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/llmbench/llmbench/shared/spec"
	"github.com/llmbench/llmbench/shared/summary"
)

// column is one figure of a level, with its header and unit.
type column struct {
	head string
	val  func(l *summary.Level) string
}

var columns = []column{
	{"conc", Label}, // "level" when a run has other than steady concurrency levels (see heads)
	{"reqs", func(l *summary.Level) string { return fmt.Sprint(l.Requests) }},
	{"err %", func(l *summary.Level) string { return fmt.Sprintf("%.1f", 100*l.ErrorRate) }},
	{"out tok/s", func(l *summary.Level) string { return fmt.Sprintf("%.1f", l.OutputTokenThroughput) }},
	{"req/s", func(l *summary.Level) string { return fmt.Sprintf("%.2f", l.RequestThroughput) }},
	{"TTFT p50 ms", func(l *summary.Level) string { return msCell(l.TTFTMs.N, l.TTFTMs.P50) }},
	{"TTFT p95 ms", func(l *summary.Level) string { return msCell(l.TTFTMs.N, l.TTFTMs.P95) }},
	{"TPOT p50 ms", func(l *summary.Level) string { return msCell(l.TPOTMs.N, l.TPOTMs.P50) }},
	{"ITL p99 ms", func(l *summary.Level) string { return msCell(l.ITLMs.N, l.ITLMs.P99) }},
	{"E2E p50 ms", func(l *summary.Level) string { return msCell(l.E2EMs.N, l.E2EMs.P50) }},
	{"E2E p95 ms", func(l *summary.Level) string { return msCell(l.E2EMs.N, l.E2EMs.P95) }},
	{"$/1M out", func(l *summary.Level) string { return usd(l.CostPer1MOutputTokensUSD) }},
}

func msCell(n int, v float64) string {
	if n == 0 {
		return "-"
	}
	switch {
	case v >= 100:
		return fmt.Sprintf("%.0f", v)
	case v >= 10:
		return fmt.Sprintf("%.1f", v)
	default:
		return fmt.Sprintf("%.2f", v)
	}
}

func usd(p *float64) string {
	if p == nil {
		return "-"
	}
	if *p < 0.01 {
		return fmt.Sprintf("%.4f", *p)
	}
	return fmt.Sprintf("%.2f", *p)
}

// heads are the headers of cols, the first one "level" unless every level
// is a steady concurrency level (see plain).
func heads(s *summary.Summary, cols []column) []string {
	h := make([]string, len(cols))
	for i, c := range cols {
		h[i] = c.head
	}
	if !plain(s) {
		h[0] = "level"
	}
	return h
}

// cells are the values of cols for level l.
func cells(l *summary.Level, cols []column) []string {
	c := make([]string, len(cols))
	for j, col := range cols {
		c[j] = col.val(l)
	}
	return c
}

// Table writes the summary as an aligned text table, followed by the
// open-loop figures of a run with rate levels.
func Table(w io.Writer, s *summary.Summary) error {
	fmt.Fprintf(w, "%s  run %s\n", s.Name, s.RunID)
	if s.Simulated {
		fmt.Fprintf(w, "SIMULATED server (profile %s): these figures measure llmbench's model of a server, not a real one\n", s.SimProfile)
	}
	tables := [][]column{columns}
	if hasRate(s) {
		tables = append(tables, rateColumns)
	}
	for _, cols := range tables {
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, strings.Join(heads(s, cols), "\t")+"\t")
		for i := range s.Levels {
			fmt.Fprintln(tw, strings.Join(cells(&s.Levels[i], cols), "\t")+"\t")
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	for _, t := range TurnLines(s) {
		fmt.Fprintln(w, t)
	}
	for _, r := range RepeatLines(s) {
		fmt.Fprintln(w, r)
	}
	for _, c := range CapacityLines(s) {
		fmt.Fprintln(w, c)
	}
	for _, l := range BillLines(s) {
		fmt.Fprintln(w, l)
	}
	for _, t := range TailLines(s) {
		fmt.Fprintln(w, t)
	}
	for _, l := range ProxyTTFTLines(s) {
		fmt.Fprintln(w, l)
	}
	for _, r := range RoundLines(s) {
		fmt.Fprintln(w, r)
	}
	for _, l := range ServerLines(s) {
		fmt.Fprintln(w, l)
	}
	for _, p := range problems(s, "level %s errors: %s") {
		fmt.Fprintln(w, p)
	}
	return nil
}

// problems are the lines the terminal table and report.md print after the
// figures: each level's errors (written with errFormat, given the level's
// label and its error kinds) and notes, then the slices that failed,
// started late, stopped early or were retried.
func problems(s *summary.Summary, errFormat string) []string {
	var out []string
	for i := range s.Levels {
		l := &s.Levels[i]
		if l.Errors > 0 {
			out = append(out, fmt.Sprintf(errFormat, Label(l), ErrorKinds(l.ErrorsByStatus)))
		}
		for _, n := range LevelNotes(l) {
			out = append(out, fmt.Sprintf("level %s %s", Label(l), n))
		}
	}
	if n := Incomplete(s); n != "" {
		out = append(out, n)
	}
	if s.SweepError != "" {
		out = append(out, SweepNote(s))
	}
	if n := DatasetNote(s); n != "" {
		out = append(out, n)
	}
	for _, f := range s.FailedSlices {
		out = append(out, failedSlice(s, f))
	}
	for _, sw := range s.SliceWarnings {
		out = append(out, "warning: "+sliceWarning(s, sw))
	}
	out = append(out, serverWarnings(s)...)
	for _, r := range s.RetriedSlices {
		out = append(out, retriedSlice(s, r))
	}
	return out
}

func failedSlice(s *summary.Summary, f summary.FailedSlice) string {
	return fmt.Sprintf("FAILED slice: level %s worker %d: %s", levelName(s, f.Level), f.Worker, f.Error)
}

func retriedSlice(s *summary.Summary, r summary.RetriedSlice) string {
	return fmt.Sprintf("retried slice: level %s worker %d ran %d times; %d part(s) of interrupted attempts discarded", levelName(s, r.Level), r.Worker, r.Attempts, r.DiscardedParts)
}

// ErrorKinds lists error counts by status, sorted: "http_error 3, timeout 1".
func ErrorKinds(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %d", k, m[k])
	}
	return strings.Join(parts, ", ")
}

// Markdown renders report.md. It takes the spec for context; secrets in a
// spec are references only, and none is printed.
func Markdown(s *summary.Summary, sp *spec.Spec) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# %s\n\n", s.Name)
	if s.Simulated {
		fmt.Fprintf(&b, "> **Simulated server** (profile `%s`): these figures measure llmbench's model of an LLM server, not a real endpoint.\n\n", s.SimProfile)
	}
	fmt.Fprintf(&b, "| | |\n|---|---|\n")
	fmt.Fprintf(&b, "| run | `%s` |\n| platform | %s |\n| target | %s |\n", s.RunID, dash(s.Platform), dash(s.Target))
	fmt.Fprintf(&b, "| started | %s |\n| finished | %s |\n| engine | %s |\n", s.StartedAt.Format("2006-01-02 15:04:05 UTC"), s.FinishedAt.Format("2006-01-02 15:04:05 UTC"), s.Engine)
	if s.MaxWorkers > 0 {
		fmt.Fprintf(&b, "| max workers per level | %d |\n", s.MaxWorkers)
	}
	if sp != nil {
		stream := "streaming"
		if !sp.Workload.Streaming() {
			stream = "non-streaming"
		}
		fmt.Fprintf(&b, "| workload | %s |\n", WorkloadShape(&sp.Workload, stream))
		shape := fmt.Sprintf("levels %v", sp.Load.Levels)
		if d := loadShape(&sp.Load); d != "" {
			shape = d
		}
		fmt.Fprintf(&b, "| load | %s, %s per level after %s warm-up", shape, dash(string(sp.Load.Duration)), dash(string(sp.Load.Warmup)))
		if sp.Load.Requests > 0 {
			fmt.Fprintf(&b, ", %d requests per level", sp.Load.Requests)
		}
		fmt.Fprintf(&b, " |\n")
		if sp.Pricing.USDPerHour > 0 {
			fmt.Fprintf(&b, "| price | $%.3f/h × %d instance(s) |\n", sp.Pricing.USDPerHour, sp.Pricing.Instances)
		}
	}
	mdCapacity(&b, s)
	b.WriteString("\n## Results per level\n\n")
	mdTable(&b, s, columns)
	if hasRate(s) {
		b.WriteString("\n## Open-loop load per level\n\n")
		mdTable(&b, s, rateColumns)
		b.WriteString("\n" + rateNote + "\n")
	}
	mdRepeats(&b, s)
	b.WriteString("\n## Details per level\n\n")
	first := "conc"
	if !plain(s) {
		first = "level"
	}
	b.WriteString("| " + first + " | ok | errors | warm-up reqs | window s | achieved conc | goodput req/s | tokens/$·h | token count |\n|---:|---:|---:|---:|---:|---:|---:|---:|---|\n")
	for i := range s.Levels {
		l := &s.Levels[i]
		tph := "-"
		if l.OutputTokensPerUSDHour != nil {
			tph = fmt.Sprintf("%.0f", *l.OutputTokensPerUSDHour)
		}
		fmt.Fprintf(&b, "| %s | %d | %d | %d | %.1f | %.1f | %.2f | %s | %s |\n",
			Label(l), l.OK, l.Errors, l.WarmupRequests, l.DurationS, l.AchievedConcurrency, l.GoodputRPS, tph, dash(l.TokenSource))
	}
	mdTail(&b, s)
	mdSkew(&b, s)
	mdBill(&b, s)
	mdProxyTTFT(&b, s)
	mdRounds(&b, s)
	mdServer(&b, s)
	if rs := ServerReported(s); len(rs) > 0 {
		b.WriteString("\n## What the server reported\n\n")
		for _, r := range rs {
			b.WriteString("- " + r + "\n")
		}
	}
	mdTurns(&b, s)
	mdSeries(&b, s)
	mdTimeline(&b, s)
	if ps := problems(s, "level %s: %s"); len(ps) > 0 {
		b.WriteString("\n## Errors\n\n")
		for _, p := range ps {
			b.WriteString("- " + p + "\n")
		}
	}
	b.WriteString("\n## Definitions\n\n")
	for _, kv := range definitions(s) {
		fmt.Fprintf(&b, "- **%s**: %s\n", kv[0], kv[1])
	}
	return b.Bytes()
}

// mdTable writes one row per level of cols as a Markdown table.
func mdTable(b *bytes.Buffer, s *summary.Summary, cols []column) {
	fmt.Fprintf(b, "| %s |\n|%s\n", strings.Join(heads(s, cols), " | "), strings.Repeat("---:|", len(cols)))
	for i := range s.Levels {
		fmt.Fprintf(b, "| %s |\n", strings.Join(cells(&s.Levels[i], cols), " | "))
	}
}

// definitions are the summary's definitions, and those of the open-loop
// figures when the run has rate levels (the summary does not carry them).
func definitions(s *summary.Summary) [][2]string {
	d := s.Definitions
	out := [][2]string{{"TTFT", d.TTFT}, {"ITL", d.ITL}, {"TPOT", d.TPOT}, {"E2E", d.E2E}, {"Window", d.Window}, {"Throughput", d.Throughput}, {"Percentiles", d.Percentile}, {"Cost per 1M output tokens", d.Cost}}
	if hasRate(s) {
		out = append(out,
			[2]string{"Asked rate", "the requests per second the spec set for a rate level (open loop): arrivals are scheduled at that rate whatever the server does"},
			[2]string{"Achieved rate", "requests sent per second of the measured window, not_sent arrivals excluded"},
			[2]string{"Not sent", "arrivals that could not be sent before the level ended (every load.max_concurrency slot busy, or the sender behind): rows with status not_sent, counted in the errors too"},
			[2]string{"Send lag", "the send instant minus the intended instant, over the requests sent"},
			[2]string{"Queue", "the part of the send lag spent waiting for a load.max_concurrency slot (none without a cap)"},
		)
	}
	out = append(out, tailDefinitions(s)...)
	if len(serverLevels(s)) > 0 && d.Server != "" {
		out = append(out, [2]string{"Server telemetry", d.Server})
	}
	if s.Capacity != nil && d.Capacity != "" {
		out = append(out, [2]string{"Capacity", d.Capacity})
	}
	for i := range s.Levels {
		if len(s.Levels[i].Turns) > 0 && d.Turns != "" {
			out = append(out, [2]string{"By turn", d.Turns})
			break
		}
	}
	return out
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// Files renders every report of a run: report.md and report.html.
func Files(s *summary.Summary, sp *spec.Spec) (map[string][]byte, error) {
	html, err := HTML(s, sp)
	if err != nil {
		return nil, err
	}
	return map[string][]byte{"report.md": Markdown(s, sp), "report.html": html}, nil
}

// sliceWarning says how a slice fell short of its level's window.
func sliceWarning(s *summary.Summary, w summary.SliceWarning) string {
	var parts []string
	if w.LateMs > 0 {
		parts = append(parts, fmt.Sprintf("started %.1f s after the level's start instant", w.LateMs/1000))
	}
	if w.StoppedEarly != "" {
		parts = append(parts, "stopped issuing early ("+w.StoppedEarly+")")
	}
	if p := skewPart(s, w); p != "" {
		parts = append(parts, p)
	}
	short := "the level held fewer streams than its concurrency for a while"
	for i := range s.Levels {
		if l := &s.Levels[i]; l.Index == w.Level && IsRate(l) {
			short = "the level sent less than its rate for a while"
		}
	}
	return fmt.Sprintf("level %s worker %d %s: %s", levelName(s, w.Level), w.Worker, strings.Join(parts, " and "), short)
}

// LevelNotes says, in words, what the server did to a level beyond its
// error counts: throttling (and the client's back-off), and streams it cut
// short.
func LevelNotes(l *summary.Level) []string {
	var out []string
	if t := l.SlicesFailed; t != nil {
		out = append(out, fmt.Sprintf("FAILED: %d of its %d slices failed, more than load.tolerated_failure_percent (%g%%) allows; its slices Map stopped the rest (round %d, %s); the figures are what was measured",
			t.Failed, t.Slices, t.TolerancePercent, t.Round, t.Error))
	}
	if l.Throttled > 0 {
		n := fmt.Sprintf("was THROTTLED: %d of %d requests answered 429 or 503", l.Throttled, l.Requests)
		if l.BackoffS > 0 {
			n += fmt.Sprintf("; virtual users waited %.1f s in all before retrying (load.on_error backoff)", l.BackoffS)
		}
		out = append(out, n)
	} else if l.BackoffS > 0 {
		out = append(out, fmt.Sprintf("backed off after errors: virtual users waited %.1f s in all (load.on_error backoff)", l.BackoffS))
	}
	if l.NotSent > 0 {
		out = append(out, fmt.Sprintf("did NOT SEND %d of %d arrivals before it ended (status not_sent: every load.max_concurrency slot busy, or the sender behind); they count as errors", l.NotSent, l.Requests))
	}
	if l.CutShort > 0 {
		out = append(out, fmt.Sprintf("had %d stream(s) CUT SHORT by the server: ended cleanly with no [DONE] and no finish_reason (status protocol; each row's error gives the chunks and bytes received and the last event)", l.CutShort))
	}
	return out
}

// Incomplete says that a run did not finish, if it did not: which slices
// have no finished record, and that the figures cover the rows on disk.
func Incomplete(s *summary.Summary) string {
	if len(s.Unfinished) == 0 {
		return ""
	}
	var parts []string
	for _, u := range s.Unfinished {
		switch {
		case !u.Started:
			parts = append(parts, fmt.Sprintf("level %s worker %d never started", levelName(s, u.Level), u.Worker))
		case u.Rows > 0:
			parts = append(parts, fmt.Sprintf("level %s worker %d stopped after %d rows were written", levelName(s, u.Level), u.Worker, u.Rows))
		default:
			parts = append(parts, fmt.Sprintf("level %s worker %d started and did not finish", levelName(s, u.Level), u.Worker))
		}
	}
	return fmt.Sprintf("INCOMPLETE run: %d slice(s) did not finish (%s); the figures cover the rows on disk", len(s.Unfinished), strings.Join(parts, "; "))
}

// SweepNote says why a sweep run has no rate levels.
func SweepNote(s *summary.Summary) string {
	return "SWEEP STOPPED after its first two levels, no rate level was run: " + s.SweepError
}

// DatasetNote says which of a dataset's records could be no request, or
// "" when every one could.
func DatasetNote(s *summary.Summary) string {
	d := s.Dataset
	if d == nil || d.Skipped == 0 {
		return ""
	}
	reasons := make([]string, 0, len(d.SkippedReasons))
	for _, r := range sortedKeys(d.SkippedReasons) {
		reasons = append(reasons, fmt.Sprintf("%d %s", d.SkippedReasons[r], r))
	}
	return fmt.Sprintf("dataset %s: %d of %d records skipped, not sent (%s)", d.Source, d.Skipped, d.Records+d.Skipped, strings.Join(reasons, ", "))
}

func sortedKeys(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// ServerReported says, per level, what the server reported of its prefix
// cache and reasoning (usage details), when it reported any.
func ServerReported(s *summary.Summary) []string {
	var out []string
	for i := range s.Levels {
		l := &s.Levels[i]
		var parts []string
		if r := l.CacheHitRatio; r != nil {
			parts = append(parts, fmt.Sprintf("its prefix cache served %.1f%% of the input tokens (%d cached tokens)", 100**r, l.CachedTokens))
		}
		if r := l.ReasoningShare; r != nil {
			parts = append(parts, fmt.Sprintf("reasoning was %.1f%% of the output tokens (%d)", 100**r, l.ReasoningTokens))
		}
		if len(parts) > 0 {
			out = append(out, fmt.Sprintf("level %s: %s, over the ok requests that reported it", Label(l), strings.Join(parts, "; ")))
		}
	}
	return out
}
