package query

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// SLO holds the service-level objectives that goodput counts against, in
// milliseconds. 0 means no limit.
type SLO struct {
	TTFTMs float64 // time to first token
	TPOTMs float64 // time per output token
	E2EMs  float64 // end to end
}

// Percentiles are the percentiles every Dist carries, with their column
// names in the distribution query.
var percentiles = []struct {
	name string
	p    float64
}{
	{"p50", 0.50},
	{"p90", 0.90},
	{"p95", 0.95},
	{"p99", 0.99},
}

// Metric names in the distribution query's metric column.
const (
	metricTTFT    = "ttft"
	metricTPOT    = "tpot"
	metricE2E     = "e2e"
	metricITL     = "itl"
	metricITLAll  = "itl_all" // the gaps of every sent request, failed ones included
	metricSendLag = "send_lag"
	metricQueue   = "queue"
	// The server's own TTFT (llmbench's proxy), and the client's minus it.
	metricServerTTFT     = "server_ttft"
	metricServerOverhead = "server_ttft_overhead"
)

// notSent is the status of an open-loop arrival that was never sent
// (sample.StatusNotSent), as the SQL compares it.
const notSent = "not_sent"

// SummarySQL returns the two queries Summarize runs, over the relation
// samples, for one run:
//
// counts has one row per (level_index, status) present in the run, warm-up
// rows included: level_index, status, concurrency (the largest level),
// mode ('concurrency' when the rows leave it empty), request_rate (the
// largest), warmup_requests, requests (non-warm-up), first_start_ms and
// last_end_ms, last_start_ms, first_intended_ms and last_intended_ms
// (null when the group has only warm-up rows), busy_ms (the
// sum of end_ms − start_ms), input_tokens, output_tokens, good (rows
// meeting every SLO set), usage_rows and chunk_rows (by token_source),
// throttled, cut_short, backoff_ms, and what servers report of their
// prefix cache and reasoning over ok rows that report it (cached_tokens,
// cached_of_input, cached_rows, reasoning_tokens, reasoning_of_output,
// reasoning_rows); all but warmup_requests, concurrency,
// mode and request_rate over non-warm-up rows. Summarize folds the
// statuses of a level together.
//
// dists has one row per (level_index, metric) with at least one value:
// level_index, metric, n, mean, p50, p90, p95, p99, maximum, failures,
// p50_all, p90_all, p95_all, p99_all. The metrics ttft, tpot, e2e and itl
// are over ok, non-warm-up rows; itl_all (the gaps of itl_ms) and
// send_lag (sched_delay_ms) and queue (queue_ms) over sent (status not
// not_sent), non-warm-up rows. failures is, for ttft, tpot, e2e and
// itl_all, the level's non-warm-up rows whose status is not ok (not_sent
// included), 0 for the others; the _all percentiles rank those failures
// as infinite values after the n values, and are NULL where the
// interpolation reaches one. A level whose every measured row failed has
// no ttft row here: Summarize knows its failures from counts.
//
// The run ID is written as a quoted SQL string literal. SLO limits that are
// not a positive finite number are treated as unset.
func SummarySQL(runID string, slo SLO) (counts string, dists string) {
	return countsSQL(runID, slo), distsSQL(runID)
}

