package loadgen_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/llmbench/llmbench/shared/loadgen"
	"github.com/llmbench/llmbench/shared/sample"
	"github.com/llmbench/llmbench/shared/target"
	"github.com/llmbench/llmbench/shared/target/openai"
)

// soakEnv overrides the duration of every soak, for a quick run:
// LLMBENCH_SOAK_DURATION=8s make soak.
const soakEnv = "LLMBENCH_SOAK_DURATION"

const (
	soakEvery  = 5 * time.Second // between two samples
	soakWarmup = 2 * soakEvery   // the samples compared start after it
	soakGrowth = 0.10            // most a figure may grow after the warm-up
	soakSlack  = 8               // goroutines or fds above the start once the load is over
)

// BenchmarkSoak holds 2,000 concurrent streams for 60 s and 10,000 for
// 30 s against the instant simulated server in a child process, every
// answer converted to a row and written as Parquet parts through
// sample.Parts (bytes discarded, rows counted), as a worker does. Every 5 s
// it samples the client's RSS, goroutines and open file descriptors. A
// leak grows with the requests served, and a soak serves hundreds of
// thousands, so it fails if:
//   - the rows stored differ from the requests issued, or a request fails;
//   - the last sample of goroutines or fds exceeds the first after the
//     warm-up (10 s, and every stream answered once) by more than 10%
//     (without a leak both stay flat to the unit, or fall when the
//     transport drops surplus idle connections);
//   - the peak RSS of the later half of the samples after the warm-up
//     exceeds that of the earlier half by more than 10%. RSS is compared by
//     peaks, not single samples: it saws by ±15% from one sample to the
//     next (the part buffer fills, is encoded and dropped every few
//     seconds; the GC returns memory lazily), so one sample against
//     another would fail a client that does not leak;
//   - once the load is over and the idle connections are closed, more than
//     a few goroutines or fds remain above the count before it.
//
// A quick run (LLMBENCH_SOAK_DURATION under 20 s) samples every quarter of
// its duration and only logs growth: memory is still rising then.
//
// Run with: make soak.
func BenchmarkSoak(b *testing.B) {
	for _, tc := range []struct {
		streams int
		d       time.Duration
	}{
		{2000, 60 * time.Second},
		{10000, 30 * time.Second},
	} {
		d := tc.d
		if s := os.Getenv(soakEnv); s != "" {
			var err error
			if d, err = time.ParseDuration(s); err != nil || d <= 0 {
				b.Fatalf("%s=%q: want a positive duration", soakEnv, s)
			}
		}
		b.Run(fmt.Sprintf("streams=%d/%s", tc.streams, d), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				soak(b, tc.streams, d)
			}
		})
	}
}

// procSample is one look at the client process.
type procSample struct {
	at         time.Duration // since the load began
	rssKiB     int64
	goroutines int
	fds        int
	requests   int64  // ended so far
	started    int64  // streams that have finished a request
	heapLive   uint64 // bytes marked live by the last GC
}

// takeSample reads the figures of this process from /proc (Linux only).
func takeSample(at time.Duration, requests, started int64) (procSample, error) {
	s := procSample{at: at, goroutines: runtime.NumGoroutine(), requests: requests, started: started}
	m := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	if metrics.Read(m); m[0].Value.Kind() == metrics.KindUint64 {
		s.heapLive = m[0].Value.Uint64()
	}
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return s, err
	}
	for line := range strings.Lines(string(status)) {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			if s.rssKiB, err = strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64); err != nil {
				return s, fmt.Errorf("VmRSS %q: %w", v, err)
			}
		}
	}
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return s, err
	}
	s.fds = len(fds) - 1 // the directory ReadDir itself held open
	return s, nil
}

// rowCounter is an in-memory sample.Putter that keeps no bytes: it reads
// each part's row count from its Parquet footer, so the rows counted are
// the rows that reached the store, not Parts' own bookkeeping.
type rowCounter struct {
	mu    sync.Mutex
	rows  int64
	parts int
	bytes int64
}

