// Package athenafake is a stand-in for Amazon Athena in tests: an
// http.Handler, for an httptest.Server on loopback, that speaks Athena's
// wire protocol (AWS JSON 1.1: POST /, X-Amz-Target:
// AmazonAthena.<Operation>, Content-Type: application/x-amz-json-1.1,
// SigV4-signed) and runs the submitted SQL on a Querier, in practice a
// *duckdb.DB whose view samples reads local Parquet files.
//
// It answers StartQueryExecution, GetQueryExecution, GetQueryResults and
// StopQueryExecution in Athena's shapes: the real SDK client parses them.
// A query is QUEUED at its first poll, RUNNING for a few more, then
// SUCCEEDED, or FAILED with the engine's error as StateChangeReason and an
// AthenaError (category 2, USER). Results come as Athena gives them: a
// header row of column labels first, every value as text in
// Datum.VarCharValue (doubles as Java writes them: 2.0, 1.0E-5; arrays as
// "[1.5, 2.25]"; NULL as a Datum with no value), ColumnInfo with Athena's
// type names, and pages of a few rows linked by NextToken.
//
// It records every call, for tests to check the sequence a client made.
// It is for tests only; it uses no cgo itself, the Querier brings DuckDB.
package athenafake
