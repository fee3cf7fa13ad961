package workflow

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/llmbench/llmbench/shared/arrival"
	"github.com/llmbench/llmbench/shared/backoff"
	"github.com/llmbench/llmbench/shared/loadgen"
	"github.com/llmbench/llmbench/shared/plan"
	"github.com/llmbench/llmbench/shared/sample"
	"github.com/llmbench/llmbench/shared/spec"
	"github.com/llmbench/llmbench/shared/store"
	"github.com/llmbench/llmbench/shared/target"
)

// FlushMargin is how long before its context deadline a worker stops
// issuing, so that in-flight requests end and the samples are written
// before the Lambda is killed.
const FlushMargin = 20 * time.Second

// runSlice drives one slice and writes its samples. Every request issued
// becomes one row, errors and warm-up included. A failure to write samples
// is an error; a failing target is not (its failures are rows).
//
// Parts are written every sample.DefaultFlushInterval or PartRows rows,
// whichever comes first, so a worker killed mid-slice loses at most the
// last interval; onFlush hears of each part written (the slice record
// then says what is on disk).
func (w *Worker) runSlice(ctx context.Context, st store.Store, r *run, sl plan.Slice, day time.Time, rr roundRun, onFlush func(context.Context, sample.Flushed)) (*SliceResult, *RoundCarry, error) {
	s := r.spec
	if sl.LevelIndex < 0 || sl.LevelIndex >= len(r.plan.Levels) {
		return nil, nil, fmt.Errorf("workflow: slice of level index %d: the plan has %d levels", sl.LevelIndex, len(r.plan.Levels))
	}
	lv := r.plan.Levels[sl.LevelIndex]
	reqs, err := newRequests(s, r.plan, sl, r.prompts, r.tokens)
	if err != nil {
		return nil, nil, fmt.Errorf("workflow: level %d worker %d: %w", sl.LevelIndex, sl.Worker, err)
	}
	convs := newConversations(s, r.plan, sl, reqs)
	if err := convs.restore(rr.from); err != nil {
		return nil, nil, fmt.Errorf("workflow: level %d worker %d round %d: %w", sl.LevelIndex, sl.Worker, rr.round, err)
	}
	// Idle connections kept: the slice's streams, or (an uncapped rate level)
	// load.slice_concurrency.
	doer, err := w.target(ctx, s, max(sl.Concurrency, s.Load.SliceConcurrency))
	if err != nil {
		return nil, nil, fmt.Errorf("workflow: open target: %w", err)
	}
	defer doer.Close()

	start := sl.Start
	now := time.Now()
	res := &SliceResult{Level: sl.LevelIndex, Worker: sl.Worker, Round: rr.round}
	if start.IsZero() {
		start = now
	} else if late := now.Sub(start); late > 0 {
		res.LateMs = float64(late) / float64(time.Millisecond)
	}
	levelStart := now.Add(start.Sub(now)) // carries a monotonic reading
	// The instant the rows measure their times from (a round's: its start
	// less the level's time before it), on the wall clock.
	wall := start.Add(-rr.offset).UTC().Round(0)
	res.LevelStart = &wall

	// Stop issuing a margin before the deadline; cancel what is still in
	// flight half a margin later, leaving time to write.
	drain, reqCtx, stop := deadlineGuards(ctx, w.cfg.Drain, res)
	defer stop()

	// The timed writes run on the parent context: an interrupted slice
	// still writes its rows.
	parts := sample.StartParts(context.WithoutCancel(ctx), st, func(n int) string {
		return store.RoundSampleKey(day, sl.RunID, sl.LevelIndex, sl.Worker, rr.round, n)
	}, sample.PartsConfig{MaxRows: w.cfg.PartRows, Interval: w.cfg.FlushInterval, OnFlush: onFlush})
	// On an early return, stop the timer and write what is buffered; on
	// the normal path the Close below has done both, and this one is a
	// no-op.
	defer parts.Close(context.WithoutCancel(ctx))

	var counters *loadgen.Counters
	if w.cfg.Counters != nil {
		counters = w.cfg.Counters(sl.LevelIndex)
	}
	rate := levelRate(lv)
	var mu sync.Mutex
	var addErr error
	var first firstSend   // the slice's first request out (skew.go)
	var lastEnd time.Time // the end of its last request (the gap to the next round, rounds.go)
	// A round's rows measure their times from the level's start: the
	// round's start less the level's time before it.
	rowStart := levelStart.Add(-rr.offset)
	seqBase := rr.seqBase // set below for a rate level's round
	emit := func(is loadgen.Issued) {
		is.Seq += seqBase
		m := sample.Meta{
			RunID: sl.RunID, Level: sl.Level, Worker: sl.Worker, Seq: is.Seq, VU: is.VU, Round: rr.round,
			Warmup: is.Warmup, LevelStart: rowStart, Intended: is.Intended, Backoff: is.Backoff,
			LevelIndex: sl.LevelIndex, Mode: lv.Mode, Rate: rate, Queue: is.Queue,
			PromptID: reqs.promptID(is.Seq), ClientCount: reqs.clientCount(),
		}
		convs.meta(&m, is)
		row := sample.FromResult(m, is.Result)
		mu.Lock()
		first.see(is)
		if r := is.Result; r.Status != sample.StatusNotSent && r.End.After(lastEnd) {
			lastEnd = r.End
		}
		res.Requests++
		if is.Warmup {
			res.Warmup++
		}
		if is.Result.Status != sample.StatusOK {
			res.Errors++
		}
		mu.Unlock()
		// Add only fails when a full part cannot be written; the rows stay
		// buffered and the final Flush tries again.
		if err := parts.Add(ctx, row); err != nil {
			mu.Lock()
			addErr = err
			mu.Unlock()
		}
	}
	do := func(ctx context.Context, vu int, seq int64) *sample.Result {
		seq += seqBase
		var req target.Request
		var err error
		if convs != nil {
			req, err = convs.request(vu, seq)
		} else {
			req, _, err = reqs.make(seq)
		}
		if err != nil {
			return &sample.Result{Start: time.Now(), End: time.Now(), Status: sample.StatusProtocol, Err: "workflow: " + err.Error()}
		}
		return doer.Do(ctx, req)
	}
	cfg := loadgen.Config{
		// The one monotonic start the rows' intended_ms are measured from:
		// a second conversion of the wall-clock start would differ from it
		// by however much the wall clock was slewed or stepped in between.
		Start:          levelStart,
		Warmup:         s.Load.Warmup.D(),
		Duration:       s.Load.Duration.D(),
		Requests:       sl.Requests,
		RequestTimeout: s.Load.RequestTimeout.D(),
		Drain:          drain,
		Counters:       counters,
	}
	rr.configure(&cfg)
	carried := newCarrier(rr, max(sl.Concurrency, 1))
	ex, base, err := executor(s, lv, sl, cfg, convs.think(), rr, carried)
	if err != nil {
		return nil, nil, fmt.Errorf("workflow: level %d worker %d: %w", sl.LevelIndex, sl.Worker, err)
	}
	seqBase += base
	res.SeqBase = seqBase
	stopScrape := w.startScrape(ctx, st, s, sl, day, levelStart, rr.round) // telemetry.go
	err = ex.Execute(reqCtx, do, emit)
	res.Telemetry = stopScrape()
	if err != nil {
		return nil, nil, fmt.Errorf("workflow: level %d worker %d: %w", sl.LevelIndex, sl.Worker, err)
	}
	first.record(res, levelStart)
	if rr.rounds > 1 {
		res.FirstSendAt, res.LastEndAt = wallOf(first.start), wallOf(lastEnd)
	}
	// Write on the parent context: an interrupted run still keeps its rows.
	flushCtx := context.WithoutCancel(ctx)
	if err := parts.Close(flushCtx); err != nil {
		return res, nil, err
	}
	n, keys := parts.Written()
	res.Parts, res.Keys = len(keys), keys
	if n != res.Requests {
		return res, nil, fmt.Errorf("workflow: level %d worker %d: wrote %d rows for %d requests", sl.LevelIndex, sl.Worker, n, res.Requests)
	}
	if addErr != nil && n == 0 {
		return res, nil, addErr
	}
	var carry *RoundCarry
	if rr.rounds > 1 {
		carry = &RoundCarry{SeqEnd: seqBase + int64(res.Requests), Sessions: convs.state()}
		if carried != nil {
			carry.Users = carried.users
		}
	}
	return res, carry, nil
}

