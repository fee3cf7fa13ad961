package report

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/llmbench/llmbench/shared/summary"
)

// The server's own TTFT (summary.Level.ServerTTFTMs): what llmbench's
// proxy measured of SageMaker beside what the client measured of the
// proxy, and each request's difference (the proxy's overhead plus the
// network). The terminal gives a line per level, report.md and
// report.html a table; nothing without it.

var proxyTTFTColumns = []column{
	{"conc", Label},
	{"reported", func(l *summary.Level) string { return fmt.Sprint(l.ServerTTFTMs.N) }},
	{"client TTFT p50 ms", func(l *summary.Level) string { return msCell(l.TTFTMs.N, l.TTFTMs.P50) }},
	{"server TTFT p50 ms", func(l *summary.Level) string { return msCell(l.ServerTTFTMs.N, l.ServerTTFTMs.P50) }},
	{"client TTFT p95 ms", func(l *summary.Level) string { return msCell(l.TTFTMs.N, l.TTFTMs.P95) }},
	{"server TTFT p95 ms", func(l *summary.Level) string { return msCell(l.ServerTTFTMs.N, l.ServerTTFTMs.P95) }},
	{"overhead p50 ms", func(l *summary.Level) string { return overheadCell(l, func(d *summary.Dist) float64 { return d.P50 }) }},
	{"overhead p95 ms", func(l *summary.Level) string { return overheadCell(l, func(d *summary.Dist) float64 { return d.P95 }) }},
	{"overhead max ms", func(l *summary.Level) string { return overheadCell(l, func(d *summary.Dist) float64 { return d.Max }) }},
}

// proxyTTFTHeads head report.html's table, units included.
var proxyTTFTHeads = []string{"level (streams, req/s or ramp)", "requests reporting it (count)", "client TTFT p50 (ms)", "server TTFT p50 (ms)",
	"client TTFT p95 (ms)", "server TTFT p95 (ms)", "overhead p50 (ms)", "overhead p95 (ms)", "overhead max (ms)"}

const proxyTTFTNote = "Server TTFT: the TTFT the server reported of itself (llmbench's proxy: from its call to SageMaker to the first token, " +
	"in the stream's proxy_metrics or the X-TTFT-MS header; rows' server_ttft_ms), over the ok measured requests that reported one. " +
	"Overhead: per request, the client's TTFT minus the server's (the proxy's own work plus the network between client and proxy), " +
	"its percentiles over those requests, not a difference of percentiles."

func overheadCell(l *summary.Level, f func(*summary.Dist) float64) string {
	d := l.ServerTTFTOverheadMs
	if d == nil {
		return "-"
	}
	return msCell(d.N, f(d))
}

// proxyTTFTLevels are the levels with a server TTFT.
func proxyTTFTLevels(s *summary.Summary) []*summary.Level {
	var out []*summary.Level
	for i := range s.Levels {
		if s.Levels[i].ServerTTFTMs != nil {
			out = append(out, &s.Levels[i])
		}
	}
	return out
}

// ProxyTTFTLines are the terminal's lines: "level 6 server TTFT: p50 52.1
// ms (client 55.3), overhead p50 3.20 ms, p95 4.10 ms".
func ProxyTTFTLines(s *summary.Summary) []string {
	var out []string
	for _, l := range proxyTTFTLevels(s) {
		out = append(out, fmt.Sprintf("level %s server TTFT: p50 %s ms (client %s), overhead p50 %s ms, p95 %s ms",
			Label(l), msCell(l.ServerTTFTMs.N, l.ServerTTFTMs.P50), msCell(l.TTFTMs.N, l.TTFTMs.P50),
			overheadCell(l, func(d *summary.Dist) float64 { return d.P50 }), overheadCell(l, func(d *summary.Dist) float64 { return d.P95 })))
	}
	return out
}

// mdProxyTTFT writes report.md's table.
func mdProxyTTFT(b *bytes.Buffer, s *summary.Summary) {
	ls := proxyTTFTLevels(s)
	if len(ls) == 0 {
		return
	}
	b.WriteString("\n## Client and server TTFT\n\n")
	h := heads(s, proxyTTFTColumns)
	fmt.Fprintf(b, "| %s |\n|%s\n", strings.Join(h, " | "), strings.Repeat("---:|", len(h)))
	for _, l := range ls {
		fmt.Fprintf(b, "| %s |\n", strings.Join(cells(l, proxyTTFTColumns), " | "))
	}
	b.WriteString("\n" + proxyTTFTNote + "\n")
}

// proxyTTFTTable is report.html's table, nil without a server TTFT.
func proxyTTFTTable(s *summary.Summary) *skewView {
	ls := proxyTTFTLevels(s)
	if len(ls) == 0 {
		return nil
	}
	v := &skewView{Heads: append([]string(nil), proxyTTFTHeads...), Note: proxyTTFTNote}
	if plain(s) {
		v.Heads[0] = "concurrency (streams)"
	}
	for _, l := range ls {
		v.Rows = append(v.Rows, cells(l, proxyTTFTColumns))
	}
	return v
}
