package simllm

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

// The batching engine's tests run in virtual time (virtual_test.go), so
// they check its arithmetic exactly and cannot be upset by a loaded
// machine. TestAccuracyCalibratedThroughput checks the calibration on a
// real clock, under make accuracy.

// closedLoop runs clients streaming clients against s in virtual time (in
// a synctest bubble), each sending its next request (256 prompt words, 64
// output tokens) as soon as the last one ended, and returns the aggregate
// output tok/s and mean E2E measured over the window [warm, warm+window)
// after the start.
func closedLoop(t *testing.T, s *Server, clients int, warm, window time.Duration) (tokPerSec float64, meanE2E time.Duration) {
	t.Helper()
	return measureClosedLoop(t, clients, warm, window, func(ctx context.Context, body any) *result {
		return serve(ctx, t, s, "/chat/completions", nil, body, nil)
	})
}

// measureClosedLoop is closedLoop with the request left to send: in
// virtual time (serve) or over loopback HTTP (call).
func measureClosedLoop(t *testing.T, clients int, warm, window time.Duration, send func(ctx context.Context, body any) *result) (tokPerSec float64, meanE2E time.Duration) {
	t.Helper()
	// Every prompt is unique from its first word, so the prefix cache
	// never helps: the calibration is of uncached prefill, as the seeds'
	// benchmark's random prompts were.
	var n atomic.Int64
	body := func() any { return chatBody(fmt.Sprintf("u%d %s", n.Add(1), words(255)), 64, true) }
	t0 := time.Now()
	from, to := t0.Add(warm), t0.Add(warm+window)
	ctx, cancel := context.WithDeadline(context.Background(), to)
	defer cancel()
	var tokens, e2eSum, e2eN atomic.Int64
	var wg sync.WaitGroup
	for range clients {
		wg.Go(func() {
			for ctx.Err() == nil {
				r := send(ctx, body())
				for _, e := range r.events {
					if e.at.Before(from) || !e.at.Before(to) || e.data == "[DONE]" {
						continue
					}
					var ch chunk
					if err := json.Unmarshal([]byte(e.data), &ch); err != nil {
						t.Errorf("chunk %q: %v", e.data, err) // not Fatal: another goroutine
						return
					}
					if _, ok := ch.tokenText(); ok {
						tokens.Add(1)
					}
				}
				if r.done() && !r.sent.Before(from) {
					e2eSum.Add(int64(r.events[len(r.events)-1].at.Sub(r.sent)))
					e2eN.Add(1)
				}
			}
		})
	}
	wg.Wait()
	if e2eN.Load() > 0 {
		meanE2E = time.Duration(e2eSum.Load() / e2eN.Load())
	}
	return float64(tokens.Load()) / window.Seconds(), meanE2E
}

// TestCalibratedThroughput checks the g5 profile's arithmetic against the
// seeds' figure (950 output tok/s ± 7% at 32 concurrent streams of 256 in
// / 64 out) and that lower concurrency gives clearly less (350 to 500 at
// 6), as batching should.
func TestCalibratedThroughput(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newVirtual(t, Options{Profile: mustProfile(t, "g5-llama31-8b-awq")})
		tps32, e2e32 := closedLoop(t, s, 32, 1500*time.Millisecond, 6*time.Second)
		t.Logf("32 clients: %.0f output tok/s, mean E2E %v", tps32, e2e32)
		if math.Abs(tps32-950)/950 > 0.07 {
			t.Errorf("32 clients: %.0f tok/s, want 950 ± 7%%", tps32)
		}
		tps6, e2e6 := closedLoop(t, s, 6, 500*time.Millisecond, 3*time.Second)
		t.Logf("6 clients: %.0f output tok/s, mean E2E %v", tps6, e2e6)
		if tps6 < 350 || tps6 > 500 {
			t.Errorf("6 clients: %.0f tok/s, want 350..500", tps6)
		}
	})
}