// executor builds the load model of a slice: a closed loop of virtual
// users (staggered along a concurrency ramp, backing off after errors as
// load.on_error says), or the worker's share of a rate level's arrival
// schedule (an arrival process does not back off).
//
// In a level of rounds (rounds.go) the closed loop resumes the previous
// round's users and hands its own on; the open loop sends the share's
// arrivals in the round's window, and base is how many came before it.
func executor(s *spec.Spec, lv plan.Level, sl plan.Slice, cfg loadgen.Config, think func(int, *sample.Result) time.Duration, rr roundRun, c *carrier) (ex loadgen.Executor, base int64, err error) {
	if lv.Mode != spec.ModeRate {
		cl := &loadgen.ClosedLoop{Config: cfg, Concurrency: sl.Concurrency, Think: think, Resume: rr.resume(), Carry: c.carry()}
		if s.Load.OnError != spec.OnErrorImmediate {
			cl.Backoff = backoff.Policy{}.Wait
		}
		if r := lv.Ramp; r != nil {
			ramp := r.Arrival()
			cl.StartAt = func(vu int) time.Duration { return arrival.UserStart(ramp, sl.Users+vu) }
		}
		return cl, 0, nil
	}
	share, err := arrival.NewShare(plan.ArrivalSpec(s, lv), sl.Worker, sl.Workers)
	if err != nil {
		return nil, 0, err
	}
	var arrivals loadgen.Arrivals = share
	if rr.rounds > 1 {
		arrivals, base = newWindow(share, rr.offset, rr.offset+rr.length)
	}
	return &loadgen.OpenLoop{Config: cfg, Arrivals: arrivals, MaxConcurrency: sl.Concurrency}, base, nil
}

