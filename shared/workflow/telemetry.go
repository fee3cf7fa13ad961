package workflow

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/llmbench/llmbench/shared/plan"
	"github.com/llmbench/llmbench/shared/spec"
	"github.com/llmbench/llmbench/shared/store"
	"github.com/llmbench/llmbench/shared/summary"
	"github.com/llmbench/llmbench/shared/telemetry"
)

// scrapeWorker is the slice that scrapes the server of its level
// (target.metrics): one scraper per level, not per worker.
const scrapeWorker = 0

// startScrape starts the scrape of the server's metrics for the slice's
// level when the spec asks for it and the slice is scrapeWorker's, from
// levelStart every target.metrics.interval until the level's measured
// time ends (warm-up + duration) or the returned stop is called, which
// waits for the last part and returns what the scrapes gave (nil when
// this slice does not scrape). A failing endpoint never fails the slice:
// the result says how its scrapes failed. A level run in rounds is
// scraped during its first round (round 0) only, which the summary's
// warning says: its later rounds would write the same part keys.
func (w *Worker) startScrape(ctx context.Context, st store.Store, s *spec.Spec, sl plan.Slice, day, levelStart time.Time, round int) (stop func() *telemetry.Result) {
	m := s.Target.Metrics
	if m == nil || sl.Worker != scrapeWorker || round > 0 {
		return func() *telemetry.Result { return nil }
	}
	url := m.URL
	if url == "" {
		url = w.cfg.SimMetricsURL
	}
	if url == "" {
		return func() *telemetry.Result {
			return &telemetry.Result{Error: "no metrics endpoint: the simulated server's /metrics is known only to the process that started it (llmbench run)"}
		}
	}
	tctx, cancel := context.WithCancel(ctx)
	if d := s.Load.Duration.D(); d > 0 {
		// Requests in flight after the measured time are let finish, but
		// the server draining is not the level's load.
		tctx, cancel = context.WithDeadline(ctx, levelStart.Add(s.Load.Warmup.D()+d))
	}
	cfg := telemetry.Config{
		URL: url, Interval: m.Interval.D(), RunID: sl.RunID, LevelIndex: sl.LevelIndex,
		Start: levelStart, Warmup: s.Load.Warmup.D(),
	}
	done := make(chan telemetry.Result, 1)
	go func() {
		done <- telemetry.Run(tctx, cfg, st, func(n int) string { return store.TelemetryKey(day, sl.RunID, sl.LevelIndex, n) })
	}()
	return func() *telemetry.Result {
		cancel()
		r := <-done
		return &r
	}
}

// dropTelemetry deletes the telemetry parts an interrupted attempt of the
// scraping slice left, so that a retried slice stores its scrapes once.
func dropTelemetry(ctx context.Context, st store.Store, s *spec.Spec, day time.Time, sl plan.Slice) error {
	if s.Target.Metrics == nil || sl.Worker != scrapeWorker {
		return nil
	}
	keys, err := st.List(ctx, store.TelemetryPrefix(day, sl.RunID, sl.LevelIndex))
	if err != nil {
		return err
	}
	for _, k := range keys {
		if err := st.Delete(ctx, k); err != nil {
			return err
		}
	}
	return nil
}

// serverOf is a level's server figures: what the telemetry SQL computed
// (q, nil when no row of the level was stored) and what its scrapes said
// (r, nil when the scraping slice left no record), with a warning when
// figures are missing or partial. rounds is the level's number of rounds.
func serverOf(q *summary.Server, r *telemetry.Result, rounds int) *summary.Server {
	out := &summary.Server{}
	if q != nil {
		*out = *q
	}
	var warn []string
	if r == nil {
		warn = append(warn, fmt.Sprintf("the scraping slice (worker %d) left no scrape record", scrapeWorker))
	} else {
		out.Scrapes, out.Failed = r.Scrapes, r.Failed
		if r.Failed > 0 {
			warn = append(warn, fmt.Sprintf("%d of %d scrapes failed, the first: %s", r.Failed, r.Scrapes, r.Error))
		} else if r.Error != "" {
			warn = append(warn, r.Error)
		}
		if r.WriteError != "" {
			warn = append(warn, "telemetry not stored: "+r.WriteError)
		}
	}
	if rounds > 1 {
		warn = append(warn, fmt.Sprintf("the level ran in %d rounds: its server was scraped during the first round only", rounds))
	}
	switch {
	case out.Samples == 0 && len(warn) == 0:
		warn = append(warn, "no scrape after the warm-up was stored")
	case out.Samples > 0 && out.RunningMean == nil && out.WaitingMean == nil && out.KVCacheMean == nil:
		warn = append(warn, "the endpoint has none of vLLM's gauges (vllm:num_requests_running, vllm:num_requests_waiting, vllm:kv_cache_usage_perc); its rows are in the telemetry table")
	}
	out.Warning = strings.Join(warn, "; ")
	return out
}

// addScrape keeps what a level's scraping slice recorded of its scrapes.
func (n *notes) addScrape(level int, r *telemetry.Result) {
	if r == nil {
		return
	}
	if n.scrapes == nil {
		n.scrapes = map[int]*telemetry.Result{}
	}
	n.scrapes[level] = r
}

// levelRounds is the number of rounds of the plan's level index (1 for a
// level the plan does not have).
func levelRounds(p *plan.Plan, index int) int {
	if index < 0 || index >= len(p.Levels) {
		return 1
	}
	return p.Levels[index].RoundCount()
}
