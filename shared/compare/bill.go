package compare

import (
	"github.com/llmbench/llmbench/shared/report"
	"github.com/llmbench/llmbench/shared/summary"
)

// BillHead heads the executive table's column of what each run itself
// cost (summary.json's benchmark_cost_usd): shown when a run compared has
// the figure.
const BillHead = "Benchmark cost"

// billCell is a run's own cost: "$0.002355", "$0.002355 (local est.)"
// for a run priced as the same run in AWS, "-" without the figure.
func billCell(s *summary.Summary) string {
	b := s.BenchmarkCost
	if b == nil {
		return "-"
	}
	if b.Basis == "local" {
		return report.USD(b.TotalUSD) + " (local est.)"
	}
	return report.USD(b.TotalUSD)
}

// extras are the executive table's columns beyond Header that the rows
// call for (Capacity, Benchmark cost), and each row's cells in them.
func extras(rows []Row) ([]string, func(Row) []string) {
	withCapacity, withBill := hasCapacity(rows), false
	for _, r := range rows {
		withBill = withBill || r.Bill != "" && r.Bill != "-"
	}
	var heads []string
	if withCapacity {
		heads = append(heads, CapacityHead)
	}
	if withBill {
		heads = append(heads, BillHead)
	}
	return heads, func(r Row) []string {
		var c []string
		if withCapacity {
			c = append(c, r.Capacity)
		}
		if withBill {
			c = append(c, r.Bill)
		}
		return c
	}
}
