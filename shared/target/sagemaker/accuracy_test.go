//go:build accuracy

package sagemaker

import (
	"slices"
	"testing"
	"time"

	"github.com/llmbench/llmbench/shared/timingtest"
)

// TestAccuracySageMakerTiming: for every case of TestMatchesTruth (fixed
// profile: TTFT 50 ms, ITL 10 ms, 16 tokens; four requests at once), the
// medians of the client's first-token lag (its first-token stamp minus the
// server's first write) and of its ITL error are within 2 ms: the
// definitions of the OpenAI client's TestAccuracyTiming (timingtest.Score).
// Ingress (start to the server's handler) is logged; its bound at one
// stream is loadgen's TestAccuracyIngress. Run by make accuracy.
func TestAccuracySageMakerTiming(t *testing.T) {
	const (
		ttft, itl = 50 * time.Millisecond, 10 * time.Millisecond
		maxTokens = 16
		perCase   = 4 // concurrent requests per case: fixed timing is independent of load
		tolerance = 2 * time.Millisecond
	)
	cases := truthCases(maxTokens)
	all := make([]timingtest.Set, len(cases))
	// Cases run one after the other, the requests of a case concurrently.
	for ci, c := range cases {
		r := newTruthRunner(t, c, ttft, itl)
		// A warm-up round opens the connections and initializes the SDK
		// client, so that connection set-up (in the ingress) is kept out.
		r.round("warmup", perCase, 1)
		timingtest.Retry(t, func(fail func(string, ...any)) {
			s := r.score(t, perCase, maxTokens)
			all[ci] = s
			if e := timingtest.Quantile(s.FirstTokenLag, .5); !timingtest.Within(e, tolerance) {
				fail("%s: first-token lag p50 %v, off by more than %v", c.name, e, tolerance)
			}
			if len(s.ITLErr) > 0 {
				if e := timingtest.Quantile(s.ITLErr, .5); !timingtest.Within(e, tolerance) {
					fail("%s: ITL error p50 %v, off by more than %v", c.name, e, tolerance)
				}
			}
		})
	}
	absMax := func(xs []time.Duration) time.Duration {
		return slices.MaxFunc(xs, func(a, b time.Duration) int { return int(max(a, -a) - max(b, -b)) })
	}
	for ci, c := range cases {
		s := all[ci]
		if len(s.FirstTokenLag) == 0 {
			continue
		}
		line := []any{c.name, timingtest.Quantile(s.Ingress, .5), timingtest.Quantile(s.FirstTokenLag, .5), absMax(s.FirstTokenLag)}
		if len(s.ITLErr) > 0 {
			t.Logf("%-20s ingress p50 %8v  first-token lag p50 %8v max %8v  ITL err p50 %8v max %8v", append(line, timingtest.Quantile(s.ITLErr, .5), absMax(s.ITLErr))...)
		} else {
			t.Logf("%-20s ingress p50 %8v  first-token lag p50 %8v max %8v", line...)
		}
	}
}
