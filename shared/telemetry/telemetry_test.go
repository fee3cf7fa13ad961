package telemetry

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// vllmText is a scrape as vLLM writes it (v1 names, a histogram, a
// counter and a NaN gauge).
const vllmText = `# HELP vllm:num_requests_running Number of requests in model execution batches.
# TYPE vllm:num_requests_running gauge
vllm:num_requests_running{engine="0",model_name="m"} 7.0
# HELP vllm:num_requests_waiting Number of requests waiting to be processed.
# TYPE vllm:num_requests_waiting gauge
vllm:num_requests_waiting{engine="0",model_name="m"} 2.0
# HELP vllm:kv_cache_usage_perc KV-cache usage. 1 means 100 percent usage.
# TYPE vllm:kv_cache_usage_perc gauge
vllm:kv_cache_usage_perc{engine="0",model_name="m"} 0.25
# TYPE vllm:prompt_tokens counter
vllm:prompt_tokens_total{engine="0",model_name="m"} 1024.0
# TYPE vllm:time_to_first_token_seconds histogram
vllm:time_to_first_token_seconds_bucket{le="0.1",model_name="m"} 3.0
vllm:time_to_first_token_seconds_bucket{le="+Inf",model_name="m"} 4.0
vllm:time_to_first_token_seconds_sum{model_name="m"} 0.5
vllm:time_to_first_token_seconds_count{model_name="m"} 4.0
# TYPE broken gauge
broken NaN
`

func TestParse(t *testing.T) {
	rows, err := Parse([]byte(vllmText))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range rows {
		got = append(got, fmt.Sprintf("%s %s %g", r.Metric, r.Labels, r.Value))
	}
	want := []string{
		`vllm:kv_cache_usage_perc {"engine":"0","model_name":"m"} 0.25`,
		`vllm:num_requests_running {"engine":"0","model_name":"m"} 7`,
		`vllm:num_requests_waiting {"engine":"0","model_name":"m"} 2`,
		`vllm:prompt_tokens_total {"engine":"0","model_name":"m"} 1024`,
		`vllm:time_to_first_token_seconds_bucket {"le":"+Inf","model_name":"m"} 4`,
		`vllm:time_to_first_token_seconds_bucket {"le":"0.1","model_name":"m"} 3`,
		`vllm:time_to_first_token_seconds_count {"model_name":"m"} 4`,
		`vllm:time_to_first_token_seconds_sum {"model_name":"m"} 0.5`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("rows:\n%s\nwant (sorted, the NaN gauge left out):\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestParseRefuses(t *testing.T) {
	tests := []struct{ name, body string }{
		{"html", "<!DOCTYPE html><html><head><title>Sign in</title></head></html>"},
		{"json", `{"running": 3}`},
		{"empty", ""},
		{"only comments", "# HELP x y\n"},
		{"only NaN", "x NaN\n"},
		{"garbage value", "vllm:num_requests_running seven\n"},
	}
	for _, tt := range tests {
		if rows, err := Parse([]byte(tt.body)); !errors.Is(err, ErrNotPrometheus) {
			t.Errorf("%s: %d rows, error %v; want ErrNotPrometheus", tt.name, len(rows), err)
		}
	}
}

// memPut is a Putter in memory.
type memPut struct {
	mu    sync.Mutex
	files map[string][]byte
	fail  error
}

func (m *memPut) Put(_ context.Context, key string, b []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail != nil {
		return m.fail
	}
	if m.files == nil {
		m.files = map[string][]byte{}
	}
	m.files[key] = append([]byte(nil), b...)
	return nil
}

func key(n int) string { return fmt.Sprintf("part-%d.parquet", n) }

// TestRunStoresEveryScrape serves a gauge whose value is the scrape's
// number, stops after a fixed number of scrapes, and reads the parts back.
func TestRunStoresEveryScrape(t *testing.T) {
	const scrapes, perPart = 7, 4 // 2 rows a scrape: parts of 4 rows, then the rest
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var mu sync.Mutex
	served := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		n := served
		served++
		if served == scrapes {
			cancel() // the level ends after this answer
		}
		mu.Unlock()
		w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		fmt.Fprintf(w, "vllm:num_requests_running{model_name=\"m\"} %d\nvllm:num_requests_waiting{model_name=\"m\"} 0\n", n)
	}))
	defer srv.Close()
	put := &memPut{}
	// Each scrape times out after an interval: 25 ms, not less, so that a
	// loaded CI machine (or -race) does not turn a slow loopback answer into
	// a failed scrape (2 ms did, 5 times in 300 runs beside two busy cores).
	res := Run(ctx, Config{URL: srv.URL + "/metrics", Interval: 25 * time.Millisecond, RunID: "r", LevelIndex: 3, Start: time.Now(), PartRows: perPart}, put, key)
	// The last answer may arrive after the cancel: that scrape is not counted.
	if res.Scrapes < scrapes-1 || res.Scrapes > scrapes || res.Failed != 0 || res.Error != "" {
		t.Fatalf("result %+v: want %d or %d scrapes, none failed", res, scrapes-1, scrapes)
	}
	if res.Rows != 2*res.Scrapes || len(res.Keys) != res.Parts || res.Parts != (res.Rows+perPart-1)/perPart {
		t.Fatalf("result %+v: rows, parts and keys disagree", res)
	}
	var all []Row
	for _, k := range res.Keys {
		b := put.files[k]
		rows, err := ReadParquet(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, rows...)
	}
	if len(all) != res.Rows {
		t.Fatalf("%d rows in the parts, result says %d", len(all), res.Rows)
	}
	for i, r := range all {
		n := int32(i / 2)
		if r.RunID != "r" || r.LevelIndex != 3 || r.Scrape != n || r.Warmup {
			t.Errorf("row %d: %+v: want run r, level 3, scrape %d, not warm-up", i, r, n)
		}
		if r.Metric == "vllm:num_requests_running" && r.Value != float64(n) {
			t.Errorf("row %d: running %g in scrape %d: the answers were stored out of order", i, r.Value, n)
		}
		if i > 0 && r.TMs < all[i-1].TMs {
			t.Errorf("row %d: t_ms %g before the previous row's %g", i, r.TMs, all[i-1].TMs)
		}
	}
}

