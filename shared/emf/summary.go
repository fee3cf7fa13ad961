package emf

import (
	"io"
	"strconv"
	"time"

	"github.com/llmbench/llmbench/shared/summary"
)

// DefaultNamespace is the namespace of llmbench's metrics (the Terraform
// variable metrics_namespace defaults to it).
const DefaultNamespace = "llmbench"

// Dimension names of the per-level metrics.
const (
	DimSpecName    = "SpecName"
	DimPlatform    = "Platform"
	DimConcurrency = "Concurrency"
)

// SummaryDimensionSets are the dimension sets of every per-level event:
// one metric per spec, platform and concurrency level, and one per spec and
// platform across levels (the dashboard's lines).
var SummaryDimensionSets = [][]string{
	{DimSpecName, DimPlatform, DimConcurrency},
	{DimSpecName, DimPlatform},
}

// Names of the per-level metrics. TokensPerSecond and CompletionTokens are
// the names the seeds' dashboards used.
const (
	MetricOutputTokensPerSecond = "OutputTokensPerSecond"
	MetricTTFTp50Ms             = "TTFTp50Ms"
	MetricTTFTp95Ms             = "TTFTp95Ms"
	MetricE2Ep95Ms              = "E2Ep95Ms"
	MetricErrorRate             = "ErrorRate"
	MetricCostPer1MOutputTokens = "CostPer1MOutputTokensUSD"
	MetricTokensPerSecond       = "TokensPerSecond"
	MetricCompletionTokens      = "CompletionTokens"
)

// SummaryMetricNames lists every metric SummaryEvents may emit.
var SummaryMetricNames = []string{
	MetricOutputTokensPerSecond, MetricTTFTp50Ms, MetricTTFTp95Ms, MetricE2Ep95Ms,
	MetricErrorRate, MetricCostPer1MOutputTokens, MetricTokensPerSecond, MetricCompletionTokens,
}

// UnknownPlatform stands for a summary without a platform: a dimension
// value cannot be empty.
const UnknownPlatform = "unknown"

// SummaryEvents turns a run summary into one event per level, timestamped
// when the run finished (now when it has no finish time). A figure that
// does not exist is left out rather than sent as 0: latencies of a level
// without a successful request, the cost of a run without a price.
func SummaryEvents(namespace string, s *summary.Summary, now time.Time) []Event {
	ts := s.FinishedAt
	if ts.IsZero() {
		ts = now
	}
	platform := s.Platform
	if platform == "" {
		platform = UnknownPlatform
	}
	name := s.Name
	if name == "" {
		name = s.RunID
	}
	events := make([]Event, 0, len(s.Levels))
	for _, l := range s.Levels {
		ms := []Metric{
			{Name: MetricOutputTokensPerSecond, Unit: CountPerSecond, Value: l.OutputTokenThroughput},
			{Name: MetricTokensPerSecond, Unit: CountPerSecond, Value: l.OutputTokenThroughput},
			{Name: MetricCompletionTokens, Unit: Count, Value: float64(l.OutputTokens)},
			{Name: MetricErrorRate, Unit: None, Value: l.ErrorRate},
		}
		if l.TTFTMs.N > 0 {
			ms = append(ms,
				Metric{Name: MetricTTFTp50Ms, Unit: Milliseconds, Value: l.TTFTMs.P50},
				Metric{Name: MetricTTFTp95Ms, Unit: Milliseconds, Value: l.TTFTMs.P95})
		}
		if l.E2EMs.N > 0 {
			ms = append(ms, Metric{Name: MetricE2Ep95Ms, Unit: Milliseconds, Value: l.E2EMs.P95})
		}
		if l.CostPer1MOutputTokensUSD != nil {
			ms = append(ms, Metric{Name: MetricCostPer1MOutputTokens, Unit: None, Value: *l.CostPer1MOutputTokensUSD})
		}
		events = append(events, Event{
			Namespace: namespace,
			Dimensions: map[string]string{
				DimSpecName:    name,
				DimPlatform:    platform,
				DimConcurrency: levelDimension(l),
			},
			DimensionSets: SummaryDimensionSets,
			Metrics:       ms,
			Timestamp:     ts,
		})
	}
	return events
}

// WriteSummary writes SummaryEvents to w, one line per level. It stops at
// the first event that cannot be written.
func WriteSummary(w io.Writer, namespace string, s *summary.Summary, now time.Time) error {
	for _, e := range SummaryEvents(namespace, s, now) {
		if err := e.Write(w); err != nil {
			return err
		}
	}
	return nil
}

// levelDimension is a level's Concurrency dimension: its concurrency, or
// for a rate level "rate=R" (with "/cap=C" when capped), so that rate and
// concurrency levels of one spec never share a metric.
func levelDimension(l summary.Level) string {
	if l.Mode != "rate" {
		return strconv.Itoa(l.Concurrency)
	}
	d := "rate=" + strconv.FormatFloat(l.RequestRate, 'g', -1, 64)
	if l.Concurrency > 0 {
		d += "/cap=" + strconv.Itoa(l.Concurrency)
	}
	return d
}
