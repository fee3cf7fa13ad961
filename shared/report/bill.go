package report

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"

	"github.com/llmbench/llmbench/shared/cost"
	"github.com/llmbench/llmbench/shared/summary"
)

// The benchmark's own bill (summary.BenchmarkCost): what Lambda, Step
// Functions, S3 and Athena cost for the run, or would have for a local
// run. The terminal gives it in a line, report.md and report.html in a
// table of its parts, each function's share, the prices and what the
// figure leaves out.

// partNames name a bill's parts for people.
var partNames = map[string]string{
	cost.PartLambdaGBSeconds: "Lambda compute",
	cost.PartLambdaRequests:  "Lambda requests",
	cost.PartSFNTransitions:  "Step Functions",
	cost.PartS3Put:           "S3 PUT/LIST",
	cost.PartS3Get:           "S3 GET",
	cost.PartAthena:          "Athena",
}

// USD formats a small dollar figure with enough digits to be read: the
// bill of a short run is a fraction of a cent.
func USD(v float64) string {
	switch {
	case v == 0:
		return "$0"
	case v < 0.01:
		return fmt.Sprintf("$%.6f", v)
	default:
		return fmt.Sprintf("$%.4f", v)
	}
}

// quantity formats a part's quantity in its unit.
func quantity(p cost.Part) string {
	switch p.Name {
	case cost.PartLambdaGBSeconds:
		return fmt.Sprintf("%.3f GB-s", p.Quantity)
	case cost.PartAthena:
		return fmt.Sprintf("%.0f MB billed", p.Quantity/cost.AthenaMB)
	}
	return fmt.Sprintf("%.0f %s", p.Quantity, p.Unit)
}

// price formats a part's price.
func price(p cost.Part) string {
	per := map[float64]string{1: "", 1e3: " per 1,000", 1e6: " per 1M", 1 << 40: " per TB"}[p.Per]
	if p.Name == cost.PartLambdaGBSeconds {
		per = " per GB-s"
	}
	return "$" + strconv.FormatFloat(p.PriceUSD, 'f', -1, 64) + per
}

// BillLines is the bill in one line for the terminal (none without one).
func BillLines(s *summary.Summary) []string {
	b := s.BenchmarkCost
	if b == nil {
		return nil
	}
	parts := make([]string, len(b.Parts))
	for i, p := range b.Parts {
		parts[i] = fmt.Sprintf("%s %s %s", partNames[p.Name], quantity(p), USD(p.USD))
	}
	return []string{fmt.Sprintf("benchmark cost: %s, %s: %s", USD(b.TotalUSD), b.Label, strings.Join(parts, " + "))}
}

// billView is the bill as report.html tables it.
type billView struct {
	Total, Label string
	Heads        []string
	Rows         [][]string
	FnHeads      []string
	FnRows       [][]string
	Prices       string
	NotCounted   []string
}

var (
	billHeads = []string{"part", "quantity", "price", "USD"}
	fnHeads   = []string{"function", "memory (MB)", "invocations", "billed (ms)", "GB-s"}
)

func billTable(s *summary.Summary) *billView {
	b := s.BenchmarkCost
	if b == nil {
		return nil
	}
	v := &billView{Total: USD(b.TotalUSD), Label: b.Label, Heads: billHeads, FnHeads: fnHeads, NotCounted: b.NotCounted}
	for _, p := range b.Parts {
		q := quantity(p)
		if p.Name == cost.PartAthena {
			est := ""
			if b.Athena.Estimated {
				est = ", estimated"
			}
			q += fmt.Sprintf(" (%d queries, %d bytes scanned%s)", b.Athena.Queries, b.Athena.ScannedBytes, est)
		}
		v.Rows = append(v.Rows, []string{partNames[p.Name], q, price(p), USD(p.USD)})
	}
	v.Rows = append(v.Rows, []string{"total", "", "", USD(b.TotalUSD)})
	for _, f := range b.Functions {
		v.FnRows = append(v.FnRows, []string{f.Name, fmt.Sprint(f.MemoryMB), fmt.Sprint(f.Invocations), fmt.Sprint(f.BilledMs), fmt.Sprintf("%.3f", f.GBSeconds)})
	}
	v.Prices = fmt.Sprintf("Prices: %s (checked %s).", b.Prices.Source, b.Prices.AsOf)
	return v
}

// mdBill writes the "What the benchmark cost" section of report.md.
func mdBill(b *bytes.Buffer, s *summary.Summary) {
	v := billTable(s)
	if v == nil {
		return
	}
	fmt.Fprintf(b, "\n## What the benchmark cost\n\n%s: %s.\n\n", v.Total, v.Label)
	mdBillTable(b, v.Heads, v.Rows)
	b.WriteString("\n")
	mdBillTable(b, v.FnHeads, v.FnRows)
	fmt.Fprintf(b, "\n%s\n", v.Prices)
	if len(v.NotCounted) > 0 {
		b.WriteString("\nNot counted:\n\n")
		for _, n := range v.NotCounted {
			b.WriteString("- " + n + "\n")
		}
	}
}

func mdBillTable(b *bytes.Buffer, heads []string, rows [][]string) {
	b.WriteString("| " + strings.Join(heads, " | ") + " |\n|" + strings.Repeat("---|", len(heads)) + "\n")
	for _, r := range rows {
		b.WriteString("| " + strings.Join(r, " | ") + " |\n")
	}
}
