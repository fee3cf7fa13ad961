package loadgen_test

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/llmbench/llmbench/shared/arrival"
	"github.com/llmbench/llmbench/shared/loadgen"
	"github.com/llmbench/llmbench/shared/sample"
	"github.com/llmbench/llmbench/shared/target"
	"github.com/llmbench/llmbench/shared/target/openai"
	"github.com/llmbench/llmbench/shared/timingtest"
)

// openLoopEnv overrides the length of every level, for a quick run:
// LLMBENCH_OPENLOOP_DURATION=2s.
const openLoopEnv = "LLMBENCH_OPENLOOP_DURATION"

// BenchmarkOpenLoopRate asks 10, 100 and 1,000 requests per second of the
// instant simulated server (in a child process) for 10 s each, as a
// Poisson schedule spread over 1 worker or 10 (ten OpenLoops in this
// process, one share each, as ten Lambdas would run one each), each
// worker with its own OpenAI client, then 100 req/s as a constant
// schedule. It reports:
//   - asked_rps, the rate asked; scheduled_rps, the arrivals the schedule
//     drew over the level's length (a Poisson count: at 10 req/s for 10 s
//     it is within ±10% of asked one time in three); achieved_rps, the
//     requests sent over the level's length. The generator is judged by
//     achieved against scheduled: not_sent counts the difference.
//   - send_lag_p50_ms, send_lag_p99_ms, send_lag_max_ms: the client's
//     start stamp minus the intended instant, over every request sent
//     (sched_delay_ms); dispatch_lag_p50_ms and dispatch_lag_p99_ms: the
//     part of it before the request's goroutine entered Do, the rest being
//     the client's own work before its stamp (encoding the body).
//   - steal_pct: the CPU time the hypervisor took from this machine over
//     the level, in % of all its cores (Linux), which the lag's tail
//     follows on a shared virtual machine.
//   - client_cpu_pct: the client process's CPU over the level, in % of one
//     core. Each scheduler spins up to 1 ms before each send, so ten of
//     them in one process cost more than the ten Lambdas they stand for.
//
// Run with: go test -run '^$' -bench '^BenchmarkOpenLoopRate$' -benchtime 1x ./shared/loadgen
func BenchmarkOpenLoopRate(b *testing.B) {
	d := 10 * time.Second
	if s := os.Getenv(openLoopEnv); s != "" {
		var err error
		if d, err = time.ParseDuration(s); err != nil || d <= 0 {
			b.Fatalf("%s=%q: want a positive duration", openLoopEnv, s)
		}
	}
	ch := startChildSpec(b, "profile=instant")
	defer ch.stop()
	for _, rate := range []float64{10, 100, 1000} {
		for _, workers := range []int{1, 10} {
			b.Run(fmt.Sprintf("rps=%g/workers=%d", rate, workers), func(b *testing.B) {
				for range b.N {
					benchOpenLoop(b, ch, arrival.Spec{Rate: rate, Duration: d, Seed: 11}, workers)
				}
			})
		}
	}
	// A constant schedule draws exactly the rate asked: achieved against
	// asked, without the Poisson count's own spread.
	b.Run("rps=100/workers=1/constant", func(b *testing.B) {
		for range b.N {
			benchOpenLoop(b, ch, arrival.Spec{Rate: 100, Process: arrival.Constant, Duration: d}, 1)
		}
	})
}

