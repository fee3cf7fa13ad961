package localrun_test

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/llmbench/llmbench/shared/arrival"
	"github.com/llmbench/llmbench/shared/plan"
	"github.com/llmbench/llmbench/shared/sample"
	"github.com/llmbench/llmbench/shared/sfnlocal"
	"github.com/llmbench/llmbench/shared/simllm"
	"github.com/llmbench/llmbench/shared/workflow/workflowtest"
)

// runRate runs doc through the definition against a fixed-profile
// simulated server of the given timing and returns the env and the plan.
func runRate(t *testing.T, doc string, ttft, itl time.Duration) (*workflowtest.Env, *plan.Plan) {
	t.Helper()
	p, err := simllm.LookupProfile("fixed")
	if err != nil {
		t.Fatal(err)
	}
	p.TTFT, p.ITL = ttft, itl
	sim := workflowtest.Sim(t, simllm.Options{Profile: p})
	env := workflowtest.New(t, doc, workflowtest.Options{BaseURL: sim.URL, PartRows: 200})
	out, err := execution(env, nil).Run(context.Background(), "rate", env.Input)
	if err != nil {
		t.Fatal(err)
	}
	_, pl, err := plan.Load(context.Background(), env.Store, out.RunID)
	if err != nil {
		t.Fatal(err)
	}
	return env, pl
}

// TestRateLevelRowsAreTheSchedule: a rate level spread over 1, 7 and 40
// workers writes one row per arrival of the level's global schedule, and
// the rows' intended send times are exactly that schedule.
func TestRateLevelRowsAreTheSchedule(t *testing.T) {
	for _, workers := range []int{1, 7, 40} {
		t.Run(fmt.Sprintf("W=%d", workers), func(t *testing.T) {
			rate := 10.0 * float64(workers)
			doc := fmt.Sprintf(`{"name":"sched","seed":5,"target":{"kind":"sim","profile":"fixed"},
			  "workload":{"input_tokens":8,"output_tokens":3},
			  "load":{"mode":"rate","rates":[%g],"slice_rate":10,"warmup":"200ms","duration":"1s"}}`, rate)
			env, pl := runRate(t, doc, 2*time.Millisecond, time.Millisecond)
			if got := len(pl.Levels[0].Slices); got != workers {
				t.Fatalf("planned %d workers, want %d", got, workers)
			}
			sc, err := arrival.New(plan.ArrivalSpec(env.Spec, pl.Levels[0]))
			if err != nil {
				t.Fatal(err)
			}
			var want []time.Duration
			for {
				_, at, ok := sc.Next()
				if !ok {
					break
				}
				want = append(want, at)
			}
			rows := workflowtest.ReadRows(t, env.Store, pl.RunID)
			if len(rows) != len(want) {
				t.Fatalf("%d rows for %d scheduled arrivals", len(rows), len(want))
			}
			got := make([]float64, len(rows))
			for i, r := range rows {
				got[i] = r.IntendedMs
				if r.Mode != "rate" || r.RequestRate != rate || r.LevelIndex != 0 {
					t.Fatalf("row %d: mode %q rate %g level_index %d", i, r.Mode, r.RequestRate, r.LevelIndex)
				}
			}
			sort.Float64s(got)
			for i, at := range want {
				// The row's instant and the schedule's offset are taken
				// from one level start: they agree to the nanosecond but
				// for float64 rounding.
				if w := float64(at) / 1e6; math.Abs(got[i]-w) > 1e-3 {
					t.Fatalf("arrival %d: intended %.6f ms, schedule %.6f ms", i, got[i], w)
				}
			}
			notSent := 0
			for _, r := range rows {
				if r.Status == string(sample.StatusNotSent) && !r.Warmup {
					notSent++ // a scheduler woken after the level's end, on a busy machine
				}
			}
			sum := workflowtest.ReadSummary(t, env.Store, pl.RunID)
			l := sum.Levels[0]
			if l.Mode != "rate" || l.RequestRate != rate || l.NotSent != notSent {
				t.Errorf("summary level: mode %q rate %g not_sent %d (rows say %d)", l.Mode, l.RequestRate, l.NotSent, notSent)
			}
			if l.Requests+l.WarmupRequests != len(want) || l.SendLagMs.N != l.Requests-l.NotSent {
				t.Errorf("summary: %d measured + %d warm-up requests, send lag over %d, for %d arrivals", l.Requests, l.WarmupRequests, l.SendLagMs.N, len(want))
			}
		})
	}
}

