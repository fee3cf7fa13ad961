package simllm

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// scrape reads s's /metrics with the Prometheus text parser: gauge name →
// value (a gauge absent is missing from the map).
func scrape(t *testing.T, s *Server) map[string]float64 {
	t.Helper()
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /metrics: %d %s", rec.Code, rec.Body)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(rec.Body)
	if err != nil {
		t.Fatalf("GET /metrics is not Prometheus text: %v", err)
	}
	out := map[string]float64{}
	for name, f := range fams {
		if len(f.Metric) != 1 || f.Metric[0].Gauge == nil {
			t.Fatalf("%s: %d series, want one gauge", name, len(f.Metric))
		}
		out[name] = f.Metric[0].Gauge.GetValue()
	}
	return out
}

// TestMetricsReportTheBatch: in virtual time, the gauges are the engine's
// batch, its queue and the KV-cache blocks of the batch, and all fall to 0
// when the requests are done.
func TestMetricsReportTheBatch(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const step = 10 * time.Millisecond
		p := Profile{Name: "two-slots", Kind: KindBatching, StepBase: step, MaxBatch: 2, KVCacheTokens: 1000}
		s := newVirtual(t, Options{Profile: p})
		var wg sync.WaitGroup
		for range 5 {
			wg.Go(func() {
				serve(context.Background(), t, s, "/chat/completions", nil, chatBody(words(100), 50, true), nil)
			})
			synctest.Wait()
		}
		time.Sleep(2*step + step/2) // two steps: each running sequence has 2 tokens
		synctest.Wait()
		got := scrape(t, s)
		// 100 prompt + 2 generated tokens: 7 blocks of 16 per sequence.
		want := map[string]float64{MetricRunning: 2, MetricWaiting: 3, MetricKVCache: 2 * 7 * 16 / 1000.0}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("mid-run %s = %v, want %v (all: %v)", k, got[k], v, got)
			}
		}
		wg.Wait()
		synctest.Wait()
		for k, v := range scrape(t, s) {
			if v != 0 {
				t.Errorf("after the requests %s = %v, want 0", k, v)
			}
		}
	})
}

// TestMetricsFixedProfile: a profile without an engine queues nothing:
// running is the requests being answered, and there is no KV-cache gauge.
func TestMetricsFixedProfile(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := Profile{Name: "fixed", Kind: KindFixed, TTFT: 100 * time.Millisecond, ITL: 10 * time.Millisecond}
		s := newVirtual(t, Options{Profile: p})
		var wg sync.WaitGroup
		for range 3 {
			wg.Go(func() { serve(context.Background(), t, s, "/chat/completions", nil, chatBody(words(10), 4, true), nil) })
		}
		time.Sleep(50 * time.Millisecond)
		synctest.Wait()
		got := scrape(t, s)
		if got[MetricRunning] != 3 || got[MetricWaiting] != 0 {
			t.Errorf("running %v, waiting %v; want 3 and 0", got[MetricRunning], got[MetricWaiting])
		}
		if _, ok := got[MetricKVCache]; ok {
			t.Errorf("a fixed profile reports %s", MetricKVCache)
		}
		wg.Wait()
		if got := scrape(t, s); got[MetricRunning] != 0 {
			t.Errorf("after the requests running = %v", got[MetricRunning])
		}
	})
}
