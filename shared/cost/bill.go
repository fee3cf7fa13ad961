package cost

import (
	"math"
	"sort"
)

// Prices are what the benchmark's own AWS resources cost: the figures a
// run's benchmark_cost_usd multiplies its usage by. DefaultPrices is the
// table in force; a spec may override any of them (pricing.benchmark).
type Prices struct {
	LambdaGBSecond      float64 `json:"lambda_gb_second"`                  // USD per GB-second of billed duration (arm64)
	LambdaPer1MRequests float64 `json:"lambda_per_1m_requests"`            // USD per million invocations
	SFNPer1KTransitions float64 `json:"step_functions_per_1k_transitions"` // USD per thousand state transitions (Standard)
	S3Per1KPut          float64 `json:"s3_per_1k_put"`                     // USD per thousand PUT, COPY, POST or LIST requests
	S3Per1KGet          float64 `json:"s3_per_1k_get"`                     // USD per thousand GET (and other) requests
	AthenaPerTB         float64 `json:"athena_per_tb"`                     // USD per TB (2^40 bytes) scanned, after Athena's rounding
	Source              string  `json:"source"`
	AsOf                string  `json:"as_of"` // when the figures were last checked, YYYY-MM-DD
}

// DefaultPrices are AWS's on-demand prices in us-east-1 (first tier of
// each), as checked on the date given. Prices change: check them again
// before publishing a figure, or override them in the spec.
var DefaultPrices = Prices{
	LambdaGBSecond:      0.0000133334, // arm64, the first 7.5 billion GB-s a month
	LambdaPer1MRequests: 0.20,
	SFNPer1KTransitions: 0.025, // Standard workflows; retries count as transitions
	S3Per1KPut:          0.005, // S3 Standard
	S3Per1KGet:          0.0004,
	AthenaPerTB:         5.00, // rounded up to the MB, 10 MB minimum per query
	Source: "aws.amazon.com/lambda/pricing (arm64), aws.amazon.com/step-functions/pricing (Standard), " +
		"aws.amazon.com/s3/pricing (S3 Standard requests), aws.amazon.com/athena/pricing (SQL, per TB scanned); us-east-1, on-demand",
	AsOf: "2026-12-04",
}

// Athena's billing rules: bytes scanned are rounded up to the megabyte,
// with a minimum of 10 MB per query.
const (
	AthenaMB          = 1 << 20
	AthenaMinPerQuery = 10 * AthenaMB
	athenaTB          = 1 << 40
)

// AthenaBilledBytes is what Athena bills a query that scanned scanned
// bytes: rounded up to the megabyte, at least 10 MB. A query that failed
// or was cancelled is billed what it scanned, by the same rule.
func AthenaBilledBytes(scanned int64) int64 {
	mb := (max(scanned, 0) + AthenaMB - 1) / AthenaMB
	return max(mb*AthenaMB, AthenaMinPerQuery)
}

// LambdaBilledMs is Lambda's billed duration of an invocation that ran ms
// milliseconds: rounded up to the millisecond.
func LambdaBilledMs(ms float64) int64 {
	if !(ms > 0) {
		return 0
	}
	return int64(math.Ceil(ms))
}

// Usage is what a run used of the benchmark's AWS resources.
type Usage struct {
	Functions   []FunctionUsage
	Transitions int   // Step Functions state transitions, retries included
	S3Put       int64 // PUT-class requests: PUT, COPY, POST, LIST
	S3Get       int64 // GET-class requests
	// AthenaScanned is each query's bytes scanned, before rounding.
	AthenaScanned []int64
}

// FunctionUsage is one Lambda function's invocations.
type FunctionUsage struct {
	Name        string
	MemoryMB    int
	Invocations int
	BilledMs    int64 // summed over the invocations, each rounded up to the ms
}

// Bill is a run's benchmark_cost_usd: what the benchmark itself cost in
// AWS (or, for a local run, would have cost), the sum of its parts.
type Bill struct {
	TotalUSD float64 `json:"total"`
	// Basis is "aws" for a run measured in AWS and "local" for a run in
	// this process, priced as the same run in AWS; Label says so for
	// people.
	Basis     string         `json:"basis"`
	Label     string         `json:"label"`
	Parts     []Part         `json:"parts"`
	Functions []FunctionBill `json:"functions"`
	Athena    AthenaBill     `json:"athena"`
	Prices    Prices         `json:"prices"`
	// NotCounted names what the figure leaves out, and why.
	NotCounted []string `json:"not_counted,omitempty"`
}

