package query_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/llmbench/llmbench/shared/query"
	"github.com/llmbench/llmbench/shared/query/querytest"
	"github.com/llmbench/llmbench/shared/summary"
)

func TestSeriesMatchesReference(t *testing.T) {
	sw := genSweep(t)
	d := openDuckDB(t, sw.files...)
	got, err := query.Series(context.Background(), d, runID)
	if err != nil {
		t.Fatal(err)
	}
	want := referenceSeries(sw.rows, runID)
	for _, p := range diffSeries(got, want, 1e-9) {
		t.Error(p)
	}
	// The data must exercise what it claims to: warm-up seconds (T < 0),
	// seconds with not_sent rows, with no ok row, and gaps.
	var negative, unsent, noOK, seconds int
	for _, ss := range got {
		for _, s := range ss {
			seconds++
			if s.T < 0 {
				negative++
			}
			if s.Sent < s.Arrivals {
				unsent++
			}
			if s.OK == 0 {
				noOK++
			}
		}
	}
	if len(got) != len(sw.specs) || negative == 0 || unsent == 0 || noOK == 0 {
		t.Errorf("weak test data: %d levels, %d seconds, %d before the start, %d with arrivals not sent, %d without an ok row",
			len(got), seconds, negative, unsent, noOK)
	}
}

// TestSeriesByHand checks the seconds of sweepRows worked out by hand.
func TestSeriesByHand(t *testing.T) {
	d := openDuckDB(t, querytest.WriteRows(t, t.TempDir(), "part.parquet", sweepRows()))
	got, err := query.Series(context.Background(), d, sweepRun)
	if err != nil {
		t.Fatal(err)
	}
	type sec = summary.Second
	tests := []struct {
		name  string
		level int
		want  []sec
	}{
		{"concurrency 2", 0, []sec{
			{T: -1, Arrivals: 1, Sent: 1, OK: 1, OutputTokens: 1, TTFTMeanMs: 9, E2EMeanMs: 499, SendLagMeanMs: 1}, // the warm-up row
			{T: 0, Arrivals: 2, Sent: 2, OK: 2, OutputTokens: 30, TTFTMeanMs: 150, E2EMeanMs: 1000, SendLagMeanMs: 2},
		}},
		{"concurrency 4", 1, []sec{
			{T: 1, Arrivals: 1, Sent: 1, OK: 1, OutputTokens: 2, TTFTMeanMs: 40, E2EMeanMs: 400}, // intended 1500 ms
		}},
		{"rate 4", 2, []sec{
			{T: -1, Arrivals: 1, Errors: 1}, // a warm-up arrival not sent: no mean at all
			{T: 0, Arrivals: 3, Sent: 2, OK: 1, Errors: 2, OutputTokens: 5, TTFTMeanMs: 50, E2EMeanMs: 1000, SendLagMeanMs: 20}, // the timeout's lag counts, its null TTFT does not
			{T: 3, Arrivals: 1, Errors: 1}, // seconds 1 and 2 had no arrival: left out
		}},
		{"rate 8", 3, []sec{
			{T: 0, Arrivals: 1, Sent: 1, OK: 1, OutputTokens: 3, TTFTMeanMs: 20, E2EMeanMs: 500, SendLagMeanMs: 2}, // intended 999.5 ms
			{T: 1, Arrivals: 1, Sent: 1, OK: 1, OutputTokens: 1, TTFTMeanMs: 10, E2EMeanMs: 100},                   // intended 1000 ms
		}},
		{"rate 10 capped", 4, []sec{
			{T: 0, Arrivals: 4, Sent: 3, OK: 2, Errors: 2, OutputTokens: 10, TTFTMeanMs: 200, E2EMeanMs: 1000, SendLagMeanMs: 401},
		}},
		{"rate 16 nothing sent", 5, []sec{
			{T: 0, Arrivals: 2, Errors: 2},
		}},
	}
	if len(got) != len(tests) {
		t.Errorf("%d levels, want %d: %v", len(got), len(tests), got)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, p := range diff(fmt.Sprintf("level %d", tt.level), reflect.ValueOf(got[tt.level]), reflect.ValueOf(tt.want), 1e-12) {
				t.Error(p)
			}
		})
	}
}

func TestSeriesErrors(t *testing.T) {
	d := openDuckDB(t, querytest.WriteRows(t, t.TempDir(), "part.parquet", querytest.OneRow()))
	second := func(index, t int64) map[string]any {
		return map[string]any{
			"level_index": index, "t": t, "arrivals": int64(1), "sent": int64(1), "ok": int64(1), "errors": int64(0),
			"output_tokens": int64(3), "ttft_mean_ms": 1.0, "e2e_mean_ms": nil, "send_lag_mean_ms": 0.0,
		}
	}
	tests := []struct {
		name  string
		e     query.Engine
		run   string
		want  string
		isErr error
	}{
		{"unknown run", d, "nope", "no rows", query.ErrNoRows},                                                           // no row at all
		{"empty run ID", d, "", "invalid run ID", nil},                                                                   // caller bug
		{"NUL in run ID", d, "a\x00b", "invalid run ID", nil},                                                            // no SQL literal holds it
		{"engine fails", failing{}, "r1", "query: series: engine down", errEngine},                                       // wrapped
		{"wrong type", answer{{"level_index": int64(0), "t": 0.0}}, "r1", `column "t": got float64`, nil},                // contract broken
		{"column missing", answer{{"level_index": int64(0), "t": int64(0)}}, "r1", `column "arrivals" missing`, nil},     // contract broken
		{"out of order", answer{second(0, 1), second(1, 0), second(0, 0)}, "r1", "level 0 second 0 after second 1", nil}, // ORDER BY ignored
		{"same second twice", answer{second(2, 5), second(2, 5)}, "r1", "level 2 second 5 after second 5", nil},          // GROUP BY broken
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := query.Series(context.Background(), tt.e, tt.run)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "query: series: ") {
				t.Fatalf("error %v, want query: series: …%s…", err, tt.want)
			}
			if tt.isErr != nil && !errors.Is(err, tt.isErr) {
				t.Errorf("error %v is not %v", err, tt.isErr)
			}
		})
	}

	// A row of the contract's types reads whole; a null mean is 0.
	got, err := query.Series(context.Background(), answer{second(3, -2), second(3, 7)}, "r1")
	want := map[int][]summary.Second{3: {
		{T: -2, Arrivals: 1, Sent: 1, OK: 1, OutputTokens: 3, TTFTMeanMs: 1},
		{T: 7, Arrivals: 1, Sent: 1, OK: 1, OutputTokens: 3, TTFTMeanMs: 1},
	}}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("Series = %v, %v; want %v", got, err, want)
	}
}

// answer is an Engine that answers every query with its rows.
type answer []map[string]any

func (a answer) Query(context.Context, string) ([]map[string]any, error) { return a, nil }

// diffSeries lists the differences between two sets of series.
func diffSeries(got, want map[int][]summary.Second, rel float64) []string {
	var out []string
	levels := map[int]bool{}
	for l := range got {
		levels[l] = true
	}
	for l := range want {
		levels[l] = true
	}
	sorted := make([]int, 0, len(levels))
	for l := range levels {
		sorted = append(sorted, l)
	}
	sort.Ints(sorted)
	for _, l := range sorted {
		g, gok := got[l]
		w, wok := want[l]
		if gok != wok {
			out = append(out, fmt.Sprintf("level %d: present %v, want %v", l, gok, wok))
			continue
		}
		out = append(out, diff(fmt.Sprintf("level %d", l), reflect.ValueOf(g), reflect.ValueOf(w), rel)...)
	}
	return out
}
