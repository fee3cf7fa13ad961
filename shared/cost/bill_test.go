package cost_test

import (
	"math"
	"testing"

	"github.com/llmbench/llmbench/shared/cost"
)

func TestAthenaBilledBytes(t *testing.T) {
	const mb = 1 << 20
	tests := []struct {
		name    string
		scanned int64
		want    int64
	}{
		{"nothing scanned still bills the minimum", 0, 10 * mb},
		{"one byte bills the minimum", 1, 10 * mb},
		{"exactly the minimum", 10 * mb, 10 * mb},
		{"a byte past the minimum rounds up to the next MB", 10*mb + 1, 11 * mb},
		{"25.5 MB rounds up to 26 MB", 25*mb + mb/2, 26 * mb},
		{"a whole number of MB is not rounded", 300 * mb, 300 * mb},
		{"a negative count (never sent by Athena) bills the minimum", -5, 10 * mb},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := cost.AthenaBilledBytes(tt.scanned); got != tt.want {
				t.Errorf("AthenaBilledBytes(%d) = %d, want %d", tt.scanned, got, tt.want)
			}
		})
	}
}

func TestLambdaBilledMs(t *testing.T) {
	tests := []struct {
		ms   float64
		want int64
	}{
		{0, 0},            // nothing ran
		{0.2, 1},          // a fraction of a ms bills one ms
		{1000, 1000},      // whole ms are not rounded
		{1000.0001, 1001}, // anything past rounds up
		{math.NaN(), 0},   // a broken clock bills nothing rather than garbage
	}
	for _, tt := range tests {
		if got := cost.LambdaBilledMs(tt.ms); got != tt.want {
			t.Errorf("LambdaBilledMs(%v) = %d, want %d", tt.ms, got, tt.want)
		}
	}
}

// TestPriceByHand prices a usage whose figures were worked out by hand
// (the arithmetic is in the comments) at the default prices.
func TestPriceByHand(t *testing.T) {
	const mb = 1 << 20
	u := cost.Usage{
		Functions: []cost.FunctionUsage{
			// 1769/1024 GB × 10 s = 17.275390625 GB-s
			{Name: "worker", MemoryMB: 1769, Invocations: 2, BilledMs: 10_000},
			// 256/1024 GB × 0.15 s = 0.0375 GB-s
			{Name: "planner", MemoryMB: 256, Invocations: 1, BilledMs: 150},
			// 512/1024 GB × 1 s = 0.5 GB-s
			{Name: "aggregator", MemoryMB: 512, Invocations: 1, BilledMs: 1000},
		},
		Transitions: 41,
		S3Put:       30,
		S3Get:       12,
		// billed 10 MB (minimum), 11 MB, 26 MB = 47 MB = 49,283,072 bytes
		AthenaScanned: []int64{3 * mb, 10*mb + 1, 25*mb + 7},
	}
	b := cost.DefaultPrices.Price(u)
	want := map[string]struct{ quantity, usd float64 }{
		// 17.812890625 GB-s × $0.0000133334
		cost.PartLambdaGBSeconds: {17.812890625, 0.000237506395859375},
		// 4 invocations × $0.20 / 1e6
		cost.PartLambdaRequests: {4, 0.0000008},
		// 41 × $0.025 / 1000
		cost.PartSFNTransitions: {41, 0.001025},
		// 30 × $0.005 / 1000
		cost.PartS3Put: {30, 0.00015},
		// 12 × $0.0004 / 1000
		cost.PartS3Get: {12, 0.0000048},
		// 49,283,072 B × $5 / 2^40 B
		cost.PartAthena: {49_283_072, 0.00022411346435546875},
	}
	if len(b.Parts) != len(want) {
		t.Fatalf("%d parts, want %d: %+v", len(b.Parts), len(want), b.Parts)
	}
	var sum float64
	for _, p := range b.Parts {
		w, ok := want[p.Name]
		if !ok {
			t.Errorf("unexpected part %q", p.Name)
			continue
		}
		if !approx(p.Quantity, w.quantity) || !approx(p.USD, w.usd) {
			t.Errorf("%s: quantity %v, $%v; want %v, $%v", p.Name, p.Quantity, p.USD, w.quantity, w.usd)
		}
		sum += p.USD
	}
	// $0.0016422198602148437, the sum of the figures above.
	if !approx(b.TotalUSD, 0.0016422198602148437) || !approx(b.TotalUSD, sum) {
		t.Errorf("total $%v, want $0.0016422198602148437 (parts sum to $%v)", b.TotalUSD, sum)
	}
	if b.Athena.Queries != 3 || b.Athena.BilledBytes != 47*mb || b.Athena.ScannedBytes != 3*mb+10*mb+1+25*mb+7 {
		t.Errorf("athena detail %+v", b.Athena)
	}
	if len(b.Functions) != 3 || b.Functions[0].Name != "aggregator" || b.Functions[2].Name != "worker" || !approx(b.Functions[2].GBSeconds, 17.275390625) {
		t.Errorf("functions %+v, want aggregator, planner, worker with worker at 17.275390625 GB-s", b.Functions)
	}
}

// TestPriceOverride checks that every price is used: doubling one
// doubles its part and nothing else.
func TestPriceOverride(t *testing.T) {
	u := cost.Usage{
		Functions:     []cost.FunctionUsage{{Name: "worker", MemoryMB: 1024, Invocations: 3, BilledMs: 2000}},
		Transitions:   10,
		S3Put:         7,
		S3Get:         5,
		AthenaScanned: []int64{0},
	}
	base := cost.DefaultPrices.Price(u)
	tests := []struct {
		part string
		set  func(p *cost.Prices)
	}{
		{cost.PartLambdaGBSeconds, func(p *cost.Prices) { p.LambdaGBSecond *= 2 }},
		{cost.PartLambdaRequests, func(p *cost.Prices) { p.LambdaPer1MRequests *= 2 }},
		{cost.PartSFNTransitions, func(p *cost.Prices) { p.SFNPer1KTransitions *= 2 }},
		{cost.PartS3Put, func(p *cost.Prices) { p.S3Per1KPut *= 2 }},
		{cost.PartS3Get, func(p *cost.Prices) { p.S3Per1KGet *= 2 }},
		{cost.PartAthena, func(p *cost.Prices) { p.AthenaPerTB *= 2 }},
	}
	for _, tt := range tests {
		t.Run(tt.part, func(t *testing.T) {
			p := cost.DefaultPrices
			tt.set(&p)
			b := p.Price(u)
			for i, pt := range b.Parts {
				want := base.Parts[i].USD
				if pt.Name == tt.part {
					want *= 2
				}
				if !approx(pt.USD, want) {
					t.Errorf("%s: $%v, want $%v", pt.Name, pt.USD, want)
				}
			}
		})
	}
}

func approx(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Abs(b)+1e-18 }
