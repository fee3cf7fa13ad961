package compare

import (
	"github.com/llmbench/llmbench/shared/report"
	"github.com/llmbench/llmbench/shared/summary"
)

// CapacityHead heads the executive table's column of what a run's search
// found, shown when any run compared had a search.
const CapacityHead = "Capacity"

// capacityCell is a run's capacity as the executive table shows it: the
// highest load meeting its search's SLO ("21 streams"), "≥ 64 streams"
// when even its max passed, "none" when even its min failed, "-" for a
// run without a search.
func capacityCell(s *summary.Summary) string {
	c := s.Capacity
	switch {
	case c == nil:
		return "-"
	case c.Load == nil:
		return "none"
	case c.Bracket[1] == nil:
		return "≥ " + report.FormatRate(*c.Load) + " " + c.Unit
	}
	return report.FormatRate(*c.Load) + " " + c.Unit
}

// hasCapacity reports whether any run had a search.
func hasCapacity(rows []Row) bool {
	for _, r := range rows {
		if r.Capacity != "" && r.Capacity != "-" {
			return true
		}
	}
	return false
}
