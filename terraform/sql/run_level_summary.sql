-- run_level_summary: per run and level figures straight from the samples,
-- with exact percentiles (numpy's default linear interpolation, as
-- summary.json): for n sorted values v[1..n] and p, h = (n - 1) * p,
-- value = v[floor(h) + 1] + (h - floor(h)) * (v[floor(h) + 2] - v[floor(h) + 1]).
-- Warm-up rows are left out; latencies are over ok rows; ITL pools every gap.
-- Query it with WHERE run_id = '<id>': samples projects run_id by injection,
-- so Athena refuses a scan that does not name the run.
CREATE OR REPLACE VIEW run_level_summary AS
WITH agg AS (
  SELECT
    run_id,
    level,
    count(*) AS requests,
    count_if(status = 'ok') AS ok,
    count_if(status <> 'ok') AS errors,
    (max(end_ms) - min(start_ms)) / 1000.0 AS duration_s,
    sum(CASE WHEN status = 'ok' THEN output_tokens ELSE 0 END) AS output_tokens,
    sum(CASE WHEN status = 'ok' THEN input_tokens ELSE 0 END) AS input_tokens,
    array_sort(array_agg(ttft_ms) FILTER (WHERE status = 'ok' AND ttft_ms IS NOT NULL)) AS ttft,
    array_sort(array_agg(tpot_ms) FILTER (WHERE status = 'ok' AND tpot_ms IS NOT NULL)) AS tpot,
    array_sort(array_agg(e2e_ms) FILTER (WHERE status = 'ok' AND e2e_ms IS NOT NULL)) AS e2e,
    array_sort(flatten(array_agg(itl_ms) FILTER (WHERE status = 'ok' AND itl_ms IS NOT NULL))) AS itl
  FROM samples
  WHERE NOT warmup
  GROUP BY run_id, level
)
SELECT
  run_id,
  level AS concurrency,
  requests,
  ok,
  errors,
  CAST(errors AS double) / requests AS error_rate,
  duration_s,
  IF(duration_s > 0, ok / duration_s) AS request_throughput,
  IF(duration_s > 0, output_tokens / duration_s) AS output_token_throughput,
  IF(duration_s > 0, input_tokens / duration_s) AS input_token_throughput,
  output_tokens,
  input_tokens
%{ for m in metrics ~}
%{ for p in percentiles ~}
  , IF(cardinality(${m}) = 0, NULL,
      element_at(${m}, CAST(floor(CAST(cardinality(${m}) - 1 AS double) * ${p}) AS integer) + 1)
      + (CAST(cardinality(${m}) - 1 AS double) * ${p} - floor(CAST(cardinality(${m}) - 1 AS double) * ${p}))
      * (element_at(${m}, least(CAST(floor(CAST(cardinality(${m}) - 1 AS double) * ${p}) AS integer) + 2, cardinality(${m})))
         - element_at(${m}, CAST(floor(CAST(cardinality(${m}) - 1 AS double) * ${p}) AS integer) + 1))) AS ${m}_p${floor(p * 100)}_ms
%{ endfor ~}
%{ endfor ~}
FROM agg
