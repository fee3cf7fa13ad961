// Package athena is the query.Engine on Amazon Athena: it runs the summary
// SQL over the Glue table of samples where the Parquet files lie in S3.
//
// A query goes through three calls of the Athena API: StartQueryExecution,
// GetQueryExecution polled with exponential backoff until the query is
// SUCCEEDED, FAILED or CANCELLED, and GetQueryResults, paged with its
// NextToken. Athena returns every value as text (Datum.VarCharValue) with
// the column's type name beside it (ColumnInfo.Type); the engine parses
// each value by that name into the Go type the query.Engine contract
// promises:
//
//	bigint, integer, smallint, tinyint   int64
//	double, real, float, decimal         float64
//	varchar, char, string                string
//	boolean                              bool
//	array                                []any
//	timestamp, date                      time.Time (UTC unless the value names a zone)
//	NULL (a Datum with no VarCharValue)  nil
//
// and leaves the values of other types (map, row, json, varbinary, …) as
// Athena's text.
//
// Athena renders an array as its elements' text between brackets, "[1.5,
// 2.25]", without their type: elements parse as null → nil, true/false →
// bool, an integer → int64, a number with a point or an exponent →
// float64 (Athena writes every double so: 2.0, 1.0E-5), anything else →
// string. Arrays of strings that contain ", " or look like numbers cannot
// be read back faithfully; the summary SQL selects no array.
//
// The package uses no cgo and imports no DuckDB: the Lambdas that use it
// build with CGO_ENABLED=0. Its tests run the real SDK client against
// athenafake, a loopback server that speaks Athena's wire protocol and
// executes the SQL in DuckDB.
package athena
