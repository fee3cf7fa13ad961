package summary

// Server is a level's view from the server itself (target.metrics): its
// Prometheus gauges, scraped by one worker of the level every interval
// and stored in the telemetry table, over the scrapes sent after the
// warm-up. Each scrape gives one value per figure: running and waiting
// requests summed over the series of the gauge (vLLM labels one per
// engine), the KV-cache use (0 to 1) their mean. A figure is null when no
// measured scrape had its gauge.
type Server struct {
	RunningMean *float64 `json:"running_mean"` // vllm:num_requests_running
	RunningMax  *float64 `json:"running_max"`
	WaitingMean *float64 `json:"waiting_mean"` // vllm:num_requests_waiting
	WaitingMax  *float64 `json:"waiting_max"`
	KVCacheMean *float64 `json:"kv_cache_mean"` // vllm:kv_cache_usage_perc, or the older vllm:gpu_cache_usage_perc
	KVCacheMax  *float64 `json:"kv_cache_max"`
	// Samples counts the measured scrapes whose rows are stored (warm-up
	// excluded), Scrapes every scrape sent during the level and Failed
	// those that gave no row.
	Samples int `json:"samples"`
	Scrapes int `json:"scrapes"`
	Failed  int `json:"failed_scrapes"`
	// Warning says why the figures are missing or partial: scrapes that
	// failed (the first failure), rows that could not be stored, or an
	// endpoint without vLLM's gauges.
	Warning string `json:"warning,omitempty"`
}