// TestRateLevelSlowServer: a server slower than the rate, behind a
// max_concurrency cap, shows a growing queue and not_sent rows; rows are
// the arrivals scheduled, always.
func TestRateLevelSlowServer(t *testing.T) {
	doc := `{"name":"slow","seed":9,"target":{"kind":"sim","profile":"fixed"},
	  "workload":{"input_tokens":8,"output_tokens":3},
	  "load":{"mode":"rate","rates":[40],"arrival":"constant","max_concurrency":2,"duration":"1s"}}`
	env, pl := runRate(t, doc, 100*time.Millisecond, 10*time.Millisecond)
	rows := workflowtest.ReadRows(t, env.Store, pl.RunID)
	if len(rows) != 40 {
		t.Fatalf("%d rows, want the 40 arrivals of a constant 40 req/s second", len(rows))
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].IntendedMs < rows[j].IntendedMs })
	notSent := 0
	var sent []sample.Row
	for _, r := range rows {
		if r.Status == string(sample.StatusNotSent) {
			notSent++
		} else {
			sent = append(sent, r)
		}
	}
	// Two slots of ~120 ms requests serve ~16 req/s of the 40 asked.
	if notSent < 10 || len(sent) < 4 {
		t.Fatalf("%d not_sent rows, %d sent; want most of the overflow not sent", notSent, len(sent))
	}
	// First come, first sent: each later arrival waited longer.
	if first, last := sent[2].QueueMs, sent[len(sent)-1].QueueMs; !(last > first+200) {
		t.Errorf("queue did not grow: the third arrival waited %.1f ms, the last sent %.1f ms", first, last)
	}
	l := workflowtest.ReadSummary(t, env.Store, pl.RunID).Levels[0]
	if l.NotSent != notSent || l.Requests != 40 || l.Concurrency != 2 {
		t.Errorf("summary: not_sent %d (rows %d), requests %d, concurrency %d", l.NotSent, notSent, l.Requests, l.Concurrency)
	}
	if l.QueueMs.Max < 200 || l.AchievedRequestRate >= 40 {
		t.Errorf("summary: queue max %.1f ms, achieved %.1f req/s of 40", l.QueueMs.Max, l.AchievedRequestRate)
	}
}

// TestSweepPlansRatesBetweenTheMeasured: a sweep runs a synchronous and a
// throughput level, then the Sweep state plans the rates between their
// measured request rates, which the same Levels map runs.
func TestSweepPlansRatesBetweenTheMeasured(t *testing.T) {
	p, err := simllm.LookupProfile("fixed")
	if err != nil {
		t.Fatal(err)
	}
	p.TTFT, p.ITL = 20*time.Millisecond, 5*time.Millisecond
	sim := workflowtest.Sim(t, simllm.Options{Profile: p})
	env := workflowtest.New(t, `{"name":"sweep","target":{"kind":"sim","profile":"fixed"},
	  "workload":{"input_tokens":8,"output_tokens":3},
	  "load":{"profile":"sweep","sweep_levels":2,"sweep_concurrency":4,"duration":"600ms"}}`, workflowtest.Options{BaseURL: sim.URL, PartRows: 200})
	exec := execution(env, nil)
	var mu sync.Mutex
	entered := map[string]int{}
	exec.Observer = func(ev sfnlocal.Event) {
		if ev.Type == sfnlocal.StateEntered {
			mu.Lock()
			entered[ev.State]++
			mu.Unlock()
		}
	}
	out, err := exec.Run(context.Background(), "sweep", env.Input)
	if err != nil {
		t.Fatal(err)
	}
	if entered["Sweep"] != 1 || entered["Levels"] != 2 || entered["Slices"] != 4 {
		t.Errorf("states entered %v; want Sweep 1, Levels 2, Slices 4", entered)
	}
	sum := workflowtest.ReadSummary(t, env.Store, out.RunID)
	if len(sum.Levels) != 4 {
		t.Fatalf("%d levels, want 4", len(sum.Levels))
	}
	lo, hi := sum.Levels[0].RequestThroughput, sum.Levels[1].RequestThroughput
	want, err := plan.SweepRates(lo, hi, 2)
	if err != nil {
		t.Fatal(err)
	}
	for i, l := range sum.Levels {
		if l.Index != i {
			t.Errorf("level %d has index %d", i, l.Index)
		}
	}
	if sum.Levels[0].Concurrency != 1 || sum.Levels[1].Concurrency != 4 || sum.Levels[0].Mode != "concurrency" {
		t.Errorf("first levels: %+v %+v", sum.Levels[0].Concurrency, sum.Levels[1].Concurrency)
	}
	for k, r := range want {
		l := sum.Levels[2+k]
		if l.Mode != "rate" || l.RequestRate != r {
			t.Errorf("level %d: mode %q rate %g, want rate %g (between %.2f and %.2f)", 2+k, l.Mode, l.RequestRate, r, lo, hi)
		}
		if l.Requests == 0 {
			t.Errorf("level %d: no request", 2+k)
		}
	}
	if out.Levels != 4 {
		t.Errorf("execution output: %d levels", out.Levels)
	}
}

