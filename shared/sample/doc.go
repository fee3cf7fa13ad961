// Package sample defines the one-row-per-request record that llmbench stores
// (Row), the raw measurement a target client produces for one request
// (Result), and the Parquet writer that turns rows into part files.
//
// Every request issued yields exactly one Row, errors and warm-up included,
// so that row counts always reconcile with the requests a run issued.
package sample
