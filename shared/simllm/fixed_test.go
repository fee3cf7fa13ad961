package simllm

import (
	"context"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// TestFixedTiming checks the fixed profile's schedule in virtual time
// (virtual_test.go): four requests at once, and chunk k of each is written
// exactly TTFT + k·ITL after the request arrived (absolute deadlines, so
// nothing accumulates and the requests do not move each other), at the
// instants the server's Truth records. On a real clock:
// TestAccuracyFixedTiming.
func TestFixedTiming(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newVirtual(t, Options{Profile: mustProfile(t, "fixed"), RecordTruth: true})
		const n, maxTokens = 4, 20
		const ttft, itl = 100 * time.Millisecond, 20 * time.Millisecond
		results := make([]*result, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				id := string(rune('a' + i))
				results[i] = serve(context.Background(), t, s, "/chat/completions", map[string]string{RequestIDHeader: id}, chatBody(words(10), maxTokens, true), nil)
			})
		}
		wg.Wait()
		for i, r := range results {
			id := string(rune('a' + i))
			texts, at := r.tokens(t)
			if len(texts) != maxTokens || !r.done() {
				t.Fatalf("%s: %d tokens (done %v), want %d", id, len(texts), r.done(), maxTokens)
			}
			tr, ok := s.TakeTruth(id)
			if !ok {
				t.Fatalf("%s: no truth", id)
			}
			if len(tr.Chunks) != maxTokens || tr.OutputTokens != maxTokens || tr.InputTokens != 10 || !tr.Completed || !tr.Received.Equal(r.sent) {
				t.Fatalf("%s: truth %d chunks, %d out, %d in, completed %v, received %v after the send",
					id, len(tr.Chunks), tr.OutputTokens, tr.InputTokens, tr.Completed, tr.Received.Sub(r.sent))
			}
			for k := range maxTokens {
				if got, want := at[k].Sub(r.sent), ttft+time.Duration(k)*itl; got != want || !tr.Chunks[k].Equal(at[k]) {
					t.Errorf("%s: chunk %d written at %v (truth %v), want %v", id, k, got, tr.Chunks[k].Sub(r.sent), want)
				}
			}
		}
	})
}

// TestFixedCustomTiming: the CLI's --ttft/--itl set Profile.TTFT/ITL, and
// TakeTruth forgets the record it returns.
func TestFixedCustomTiming(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := mustProfile(t, "fixed")
		p.TTFT, p.ITL = 30*time.Millisecond, 5*time.Millisecond
		s := newVirtual(t, Options{Profile: p, RecordTruth: true})
		r := serve(context.Background(), t, s, "/completions", map[string]string{RequestIDHeader: "x"},
			map[string]any{"prompt": "one two three", "max_tokens": 11, "stream": true}, nil)
		tr, _ := s.TakeTruth("x")
		if _, at := r.tokens(t); len(tr.Chunks) != 11 || len(at) != 11 {
			t.Fatalf("%d chunks, %d read; want 11", len(tr.Chunks), len(at))
		}
		if got := tr.Chunks[10].Sub(tr.Received); got != 80*time.Millisecond {
			t.Errorf("last chunk at %v, want 30ms + 10*5ms = 80ms", got)
		}
		if _, ok := s.Truth("x"); ok {
			t.Fatal("TakeTruth did not forget the record")
		}
	})
}
