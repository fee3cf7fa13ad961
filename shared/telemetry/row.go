package telemetry

import (
	"fmt"
	"io"
	"time"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress/zstd"
)

// Row is one sample of one scrape, as stored in Parquet and queried by
// DuckDB or Athena (the telemetry relation, the Glue table telemetry).
// The column names and types are a contract: change them only together
// with the query SQL and terraform/.
type Row struct {
	RunID      string    `parquet:"run_id,dict"`
	LevelIndex int32     `parquet:"level_index"`                 // the level's place in the run, from 0
	Scrape     int32     `parquet:"scrape"`                      // the scrape's number within the level, from 0
	Time       time.Time `parquet:"time,timestamp(microsecond)"` // UTC wall clock when the scrape was sent
	TMs        float64   `parquet:"t_ms"`                        // when it was sent, ms after the level's start instant
	Warmup     bool      `parquet:"warmup"`                      // sent during the level's warm-up
	Metric     string    `parquet:"metric,dict"`                 // the sample's name, e.g. vllm:num_requests_running
	Labels     string    `parquet:"labels"`                      // its labels as a JSON object with sorted keys, {} if none
	Value      float64   `parquet:"value"`
}

// WriteParquet writes rows as one Parquet file, ZSTD-compressed.
func WriteParquet(w io.Writer, rows []Row) error {
	pw := parquet.NewGenericWriter[Row](w,
		parquet.Compression(&zstd.Codec{Level: zstd.SpeedDefault}),
		parquet.CreatedBy("llmbench", "", ""),
	)
	if _, err := pw.Write(rows); err != nil {
		return fmt.Errorf("telemetry: write parquet rows: %w", err)
	}
	if err := pw.Close(); err != nil {
		return fmt.Errorf("telemetry: close parquet file: %w", err)
	}
	return nil
}

// ReadParquet reads every row of a file written by WriteParquet.
func ReadParquet(r io.ReaderAt, size int64) ([]Row, error) {
	f, err := parquet.OpenFile(r, size)
	if err != nil {
		return nil, fmt.Errorf("telemetry: open parquet file: %w", err)
	}
	rd := parquet.NewGenericReader[Row](f)
	defer rd.Close()
	rows := make([]Row, f.NumRows())
	n, err := rd.Read(rows)
	if err != nil && err != io.EOF {
		return nil, fmt.Errorf("telemetry: read parquet rows: %w", err)
	}
	return rows[:n], nil
}