// Part is one line of a Bill: Quantity Units at PriceUSD per Per units.
type Part struct {
	Name     string  `json:"name"`
	Quantity float64 `json:"quantity"`
	Unit     string  `json:"unit"`
	PriceUSD float64 `json:"price_usd"`
	Per      float64 `json:"per"`
	USD      float64 `json:"usd"`
}

// FunctionBill is one function's share of the Lambda parts.
type FunctionBill struct {
	Name        string  `json:"name"`
	MemoryMB    int     `json:"memory_mb"`
	Invocations int     `json:"invocations"`
	BilledMs    int64   `json:"billed_ms"`
	GBSeconds   float64 `json:"gb_seconds"`
}

// AthenaBill is the Athena part's detail. Estimated is set when the
// engine was not Athena (a local run): each query is then priced as if it
// scanned every sample file of the run whole, an upper bound.
type AthenaBill struct {
	Queries      int   `json:"queries"`
	ScannedBytes int64 `json:"scanned_bytes"`
	BilledBytes  int64 `json:"billed_bytes"`
	Estimated    bool  `json:"estimated,omitempty"`
}

// The names of a Bill's parts, in the order they are listed.
const (
	PartLambdaGBSeconds = "lambda_gb_seconds"
	PartLambdaRequests  = "lambda_requests"
	PartSFNTransitions  = "step_functions_transitions"
	PartS3Put           = "s3_put_requests"
	PartS3Get           = "s3_get_requests"
	PartAthena          = "athena_scanned"
)

// GBSeconds is memory × billed duration: memoryMB/1024 GB for billedMs/1000 s.
func GBSeconds(memoryMB int, billedMs int64) float64 {
	return float64(memoryMB) / 1024 * float64(billedMs) / 1000
}

// Price prices u. Functions are listed by name; the parts always all
// appear, zero or not, so that a reader sees what was counted.
func (p Prices) Price(u Usage) Bill {
	b := Bill{Prices: p}
	fns := append([]FunctionUsage(nil), u.Functions...)
	sort.Slice(fns, func(i, j int) bool { return fns[i].Name < fns[j].Name })
	var gbs float64
	var requests int
	for _, f := range fns {
		g := GBSeconds(f.MemoryMB, f.BilledMs)
		b.Functions = append(b.Functions, FunctionBill{Name: f.Name, MemoryMB: f.MemoryMB, Invocations: f.Invocations, BilledMs: f.BilledMs, GBSeconds: g})
		gbs += g
		requests += f.Invocations
	}
	b.Athena.Queries = len(u.AthenaScanned)
	for _, s := range u.AthenaScanned {
		b.Athena.ScannedBytes += max(s, 0)
		b.Athena.BilledBytes += AthenaBilledBytes(s)
	}
	b.Parts = []Part{
		{Name: PartLambdaGBSeconds, Quantity: gbs, Unit: "GB-s", PriceUSD: p.LambdaGBSecond, Per: 1},
		{Name: PartLambdaRequests, Quantity: float64(requests), Unit: "invocations", PriceUSD: p.LambdaPer1MRequests, Per: 1e6},
		{Name: PartSFNTransitions, Quantity: float64(u.Transitions), Unit: "state transitions", PriceUSD: p.SFNPer1KTransitions, Per: 1e3},
		{Name: PartS3Put, Quantity: float64(u.S3Put), Unit: "requests", PriceUSD: p.S3Per1KPut, Per: 1e3},
		{Name: PartS3Get, Quantity: float64(u.S3Get), Unit: "requests", PriceUSD: p.S3Per1KGet, Per: 1e3},
		{Name: PartAthena, Quantity: float64(b.Athena.BilledBytes), Unit: "bytes billed", PriceUSD: p.AthenaPerTB, Per: athenaTB},
	}
	for i := range b.Parts {
		pt := &b.Parts[i]
		pt.USD = pt.Quantity * pt.PriceUSD / pt.Per
		b.TotalUSD += pt.USD
	}
	return b
}
