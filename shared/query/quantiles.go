package query

import (
	"context"
	"fmt"
	"strings"

	"github.com/llmbench/llmbench/shared/summary"
)

// QuantileGrid are the probabilities at which Quantiles gives each
// distribution: dense in the tail, where latency distributions differ.
var QuantileGrid = []float64{0, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65,
	0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 0.975, 0.99, 0.995, 0.999, 1}

// QuantilesSQL returns the query Quantiles runs, over the relation
// samples, for one run: one row per (level_index, metric) with a value,
// metric ttft, e2e or itl over ok measured rows (null values left out;
// itl every gap of itl_ms), with n and a column q<k> per probability
// QuantileGrid[k], interpolated as every percentile of the summary.
//
// The run ID is written as a quoted SQL string literal.
func QuantilesSQL(runID string) string {
	var b strings.Builder
	b.WriteString(`WITH ok AS (
  SELECT level_index, ttft_ms, e2e_ms, itl_ms
  FROM ` + Relation + `
  WHERE run_id = ` + Quote(runID) + ` AND NOT warmup AND status = 'ok'
),
vals AS (
  SELECT level_index, '` + metricTTFT + `' AS metric, ttft_ms AS x FROM ok WHERE ttft_ms IS NOT NULL
  UNION ALL
  SELECT level_index, '` + metricE2E + `' AS metric, e2e_ms AS x FROM ok WHERE e2e_ms IS NOT NULL
  UNION ALL
  SELECT level_index, '` + metricITL + `' AS metric, t.gap AS x FROM ok CROSS JOIN UNNEST(itl_ms) AS t(gap) WHERE t.gap IS NOT NULL
),
ranked AS (
  SELECT level_index, metric, x,
    row_number() OVER (PARTITION BY level_index, metric ORDER BY x) - 1 AS i,
    count(*) OVER (PARTITION BY level_index, metric) AS n
  FROM vals
),
pos AS (
  SELECT level_index, metric, x, i, n`)
	for k, p := range QuantileGrid {
		fmt.Fprintf(&b, ",\n    CAST(n - 1 AS DOUBLE) * %s AS h%d", double(p), k)
	}
	b.WriteString(`
  FROM ranked
)
SELECT
  CAST(level_index AS BIGINT) AS level_index,
  metric,
  CAST(count(*) AS BIGINT) AS n`)
	for k := range QuantileGrid {
		fmt.Fprintf(&b, ",\n  %s AS q%d", interpolated(fmt.Sprintf("h%d", k)), k)
	}
	b.WriteString(`
FROM pos
GROUP BY level_index, metric
ORDER BY level_index, metric`)
	return b.String()
}

// Quantiles computes every level's empirical TTFT, E2E and ITL
// distributions at QuantileGrid, keyed by level index, with QuantilesSQL
// run on e. A level without an ok measured request has none.
func Quantiles(ctx context.Context, e Engine, runID string) (map[int]*summary.Quantiles, error) {
	if err := checkRunID(runID); err != nil {
		return nil, fmt.Errorf("query: quantiles: %w", err)
	}
	rows, err := e.Query(ctx, QuantilesSQL(runID))
	if err != nil {
		return nil, fmt.Errorf("query: quantiles: %w", err)
	}
	out := map[int]*summary.Quantiles{}
	for i, r := range rows {
		c := cols{r: r}
		index, metric := int(c.int("level_index")), c.str("metric")
		qs := make([]float64, len(QuantileGrid))
		for k := range QuantileGrid {
			qs[k] = c.float(fmt.Sprintf("q%d", k))
		}
		if c.err != nil {
			return nil, fmt.Errorf("query: quantiles: row %d: %w", i, c.err)
		}
		q := out[index]
		if q == nil {
			q = &summary.Quantiles{P: append([]float64(nil), QuantileGrid...)}
			out[index] = q
		}
		var dst *[]float64
		switch metric {
		case metricTTFT:
			dst = &q.TTFTMs
		case metricE2E:
			dst = &q.E2EMs
		case metricITL:
			dst = &q.ITLMs
		default:
			return nil, fmt.Errorf("query: quantiles: row %d: unknown metric %q", i, metric)
		}
		if *dst != nil {
			return nil, fmt.Errorf("query: quantiles: row %d: level %d metric %s twice", i, index, metric)
		}
		*dst = qs
	}
	return out, nil
}
