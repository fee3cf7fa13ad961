//go:build accuracy

package simllm

import (
	"context"
	"math"
	"sync"
	"testing"
	"time"

	"github.com/llmbench/llmbench/shared/timingtest"
)

// The wall-clock checks of the simulated server: that the real server, on
// a real clock and over loopback HTTP, keeps the schedule its unit tests
// check in virtual time. Run by make accuracy (build tag accuracy), each
// check retried up to timingtest.Attempts times.

// TestAccuracyFixedTiming: the client measures TTFT ≈ 100 ms and ITL ≈ 20
// ms, and the server's Truth agrees within a few ms, with four requests at
// once (fixed requests must not slow each other down).
func TestAccuracyFixedTiming(t *testing.T) {
	rs := start(t, Options{Profile: mustProfile(t, "fixed"), RecordTruth: true})
	c := newClient()
	const n, maxTokens = 4, 20
	const ttft, itl = 100 * time.Millisecond, 20 * time.Millisecond
	timingtest.Retry(t, func(fail func(string, ...any)) {
		results := make([]*result, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				id := string(rune('a' + i))
				results[i] = call(context.Background(), t, c, rs.URL+"/chat/completions", map[string]string{RequestIDHeader: id}, chatBody(words(10), maxTokens, true))
			})
		}
		wg.Wait()
		near := func(what string, got, want, tol time.Duration) {
			if !timingtest.Within(got-want, tol) {
				fail("%s: got %v, want %v ± %v", what, got, want, tol)
			}
		}
		for i, r := range results {
			id := string(rune('a' + i))
			texts, at := r.tokens(t)
			if len(texts) != maxTokens {
				t.Fatalf("%s: %d tokens, want %d", id, len(texts), maxTokens)
			}
			tr, ok := rs.Server.TakeTruth(id)
			if !ok {
				t.Fatalf("%s: no truth", id)
			}
			if len(tr.Chunks) != maxTokens || tr.OutputTokens != maxTokens || tr.InputTokens != 10 || !tr.Completed {
				t.Fatalf("%s: truth %d chunks, %d out, %d in, completed %v", id, len(tr.Chunks), tr.OutputTokens, tr.InputTokens, tr.Completed)
			}
			clientTTFT, clientITL := at[0].Sub(r.sent), at[maxTokens-1].Sub(at[0])/(maxTokens-1)
			t.Logf("%s: client TTFT %v ITL %v; truth TTFT %v", id, clientTTFT, clientITL, tr.Chunks[0].Sub(tr.Received))
			near(id+" client TTFT", clientTTFT, ttft, 10*time.Millisecond)
			near(id+" client mean ITL", clientITL, itl, 2*time.Millisecond)
			// Absolute deadlines: chunk k is at Received+TTFT+k*ITL, not
			// merely ITL after the previous one, so nothing accumulates.
			for k := range maxTokens {
				near(id+" truth chunk offset", tr.Chunks[k].Sub(tr.Received), ttft+time.Duration(k)*itl, 3*time.Millisecond)
			}
			// Client and server agree on every chunk. The server stamps
			// right after Flush returns, so the client may read a chunk a
			// little before it is stamped.
			for k := range at {
				if d := at[k].Sub(tr.Chunks[k]); d < -2*time.Millisecond || d > 5*time.Millisecond {
					fail("%s: chunk %d seen by the client %v after the server's stamp", id, k, d)
				}
			}
		}
	})
}

// closedLoopHTTP is closedLoop over loopback HTTP on the real clock.
func closedLoopHTTP(t *testing.T, url string, clients int, warm, window time.Duration) (tokPerSec float64, meanE2E time.Duration) {
	t.Helper()
	c := newClient()
	return measureClosedLoop(t, clients, warm, window, func(ctx context.Context, body any) *result {
		return call(ctx, t, c, url+"/chat/completions", nil, body)
	})
}

// TestAccuracyCalibratedThroughput: on a real clock, the g5 profile gives
// the seeds' figure (950 output tok/s ± 7% at 32 concurrent streams of 256
// in / 64 out; TestCalibratedThroughput checks the same in virtual time),
// and 6 streams give 350 to 500. The engine's absolute deadlines make the
// figure steady to about ±1% on a quiet machine.
func TestAccuracyCalibratedThroughput(t *testing.T) {
	rs := start(t, Options{Profile: mustProfile(t, "g5-llama31-8b-awq")})
	timingtest.Retry(t, func(fail func(string, ...any)) {
		tps32, e2e32 := closedLoopHTTP(t, rs.URL, 32, 1500*time.Millisecond, 6*time.Second)
		t.Logf("32 clients: %.0f output tok/s, mean E2E %v", tps32, e2e32)
		if math.Abs(tps32-950)/950 > 0.07 {
			fail("32 clients: %.0f tok/s, want 950 ± 7%%", tps32)
		}
	})
	timingtest.Retry(t, func(fail func(string, ...any)) {
		tps6, e2e6 := closedLoopHTTP(t, rs.URL, 6, 500*time.Millisecond, 3*time.Second)
		t.Logf("6 clients: %.0f output tok/s, mean E2E %v", tps6, e2e6)
		if tps6 < 350 || tps6 > 500 {
			fail("6 clients: %.0f tok/s, want 350..500", tps6)
		}
	})
}
