package workflow

import (
	"sort"
	"time"

	"github.com/llmbench/llmbench/shared/loadgen"
	"github.com/llmbench/llmbench/shared/query"
	"github.com/llmbench/llmbench/shared/sample"
	"github.com/llmbench/llmbench/shared/summary"
)

// Start skew (issue 14): the workers of a level are meant to start
// together, at its common start instant. Each slice records when its first
// request went out and when that request was due; the aggregator gives,
// per level, how far apart the slices started, and warns about those
// beyond StartSkewToleranceMs.

// StartSkewToleranceMs is how long after it was due a slice's first
// request may go out before the summary warns about the slice. A worker
// that is up before the start instant sends a few milliseconds after it
// (a timer's wake-up, then building and encoding the request: 1 to 8 ms
// in the local runs of skew_test.go, under -race too, on a shared
// machine): past 50 ms, an order of magnitude above that, the skew is not
// scheduling noise but a worker that arrived after the start instant (a
// cold start longer than the start margin) or was held up before its
// first send. At 50 ms a slice has missed a fraction of a percent of a
// level's window, and a warm-up of a second or more still absorbs it; a
// longer skew is worth a look at the margin.
const StartSkewToleranceMs = 50

// firstSend keeps the earliest-sent request of a slice. Its caller
// serializes see.
type firstSend struct {
	start, intended time.Time
}

// see takes in a request the slice issued: one that went out (a not_sent
// arrival never did).
func (f *firstSend) see(is loadgen.Issued) {
	r := is.Result
	if r == nil || r.Status == sample.StatusNotSent || r.Start.IsZero() {
		return
	}
	if f.start.IsZero() || r.Start.Before(f.start) {
		f.start, f.intended = r.Start, is.Intended
	}
}

// record writes the first send and its due instant into res, in ms after
// levelStart (the level's common start instant, with a monotonic
// reading); nothing when the slice sent nothing. A request with no
// intended instant was due at the start.
func (f *firstSend) record(res *SliceResult, levelStart time.Time) {
	if f.start.IsZero() {
		return
	}
	intended := f.intended
	if intended.IsZero() {
		intended = levelStart
	}
	send := float64(f.start.Sub(levelStart)) / float64(time.Millisecond)
	due := float64(intended.Sub(levelStart)) / float64(time.Millisecond)
	res.FirstSendMs, res.FirstIntendedMs = &send, &due
}

// skew is the start skew of a slice: its first request's send minus the
// instant it was due, in ms. In a steady concurrency level every slice's
// first request is due at the common start, so this is its first send
// minus the common start; a ramp's later users and an open-loop share's
// later arrivals are due later by design, and only their lateness counts.
func skew(r SliceResult) (float64, bool) {
	if r.FirstSendMs == nil {
		return 0, false
	}
	ms := *r.FirstSendMs
	if r.FirstIntendedMs != nil {
		ms -= *r.FirstIntendedMs
	}
	return ms, true
}

// skews are the slices' start skews by level index, in worker order.
type skews map[int][]sliceSkew

type sliceSkew struct {
	worker int
	ms     float64
}

// add takes in a slice's record; one without a first send (it sent
// nothing, or it predates the figure) adds nothing.
func (k *skews) add(level, worker int, r SliceResult) {
	ms, ok := skew(r)
	if !ok {
		return
	}
	if *k == nil {
		*k = skews{}
	}
	(*k)[level] = append((*k)[level], sliceSkew{worker: worker, ms: ms})
}

// apply sets each level's StartSkewMs and returns warnings with the slices
// beyond the tolerance added (to a slice's warning if it has one), in
// order of level and worker.
func (k skews) apply(levels []summary.Level, warnings []summary.SliceWarning) []summary.SliceWarning {
	for i := range levels {
		l := &levels[i]
		ss := k[l.Index]
		if len(ss) == 0 {
			continue
		}
		ms := make([]float64, len(ss))
		for j, s := range ss {
			ms[j] = s.ms
		}
		sort.Float64s(ms)
		sk := &summary.StartSkew{Slices: len(ms), P50: query.Percentile(ms, 0.5), P99: query.Percentile(ms, 0.99), Max: ms[len(ms)-1], ToleranceMs: StartSkewToleranceMs}
		for _, s := range ss {
			if s.ms <= StartSkewToleranceMs {
				continue
			}
			sk.Beyond = append(sk.Beyond, s.worker)
			warnings = flagSkew(warnings, l.Index, s)
		}
		l.StartSkewMs = sk
	}
	sort.SliceStable(warnings, func(i, j int) bool {
		a, b := warnings[i], warnings[j]
		return a.Level < b.Level || a.Level == b.Level && a.Worker < b.Worker
	})
	return warnings
}

func flagSkew(warnings []summary.SliceWarning, level int, s sliceSkew) []summary.SliceWarning {
	for i := range warnings {
		if w := &warnings[i]; w.Level == level && w.Worker == s.worker {
			w.StartSkewMs = s.ms
			return warnings
		}
	}
	return append(warnings, summary.SliceWarning{Level: level, Worker: s.worker, StartSkewMs: s.ms})
}
