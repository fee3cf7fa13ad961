package loadgen

import (
	"context"
	"errors"
	"runtime"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/llmbench/llmbench/shared/arrival"
	"github.com/llmbench/llmbench/shared/sample"
)

// offsets is a schedule of given offsets: arrival i at at[i]. pause, if
// set, is how long each Next takes (a schedule the scheduler waits for).
type offsets struct {
	at    []time.Duration
	next  int
	pause time.Duration
}

func (o *offsets) Next() (int64, time.Duration, bool) {
	if o.pause > 0 {
		time.Sleep(o.pause)
	}
	if o.next >= len(o.at) {
		return 0, 0, false
	}
	o.next++
	return int64(o.next - 1), o.at[o.next-1], true
}

// every returns n arrivals gap apart, the first at 0.
func every(gap time.Duration, n int) *offsets {
	o := &offsets{}
	for i := range n {
		o.at = append(o.at, time.Duration(i)*gap)
	}
	return o
}

// sorted returns the rows in arrival order.
func (c *collector) sorted() []Issued {
	c.mu.Lock()
	defer c.mu.Unlock()
	rows := slices.Clone(c.rows)
	slices.SortFunc(rows, func(a, b Issued) int { return int(a.Seq - b.Seq) })
	return rows
}

// checkRows fails unless rows are arrivals 0 … n-1 once each, in Seq and
// Index order from 0 (one executor owning the whole schedule).
func checkRows(t *testing.T, rows []Issued, n int) {
	t.Helper()
	if len(rows) != n {
		t.Fatalf("%d rows, want one per arrival: %d", len(rows), n)
	}
	for i, r := range rows {
		if r.Seq != int64(i) || r.Index != int64(i) {
			t.Fatalf("row %d: seq %d, index %d: want each arrival once, in order", i, r.Seq, r.Index)
		}
	}
}

// On a virtual clock the scheduler has no lag: every request goes out at
// exactly its intended instant, Start + offset, and the instants are the
// schedule's, for a hand-written one and for a worker's Poisson share.
func TestOpenLoopSendsOnSchedule(t *testing.T) {
	share := func() Arrivals {
		sh, err := arrival.NewShare(arrival.Spec{Rate: 200, Duration: time.Second, Seed: 7}, 1, 3)
		if err != nil {
			t.Fatal(err)
		}
		return sh
	}
	tests := []struct {
		name     string
		arrivals func() Arrivals
	}{
		{"constant", func() Arrivals { return every(10*time.Millisecond, 100) }},
		{"equal offsets", func() Arrivals { // two arrivals at one instant both go then
			return &offsets{at: []time.Duration{0, 0, 5 * time.Millisecond, 5 * time.Millisecond, 5 * time.Millisecond, 9 * time.Millisecond}}
		}},
		{"sub-millisecond gaps", func() Arrivals { return every(300*time.Microsecond, 200) }}, // a timer, then a spin of a quarter gap, each
		{"poisson share", share},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				// The want list is the same schedule walked on its own.
				var want []time.Duration
				var wantIdx []int64
				for src := tc.arrivals(); ; {
					i, at, ok := src.Next()
					if !ok {
						break
					}
					want, wantIdx = append(want, at), append(wantIdx, i)
				}
				f := &fakeTarget{delay: 25 * time.Millisecond}
				var c collector
				start := time.Now().Add(time.Second)
				ol := &OpenLoop{Config: Config{Start: start, Duration: time.Second}, Arrivals: tc.arrivals()}
				if err := ol.Execute(context.Background(), f.do, c.emit); err != nil {
					t.Fatal(err)
				}
				rows := c.sorted()
				if len(rows) != len(want) {
					t.Fatalf("%d rows, want %d arrivals", len(rows), len(want))
				}
				for k, r := range rows {
					at := start.Add(want[k])
					if r.Seq != int64(k) || r.Index != wantIdx[k] || !r.Intended.Equal(at) || !r.Result.Start.Equal(at) {
						t.Errorf("arrival %d (index %d, +%v): row seq %d index %d intended +%v sent +%v: want it sent at its instant",
							k, wantIdx[k], want[k], r.Seq, r.Index, r.Intended.Sub(start), r.Result.Start.Sub(start))
					}
					if r.Result.Status != sample.StatusOK || r.Queue != 0 || r.Warmup {
						t.Errorf("arrival %d: status %s, queue %v, warmup %v; want ok, 0, false", k, r.Result.Status, r.Queue, r.Warmup)
					}
				}
			})
		})
	}
}

