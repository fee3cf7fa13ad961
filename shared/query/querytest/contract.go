// Package querytest holds the contract every query.Engine must meet, as a
// test helper: run Contract against an engine from its own tests.
package querytest

import (
	"context"
	"reflect"
	"sort"
	"testing"
	"time"

	"github.com/llmbench/llmbench/shared/query"
)

// Contract checks that e returns the Go types query.Engine promises and
// behaves as Summarize expects: BIGINT and INTEGER → int64, DOUBLE →
// float64, VARCHAR → string, BOOLEAN → bool, ARRAY(DOUBLE) → []any of
// float64, NULL → nil; values exact (no detour through float64 for
// integers, nor through a short decimal for doubles); several rows in order;
// no row as an empty result without error; an error for bad SQL and for a
// canceled context. Its SQL needs no table.
func Contract(t *testing.T, e query.Engine) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	t.Run("types", func(t *testing.T) {
		got := one(ctx, t, e, `SELECT
  CAST(9007199254740993 AS BIGINT) AS big,
  CAST(-7 AS INTEGER) AS int32,
  CAST('0.30000000000000004' AS DOUBLE) AS dbl,
  CAST(1.5 AS DOUBLE) AS half,
  CAST('héllo, ''world''' AS VARCHAR) AS str,
  true AS yes,
  false AS no,
  ARRAY[CAST(1.5 AS DOUBLE), CAST(2.25 AS DOUBLE)] AS arr,
  CAST(NULL AS BIGINT) AS null_big,
  CAST(NULL AS DOUBLE) AS null_dbl,
  CAST(NULL AS VARCHAR) AS null_str`)
		want := map[string]any{
			"big":      int64(9007199254740993), // 2^53 + 1: not a float64
			"int32":    int64(-7),
			"dbl":      0.30000000000000004, // 17 significant digits
			"half":     1.5,
			"str":      "héllo, 'world'",
			"yes":      true,
			"no":       false,
			"arr":      []any{1.5, 2.25},
			"null_big": nil,
			"null_dbl": nil,
			"null_str": nil,
		}
		for k, w := range want {
			g, ok := got[k]
			if !ok {
				t.Errorf("column %q missing (columns: %v)", k, keys(got))
				continue
			}
			if !reflect.DeepEqual(g, w) {
				t.Errorf("column %q = %#v (%T), want %#v (%T)", k, g, g, w, w)
			}
		}
		if len(got) != len(want) {
			t.Errorf("got %d columns %v, want %d", len(got), keys(got), len(want))
		}
	})

	t.Run("aggregates", func(t *testing.T) {
		// What the summary SQL does: CAST sums of integers to BIGINT and of
		// doubles to DOUBLE.
		got := one(ctx, t, e, `SELECT
  CAST(sum(x) AS BIGINT) AS s,
  CAST(sum(CASE WHEN x > 1 THEN 1 ELSE 0 END) AS BIGINT) AS c,
  CAST(avg(CAST(x AS DOUBLE)) AS DOUBLE) AS m,
  CAST(min(CASE WHEN x > 5 THEN CAST(x AS DOUBLE) ELSE NULL END) AS DOUBLE) AS none
FROM (VALUES (1), (2), (3)) AS v(x)`)
		want := map[string]any{"s": int64(6), "c": int64(2), "m": 2.0, "none": nil}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("got %#v, want %#v", got, want)
		}
	})

	t.Run("rows", func(t *testing.T) {
		rows, err := e.Query(ctx, `SELECT x FROM (VALUES (3), (1), (2)) AS v(x) ORDER BY x`)
		if err != nil {
			t.Fatalf("Query: %v", err)
		}
		want := []map[string]any{{"x": int64(1)}, {"x": int64(2)}, {"x": int64(3)}}
		if !reflect.DeepEqual(rows, want) {
			t.Errorf("got %#v, want %#v", rows, want)
		}
	})

	t.Run("empty", func(t *testing.T) {
		rows, err := e.Query(ctx, `SELECT x FROM (VALUES (1)) AS v(x) WHERE x = 0`)
		if err != nil {
			t.Fatalf("Query: %v", err)
		}
		if len(rows) != 0 {
			t.Errorf("got %d rows %v, want none", len(rows), rows)
		}
	})

	t.Run("bad SQL", func(t *testing.T) {
		if rows, err := e.Query(ctx, `SELEC nothing FROM`); err == nil {
			t.Errorf("Query of bad SQL: no error, rows %v", rows)
		}
	})

	t.Run("canceled", func(t *testing.T) {
		cctx, ccancel := context.WithCancel(ctx)
		ccancel()
		if rows, err := e.Query(cctx, `SELECT 1 AS one`); err == nil {
			t.Errorf("Query with a canceled context: no error, rows %v", rows)
		}
	})
}

// one runs q and returns its only row.
func one(ctx context.Context, t *testing.T, e query.Engine, q string) map[string]any {
	t.Helper()
	rows, err := e.Query(ctx, q)
	if err != nil {
		t.Fatalf("Query: %v", err)
	}
	if len(rows) != 1 {
		t.Fatalf("got %d rows, want 1: %v", len(rows), rows)
	}
	return rows[0]
}

func keys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
