package spec

import "math"

// BenchmarkPrices (pricing.benchmark) overrides the prices of the
// benchmark's own AWS usage that its bill (summary.json's
// benchmark_cost_usd) multiplies by: each field left out keeps the
// default of package cost (AWS on-demand, us-east-1). Every field is in
// US dollars.
type BenchmarkPrices struct {
	LambdaGBSecond      *float64 `json:"lambda_gb_second,omitempty"`                  // per GB-second of billed duration
	LambdaPer1MRequests *float64 `json:"lambda_per_1m_requests,omitempty"`            // per million invocations
	SFNPer1KTransitions *float64 `json:"step_functions_per_1k_transitions,omitempty"` // per thousand state transitions
	S3Per1KPut          *float64 `json:"s3_per_1k_put,omitempty"`                     // per thousand PUT, COPY, POST, LIST
	S3Per1KGet          *float64 `json:"s3_per_1k_get,omitempty"`                     // per thousand GET
	AthenaPerTB         *float64 `json:"athena_per_tb,omitempty"`                     // per TB scanned
}

// validateBenchmarkPrices checks pricing.benchmark: every price given
// must be a finite number >= 0.
func validateBenchmarkPrices(b *BenchmarkPrices, add func(path, format string, args ...any)) {
	if b == nil {
		return
	}
	for _, f := range []struct {
		name string
		v    *float64
	}{
		{"lambda_gb_second", b.LambdaGBSecond},
		{"lambda_per_1m_requests", b.LambdaPer1MRequests},
		{"step_functions_per_1k_transitions", b.SFNPer1KTransitions},
		{"s3_per_1k_put", b.S3Per1KPut},
		{"s3_per_1k_get", b.S3Per1KGet},
		{"athena_per_tb", b.AthenaPerTB},
	} {
		if f.v != nil && (!(*f.v >= 0) || math.IsInf(*f.v, 1)) {
			add("pricing.benchmark."+f.name, "must be a price in USD >= 0, got %g", *f.v)
		}
	}
}
