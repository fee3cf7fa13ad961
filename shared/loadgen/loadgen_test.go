package loadgen

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/llmbench/llmbench/shared/sample"
)

// fakeTarget answers after a delay and tracks how many requests are in
// flight at once. It honours ctx like a real client: a cancelled request
// ends with status canceled or timeout.
type fakeTarget struct {
	delay    time.Duration
	inFlight atomic.Int64
	maxSeen  atomic.Int64
	issued   atomic.Int64
}

func (f *fakeTarget) do(ctx context.Context, vu int, seq int64) *sample.Result {
	f.issued.Add(1)
	n := f.inFlight.Add(1)
	defer f.inFlight.Add(-1)
	for {
		m := f.maxSeen.Load()
		if n <= m || f.maxSeen.CompareAndSwap(m, n) {
			break
		}
	}
	r := &sample.Result{Start: time.Now(), OutputTokens: 1}
	select {
	case <-time.After(f.delay):
		r.Status = sample.StatusOK
	case <-ctx.Done():
		r.Status = sample.StatusCanceled
		if ctx.Err() == context.DeadlineExceeded {
			r.Status = sample.StatusTimeout
		}
	}
	r.End = time.Now()
	return r
}

type collector struct {
	mu   sync.Mutex
	rows []Issued
}

func (c *collector) emit(i Issued) {
	c.mu.Lock()
	c.rows = append(c.rows, i)
	c.mu.Unlock()
}

func (c *collector) count(warmup bool) (n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, r := range c.rows {
		if r.Warmup == warmup {
			n++
		}
	}
	return n
}

func TestClosedLoopRequestBudget(t *testing.T) {
	tests := []struct {
		name        string
		concurrency int
		requests    int
	}{
		{"one user", 1, 20},                       // strictly sequential
		{"budget not a multiple of users", 7, 50}, // the last round is partial: no overshoot
		{"more users than requests", 64, 10},      // never more than the budget
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				f := &fakeTarget{delay: 2 * time.Millisecond}
				var c collector
				cl := &ClosedLoop{Concurrency: tc.concurrency, Config: Config{Requests: tc.requests}}
				if err := cl.Execute(context.Background(), f.do, c.emit); err != nil {
					t.Fatal(err)
				}
				if got := len(c.rows); got != tc.requests || f.issued.Load() != int64(tc.requests) {
					t.Errorf("emitted %d, issued %d; want %d each", got, f.issued.Load(), tc.requests)
				}
				if max := f.maxSeen.Load(); max > int64(tc.concurrency) {
					t.Errorf("%d requests in flight at once, above the concurrency %d", max, tc.concurrency)
				}
				seqs := map[int64]bool{}
				for _, r := range c.rows {
					if seqs[r.Seq] {
						t.Errorf("seq %d emitted twice", r.Seq)
					}
					seqs[r.Seq] = true
				}
			})
		})
	}
}

func TestClosedLoopHoldsConcurrency(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// With N users the target sees exactly N in flight: never more, and it
		// gets there (no batch barrier that waits for the slowest).
		f := &fakeTarget{delay: 3 * time.Millisecond}
		var c collector
		cl := &ClosedLoop{Concurrency: 16, Config: Config{Duration: 200 * time.Millisecond}}
		var samples, atN atomic.Int64
		stop := make(chan struct{})
		go func() {
			// Half a millisecond off the requests' 3 ms rhythm: no sample
			// falls on the instant a request ends and the next begins.
			time.Sleep(500 * time.Microsecond)
			tick := time.NewTicker(time.Millisecond)
			defer tick.Stop()
			for {
				select {
				case <-stop:
					return
				case <-tick.C:
					// Sample the target's view, only while the loop is issuing.
					samples.Add(1)
					if f.inFlight.Load() == 16 {
						atN.Add(1)
					}
				}
			}
		}()
		if err := cl.Execute(context.Background(), f.do, c.emit); err != nil {
			t.Fatal(err)
		}
		close(stop)
		if max := f.maxSeen.Load(); max != 16 {
			t.Errorf("max in flight = %d, want exactly 16", max)
		}
		if int64(len(c.rows)) != f.issued.Load() {
			t.Errorf("emitted %d of %d issued", len(c.rows), f.issued.Load())
		}
		// Between a response and the next request there is only the loop's own
		// overhead (none, on the virtual clock), so every sample while the
		// loop issues sees all 16 in flight.
		if frac := float64(atN.Load()) / float64(samples.Load()); frac < 0.95 {
			t.Errorf("only %.0f%% of samples saw 16 in flight", 100*frac)
		}
	})
}

