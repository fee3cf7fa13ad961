package duckdb_test

import (
	"bytes"
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/llmbench/llmbench/shared/query"
	"github.com/llmbench/llmbench/shared/query/duckdb"
	"github.com/llmbench/llmbench/shared/query/querytest"
	"github.com/llmbench/llmbench/shared/sample"
)

// openDuckDB opens a DuckDB engine over files, closed at the end of the test.
func openDuckDB(t *testing.T, files ...string) *duckdb.DB {
	t.Helper()
	d, err := duckdb.Open(context.Background(), files)
	if err != nil {
		t.Fatalf("OpenDuckDB: %v", err)
	}
	t.Cleanup(func() {
		if err := d.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return d
}

func f64(v float64) *float64 { return &v }

// manyRows returns n rows of one run and level with varied values, enough
// for the file to hold several data pages.
func manyRows(rng *rand.Rand, run string, n int) []sample.Row {
	t0 := time.Date(2025, 1, 2, 3, 0, 0, 0, time.UTC)
	rows := make([]sample.Row, n)
	for i := range rows {
		start := rng.Float64() * 60_000
		ttft := 5 + rng.Float64()*3000
		e2e := ttft + rng.Float64()*10_000
		itl := make([]float64, rng.IntN(40))
		for j := range itl {
			itl[j] = rng.Float64() * 200
		}
		rows[i] = sample.Row{
			RunID: run, Level: 4, Worker: 0, Seq: int64(i), VU: int32(rng.IntN(4)),
			StartTime: t0.Add(time.Duration(start * float64(time.Millisecond))).Truncate(time.Microsecond),
			StartMs:   start, EndMs: start + e2e,
			Status: "ok", HTTPStatus: 200,
			TTFTMs: f64(ttft), E2EMs: f64(e2e), ITLMs: itl,
			InputTokens: int32(rng.IntN(2000)), OutputTokens: int32(len(itl) + 1), TokenSource: "usage",
			Chunks: int32(len(itl) + 1),
		}
	}
	return rows
}

func TestDuckDBContract(t *testing.T) {
	d := openDuckDB(t, querytest.WriteRows(t, t.TempDir(), "part-0.parquet", querytest.OneRow()))
	if d.Name() != "duckdb" {
		t.Errorf("Name() = %q, want duckdb", d.Name())
	}
	querytest.Contract(t, d)
}

// TestColumnTypes pins the DuckDB type of every column of sample.Row as
// read back from the Parquet that sample.WriteParquet writes.
func TestColumnTypes(t *testing.T) {
	d := openDuckDB(t, querytest.WriteRows(t, t.TempDir(), "part-0.parquet", querytest.OneRow()))
	rows, err := d.Query(context.Background(), "DESCRIBE samples")
	if err != nil {
		t.Fatal(err)
	}
	want := []struct{ name, typ string }{
		{"run_id", "VARCHAR"},
		{"level", "INTEGER"},
		{"worker", "INTEGER"},
		{"seq", "BIGINT"},
		{"vu", "INTEGER"},
		{"start_time", "TIMESTAMP WITH TIME ZONE"}, // parquet-go writes isAdjustedToUTC = true
		{"start_ms", "DOUBLE"},
		{"end_ms", "DOUBLE"},
		{"sched_delay_ms", "DOUBLE"},
		{"warmup", "BOOLEAN"},
		{"status", "VARCHAR"},
		{"http_status", "INTEGER"},
		{"error", "VARCHAR"},
		{"ttfb_ms", "DOUBLE"},
		{"ttft_ms", "DOUBLE"},
		{"ttfc_ms", "DOUBLE"},
		{"e2e_ms", "DOUBLE"},
		{"tpot_ms", "DOUBLE"},
		{"itl_ms", "DOUBLE[]"},
		{"input_tokens", "INTEGER"},
		{"output_tokens", "INTEGER"},
		{"token_source", "VARCHAR"},
		{"chunks", "INTEGER"},
		{"bytes", "BIGINT"},
		{"conn_reused", "BOOLEAN"},
		{"connect_ms", "DOUBLE"},
		{"headers_json", "VARCHAR"},
		{"backoff_ms", "DOUBLE"},
		{"finish_reason", "VARCHAR"},
		{"cut_short", "BOOLEAN"},
		{"level_index", "INTEGER"},
		{"mode", "VARCHAR"},
		{"request_rate", "DOUBLE"},
		{"intended_ms", "DOUBLE"},
		{"queue_ms", "DOUBLE"},
		{"prompt_id", "BIGINT"},
		{"client_input_tokens", "INTEGER"},
		{"client_count", "VARCHAR"},
		{"cached_tokens", "INTEGER"},
		{"reasoning_tokens", "INTEGER"},
		{"session_id", "BIGINT"},
		{"turn", "INTEGER"},
		{"think_ms", "DOUBLE"},
		{"server_ttft_ms", "DOUBLE"},
		{"round", "INTEGER"},
	}
	if len(rows) != len(want) {
		t.Errorf("DESCRIBE: %d columns, want %d", len(rows), len(want))
	}
	for i, w := range want {
		if i >= len(rows) {
			break
		}
		if rows[i]["column_name"] != w.name || rows[i]["column_type"] != w.typ {
			t.Errorf("column %d: %v %v, want %s %s", i, rows[i]["column_name"], rows[i]["column_type"], w.name, w.typ)
		}
	}

	// The values come back as written: a nil ITL list is an empty list, not
	// NULL; the timestamp keeps its microseconds.
	got, err := d.Query(context.Background(), "SELECT start_time, itl_ms, ttft_ms, level FROM samples")
	if err != nil {
		t.Fatal(err)
	}
	if ts, ok := got[0]["start_time"].(time.Time); !ok || !ts.Equal(querytest.OneRow()[0].StartTime) {
		t.Errorf("start_time = %#v, want %v", got[0]["start_time"], querytest.OneRow()[0].StartTime)
	}
	if itl, ok := got[0]["itl_ms"].([]any); !ok || len(itl) != 3 || itl[2] != 9.0 {
		t.Errorf("itl_ms = %#v, want [7 8 9]", got[0]["itl_ms"])
	}
	if got[0]["level"] != int64(4) {
		t.Errorf("level = %#v, want int64(4)", got[0]["level"])
	}
}

func TestNilITLIsEmptyList(t *testing.T) {
	rows := querytest.OneRow()
	rows[0].ITLMs = nil
	d := openDuckDB(t, querytest.WriteRows(t, t.TempDir(), "part-0.parquet", rows))
	got, err := d.Query(context.Background(), "SELECT itl_ms IS NULL AS is_null, CAST(len(itl_ms) AS BIGINT) AS n FROM samples")
	if err != nil {
		t.Fatal(err)
	}
	if got[0]["is_null"] != false || got[0]["n"] != int64(0) {
		t.Errorf("nil itl_ms reads back as %v, want an empty list", got[0])
	}
}

// TestBrokenInput puts one bad file among good ones: the error names it.
func TestBrokenInput(t *testing.T) {
	dir := t.TempDir()
	good := querytest.WriteRows(t, dir, "good.parquet", querytest.OneRow())
	whole, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		content []byte // nil: the file does not exist
		want    string // in the error, beside the file name
	}{
		// Cut in the middle, as by an interrupted upload.
		{"truncated", whole[:len(whole)/2], "truncated"},
		// Cut just before its final magic.
		{"truncated end", whole[:len(whole)-1], "truncated"},
		// Something else named .parquet.
		{"garbage", []byte("this is not a parquet file, just text.\n"), "not a Parquet file"},
		// Zero bytes, as left by a failed writer.
		{"empty", []byte{}, "not a Parquet file"},
		// Magic bytes right, footer length impossible.
		{"bad footer length", corrupt(whole, len(whole)-8, []byte{0xff, 0xff, 0xff, 0x7f}), "corrupt"},
		// Magic bytes and length right, footer content garbage: DuckDB's error.
		{"garbage footer", garbleFooter(whole), ""},
		// Listed but gone.
		{"missing", nil, "no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bad := filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "-")+".parquet")
			if tt.content != nil {
				if err := os.WriteFile(bad, tt.content, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			d, err := duckdb.Open(context.Background(), []string{good, bad, good})
			if err == nil {
				d.Close()
				t.Fatalf("OpenDuckDB: no error")
			}
			t.Logf("error: %v", err)
			if !strings.Contains(err.Error(), bad) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not name %s with %q", err, bad, tt.want)
			}
			if !strings.HasPrefix(err.Error(), "query: open duckdb: ") {
				t.Errorf("error %q: want the prefix query: open duckdb:", err)
			}
		})
	}
}

func TestNoFiles(t *testing.T) {
	for _, files := range [][]string{nil, {}} {
		d, err := duckdb.Open(context.Background(), files)
		if err == nil {
			d.Close()
			t.Fatalf("OpenDuckDB(%#v): no error", files)
		}
		if !strings.Contains(err.Error(), "no Parquet files") {
			t.Errorf("OpenDuckDB(%#v): error %q, want it to say no Parquet files", files, err)
		}
	}
}

// corrupt returns a copy of b with patch written at off.
func corrupt(b []byte, off int, patch []byte) []byte {
	out := append([]byte(nil), b...)
	copy(out[off:], patch)
	return out
}

// garbleFooter overwrites the Thrift footer of a Parquet file, keeping its
// length and magic bytes.
func garbleFooter(b []byte) []byte {
	n := int(b[len(b)-8]) | int(b[len(b)-7])<<8 | int(b[len(b)-6])<<16 | int(b[len(b)-5])<<24
	start := len(b) - 8 - n
	junk := make([]byte, n)
	for i := range junk {
		junk[i] = 0xee
	}
	return corrupt(b, start, junk)
}

// TestCorruptPages breaks a file inside its data: it opens (its footer is
// whole) but the first query that reads it fails, naming it.
func TestCorruptPages(t *testing.T) {
	dir := t.TempDir()
	good := querytest.WriteRows(t, dir, "good.parquet", querytest.OneRow())
	const runID = "run-2025_01"
	rows := manyRows(rand.New(rand.NewPCG(3, 4)), runID, 500)
	whole, err := os.ReadFile(querytest.WriteRows(t, dir, "whole.parquet", rows))
	if err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "bad-pages.parquet")
	if err := os.WriteFile(bad, corrupt(whole, 100, bytes.Repeat([]byte{0xaa}, 300)), 0o644); err != nil {
		t.Fatal(err)
	}
	d := openDuckDB(t, good, bad)
	_, err = query.Summarize(context.Background(), d, runID, query.SLO{})
	t.Logf("error: %v", err)
	if err == nil || !strings.Contains(err.Error(), bad) {
		t.Errorf("Summarize: error %v, want one naming %s", err, bad)
	}
}
