package query_test

import (
	"context"
	"math"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/llmbench/llmbench/shared/query"
	"github.com/llmbench/llmbench/shared/query/querytest"
	"github.com/llmbench/llmbench/shared/sample"
	"github.com/llmbench/llmbench/shared/summary"
)

// sweepStarts places genSweep's levels on a timeline: one after another,
// 70 s apart (their rows span about 65 s), at awkward fractions of a ms.
func sweepStarts(sw sweep) map[int]float64 {
	out := map[int]float64{}
	for _, g := range sw.specs {
		out[g.index] = float64(g.index)*70_000 + 0.37
	}
	return out
}

// referenceTimeline computes, row by row, what Timeline must return: each
// sent row's time in flight is integrated over the seconds it spans one
// by one (the SQL instead sums per second and counts the rows spanning a
// second with window sums).
func referenceTimeline(rows []sample.Row, runID string, starts map[int]float64) []summary.Tick {
	ticks := map[int]*summary.Tick{}
	ttfts := map[int][]float64{}
	at := func(t int) *summary.Tick {
		if ticks[t] == nil {
			ticks[t] = &summary.Tick{T: t}
		}
		return ticks[t]
	}
	lo, hi := math.MaxInt, math.MinInt
	for _, r := range rows {
		if r.RunID != runID {
			continue
		}
		off := starts[int(r.LevelIndex)]
		s, e := off+r.StartMs, off+r.EndMs
		ts, te := int(math.Floor(s/1000)), int(math.Floor(e/1000))
		lo, hi = min(lo, ts), max(hi, te)
		if r.Warmup {
			at(ts).Warmup++
		}
		if r.Status == string(sample.StatusNotSent) {
			at(ts).NotSent++
			at(ts).Errors++
			continue
		}
		at(ts).Started++
		if r.Status == "ok" {
			at(te).OK++
			at(te).OutputTokens += int64(r.OutputTokens)
			if r.TTFTMs != nil {
				ttfts[ts] = append(ttfts[ts], *r.TTFTMs)
			}
		} else {
			at(te).Errors++
		}
		for t := ts; t <= te; t++ {
			a, b := math.Max(s, float64(t)*1000), math.Min(e, float64(t+1)*1000)
			if b > a {
				at(t).InFlight += (b - a) / 1000
			}
		}
	}
	var out []summary.Tick
	for t := lo; t <= hi; t++ {
		tk := at(t)
		if x := ttfts[t]; len(x) > 0 {
			sort.Float64s(x)
			p := query.Percentile(x, 0.5)
			tk.TTFTP50Ms = &p
		}
		out = append(out, *tk)
	}
	return out
}

func TestTimelineMatchesReference(t *testing.T) {
	sw := genSweep(t)
	d := openDuckDB(t, sw.files...)
	ctx := context.Background()
	starts := sweepStarts(sw)
	got, err := query.Timeline(ctx, d, runID, starts)
	if err != nil {
		t.Fatal(err)
	}
	want := referenceTimeline(sw.rows, runID, starts)
	if len(got) != len(want) {
		t.Fatalf("%d seconds, want %d", len(got), len(want))
	}
	for i := range want {
		for _, p := range diff("second", reflect.ValueOf(got[i]), reflect.ValueOf(want[i]), 1e-9) {
			t.Errorf("t=%d: %s", want[i].T, p)
		}
	}

	// The seconds sum to the run's totals, as the summary counts them.
	levels, err := query.Summarize(ctx, d, runID, query.SLO{})
	if err != nil {
		t.Fatal(err)
	}
	var requests, measured, warmup, tokens, warmupTokens int64
	var busyMs float64
	for _, r := range sw.rows {
		if r.RunID != runID {
			continue
		}
		if r.Warmup && r.Status == "ok" {
			warmupTokens += int64(r.OutputTokens)
		}
		if r.Status != string(sample.StatusNotSent) {
			busyMs += r.EndMs - r.StartMs
		}
	}
	for _, l := range levels {
		requests += int64(l.Requests + l.WarmupRequests)
		measured += int64(l.Requests)
		tokens += l.OutputTokens
	}
	var in, out, wu, tok int64
	var busy float64
	var gaps, withP50 int
	for _, tk := range got {
		in += int64(tk.Started + tk.NotSent)
		out += int64(tk.OK + tk.Errors)
		wu += int64(tk.Warmup)
		tok += tk.OutputTokens
		busy += tk.InFlight
		if tk.Started+tk.NotSent+tk.OK+tk.Errors == 0 {
			gaps++
		}
		if tk.TTFTP50Ms != nil {
			withP50++
		}
	}
	warmup = requests - measured
	if in != requests || out != requests || in-wu != measured || wu != warmup {
		t.Errorf("seconds sum to %d issued or due, %d ended, %d warm-up; the summary has %d requests, %d measured, %d warm-up", in, out, wu, requests, measured, warmup)
	}
	if tok != tokens+warmupTokens {
		t.Errorf("seconds sum to %d output tokens; the summary's measured %d + the warm-up's %d = %d", tok, tokens, warmupTokens, tokens+warmupTokens)
	}
	if math.Abs(busy*1000-busyMs) > 1e-6*busyMs {
		t.Errorf("Σ in flight = %.6f s, the rows' durations %.6f s", busy, busyMs/1000)
	}
	// The data exercise what they claim: seconds with nothing but requests
	// in flight (filled in by Timeline), and seconds without a TTFT.
	if gaps == 0 || withP50 == 0 || withP50 == len(got) {
		t.Errorf("weak data: %d seconds, %d with no event, %d with a TTFT p50", len(got), gaps, withP50)
	}
}

