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
// A level is identified by its level_index (its place in the run, from 0);
// levels are returned in that order. Two levels of one run may share a
// concurrency (level: the virtual users, or in mode rate the
// max_concurrency cap, 0 for none), as a sweep's rate levels without a cap
// do: they stay two levels. Index = level_index; Concurrency = the
// largest level of its rows; Mode = their mode, 'concurrency' when the
// rows leave it empty (rows written before open-loop load); RequestRate =
// the largest request_rate (0 in mode concurrency). These four are over
// every row of the level, warm-up included.
//
// Warm-up rows (warmup = true) are excluded from every other figure but
// are counted in WarmupRequests. Requests is the number of non-warm-up
// rows (in mode rate: arrivals); OK the number of those with status 'ok';
// Errors = Requests − OK; ErrorsByStatus counts the non-ok rows per
// status; ErrorRate = Errors / Requests (0 when Requests is 0).
//
// NotSent counts the non-warm-up rows with status 'not_sent': open-loop
// arrivals the generator never sent (no free max_concurrency slot, or the
// generator behind, before the level ended). They are rows like any other
// in Requests, Errors and ErrorsByStatus["not_sent"], so an overloaded
// generator shows in the error rate instead of hiding. The sent rows are
// the non-warm-up rows of every other status, errors included.
//
// The measured window of a level runs from the earliest start_ms to the
// latest end_ms over its sent non-warm-up rows, errors included (vLLM's
// "first request sent → last response finished"). A not_sent row does not
// widen it: its start_ms = end_ms = its intended instant is a placeholder,
// not a time the target was sent anything, and counting it would let an
// arrival the generator dropped stretch the window the target is measured
// over. Without not_sent rows (every level of mode concurrency) the window
// is the one of every non-warm-up row, as before open-loop load. start_ms
// and end_ms are offsets from the level's common start instant, so they
// compare across workers. DurationS is that window in seconds. Every rate
// below is 0 when the window is empty (DurationS = 0), as it is for a
// level whose every arrival was not sent.
//
// AchievedRequestRate = (sent rows − 1) / (last send − first send), the
// rate estimate of n send instants over their span (sent / DurationS with
// a single send): the rate the target was actually offered, beside
// RequestRate, the rate asked. Its denominator is the sends' span, not
// the window, which also holds the last requests' latency and would read
// a generator on schedule as behind.
// RequestThroughput = OK / DurationS. OutputTokenThroughput = the sum of
// output_tokens over ok rows / DurationS; InputTokenThroughput likewise with
// input_tokens; OutputTokens and InputTokens are those sums. GoodputRPS =
// the ok rows meeting every SLO that is set / DurationS, where a row meets
// the TTFT SLO when ttft_ms <= TTFT (a null ttft_ms does not), the TPOT SLO
// when tpot_ms <= TPOT or tpot_ms is null (one-token answers have no TPOT),
// and the E2E SLO when e2e_ms <= E2E (a null e2e_ms does not). With no SLO
// set, GoodputRPS = RequestThroughput.
//
// AchievedConcurrency = the sum of (end_ms − start_ms) over sent
// non-warm-up rows, errors included, / the window in ms: the mean number of
// requests in flight.
//
// TokenSource is 'usage' when every ok row counted its tokens from the
// server's usage, 'chunks' when every ok row counted token-bearing chunks,
// 'mixed' otherwise, and "" when the level has no ok row.
//
// Distributions are over ok, non-warm-up rows, null values left out: TTFT
// (ttft_ms), TPOT (tpot_ms), E2E (e2e_ms), and ITL pooled over every gap of
// every ok request (itl_ms, unnested; a request with one chunk adds none).
// Two are over every sent non-warm-up row, errors included, since they
// describe the generator rather than the answer: SendLagMs
// (sched_delay_ms, the send instant minus the intended one) and QueueMs
// (queue_ms, the part of it spent waiting for a max_concurrency slot; 0 in
// mode concurrency). A not_sent row is in neither: its sched_delay_ms
// means nothing, and its queue_ms is a wait that ended in no send. Each
// gives N (the number of values), the mean, p50, p90, p95, p99 and the
// maximum. A level with no value gets a zero Dist with N = 0.
//
// Percentiles are exact, with numpy's default linear interpolation: over the
// values sorted x[0..n-1], h = (n−1)·p and the p-th percentile is
// x[⌊h⌋] + (h − ⌊h⌋)·(x[⌊h⌋+1] − x[⌊h⌋]) (see Percentile). In SQL each value
// is ranked (i = row_number − 1, n = count over its level and metric) and
// the percentile is the sum of x·(1 − frac) at i = ⌊h⌋ and x·frac at
// i = ⌊h⌋ + 1, h computed in DOUBLE as in Go.
//
// # Failures in the tail
//
// TTFTAllMs, TPOTAllMs, E2EAllMs and ITLAllMs count every failed measured
// request as infinitely slow, so that a level cannot look fast by failing
// its slow requests. The failures are the non-warm-up rows whose status
// is not ok, not_sent included: an arrival the load asked for and the
// generator dropped got no answer either, and leaving it out would let an
// overloaded generator hide the server's overload. TTFT, TPOT and E2E
// have one value per request: the ok rows' values (nulls left out, as in
// TTFTMs) and one +Inf per failure, whatever the failure measured before
// it failed (a timeout after its first token is a failure, not a TTFT).
// ITL pools gaps: every gap of every sent measured row, failed ones
// included (the gaps they did receive were real), and one +Inf per
// failure, the wait for a next (or first) token that never ended; so
// turning an ok request into a failure never lowers a percentile, and
// with nothing failed each _all distribution is its ok-only one.
//
// Sorted, the n finite values hold ranks 0..n−1 and the f failures the
// ranks after them; with N = n + f and h = (N−1)·p, the interpolation of
// Percentile reaches a failure exactly when h > n − 1, and the percentile
// is then infinite: null in summary.json, which cannot hold +Inf. At
// h = n − 1 exactly it is x[n−1] (the failure after it has weight 0; the
// SQL never multiplies an infinity). The SQL ranks the finite values as
// for the other distributions and takes f from a count of the failed
// rows, so no infinite value is ever stored or summed. Mean and maximum
// are null when f > 0. N counts the failures; Failures = f = Errors.
//
// SLOAttainment = the good rows of GoodputRPS (ok, meeting every SLO
// set; every ok row when none is) / Requests, not_sent included: the
// share of what the load asked for that was answered in time. With no
// SLO it is OK / Requests. Null when the level has no measured request.
//
// # Series
//
// Series cuts each level into seconds of intended send time: second T holds
// the rows with intended_ms in [1000·T, 1000·(T+1)), warm-up rows included
// so that a ramp is seen whole (T < 0 for rows intended before the level's
// start). Each second counts its Arrivals (rows), Sent (status not
// not_sent), OK, Errors (status not ok, not_sent included) and the
// OutputTokens of its ok rows, and gives the mean TTFT and E2E of its ok
// rows (null values left out) and the mean send lag (sched_delay_ms) of its
// sent rows, each 0 when no row has a value. A second in which no row was
// intended is left out, not written as zeros. By intended rather than
// actual time, a second says what was asked then and what came of it, and
// a generator falling behind shows as a growing send lag, not as arrivals
// moved to later seconds.
package query
