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
	{"conc", func(l *summary.Level) string { return fmt.Sprint(l.Concurrency) }},
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

// Table writes the summary as an aligned text table.
func Table(w io.Writer, s *summary.Summary) error {
	fmt.Fprintf(w, "%s  run %s\n", s.Name, s.RunID)
	if s.Simulated {
		fmt.Fprintf(w, "SIMULATED server (profile %s): these figures measure llmbench's model of a server, not a real one\n", s.SimProfile)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	heads := make([]string, len(columns))
	for i, c := range columns {
		heads[i] = c.head
	}
	fmt.Fprintln(tw, strings.Join(heads, "\t")+"\t")
	for i := range s.Levels {
		cells := make([]string, len(columns))
		for j, c := range columns {
			cells[j] = c.val(&s.Levels[i])
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t")+"\t")
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, l := range s.Levels {
		if l.Errors > 0 {
			fmt.Fprintf(w, "level %d errors: %s\n", l.Concurrency, ErrorKinds(l.ErrorsByStatus))
		}
		for _, n := range LevelNotes(&l) {
			fmt.Fprintf(w, "level %d %s\n", l.Concurrency, n)
		}
	}
	if n := Incomplete(s); n != "" {
		fmt.Fprintln(w, n)
	}
	for _, f := range s.FailedSlices {
		fmt.Fprintf(w, "FAILED slice: level %d worker %d: %s\n", f.Level, f.Worker, f.Error)
	}
	for _, sw := range s.SliceWarnings {
		fmt.Fprintf(w, "warning: %s\n", sliceWarning(sw))
	}
	for _, r := range s.RetriedSlices {
		fmt.Fprintf(w, "retried slice: level %d worker %d ran %d times; %d part(s) of interrupted attempts discarded\n", r.Level, r.Worker, r.Attempts, r.DiscardedParts)
	}
	return nil
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
	if sp != nil {
		stream := "streaming"
		if !sp.Workload.Streaming() {
			stream = "non-streaming"
		}
		fmt.Fprintf(&b, "| workload | %d input tokens (approx.), %d output tokens, %s |\n", sp.Workload.InputTokens, sp.Workload.OutputTokens, stream)
		fmt.Fprintf(&b, "| load | levels %v, %s per level after %s warm-up", sp.Load.Levels, dash(string(sp.Load.Duration)), dash(string(sp.Load.Warmup)))
		if sp.Load.Requests > 0 {
			fmt.Fprintf(&b, ", %d requests per level", sp.Load.Requests)
		}
		fmt.Fprintf(&b, " |\n")
		if sp.Pricing.USDPerHour > 0 {
			fmt.Fprintf(&b, "| price | $%.3f/h × %d instance(s) |\n", sp.Pricing.USDPerHour, sp.Pricing.Instances)
		}
	}
	b.WriteString("\n## Results per level\n\n")
	heads := make([]string, len(columns))
	for i, c := range columns {
		heads[i] = c.head
	}
	fmt.Fprintf(&b, "| %s |\n|%s\n", strings.Join(heads, " | "), strings.Repeat("---:|", len(columns)))
	for i := range s.Levels {
		cells := make([]string, len(columns))
		for j, c := range columns {
			cells[j] = c.val(&s.Levels[i])
		}
		fmt.Fprintf(&b, "| %s |\n", strings.Join(cells, " | "))
	}
	b.WriteString("\n## Details per level\n\n")
	b.WriteString("| conc | ok | errors | warm-up reqs | window s | achieved conc | goodput req/s | tokens/$·h | token count |\n|---:|---:|---:|---:|---:|---:|---:|---:|---|\n")
	for _, l := range s.Levels {
		tph := "-"
		if l.OutputTokensPerUSDHour != nil {
			tph = fmt.Sprintf("%.0f", *l.OutputTokensPerUSDHour)
		}
		fmt.Fprintf(&b, "| %d | %d | %d | %d | %.1f | %.1f | %.2f | %s | %s |\n",
			l.Concurrency, l.OK, l.Errors, l.WarmupRequests, l.DurationS, l.AchievedConcurrency, l.GoodputRPS, tph, dash(l.TokenSource))
	}
	var errs []string
	for _, l := range s.Levels {
		if l.Errors > 0 {
			errs = append(errs, fmt.Sprintf("- level %d: %s", l.Concurrency, ErrorKinds(l.ErrorsByStatus)))
		}
		for _, n := range LevelNotes(&l) {
			errs = append(errs, fmt.Sprintf("- level %d %s", l.Concurrency, n))
		}
	}
	if n := Incomplete(s); n != "" {
		errs = append(errs, "- "+n)
	}
	for _, f := range s.FailedSlices {
		errs = append(errs, fmt.Sprintf("- FAILED slice: level %d worker %d: %s", f.Level, f.Worker, f.Error))
	}
	for _, sw := range s.SliceWarnings {
		errs = append(errs, "- warning: "+sliceWarning(sw))
	}
	for _, r := range s.RetriedSlices {
		errs = append(errs, fmt.Sprintf("- retried slice: level %d worker %d ran %d times; %d part(s) of interrupted attempts discarded", r.Level, r.Worker, r.Attempts, r.DiscardedParts))
	}
	if len(errs) > 0 {
		b.WriteString("\n## Errors\n\n" + strings.Join(errs, "\n") + "\n")
	}
	d := s.Definitions
	b.WriteString("\n## Definitions\n\n")
	for _, kv := range [][2]string{{"TTFT", d.TTFT}, {"ITL", d.ITL}, {"TPOT", d.TPOT}, {"E2E", d.E2E}, {"Window", d.Window}, {"Throughput", d.Throughput}, {"Percentiles", d.Percentile}, {"Cost per 1M output tokens", d.Cost}} {
		fmt.Fprintf(&b, "- **%s**: %s\n", kv[0], kv[1])
	}
	return b.Bytes()
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
func sliceWarning(w summary.SliceWarning) string {
	var parts []string
	if w.LateMs > 0 {
		parts = append(parts, fmt.Sprintf("started %.1f s after the level's start instant", w.LateMs/1000))
	}
	if w.StoppedEarly != "" {
		parts = append(parts, "stopped issuing early ("+w.StoppedEarly+")")
	}
	return fmt.Sprintf("level %d worker %d %s: the level held fewer streams than its concurrency for a while", w.Level, w.Worker, strings.Join(parts, " and "))
}

// LevelNotes says, in words, what the server did to a level beyond its
// error counts: throttling (and the client's back-off), and streams it cut
// short.
func LevelNotes(l *summary.Level) []string {
	var out []string
	if l.Throttled > 0 {
		n := fmt.Sprintf("was THROTTLED: %d of %d requests answered 429 or 503", l.Throttled, l.Requests)
		if l.BackoffS > 0 {
			n += fmt.Sprintf("; virtual users waited %.1f s in all before retrying (load.on_error backoff)", l.BackoffS)
		}
		out = append(out, n)
	} else if l.BackoffS > 0 {
		out = append(out, fmt.Sprintf("backed off after errors: virtual users waited %.1f s in all (load.on_error backoff)", l.BackoffS))
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
			parts = append(parts, fmt.Sprintf("level %d worker %d never started", u.Level, u.Worker))
		case u.Rows > 0:
			parts = append(parts, fmt.Sprintf("level %d worker %d stopped after %d rows were written", u.Level, u.Worker, u.Rows))
		default:
			parts = append(parts, fmt.Sprintf("level %d worker %d started and did not finish", u.Level, u.Worker))
		}
	}
	return fmt.Sprintf("INCOMPLETE run: %d slice(s) did not finish (%s); the figures cover the rows on disk", len(s.Unfinished), strings.Join(parts, "; "))
}
