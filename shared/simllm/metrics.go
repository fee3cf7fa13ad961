package simllm

import (
	"bytes"
	"net/http"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
)

// Metric names /metrics writes: vLLM's (v1) for its scheduler state, so
// that a scrape of the simulated server reads as one of vLLM.
const (
	MetricRunning = "vllm:num_requests_running"
	MetricWaiting = "vllm:num_requests_waiting"
	MetricKVCache = "vllm:kv_cache_usage_perc"
)

// kvBlock is the KV cache's block size in tokens (vLLM's default).
const kvBlock = 16

// publish records the engine's state for /metrics: the sequences in the
// batch, those queued, and the KV-cache blocks the batch holds (prompt
// and tokens generated so far, per sequence; shared prefix blocks are
// counted once per sequence).
func (e *engine) publish(active, queue []*seq) {
	var tokens int64
	for _, q := range active {
		n := int64(q.input) + q.produced.Load()
		tokens += (n + kvBlock - 1) / kvBlock * kvBlock
	}
	e.running.Store(int64(len(active)))
	e.waiting.Store(int64(len(queue)))
	e.kvTokens.Store(tokens)
}

// serve counts a completion request being answered; the returned func
// ends it.
func (s *Server) serve() func() {
	s.serving.Add(1)
	return func() { s.serving.Add(-1) }
}

// metrics answers GET /metrics in Prometheus text format with vLLM's
// names, labelled as vLLM labels them (model_name, engine): a batching
// profile reports its engine's batch (running), its FIFO queue (waiting)
// and, with KVCacheTokens, the share of the KV cache the batch holds;
// the other kinds queue nothing, so running is the completion requests
// being answered and waiting 0.
func (s *Server) metrics(w http.ResponseWriter) {
	running, waiting := s.serving.Load(), int64(0)
	kv := -1.0
	if e := s.engine; e != nil {
		running, waiting = e.running.Load(), e.waiting.Load()
		if c := s.opts.Profile.KVCacheTokens; c > 0 {
			kv = min(1, float64(e.kvTokens.Load())/float64(c))
		}
	}
	labels := []*dto.LabelPair{{Name: ptr("engine"), Value: ptr("0")}, {Name: ptr("model_name"), Value: ptr(s.opts.Model)}}
	gauge := func(name, help string, v float64) *dto.MetricFamily {
		return &dto.MetricFamily{Name: ptr(name), Help: ptr(help), Type: dto.MetricType_GAUGE.Enum(),
			Metric: []*dto.Metric{{Label: labels, Gauge: &dto.Gauge{Value: &v}}}}
	}
	fams := []*dto.MetricFamily{
		gauge(MetricRunning, "Number of requests in model execution batches.", float64(running)),
		gauge(MetricWaiting, "Number of requests waiting to be processed.", float64(waiting)),
	}
	if kv >= 0 {
		fams = append(fams, gauge(MetricKVCache, "KV-cache usage. 1 means 100 percent usage.", kv))
	}
	var b bytes.Buffer
	for _, f := range fams {
		if _, err := expfmt.MetricFamilyToText(&b, f); err != nil {
			writeError(w, http.StatusInternalServerError, "InternalServerError", "metrics: "+err.Error())
			return
		}
	}
	w.Header().Set("Content-Type", string(expfmt.NewFormat(expfmt.TypeTextPlain)))
	w.Write(b.Bytes())
}

func ptr[T any](v T) *T { return &v }
