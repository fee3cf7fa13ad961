package report

import (
	"bytes"
	"strings"
	"testing"

	"github.com/llmbench/llmbench/shared/summary"
)

// TestRoundsShown: a level run in rounds gets its line in the terminal, a
// Rounds table in report.md and report.html with its figures; a level of
// one round gets none.
func TestRoundsShown(t *testing.T) {
	s := &summary.Summary{Name: "r", RunID: "r-1", Levels: []summary.Level{
		{Index: 0, Concurrency: 4, RoundGapMs: &summary.RoundGap{Rounds: 3, RoundMs: 2000, Gaps: 4, Mean: 61.25, Max: 73.5}},
		{Index: 1, Concurrency: 8},
	}}
	lines := RoundLines(s)
	if len(lines) != 1 || !strings.Contains(lines[0], "level 4 ran in 3 rounds of 2s: gap between rounds mean 61.2 ms, max 73.5 ms (4 slice-round pairs)") {
		t.Errorf("terminal: %q", lines)
	}
	var b bytes.Buffer
	mdRounds(&b, s)
	if md := b.String(); !strings.Contains(md, "## Rounds") || !strings.Contains(md, "| 4 | 3 | 2s | 4 | 61.2 | 73.5 |") || strings.Contains(md, "| 8 |") {
		t.Errorf("report.md:\n%s", md)
	}
	v := roundsTable(s)
	if v == nil || len(v.Rows) != 1 || v.Rows[0][1] != "3" {
		t.Errorf("report.html table %+v", v)
	}
	if roundsTable(&summary.Summary{Levels: []summary.Level{{Concurrency: 8}}}) != nil {
		t.Error("a run without rounds has a Rounds table")
	}
}
