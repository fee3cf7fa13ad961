package arrival

import (
	"fmt"
	"math"
	"testing"
	"time"
)

// arrival is one entry of a schedule.
type arrival struct {
	i  int64
	at time.Duration
}

// global returns the whole global sequence of s.
func global(t testing.TB, s Spec) []arrival {
	t.Helper()
	sc, err := New(s)
	if err != nil {
		t.Fatal(err)
	}
	var out []arrival
	for {
		i, at, ok := sc.Next()
		if !ok {
			return out
		}
		out = append(out, arrival{i, at})
	}
}

// share returns worker w's share of s among n workers.
func share(t testing.TB, s Spec, w, n int) []arrival {
	t.Helper()
	sh, err := NewShare(s, w, n)
	if err != nil {
		t.Fatal(err)
	}
	var out []arrival
	for {
		i, at, ok := sh.Next()
		if !ok {
			return out
		}
		out = append(out, arrival{i, at})
	}
}

// specs are schedules of every kind, used by the tests that must hold for
// all of them.
var specs = map[string]Spec{
	"poisson":          {Rate: 50, Duration: 20 * time.Second, Seed: 1},
	"gamma 0.5":        {Rate: 50, Process: Gamma, Burstiness: 0.5, Duration: 20 * time.Second, Seed: 2},
	"gamma 2":          {Level: 2, Rate: 50, Process: Gamma, Burstiness: 2, Duration: 20 * time.Second, Seed: 3},
	"constant":         {Rate: 33, Process: Constant, Duration: 20 * time.Second},
	"request budget":   {Rate: 50, Requests: 777, Duration: time.Hour, Seed: 4},
	"linear ramp":      {Ramp: &Ramp{From: 1, To: 100, Over: 10 * time.Second}, Duration: 20 * time.Second, Seed: 5},
	"exponential ramp": {Process: Gamma, Burstiness: 0.5, Ramp: &Ramp{From: 1, To: 100, Over: 15 * time.Second, Strategy: Exponential}, Duration: 20 * time.Second, Seed: 6},
	"constant ramp":    {Process: Constant, Ramp: &Ramp{From: 0, To: 64, Over: 20 * time.Second}, Duration: 20 * time.Second},
}

func TestSharesUnionIsGlobal(t *testing.T) {
	for name, s := range specs {
		want := global(t, s)
		for _, n := range []int{1, 7, 40} {
			t.Run(fmt.Sprintf("%s/W=%d", name, n), func(t *testing.T) {
				got := make([]arrival, len(want))
				seen := 0
				for w := range n {
					for k, a := range share(t, s, w, n) {
						if a.i%int64(n) != int64(w) || a.i >= int64(len(want)) {
							t.Fatalf("worker %d got arrival %d", w, a.i)
						}
						if k > 0 && a.i != int64(w+k*n) {
							t.Fatalf("worker %d: arrival %d after %d", w, a.i, w+(k-1)*n)
						}
						got[a.i] = a
						seen++
					}
				}
				if seen != len(want) {
					t.Fatalf("the shares hold %d arrivals, the global schedule %d", seen, len(want))
				}
				for i := range want {
					if got[i] != want[i] {
						t.Fatalf("arrival %d: shares have %v, global %v", i, got[i], want[i])
					}
				}
			})
		}
	}
}

func TestOrderAndEnd(t *testing.T) {
	for name, s := range specs {
		t.Run(name, func(t *testing.T) {
			all := global(t, s)
			if len(all) == 0 {
				t.Fatal("no arrivals")
			}
			for k, a := range all {
				if a.i != int64(k) {
					t.Fatalf("arrival %d has index %d", k, a.i)
				}
				if k > 0 && a.at < all[k-1].at {
					t.Fatalf("arrival %d at %v, before %v", k, a.at, all[k-1].at)
				}
				if a.at < 0 || a.at >= s.Duration {
					t.Fatalf("arrival %d at %v, outside [0, %v)", k, a.at, s.Duration)
				}
			}
			if s.Requests > 0 && len(all) != s.Requests {
				t.Errorf("%d arrivals, want the budget of %d", len(all), s.Requests)
			}
		})
	}
}

