package duckdb

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"os"
	"strings"

	driver "github.com/duckdb/duckdb-go/v2"

	"github.com/llmbench/llmbench/shared/query"
)

// DB is a query.Engine over local Parquet files, in an in-memory DuckDB
// database whose view samples reads them.
type DB struct {
	db    *sql.DB
	files []string
}

var _ query.Engine = (*DB)(nil)

// Open opens an in-memory DuckDB database with the view
//
//	CREATE VIEW samples AS SELECT * FROM read_parquet([files...],
//	    hive_partitioning = false, union_by_name = true)
//
// files are local paths (DuckDB expands glob characters * ? [ in them). It
// is an error for files to be empty, or for one of them to be missing, not
// a Parquet file, or truncated: the error names the file.
func Open(ctx context.Context, files []string) (*DB, error) {
	if len(files) == 0 {
		return nil, errors.New("query: open duckdb: no Parquet files given: nothing to summarize")
	}
	for _, f := range files {
		if err := checkParquet(f); err != nil {
			return nil, fmt.Errorf("query: open duckdb: %w", err)
		}
	}
	connector, err := driver.NewConnector("", nil)
	if err != nil {
		return nil, fmt.Errorf("query: open duckdb: %w", err)
	}
	db := sql.OpenDB(connector)
	if _, err := db.ExecContext(ctx, viewSQL(files)); err != nil {
		err = blame(ctx, db, files, err)
		db.Close()
		return nil, fmt.Errorf("query: open duckdb: create view %s: %w", query.Relation, err)
	}
	if _, err := db.ExecContext(ctx, emptyTelemetrySQL); err != nil {
		db.Close()
		return nil, fmt.Errorf("query: open duckdb: create view %s: %w", query.TelemetryRelation, err)
	}
	return &DB{db: db, files: append([]string(nil), files...)}, nil
}

// Name returns "duckdb", the engine name summary.json records.
func (d *DB) Name() string { return "duckdb" }

// Close releases the database.
func (d *DB) Close() error {
	if err := d.db.Close(); err != nil {
		return fmt.Errorf("query: close duckdb: %w", err)
	}
	return nil
}