// TestTimelineByHand checks a small run worked out by hand: level 0 from
// t = 0, level 1 from 2.5 s.
func TestTimelineByHand(t *testing.T) {
	row := func(level int32, status string, warmup bool, startMs, endMs float64, tokens int32, ttft float64) sample.Row {
		r := sample.Row{RunID: "hand", LevelIndex: level, Level: 2, Mode: "concurrency", Status: status, Warmup: warmup,
			StartMs: startMs, EndMs: endMs, IntendedMs: startMs, OutputTokens: tokens}
		if ttft > 0 {
			r.TTFTMs = &ttft
		}
		return r
	}
	rows := []sample.Row{
		row(0, "ok", true, 100, 600, 4, 50),         // warm-up, within second 0
		row(0, "ok", false, 500, 3200, 10, 80),      // seconds 0..3: 0.5 + 1 + 1 + 0.2
		row(0, "timeout", false, 900, 1100, 0, 0),   // 0.1 in second 0, 0.1 in second 1
		row(1, "ok", false, 0, 400, 3, 20),          // level 1: 2.5 s .. 2.9 s
		row(1, "not_sent", false, 2700, 2700, 0, 0), // level 1: due at 5.2 s
	}
	d := openDuckDB(t, querytest.WriteRows(t, t.TempDir(), "part.parquet", rows))
	got, err := query.Timeline(context.Background(), d, "hand", map[int]float64{0: 0, 1: 2500})
	if err != nil {
		t.Fatal(err)
	}
	p := func(v float64) *float64 { return &v }
	want := []summary.Tick{
		{T: 0, Started: 3, Warmup: 1, OK: 1, OutputTokens: 4, InFlight: 0.5 + 0.5 + 0.1, TTFTP50Ms: p(65)}, // the median of 50 and 80
		{T: 1, Errors: 1, InFlight: 1 + 0.1},
		{T: 2, Started: 1, OK: 1, OutputTokens: 3, InFlight: 1 + 0.4, TTFTP50Ms: p(20)},
		{T: 3, OK: 1, OutputTokens: 10, InFlight: 0.2},
		{T: 4}, // nothing at all: filled in
		{T: 5, NotSent: 1, Errors: 1},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d seconds %+v, want %d", len(got), got, len(want))
	}
	for i := range want {
		for _, d := range diff("second", reflect.ValueOf(got[i]), reflect.ValueOf(want[i]), 1e-12) {
			t.Errorf("t=%d: %s", want[i].T, d)
		}
	}
}

func TestTimelineErrors(t *testing.T) {
	d := openDuckDB(t, querytest.WriteRows(t, t.TempDir(), "part.parquet", querytest.OneRow()))
	ctx := context.Background()
	run := querytest.OneRow()[0].RunID
	tests := []struct {
		name   string
		e      query.Engine
		run    string
		starts map[int]float64
		want   string
	}{
		{"no start for the level", d, run, map[int]float64{7: 0}, "rows of a level without a start instant"}, // not silently dropped
		{"no starts at all", d, run, nil, "rows of a level without a start instant"},                         // ditto
		{"unknown run", d, "nope", map[int]float64{0: 0}, "no rows"},                                         // ErrNoRows
		{"not finite", d, run, map[int]float64{0: math.Inf(1)}, "starts at +Inf"},                            // caller bug
		{"out of order", answer{tick(3), tick(1)}, "r", map[int]float64{0: 0}, "second 1 after second 3"},    // ORDER BY ignored
		{"wrong type", answer{{"t": 1.5}}, "r", map[int]float64{0: 0}, `column "t": got float64`},            // contract broken
		{"engine fails", failing{}, "r", map[int]float64{0: 0}, "engine down"},                               // wrapped
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := query.Timeline(ctx, tt.e, tt.run, tt.starts)
			if err == nil || !strings.HasPrefix(err.Error(), "query: timeline: ") || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want query: timeline: …%s…", err, tt.want)
			}
		})
	}
}

