package loadgen

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"time"

	"github.com/llmbench/llmbench/shared/sample"
)

// Arrivals is an open-loop schedule: Next returns the next arrival's index
// in its level's global sequence and its intended offset from
// Config.Start, offsets never decreasing, and ok false once the schedule
// has ended. *arrival.Share and *arrival.Schedule are Arrivals.
type Arrivals interface {
	Next() (i int64, at time.Duration, ok bool)
}

// OpenLoop sends a request at every arrival of a schedule, whatever the
// server's pace: a slow server gets more requests in flight (or, with
// MaxConcurrency, a growing queue), never fewer requests. Every arrival
// the level owns is emitted exactly once: sent, or with status
// sample.StatusNotSent.
//
// One scheduler goroutine sleeps until each arrival and spins off its
// request; no goroutine waits for a future arrival.
//
// Each Issued carries Intended = Start + the arrival's offset, Seq = the
// arrival's order within this executor (sent or not, from 0), Index = its
// index in the level's global sequence, Queue = its wait for a slot, and
// VU = the slot it was sent on (Do's vu): slots are reused, numbered from
// 0 up to the peak in flight minus one.
//
// Of Config, the level ends at Start+Warmup+Duration (with Duration set),
// an arrival is warm-up by its intended time, and RequestTimeout, Drain
// and Counters apply as in ClosedLoop. Requests is a budget the schedule
// counts (arrival.Spec.Requests): OpenLoop only checks that a limit is
// set. Backoff does not apply: an arrival process does not slow down for
// errors, and answering errors at the asked rate is the measurement.
type OpenLoop struct {
	Config
	Arrivals Arrivals
	// MaxConcurrency, if > 0, caps the requests in flight: an arrival
	// that finds the cap reached waits in line (first come, first sent)
	// for a free slot, its wait recorded in Issued.Queue. 0: no cap.
	MaxConcurrency int
}

var _ Executor = (*OpenLoop)(nil)

// spinFor is how long before a send the scheduler stops sleeping and
// spins, yielding, at most. Go's timers on Linux wake up to a millisecond
// late (the runtime's poller waits in whole milliseconds): a timer alone
// sends 0.6 ms late at the median. Waking up to a millisecond early and
// yielding until the instant takes that to tens of microseconds. The spin
// is also at most a quarter of the gap before the arrival, so it never
// takes more than a quarter of a core: at high rates, where gaps are short,
// the timer's lateness is traded for CPU (BenchmarkOpenLoopRate).
const spinFor = time.Millisecond

// Execute runs the schedule and returns when every arrival has been
// emitted: sent and ended, or not sent.
//
// What ends a level, and which arrivals are then rows:
//   - Start+Warmup+Duration: nothing is sent at or after it. Arrivals
//     still waiting for a slot, and those the scheduler had not yet
//     reached (it was behind), are not_sent rows. An arrival at or past
//     the level's end is outside the level and ends the schedule.
//   - Drain or ctx, during the level: the level is cut at the instant the
//     scheduler sees it. Arrivals already due (waiting for a slot, or
//     overdue) are not_sent rows; those still in the future belong to the
//     part of the level that did not run and are neither sent nor rows,
//     as a shorter Duration would have left them out. ctx also cancels
//     the requests in flight (rows with status canceled); a drain lets
//     them finish. Before Start, nothing was due: no rows.
//
// A not_sent row's Result has Start = End = the intended instant, so it
// sits where the schedule put it (its start_ms is its intended time; its
// sched_delay_ms is 0 and means nothing: read queue_ms), and Err says why
// it was not sent. Its VU is -1: it held no slot. Counters count it in
// Done and Errors, not in Issued.
func (o *OpenLoop) Execute(ctx context.Context, do Do, emit Emit) error {
	if o.Duration <= 0 && o.Requests <= 0 {
		return ErrNoLimit
	}
	if o.Arrivals == nil {
		return errors.New("loadgen: open loop without arrivals")
	}
	if o.MaxConcurrency < 0 {
		return fmt.Errorf("loadgen: max concurrency must be >= 0, got %d", o.MaxConcurrency)
	}
	start := o.Start
	if start.IsZero() {
		start = time.Now()
	}
	now := time.Now()
	start = now.Add(start.Sub(now)) // a monotonic reading, as in ClosedLoop
	if err := sleepUntil(ctx, o.Drain, start); err != nil {
		return nil // stopped before the start: nothing was due
	}
	r := &openRun{
		cfg: &o.Config, do: do, emit: emit, limit: o.MaxConcurrency,
		start: start, warmEnd: start.Add(o.Warmup), counters: o.Counters,
		freed: make(chan struct{}, 1),
	}
	if o.Duration > 0 {
		r.stopAt = r.warmEnd.Add(o.Duration)
	}
	if r.counters == nil {
		r.counters = new(Counters)
	}
	r.schedule(ctx, o.Arrivals)
	r.wg.Wait()
	return nil
}