var _ sample.Putter = (*rowCounter)(nil)

func (p *rowCounter) Put(_ context.Context, key string, data []byte) error {
	f, err := parquet.OpenFile(bytes.NewReader(data), int64(len(data)),
		parquet.SkipPageIndex(true), parquet.SkipBloomFilters(true))
	if err != nil {
		return fmt.Errorf("soak: put %s: %w", key, err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.rows += f.NumRows()
	p.parts++
	p.bytes += int64(len(data))
	return nil
}

// checkFlat reports the samples after the warm-up and fails if they grew
// (see BenchmarkSoak). A quick run ends before memory has settled: it
// logs growth without failing on it.
func checkFlat(b *testing.B, measured []procSample, quick bool) {
	b.Helper()
	first, last := measured[0], measured[len(measured)-1]
	half := (len(measured) + 1) / 2
	early, late := peakRSS(measured[:half]), peakRSS(measured[len(measured)-half:])
	b.ReportMetric(mib(first.rssKiB), "rss_first_MiB")
	b.ReportMetric(mib(last.rssKiB), "rss_last_MiB")
	b.ReportMetric(mib(early), "rss_peak_early_MiB")
	b.ReportMetric(mib(late), "rss_peak_late_MiB")
	b.ReportMetric(float64(first.goroutines), "goroutines_first")
	b.ReportMetric(float64(last.goroutines), "goroutines_last")
	b.ReportMetric(float64(first.fds), "fds_first")
	b.ReportMetric(float64(last.fds), "fds_last")

	at := func(s procSample) time.Duration { return s.at.Round(time.Second) }
	grew := b.Errorf
	if quick {
		grew = func(format string, args ...any) { b.Logf("quick run, not failed: "+format, args...) }
	}
	for _, f := range []struct {
		name        string
		first, last int
	}{
		{"goroutines", first.goroutines, last.goroutines},
		{"open fds", first.fds, last.fds},
	} {
		if float64(f.last) > float64(f.first)*(1+soakGrowth) {
			grew("%s grew from %d at %s to %d at %s: more than %.0f%%", f.name, f.first, at(first), f.last, at(last), soakGrowth*100)
		}
	}
	if float64(late) > float64(early)*(1+soakGrowth) {
		grew("peak RSS grew from %.1f MiB (%s to %s) to %.1f MiB (%s to %s): more than %.0f%%",
			mib(early), at(first), at(measured[half-1]), mib(late), at(measured[len(measured)-half]), at(last), soakGrowth*100)
	}
}

// soakRun is what one soak saw.
type soakRun struct {
	before, after procSample   // before the load; after it, idle connections closed
	samples       []procSample // every interval during the load
	elapsed       time.Duration
	requests      int64 // issued, by the executor's count
	emitted       int64
	failed        int64
	firstFail     string
	newConns      int64 // requests that dialled
	store         *rowCounter
}

func soak(b *testing.B, streams int, d time.Duration) {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		b.Fatal(err)
	}
	// Go raises the soft limit to the hard one at start-up; each stream
	// holds a socket (the child, its own process, holds the other end).
	if need := uint64(streams) + 256; rl.Cur < need {
		b.Fatalf("open file limit %d, %d streams need %d: raise ulimit -n", rl.Cur, streams, need)
	}
	every, warm := soakEvery, soakWarmup
	quick := d < 4*every
	if quick { // four samples still, two after the warm-up
		every = d / 4
		warm = 2 * every
	}
	b.Logf("fd limit %d; %d streams for %s, a sample every %s, warm-up %s", rl.Cur, streams, d, every, warm)
	r := runSoak(b, streams, d, every, warm)
	logSeries(b, append(append([]procSample{r.before}, r.samples...), r.after))

	if rows := r.store.rows; rows != r.requests || r.emitted != r.requests {
		b.Errorf("requests issued %d, emitted %d, rows stored %d: want all equal", r.requests, r.emitted, rows)
	}
	if r.failed > 0 {
		b.Errorf("%d of %d requests failed; the first: %s", r.failed, r.requests, r.firstFail)
	}
	if r.after.goroutines > r.before.goroutines+soakSlack || r.after.fds > r.before.fds+soakSlack {
		b.Errorf("after the load: %d goroutines, %d fds; before it %d, %d", r.after.goroutines, r.after.fds, r.before.goroutines, r.before.fds)
	}

	// The warm-up lasts warm and until every stream has finished a
	// request: at 10,000 streams on a loaded machine the CPU-starved
	// server's accept queue can keep connections dialling (an fd open,
	// the connection's read and write goroutines not yet started) for
	// longer than 10 s. A quick run does not wait for the streams.
	var measured []procSample
	for _, s := range r.samples {
		if len(measured) > 0 || s.at >= warm-every/2 && (quick || s.started == int64(streams)) {
			measured = append(measured, s)
		}
	}
	b.ReportMetric(float64(r.requests), "requests")
	b.ReportMetric(float64(r.store.rows), "rows")
	b.ReportMetric(float64(r.requests)/r.elapsed.Seconds(), "req/s")
	b.ReportMetric(float64(r.newConns), "new_conns")
	b.ReportMetric(float64(r.failed), "failed")
	if len(measured) < 2 && quick {
		b.Logf("quick run: %d samples after the warm-up, nothing to compare", len(measured))
		return
	}
	if len(measured) < 2 {
		b.Fatalf("%d samples after the warm-up (%s and every stream answered once): the run is too short for this machine", len(measured), warm)
	}
	// Nine lines in all: a passing benchmark's log is cut after ten.
	b.Logf("warm-up ended at %s; %d parts, %.1f MiB of Parquet; %d requests on a new connection",
		measured[0].at.Round(100*time.Millisecond), r.store.parts, float64(r.store.bytes)/(1<<20), r.newConns)
	checkFlat(b, measured, quick)
}

// runSoak runs the load: a closed loop of streams against a child serving
// the instant profile, each answer made a row and stored through
// sample.Parts, sampled every interval until d.
func runSoak(b *testing.B, streams int, d, every, warm time.Duration) *soakRun {
	b.Helper()
	ch := startChildSpec(b, "profile=instant")
	defer ch.stop()
	c, err := openai.New(openai.Config{BaseURL: ch.base + "/v1", Model: "m", Stream: true, Client: target.NewHTTPClient(streams)})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()

	r := &soakRun{store: &rowCounter{}}
	parts := sample.NewParts(r.store, func(n int) string { return fmt.Sprintf("soak/part-%05d.parquet", n) }, 0)
	var (
		emitted, failed, newConns atomic.Int64
		started                   atomic.Int64 // streams that have finished a request
		answered                  = make([]atomic.Bool, streams)
		mu                        sync.Mutex
		addErr                    error
	)
	ctx := context.Background()
	var levelStart time.Time // set before the first request
	do := func(ctx context.Context, vu int, seq int64) *sample.Result {
		return c.Do(ctx, target.Request{ID: fmt.Sprint("s", seq), Prompt: "a b c d", MaxTokens: 64})
	}
	emit := func(is loadgen.Issued) {
		emitted.Add(1)
		if !answered[is.VU].Swap(true) {
			started.Add(1)
		}
		res := is.Result
		if !res.ConnReused {
			newConns.Add(1)
		}
		if res.Status != sample.StatusOK && failed.Add(1) == 1 {
			mu.Lock()
			r.firstFail = fmt.Sprintf("request %d: %s %d %s", is.Seq, res.Status, res.HTTPStatus, res.Err)
			mu.Unlock()
		}
		row := sample.FromResult(sample.Meta{
			RunID: "soak", Seq: is.Seq, VU: is.VU, Warmup: is.Warmup,
			LevelStart: levelStart, Intended: is.Intended, Backoff: is.Backoff,
		}, res)
		if err := parts.Add(ctx, row); err != nil {
			mu.Lock()
			addErr = err
			mu.Unlock()
		}
	}

	// The sampler ends the load through Drain right after its last sample,
	// so that sample sees the full load, not the wind-down; Duration is
	// only a backstop.
	drain := make(chan struct{})
	counters := &loadgen.Counters{}
	ex := &loadgen.ClosedLoop{Concurrency: streams, Config: loadgen.Config{
		Warmup: warm, Duration: d, RequestTimeout: time.Minute, Drain: drain, Counters: counters,
	}}
	debug.FreeOSMemory() // the previous soak's heap must not count in "before"
	if r.before, err = takeSample(0, 0, 0); err != nil {
		b.Fatal(err)
	}
	var sampleErr error
	done, stopped := make(chan struct{}), make(chan struct{})
	b.ResetTimer()
	begin := time.Now()
	levelStart, ex.Start = begin, begin
	go func() {
		defer close(done)
		defer close(drain)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-stopped: // the backstop: the executor ended on its own
				return
			case <-t.C:
			}
			at := time.Since(begin)
			s, err := takeSample(at, counters.Done.Load(), started.Load())
			if err != nil {
				sampleErr = err
				return
			}
			r.samples = append(r.samples, s)
			if at >= d-every/2 {
				return
			}
		}
	}()
	err = ex.Execute(ctx, do, emit)
	r.elapsed = time.Since(begin)
	b.StopTimer()
	close(stopped)
	<-done
	if err != nil {
		b.Fatal(err)
	}
	if sampleErr != nil {
		b.Fatal(sampleErr)
	}
	if len(r.samples) < 2 {
		b.Fatalf("%d samples: the load ended before the sampler did", len(r.samples))
	}
	if err := parts.Flush(context.WithoutCancel(ctx)); err != nil {
		b.Fatal(err)
	}
	if addErr != nil {
		b.Errorf("a part failed to write (the final flush succeeded): %v", addErr)
	}
	r.requests, r.emitted, r.failed, r.newConns = counters.Issued.Load(), emitted.Load(), failed.Load(), newConns.Load()

	// The closed connections' goroutines exit on their own time: wait for
	// them a little, on a loaded machine.
	c.Close()
	for wait := time.Now(); ; time.Sleep(100 * time.Millisecond) {
		if r.after, err = takeSample(time.Since(begin), r.emitted, started.Load()); err != nil {
			b.Fatal(err)
		}
		settled := r.after.goroutines <= r.before.goroutines+soakSlack && r.after.fds <= r.before.fds+soakSlack
		if settled || time.Since(wait) > 5*time.Second {
			break
		}
	}
	return r
}

