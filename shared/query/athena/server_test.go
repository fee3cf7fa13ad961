package athena_test

import (
	"context"
	"math"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/athena"

	"github.com/llmbench/llmbench/shared/query"
	"github.com/llmbench/llmbench/shared/query/athena"
	"github.com/llmbench/llmbench/shared/query/athena/athenafake"
	"github.com/llmbench/llmbench/shared/query/duckdb"
	"github.com/llmbench/llmbench/shared/sample"
	"github.com/llmbench/llmbench/shared/sdkhttp"
	"github.com/llmbench/llmbench/shared/summary"
	"github.com/llmbench/llmbench/shared/telemetry"
)

// telemetryRows is a run's scrapes, with the figures ServerSQL must give
// written beside them.
func telemetryRows() []telemetry.Row {
	t0 := time.Date(2026, 12, 4, 5, 0, 0, 0, time.UTC)
	var rows []telemetry.Row
	add := func(run string, level, scrape int, warm bool, metric, labels string, v float64) {
		rows = append(rows, telemetry.Row{RunID: run, LevelIndex: int32(level), Scrape: int32(scrape), Warmup: warm,
			Time: t0.Add(time.Duration(scrape) * time.Second), TMs: float64(scrape) * 1000, Metric: metric, Labels: labels, Value: v})
	}
	const e0, e1 = `{"engine":"0","model_name":"m"}`, `{"engine":"1","model_name":"m"}`
	// Level 0: a warm-up scrape, then three measured ones.
	add("r", 0, 0, true, "vllm:num_requests_running", e0, 100) // warm-up: left out
	// Scrape 1: two engines, running 3 + 4; the KV cache under its older name.
	add("r", 0, 1, false, "vllm:num_requests_running", e0, 3)
	add("r", 0, 1, false, "vllm:num_requests_running", e1, 4)
	add("r", 0, 1, false, "vllm:num_requests_waiting", e0, 0)
	add("r", 0, 1, false, "vllm:gpu_cache_usage_perc", e0, 0.5)
	add("r", 0, 1, false, "vllm:time_to_first_token_seconds_bucket", `{"le":"0.1"}`, 1e6) // not a figure
	// Scrape 2: running 5 + 5, the KV cache of two engines (mean 0.3).
	add("r", 0, 2, false, "vllm:num_requests_running", e0, 5)
	add("r", 0, 2, false, "vllm:num_requests_running", e1, 5)
	add("r", 0, 2, false, "vllm:num_requests_waiting", e0, 1)
	add("r", 0, 2, false, "vllm:kv_cache_usage_perc", e0, 0.2)
	add("r", 0, 2, false, "vllm:kv_cache_usage_perc", e1, 0.4)
	// Scrape 3: running 2 + 2, no KV-cache gauge.
	add("r", 0, 3, false, "vllm:num_requests_running", e0, 2)
	add("r", 0, 3, false, "vllm:num_requests_running", e1, 2)
	add("r", 0, 3, false, "vllm:num_requests_waiting", e0, 2)
	// Level 1: a server without vLLM's gauges (TGI's names).
	add("r", 1, 0, false, "tgi_queue_size", "{}", 9)
	add("r", 1, 1, false, "tgi_queue_size", "{}", 9)
	// Another run: never read.
	add("other", 0, 0, false, "vllm:num_requests_running", e0, 1000)
	return rows
}

func p(v float64) *float64 { return &v }

// TestServerBothEngines runs the server figures' SQL on DuckDB and, through
// the real SDK, on the Athena fake over the same files, and checks both
// against the figures worked out by hand.
func TestServerBothEngines(t *testing.T) {
	dir := t.TempDir()
	duck := openDuckDB(t, writeParquet(t, dir, "samples.parquet", []sample.Row{{RunID: "r", Level: 1, Status: "ok"}}))
	tpath := filepath.Join(dir, "telemetry.parquet")
	f, err := os.Create(tpath)
	if err != nil {
		t.Fatal(err)
	}
	if err := telemetry.WriteParquet(f, telemetryRows()); err != nil {
		t.Fatal(err)
	}
	f.Close()
	ctx := context.Background()
	// Before the telemetry is added, the relation is there and empty.
	if got, err := query.Server(ctx, duck, "r"); err != nil || len(got) != 0 {
		t.Fatalf("without telemetry: %v, %v; want no level", got, err)
	}
	if err := duck.AddTelemetry(ctx, []string{tpath}); err != nil {
		t.Fatal(err)
	}
	want := map[int]*summary.Server{
		0: {RunningMean: p(7), RunningMax: p(10), WaitingMean: p(1), WaitingMax: p(2), KVCacheMean: p(0.4), KVCacheMax: p(0.5), Samples: 3},
		1: {Samples: 2},
	}
	engines := map[string]query.Engine{"duckdb": duck, "athena": athenaOver(t, duck)}
	for name, e := range engines {
		got, err := query.Server(ctx, e, "r")
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(got) != len(want) {
			t.Errorf("%s: levels %v, want 0 and 1", name, got)
		}
		for i, w := range want {
			g := got[i]
			if g == nil {
				t.Errorf("%s: level %d missing", name, i)
				continue
			}
			for _, c := range []struct {
				what      string
				got, want *float64
			}{
				{"running_mean", g.RunningMean, w.RunningMean}, {"running_max", g.RunningMax, w.RunningMax},
				{"waiting_mean", g.WaitingMean, w.WaitingMean}, {"waiting_max", g.WaitingMax, w.WaitingMax},
				{"kv_cache_mean", g.KVCacheMean, w.KVCacheMean}, {"kv_cache_max", g.KVCacheMax, w.KVCacheMax},
			} {
				if (c.got == nil) != (c.want == nil) || (c.got != nil && math.Abs(*c.got-*c.want) > 1e-12) {
					t.Errorf("%s: level %d %s = %v, want %v", name, i, c.what, show(c.got), show(c.want))
				}
			}
			if g.Samples != w.Samples {
				t.Errorf("%s: level %d samples %d, want %d", name, i, g.Samples, w.Samples)
			}
		}
	}
}

func show(f *float64) any {
	if f == nil {
		return nil
	}
	return *f
}

// athenaOver is an Athena engine on the real SDK client, talking to the
// fake on loopback, which runs the SQL on duck.
func athenaOver(t *testing.T, duck *duckdb.DB) *athena.Engine {
	t.Helper()
	srv := httptest.NewServer(athenafake.New(duck, athenafake.Options{}))
	t.Cleanup(srv.Close)
	client := sdk.NewFromConfig(aws.Config{
		Region: "us-east-1",
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "AKIDTEST", SecretAccessKey: "secret", Source: "test"}, nil
		}),
		RetryMaxAttempts: 1,
		HTTPClient:       sdkhttp.Guard(srv.Client()),
	}, func(o *sdk.Options) { o.BaseEndpoint = aws.String(srv.URL) })
	return athena.New(client, testConfig)
}