func tick(t int64) map[string]any {
	return map[string]any{"t": t, "started": int64(1), "not_sent": int64(0), "warmup": int64(0), "ok": int64(1), "errors": int64(0),
		"output_tokens": int64(2), "busy_ms": 10.0, "open_end": int64(0), "ttft_p50_ms": nil}
}

// TestQuantilesMatchReference: every level's quantiles are the Go
// reference's percentiles of its values, and at p50, p90, p95, p99 and 1
// they are the summary's own figures.
func TestQuantilesMatchReference(t *testing.T) {
	sw := genSweep(t)
	d := openDuckDB(t, sw.files...)
	ctx := context.Background()
	got, err := query.Quantiles(ctx, d, runID)
	if err != nil {
		t.Fatal(err)
	}
	levels, err := query.Summarize(ctx, d, runID, query.SLO{})
	if err != nil {
		t.Fatal(err)
	}
	vals := map[int]map[string][]float64{}
	for _, r := range sw.rows {
		if r.RunID != runID || r.Warmup || r.Status != "ok" {
			continue
		}
		m := vals[int(r.LevelIndex)]
		if m == nil {
			m = map[string][]float64{}
			vals[int(r.LevelIndex)] = m
		}
		if r.TTFTMs != nil {
			m["ttft"] = append(m["ttft"], *r.TTFTMs)
		}
		if r.E2EMs != nil {
			m["e2e"] = append(m["e2e"], *r.E2EMs)
		}
		m["itl"] = append(m["itl"], r.ITLMs...)
	}
	if len(got) != len(vals) {
		t.Errorf("quantiles of %d levels, %d have ok rows", len(got), len(vals))
	}
	at := func(q []float64, p float64) float64 {
		for k, g := range query.QuantileGrid {
			if g == p {
				return q[k]
			}
		}
		t.Fatalf("%v not in the grid", p)
		return 0
	}
	for _, l := range levels {
		q := got[l.Index]
		if l.OK == 0 {
			if q != nil {
				t.Errorf("level %d has no ok row but quantiles %+v", l.Index, q)
			}
			continue
		}
		if q == nil || !reflect.DeepEqual(q.P, query.QuantileGrid) {
			t.Fatalf("level %d: quantiles %+v", l.Index, q)
		}
		for _, m := range []struct {
			name string
			q    []float64
			d    summary.Dist
		}{{"ttft", q.TTFTMs, l.TTFTMs}, {"e2e", q.E2EMs, l.E2EMs}, {"itl", q.ITLMs, l.ITLMs}} {
			x := append([]float64(nil), vals[l.Index][m.name]...)
			sort.Float64s(x)
			if len(x) == 0 {
				if m.q != nil {
					t.Errorf("level %d %s: no value but quantiles %v", l.Index, m.name, m.q)
				}
				continue
			}
			if len(m.q) != len(query.QuantileGrid) {
				t.Fatalf("level %d %s: %d quantiles", l.Index, m.name, len(m.q))
			}
			for k, p := range query.QuantileGrid {
				if w := query.Percentile(x, p); math.Abs(m.q[k]-w) > 1e-9*math.Max(1, math.Abs(w)) {
					t.Errorf("level %d %s q(%v) = %v, want %v", l.Index, m.name, p, m.q[k], w)
				}
				if k > 0 && m.q[k] < m.q[k-1] {
					t.Errorf("level %d %s: q(%v) = %v below q(%v) = %v", l.Index, m.name, p, m.q[k], query.QuantileGrid[k-1], m.q[k-1])
				}
			}
			for _, pair := range [][2]float64{{0.5, m.d.P50}, {0.9, m.d.P90}, {0.95, m.d.P95}, {0.99, m.d.P99}, {1, m.d.Max}} {
				if g := at(m.q, pair[0]); g != pair[1] {
					t.Errorf("level %d %s: q(%v) = %v, the summary's %v", l.Index, m.name, pair[0], g, pair[1])
				}
			}
		}
	}
}
