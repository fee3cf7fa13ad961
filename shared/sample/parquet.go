package sample

import (
	"fmt"
	"io"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress/zstd"
)

// WriteParquet writes rows as one Parquet file, ZSTD-compressed, in the Row
// schema. DuckDB and Athena read the result.
func WriteParquet(w io.Writer, rows []Row) error {
	pw := parquet.NewGenericWriter[Row](w,
		parquet.Compression(&zstd.Codec{Level: zstd.SpeedDefault}),
		parquet.CreatedBy("llmbench", "", ""),
	)
	if _, err := pw.Write(rows); err != nil {
		return fmt.Errorf("sample: write parquet rows: %w", err)
	}
	if err := pw.Close(); err != nil {
		return fmt.Errorf("sample: close parquet file: %w", err)
	}
	return nil
}

// ReadParquet reads every row of a Parquet file written by WriteParquet.
func ReadParquet(r io.ReaderAt, size int64) ([]Row, error) {
	f, err := parquet.OpenFile(r, size)
	if err != nil {
		return nil, fmt.Errorf("sample: open parquet file: %w", err)
	}
	rd := parquet.NewGenericReader[Row](f)
	defer rd.Close()
	rows := make([]Row, f.NumRows())
	n, err := rd.Read(rows)
	if err != nil && err != io.EOF {
		return nil, fmt.Errorf("sample: read parquet rows: %w", err)
	}
	return rows[:n], nil
}