// due is an arrival the scheduler has taken from the schedule.
type due struct {
	seq      int64
	index    int64
	intended time.Time
	spin     time.Duration // how long before intended to stop sleeping
	since    time.Time     // when it joined the line for a slot
}

type openRun struct {
	cfg      *Config
	do       Do
	emit     Emit
	limit    int // MaxConcurrency
	start    time.Time
	warmEnd  time.Time
	stopAt   time.Time // zero: no end but the schedule's
	counters *Counters
	seq      int64     // arrivals taken so far, by the scheduler alone
	last     time.Time // the intended instant of the last arrival taken
	wg       sync.WaitGroup

	mu       sync.Mutex
	free     []int // slots released, reused last in first out
	slots    int   // slots ever used: the peak in flight
	inFlight int
	freed    chan struct{} // a slot was released (capacity 1: a hint)
}

// schedule is the scheduler: it takes the arrivals in order, sends each
// at its instant or puts it in line for a slot, and gives up the rest
// when the level ends.
func (r *openRun) schedule(ctx context.Context, arrivals Arrivals) {
	timer := time.NewTimer(0)
	timer.Stop()
	var line []due // arrivals waiting for a slot, first come first
	next, more := r.take(arrivals)
	for {
		now := time.Now()
		if !r.stopAt.IsZero() && !now.Before(r.stopAt) {
			r.giveUp(line, now, "no free slot before the level ended")
			for more {
				r.notSent(next, 0, "the generator was behind: the level ended first")
				next, more = r.take(arrivals)
			}
			return
		}
		if why := r.stopped(ctx); why != "" {
			r.giveUp(line, now, why)
			for more && !next.intended.After(now) {
				r.notSent(next, 0, why)
				next, more = r.take(arrivals)
			}
			return
		}
		line = r.serve(ctx, line)
		if more && !next.intended.After(now) {
			if len(line) == 0 {
				if vu, ok := r.acquire(); ok {
					r.send(ctx, next, vu, 0)
					next, more = r.take(arrivals)
					continue
				}
			}
			next.since = now
			line = append(line, next)
			next, more = r.take(arrivals)
			continue
		}
		if !more && len(line) == 0 {
			return
		}
		r.wait(ctx, timer, next, more, len(line) > 0)
	}
}

// wait waits for the next arrival (more), spinning its last stretch if
// no arrival is in line; with one in line (queued), also for a free slot
// and for the level's end, which gives up the line. A drain or ctx ends
// it too.
func (r *openRun) wait(ctx context.Context, timer *time.Timer, next due, more, queued bool) {
	var wake time.Time
	if more {
		wake = next.intended
		if !queued {
			if time.Until(wake) <= next.spin {
				spinUntil(wake)
				return
			}
			wake = wake.Add(-next.spin)
		}
	}
	var freed <-chan struct{}
	if queued {
		freed = r.freed
		if !r.stopAt.IsZero() && (wake.IsZero() || r.stopAt.Before(wake)) {
			wake = r.stopAt
		}
	}
	var fire <-chan time.Time
	if !wake.IsZero() {
		timer.Reset(time.Until(wake))
		fire = timer.C
	}
	select {
	case <-fire:
	case <-freed:
	case <-r.cfg.Drain:
	case <-ctx.Done():
	}
	timer.Stop() // Go 1.23 timers: no stale value is left in C
}

