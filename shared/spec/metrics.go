package spec

import (
	"net/url"
	"time"
)

// Metrics is target.metrics: a Prometheus endpoint of the server under
// test (vLLM, TGI, llama.cpp and Ollama expose one) that one worker of
// every level scrapes every Interval while the level runs, so the
// server's own view (running and waiting requests, KV-cache use) is
// stored beside the client's rows.
type Metrics struct {
	// URL is the endpoint, e.g. http://127.0.0.1:8000/metrics. Empty on a
	// spec with a profile: the simulated server's own /metrics.
	URL string `json:"url,omitempty"`
	// Interval is the time between two scrapes (DefaultMetricsInterval).
	Interval Duration `json:"interval,omitempty"`
}

// Bounds and default of target.metrics.interval.
const (
	DefaultMetricsInterval = Duration("1s")
	MinMetricsInterval     = 100 * time.Millisecond
	MaxMetricsInterval     = 60 * time.Second
)

// checkMetrics validates target.metrics.
func (s *Spec) checkMetrics() Problems {
	m := s.Target.Metrics
	if m == nil {
		return nil
	}
	var p Problems
	add := func(path, msg string) { p = append(p, path+": "+msg) }
	switch {
	case m.URL == "" && s.Target.Profile == "":
		add("target.metrics.url", "is required (the server's Prometheus endpoint, e.g. http://127.0.0.1:8000/metrics); only a simulated target (with a profile) may leave it out")
	case m.URL != "":
		u, err := url.Parse(m.URL)
		switch {
		case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
			add("target.metrics.url", "must be an http:// or https:// URL")
		case u.User != nil:
			add("target.metrics.url", "must not carry credentials: they would travel in every scrape and the error messages")
		case s.Target.Profile != "":
			add("target.metrics.url", "must be empty with target.profile: the simulated server's own /metrics is scraped")
		}
	}
	if v, ok := checkDurationOK(&p, "target.metrics.interval", m.Interval, true); ok && (v < MinMetricsInterval || v > MaxMetricsInterval) {
		add("target.metrics.interval", "must be between "+MinMetricsInterval.String()+" and "+MaxMetricsInterval.String()+", got \""+string(m.Interval)+"\"")
	}
	return p
}