// TestConcurrencyRampAddsUsers: in mode concurrency a ramp starts its
// virtual users along it, each one's first request intended at its start.
func TestConcurrencyRampAddsUsers(t *testing.T) {
	doc := `{"name":"ramp","target":{"kind":"sim","profile":"fixed"},
	  "workload":{"input_tokens":8,"output_tokens":3},
	  "load":{"ramp":{"from":1,"to":5,"over":"800ms"},"slice_concurrency":2,"duration":"1s"}}`
	env, pl := runRate(t, doc, 5*time.Millisecond, time.Millisecond)
	rows := workflowtest.ReadRows(t, env.Store, pl.RunID)
	first := map[[2]int32]float64{}
	for _, r := range rows {
		k := [2]int32{r.Worker, r.VU}
		if v, ok := first[k]; !ok || r.IntendedMs < v {
			first[k] = r.IntendedMs
		}
	}
	if len(first) != 5 {
		t.Fatalf("%d users issued, want 5", len(first))
	}
	lv := pl.Levels[0]
	ramp := arrival.Ramp{From: 1, To: 5, Over: 800 * time.Millisecond}
	for _, sl := range lv.Slices {
		for vu := 0; vu < sl.Concurrency; vu++ {
			want := float64(arrival.UserStart(ramp, sl.Users+vu)) / 1e6
			if got := first[[2]int32{int32(sl.Worker), int32(vu)}]; math.Abs(got-want) > 1e-3 {
				t.Errorf("worker %d user %d: first intended at %.3f ms, want %.3f", sl.Worker, vu, got, want)
			}
		}
	}
	l := workflowtest.ReadSummary(t, env.Store, pl.RunID).Levels[0]
	if l.Ramp != "linear 1→5 users over 800ms" || l.Concurrency != 5 {
		t.Errorf("summary: ramp %q concurrency %d", l.Ramp, l.Concurrency)
	}
	if len(l.Series) == 0 {
		t.Errorf("no per-second series")
	}
}

// TestSweepWithNothingToSweep: a sweep whose first levels measured no
// rate (every request failed) still aggregates them, and the summary says
// why no rate level ran.
func TestSweepWithNothingToSweep(t *testing.T) {
	env := workflowtest.New(t, `{"name":"nosweep","target":{"kind":"openai","url":"http://127.0.0.1:1/v1","model":"m"},
	  "workload":{"input_tokens":8,"output_tokens":3},
	  "load":{"profile":"sweep","sweep_levels":2,"sweep_concurrency":2,"requests":3,"on_error":"immediate"}}`, workflowtest.Options{})
	out, err := execution(env, nil).Run(context.Background(), "nosweep", env.Input)
	if err != nil {
		t.Fatal(err)
	}
	sum := workflowtest.ReadSummary(t, env.Store, out.RunID)
	if len(sum.Levels) != 2 || out.Levels != 2 {
		t.Fatalf("%d levels (output %d), want the 2 measured", len(sum.Levels), out.Levels)
	}
	if want := "nothing to sweep from"; !strings.Contains(sum.SweepError, want) {
		t.Errorf("sweep_error %q, want it to say %q", sum.SweepError, want)
	}
	if strings.Contains(sum.SweepError, "errorMessage") {
		t.Errorf("sweep_error %q is the Lambda error JSON, not its message", sum.SweepError)
	}
}