func peakRSS(ss []procSample) int64 {
	var p int64
	for _, s := range ss {
		p = max(p, s.rssKiB)
	}
	return p
}

func mib(kib int64) float64 { return float64(kib) / 1024 }

// logSeries logs the samples as one line per figure: a benchmark's log is
// cut after 10 lines. The first column is before the load, the last after
// it ended and the idle connections were closed.
func logSeries(b *testing.B, all []procSample) {
	b.Helper()
	var t, rss, heap, g, fds, reqs, started strings.Builder
	for _, s := range all {
		fmt.Fprintf(&t, " %7s", s.at.Round(100*time.Millisecond))
		fmt.Fprintf(&rss, " %7.1f", mib(s.rssKiB))
		fmt.Fprintf(&heap, " %7.1f", float64(s.heapLive)/(1<<20))
		fmt.Fprintf(&g, " %7d", s.goroutines)
		fmt.Fprintf(&fds, " %7d", s.fds)
		fmt.Fprintf(&reqs, " %7d", s.requests)
		fmt.Fprintf(&started, " %7d", s.started)
	}
	b.Logf("t (before, samples, after) %s", t.String())
	b.Logf("RSS MiB                    %s", rss.String())
	b.Logf("live heap MiB (last GC)    %s", heap.String())
	b.Logf("goroutines                 %s", g.String())
	b.Logf("open fds                   %s", fds.String())
	b.Logf("requests ended             %s", reqs.String())
	b.Logf("streams answered once      %s", started.String())
}
