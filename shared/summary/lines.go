package summary

import (
	"bytes"
	"encoding/json"
	"time"
)

// LevelLines renders a summary as JSON lines, one flat object per level
// with sorted keys: the columns of the level_summaries Glue table. A
// percentile of an empty distribution is null, not a false 0.
func LevelLines(s *Summary) []byte {
	var b bytes.Buffer
	for _, l := range s.Levels {
		row := map[string]any{
			"run_id": s.RunID, "name": s.Name, "platform": s.Platform, "engine": s.Engine,
			"simulated": s.Simulated, "target": s.Target,
			"started_at":  s.StartedAt.UTC().Format(time.RFC3339Nano),
			"finished_at": s.FinishedAt.UTC().Format(time.RFC3339Nano),
			"level_index": l.Index, "mode": l.Mode, "request_rate": l.RequestRate, "ramp": l.Ramp,
			"achieved_request_rate": l.AchievedRequestRate, "scheduled_request_rate": l.ScheduledRequestRate, "not_sent": l.NotSent,
			"cache_hit_ratio": l.CacheHitRatio, "reasoning_share": l.ReasoningShare,
			"concurrency": l.Concurrency, "requests": l.Requests, "warmup_requests": l.WarmupRequests,
			"ok": l.OK, "errors": l.Errors, "error_rate": l.ErrorRate,
			"throttled": l.Throttled, "cut_short": l.CutShort, "backoff_s": l.BackoffS,
			"duration_s": l.DurationS, "achieved_concurrency": l.AchievedConcurrency,
			"request_throughput": l.RequestThroughput, "output_token_throughput": l.OutputTokenThroughput,
			"input_token_throughput": l.InputTokenThroughput, "goodput_rps": l.GoodputRPS,
			"output_tokens": l.OutputTokens, "input_tokens": l.InputTokens, "token_source": l.TokenSource,
			"cost_per_1m_output_tokens_usd": l.CostPer1MOutputTokensUSD,
			"output_tokens_per_usd_hour":    l.OutputTokensPerUSDHour,
		}
		for name, d := range map[string]Dist{"ttft": l.TTFTMs, "tpot": l.TPOTMs, "itl": l.ITLMs, "e2e": l.E2EMs, "send_lag": l.SendLagMs, "queue": l.QueueMs} {
			for p, v := range map[string]float64{"p50": d.P50, "p90": d.P90, "p95": d.P95, "p99": d.P99} {
				var x any = v
				if d.N == 0 {
					x = nil
				}
				row[name+"_"+p+"_ms"] = x
			}
		}
		line, _ := json.Marshal(row) // map keys come out sorted; every value marshals
		b.Write(line)
		b.WriteByte('\n')
	}
	return b.Bytes()
}
