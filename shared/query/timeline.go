package query

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/llmbench/llmbench/shared/summary"
)

// TimelineSQL returns the query Timeline runs, over the relation samples,
// for one run whose level with index L started levelStartMs[L] ms after
// the timeline's start: one row per second t in which a request was
// issued, due (not_sent) or ended, every row of the run counted, warm-up
// included, ordered by t. A row's instants on the timeline are its
// level's start + start_ms and + end_ms; a row of a level missing from
// levelStartMs has none, and falls in a row whose t is NULL.
//
// Its columns: t; started (sent rows issued in t), not_sent (due in t),
// warmup (of both, warm-up rows); ok, errors (rows ended in t; not_sent
// rows at their due instant) and output_tokens (of ok rows ended in t);
// busy_ms, the time sent rows spent in flight within t; open_end, the
// sent rows issued by the end of t and not ended by then; ttft_p50_ms,
// the median TTFT of the ok rows issued in t (NULL: none).
//
// busy_ms is computed from per-second sums alone: the part of each row
// in its first second (issued in t: min(end, t+1 s) − start), the part of
// each row in its last second when it began earlier (end − t), and 1 s
// for each row in flight through the whole second, which window sums
// count: those issued before t and not ended before t, less those of them
// ending in t.
//
// The level starts are written as DOUBLE literals.
func TimelineSQL(runID string, levelStartMs map[int]float64) string {
	indexes := make([]int, 0, len(levelStartMs))
	for i := range levelStartMs {
		indexes = append(indexes, i)
	}
	sort.Ints(indexes)
	var offset strings.Builder
	offset.WriteString("CASE level_index")
	for _, i := range indexes {
		fmt.Fprintf(&offset, " WHEN %d THEN %s", i, double(levelStartMs[i]))
	}
	offset.WriteString(" ELSE NULL END")
	if len(indexes) == 0 {
		offset.Reset()
		offset.WriteString("CAST(NULL AS DOUBLE)")
	}
	const sent = "status <> '" + notSent + "'"
	return `WITH r AS (
  SELECT status, warmup, output_tokens, ttft_ms,
    start_ms + ` + offset.String() + ` AS s,
    end_ms + ` + offset.String() + ` AS e
  FROM ` + Relation + `
  WHERE run_id = ` + Quote(runID) + `
),
rs AS (
  SELECT status, warmup, output_tokens, ttft_ms, s, e,
    CAST(floor(s / 1000) AS BIGINT) AS ts, CAST(floor(e / 1000) AS BIGINT) AS te
  FROM r
),
starts AS (
  SELECT ts AS t,
    CAST(sum(CASE WHEN ` + sent + ` THEN 1 ELSE 0 END) AS BIGINT) AS started,
    CAST(sum(CASE WHEN ` + sent + ` THEN 0 ELSE 1 END) AS BIGINT) AS not_sent,
    CAST(sum(CASE WHEN warmup THEN 1 ELSE 0 END) AS BIGINT) AS warmup,
    CAST(sum(CASE WHEN ` + sent + ` THEN least(e, CAST(ts + 1 AS DOUBLE) * 1000) - s ELSE 0 END) AS DOUBLE) AS busy_head
  FROM rs
  GROUP BY ts
),
ends AS (
  SELECT te AS t,
    CAST(sum(CASE WHEN status = 'ok' THEN 1 ELSE 0 END) AS BIGINT) AS ok,
    CAST(sum(CASE WHEN status = 'ok' THEN 0 ELSE 1 END) AS BIGINT) AS errors,
    CAST(sum(CASE WHEN status = 'ok' THEN output_tokens ELSE 0 END) AS BIGINT) AS output_tokens,
    CAST(sum(CASE WHEN ` + sent + ` THEN 1 ELSE 0 END) AS BIGINT) AS ended,
    CAST(sum(CASE WHEN ` + sent + ` AND ts < te THEN 1 ELSE 0 END) AS BIGINT) AS ended_later,
    CAST(sum(CASE WHEN ` + sent + ` AND ts < te THEN e - CAST(te AS DOUBLE) * 1000 ELSE 0 END) AS DOUBLE) AS busy_tail
  FROM rs
  GROUP BY te
),
ttft AS (
  SELECT ts, ttft_ms AS x,
    row_number() OVER (PARTITION BY ts ORDER BY ttft_ms) - 1 AS i,
    count(*) OVER (PARTITION BY ts) AS n
  FROM rs
  WHERE status = 'ok' AND ttft_ms IS NOT NULL
),
ttft_p50 AS (
  SELECT ts AS t, ` + interpolated("CAST(n - 1 AS DOUBLE) * "+double(0.5)) + ` AS p50
  FROM ttft
  GROUP BY ts
),
secs AS (
  SELECT t FROM starts
  UNION
  SELECT t FROM ends
),
j AS (
  SELECT secs.t,
    COALESCE(starts.started, 0) AS started, COALESCE(starts.not_sent, 0) AS not_sent, COALESCE(starts.warmup, 0) AS warmup,
    COALESCE(starts.busy_head, 0) AS busy_head,
    COALESCE(ends.ok, 0) AS ok, COALESCE(ends.errors, 0) AS errors, COALESCE(ends.output_tokens, 0) AS output_tokens,
    COALESCE(ends.ended, 0) AS ended, COALESCE(ends.ended_later, 0) AS ended_later, COALESCE(ends.busy_tail, 0) AS busy_tail,
    ttft_p50.p50
  FROM secs
  LEFT JOIN starts ON starts.t = secs.t
  LEFT JOIN ends ON ends.t = secs.t
  LEFT JOIN ttft_p50 ON ttft_p50.t = secs.t
),
w AS (
  SELECT j.*,
    COALESCE(sum(started) OVER (ORDER BY t ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)
      - COALESCE(sum(ended) OVER (ORDER BY t ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS open_before
  FROM j
)
SELECT t, started, not_sent, warmup, ok, errors, output_tokens,
  CAST(busy_head + busy_tail + CAST(open_before - ended_later AS DOUBLE) * 1000 AS DOUBLE) AS busy_ms,
  CAST(open_before + started - ended AS BIGINT) AS open_end,
  CAST(p50 AS DOUBLE) AS ttft_p50_ms
FROM w
ORDER BY t`
}