func countsSQL(runID string, slo SLO) string {
	good := []string{"status = 'ok'"}
	if isLimit(slo.TTFTMs) {
		good = append(good, "ttft_ms <= "+double(slo.TTFTMs))
	}
	if isLimit(slo.TPOTMs) {
		good = append(good, "(tpot_ms IS NULL OR tpot_ms <= "+double(slo.TPOTMs)+")")
	}
	if isLimit(slo.E2EMs) {
		good = append(good, "e2e_ms <= "+double(slo.E2EMs))
	}
	return `SELECT
  CAST(level_index AS BIGINT) AS level_index,
  status,
  CAST(max(level) AS BIGINT) AS concurrency,
  max(COALESCE(NULLIF(mode, ''), 'concurrency')) AS mode,
  CAST(max(request_rate) AS DOUBLE) AS request_rate,
  CAST(sum(CASE WHEN warmup THEN 1 ELSE 0 END) AS BIGINT) AS warmup_requests,
  CAST(sum(CASE WHEN warmup THEN 0 ELSE 1 END) AS BIGINT) AS requests,
  CAST(min(CASE WHEN warmup THEN NULL ELSE start_ms END) AS DOUBLE) AS first_start_ms,
  CAST(max(CASE WHEN warmup THEN NULL ELSE end_ms END) AS DOUBLE) AS last_end_ms,
  CAST(max(CASE WHEN warmup THEN NULL ELSE start_ms END) AS DOUBLE) AS last_start_ms,
  CAST(min(CASE WHEN warmup THEN NULL ELSE intended_ms END) AS DOUBLE) AS first_intended_ms,
  CAST(max(CASE WHEN warmup THEN NULL ELSE intended_ms END) AS DOUBLE) AS last_intended_ms,
  CAST(sum(CASE WHEN warmup THEN 0 ELSE end_ms - start_ms END) AS DOUBLE) AS busy_ms,
  CAST(sum(CASE WHEN warmup THEN 0 ELSE input_tokens END) AS BIGINT) AS input_tokens,
  CAST(sum(CASE WHEN warmup THEN 0 ELSE output_tokens END) AS BIGINT) AS output_tokens,
  CAST(sum(CASE WHEN NOT warmup AND ` + strings.Join(good, " AND ") + ` THEN 1 ELSE 0 END) AS BIGINT) AS good,
  CAST(sum(CASE WHEN NOT warmup AND token_source = 'usage' THEN 1 ELSE 0 END) AS BIGINT) AS usage_rows,
  CAST(sum(CASE WHEN NOT warmup AND token_source = 'chunks' THEN 1 ELSE 0 END) AS BIGINT) AS chunk_rows,
  CAST(sum(CASE WHEN NOT warmup AND http_status IN (429, 503) THEN 1 ELSE 0 END) AS BIGINT) AS throttled,
  CAST(sum(CASE WHEN NOT warmup AND cut_short THEN 1 ELSE 0 END) AS BIGINT) AS cut_short,
  CAST(sum(CASE WHEN warmup THEN 0 ELSE backoff_ms END) AS DOUBLE) AS backoff_ms,
  CAST(sum(CASE WHEN NOT warmup AND status = 'ok' AND cached_tokens IS NOT NULL THEN cached_tokens ELSE 0 END) AS BIGINT) AS cached_tokens,
  CAST(sum(CASE WHEN NOT warmup AND status = 'ok' AND cached_tokens IS NOT NULL THEN input_tokens ELSE 0 END) AS BIGINT) AS cached_of_input,
  CAST(sum(CASE WHEN NOT warmup AND status = 'ok' AND cached_tokens IS NOT NULL THEN 1 ELSE 0 END) AS BIGINT) AS cached_rows,
  CAST(sum(CASE WHEN NOT warmup AND status = 'ok' AND reasoning_tokens IS NOT NULL THEN reasoning_tokens ELSE 0 END) AS BIGINT) AS reasoning_tokens,
  CAST(sum(CASE WHEN NOT warmup AND status = 'ok' AND reasoning_tokens IS NOT NULL THEN output_tokens ELSE 0 END) AS BIGINT) AS reasoning_of_output,
  CAST(sum(CASE WHEN NOT warmup AND status = 'ok' AND reasoning_tokens IS NOT NULL THEN 1 ELSE 0 END) AS BIGINT) AS reasoning_rows
FROM ` + Relation + `
WHERE run_id = ` + Quote(runID) + `
GROUP BY level_index, status
ORDER BY level_index, status`
}

