package simllm

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"
)

// TestFixedTiming checks the fixed profile from both sides: the client
// measures TTFT ≈ 100 ms and ITL ≈ 20 ms, and the server's Truth agrees
// within a few ms. Several concurrent requests run, since fixed requests
// must not slow each other down.
func TestFixedTiming(t *testing.T) {
	rs := start(t, Options{Profile: mustProfile(t, "fixed"), RecordTruth: true})
	c := newClient()
	const n, maxTokens = 4, 20
	const ttft, itl = 100 * time.Millisecond, 20 * time.Millisecond
	retryTiming(t, 3, func(fail func(string, ...any)) {
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
			if d := got - want; d < -tol || d > tol {
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
				near(fmt.Sprintf("%s truth chunk %d offset", id, k), tr.Chunks[k].Sub(tr.Received), ttft+time.Duration(k)*itl, 3*time.Millisecond)
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

// TestFixedCustomTiming: the CLI's --ttft/--itl set Profile.TTFT/ITL.
func TestFixedCustomTiming(t *testing.T) {
	p := mustProfile(t, "fixed")
	p.TTFT, p.ITL = 30*time.Millisecond, 5*time.Millisecond
	rs := start(t, Options{Profile: p, RecordTruth: true})
	retryTiming(t, 3, func(fail func(string, ...any)) {
		call(context.Background(), t, newClient(), rs.URL+"/completions", map[string]string{RequestIDHeader: "x"},
			map[string]any{"prompt": "one two three", "max_tokens": 11, "stream": true})
		tr, _ := rs.Server.TakeTruth("x")
		if len(tr.Chunks) != 11 {
			t.Fatalf("%d chunks, want 11", len(tr.Chunks))
		}
		if got := tr.Chunks[10].Sub(tr.Received); got < 80*time.Millisecond || got > 83*time.Millisecond {
			fail("last chunk at %v, want 30ms + 10*5ms = 80ms", got)
		}
		if _, ok := rs.Server.Truth("x"); ok {
			t.Fatal("TakeTruth did not forget the record")
		}
	})
}