// The scheduler is one goroutine: a long schedule costs no goroutine per
// future arrival, only one per request in flight.
func TestOpenLoopNoGoroutinePerArrival(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		before := runtime.NumGoroutine()
		f := &fakeTarget{delay: 500 * time.Microsecond}
		done := make(chan struct{})
		var peak int
		go func() {
			defer close(done)
			ol := &OpenLoop{Config: Config{Duration: time.Hour}, Arrivals: every(time.Millisecond, 10_000)}
			ol.Execute(context.Background(), f.do, func(Issued) {})
		}()
		for range 50 {
			time.Sleep(1777 * time.Microsecond)
			peak = max(peak, runtime.NumGoroutine()-before)
		}
		<-done
		// The executor's goroutine, the scheduler (the same), and at most one
		// request in flight, with a little room for the test's own.
		if peak > 4 {
			t.Errorf("%d goroutines above the start while 10,000 arrivals were pending", peak)
		}
	})
}

// With a cap of 2 against a server taking 100 ms, arrivals every 10 ms for
// 1 s: each slot serves a request back to back (20 sent), the queue wait
// of each sent arrival is its send minus its intended instant and grows,
// and the 80 arrivals that never got a slot are not_sent rows that waited
// until the level's end. Rows = arrivals.
func TestOpenLoopMaxConcurrency(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &fakeTarget{delay: 100 * time.Millisecond}
		var c collector
		var counters Counters
		start := time.Now()
		ol := &OpenLoop{
			Config:         Config{Duration: time.Second, Counters: &counters},
			Arrivals:       every(10*time.Millisecond, 100),
			MaxConcurrency: 2,
		}
		if err := ol.Execute(context.Background(), f.do, c.emit); err != nil {
			t.Fatal(err)
		}
		rows := c.sorted()
		checkRows(t, rows, 100)
		if m := f.maxSeen.Load(); m != 2 {
			t.Errorf("%d in flight at most, want the cap, 2", m)
		}
		end := start.Add(time.Second)
		var sent, notSent int
		for k, r := range rows {
			intended := start.Add(time.Duration(k) * 10 * time.Millisecond)
			if !r.Intended.Equal(intended) {
				t.Fatalf("arrival %d intended +%v, want +%v", k, r.Intended.Sub(start), intended.Sub(start))
			}
			if k < 20 {
				// Slot k%2 sends its (k/2)th request at 100 ms × k/2, the
				// second slot 10 ms after the first.
				at := start.Add(time.Duration(k/2)*100*time.Millisecond + time.Duration(k%2)*10*time.Millisecond)
				if r.Result.Status != sample.StatusOK || !r.Result.Start.Equal(at) || r.Queue != at.Sub(intended) || r.VU != k%2 {
					t.Errorf("arrival %d: %s at +%v, queue %v, vu %d; want ok at +%v after a queue of %v on slot %d",
						k, r.Result.Status, r.Result.Start.Sub(start), r.Queue, r.VU, at.Sub(start), at.Sub(intended), k%2)
				}
				sent++
				continue
			}
			res := r.Result
			if res.Status != sample.StatusNotSent || r.VU != -1 || !res.Start.Equal(intended) || !res.End.Equal(intended) ||
				r.Queue != end.Sub(intended) || !strings.Contains(res.Err, "no free slot") {
				t.Errorf("arrival %d: %s vu %d start +%v end +%v queue %v err %q; want not_sent, vu -1, at its intended +%v, having waited %v",
					k, res.Status, r.VU, res.Start.Sub(start), res.End.Sub(start), r.Queue, res.Err, intended.Sub(start), end.Sub(intended))
			}
			notSent++
		}
		if sent != 20 || notSent != 80 {
			t.Errorf("%d sent, %d not sent; want 20 and 80", sent, notSent)
		}
		if got := [4]int64{counters.Issued.Load(), counters.Done.Load(), counters.Errors.Load(), counters.InFlight.Load()}; got != [4]int64{20, 100, 80, 0} {
			t.Errorf("counters issued, done, errors, in flight = %v; want [20 100 80 0]", got)
		}
		if took := time.Since(start); took != 1010*time.Millisecond {
			t.Errorf("took %v, want 1.01 s: the level's end, then the last request sent (at 910 ms) ends", took)
		}
	})
}