// take returns the next arrival of the level, false at the schedule's end
// or at an arrival outside the level.
func (r *openRun) take(arrivals Arrivals) (due, bool) {
	i, at, ok := arrivals.Next()
	if !ok {
		return due{}, false
	}
	intended := r.start.Add(max(at, 0))
	if !r.stopAt.IsZero() && !intended.Before(r.stopAt) {
		return due{}, false
	}
	if r.last.IsZero() {
		r.last = r.start
	}
	d := due{seq: r.seq, index: i, intended: intended, spin: min(spinFor, intended.Sub(r.last)/4)}
	r.seq++
	r.last = intended
	return d, true
}

// stopped says why issuing must stop before the level's end, or "".
func (r *openRun) stopped(ctx context.Context) string {
	switch {
	case ctx.Err() != nil:
		return "the run was canceled"
	case closed(r.cfg.Drain):
		return "the level was drained"
	}
	return ""
}

// serve sends the arrivals at the head of the line while slots are free.
func (r *openRun) serve(ctx context.Context, line []due) []due {
	for len(line) > 0 {
		vu, ok := r.acquire()
		if !ok {
			break
		}
		r.send(ctx, line[0], vu, time.Since(line[0].since))
		line = line[1:]
	}
	if len(line) == 0 {
		return nil // let the backing array go
	}
	return line
}

// giveUp emits the arrivals of the line as not sent.
func (r *openRun) giveUp(line []due, now time.Time, why string) {
	for _, d := range line {
		r.notSent(d, now.Sub(d.since), why)
	}
}

func (r *openRun) notSent(d due, waited time.Duration, why string) {
	r.counters.Done.Add(1)
	r.counters.Errors.Add(1)
	res := &sample.Result{Start: d.intended, End: d.intended, Status: sample.StatusNotSent, Err: "loadgen: not sent: " + why}
	if waited > 0 {
		res.Err += fmt.Sprintf(" (waited %v for one of %d slots)", waited.Round(time.Microsecond), r.limit)
	}
	r.emit(Issued{VU: -1, Seq: d.seq, Index: d.index, Warmup: d.intended.Before(r.warmEnd), Intended: d.intended, Queue: waited, Result: res})
}

// send spins off the request of d on slot vu.
func (r *openRun) send(ctx context.Context, d due, vu int, queued time.Duration) {
	r.counters.Issued.Add(1)
	r.counters.InFlight.Add(1)
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		rctx, cancel := ctx, context.CancelFunc(func() {})
		if r.cfg.RequestTimeout > 0 {
			rctx, cancel = context.WithTimeout(ctx, r.cfg.RequestTimeout)
		}
		res := r.do(rctx, vu, d.seq)
		cancel()
		r.release(vu) // before emitting: the next in line need not wait for a slow emit
		r.counters.InFlight.Add(-1)
		r.counters.Done.Add(1)
		if res.Status != sample.StatusOK {
			r.counters.Errors.Add(1)
		} else {
			r.counters.OutputTokens.Add(int64(res.OutputTokens))
		}
		r.emit(Issued{VU: vu, Seq: d.seq, Index: d.index, Warmup: d.intended.Before(r.warmEnd), Intended: d.intended, Queue: queued, Result: res})
	}()
}

// acquire takes a free slot, false at the cap. A slot is a request in
// flight: its number is the Issued's VU, and slots run from 0 to the peak
// in flight minus one.
func (r *openRun) acquire() (int, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.limit > 0 && r.inFlight >= r.limit {
		return 0, false
	}
	r.inFlight++
	if n := len(r.free); n > 0 {
		vu := r.free[n-1]
		r.free = r.free[:n-1]
		return vu, true
	}
	r.slots++
	return r.slots - 1, true
}

func (r *openRun) release(vu int) {
	r.mu.Lock()
	r.inFlight--
	r.free = append(r.free, vu)
	r.mu.Unlock()
	select {
	case r.freed <- struct{}{}:
	default: // the scheduler has a wake-up pending already
	}
}

// spinUntil yields until t. A clock that does not move while it yields is
// virtual (testing/synctest) or coarse, and there it sleeps instead.
func spinUntil(t time.Time) {
	last := time.Now()
	for last.Before(t) {
		runtime.Gosched()
		now := time.Now()
		if !now.After(last) {
			time.Sleep(t.Sub(now))
			return
		}
		last = now
	}
}
