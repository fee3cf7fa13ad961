package loadgen

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/llmbench/llmbench/shared/sample"
)

// Do issues one request and measures it. It must always return a Result,
// whatever happens: a failure is a Result with an error status. ctx carries
// the per-request timeout.
type Do func(ctx context.Context, vu int, seq int64) *sample.Result

// Issued is one request as the executor saw it.
type Issued struct {
	VU       int
	Seq      int64     // issue order within this executor, from 0
	Warmup   bool      // issued during the warm-up
	Intended time.Time // when the schedule meant to issue it
	// Backoff is how long the virtual user waited after an error before
	// issuing this request (Config.Backoff).
	Backoff time.Duration
	// Think is how long the virtual user paused after its previous answer
	// before issuing this request (ClosedLoop.Think).
	Think time.Duration
	// Queue is how long an open-loop arrival waited for a free
	// OpenLoop.MaxConcurrency slot before it was sent, or, for one never
	// sent, before it was given up. It is part of the send's lateness
	// (Result.Start minus Intended). 0 in a closed loop.
	Queue time.Duration
	// Index is an open-loop arrival's index in its level's global
	// sequence (arrival i of all the workers'); 0 in a closed loop.
	Index  int64
	Result *sample.Result
}

// Emit receives each request once it has ended. It is called from many
// goroutines at once.
type Emit func(Issued)

// Executor drives load until its limits are reached or ctx ends.
type Executor interface {
	Execute(ctx context.Context, do Do, emit Emit) error
}

// Config is what every executor shares.
type Config struct {
	Start          time.Time     // when to begin; zero means now
	Warmup         time.Duration // flagged requests before the measured time
	Duration       time.Duration // measured time; 0 means until Requests are issued
	Requests       int           // measured requests to issue; 0 means until Duration ends
	RequestTimeout time.Duration // per request; 0 means none
	// Drain, when closed, stops the issuing of new requests; those in
	// flight finish normally.
	Drain <-chan struct{}
	// Counters, if set, is updated live for progress displays.
	Counters *Counters
	// Backoff, if set, says how long a virtual user waits after an answer
	// before its next request: res is the answer, streak the number of
	// errors in a row it ends (0 after a success). The wait is cut short
	// by the end of the level, a drain or ctx. nil: no wait.
	Backoff func(res *sample.Result, streak int) time.Duration
}

// ErrNoLimit is returned for a Config that would never stop.
var ErrNoLimit = errors.New("loadgen: neither Duration nor Requests is set")

// Counters are live figures of an executor, safe to read at any time.
type Counters struct {
	Issued       atomic.Int64
	Done         atomic.Int64
	Errors       atomic.Int64
	InFlight     atomic.Int64
	OutputTokens atomic.Int64 // output tokens of finished ok requests
}

// ClosedLoop keeps Concurrency requests in flight.
type ClosedLoop struct {
	Config
	Concurrency int
	// StartAt, if set, staggers the virtual users (a ramp): user vu
	// starts at Start + StartAt(vu), its first request intended then. A
	// user due at or after the level's end never starts. nil: all start
	// at Start.
	StartAt func(vu int) time.Duration
	// Think, if set, says how long virtual user vu pauses after the
	// answer res before its next request, apart from any back-off (a
	// conversation's think time, package session). It is called once per
	// answer, after its Emit, from the user's goroutine. The next request
	// is intended at the answer's end plus the pause, so sched_delay
	// stays the generator's own lateness. nil: no pause.
	Think func(vu int, res *sample.Result) time.Duration
	// Resume, if set, continues each virtual user from an earlier run of
	// the same users (a level's previous round): user vu's first request
	// is due at Start + Due, its row carrying that Think and Backoff, and
	// its error streak goes on. A user due at or after the level's end
	// does not start (Carry hears of it again). It takes the place of
	// StartAt. nil: every user starts afresh.
	Resume func(vu int) Carried
	// Carry, if set, hears of each virtual user that stops at the level's
	// end (not at a drain, ctx's end or the request budget): when its next
	// request falls due, after that end. It is called once per such user,
	// from its goroutine, after its last Emit.
	Carry func(vu int, c Carried)
}

// Carried is where a virtual user stands at the end of a level, for a
// later run of the same users (Resume): its next request is due Due after
// the end (0: at once), and that instant includes a think time Think and
// a back-off Backoff after Streak errors in a row.
type Carried struct {
	Due, Think, Backoff time.Duration
	Streak              int
}

var _ Executor = (*ClosedLoop)(nil)

// Execute runs the virtual users and returns when all have stopped and
// every issued request has been emitted.
func (c *ClosedLoop) Execute(ctx context.Context, do Do, emit Emit) error {
	if c.Duration <= 0 && c.Requests <= 0 {
		return ErrNoLimit
	}
	if c.Concurrency <= 0 {
		return errors.New("loadgen: concurrency must be > 0")
	}
	start := c.Start
	if start.IsZero() {
		start = time.Now()
	}
	// Re-anchor the instant on the monotonic clock: an instant decoded from
	// JSON has only a wall reading, and later comparisons must not jump
	// with the wall clock.
	now := time.Now()
	start = now.Add(start.Sub(now))
	if err := sleepUntil(ctx, c.Drain, start); err != nil {
		return nil // stopped before the start: nothing was issued
	}
	warmEnd := start.Add(c.Warmup)
	var stopAt time.Time
	if c.Duration > 0 {
		stopAt = warmEnd.Add(c.Duration)
	}

	s := &loop{cfg: &c.Config, do: do, emit: emit, think: c.Think, carryTo: c.Carry, warmEnd: warmEnd, stopAt: stopAt, counters: c.Counters}
	if s.counters == nil {
		s.counters = new(Counters)
	}
	var wg sync.WaitGroup
	for vu := 0; vu < c.Concurrency; vu++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			at := start
			var from Carried
			switch {
			case c.Resume != nil:
				from = c.Resume(vu)
				at = start.Add(max(from.Due, 0))
			case c.StartAt != nil:
				at = start.Add(max(c.StartAt(vu), 0))
			}
			if at != start {
				if !stopAt.IsZero() && !at.Before(stopAt) {
					from.Due = at.Sub(stopAt)
					s.carry(vu, from)
					return
				}
				if sleepUntil(ctx, c.Drain, at) != nil {
					return
				}
			}
			s.user(ctx, vu, at, from)
		}()
	}
	wg.Wait()
	return nil
}

