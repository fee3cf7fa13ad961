package query_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/llmbench/llmbench/shared/query/querytest"
	"github.com/llmbench/llmbench/shared/sample"
)

// genSpec describes one generated level.
type genSpec struct {
	index int     // level_index
	level int     // the level column: virtual users, or the max_concurrency cap (0: none)
	mode  string  // concurrency, rate, or "" (rows written before open-loop load)
	rate  float64 // request_rate, mode rate

	workers, n int     // n rows per worker
	errRate    float64 // the share of sent rows that fail
	notSent    float64 // mode rate: the share of arrivals never sent
	source     func() string
	sessions   int // conversations of this many turns (rows' turn, session_id); 0: none
}

// genLevel generates the rows of one level: n requests per worker, with
// warm-up rows before the level's start, errors of every kind, null
// latencies and ITL lists from empty to long, a send lag on every sent row
// and, in mode rate, queue waits and arrivals never sent. source picks each
// ok row's token_source.
//
// In mode rate with notSent > 0, worker 0's first measured arrival is
// intended at 0 and not sent, while every sent row goes out at least
// 0.5 ms after its intended instant: had the not_sent row counted in the
// window, the window would differ.
func genLevel(rng *rand.Rand, run string, g genSpec) [][]sample.Row {
	statuses := []string{"http_error", "timeout", "transport", "protocol", "canceled"}
	// Some values on a coarse grid, so that ties occur.
	val := func(lo, hi float64) float64 {
		v := lo + rng.Float64()*(hi-lo)
		if rng.IntN(3) == 0 {
			v = math.Round(v*4) / 4
		}
		return v
	}
	rate := g.mode == "rate"
	t0 := time.Date(2025, 1, 2, 3, 0, 0, 0, time.UTC)
	files := make([][]sample.Row, g.workers)
	for w := range g.workers {
		for seq := range g.n {
			r := sample.Row{
				RunID: run, Level: int32(g.level), LevelIndex: int32(g.index), Mode: g.mode, RequestRate: g.rate,
				Worker: int32(w), Seq: int64(seq), VU: int32(rng.IntN(max(g.level, 1))),
				Status: "ok", HTTPStatus: 200, InputTokens: int32(rng.IntN(2000)),
			}
			r.Warmup = seq < g.n/10
			if r.Warmup {
				r.IntendedMs = -val(0, 5000) // before the level's start instant
			} else {
				r.IntendedMs = val(0, 60_000)
			}
			first := w == 0 && seq == g.n/10
			if rate && (rng.Float64() < g.notSent || first && g.notSent > 0) {
				if first {
					r.IntendedMs = 0
				}
				files[w] = append(files[w], notSentRow(r, val(0, 3000), t0))
				continue
			}
			r.SchedDelayMs = 0.5 + val(0, 40)
			if rate && g.level > 0 && rng.IntN(3) == 0 { // waited for a slot
				r.QueueMs = val(0, 3000)
				r.SchedDelayMs += r.QueueMs
			}
			r.StartMs = r.IntendedMs + r.SchedDelayMs
			r.StartTime = t0.Add(time.Duration(r.StartMs * float64(time.Millisecond))).Truncate(time.Microsecond)
			r.EndMs = r.StartMs + val(1, 20_000)
			chunks := rng.IntN(40)
			if rng.IntN(20) == 0 {
				chunks = 0 // an empty answer: no token, no TTFT
			}
			r.Chunks = int32(chunks)
			if chunks > 0 {
				r.TTFTMs = f64(val(5, 3000))
				r.TTFBMs = f64(*r.TTFTMs / 2)
				if rng.IntN(3) == 0 { // through a proxy that reports its own TTFT
					r.ServerTTFTMs = f64(*r.TTFTMs * (0.5 + rng.Float64()/2))
				}
				r.ITLMs = make([]float64, 0, chunks-1)
				for range chunks - 1 {
					r.ITLMs = append(r.ITLMs, val(0, 200))
				}
				if rng.IntN(5) == 0 {
					r.ITLMs = nil // a nil list: written as an empty one
				}
				r.E2EMs = f64(*r.TTFTMs + val(0, 10_000))
				r.OutputTokens = int32(chunks + rng.IntN(3))
				if r.OutputTokens > 1 {
					r.TPOTMs = f64((*r.E2EMs - *r.TTFTMs) / float64(r.OutputTokens-1))
				}
			} else if rng.IntN(2) == 0 {
				r.E2EMs = f64(r.EndMs - r.StartMs)
			}
			r.TokenSource = g.source()
			if rng.IntN(3) > 0 { // a server that reports its prefix cache (and maybe reasoning)
				c := int32(rng.IntN(int(r.InputTokens) + 1))
				r.CachedTokens = &c
				if rng.IntN(2) == 0 {
					rt := int32(rng.IntN(int(r.OutputTokens) + 1))
					r.ReasoningTokens = &rt
				}
			}
			if rng.Float64() < g.errRate {
				r.Status = statuses[rng.IntN(len(statuses))]
				r.HTTPStatus = []int32{500, 429, 503, 0}[rng.IntN(4)]
				r.Error = "boom"
				r.BackoffMs = float64(rng.IntN(400))
				r.CutShort = r.Status == "protocol" && rng.IntN(2) == 0
				if rng.IntN(2) == 0 { // failed before any token
					r.TTFTMs, r.TPOTMs, r.E2EMs, r.ITLMs = nil, nil, nil, nil
				}
			}
			if g.sessions > 0 { // without the rng: the other columns are as they were
				id, turn := int64(w)<<32|int64(seq/g.sessions), int32(seq%g.sessions+1)
				r.SessionID, r.Turn = &id, &turn
			}
			files[w] = append(files[w], r)
		}
	}
	return files
}