func distsSQL(runID string) string {
	var b strings.Builder
	b.WriteString(`WITH measured AS (
  SELECT level_index, status, ttft_ms, tpot_ms, e2e_ms, itl_ms, sched_delay_ms, queue_ms, server_ttft_ms
  FROM ` + Relation + `
  WHERE run_id = ` + Quote(runID) + ` AND NOT warmup
),
sent AS (
  SELECT * FROM measured WHERE status <> '` + notSent + `'
),
ok AS (
  SELECT level_index, ttft_ms, tpot_ms, e2e_ms, itl_ms, server_ttft_ms FROM sent WHERE status = 'ok'
),
failed AS (
  SELECT level_index, count(*) AS f FROM measured WHERE status <> 'ok' GROUP BY level_index
),
vals AS (
  SELECT level_index, '` + metricTTFT + `' AS metric, ttft_ms AS x FROM ok WHERE ttft_ms IS NOT NULL
  UNION ALL
  SELECT level_index, '` + metricTPOT + `' AS metric, tpot_ms AS x FROM ok WHERE tpot_ms IS NOT NULL
  UNION ALL
  SELECT level_index, '` + metricE2E + `' AS metric, e2e_ms AS x FROM ok WHERE e2e_ms IS NOT NULL
  UNION ALL
  SELECT level_index, '` + metricITL + `' AS metric, t.gap AS x FROM ok CROSS JOIN UNNEST(itl_ms) AS t(gap) WHERE t.gap IS NOT NULL
  UNION ALL
  SELECT level_index, '` + metricITLAll + `' AS metric, t.gap AS x FROM sent CROSS JOIN UNNEST(itl_ms) AS t(gap) WHERE t.gap IS NOT NULL
  UNION ALL
  SELECT level_index, '` + metricSendLag + `' AS metric, sched_delay_ms AS x FROM sent WHERE sched_delay_ms IS NOT NULL
  UNION ALL
  SELECT level_index, '` + metricQueue + `' AS metric, queue_ms AS x FROM sent WHERE queue_ms IS NOT NULL
  UNION ALL
  SELECT level_index, '` + metricServerTTFT + `' AS metric, server_ttft_ms AS x FROM ok WHERE server_ttft_ms IS NOT NULL
  UNION ALL
  SELECT level_index, '` + metricServerOverhead + `' AS metric, ttft_ms - server_ttft_ms AS x FROM ok
    WHERE ttft_ms IS NOT NULL AND server_ttft_ms IS NOT NULL
),
ranked AS (
  SELECT v.level_index, v.metric, v.x,
    row_number() OVER (PARTITION BY v.level_index, v.metric ORDER BY v.x) - 1 AS i,
    count(*) OVER (PARTITION BY v.level_index, v.metric) AS n,
    CASE WHEN v.metric IN (` + answerMetrics() + `) THEN COALESCE(failed.f, 0) ELSE 0 END AS f
  FROM vals v LEFT JOIN failed ON failed.level_index = v.level_index
),
pos AS (
  SELECT level_index, metric, x, i, n, f`)
	for _, pc := range percentiles {
		// h = (n-1)·p in DOUBLE, as Percentile computes it in Go; h_all
		// likewise over the n values and the f failures ranked after them.
		fmt.Fprintf(&b, ",\n    CAST(n - 1 AS DOUBLE) * %s AS h_%s", double(pc.p), pc.name)
		fmt.Fprintf(&b, ",\n    CAST(n + f - 1 AS DOUBLE) * %s AS h_all_%s", double(pc.p), pc.name)
	}
	b.WriteString(`
  FROM ranked
)
SELECT
  CAST(level_index AS BIGINT) AS level_index,
  metric,
  CAST(count(*) AS BIGINT) AS n,
  CAST(avg(x) AS DOUBLE) AS mean`)
	for _, pc := range percentiles {
		fmt.Fprintf(&b, ",\n  %s AS %s", interpolated("h_"+pc.name), pc.name)
	}
	b.WriteString(`,
  CAST(max(x) AS DOUBLE) AS maximum,
  CAST(max(f) AS BIGINT) AS failures`)
	for _, pc := range percentiles {
		// The finite values hold ranks 0..n-1 and the failures the ranks
		// after: the interpolation at h reaches a failure exactly when
		// h > n - 1 (⌊h⌋ is a failure, or ⌊h⌋ = n - 1 with a nonzero
		// weight on the failure after it). It is then infinite: NULL,
		// never computed (∞·0 would be NaN).
		h := "h_all_" + pc.name
		fmt.Fprintf(&b, ",\n  CASE WHEN max(%s) > CAST(max(n) - 1 AS DOUBLE) THEN NULL ELSE %s END AS %s_all", h, interpolated(h), pc.name)
	}
	b.WriteString(`
FROM pos
GROUP BY level_index, metric
ORDER BY level_index, metric`)
	return b.String()
}

// interpolated is the aggregate that interpolates at the rank h (a column
// of pos): x[⌊h⌋]·(1 − frac) + x[⌊h⌋+1]·frac, each term from its row.
func interpolated(h string) string {
	return fmt.Sprintf("CAST(sum(CASE WHEN i = floor(%[1]s) THEN x * (1 - (%[1]s - floor(%[1]s))) "+
		"WHEN i = floor(%[1]s) + 1 THEN x * (%[1]s - floor(%[1]s)) ELSE 0 END) AS DOUBLE)", h)
}

// answerMetrics lists, as SQL literals, the metrics whose _all
// variants count failures: ttft, tpot, e2e (one value per request: a
// failure's is replaced by ∞) and itl_all (a failure keeps the gaps it
// received and adds one ∞). itl (ok gaps only), send_lag and queue count
// none.
func answerMetrics() string {
	return "'" + metricTTFT + "', '" + metricTPOT + "', '" + metricE2E + "', '" + metricITLAll + "'"
}

// isLimit reports whether an SLO value sets a limit.
func isLimit(v float64) bool { return v > 0 && !math.IsInf(v, 1) }

// double writes v as a DOUBLE literal both engines read the same way: the
// shortest decimal that round-trips, as a string cast to DOUBLE (a bare
// 0.99 would be a DECIMAL, limited to 38 digits in Trino).
func double(v float64) string {
	return "CAST(" + Quote(strconv.FormatFloat(v, 'g', -1, 64)) + " AS DOUBLE)"
}

// Quote writes s as an SQL string literal, doubling single quotes.
func Quote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}
