package report

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/llmbench/llmbench/shared/summary"
)

// turnHeads head a level's table by turn (workload.session).
var turnHeads = []string{"turn", "requests (count)", "ok (count)", "input tokens mean (count)", "cache hit (% of input)",
	"TTFT p50 (ms)", "TTFT p90 (ms)", "TTFT p99 (ms)", "E2E p50 (ms)"}

// mdTurnHeads are turnHeads as report.md words its headers.
var mdTurnHeads = []string{"turn", "requests", "ok", "input tokens mean", "cache hit %", "TTFT p50 ms", "TTFT p90 ms", "TTFT p99 ms", "E2E p50 ms"}

// turnsNote says what the figures by turn are.
const turnsNote = "Each turn of a conversation resends the whole history (earlier prompts and the server's actual answers): " +
	"its input grows turn by turn, and a server with a prefix cache serves the history from it (cache hit), which shortens TTFT. " +
	"Measured requests only; a conversation ends at its first failed turn."

// turnRows are a level's figures by turn, one row per turn.
func turnRows(l *summary.Level) [][]string {
	var out [][]string
	for _, t := range l.Turns {
		hit := "-"
		if t.CacheHitRatio != nil {
			hit = fmt.Sprintf("%.1f", 100**t.CacheHitRatio)
		}
		out = append(out, []string{fmt.Sprint(t.Turn), fmt.Sprint(t.Requests), fmt.Sprint(t.OK), fmt.Sprintf("%.0f", t.InputTokensMean), hit,
			msCell(t.TTFTMs.N, t.TTFTMs.P50), msCell(t.TTFTMs.N, t.TTFTMs.P90), msCell(t.TTFTMs.N, t.TTFTMs.P99), msCell(t.E2EMs.N, t.E2EMs.P50)})
	}
	return out
}

// mdTurns writes the "By turn" section of report.md: a table per level
// with conversations.
func mdTurns(b *bytes.Buffer, s *summary.Summary) {
	started := false
	for i := range s.Levels {
		l := &s.Levels[i]
		if len(l.Turns) == 0 {
			continue
		}
		if !started {
			b.WriteString("\n## By turn\n\n" + turnsNote + "\n")
			started = true
		}
		fmt.Fprintf(b, "\nlevel %s:\n\n| %s |\n|%s\n", Label(l), strings.Join(mdTurnHeads, " | "), strings.Repeat("---:|", len(mdTurnHeads)))
		for _, r := range turnRows(l) {
			fmt.Fprintf(b, "| %s |\n", strings.Join(r, " | "))
		}
	}
}

// TurnLines say, per level with conversations, how TTFT and the cache
// hit went turn by turn: "level 6 by turn: TTFT p50 41.2 → 23.0 → 20.1 ms,
// cache hit 0.0 → 78.1 → 85.0 %" (the terminal's one line of the table).
func TurnLines(s *summary.Summary) []string {
	var out []string
	for i := range s.Levels {
		l := &s.Levels[i]
		if len(l.Turns) == 0 {
			continue
		}
		var ttft, hit []string
		hasHit := false
		for _, t := range l.Turns {
			ttft = append(ttft, msCell(t.TTFTMs.N, t.TTFTMs.P50))
			h := "-"
			if t.CacheHitRatio != nil {
				h, hasHit = fmt.Sprintf("%.1f", 100**t.CacheHitRatio), true
			}
			hit = append(hit, h)
		}
		line := fmt.Sprintf("level %s by turn: TTFT p50 %s ms", Label(l), strings.Join(ttft, " → "))
		if hasHit {
			line += ", cache hit " + strings.Join(hit, " → ") + " %"
		}
		out = append(out, line)
	}
	return out
}
