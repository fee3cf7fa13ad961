package loadgen_test

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/llmbench/llmbench/shared/timingtest"
)

// workerStreamsEnv overrides BenchmarkWorkerStreams' list of stream
// counts: "64,128,256".
const workerStreamsEnv = "LLMBENCH_WORKER_STREAMS"

// maxWorkerLag is the delivery lag p99 a worker must keep to count as
// driving its streams: a chunk stamped a millisecond late is an ITL error
// of the same size.
const maxWorkerLag = time.Millisecond

// BenchmarkWorkerStreams measures how many streams one worker drives with
// a delivery lag p99 under maxWorkerLag against the instant simulated
// server (every token written and flushed as fast as the server can): the
// most demanding endpoint, every stream streaming all the time. Run it
// as a Lambda-sized worker, one core for the client and another for the
// server: make slices (GOMAXPROCS=1, the client on CPU 0, the server on
// CPU 1). Each stream sends 8 requests of 64 tokens, all scored. It logs
// the largest count within the bound; the README's figure and
// spec.DefaultSliceConcurrency come from it.
func BenchmarkWorkerStreams(b *testing.B) {
	counts := []int{16, 32, 64, 128, 256, 512}
	if v := os.Getenv(workerStreamsEnv); v != "" {
		counts = counts[:0]
		for _, f := range strings.Split(v, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil || n < 1 {
				b.Fatalf("%s: want stream counts such as 64,128, got %q", workerStreamsEnv, v)
			}
			counts = append(counts, n)
		}
	}
	best := 0
	for _, streams := range counts {
		b.Run(fmt.Sprint("streams=", streams), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				r := runRemote(b, "profile=instant,truth", streams, 8, 64)
				r.report(b)
				b.ReportMetric(float64(r.requests)/r.wall.Seconds(), "req/s")
				b.ReportMetric(float64(r.cpu)/float64(r.wall), "client_cores")
				b.ReportMetric(float64(runtime.GOMAXPROCS(0)), "gomaxprocs")
				if p99 := timingtest.Quantile(r.set.Lag, .99); p99 < maxWorkerLag && streams > best {
					best = streams
				}
			}
		})
	}
	b.Logf("largest stream count with delivery lag p99 under %v: %d (GOMAXPROCS %d, server CPU %q)",
		maxWorkerLag, best, runtime.GOMAXPROCS(0), os.Getenv(serverCPUEnv))
}