// Query runs q and returns its rows, with values converted to the Engine
// contract's Go types.
func (d *DB) Query(ctx context.Context, q string) ([]map[string]any, error) {
	rows, err := d.db.QueryContext(ctx, q)
	if err != nil {
		if ctx.Err() == nil {
			// A page broken inside a file shows only when it is read,
			// and DuckDB's error does not say where.
			err = blame(ctx, d.db, d.files, err)
		}
		return nil, fmt.Errorf("query: duckdb query: %w", err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, fmt.Errorf("query: duckdb columns: %w", err)
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	out := []map[string]any{}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return nil, fmt.Errorf("query: duckdb scan: %w", err)
		}
		m := make(map[string]any, len(cols))
		for i, c := range cols {
			v, err := normalize(vals[i])
			if err != nil {
				return nil, fmt.Errorf("query: duckdb column %q: %w", c, err)
			}
			m[c] = v
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		if ctx.Err() == nil {
			err = blame(ctx, d.db, d.files, err)
		}
		return nil, fmt.Errorf("query: duckdb rows: %w", err)
	}
	return out, nil
}

// viewSQL builds the CREATE VIEW statement over files.
func viewSQL(files []string) string {
	quoted := make([]string, len(files))
	for i, f := range files {
		quoted[i] = query.Quote(f)
	}
	return "CREATE VIEW " + query.Relation + " AS SELECT * FROM read_parquet([" +
		strings.Join(quoted, ", ") + "], hive_partitioning = false, union_by_name = true)"
}

// emptyTelemetrySQL creates the telemetry relation with no rows, in the
// columns of telemetry.Row, for a run whose server was not scraped:
// AddTelemetry replaces it.
const emptyTelemetrySQL = "CREATE VIEW " + query.TelemetryRelation + ` AS SELECT
  CAST(NULL AS VARCHAR) AS run_id, CAST(NULL AS INTEGER) AS level_index, CAST(NULL AS INTEGER) AS scrape,
  CAST(NULL AS TIMESTAMPTZ) AS "time", CAST(NULL AS DOUBLE) AS t_ms, CAST(NULL AS BOOLEAN) AS warmup,
  CAST(NULL AS VARCHAR) AS metric, CAST(NULL AS VARCHAR) AS labels, CAST(NULL AS DOUBLE) AS value
WHERE false`

// AddTelemetry makes the relation telemetry read the Parquet files of
// telemetry.Row given (local paths), in place of the empty one Open
// creates. As with Open, a file missing or not Parquet is an error naming
// it.
func (d *DB) AddTelemetry(ctx context.Context, files []string) error {
	if len(files) == 0 {
		return nil
	}
	quoted := make([]string, len(files))
	for i, f := range files {
		if err := checkParquet(f); err != nil {
			return fmt.Errorf("query: duckdb telemetry: %w", err)
		}
		quoted[i] = query.Quote(f)
	}
	q := "CREATE OR REPLACE VIEW " + query.TelemetryRelation + " AS SELECT * FROM read_parquet([" +
		strings.Join(quoted, ", ") + "], hive_partitioning = false, union_by_name = true)"
	if _, err := d.db.ExecContext(ctx, q); err != nil {
		return fmt.Errorf("query: duckdb telemetry: create view %s: %w", query.TelemetryRelation, err)
	}
	d.files = append(d.files, files...)
	return nil
}

// checkParquet checks, cheaply, that path is a whole Parquet file: the PAR1
// magic at both ends and a footer length that fits. A file cut short, or
// something else named .parquet, fails here with its name.
func checkParquet(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err // an *fs.PathError: it names the file
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	size := st.Size()
	if st.IsDir() {
		return fmt.Errorf("check %s: a directory, not a Parquet file", path)
	}
	const magic = "PAR1"
	if size < 12 { // magic, footer length, magic
		return fmt.Errorf("check %s: not a Parquet file: %d bytes", path, size)
	}
	head := make([]byte, 4)
	tail := make([]byte, 8) // footer length, magic
	if _, err := f.ReadAt(head, 0); err != nil {
		return fmt.Errorf("check %s: %w", path, err)
	}
	if _, err := f.ReadAt(tail, size-8); err != nil && err != io.EOF {
		return fmt.Errorf("check %s: %w", path, err)
	}
	if !bytes.Equal(head, []byte(magic)) {
		return fmt.Errorf("check %s: not a Parquet file: no %s magic at its start", path, magic)
	}
	if !bytes.Equal(tail[4:], []byte(magic)) {
		return fmt.Errorf("check %s: not a whole Parquet file: no %s magic at its end (truncated?)", path, magic)
	}
	if n := int64(binary.LittleEndian.Uint32(tail[:4])); n > size-12 {
		return fmt.Errorf("check %s: corrupt Parquet file: footer of %d bytes in a file of %d", path, n, size)
	}
	return nil
}

// blame finds which file made a statement fail, by reading every column of
// each file alone, and names it in the error. It returns err unchanged when
// every file reads on its own (the fault is elsewhere, in the SQL say).
// It only runs after a failure, so its cost does not matter.
func blame(ctx context.Context, db *sql.DB, files []string, err error) error {
	for _, f := range files {
		var n int64
		// hash(r) of the whole row r forces every column to be decoded.
		q := "SELECT CAST(count(hash(r)) AS BIGINT) FROM read_parquet(" + query.Quote(f) + ") AS r"
		if ferr := db.QueryRowContext(ctx, q).Scan(&n); ferr != nil {
			return fmt.Errorf("%s: %w", f, err)
		}
	}
	return err
}

// normalize converts a value scanned from DuckDB to the Engine contract's
// types.
func normalize(v any) (any, error) {
	switch x := v.(type) {
	case nil, bool, string, int64, float64:
		return v, nil
	case int8:
		return int64(x), nil
	case int16:
		return int64(x), nil
	case int32:
		return int64(x), nil
	case int:
		return int64(x), nil
	case uint8:
		return int64(x), nil
	case uint16:
		return int64(x), nil
	case uint32:
		return int64(x), nil
	case uint:
		return normalize(uint64(x))
	case uint64:
		if x > math.MaxInt64 {
			return nil, fmt.Errorf("unsigned value %d overflows int64", x)
		}
		return int64(x), nil
	case float32:
		return float64(x), nil
	case *big.Int: // HUGEINT, e.g. an uncast sum of integers
		if !x.IsInt64() {
			return nil, fmt.Errorf("HUGEINT %s overflows int64", x)
		}
		return x.Int64(), nil
	case driver.Decimal:
		return x.Float64(), nil
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			n, err := normalize(e)
			if err != nil {
				return nil, err
			}
			out[i] = n
		}
		return out, nil
	default:
		return v, nil
	}
}
