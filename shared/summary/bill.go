package summary

import "github.com/llmbench/llmbench/shared/cost"

// BenchmarkCost is summary.json's benchmark_cost_usd: what the benchmark
// itself cost in AWS (Lambda, Step Functions, S3, Athena), or, for a run
// on one machine, what the same run would have cost there (Basis
// "local"). Its parts add up to its total.
type BenchmarkCost = cost.Bill
