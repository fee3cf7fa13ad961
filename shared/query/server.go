package query

import (
	"context"
	"fmt"

	"github.com/llmbench/llmbench/shared/summary"
)

// TelemetryRelation is the name under which an Engine exposes the rows
// of telemetry.Row (the server's scraped metrics): ServerSQL reads FROM
// telemetry. An engine over a run without telemetry exposes it empty.
const TelemetryRelation = "telemetry"

// The gauges ServerSQL reads, by figure: vLLM's names (the KV-cache use
// under its newer and its older name).
var serverGauges = []struct{ figure, metric string }{
	{"running", "vllm:num_requests_running"},
	{"waiting", "vllm:num_requests_waiting"},
	{"kv_cache", "vllm:kv_cache_usage_perc"},
	{"kv_cache", "vllm:gpu_cache_usage_perc"},
}

// ServerSQL returns the query Server runs, over the relation telemetry,
// for one run: one row per (level_index, figure) with level_index, figure,
// n (measured scrapes with a value), mean and maximum. The figures are
// running, waiting and kv_cache: per scrape the sum over the gauge's
// series (running, waiting) or their mean (kv_cache), then the mean and
// maximum of those per-scrape values over the level's scrapes sent after
// the warm-up; and scrapes, whose n counts the measured scrapes with any
// row (mean and maximum NULL).
//
// The run ID is written as a quoted SQL string literal.
func ServerSQL(runID string) string {
	figure, in := "CASE", ""
	for i, g := range serverGauges {
		figure += " WHEN metric = " + Quote(g.metric) + " THEN '" + g.figure + "'"
		if i > 0 {
			in += ", "
		}
		in += Quote(g.metric)
	}
	figure += " END"
	where := "run_id = " + Quote(runID) + " AND warmup = false"
	return `WITH g AS (
  SELECT level_index, scrape, ` + figure + ` AS figure, value
  FROM ` + TelemetryRelation + `
  WHERE ` + where + ` AND metric IN (` + in + `)
),
p AS (
  SELECT level_index, scrape, figure,
    CAST(CASE WHEN figure = 'kv_cache' THEN avg(value) ELSE sum(value) END AS DOUBLE) AS v
  FROM g
  GROUP BY level_index, scrape, figure
),
f AS (
  SELECT CAST(level_index AS BIGINT) AS level_index, figure,
    CAST(count(*) AS BIGINT) AS n, CAST(avg(v) AS DOUBLE) AS mean, CAST(max(v) AS DOUBLE) AS maximum
  FROM p
  GROUP BY level_index, figure
  UNION ALL
  SELECT CAST(level_index AS BIGINT) AS level_index, 'scrapes' AS figure,
    CAST(count(DISTINCT scrape) AS BIGINT) AS n, CAST(NULL AS DOUBLE) AS mean, CAST(NULL AS DOUBLE) AS maximum
  FROM ` + TelemetryRelation + `
  WHERE ` + where + `
  GROUP BY level_index
)
SELECT level_index, figure, n, mean, maximum FROM f ORDER BY level_index, figure`
}

// Server computes every level's server figures with ServerSQL run on e,
// keyed by level index; a level without telemetry rows is absent (the
// caller adds what its scrapes said). Samples is the measured scrapes
// with rows; Scrapes, Failed and Warning are left for the caller.
func Server(ctx context.Context, e Engine, runID string) (map[int]*summary.Server, error) {
	if err := checkRunID(runID); err != nil {
		return nil, fmt.Errorf("query: server: %w", err)
	}
	rows, err := e.Query(ctx, ServerSQL(runID))
	if err != nil {
		return nil, fmt.Errorf("query: server: %w", err)
	}
	out := map[int]*summary.Server{}
	for i, r := range rows {
		c := cols{r: r}
		index, figure, n := int(c.int("level_index")), c.str("figure"), int(c.int("n"))
		mean, maximum := c.floatOrNil("mean"), c.floatOrNil("maximum")
		if c.err != nil {
			return nil, fmt.Errorf("query: server: row %d: %w", i, c.err)
		}
		s := out[index]
		if s == nil {
			s = &summary.Server{}
			out[index] = s
		}
		switch figure {
		case "scrapes":
			s.Samples = n
		case "running":
			s.RunningMean, s.RunningMax = mean, maximum
		case "waiting":
			s.WaitingMean, s.WaitingMax = mean, maximum
		case "kv_cache":
			s.KVCacheMean, s.KVCacheMax = mean, maximum
		default:
			return nil, fmt.Errorf("query: server: row %d: unknown figure %q", i, figure)
		}
	}
	return out, nil
}
