package loadgen

import (
	"context"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/llmbench/llmbench/shared/sample"
)

// TestClosedLoopCarriesUsers: at the level's end (a round's) each user
// hands on when its next request falls due, and a later run of the same
// users resumes from it (Resume), in virtual time. Figures by hand: 1 s
// levels, one user.
func TestClosedLoopCarriesUsers(t *testing.T) {
	for _, c := range []struct {
		name    string
		answer  time.Duration // each request's duration
		think   time.Duration
		from    *Carried      // Resume's, for the user
		sends   int           // requests issued in the level
		first   time.Duration // the first request's intended offset
		want    Carried       // what Carry hears
		carried bool
	}{
		// Requests at 0, 300, 600, 900 ms; the last answer ends at 1 s and
		// its 200 ms pause runs past the end: due 200 ms after it.
		{"pause past the end", 100 * time.Millisecond, 200 * time.Millisecond, nil, 4, 0, Carried{Due: 200 * time.Millisecond, Think: 200 * time.Millisecond}, true},
		// Requests every 130 ms; the 8th (at 910 ms) is in flight at the end
		// and ends at 1,040 ms: the next is due 40 ms after the end.
		{"in flight at the end", 130 * time.Millisecond, 0, nil, 8, 0, Carried{Due: 40 * time.Millisecond}, true},
		// Resumed 200 ms into its pause (think 200 ms, a streak of 2): its
		// first request goes out at 200 ms, carrying the pause; then every
		// 100 ms up to 900 ms: 8 requests, the last ending at 1 s.
		{"resumed", 100 * time.Millisecond, 0, &Carried{Due: 200 * time.Millisecond, Think: 200 * time.Millisecond, Streak: 2}, 8, 200 * time.Millisecond, Carried{}, true},
		// Due after the whole level: it sends nothing and is carried on,
		// the level's length nearer.
		{"due past the level", 100 * time.Millisecond, 0, &Carried{Due: 1300 * time.Millisecond, Think: 1300 * time.Millisecond}, 0, 0, Carried{Due: 300 * time.Millisecond, Think: 1300 * time.Millisecond}, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				do := func(ctx context.Context, vu int, seq int64) *sample.Result {
					start := time.Now()
					time.Sleep(c.answer)
					return &sample.Result{Start: start, End: time.Now(), Status: sample.StatusOK}
				}
				var col collector
				var mu sync.Mutex
				var got Carried
				calls := 0
				cl := &ClosedLoop{Concurrency: 1, Config: Config{Duration: time.Second},
					Carry: func(vu int, cd Carried) { mu.Lock(); got = cd; calls++; mu.Unlock() }}
				if c.think > 0 {
					cl.Think = func(int, *sample.Result) time.Duration { return c.think }
				}
				if c.from != nil {
					cl.Resume = func(int) Carried { return *c.from }
				}
				start := time.Now()
				if err := cl.Execute(context.Background(), do, col.emit); err != nil {
					t.Fatal(err)
				}
				if len(col.rows) != c.sends {
					t.Fatalf("%d requests, want %d", len(col.rows), c.sends)
				}
				if c.sends > 0 {
					r := col.rows[0]
					if r.Intended.Sub(start) != c.first || c.from != nil && r.Think != c.from.Think {
						t.Errorf("first request intended +%v with think %v, want +%v", r.Intended.Sub(start), r.Think, c.first)
					}
				}
				if calls != 1 || got != c.want {
					t.Errorf("Carry called %d times with %+v, want once with %+v", calls, got, c.want)
				}
			})
		})
	}
}