type loop struct {
	cfg      *Config
	do       Do
	emit     Emit
	think    func(vu int, res *sample.Result) time.Duration
	carryTo  func(vu int, c Carried)
	warmEnd  time.Time
	stopAt   time.Time
	counters *Counters
	seq      atomic.Int64
	measured atomic.Int64
}

// user is one virtual user: issue, wait for the end, issue again (after
// a back-off, if the answer was an error and the config asks for one).
func (s *loop) user(ctx context.Context, vu int, intended time.Time, from Carried) {
	var (
		streak = from.Streak  // errors in a row
		waited = from.Backoff // the back-off before the next request
		paused = from.Think   // the think time before the next request
	)
	for {
		if ctx.Err() != nil || closed(s.cfg.Drain) {
			return
		}
		now := time.Now()
		if !s.stopAt.IsZero() && !now.Before(s.stopAt) {
			s.carry(vu, Carried{Due: max(intended.Sub(s.stopAt), 0), Think: paused, Backoff: waited, Streak: streak})
			return
		}
		warm := now.Before(s.warmEnd)
		if !warm && s.cfg.Requests > 0 && s.measured.Add(1) > int64(s.cfg.Requests) {
			return
		}
		seq := s.seq.Add(1) - 1
		s.counters.Issued.Add(1)
		s.counters.InFlight.Add(1)

		rctx, cancel := ctx, context.CancelFunc(func() {})
		if s.cfg.RequestTimeout > 0 {
			rctx, cancel = context.WithTimeout(ctx, s.cfg.RequestTimeout)
		}
		res := s.do(rctx, vu, seq)
		cancel()

		s.counters.InFlight.Add(-1)
		s.counters.Done.Add(1)
		if res.Status != sample.StatusOK {
			s.counters.Errors.Add(1)
		} else {
			s.counters.OutputTokens.Add(int64(res.OutputTokens))
		}
		s.emit(Issued{VU: vu, Seq: seq, Warmup: warm, Intended: intended, Backoff: waited, Think: paused, Result: res})
		// In a closed loop the next request is meant to go out the moment
		// this one ended, or its think time or back-off did.
		intended = res.End
		if intended.IsZero() {
			intended = time.Now()
		}
		waited, paused = 0, 0
		if res.Status == sample.StatusOK {
			streak = 0
		} else {
			streak++
		}
		if s.think != nil {
			if d := s.think(vu, res); d > 0 {
				paused = d
				if !s.wait(ctx, &intended, d) {
					s.carryAfterWait(ctx, vu, intended, Carried{Think: paused, Streak: streak})
					return
				}
			}
		}
		if s.cfg.Backoff == nil {
			continue
		}
		if d := s.cfg.Backoff(res, streak); d > 0 {
			waited = d
			if !s.wait(ctx, &intended, d) {
				s.carryAfterWait(ctx, vu, intended, Carried{Think: paused, Backoff: waited, Streak: streak})
				return
			}
		}
	}
}

// wait moves the intended instant of a user's next request d later and
// sleeps until it. It reports false when the user is done: ctx ended, the
// drain closed, or the instant falls at or after the level's end (the
// user then waits out the level, and sends nothing more: a pause cut
// short must not let a request out just before the end).
func (s *loop) wait(ctx context.Context, intended *time.Time, d time.Duration) bool {
	*intended = intended.Add(d)
	if !s.stopAt.IsZero() && !intended.Before(s.stopAt) {
		_ = sleepUntil(ctx, s.cfg.Drain, s.stopAt)
		return false
	}
	return sleepUntil(ctx, s.cfg.Drain, *intended) == nil
}

// carry hands a user's state at the level's end to ClosedLoop.Carry.
func (s *loop) carry(vu int, c Carried) {
	if s.carryTo != nil && !s.stopAt.IsZero() {
		s.carryTo(vu, c)
	}
}

// carryAfterWait carries a user whose pause ran into the level's end
// (wait returned false for its instant, not for ctx or a drain).
func (s *loop) carryAfterWait(ctx context.Context, vu int, intended time.Time, c Carried) {
	if ctx.Err() != nil || closed(s.cfg.Drain) || s.stopAt.IsZero() || intended.Before(s.stopAt) {
		return
	}
	c.Due = intended.Sub(s.stopAt)
	s.carry(vu, c)
}

func closed(ch <-chan struct{}) bool {
	if ch == nil {
		return false
	}
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// sleepUntil waits for t, returning early with an error if ctx ends or
// drain closes.
func sleepUntil(ctx context.Context, drain <-chan struct{}, t time.Time) error {
	d := time.Until(t)
	if d <= 0 {
		return nil
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-drain:
		return errors.New("loadgen: drained before start")
	}
}
