package querytest

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/llmbench/llmbench/shared/sample"
)

// WriteRows writes rows as dir/name in the Parquet format of the store and
// returns its path.
func WriteRows(t testing.TB, dir, name string, rows []sample.Row) string {
	t.Helper()
	path := filepath.Join(dir, name)
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := sample.WriteParquet(f, rows); err != nil {
		f.Close()
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// OneRow is a file's worth of rows with every column set.
func OneRow() []sample.Row {
	f64 := func(v float64) *float64 { return &v }
	session, turn := int64(7)<<32|9, int32(2)
	return []sample.Row{{
		RunID: "r1", Level: 4, Worker: 1, Seq: 2, VU: 3,
		StartTime: time.Date(2025, 1, 2, 3, 4, 5, 6000, time.UTC),
		StartMs:   1.5, EndMs: 900, SchedDelayMs: 0.25, Warmup: false,
		Status: "ok", HTTPStatus: 200,
		TTFBMs: f64(10), TTFTMs: f64(50), TTFCMs: f64(60), E2EMs: f64(850), TPOTMs: f64(8),
		ITLMs:       []float64{7, 8, 9},
		InputTokens: 100, OutputTokens: 101, TokenSource: "usage", Chunks: 30, Bytes: 4096,
		ConnReused: true, ConnectMs: 3.5,
		BackoffMs: 120, FinishReason: "stop", CutShort: true,
		LevelIndex: 5, Mode: "rate", RequestRate: 12.5, IntendedMs: 1.25, QueueMs: 0.75,
		SessionID: &session, Turn: &turn, ThinkMs: 2000,
	}}
}