// wallOf is t's wall clock in UTC, nil for the zero time.
func wallOf(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	w := t.UTC().Round(0)
	return &w
}

// syntheticDraw numbers a synthetic prompt within its level: the
// prompt of request seq of worker w is draw w·2³² + seq (workload's
// Prompt(level, w, seq)).
func syntheticDraw(worker int, seq int64) int64 { return int64(worker)<<32 | seq }

// levelRate is the asked rate a level's rows carry: its rate, or its
// ramp's end; 0 in mode concurrency.
func levelRate(lv plan.Level) float64 {
	if lv.Mode != spec.ModeRate {
		return 0
	}
	if lv.Ramp != nil {
		return lv.Ramp.To
	}
	return lv.Rate
}

// deadlineGuards derives the drain channel and the request context from
// ctx's deadline (a Lambda's) and the caller's drain channel.
func deadlineGuards(ctx context.Context, userDrain <-chan struct{}, res *SliceResult) (<-chan struct{}, context.Context, func()) {
	drain := make(chan struct{})
	reqCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	var once sync.Once
	closeDrain := func(why string) {
		once.Do(func() {
			if why != "" {
				res.Drained = why
			}
			close(drain)
		})
	}
	done := make(chan struct{})
	go func() {
		var soft, hard <-chan time.Time
		if dl, ok := ctx.Deadline(); ok {
			soft = time.After(time.Until(dl.Add(-FlushMargin)))
			hard = time.After(time.Until(dl.Add(-FlushMargin / 2)))
		}
		for {
			select {
			case <-userDrain:
				closeDrain("interrupted")
				userDrain = nil
			case <-soft:
				closeDrain("deadline")
				soft = nil
			case <-hard:
				cancel()
				return
			case <-ctx.Done():
				closeDrain("canceled")
				cancel()
				return
			case <-done:
				return
			}
		}
	}()
	return drain, reqCtx, func() { close(done); cancel() }
}