// Timeline computes the run's timeline (summary.Timeline's Seconds) with
// TimelineSQL run on e: every second from the first row's to the last
// row's end, in order, a second the query has no row for filled in with
// zero counts and the previous second's open requests in flight
// throughout. levelStartMs places each level on the timeline (ms after
// its start); a level with rows must have one.
//
// It returns ErrNoRows (wrapped) when the run has no row at all.
func Timeline(ctx context.Context, e Engine, runID string, levelStartMs map[int]float64) ([]summary.Tick, error) {
	if err := checkRunID(runID); err != nil {
		return nil, fmt.Errorf("query: timeline: %w", err)
	}
	for i, ms := range levelStartMs {
		if math.IsNaN(ms) || math.IsInf(ms, 0) {
			return nil, fmt.Errorf("query: timeline: level %d starts at %v ms", i, ms)
		}
	}
	rows, err := e.Query(ctx, TimelineSQL(runID, levelStartMs))
	if err != nil {
		return nil, fmt.Errorf("query: timeline: %w", err)
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("query: timeline: run %q: %w", runID, ErrNoRows)
	}
	var out []summary.Tick
	var open int64 // in flight at the end of the last second read
	for i, r := range rows {
		c := cols{r: r}
		if v, ok := r["t"]; ok && v == nil {
			return nil, fmt.Errorf("query: timeline: rows of a level without a start instant (%d levels' starts given)", len(levelStartMs))
		}
		tk := summary.Tick{
			T:            int(c.int("t")),
			Started:      int(c.int("started")),
			NotSent:      int(c.int("not_sent")),
			Warmup:       int(c.int("warmup")),
			OK:           int(c.int("ok")),
			Errors:       int(c.int("errors")),
			OutputTokens: c.int("output_tokens"),
			InFlight:     c.float("busy_ms") / 1000,
			TTFTP50Ms:    c.floatOrNil("ttft_p50_ms"),
		}
		openEnd := c.int("open_end")
		if c.err != nil {
			return nil, fmt.Errorf("query: timeline: row %d: %w", i, c.err)
		}
		if n := len(out); n > 0 {
			prev := out[n-1].T
			if tk.T <= prev {
				return nil, fmt.Errorf("query: timeline: row %d: second %d after second %d: rows out of order", i, tk.T, prev)
			}
			for t := prev + 1; t < tk.T; t++ { // nothing began or ended: the open requests span it
				out = append(out, summary.Tick{T: t, InFlight: float64(open)})
			}
		}
		out = append(out, tk)
		open = openEnd
	}
	return out, nil
}