// notSentRow makes r an arrival never sent after waiting queueMs, as the
// generator writes one: start = end = intended, no send lag, no answer.
func notSentRow(r sample.Row, queueMs float64, t0 time.Time) sample.Row {
	r.Status, r.HTTPStatus, r.Error = string(sample.StatusNotSent), 0, "no free slot"
	r.StartMs, r.EndMs, r.SchedDelayMs, r.QueueMs = r.IntendedMs, r.IntendedMs, 0, queueMs
	r.StartTime = t0.Add(time.Duration(r.IntendedMs * float64(time.Millisecond))).Truncate(time.Microsecond)
	r.InputTokens = 0
	return r
}

// sweep is a generated run in the shape of a sweep, its rows written to
// Parquet files: concurrency levels, then rate levels, two pairs of which
// share a level (concurrency) value, and another run in the same files.
type sweep struct {
	specs []genSpec
	rows  []sample.Row
	files []string
}

func genSweep(t *testing.T) sweep {
	t.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	usage := func() string { return "usage" }
	chunks := func() string { return "chunks" }
	mixed := func() string { return []string{"usage", "chunks"}[rng.IntN(2)] }
	s := sweep{specs: []genSpec{
		// Listed out of index order: the summary sorts by index.
		{index: 2, level: 16, mode: "concurrency", workers: 3, n: 300, errRate: 0.2, source: chunks, sessions: 3},   // chunk counts; conversations
		{index: 0, level: 1, mode: "concurrency", workers: 1, n: 40, errRate: 0.05, source: usage},                  // one worker
		{index: 1, level: 4, mode: "", workers: 2, n: 150, errRate: 0.1, source: usage},                             // mode left empty: concurrency
		{index: 3, level: 32, mode: "concurrency", workers: 2, n: 200, errRate: 0.5, source: mixed, sessions: 7},    // mixed counts, many errors; conversations
		{index: 4, level: 8, mode: "concurrency", workers: 2, n: 30, errRate: 1, source: usage},                     // every request failed: no ok row
		{index: 5, level: 0, mode: "rate", rate: 5, workers: 2, n: 200, errRate: 0.1, notSent: 0.05, source: usage}, // no cap
		{index: 6, level: 0, mode: "rate", rate: 20, workers: 3, n: 150, errRate: 0.2, source: mixed},               // no cap either: level 0 again, another level
		{index: 7, level: 8, mode: "rate", rate: 50, workers: 3, n: 300, errRate: 0.1, notSent: 0.3, source: usage}, // capped at 8, as level 4 has 8 users: queue waits
		{index: 8, level: 4, mode: "rate", rate: 100, workers: 1, n: 50, notSent: 1, source: usage},                 // every arrival not sent
	}}
	dir := t.TempDir()
	add := func(name string, rows []sample.Row) {
		s.rows = append(s.rows, rows...)
		s.files = append(s.files, querytest.WriteRows(t, dir, name, rows))
	}
	for _, g := range s.specs {
		for w, rows := range genLevel(rng, runID, g) {
			add(fmt.Sprintf("level=%d-worker=%d.parquet", g.index, w), rows)
		}
	}
	// Another run in the same files must not count.
	other := genSpec{index: 0, level: 4, mode: "rate", rate: 3, workers: 1, n: 100, errRate: 0.1, notSent: 0.2, source: usage}
	for w, rows := range genLevel(rng, "other-run", other) {
		add(fmt.Sprintf("other-%d.parquet", w), rows)
	}
	return s
}
