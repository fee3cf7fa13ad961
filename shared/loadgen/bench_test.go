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
// sends two requests; the second, on a kept-alive connection, is scored.
// A request whose start stamp follows the server's receive fails the
// benchmark. Run with: make bench.
func BenchmarkTimingError(b *testing.B) {
	for _, streams := range []int{1, 256, 1000, 10000} {
		b.Run(fmt.Sprint("streams=", streams), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				benchRemote(b, streams, 64, 100*time.Millisecond, 20*time.Millisecond)
			}
		})
	}
}

type remoteResult struct {
	id     string
	reused bool
	start  time.Time   // wall clock only: the server's stamps are another process's
	tokens []time.Time // wall clock only
}

func benchRemote(b *testing.B, streams, tokens int, ttft, itl time.Duration) {
	ch := startChild(b, ttft, itl)
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
		rr := remoteResult{id: fmt.Sprint("r", is.Seq), reused: r.ConnReused, start: r.Start.Round(0)}
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
	cpu0 := cpuTime()
	b.ResetTimer()
	ex := &loadgen.ClosedLoop{Concurrency: streams, Config: loadgen.Config{Requests: 2 * streams, RequestTimeout: 2 * time.Minute}}
	if err := ex.Execute(context.Background(), do, emit); err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	cpu := cpuTime() - cpu0
	close(stop)
	wg.Wait()
	if failed > 0 {
		b.Errorf("%d of %d requests failed", failed, 2*streams)
	}

	ids := make([]string, len(results))
	for i, r := range results {
		ids[i] = r.id
	}
	truths := ch.truths(b, ids)
	var set timingtest.Set
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
		if r.reused {
			set.Add(f)
		}
	}
	q := func(xs []time.Duration, p float64) float64 { return timingtest.Ms(timingtest.Quantile(xs, p)) }
	b.ReportMetric(q(set.ITLErr, .5), "itl_err_p50_ms")
	b.ReportMetric(q(set.ITLErr, .99), "itl_err_p99_ms")
	b.ReportMetric(q(set.Lag, .5), "lag_p50_ms")
	b.ReportMetric(q(set.Lag, .99), "lag_p99_ms")
	b.ReportMetric(q(set.FirstTokenLag, .5), "first_token_lag_p50_ms")
	b.ReportMetric(q(set.FirstTokenLag, .99), "first_token_lag_p99_ms")
	b.ReportMetric(q(set.Ingress, .5), "ingress_p50_ms")
	b.ReportMetric(q(set.Ingress, .99), "ingress_p99_ms")
	b.ReportMetric(float64(len(set.Ingress)), "scored_requests")
	if chunks > 0 {
		b.ReportMetric(float64(cpu.Microseconds())/float64(chunks)*1000, "client_cpu_us/1k_chunks")
	}
	if p := peak.Load(); p > before.HeapInuse {
		b.ReportMetric(float64(p-before.HeapInuse)/float64(streams)/1024, "client_heap_KiB/stream")
	}
}