func TestClosedLoopWarmupAndDuration(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &fakeTarget{delay: 5 * time.Millisecond}
		var c collector
		start := time.Now().Add(30 * time.Millisecond)
		cl := &ClosedLoop{Concurrency: 4, Config: Config{Start: start, Warmup: 50 * time.Millisecond, Duration: 100 * time.Millisecond}}
		if err := cl.Execute(context.Background(), f.do, c.emit); err != nil {
			t.Fatal(err)
		}
		if c.count(true) == 0 || c.count(false) == 0 {
			t.Fatalf("warm-up rows %d, measured rows %d: want both", c.count(true), c.count(false))
		}
		warmEnd, stopAt := start.Add(50*time.Millisecond), start.Add(150*time.Millisecond)
		for _, r := range c.rows {
			if r.Result.Start.Before(start) {
				t.Errorf("request issued %v before the start instant", start.Sub(r.Result.Start))
			}
			if r.Warmup != r.Result.Start.Before(warmEnd) {
				t.Errorf("request at +%v flagged warmup=%v", r.Result.Start.Sub(start), r.Warmup)
			}
			if !r.Result.Start.Before(stopAt) {
				t.Errorf("request issued at +%v, after the measured time ended", r.Result.Start.Sub(start))
			}
			if r.Result.Status != sample.StatusOK {
				t.Errorf("in-flight request at the end was not let finish: %s", r.Result.Status)
			}
		}
	})
}

func TestClosedLoopDrainAndCancel(t *testing.T) {
	t.Run("drain lets in-flight finish", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			f := &fakeTarget{delay: 50 * time.Millisecond}
			var c collector
			drain := make(chan struct{})
			cl := &ClosedLoop{Concurrency: 8, Config: Config{Duration: time.Hour, Drain: drain}}
			time.AfterFunc(20*time.Millisecond, func() { close(drain) })
			if err := cl.Execute(context.Background(), f.do, c.emit); err != nil {
				t.Fatal(err)
			}
			if len(c.rows) != 8 || f.issued.Load() != 8 {
				t.Fatalf("emitted %d, issued %d; want 8 each", len(c.rows), f.issued.Load())
			}
			for _, r := range c.rows {
				if r.Result.Status != sample.StatusOK {
					t.Errorf("drained request ended %s, want ok", r.Result.Status)
				}
			}
		})
	})
	t.Run("cancel ends in-flight as canceled and keeps their rows", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			f := &fakeTarget{delay: time.Hour}
			var c collector
			ctx, cancel := context.WithCancel(context.Background())
			cl := &ClosedLoop{Concurrency: 5, Config: Config{Duration: time.Hour}}
			time.AfterFunc(20*time.Millisecond, cancel)
			if err := cl.Execute(ctx, f.do, c.emit); err != nil {
				t.Fatal(err)
			}
			if len(c.rows) != 5 {
				t.Fatalf("emitted %d rows, want 5", len(c.rows))
			}
			for _, r := range c.rows {
				if r.Result.Status != sample.StatusCanceled {
					t.Errorf("status %s, want canceled", r.Result.Status)
				}
			}
		})
	})
	t.Run("request timeout", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			f := &fakeTarget{delay: time.Hour}
			var c collector
			cl := &ClosedLoop{Concurrency: 2, Config: Config{Requests: 4, RequestTimeout: 10 * time.Millisecond}}
			if err := cl.Execute(context.Background(), f.do, c.emit); err != nil {
				t.Fatal(err)
			}
			if len(c.rows) != 4 {
				t.Fatalf("emitted %d rows, want 4", len(c.rows))
			}
			for _, r := range c.rows {
				if r.Result.Status != sample.StatusTimeout {
					t.Errorf("status %s, want timeout", r.Result.Status)
				}
			}
		})
	})
}

