package report

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"github.com/llmbench/llmbench/shared/summary"
)

// Rounds (summary.Level.RoundGapMs): a level longer than one worker
// invocation runs as consecutive rounds of its slices; report.md,
// report.html and the terminal say how many, how long, and how long the
// slices were idle between them.

// roundColumns are a level's round figures.
var roundColumns = []column{
	{"conc", Label},
	{"rounds", func(l *summary.Level) string { return fmt.Sprint(l.RoundGapMs.Rounds) }},
	{"round", func(l *summary.Level) string {
		return (time.Duration(l.RoundGapMs.RoundMs) * time.Millisecond).String()
	}},
	{"gaps", func(l *summary.Level) string { return gapsCell(l.RoundGapMs) }},
	{"gap mean ms", func(l *summary.Level) string { return msCell(l.RoundGapMs.Gaps, l.RoundGapMs.Mean) }},
	{"gap max ms", func(l *summary.Level) string { return msCell(l.RoundGapMs.Gaps, l.RoundGapMs.Max) }},
}

// roundHeads head the table of report.html, units included.
var roundHeads = []string{"level (streams, req/s or ramp)", "rounds (count)", "round length", "gaps measured (slice × boundary)", "gap mean (ms)", "gap max (ms)"}

// roundNote says what the table holds.
const roundNote = "Rounds: a level longer than one worker invocation (the worker's configured timeout less its start margin and a minute to drain and flush) " +
	"runs as consecutive rounds of the same slices, each with its own common start instant; the virtual users (closed loop) or the arrival schedule (open loop) go on from round to round, " +
	"and the rows' times run on across rounds, so the level's figures leave the gaps out. A round stops issuing at its end and lets its requests in flight finish. " +
	"Gap: per slice and pair of consecutive rounds, the first send of the later round minus the end of the earlier round's last request (wall clocks of the two invocations)."

func gapsCell(g *summary.RoundGap) string {
	if g.Missing > 0 {
		return fmt.Sprintf("%d (%d missing)", g.Gaps, g.Missing)
	}
	return fmt.Sprint(g.Gaps)
}

// roundLevels are the levels run in rounds.
func roundLevels(s *summary.Summary) []*summary.Level {
	var out []*summary.Level
	for i := range s.Levels {
		if s.Levels[i].RoundGapMs != nil {
			out = append(out, &s.Levels[i])
		}
	}
	return out
}

// RoundLines are the terminal's lines on the levels run in rounds.
func RoundLines(s *summary.Summary) []string {
	var out []string
	for _, l := range roundLevels(s) {
		g := l.RoundGapMs
		line := fmt.Sprintf("level %s ran in %d rounds of %v: gap between rounds mean %s ms, max %s ms (%s slice-round pairs)",
			Label(l), g.Rounds, time.Duration(g.RoundMs)*time.Millisecond, msCell(g.Gaps, g.Mean), msCell(g.Gaps, g.Max), gapsCell(g))
		out = append(out, line)
	}
	return out
}

// mdRounds writes the "Rounds" section of report.md.
func mdRounds(b *bytes.Buffer, s *summary.Summary) {
	ls := roundLevels(s)
	if len(ls) == 0 {
		return
	}
	b.WriteString("\n## Rounds\n\n")
	fmt.Fprintf(b, "| %s |\n|%s\n", strings.Join(heads(s, roundColumns), " | "), strings.Repeat("---:|", len(roundColumns)))
	for _, l := range ls {
		fmt.Fprintf(b, "| %s |\n", strings.Join(cells(l, roundColumns), " | "))
	}
	b.WriteString("\n" + roundNote + "\n")
}

// roundsTable is report.html's table of the rounds, nil without any.
func roundsTable(s *summary.Summary) *skewView {
	ls := roundLevels(s)
	if len(ls) == 0 {
		return nil
	}
	v := &skewView{Heads: append([]string(nil), roundHeads...), Note: roundNote}
	if plain(s) {
		v.Heads[0] = "concurrency (streams)"
	}
	for _, l := range ls {
		v.Rows = append(v.Rows, cells(l, roundColumns))
	}
	return v
}
