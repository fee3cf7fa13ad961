// Package query computes the per-level figures of a run (summary.Level)
// with SQL over the stored Parquet rows (sample.Row), and runs that SQL on
// DuckDB. The same SQL text runs unchanged on Athena (Trino): it is written
// over a relation named samples, which each Engine provides, and uses only
// functions and syntax both engines share (no approx_percentile, no
// quantile_cont, no FILTER, no count_if, no :: casts; every aggregate is
// CAST to BIGINT or DOUBLE).
//
// # Definitions
//
// Warm-up rows (warmup = true) are excluded from every figure but are
// counted in WarmupRequests. Requests is the number of non-warm-up rows; OK
// the number of those with status 'ok'; Errors = Requests − OK;
// ErrorsByStatus counts the non-ok rows per status; ErrorRate =
// Errors / Requests (0 when Requests is 0).
//
// The measured window of a level runs from the earliest start_ms to the
// latest end_ms over its non-warm-up rows, errors included (vLLM's "first
// request sent → last response finished"). start_ms and end_ms are offsets
// from the level's common start instant, so they compare across workers.
// DurationS is that window in seconds. Every rate below is 0 when the window
// is empty (DurationS = 0).
//
// RequestThroughput = OK / DurationS. OutputTokenThroughput = the sum of
// output_tokens over ok rows / DurationS; InputTokenThroughput likewise with
// input_tokens; OutputTokens and InputTokens are those sums. GoodputRPS =
// the ok rows meeting every SLO that is set / DurationS, where a row meets
// the TTFT SLO when ttft_ms <= TTFT (a null ttft_ms does not), the TPOT SLO
// when tpot_ms <= TPOT or tpot_ms is null (one-token answers have no TPOT),
// and the E2E SLO when e2e_ms <= E2E (a null e2e_ms does not). With no SLO
// set, GoodputRPS = RequestThroughput.
//
// AchievedConcurrency = the sum of (end_ms − start_ms) over non-warm-up rows,
// errors included, / the window in ms: the mean number of requests in flight.
//
// TokenSource is 'usage' when every ok row counted its tokens from the
// server's usage, 'chunks' when every ok row counted token-bearing chunks,
// 'mixed' otherwise, and "" when the level has no ok row.
//
// Distributions are over ok, non-warm-up rows, null values left out: TTFT
// (ttft_ms), TPOT (tpot_ms), E2E (e2e_ms), and ITL pooled over every gap of
// every ok request (itl_ms, unnested; a request with one chunk adds none).
// Each gives N (the number of values), the mean, p50, p90, p95, p99 and the
// maximum. A level with no value gets a zero Dist with N = 0.
//
// Percentiles are exact, with numpy's default linear interpolation: over the
// values sorted x[0..n-1], h = (n−1)·p and the p-th percentile is
// x[⌊h⌋] + (h − ⌊h⌋)·(x[⌊h⌋+1] − x[⌊h⌋]) (see Percentile). In SQL each value
// is ranked (i = row_number − 1, n = count over its level and metric) and
// the percentile is the sum of x·(1 − frac) at i = ⌊h⌋ and x·frac at
// i = ⌊h⌋ + 1, h computed in DOUBLE as in Go.
package query