func TestClosedLoopNeedsALimit(t *testing.T) {
	cl := &ClosedLoop{Concurrency: 1}
	if err := cl.Execute(context.Background(), (&fakeTarget{}).do, func(Issued) {}); err != ErrNoLimit {
		t.Fatalf("err = %v, want ErrNoLimit", err)
	}
}

// TestClosedLoopBacksOff: against an endpoint that answers 429 with
// Retry-After: 1 at once, 4 users over 6 s send 4 × 6 requests, each after
// the first waiting the server's second (recorded in Backoff, and in the
// intended time), not one request per microsecond. The last wait is cut at
// the level's end.
func TestClosedLoopBacksOff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		throttle := func(ctx context.Context, vu int, seq int64) *sample.Result {
			now := time.Now()
			return &sample.Result{Start: now, End: now, Status: sample.StatusHTTPError, HTTPStatus: 429, RetryAfter: time.Second}
		}
		var c collector
		var streaks []int
		var mu sync.Mutex
		cl := &ClosedLoop{Concurrency: 4, Config: Config{Duration: 6 * time.Second, Backoff: func(res *sample.Result, streak int) time.Duration {
			mu.Lock()
			streaks = append(streaks, streak)
			mu.Unlock()
			return res.RetryAfter
		}}}
		start := time.Now()
		if err := cl.Execute(context.Background(), throttle, c.emit); err != nil {
			t.Fatal(err)
		}
		if len(c.rows) != 24 {
			t.Fatalf("%d requests, want 4 users x 6 s / 1 s = 24", len(c.rows))
		}
		for _, r := range c.rows {
			wantWait := time.Second
			if r.Result.Start.Equal(start) {
				wantWait = 0 // each user's first request
			}
			if r.Backoff != wantWait || !r.Intended.Equal(r.Result.Start) {
				t.Errorf("request at +%v: backoff %v, intended +%v; want %v and its start", r.Result.Start.Sub(start), r.Backoff, r.Intended.Sub(start), wantWait)
			}
		}
		if took := time.Since(start); took != 6*time.Second {
			t.Errorf("the level took %v: the last back-off must end with the level, at 6 s", took)
		}
		if maxStreak := slices.Max(streaks); maxStreak != 6 {
			t.Errorf("longest error streak %d, want 6 (one per request of a user)", maxStreak)
		}
	})
}

// TestClosedLoopThinks: a think time pauses a user after an answer: its
// next request is intended, and sent, at the answer's end plus the pause,
// which its Issued records; a pause is cut at the level's end, and the
// hook sees every answer once, after its Emit.
func TestClosedLoopThinks(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		do := func(ctx context.Context, vu int, seq int64) *sample.Result {
			start := time.Now()
			time.Sleep(100 * time.Millisecond)
			return &sample.Result{Start: start, End: time.Now(), Status: sample.StatusOK}
		}
		var c collector
		var mu sync.Mutex
		seen := 0
		cl := &ClosedLoop{Concurrency: 2, Config: Config{Duration: time.Second}, Think: func(vu int, res *sample.Result) time.Duration {
			mu.Lock()
			defer mu.Unlock()
			seen++
			c.mu.Lock()
			emitted := len(c.rows)
			c.mu.Unlock()
			if seen > emitted {
				t.Errorf("think hook called for answer %d before its Emit (%d emitted)", seen, emitted)
			}
			return 200 * time.Millisecond
		}}
		start := time.Now()
		if err := cl.Execute(context.Background(), do, c.emit); err != nil {
			t.Fatal(err)
		}
		// Each user: request at 0, 300, 600, 900 ms (100 ms answer + 200 ms pause).
		if len(c.rows) != 8 || seen != 8 {
			t.Fatalf("%d requests, %d think calls; want 2 users x 4 (a request every 300 ms over 1 s)", len(c.rows), seen)
		}
		for _, r := range c.rows {
			at := r.Result.Start.Sub(start)
			want := 200 * time.Millisecond
			if at == 0 {
				want = 0
			}
			if r.Think != want || !r.Intended.Equal(r.Result.Start) || at%(300*time.Millisecond) != 0 {
				t.Errorf("request at +%v: think %v, intended +%v; want a start on a 300 ms step, think %v, intended then", at, r.Think, r.Intended.Sub(start), want)
			}
		}
		if took := time.Since(start); took != time.Second {
			t.Errorf("the level took %v: the last pause must end with the level, at 1 s", took)
		}
	})
}

