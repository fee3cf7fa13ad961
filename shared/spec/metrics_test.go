package spec

import (
	"strings"
	"testing"
)

// metricsSpec is a spec whose target is target and whose target.metrics
// is metrics.
func metricsSpec(target, metrics string) string {
	return `{"name":"m","target":{` + target + `,"metrics":` + metrics + `},"load":{"levels":[2],"duration":"5s"}}`
}

const metricsOpenAI = `"kind":"openai","url":"http://127.0.0.1:8000/v1","model":"m"`

func TestMetricsValid(t *testing.T) {
	tests := []struct {
		name, target, metrics string
		url                   string
		interval              Duration
	}{
		// The interval defaults to a second.
		{"default interval", metricsOpenAI, `{"url":"http://127.0.0.1:8000/metrics"}`, "http://127.0.0.1:8000/metrics", DefaultMetricsInterval},
		// Both bounds are allowed.
		{"fastest", metricsOpenAI, `{"url":"https://vllm.example.com/metrics","interval":"100ms"}`, "https://vllm.example.com/metrics", "100ms"},
		{"slowest", metricsOpenAI, `{"url":"http://h:9/metrics","interval":"1m"}`, "http://h:9/metrics", "1m"},
		// The simulated server needs no URL: its own /metrics is scraped.
		{"sim", `"kind":"sim"`, `{"interval":"500ms"}`, "", "500ms"},
		{"sagemaker with a profile", `"kind":"sagemaker","endpoint":"e","profile":"fixed"`, `{}`, "", DefaultMetricsInterval},
	}
	for _, tt := range tests {
		s, err := Parse(strings.NewReader(metricsSpec(tt.target, tt.metrics)))
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if m := s.Target.Metrics; m == nil || m.URL != tt.url || m.Interval != tt.interval {
			t.Errorf("%s: metrics %+v, want url %q interval %q", tt.name, m, tt.url, tt.interval)
		}
	}
}

func TestMetricsInvalid(t *testing.T) {
	tests := []struct {
		name, target, metrics string
		want                  string // the problem, with its path
	}{
		{"no url", metricsOpenAI, `{"interval":"1s"}`, "target.metrics.url: is required"},
		{"not a url", metricsOpenAI, `{"url":"localhost:8000/metrics"}`, "target.metrics.url: must be an http:// or https:// URL"},
		{"other scheme", metricsOpenAI, `{"url":"ftp://h/metrics"}`, "target.metrics.url: must be an http:// or https:// URL"},
		// A password in the URL would be in every request and error.
		{"credentials", metricsOpenAI, `{"url":"http://admin:hunter2@h/metrics"}`, "target.metrics.url: must not carry credentials"},
		{"url with a profile", `"kind":"sim"`, `{"url":"http://h/metrics"}`, "target.metrics.url: must be empty with target.profile"},
		{"too fast", metricsOpenAI, `{"url":"http://h/metrics","interval":"50ms"}`, "target.metrics.interval: must be between 100ms and 1m0s"},
		{"too slow", metricsOpenAI, `{"url":"http://h/metrics","interval":"2m"}`, "target.metrics.interval: must be between 100ms and 1m0s"},
		{"bad duration", metricsOpenAI, `{"url":"http://h/metrics","interval":"often"}`, `target.metrics.interval: must be a duration`},
		{"unknown field", metricsOpenAI, `{"url":"http://h/metrics","headers":{"a":"b"}}`, "headers"},
	}
	for _, tt := range tests {
		_, err := Parse(strings.NewReader(metricsSpec(tt.target, tt.metrics)))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want one containing %q", tt.name, err, tt.want)
		}
		if err != nil && strings.Contains(err.Error(), "hunter2") {
			t.Errorf("%s: the error repeats the password: %v", tt.name, err)
		}
	}
}
