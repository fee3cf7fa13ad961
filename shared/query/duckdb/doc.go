// Package duckdb is the query.Engine on DuckDB, embedded in the process:
// Open creates an in-memory database whose view samples reads a list of
// local Parquet files, and OpenRun lists those of one run in a local store
// (store.Local) and opens them. The summary SQL then runs on that view as
// it runs on Athena.
//
// Files are checked before DuckDB reads them, and a file that fails a query
// later (a page broken inside it) is found by reading each file alone, so
// an error a file causes names that file. Values come back as the query.Engine
// contract's Go types (querytest.Contract checks them).
//
// DuckDB is C++ linked through cgo, so this package is linked only into the
// CLI and into tests (the Athena tests run Athena's SQL on it through
// athenafake). No Lambda imports it: they build with CGO_ENABLED=0 and
// query through package athena.
package duckdb