// Without a cap a slow server (995 ms) gets every arrival on time: the
// requests in flight grow to rate × latency (100), none waits, rows =
// arrivals.
func TestOpenLoopNoCapSlowServer(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &fakeTarget{delay: 995 * time.Millisecond} // not 1 s: no request ends at the instant another is sent
		var c collector
		start := time.Now()
		ol := &OpenLoop{Config: Config{Duration: 2 * time.Second}, Arrivals: every(10*time.Millisecond, 200)}
		if err := ol.Execute(context.Background(), f.do, c.emit); err != nil {
			t.Fatal(err)
		}
		rows := c.sorted()
		checkRows(t, rows, 200)
		if m := f.maxSeen.Load(); m != 100 {
			t.Errorf("%d in flight at most, want 100 (100 req/s × 995 ms, rounded up)", m)
		}
		maxVU := 0
		for k, r := range rows {
			if r.Result.Status != sample.StatusOK || !r.Result.Start.Equal(r.Intended) || r.Queue != 0 {
				t.Errorf("arrival %d: %s sent %v after its instant, queue %v; want ok on time", k, r.Result.Status, r.Result.Start.Sub(r.Intended), r.Queue)
			}
			maxVU = max(maxVU, r.VU)
		}
		if maxVU != 99 {
			t.Errorf("slots numbered up to %d, want 99: one per request in flight at the peak", maxVU)
		}
		if took := time.Since(start); took != 2985*time.Millisecond {
			t.Errorf("took %v, want 2.985 s: the last arrival at 1.99 s plus its 995 ms", took)
		}
	})
}

// A scheduler that falls behind (here its schedule takes 30 ms per
// arrival, arrivals 10 ms apart) sends late, never queues (there is no
// cap), and when the level ends the arrivals it has not reached are
// not_sent rows: rows = arrivals still.
func TestOpenLoopBehind(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &fakeTarget{delay: time.Millisecond}
		var c collector
		src := every(10*time.Millisecond, 100)
		src.pause = 30 * time.Millisecond
		ol := &OpenLoop{Config: Config{Duration: time.Second}, Arrivals: src}
		if err := ol.Execute(context.Background(), f.do, c.emit); err != nil {
			t.Fatal(err)
		}
		rows := c.sorted()
		checkRows(t, rows, 100)
		var sent, notSent int
		lastLag := time.Duration(-1)
		for k, r := range rows {
			switch r.Result.Status {
			case sample.StatusOK:
				lag := r.Result.Start.Sub(r.Intended)
				if sent != k || lag <= lastLag || r.Queue != 0 {
					t.Errorf("arrival %d sent %v late (previous %v), queue %v: want sends in order, later and later, no queue", k, lag, lastLag, r.Queue)
				}
				lastLag = lag
				sent++
			case sample.StatusNotSent:
				if !strings.Contains(r.Result.Err, "behind") || r.Queue != 0 {
					t.Errorf("arrival %d: not sent with %q, queue %v; want the generator behind, no queue", k, r.Result.Err, r.Queue)
				}
				notSent++
			default:
				t.Errorf("arrival %d: status %s", k, r.Result.Status)
			}
		}
		// Taken every 30 ms from 30 ms: the 33 taken before 1 s are sent.
		if sent != 33 || notSent != 67 {
			t.Errorf("%d sent, %d not sent; want 33 and 67", sent, notSent)
		}
	})
}