// TestBatchingQueueAndPrefill checks the step arithmetic with one slot: the
// first request's TTFT is one step including its prefill, and the second,
// sent once the first is in the engine, waits in the queue until the first
// has left the batch.
func TestBatchingQueueAndPrefill(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := Profile{Name: "one-slot", Kind: KindBatching, StepBase: 20 * time.Millisecond, PrefillPerToken: 300 * time.Microsecond, MaxBatch: 1}
		s := newVirtual(t, Options{Profile: p, RecordTruth: true})
		var wg sync.WaitGroup
		for _, id := range []string{"a", "b"} {
			wg.Go(func() {
				serve(context.Background(), t, s, "/chat/completions", map[string]string{RequestIDHeader: id}, chatBody(words(100), 5, true), nil)
			})
			synctest.Wait() // a is in the engine before b is sent
		}
		wg.Wait()
		a, _ := s.TakeTruth("a")
		b, _ := s.TakeTruth("b")
		if len(a.Chunks) != 5 || len(b.Chunks) != 5 || a.InputTokens != 100 || b.InputTokens != 100 {
			t.Fatalf("chunks: a %d, b %d, want 5 each; input tokens %d, %d, want 100", len(a.Chunks), len(b.Chunks), a.InputTokens, b.InputTokens)
		}
		step, first := 20*time.Millisecond, 50*time.Millisecond // first step: 20ms + 100 tokens * 0.3ms
		checks := []struct {
			what      string
			got, want time.Duration
		}{
			{"a TTFT = base + prefill", a.Chunks[0].Sub(a.Received), first},
			{"a ITL = base", a.Chunks[4].Sub(a.Chunks[0]) / 4, step},
			// b is admitted at the step after a's last one.
			{"b first token after a's last + one prefill step", b.Chunks[0].Sub(a.Chunks[4]), first},
			{"b ITL = base", b.Chunks[4].Sub(b.Chunks[0]) / 4, step},
			{"b sent with a", b.Received.Sub(a.Received), 0},
		}
		for _, ck := range checks {
			if ck.got != ck.want {
				t.Errorf("%s: got %v, want %v", ck.what, ck.got, ck.want)
			}
		}
	})
}

// TestBatchingCancelFreesSlot: a client that goes away leaves the batch at
// the next step, its handler returns, and the only slot serves the next
// request at once.
func TestBatchingCancelFreesSlot(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const step = 10 * time.Millisecond
		p := Profile{Name: "one-slot", Kind: KindBatching, StepBase: step, MaxBatch: 1}
		s := newVirtual(t, Options{Profile: p})
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		// The client goes away once it has the role chunk and three tokens;
		// serve returns when the handler does.
		long := serve(ctx, t, s, "/chat/completions", nil, chatBody("hi", 100000, true), func(n int) {
			if n == 4 {
				cancel()
			}
		})
		if texts, _ := long.tokens(t); len(texts) != 3 || long.done() {
			t.Fatalf("cancelled stream: %d tokens, done %v; want 3, not done", len(texts), long.done())
		}
		r := serve(context.Background(), t, s, "/chat/completions", nil, chatBody("hi", 3, true), nil)
		texts, at := r.tokens(t)
		if len(texts) != 3 || !r.done() {
			t.Fatalf("next request: %d tokens, done %v", len(texts), r.done())
		}
		// One step, or two if the engine had begun the cancelled one's
		// next step; were the slot still held, 100000 steps.
		if ttft := at[0].Sub(r.sent); ttft > 2*step {
			t.Errorf("next request TTFT %v: the cancelled one still holds the slot", ttft)
		}
		if n := s.InFlight(); n != 0 {
			t.Errorf("%d handlers in flight after both returned", n)
		}
	})
}

// TestLocalProfileLowLoadTTFT checks the llama.cpp-like profile's headline:
// a TTFT of roughly 400 ms for a 256-word prompt at low load.
func TestLocalProfileLowLoadTTFT(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newVirtual(t, Options{Profile: mustProfile(t, "local-llamacpp-m4")})
		r := serve(context.Background(), t, s, "/chat/completions", nil, chatBody(words(256), 2, true), nil)
		_, at := r.tokens(t)
		if len(at) != 2 {
			t.Fatalf("got %d tokens, want 2", len(at))
		}
		ttft := at[0].Sub(r.sent)
		t.Logf("local-llamacpp-m4 TTFT at 256 words: %v", ttft)
		if ttft < 350*time.Millisecond || ttft > 450*time.Millisecond {
			t.Errorf("TTFT %v, want about 400ms", ttft)
		}
	})
}
