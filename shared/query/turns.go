package query

import (
	"context"
	"fmt"
	"strings"

	"github.com/llmbench/llmbench/shared/summary"
)

// TurnsSQL returns the query Turns runs, over the relation samples, for
// one run with conversations (workload.session): one row per
// (level_index, turn, metric) over non-warm-up rows with a turn, metric
// ttft or e2e over ok rows with a value, plus, on every row, the turn's
// counts. Columns: level_index, turn, requests, ok, input_tokens (of ok
// rows), cached_tokens, cached_of_input and cached_rows (as in the counts
// query), metric (null for a turn none of whose requests succeeded), n,
// mean, p50, p90, p95, p99, maximum; ordered by level_index, turn,
// metric. Percentiles interpolate as Percentile does, like the summary's.
//
// The run ID is written as a quoted SQL string literal.
func TurnsSQL(runID string) string {
	var b strings.Builder
	b.WriteString(`WITH t AS (
  SELECT level_index, turn, status, ttft_ms, e2e_ms, input_tokens, cached_tokens
  FROM ` + Relation + `
  WHERE run_id = ` + Quote(runID) + ` AND NOT warmup AND turn IS NOT NULL
),
counts AS (
  SELECT level_index, turn,
    CAST(count(*) AS BIGINT) AS requests,
    CAST(sum(CASE WHEN status = 'ok' THEN 1 ELSE 0 END) AS BIGINT) AS ok,
    CAST(sum(CASE WHEN status = 'ok' THEN input_tokens ELSE 0 END) AS BIGINT) AS input_tokens,
    CAST(sum(CASE WHEN status = 'ok' AND cached_tokens IS NOT NULL THEN cached_tokens ELSE 0 END) AS BIGINT) AS cached_tokens,
    CAST(sum(CASE WHEN status = 'ok' AND cached_tokens IS NOT NULL THEN input_tokens ELSE 0 END) AS BIGINT) AS cached_of_input,
    CAST(sum(CASE WHEN status = 'ok' AND cached_tokens IS NOT NULL THEN 1 ELSE 0 END) AS BIGINT) AS cached_rows
  FROM t
  GROUP BY level_index, turn
),
vals AS (
  SELECT level_index, turn, '` + metricTTFT + `' AS metric, ttft_ms AS x FROM t WHERE status = 'ok' AND ttft_ms IS NOT NULL
  UNION ALL
  SELECT level_index, turn, '` + metricE2E + `' AS metric, e2e_ms AS x FROM t WHERE status = 'ok' AND e2e_ms IS NOT NULL
),
ranked AS (
  SELECT level_index, turn, metric, x,
    row_number() OVER (PARTITION BY level_index, turn, metric ORDER BY x) - 1 AS i,
    count(*) OVER (PARTITION BY level_index, turn, metric) AS n
  FROM vals
),
pos AS (
  SELECT level_index, turn, metric, x, i, n`)
	for _, pc := range percentiles {
		fmt.Fprintf(&b, ",\n    CAST(n - 1 AS DOUBLE) * %s AS h_%s", double(pc.p), pc.name)
	}
	b.WriteString(`
  FROM ranked
),
dists AS (
  SELECT level_index, turn, metric,
    CAST(count(*) AS BIGINT) AS n,
    CAST(avg(x) AS DOUBLE) AS mean`)
	for _, pc := range percentiles {
		h := "h_" + pc.name
		fmt.Fprintf(&b, ",\n    CAST(sum(CASE WHEN i = floor(%[1]s) THEN x * (1 - (%[1]s - floor(%[1]s))) "+
			"WHEN i = floor(%[1]s) + 1 THEN x * (%[1]s - floor(%[1]s)) ELSE 0 END) AS DOUBLE) AS %[2]s", h, pc.name)
	}
	b.WriteString(`,
    CAST(max(x) AS DOUBLE) AS maximum
  FROM pos
  GROUP BY level_index, turn, metric
)
SELECT
  CAST(c.level_index AS BIGINT) AS level_index,
  CAST(c.turn AS BIGINT) AS turn,
  c.requests, c.ok, c.input_tokens, c.cached_tokens, c.cached_of_input, c.cached_rows,
  d.metric, d.n, d.mean, d.p50, d.p90, d.p95, d.p99, d.maximum
FROM counts c LEFT JOIN dists d ON c.level_index = d.level_index AND c.turn = d.turn
ORDER BY c.level_index, c.turn, d.metric`)
	return b.String()
}

// Turns computes, with TurnsSQL run on e, every level's figures by turn,
// keyed by level index: one summary.Turn per turn number that has a
// non-warm-up request, in order of turn. A run without conversations has
// none (an empty map, no error).
func Turns(ctx context.Context, e Engine, runID string) (map[int][]summary.Turn, error) {
	if err := checkRunID(runID); err != nil {
		return nil, fmt.Errorf("query: turns: %w", err)
	}
	rows, err := e.Query(ctx, TurnsSQL(runID))
	if err != nil {
		return nil, fmt.Errorf("query: turns: %w", err)
	}
	out := map[int][]summary.Turn{}
	for i, r := range rows {
		if err := readTurn(r, out); err != nil {
			return nil, fmt.Errorf("query: turns: row %d: %w", i, err)
		}
	}
	return out, nil
}

// readTurn folds one row of the turns query into out.
func readTurn(r map[string]any, out map[int][]summary.Turn) error {
	c := cols{r: r}
	index, turn := int(c.int("level_index")), int(c.int("turn"))
	ts := out[index]
	if n := len(ts); n == 0 || ts[n-1].Turn != turn {
		if n > 0 && ts[n-1].Turn > turn {
			return fmt.Errorf("level %d turn %d after turn %d: rows out of order", index, turn, ts[n-1].Turn)
		}
		t := summary.Turn{
			Turn:         turn,
			Requests:     int(c.int("requests")),
			OK:           int(c.int("ok")),
			CachedTokens: c.int("cached_tokens"),
		}
		if t.OK > 0 {
			t.InputTokensMean = float64(c.int("input_tokens")) / float64(t.OK)
		}
		t.CacheHitRatio = ratio(c.int("cached_tokens"), c.int("cached_of_input"), c.int("cached_rows"))
		ts = append(ts, t)
	}
	t := &ts[len(ts)-1]
	out[index] = ts
	metric, _ := c.r["metric"].(string)
	if metric == "" || c.err != nil {
		return c.err // a turn without an ok request: no distribution
	}
	d := summary.Dist{
		N: int(c.int("n")), Mean: c.float("mean"),
		P50: c.float("p50"), P90: c.float("p90"), P95: c.float("p95"), P99: c.float("p99"),
		Max: c.float("maximum"),
	}
	switch metric {
	case metricTTFT:
		t.TTFTMs = d
	case metricE2E:
		t.E2EMs = d
	default:
		return fmt.Errorf("level %d turn %d: unknown metric %q", index, turn, metric)
	}
	return c.err
}