// A drain or a cancellation cuts the level at its instant: the arrivals
// already due (waiting for the one slot) are not_sent rows, later ones are
// not rows at all; the request in flight finishes (drain) or is canceled.
func TestOpenLoopDrainAndCancel(t *testing.T) {
	tests := []struct {
		name     string
		cancel   bool
		inFlight sample.Status // the status of the one request sent
		why      string
	}{
		{"drain lets the request in flight finish", false, sample.StatusOK, "drained"},
		{"cancel cancels it", true, sample.StatusCanceled, "canceled"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				f := &fakeTarget{delay: 100 * time.Millisecond}
				var c collector
				drain := make(chan struct{})
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				stop := func() { close(drain) }
				if tc.cancel {
					stop = cancel
				}
				start := time.Now()
				time.AfterFunc(55*time.Millisecond, stop)
				ol := &OpenLoop{Config: Config{Duration: time.Hour, Drain: drain}, Arrivals: every(10*time.Millisecond, 1000), MaxConcurrency: 1}
				if err := ol.Execute(ctx, f.do, c.emit); err != nil {
					t.Fatal(err)
				}
				// Arrival 0 went at once; 1 … 5 (10 … 50 ms) waited for the
				// slot; 6 (60 ms) and later were still in the future.
				rows := c.sorted()
				checkRows(t, rows, 6)
				if s := rows[0].Result.Status; s != tc.inFlight {
					t.Errorf("the request in flight ended %s, want %s", s, tc.inFlight)
				}
				for k, r := range rows[1:] {
					k++
					waited := 55*time.Millisecond - time.Duration(k)*10*time.Millisecond
					if r.Result.Status != sample.StatusNotSent || r.Queue != waited || !strings.Contains(r.Result.Err, tc.why) {
						t.Errorf("arrival %d: %s after %v in line, %q; want not_sent after %v, saying %s", k, r.Result.Status, r.Queue, r.Result.Err, waited, tc.why)
					}
				}
				want := 100 * time.Millisecond // the request in flight ends
				if tc.cancel {
					want = 55 * time.Millisecond
				}
				if took := time.Since(start); took != want {
					t.Errorf("took %v, want %v", took, want)
				}
			})
		})
	}
	t.Run("overdue arrivals of a scheduler behind are rows", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			// The schedule takes 30 ms per arrival: at the drain, 55 ms, the
			// scheduler is taking arrival 1 (due at 10 ms), and sees the
			// drain at 60 ms. Arrivals 1 to 6, due by then, are not sent;
			// the rest are not rows.
			f := &fakeTarget{}
			var c collector
			drain := make(chan struct{})
			src := every(10*time.Millisecond, 1000)
			src.pause = 30 * time.Millisecond
			time.AfterFunc(55*time.Millisecond, func() { close(drain) })
			ol := &OpenLoop{Config: Config{Duration: time.Hour, Drain: drain}, Arrivals: src}
			if err := ol.Execute(context.Background(), f.do, c.emit); err != nil {
				t.Fatal(err)
			}
			rows := c.sorted()
			var got []sample.Status
			for _, r := range rows {
				got = append(got, r.Result.Status)
			}
			want := []sample.Status{sample.StatusOK, sample.StatusNotSent, sample.StatusNotSent, sample.StatusNotSent, sample.StatusNotSent, sample.StatusNotSent, sample.StatusNotSent}
			if !slices.Equal(got, want) {
				t.Errorf("statuses %v, want %v", got, want)
			}
		})
	})
	t.Run("drained before the start: nothing was due", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			var c collector
			drain := make(chan struct{})
			close(drain)
			ol := &OpenLoop{Config: Config{Start: time.Now().Add(time.Second), Duration: time.Second, Drain: drain}, Arrivals: every(time.Millisecond, 10)}
			if err := ol.Execute(context.Background(), (&fakeTarget{}).do, c.emit); err != nil {
				t.Fatal(err)
			}
			if len(c.rows) != 0 {
				t.Errorf("%d rows, want none", len(c.rows))
			}
		})
	})
}

