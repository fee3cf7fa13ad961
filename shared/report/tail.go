package report

import (
	"bytes"
	"fmt"

	"github.com/llmbench/llmbench/shared/summary"
)

// The failures in the tail (summary.Level.TTFTAllMs …, SLOAttainment):
// the latencies again with every failed measured request counted as
// infinitely slow, and the share of the measured requests answered ok
// within the SLO.

// tailColumns are the failure-counting figures of a level: a table of
// report.md and report.html.
var tailColumns = []column{
	{"conc", Label}, // "level" unless every level is a steady concurrency level (see heads)
	{"failed", func(l *summary.Level) string { return fmt.Sprintf("%d of %d", l.Errors, l.Requests) }},
	{"SLO attained %", func(l *summary.Level) string { return attainment(l) }},
	{"TTFT p50 all ms", func(l *summary.Level) string { return allCell(l.TTFTAllMs, l.TTFTAllMs.P50) }},
	{"TTFT p95 all ms", func(l *summary.Level) string { return allCell(l.TTFTAllMs, l.TTFTAllMs.P95) }},
	{"TTFT p99 all ms", func(l *summary.Level) string { return allCell(l.TTFTAllMs, l.TTFTAllMs.P99) }},
	{"TPOT p50 all ms", func(l *summary.Level) string { return allCell(l.TPOTAllMs, l.TPOTAllMs.P50) }},
	{"ITL p99 all ms", func(l *summary.Level) string { return allCell(l.ITLAllMs, l.ITLAllMs.P99) }},
	{"E2E p50 all ms", func(l *summary.Level) string { return allCell(l.E2EAllMs, l.E2EAllMs.P50) }},
	{"E2E p95 all ms", func(l *summary.Level) string { return allCell(l.E2EAllMs, l.E2EAllMs.P95) }},
	{"E2E p99 all ms", func(l *summary.Level) string { return allCell(l.E2EAllMs, l.E2EAllMs.P99) }},
}

// tailHeads head the table of report.html, units included.
var tailHeads = []string{"level (streams, req/s or ramp)", "failed (of measured requests)", "SLO attainment (%)",
	"TTFT p50 all (ms)", "TTFT p95 all (ms)", "TTFT p99 all (ms)", "TPOT p50 all (ms)", "ITL p99 all (ms)",
	"E2E p50 all (ms)", "E2E p95 all (ms)", "E2E p99 all (ms)"}

// tailNote explains the table's figures and signs.
const tailNote = "Every failed measured request (not_sent arrivals included) counts as infinitely slow: “∞” is a percentile that falls among the failures, " +
	"so a level cannot look fast by failing its slow requests; with nothing failed each figure equals its ok-only one. " +
	"SLO attainment: the share of the measured requests that finished ok within every SLO set (ok / measured without one). \"-\": no value."

// Infinity is how reports print a figure infinite because of failures
// (null in summary.json).
const Infinity = "∞"

// allCell is a cell of a failure-counting distribution: "-" without any
// value, ∞ for a percentile among the failures.
func allCell(d summary.DistAll, v *float64) string {
	switch {
	case d.N == 0:
		return "-"
	case v == nil:
		return Infinity
	}
	return msCell(d.N, *v)
}

func attainment(l *summary.Level) string {
	if l.SLOAttainment == nil {
		return "-"
	}
	return fmt.Sprintf("%.1f", 100**l.SLOAttainment)
}

// hasTail reports whether the failure-counting figures say anything the
// level table does not: a level failed requests, or its SLO turned ok
// requests away. A summary written before them (no attainment anywhere)
// has none to show.
func hasTail(s *summary.Summary) bool {
	for i := range s.Levels {
		l := &s.Levels[i]
		if l.SLOAttainment != nil && (l.Errors > 0 || *l.SLOAttainment*float64(l.Requests) < float64(l.OK)-0.5) {
			return true
		}
	}
	return false
}

// tailDefinitions are the definitions of the failure-counting figures,
// for the reports that show them.
func tailDefinitions(s *summary.Summary) [][2]string {
	if !hasTail(s) {
		return nil
	}
	return [][2]string{
		{"Failures in the tail (all)", "the latency percentiles with every failed measured request, not_sent arrivals included, counted as infinitely slow; " +
			"TTFT, TPOT, E2E: a failure's value is infinite; ITL: the gaps of every sent request, failed ones included, plus one infinite gap per failure. " +
			"A percentile whose interpolation reaches a failure is infinite (null in summary.json)"},
		{"SLO attainment", "ok measured requests meeting every SLO set / all measured requests (errors and not_sent included); without an SLO, ok / measured requests"},
	}
}

// mdTail writes the "Failures in the tail" section of report.md.
func mdTail(b *bytes.Buffer, s *summary.Summary) {
	if !hasTail(s) {
		return
	}
	b.WriteString("\n## Failures in the tail\n\n")
	mdTable(b, s, tailColumns)
	b.WriteString("\n" + tailNote + "\n")
}

// tailRows are the rows of report.html's table, nil when hasTail is not.
func tailRows(s *summary.Summary) [][]string {
	if !hasTail(s) {
		return nil
	}
	var out [][]string
	for i := range s.Levels {
		out = append(out, cells(&s.Levels[i], tailColumns))
	}
	return out
}

// TailLines say, per level that failed requests, what its TTFT and E2E
// become when each failure counts as infinitely slow (the terminal's
// line of the table): "level 6 counting its 2 failed of 60 requests as
// infinitely slow: TTFT p50 55.0 p95 ∞ ms, E2E p50 930 p95 ∞ ms; SLO
// attained by 91.7%".
func TailLines(s *summary.Summary) []string {
	var out []string
	for i := range s.Levels {
		l := &s.Levels[i]
		if l.Errors == 0 || l.SLOAttainment == nil {
			continue
		}
		t, e := l.TTFTAllMs, l.E2EAllMs
		out = append(out, fmt.Sprintf("level %s counting its %d failed of %d requests as infinitely slow: TTFT p50 %s p95 %s ms, E2E p50 %s p95 %s ms; SLO attained by %s%%",
			Label(l), l.Errors, l.Requests, allCell(t, t.P50), allCell(t, t.P95), allCell(e, e.P50), allCell(e, e.P95), attainment(l)))
	}
	return out
}

// tailHeadsFor are tailHeads, the first one "concurrency (streams)" when
// every level is a steady concurrency level.
func tailHeadsFor(s *summary.Summary) []string {
	h := append([]string(nil), tailHeads...)
	if plain(s) {
		h[0] = "concurrency (streams)"
	}
	return h
}