func benchOpenLoop(b *testing.B, ch *child, spec arrival.Spec, workers int) {
	type key struct {
		worker int
		seq    int64
	}
	var (
		mu        sync.Mutex
		entered   = map[key]time.Time{} // when each request's goroutine called do
		lags      []time.Duration       // sched_delay: the client's start stamp minus intended
		dispatch  []time.Duration       // do called minus intended
		sent      int
		notSent   int
		failed    int
		firstFail string
	)
	emitFor := func(w int) loadgen.Emit {
		return func(is loadgen.Issued) {
			mu.Lock()
			defer mu.Unlock()
			switch r := is.Result; r.Status {
			case sample.StatusNotSent:
				notSent++
				return
			case sample.StatusOK:
			default:
				if failed == 0 {
					firstFail = fmt.Sprintf("%s: %s", r.Status, r.Err)
				}
				failed++
			}
			sent++
			lags = append(lags, is.Result.Start.Sub(is.Intended))
			dispatch = append(dispatch, entered[key{w, is.Seq}].Sub(is.Intended))
		}
	}

	// Every worker is built before the common start, a little ahead, as
	// the planner fixes one for a level's slices.
	start := time.Now().Add(200 * time.Millisecond)
	var execs []*loadgen.OpenLoop
	var dos []loadgen.Do
	for w := range workers {
		share, err := arrival.NewShare(spec, w, workers)
		if err != nil {
			b.Fatal(err)
		}
		c, err := openai.New(openai.Config{BaseURL: ch.base + "/v1", Model: "m", Stream: true, Client: target.NewHTTPClient(0)})
		if err != nil {
			b.Fatal(err)
		}
		defer c.Close()
		execs = append(execs, &loadgen.OpenLoop{
			Config:   loadgen.Config{Start: start, Duration: spec.Duration, RequestTimeout: 30 * time.Second},
			Arrivals: share,
		})
		dos = append(dos, func(ctx context.Context, vu int, seq int64) *sample.Result {
			now := time.Now()
			mu.Lock()
			entered[key{w, seq}] = now
			mu.Unlock()
			return c.Do(ctx, target.Request{ID: fmt.Sprintf("w%d-%d", w, seq), Prompt: "a b c d", MaxTokens: 16})
		})
	}
	sc, err := arrival.New(spec)
	if err != nil {
		b.Fatal(err)
	}
	scheduled := 0
	for _, _, ok := sc.Next(); ok; _, _, ok = sc.Next() {
		scheduled++
	}

	b.ResetTimer()
	cpu0, steal0 := cpuTime(), stealTime()
	var wg sync.WaitGroup
	for w, ex := range execs {
		wg.Go(func() {
			if err := ex.Execute(context.Background(), dos[w], emitFor(w)); err != nil {
				b.Error(err)
			}
		})
	}
	wg.Wait()
	cpu := cpuTime() - cpu0 // from a little before the start: the 200 ms lead is idle
	steal := stealTime() - steal0
	b.StopTimer()

	if sent+notSent != scheduled {
		b.Errorf("%d rows (%d sent, %d not sent) for %d arrivals scheduled", sent+notSent, sent, notSent, scheduled)
	}
	if failed > 0 {
		b.Errorf("%d of %d requests failed, the first %s", failed, sent, firstFail)
	}
	secs := spec.Duration.Seconds()
	q := func(xs []time.Duration, p float64) float64 { return timingtest.Ms(timingtest.Quantile(xs, p)) }
	b.ReportMetric(spec.Rate, "asked_rps")
	b.ReportMetric(float64(scheduled)/secs, "scheduled_rps")
	b.ReportMetric(float64(sent)/secs, "achieved_rps")
	b.ReportMetric(float64(notSent), "not_sent")
	b.ReportMetric(q(lags, .5), "send_lag_p50_ms")
	b.ReportMetric(q(lags, .99), "send_lag_p99_ms")
	b.ReportMetric(q(lags, 1), "send_lag_max_ms")
	b.ReportMetric(q(dispatch, .5), "dispatch_lag_p50_ms")
	b.ReportMetric(q(dispatch, .99), "dispatch_lag_p99_ms")
	b.ReportMetric(100*cpu.Seconds()/secs, "client_cpu_pct")
	if steal0 >= 0 {
		b.ReportMetric(100*steal.Seconds()/secs/float64(runtime.NumCPU()), "steal_pct")
	}
}

// stealTime returns the time the hypervisor gave this machine's CPUs to
// others (/proc/stat), -1 where it cannot be read. A virtual machine's
// send lag tail follows it: a scheduler that is runnable but not running
// sends late.
func stealTime() time.Duration {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return -1
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line) // cpu user nice system idle iowait irq softirq steal ...
	if len(f) < 9 || f[0] != "cpu" {
		return -1
	}
	ticks, err := strconv.ParseInt(f[8], 10, 64)
	if err != nil {
		return -1
	}
	return time.Duration(ticks) * 10 * time.Millisecond // USER_HZ is 100 on Linux
}