func TestDeterminism(t *testing.T) {
	base := Spec{Rate: 20, Process: Gamma, Burstiness: 0.7, Duration: 30 * time.Second, Seed: 42, Level: 1}
	want := global(t, base)
	if got := global(t, base); !equal(got, want) {
		t.Error("the same spec gave two schedules")
	}
	// Duration and Requests only truncate: the prefix is the same.
	longer := base
	longer.Duration = time.Minute
	if got := global(t, longer); !equal(got[:len(want)], want) || len(got) <= len(want) {
		t.Error("a longer level changed the prefix of the schedule")
	}
	capped := base
	capped.Requests = 100
	if got := global(t, capped); !equal(got, want[:100]) {
		t.Error("a request budget changed the prefix of the schedule")
	}
	// Seed and Level each select another sequence.
	for name, change := range map[string]func(*Spec){
		"seed":  func(s *Spec) { s.Seed++ },
		"level": func(s *Spec) { s.Level++ },
	} {
		other := base
		change(&other)
		if got := global(t, other); got[0].at == want[0].at || got[1].at == want[1].at {
			t.Errorf("another %s gave the same schedule", name)
		}
	}
	// Gamma of shape 1 is poisson, draw for draw.
	p, g := Spec{Rate: 20, Duration: time.Minute, Seed: 9}, Spec{Rate: 20, Process: Gamma, Burstiness: 1, Duration: time.Minute, Seed: 9}
	if !equal(global(t, p), global(t, g)) {
		t.Error("gamma with burstiness 1 differs from poisson")
	}
}

func equal(a, b []arrival) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestConstantSpacing(t *testing.T) {
	tests := []struct {
		rate float64
		d    time.Duration
		n    int // ⌈rate·d⌉
	}{
		{4, 10 * time.Second, 40},         // every 250ms from 0 to 9.75s
		{3, 10 * time.Second, 30},         // 1/3 s is not a whole number of nanoseconds
		{1000, time.Minute, 60000},        // no drift over many arrivals
		{0.4, 10 * time.Second, 4},        // 0, 2.5, 5, 7.5 s
		{2.5, 1100 * time.Millisecond, 3}, // 0, 0.4, 0.8 s
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.rate), func(t *testing.T) {
			s := Spec{Rate: tt.rate, Process: Constant, Duration: tt.d}
			all := global(t, s)
			if len(all) != tt.n {
				t.Fatalf("%d arrivals, want %d", len(all), tt.n)
			}
			for k, a := range all {
				want := time.Duration(math.Round(float64(k) / tt.rate * 1e9))
				if a.at != want {
					t.Fatalf("arrival %d at %v, want %v", k, a.at, want)
				}
			}
			if got := math.Ceil(s.Expected(tt.d)); got != float64(tt.n) {
				t.Errorf("⌈Expected⌉ = %v, want %d", got, tt.n)
			}
		})
	}
}

func TestNewShareArguments(t *testing.T) {
	s := Spec{Rate: 1, Duration: time.Second}
	for _, a := range [][2]int{{0, 0}, {-1, 4}, {4, 4}} {
		if _, err := NewShare(s, a[0], a[1]); err == nil {
			t.Errorf("NewShare(worker %d, workers %d) accepted", a[0], a[1])
		}
	}
	if _, err := NewShare(Spec{}, 0, 1); err == nil {
		t.Error("NewShare accepted an invalid spec")
	}
}

// Requests counts the measured arrivals only: with a warm-up, the schedule
// runs past it and then gives exactly Requests arrivals at or after it.
func TestRequestsCountAfterWarmup(t *testing.T) {
	for _, warm := range []time.Duration{0, 2 * time.Second, 10 * time.Second} {
		sc, err := New(Spec{Rate: 50, Requests: 300, Warmup: warm, Seed: 3})
		if err != nil {
			t.Fatal(err)
		}
		var before, after int
		for {
			_, at, ok := sc.Next()
			if !ok {
				break
			}
			if at < warm {
				before++
			} else {
				after++
			}
		}
		if after != 300 {
			t.Errorf("warmup %v: %d measured arrivals, want 300", warm, after)
		}
		if warm > 0 && (before < 50*int(warm.Seconds())/2 || before > 2*50*int(warm.Seconds())) {
			t.Errorf("warmup %v: %d warm-up arrivals at 50 req/s", warm, before)
		}
	}
}
