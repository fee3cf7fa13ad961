-- trend: every run's per-level figures over time, for QuickSight and ad-hoc
-- comparisons. It reads level_summaries (the aggregator's JSON lines), which
-- projects only dt, so it needs no run_id and survives the expiry of the
-- samples.
CREATE OR REPLACE VIEW trend AS
SELECT
  CAST(from_iso8601_timestamp(started_at) AS timestamp) AS started_at,
  CAST(from_iso8601_timestamp(finished_at) AS timestamp) AS finished_at,
  CAST(dt AS date) AS day,
  name,
  platform,
  engine,
  simulated,
  run_id,
  concurrency,
  requests,
  ok,
  errors,
  error_rate,
  duration_s,
  achieved_concurrency,
  request_throughput,
  output_token_throughput,
  goodput_rps,
  ttft_p50_ms,
  ttft_p95_ms,
  ttft_p99_ms,
  tpot_p50_ms,
  tpot_p95_ms,
  itl_p50_ms,
  itl_p99_ms,
  e2e_p50_ms,
  e2e_p95_ms,
  e2e_p99_ms,
  cost_per_1m_output_tokens_usd,
  output_tokens_per_usd_hour,
  token_source
FROM level_summaries
