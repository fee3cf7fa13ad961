//go:build accuracy

package loadgen_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/llmbench/llmbench/shared/timingtest"
)

// The wall-clock checks of the client against the simulated server's
// record, run by make accuracy (build tag accuracy, one package at a time,
// each check retried up to timingtest.Attempts times). Their definitions
// are timingtest.Score's; the unit suite keeps the causality check
// (TestStartPrecedesReceive), which cannot flake.

// TestAccuracyTiming: against a server that writes the first token 100 ms
// after a request and then one every 20 ms, alone and with 64 streams at
// once, the medians of the client's first-token lag (its first-token stamp
// minus the server's first write) and of its ITL error are within 2 ms.
// With the ingress (TestAccuracyIngress) they make up the client's TTFT.
// (Whether the simulated server keeps to its profile is simllm's own
// accuracy test.)
func TestAccuracyTiming(t *testing.T) {
	const tolerance = 2 * time.Millisecond
	for _, streams := range []int{1, 64} {
		t.Run(fmt.Sprint("streams=", streams), func(t *testing.T) {
			timingtest.Retry(t, func(fail func(string, ...any)) {
				const rounds = 2
				m := measure(t, streams, rounds, 64, 100*time.Millisecond, 20*time.Millisecond)
				m.check(t, streams, rounds)
				s := m.set
				if len(s.ITLErr) != m.scored*63 {
					t.Fatalf("%d ITLs for %d requests of 64 tokens", len(s.ITLErr), m.scored)
				}
				for _, c := range []struct {
					what string
					xs   []time.Duration
				}{
					{"first-token lag", s.FirstTokenLag},
					{"ITL error", s.ITLErr},
				} {
					if e := timingtest.Quantile(c.xs, .5); !timingtest.Within(e, tolerance) {
						fail("%s p50 %v: off by more than %v", c.what, e, tolerance)
					}
				}
				q := func(xs []time.Duration, p float64) float64 { return timingtest.Ms(timingtest.Quantile(xs, p)) }
				t.Logf("streams %d: ITL error p50 %.3f p99 %.3f ms; delivery lag p50 %.3f p99 %.3f ms; first-token lag p50 %.3f p99 %.3f ms; ingress p50 %.3f p99 %.3f ms",
					streams, q(s.ITLErr, .5), q(s.ITLErr, .99), q(s.Lag, .5), q(s.Lag, .99),
					q(s.FirstTokenLag, .5), q(s.FirstTokenLag, .99), q(s.Ingress, .5), q(s.Ingress, .99))
			})
		})
	}
}

// TestAccuracyIngress: at one stream, the median of the time from the
// client's start stamp to the server's handler (ingress) is under 1 ms, so
// a start stamp taken 1 ms early fails here, as one taken late fails
// TestStartPrecedesReceive. (Ingress is real latency of the system under
// test: under load it grows, and runs report it apart.)
func TestAccuracyIngress(t *testing.T) {
	const bound = time.Millisecond
	timingtest.Retry(t, func(fail func(string, ...any)) {
		const rounds = 41 // 40 scored, on one kept-alive connection
		m := measure(t, 1, rounds, 4, 5*time.Millisecond, time.Millisecond)
		m.check(t, 1, rounds)
		in := m.set.Ingress
		t.Logf("ingress at one stream: p50 %.3f ms, p99 %.3f ms, max %.3f ms over %d requests",
			timingtest.Ms(timingtest.Quantile(in, .5)), timingtest.Ms(timingtest.Quantile(in, .99)), timingtest.Ms(timingtest.Quantile(in, 1)), len(in))
		if p := timingtest.Quantile(in, .5); p >= bound {
			fail("ingress p50 at one stream %v, want under %v", p, bound)
		}
	})
}
