package proxy

import (
	"time"

	"github.com/llmbench/llmbench/shared/emf"
	"github.com/llmbench/llmbench/shared/sample"
)

// The proxy's EMF metric names (the seeds' CloudWatch names, and TTFT)
// and its dimension.
const (
	MetricCompletionTokens   = "CompletionTokens"
	MetricTokensPerSecond    = "TokensPerSecond"
	MetricTTFT               = "TTFT"
	MetricCostPer1kTokensUSD = "CostPer1kTokensUSD"
	DimEndpointName          = "EndpointName"
)

// DimensionSets are the dimension sets of every event: by endpoint (what
// the scaling policy reads), and the aggregate over every endpoint.
var DimensionSets = [][]string{{DimEndpointName}, {}}

// event is the EMF event of one successful request.
func (h *Handler) event(res *sample.Result, fig Figures, now time.Time) emf.Event {
	ms := []emf.Metric{{Name: MetricCompletionTokens, Unit: emf.Count, Value: float64(res.OutputTokens)}}
	if fig.TokensPerSecond != nil {
		ms = append(ms, emf.Metric{Name: MetricTokensPerSecond, Unit: emf.CountPerSecond, Value: *fig.TokensPerSecond})
	}
	if fig.TTFTMs != nil {
		ms = append(ms, emf.Metric{Name: MetricTTFT, Unit: emf.Milliseconds, Value: *fig.TTFTMs})
	}
	if fig.CostPer1KUSD != nil {
		ms = append(ms, emf.Metric{Name: MetricCostPer1kTokensUSD, Unit: emf.None, Value: *fig.CostPer1KUSD})
	}
	return emf.Event{
		Namespace:     h.cfg.Namespace,
		Dimensions:    map[string]string{DimEndpointName: h.cfg.Endpoint},
		DimensionSets: DimensionSets,
		Metrics:       ms,
		Timestamp:     now,
	}
}

// record writes the request's EMF line. New checked the event's
// namespace and dimension, so only the writer can fail, and a log that
// cannot be written has nobody to tell: the answer has been sent.
func (h *Handler) record(res *sample.Result, fig Figures) {
	if h.cfg.Metrics == nil {
		return
	}
	ev := h.event(res, fig, time.Now())
	h.mu.Lock()
	defer h.mu.Unlock()
	_ = ev.Write(h.cfg.Metrics)
}
