package loadgen_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/llmbench/llmbench/shared/loadgen"
	"github.com/llmbench/llmbench/shared/sample"
	"github.com/llmbench/llmbench/shared/simllm"
	"github.com/llmbench/llmbench/shared/target"
	"github.com/llmbench/llmbench/shared/target/openai"
	"github.com/llmbench/llmbench/shared/timingtest"
)

// measured is what measure saw: the figures of every request on a
// kept-alive connection, and counts that say whether the run was whole.
type measured struct {
	mu     sync.Mutex
	set    timingtest.Set
	scored int     // requests on kept-alive connections: their figures are in set
	warm   int     // first requests on new connections: causality checked, not scored
	failed int     // not OK, or no truth
	errs   []error // Score's errors: counts that differ, a start after the server's receive
}

// measure drives streams concurrent streaming requests, rounds each,
// against a fixed-profile server in this process and scores every request
// against its truth (timingtest.Score). A stream's first request dials:
// its TTFT includes the connect time (the row records it apart, in
// connect_ms), so only the requests of warm connections are scored, as a
// run's measured window has them; Score's causality check runs on all.
func measure(tb testing.TB, streams, rounds, tokens int, ttft, itl time.Duration) *measured {
	tb.Helper()
	p, err := simllm.LookupProfile("fixed")
	if err != nil {
		tb.Fatal(err)
	}
	p.TTFT, p.ITL = ttft, itl
	sim, err := simllm.Start(simllm.Options{Profile: p, RecordTruth: true})
	if err != nil {
		tb.Fatal(err)
	}
	defer sim.Close()
	c, err := openai.New(openai.Config{BaseURL: sim.URL, Model: "m", Stream: true, Client: target.NewHTTPClient(streams)})
	if err != nil {
		tb.Fatal(err)
	}
	defer c.Close()
	m := &measured{}
	do := func(ctx context.Context, vu int, seq int64) *sample.Result {
		return c.Do(ctx, target.Request{ID: fmt.Sprint("r", seq), Prompt: "a b c d", MaxTokens: tokens})
	}
	emit := func(is loadgen.Issued) {
		r := is.Result
		tr, ok := sim.Server.TakeTruth(fmt.Sprint("r", is.Seq))
		m.mu.Lock()
		defer m.mu.Unlock()
		if r.Status != sample.StatusOK || !ok {
			m.failed++
			return
		}
		f, err := timingtest.Score(r.Start, r.Tokens, tr.Received, tr.Chunks)
		if err != nil {
			m.errs = append(m.errs, fmt.Errorf("request r%d (conn reused %v): %w", is.Seq, r.ConnReused, err))
			return
		}
		if !r.ConnReused {
			m.warm++
			return
		}
		m.scored++
		m.set.Add(f)
	}
	ex := &loadgen.ClosedLoop{Concurrency: streams, Config: loadgen.Config{Requests: rounds * streams, RequestTimeout: time.Minute}}
	if err := ex.Execute(context.Background(), do, emit); err != nil {
		tb.Fatal(err)
	}
	return m
}

// check fails tb unless every one of the streams × rounds requests
// succeeded, had a truth of as many chunks as the client stamped and
// started before the server received it, and some went over kept-alive
// connections. (Usually exactly one request a stream dials; on a loaded
// machine a stream may take a connection another one freed first.)
func (m *measured) check(tb testing.TB, streams, rounds int) {
	tb.Helper()
	for i, err := range m.errs {
		if i == 5 {
			tb.Errorf("… and %d more", len(m.errs)-i)
			break
		}
		tb.Error(err)
	}
	if n := streams * rounds; m.failed > 0 || len(m.errs) > 0 || m.warm+m.scored != n || m.scored == 0 {
		tb.Fatalf("of %d requests: %d failed, %d did not score, %d on new connections, %d scored", n, m.failed, len(m.errs), m.warm, m.scored)
	}
}

// TestStartPrecedesReceive: for every request, at one stream and at 16,
// the client's start stamp is before the moment the server's handler
// received the request, and the client stamped as many tokens as the
// server wrote. Both hold whatever the machine's load (a request cannot
// arrive before it is sent); a start stamp taken late fails here, where
// the lag figures alone would not see it. How close the stamps are is
// make accuracy's check (TestAccuracyIngress).
func TestStartPrecedesReceive(t *testing.T) {
	for _, streams := range []int{1, 16} {
		t.Run(fmt.Sprint("streams=", streams), func(t *testing.T) {
			const rounds = 3
			measure(t, streams, rounds, 4, 2*time.Millisecond, time.Millisecond).check(t, streams, rounds)
		})
	}
}