// TestRunFailures: a bad endpoint is counted and described, never an error,
// and its description keeps the query string out.
func TestRunFailures(t *testing.T) {
	html := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, "<html><body>Sign in</body></html>")
	}))
	defer html.Close()
	plainHTML := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		fmt.Fprint(w, "<html><body>Sign in</body></html>")
	}))
	defer plainHTML.Close()
	missing := httptest.NewServer(http.NotFoundHandler())
	defer missing.Close()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + l.Addr().String()
	l.Close() // nothing listens there any more

	tests := []struct {
		name, url, want string
	}{
		{"unreachable", closed + "/metrics?token=s3cr3t", "connection refused"},
		{"an HTML page", html.URL + "/metrics?token=s3cr3t", "not Prometheus text: Content-Type text/html"},
		{"HTML said to be text", plainHTML.URL + "/metrics?token=s3cr3t", "not Prometheus text"},
		{"not found", missing.URL + "/metrics?token=s3cr3t", "HTTP 404"},
	}
	for _, tt := range tests {
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		put := &memPut{}
		res := Run(ctx, Config{URL: tt.url, Interval: 20 * time.Millisecond, Start: time.Now()}, put, key)
		cancel()
		if res.Scrapes == 0 || res.Failed != res.Scrapes || res.Rows != 0 || len(put.files) != 0 {
			t.Errorf("%s: result %+v, %d files: want every scrape failed, nothing written", tt.name, res, len(put.files))
		}
		if !strings.Contains(res.Error, tt.want) || !strings.Contains(res.Error, "/metrics?…") {
			t.Errorf("%s: error %q, want it to contain %q and the endpoint without its query", tt.name, res.Error, tt.want)
		}
		if strings.Contains(res.Error, "s3cr3t") {
			t.Errorf("%s: error %q repeats the query string", tt.name, res.Error)
		}
	}
}

// TestRunWarmupAndWriteError: rows of scrapes sent during the warm-up are
// flagged, and a store that refuses the part loses the rows, not the run.
func TestRunWarmupAndWriteError(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "up 1\n")
	}))
	defer srv.Close()
	tests := []struct {
		name   string
		warmup time.Duration
		fail   error
	}{
		{"all in the warm-up", time.Hour, nil},
		{"none in the warm-up", 0, nil},
		{"the store fails", 0, errors.New("disk full")},
	}
	for _, tt := range tests {
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		put := &memPut{fail: tt.fail}
		res := Run(ctx, Config{URL: srv.URL, Interval: 10 * time.Millisecond, Start: time.Now(), Warmup: tt.warmup}, put, key)
		cancel()
		if res.Scrapes == 0 || res.Failed != 0 {
			t.Fatalf("%s: result %+v", tt.name, res)
		}
		if tt.fail != nil {
			if res.Rows != 0 || !strings.Contains(res.WriteError, "disk full") {
				t.Errorf("%s: result %+v: want no rows and the write error", tt.name, res)
			}
			continue
		}
		b := put.files[res.Keys[0]]
		rows, err := ReadParquet(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			if r.Warmup != (tt.warmup > 0) {
				t.Errorf("%s: row %+v: warmup %v", tt.name, r, r.Warmup)
			}
		}
	}
}