// TestClosedLoopPauseAtTheEnd: a think time or back-off that would end at
// or after the level's end sends nothing more, even when the answer's
// Emit took a while (a pause cut to the time left would let a request out
// just before the end).
func TestClosedLoopPauseAtTheEnd(t *testing.T) {
	for _, kind := range []string{"think", "backoff"} {
		t.Run(kind, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				do := func(ctx context.Context, vu int, seq int64) *sample.Result {
					start := time.Now()
					time.Sleep(100 * time.Millisecond)
					return &sample.Result{Start: start, End: time.Now(), Status: sample.StatusHTTPError}
				}
				var c collector
				slowEmit := func(is Issued) { time.Sleep(30 * time.Millisecond); c.emit(is) }
				pause := func() time.Duration { return 250 * time.Millisecond }
				cl := &ClosedLoop{Concurrency: 1, Config: Config{Duration: time.Second}}
				if kind == "think" {
					cl.Think = func(int, *sample.Result) time.Duration { return pause() }
				} else {
					cl.Backoff = func(*sample.Result, int) time.Duration { return pause() }
				}
				start := time.Now()
				if err := cl.Execute(context.Background(), do, slowEmit); err != nil {
					t.Fatal(err)
				}
				// Requests at 0, 350 and 700 ms; the third's pause would end at 1050.
				var at []time.Duration
				for _, r := range c.rows {
					at = append(at, r.Result.Start.Sub(start))
				}
				if fmt.Sprint(at) != "[0s 350ms 700ms]" {
					t.Errorf("requests at %v, want [0s 350ms 700ms]", at)
				}
				if took := time.Since(start); took != time.Second {
					t.Errorf("the level took %v, want its 1 s", took)
				}
			})
		})
	}
}

// TestClosedLoopSuccessResetsStreak: the streak a back-off sees counts
// errors in a row and starts again after a success.
func TestClosedLoopSuccessResetsStreak(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		statuses := []sample.Status{sample.StatusTransport, sample.StatusTransport, sample.StatusOK, sample.StatusTransport}
		do := func(ctx context.Context, vu int, seq int64) *sample.Result {
			now := time.Now()
			return &sample.Result{Start: now, End: now, Status: statuses[seq]}
		}
		var got []int
		cl := &ClosedLoop{Concurrency: 1, Config: Config{Requests: 4, Backoff: func(res *sample.Result, streak int) time.Duration {
			got = append(got, streak)
			return time.Millisecond
		}}}
		var c collector
		if err := cl.Execute(context.Background(), do, c.emit); err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(got) != "[1 2 0 1]" {
			t.Errorf("streaks %v, want [1 2 0 1]", got)
		}
	})
}

// TestClosedLoopRampsUsers: with StartAt, each virtual user's first
// request is intended, and sent, at its own start; users due after the
// level's end never start.
func TestClosedLoopRampsUsers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &fakeTarget{delay: 10 * time.Millisecond}
		var c collector
		start := time.Now()
		cl := &ClosedLoop{Concurrency: 5, Config: Config{Start: start, Duration: 100 * time.Millisecond},
			StartAt: func(vu int) time.Duration { return time.Duration(vu) * 30 * time.Millisecond }}
		if err := cl.Execute(context.Background(), f.do, c.emit); err != nil {
			t.Fatal(err)
		}
		first := map[int]time.Time{}
		for _, r := range c.rows {
			if t0, ok := first[r.VU]; !ok || r.Intended.Before(t0) {
				first[r.VU] = r.Intended
			}
		}
		if len(first) != 4 {
			t.Fatalf("%d users issued, want 4 (user 4 is due at 120 ms, after the 100 ms level)", len(first))
		}
		for vu, t0 := range first {
			if want := start.Add(time.Duration(vu) * 30 * time.Millisecond); !t0.Equal(want) {
				t.Errorf("user %d first intended at %v, want %v", vu, t0.Sub(start), want.Sub(start))
			}
		}
		if max := f.maxSeen.Load(); max != 4 {
			t.Errorf("max in flight %d, want 4", max)
		}
	})
}
