package spec_test

import (
	"strings"
	"testing"

	"github.com/llmbench/llmbench/shared/spec"
)

func TestBenchmarkPrices(t *testing.T) {
	const head = `{"name":"x","target":{"kind":"sim"},"load":{"levels":[1],"requests":1},"pricing":{"benchmark":`
	tests := []struct {
		name string
		doc  string
		want []string // problems that must be reported; none when empty
	}{
		// every price given and valid, zero included (a free tier)
		{"all valid", `{"lambda_gb_second":0.0000166667,"lambda_per_1m_requests":0,"step_functions_per_1k_transitions":0.0279,"s3_per_1k_put":0.005,"s3_per_1k_get":0.0004,"athena_per_tb":5}`, nil},
		// an empty object keeps the defaults
		{"empty", `{}`, nil},
		// a negative price is refused with its path
		{"negative", `{"lambda_gb_second":-1}`, []string{"pricing.benchmark.lambda_gb_second: must be a price in USD >= 0, got -1"}},
		// each field is checked, and all are reported at once
		{"two wrong", `{"s3_per_1k_put":-0.005,"athena_per_tb":-5}`, []string{"pricing.benchmark.s3_per_1k_put", "pricing.benchmark.athena_per_tb"}},
		// a misspelt price is not silently ignored
		{"unknown field", `{"s3_per_1k_gets":1}`, []string{"s3_per_1k_gets"}},
		// a string where a number belongs
		{"not a number", `{"step_functions_per_1k_transitions":"0.025"}`, []string{"step_functions_per_1k_transitions"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := spec.Parse(strings.NewReader(head + tt.doc + `}}`))
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("Parse: %v", err)
				}
				if s.Pricing.Benchmark == nil {
					t.Fatal("pricing.benchmark was dropped")
				}
				return
			}
			if err == nil {
				t.Fatalf("Parse accepted it; want %q", tt.want)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}
