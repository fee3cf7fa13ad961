package query

import (
	"context"
	"fmt"

	"github.com/llmbench/llmbench/shared/summary"
)

// SeriesSQL returns the query Series runs, over the relation samples, for
// one run: one row per (level_index, t) where t = floor(intended_ms / 1000)
// is a second of the level by intended send time, warm-up rows included,
// ordered by level_index then t. Its columns: level_index, t, arrivals
// (rows), sent (status not not_sent), ok, errors (status not ok, not_sent
// included), output_tokens (of ok rows), ttft_mean_ms and e2e_mean_ms
// (over ok rows with a value), send_lag_mean_ms (sched_delay_ms over sent
// rows); a mean is null when no row has a value.
//
// The run ID is written as a quoted SQL string literal.
func SeriesSQL(runID string) string {
	// The second is computed once, in a subquery, so that GROUP BY and
	// ORDER BY name a column: Trino does not group by a select alias.
	return `WITH r AS (
  SELECT level_index, CAST(floor(intended_ms / 1000) AS BIGINT) AS t,
    status, output_tokens, ttft_ms, e2e_ms, sched_delay_ms
  FROM ` + Relation + `
  WHERE run_id = ` + Quote(runID) + `
)
SELECT
  CAST(level_index AS BIGINT) AS level_index,
  t,
  CAST(count(*) AS BIGINT) AS arrivals,
  CAST(sum(CASE WHEN status <> '` + notSent + `' THEN 1 ELSE 0 END) AS BIGINT) AS sent,
  CAST(sum(CASE WHEN status = 'ok' THEN 1 ELSE 0 END) AS BIGINT) AS ok,
  CAST(sum(CASE WHEN status = 'ok' THEN 0 ELSE 1 END) AS BIGINT) AS errors,
  CAST(sum(CASE WHEN status = 'ok' THEN output_tokens ELSE 0 END) AS BIGINT) AS output_tokens,
  CAST(avg(CASE WHEN status = 'ok' THEN ttft_ms ELSE NULL END) AS DOUBLE) AS ttft_mean_ms,
  CAST(avg(CASE WHEN status = 'ok' THEN e2e_ms ELSE NULL END) AS DOUBLE) AS e2e_mean_ms,
  CAST(avg(CASE WHEN status <> '` + notSent + `' THEN sched_delay_ms ELSE NULL END) AS DOUBLE) AS send_lag_mean_ms
FROM r
GROUP BY level_index, t
ORDER BY level_index, t`
}

// Series computes every level's second-by-second series, keyed by level
// index (level_index), with SeriesSQL run on e: one summary.Second per
// second of intended send time in which at least one row was meant to be
// sent, warm-up included (a ramp is seen whole), in order of T. A second
// with no arrival has no Second: a gap in T is a second with nothing
// asked. T counts from the level's start instant and is negative for rows
// intended before it. A mean with no value is 0.
//
// It returns ErrNoRows (wrapped) when the run has no row at all.
func Series(ctx context.Context, e Engine, runID string) (map[int][]summary.Second, error) {
	if err := checkRunID(runID); err != nil {
		return nil, fmt.Errorf("query: series: %w", err)
	}
	rows, err := e.Query(ctx, SeriesSQL(runID))
	if err != nil {
		return nil, fmt.Errorf("query: series: %w", err)
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("query: series: run %q: %w", runID, ErrNoRows)
	}
	out := map[int][]summary.Second{}
	for i, r := range rows {
		index, s, err := readSecond(r)
		if err != nil {
			return nil, fmt.Errorf("query: series: row %d: %w", i, err)
		}
		if prev := out[index]; len(prev) > 0 && prev[len(prev)-1].T >= s.T {
			return nil, fmt.Errorf("query: series: row %d: level %d second %d after second %d: rows out of order", i, index, s.T, prev[len(prev)-1].T)
		}
		out[index] = append(out[index], s)
	}
	return out, nil
}

// readSecond reads one row of the series query.
func readSecond(r map[string]any) (int, summary.Second, error) {
	c := cols{r: r}
	index := c.int("level_index")
	s := summary.Second{
		T:             int(c.int("t")),
		Arrivals:      int(c.int("arrivals")),
		Sent:          int(c.int("sent")),
		OK:            int(c.int("ok")),
		Errors:        int(c.int("errors")),
		OutputTokens:  c.int("output_tokens"),
		TTFTMeanMs:    zeroIfNil(c.floatOrNil("ttft_mean_ms")),
		E2EMeanMs:     zeroIfNil(c.floatOrNil("e2e_mean_ms")),
		SendLagMeanMs: zeroIfNil(c.floatOrNil("send_lag_mean_ms")),
	}
	return int(index), s, c.err
}

func zeroIfNil(f *float64) float64 {
	if f == nil {
		return 0
	}
	return *f
}
