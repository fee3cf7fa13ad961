package loadgen_test

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/llmbench/llmbench/shared/loadgen"
	"github.com/llmbench/llmbench/shared/sample"
	"github.com/llmbench/llmbench/shared/target"
	"github.com/llmbench/llmbench/shared/target/openai"
	"github.com/llmbench/llmbench/shared/timingtest"
)

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkTimingError reports how far the client's timestamps are from the
// simulated server's record at 1 to 10,000 concurrent streams on this
// machine, with the definitions of the accuracy tests (timingtest.Score):
// ITL error, delivery lag of every chunk, first-token lag, and ingress
// (client start to the server's handler). The server runs in a child
// process (the two share the machine's cores); the client's CPU time per
// 1,000 chunks and heap per stream are the client's alone. Each stream
// sends two requests, and every request is scored, whether it set up a
// connection or went over a kept-alive one: the chunk figures do not
// depend on it, and ingress is counted from the end of the connection's
// set-up (start + Result.Connect), which is reported apart
// (new_conns and connect_p50/p99_ms over the requests that dialed). A
// request whose start stamp follows the server's receive fails the
// benchmark. Run with: make bench.
func BenchmarkTimingError(b *testing.B) {
	for _, streams := range []int{1, 256, 1000, 10000} {
		b.Run(fmt.Sprint("streams=", streams), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				spec := fmt.Sprintf("%s,%s", 100*time.Millisecond, 20*time.Millisecond)
				r := runRemote(b, spec, streams, 2, 64)
				r.report(b)
				if r.heapPeak > 0 {
					b.ReportMetric(float64(r.heapPeak)/float64(streams)/1024, "client_heap_KiB/stream")
				}
			}
		})
	}
}

type remoteResult struct {
	id      string
	reused  bool
	connect time.Duration // the connection's set-up (DNS, dial, TLS); 0 when reused
	start   time.Time     // wall clock only: the server's stamps are another process's
	tokens  []time.Time   // wall clock only
}

// remoteRun is what runRemote measured.
type remoteRun struct {
	set      timingtest.Set  // every request's figures, ingress from the end of its connection's set-up
	connects []time.Duration // the set-up of each new connection
	requests int             // requests issued (and scored: runRemote fails on any other outcome)
	chunks   int             // token chunks received
	cpu      time.Duration   // the client process's CPU time (user + system) over the load
	wall     time.Duration   // the load's wall time
	heapPeak uint64          // peak heap in use above the start, sampled every 100 ms
}

// runRemote drives streams closed-loop users, perStream requests each of
// tokens tokens, against a child server serving spec (see serveChild; it
// must record truth), and scores every request against the server's
// record. Failed requests and requests without a truth fail b.
func runRemote(b *testing.B, spec string, streams, perStream, tokens int) remoteRun {
	ch := startChildSpec(b, spec)
	defer ch.stop()
	c, err := openai.New(openai.Config{BaseURL: ch.base + "/v1", Model: "m", Stream: true, Client: target.NewHTTPClient(streams)})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	var (
		mu      sync.Mutex
		results []remoteResult
		failed  int
		chunks  int
	)
	do := func(ctx context.Context, vu int, seq int64) *sample.Result {
		return c.Do(ctx, target.Request{ID: fmt.Sprint("r", seq), Prompt: "a b c d", MaxTokens: tokens})
	}
	emit := func(is loadgen.Issued) {
		r := is.Result
		mu.Lock()
		defer mu.Unlock()
		chunks += len(r.Tokens)
		if r.Status != sample.StatusOK {
			failed++
			return
		}
		rr := remoteResult{id: fmt.Sprint("r", is.Seq), reused: r.ConnReused, connect: r.Connect, start: r.Start.Round(0)}
		for _, t := range r.Tokens {
			rr.tokens = append(rr.tokens, t.Round(0))
		}
		results = append(results, rr)
	}

	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	var peak atomic.Uint64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				var m runtime.MemStats
				runtime.ReadMemStats(&m)
				if m.HeapInuse > peak.Load() {
					peak.Store(m.HeapInuse)
				}
			}
		}
	}()
	cpu0, wall0 := cpuTime(), time.Now()
	b.ResetTimer()
	n := perStream * streams
	ex := &loadgen.ClosedLoop{Concurrency: streams, Config: loadgen.Config{Requests: n, RequestTimeout: 2 * time.Minute}}
	if err := ex.Execute(context.Background(), do, emit); err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	run := remoteRun{requests: n, chunks: chunks, cpu: cpuTime() - cpu0, wall: time.Since(wall0)}
	close(stop)
	wg.Wait()
	if p := peak.Load(); p > before.HeapInuse {
		run.heapPeak = p - before.HeapInuse
	}
	if failed > 0 {
		b.Errorf("%d of %d requests failed", failed, n)
	}

	ids := make([]string, len(results))
	for i, r := range results {
		ids[i] = r.id
	}
	truths := ch.truths(b, ids)
	for _, r := range results {
		t, ok := truths[r.id]
		if !ok {
			b.Errorf("request %s: no truth", r.id)
			continue
		}
		written := make([]time.Time, len(t.Chunks))
		for i, ns := range t.Chunks {
			written[i] = time.Unix(0, ns)
		}
		f, err := timingtest.Score(r.start, r.tokens, time.Unix(0, t.Received), written)
		if err != nil {
			b.Errorf("request %s: %v", r.id, err)
			continue
		}
		// Ingress from the end of the set-up: a new connection's dial is
		// reported apart, not as the request's way to the handler.
		f.Ingress -= r.connect
		if !r.reused {
			run.connects = append(run.connects, r.connect)
		}
		run.set.Add(f)
	}
	if len(run.set.Ingress) != n {
		b.Errorf("scored %d of %d requests", len(run.set.Ingress), n)
	}
	return run
}

func q(xs []time.Duration, p float64) float64 { return timingtest.Ms(timingtest.Quantile(xs, p)) }

// report reports the timing figures, the connections' set-up and the
// client's CPU.
func (r remoteRun) report(b *testing.B) {
	b.ReportMetric(q(r.set.ITLErr, .5), "itl_err_p50_ms")
	b.ReportMetric(q(r.set.ITLErr, .99), "itl_err_p99_ms")
	b.ReportMetric(q(r.set.Lag, .5), "lag_p50_ms")
	b.ReportMetric(q(r.set.Lag, .99), "lag_p99_ms")
	b.ReportMetric(q(r.set.FirstTokenLag, .5), "first_token_lag_p50_ms")
	b.ReportMetric(q(r.set.FirstTokenLag, .99), "first_token_lag_p99_ms")
	b.ReportMetric(q(r.set.Ingress, .5), "ingress_p50_ms")
	b.ReportMetric(q(r.set.Ingress, .99), "ingress_p99_ms")
	b.ReportMetric(float64(len(r.set.Ingress)), "scored_requests")
	b.ReportMetric(float64(len(r.connects)), "new_conns")
	b.ReportMetric(q(r.connects, .5), "connect_p50_ms")
	b.ReportMetric(q(r.connects, .99), "connect_p99_ms")
	if r.chunks > 0 {
		b.ReportMetric(float64(r.cpu.Microseconds())/float64(r.chunks)*1000, "client_cpu_us/1k_chunks")
	}
	if r.requests > 0 {
		b.ReportMetric(float64(r.cpu.Microseconds())/float64(r.requests), "client_cpu_us/request")
	}
}
