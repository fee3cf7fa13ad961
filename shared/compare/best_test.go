package compare

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/llmbench/llmbench/shared/summary"
)

// TestBest: a column's best figure is bold only when it leads every other
// run's by more than the margin and, where both runs repeated the load
// point, Welch's test separates them; otherwise the notes say why not.
func TestBest(t *testing.T) {
	row := func(label string, tps float64, samples []float64) Row {
		r := Row{Label: label, ThroughputLevel: Key{Concurrency: 32}, BestThroughput: tps}
		r.samples[1] = samples
		return r
	}
	lat := func(label string, ms float64) Row {
		return Row{Label: label, LatencyLevel: Key{Concurrency: 6}, BestLatencyMs: ms}
	}
	tests := []struct {
		name   string
		rows   []Row
		col    int
		margin float64
		want   []bool // marks in column col
		why    string // in the note when nothing is marked
	}{
		// 15% ahead: bold.
		{"clear lead", []Row{row("a", 950, nil), row("b", 822.4, nil)}, 1, 0.02, []bool{true, false}, ""},
		// The 0.008%: no bold, and the note says by how little.
		{"0.008%", []Row{row("a", 952.176, nil), row("b", 952.1, nil)}, 1, 0.02, []bool{false, false}, "a and b differ by 0.008%, not more than 2%"},
		// Exactly the margin is not more than the margin.
		{"exactly 2%", []Row{row("a", 102, nil), row("b", 100, nil)}, 1, 0.02, []bool{false, false}, "differ by 2%, not more than 2%"},
		// The lead must hold against every other run, not just the last.
		{"runner-up close", []Row{row("a", 100, nil), row("b", 50, nil), row("c", 99, nil)}, 1, 0.02, []bool{false, false, false}, "a and c differ by 1.01%"},
		// Lower is better for latency.
		{"latency", []Row{lat("a", 2488), lat("b", 2151)}, 2, 0.02, []bool{false, true}, ""},
		// Ahead by 5% but both repeated with a spread that hides it: no bold.
		{"within noise", []Row{row("a", 105, []float64{90, 105, 120}), row("b", 100, []float64{85, 100, 115})}, 1, 0.02, []bool{false, false}, "their repeats do not separate them (Welch p"},
		// Ahead by 5% with tight repeats: bold.
		{"beyond noise", []Row{row("a", 105, []float64{104.9, 105, 105.1}), row("b", 100, []float64{99.9, 100, 100.1})}, 1, 0.02, []bool{true, false}, ""},
		// Only one run repeated: the margin alone decides.
		{"one repeated", []Row{row("a", 105, []float64{90, 105, 120}), row("b", 100, nil)}, 1, 0.02, []bool{true, false}, ""},
		// Zero margin: any strict lead, but not a tie.
		{"tie", []Row{row("a", 100, nil), row("b", 100, nil)}, 1, 0, []bool{false, false}, "differ by 0%"},
		// A run without the figure takes no part.
		{"one has it", []Row{row("a", 100, nil), {Label: "b"}}, 1, 0.02, []bool{false, false}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, undecided := best(tt.rows, tt.margin)
			for i, w := range tt.want {
				if m[tt.col][i] != w {
					t.Errorf("row %d marked %v, want %v", i, m[tt.col][i], w)
				}
			}
			notes := strings.Join(undecided, "\n")
			if tt.why != "" && !strings.Contains(notes, tt.why) {
				t.Errorf("notes %q lack %q", notes, tt.why)
			}
			if tt.why == "" && notes != "" {
				t.Errorf("unexpected notes %q", notes)
			}
		})
	}
}

// TestBestFromRepeats: the executive table takes each cell's repeat
// values from the runs' summaries: two runs 5% apart with a run-to-run CV
// of 0.1% get bold cells; with a CV of 10% they do not, and the notes
// name Welch's test; run once each, the 2% margin alone decides.
func TestBestFromRepeats(t *testing.T) {
	tests := []struct {
		name string
		n    int
		cv   float64
		bold bool
		note string
	}{
		{"tight repeats", 3, 0.001, true, ""},
		{"noisy repeats", 3, 0.10, false, "their repeats do not separate them"},
		{"no repeats", 1, 0.001, true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(3, 4))
			fast, slow := synthRun(r, tt.n, tt.cv, 1), synthRun(r, tt.n, tt.cv, 1.05)
			fast.RunID, slow.RunID = "fast", "slow"
			rule := DefaultRules
			rule.Labels = []string{"fast", "slow"}
			rule.Prices = map[string]Price{"fast": {USDPerHour: 1.515}, "slow": {USDPerHour: 1.515}}
			rows := Executive([]*summary.Summary{fast, slow}, rule)
			if tt.n > 1 && (len(rows[0].samples[1]) != tt.n || len(rows[0].samples[2]) != tt.n || len(rows[0].samples[3]) != tt.n || len(rows[0].samples[4]) != tt.n || len(rows[0].samples[5]) != tt.n) {
				t.Fatalf("repeat values: %v", rows[0].samples)
			}
			tbl := string(Table(rows, rule))
			// Every figure column of the fast run: throughput, latency,
			// TTFT and both costs.
			line := strings.Split(tbl, "\n")[2]
			if got := strings.Count(line, "| **") == 6; got != tt.bold {
				t.Errorf("fast run's figures all bold %v, want %v:\n%s", got, tt.bold, tbl)
			}
			if !tt.bold && strings.Count(line, "| **") != 1 {
				t.Errorf("some figure bold within noise:\n%s", tbl)
			}
			notes := strings.Join(Notes(rows, rule), "\n")
			if tt.note != "" && !strings.Contains(notes, tt.note) {
				t.Errorf("notes lack %q:\n%s", tt.note, notes)
			}
		})
	}
}