// Warm-up is told by the intended instant, so an arrival meant for the
// warm-up but sent after it (it waited for a slot) stays warm-up; an
// arrival the schedule places at or past the level's end is outside the
// level: not a row.
func TestOpenLoopWarmup(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &fakeTarget{delay: 15 * time.Millisecond}
		var c collector
		start := time.Now().Add(30 * time.Millisecond)
		ol := &OpenLoop{
			Config:         Config{Start: start, Warmup: 50 * time.Millisecond, Duration: 100 * time.Millisecond},
			Arrivals:       every(10*time.Millisecond, 30), // 300 ms: twice the level
			MaxConcurrency: 1,
		}
		if err := ol.Execute(context.Background(), f.do, c.emit); err != nil {
			t.Fatal(err)
		}
		rows := c.sorted()
		checkRows(t, rows, 15)
		warmEnd := start.Add(50 * time.Millisecond)
		var lateWarm int
		for k, r := range rows {
			if !r.Intended.Equal(start.Add(time.Duration(k) * 10 * time.Millisecond)) {
				t.Errorf("arrival %d intended +%v", k, r.Intended.Sub(start))
			}
			if want := k < 5; r.Warmup != want {
				t.Errorf("arrival %d (+%v) warmup %v, want %v", k, r.Intended.Sub(start), r.Warmup, want)
			}
			if r.Warmup && r.Result.Status == sample.StatusOK && !r.Result.Start.Before(warmEnd) {
				lateWarm++
			}
		}
		if lateWarm == 0 {
			t.Error("no warm-up arrival was sent after the warm-up: the test no longer checks that case")
		}
	})
}

// Errors do not slow an arrival process: Backoff is not consulted, and a
// failing endpoint gets every arrival on time.
func TestOpenLoopIgnoresBackoff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fail := func(ctx context.Context, vu int, seq int64) *sample.Result {
			now := time.Now()
			return &sample.Result{Start: now, End: now, Status: sample.StatusHTTPError, HTTPStatus: 429, RetryAfter: time.Second}
		}
		var c collector
		consulted := false
		ol := &OpenLoop{Config: Config{Duration: time.Second, Backoff: func(*sample.Result, int) time.Duration {
			consulted = true
			return time.Second
		}}, Arrivals: every(10*time.Millisecond, 100)}
		if err := ol.Execute(context.Background(), fail, c.emit); err != nil {
			t.Fatal(err)
		}
		rows := c.sorted()
		checkRows(t, rows, 100)
		for k, r := range rows {
			if !r.Result.Start.Equal(r.Intended) || r.Backoff != 0 {
				t.Errorf("arrival %d sent %v late, backoff %v", k, r.Result.Start.Sub(r.Intended), r.Backoff)
			}
		}
		if consulted {
			t.Error("Backoff was consulted")
		}
	})
}

func TestOpenLoopRequestTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &fakeTarget{delay: time.Hour}
		var c collector
		ol := &OpenLoop{Config: Config{Requests: 4, RequestTimeout: 10 * time.Millisecond}, Arrivals: every(time.Millisecond, 4)}
		if err := ol.Execute(context.Background(), f.do, c.emit); err != nil {
			t.Fatal(err)
		}
		rows := c.sorted()
		checkRows(t, rows, 4)
		for _, r := range rows {
			if r.Result.Status != sample.StatusTimeout {
				t.Errorf("status %s, want timeout", r.Result.Status)
			}
		}
	})
}

func TestOpenLoopConfigErrors(t *testing.T) {
	tests := []struct {
		name string
		ol   OpenLoop
	}{
		{"no limit", OpenLoop{Arrivals: every(time.Millisecond, 1)}},
		{"no arrivals", OpenLoop{Config: Config{Duration: time.Second}}},
		{"negative cap", OpenLoop{Config: Config{Duration: time.Second}, Arrivals: every(time.Millisecond, 1), MaxConcurrency: -1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.ol.Execute(context.Background(), (&fakeTarget{}).do, func(Issued) { t.Error("emitted") })
			if err == nil {
				t.Fatal("no error")
			}
			if tc.name == "no limit" && !errors.Is(err, ErrNoLimit) {
				t.Errorf("err = %v, want ErrNoLimit", err)
			}
		})
	}
}
