package report

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/llmbench/llmbench/shared/summary"
)

// Server telemetry (summary.Level.Server, target.metrics): the server's
// own running and waiting requests and KV-cache use per level, beside the
// load the client applied. report.md and report.html table it, the
// terminal has a line per level, and a level's warning joins the
// problems of every report (serverWarnings).

// serverColumns are a level's server figures beside its load.
var serverColumns = []column{
	{"conc", Label},
	{"achieved conc", func(l *summary.Level) string { return fmt.Sprintf("%.1f", l.AchievedConcurrency) }},
	{"running mean", func(l *summary.Level) string { return num(l.Server.RunningMean, "%.1f") }},
	{"running max", func(l *summary.Level) string { return num(l.Server.RunningMax, "%.0f") }},
	{"waiting mean", func(l *summary.Level) string { return num(l.Server.WaitingMean, "%.1f") }},
	{"waiting max", func(l *summary.Level) string { return num(l.Server.WaitingMax, "%.0f") }},
	{"KV cache mean %", func(l *summary.Level) string { return pct(l.Server.KVCacheMean) }},
	{"KV cache max %", func(l *summary.Level) string { return pct(l.Server.KVCacheMax) }},
	{"scrapes", func(l *summary.Level) string {
		return fmt.Sprintf("%d of %d", l.Server.Samples, l.Server.Scrapes)
	}},
}

// serverHeads head report.html's table, units included.
var serverHeads = []string{"level (streams, req/s or ramp)", "achieved concurrency (client, mean in flight)", "running requests mean (server)",
	"running requests max", "waiting requests mean", "waiting requests max", "KV cache use mean (%)", "KV cache use max (%)", "scrapes measured of sent"}

// serverNote says what the table holds.
const serverNote = "Server telemetry (target.metrics): the server's Prometheus gauges, scraped by one worker of each level every interval; " +
	"per scrape running and waiting are summed over their series (vllm:num_requests_running, vllm:num_requests_waiting) and the KV-cache use " +
	"(vllm:kv_cache_usage_perc, or the older vllm:gpu_cache_usage_perc) averaged; mean and max over the scrapes after the warm-up. " +
	"Running beside the achieved concurrency says whether the server batched what the client sent; waiting above 0 is the server's own queue. " +
	"Every sample scraped is in the telemetry table."

func num(v *float64, format string) string {
	if v == nil {
		return "-"
	}
	return fmt.Sprintf(format, *v)
}

func pct(v *float64) string {
	if v == nil {
		return "-"
	}
	return fmt.Sprintf("%.1f", *v*100)
}

// serverLevels are the levels that have server figures.
func serverLevels(s *summary.Summary) []*summary.Level {
	var out []*summary.Level
	for i := range s.Levels {
		if s.Levels[i].Server != nil {
			out = append(out, &s.Levels[i])
		}
	}
	return out
}

// mdServer writes the "Server telemetry" section of report.md.
func mdServer(b *bytes.Buffer, s *summary.Summary) {
	ls := serverLevels(s)
	if len(ls) == 0 {
		return
	}
	b.WriteString("\n## Server telemetry\n\n")
	fmt.Fprintf(b, "| %s |\n|%s\n", strings.Join(heads(s, serverColumns), " | "), strings.Repeat("---:|", len(serverColumns)))
	for _, l := range ls {
		fmt.Fprintf(b, "| %s |\n", strings.Join(cells(l, serverColumns), " | "))
	}
	b.WriteString("\n" + serverNote + "\n")
}

// serverTable is report.html's table, nil without server figures (the
// shape of the start skew's).
func serverTable(s *summary.Summary) *skewView {
	ls := serverLevels(s)
	if len(ls) == 0 {
		return nil
	}
	v := &skewView{Heads: append([]string(nil), serverHeads...), Note: serverNote}
	if plain(s) {
		v.Heads[0] = "concurrency (streams)"
	}
	for _, l := range ls {
		v.Rows = append(v.Rows, cells(l, serverColumns))
	}
	return v
}

// ServerLines are the terminal's lines of the server figures, one per
// level that has them.
func ServerLines(s *summary.Summary) []string {
	var out []string
	for _, l := range serverLevels(s) {
		sv := l.Server
		out = append(out, fmt.Sprintf("level %s server: running %s mean / %s max, waiting %s / %s, KV cache %s%% / %s%% (%d scrapes) beside achieved concurrency %.1f",
			Label(l), num(sv.RunningMean, "%.1f"), num(sv.RunningMax, "%.0f"), num(sv.WaitingMean, "%.1f"), num(sv.WaitingMax, "%.0f"),
			pct(sv.KVCacheMean), pct(sv.KVCacheMax), sv.Samples, l.AchievedConcurrency))
	}
	return out
}

// serverWarnings are the levels' telemetry warnings, for every report's
// problems.
func serverWarnings(s *summary.Summary) []string {
	var out []string
	for _, l := range serverLevels(s) {
		if l.Server.Warning != "" {
			out = append(out, fmt.Sprintf("warning: level %s server telemetry: %s", Label(l), l.Server.Warning))
		}
	}
	return out
}
