package localrun_test

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/athena"

	"github.com/llmbench/llmbench/shared/plan"
	"github.com/llmbench/llmbench/shared/query"
	"github.com/llmbench/llmbench/shared/query/athena"
	"github.com/llmbench/llmbench/shared/query/athena/athenafake"
	"github.com/llmbench/llmbench/shared/query/duckdb"
	"github.com/llmbench/llmbench/shared/sdkhttp"
	"github.com/llmbench/llmbench/shared/simllm"
	"github.com/llmbench/llmbench/shared/store"
	"github.com/llmbench/llmbench/shared/telemetry"
	"github.com/llmbench/llmbench/shared/workflow/workflowtest"
)

// telemetrySpec is a run of closed-loop levels against an OpenAI target
// whose server's metrics are scraped from metrics every 100 ms.
const telemetrySpec = `{"name":"telemetry","target":{"kind":"openai","url":"http://127.0.0.1:1/v1","model":"m",
  "metrics":{"url":%q,"interval":"100ms"}},
  "workload":{"input_tokens":32,"output_tokens":64},
  "load":{"levels":%s,"warmup":"500ms","duration":"2s"}}`

// TestTelemetryEndToEnd runs two levels against the calibrated batching
// profile with its /metrics scraped: the server's running requests match
// the load (≈ N at N streams: never above N, a step's hand-over below
// it), the rows are in Parquet, and DuckDB and the Athena fake compute
// the same figures from them.
func TestTelemetryEndToEnd(t *testing.T) {
	p, err := simllm.LookupProfile("g5-llama31-8b-awq")
	if err != nil {
		t.Fatal(err)
	}
	sim := workflowtest.Sim(t, simllm.Options{Profile: p})
	levels := []int{3, 6}
	env := workflowtest.New(t, fmt.Sprintf(telemetrySpec, "http://"+sim.Addr+"/metrics", "[3, 6]"), workflowtest.Options{BaseURL: sim.URL})
	out, err := execution(env, nil).Run(context.Background(), "telemetry", env.Input)
	if err != nil {
		t.Fatal(err)
	}
	sum := workflowtest.ReadSummary(t, env.Store, out.RunID)
	if len(sum.Levels) != len(levels) {
		t.Fatalf("%d levels, want %d", len(sum.Levels), len(levels))
	}
	for i, l := range sum.Levels {
		n := float64(levels[i])
		sv := l.Server
		if sv == nil {
			t.Fatalf("level %d: no server figures", i)
		}
		t.Logf("level %d (%g streams, achieved %.2f): running %v / %v, waiting %v / %v, KV %v / %v, %d of %d scrapes",
			i, n, l.AchievedConcurrency, show(sv.RunningMean), show(sv.RunningMax), show(sv.WaitingMean), show(sv.WaitingMax), show(sv.KVCacheMean), show(sv.KVCacheMax), sv.Samples, sv.Scrapes)
		if sv.Warning != "" || sv.Failed != 0 || sv.Samples < 10 || sv.Scrapes < sv.Samples {
			t.Errorf("level %d: server %+v: want ≥ 10 measured scrapes of those sent, none failed, no warning", i, sv)
		}
		if sv.RunningMean == nil || sv.RunningMax == nil || *sv.RunningMax != n || *sv.RunningMean < n-1 || *sv.RunningMean > n {
			t.Errorf("level %d (%g streams): running mean %v max %v; want max %g and a mean in [%g, %g]", i, n, show(sv.RunningMean), show(sv.RunningMax), n, n-1, n)
		}
		// A prompt of 32 words and 64 tokens: at most 6 blocks of 16 per stream.
		if sv.KVCacheMax == nil || *sv.KVCacheMax <= 0 || *sv.KVCacheMax > n*6*16/float64(p.KVCacheTokens) {
			t.Errorf("level %d: KV cache max %v: want in (0, %g]", i, show(sv.KVCacheMax), n*6*16/float64(p.KVCacheTokens))
		}
	}

	// The rows in Parquet: every scrape of the record, and never more
	// requests at the server (running + waiting) than streams sent.
	ctx := context.Background()
	_, pl, err := plan.Load(ctx, env.Store, out.RunID)
	if err != nil {
		t.Fatal(err)
	}
	keys, err := env.Store.List(ctx, store.RunTelemetryPrefix(pl.Day, out.RunID))
	if err != nil || len(keys) == 0 {
		t.Fatalf("telemetry parts: %v, %v", keys, err)
	}
	type at struct{ level, scrape int32 }
	load := map[at]float64{}
	scrapes := map[int32]map[int32]bool{}
	for _, k := range keys {
		b, err := os.ReadFile(env.Store.Path(k))
		if err != nil {
			t.Fatal(err)
		}
		rows, err := telemetry.ReadParquet(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			t.Fatalf("%s: %v", k, err)
		}
		for _, r := range rows {
			if r.RunID != out.RunID || !strings.HasPrefix(k, fmt.Sprintf("%slevel=%d/part-", store.RunTelemetryPrefix(pl.Day, out.RunID), r.LevelIndex)) {
				t.Fatalf("%s: row of run %s level %d", k, r.RunID, r.LevelIndex)
			}
			if scrapes[r.LevelIndex] == nil {
				scrapes[r.LevelIndex] = map[int32]bool{}
			}
			scrapes[r.LevelIndex][r.Scrape] = true
			if r.Metric == simllm.MetricRunning || r.Metric == simllm.MetricWaiting {
				load[at{r.LevelIndex, r.Scrape}] += r.Value
			}
		}
	}
	for i, l := range sum.Levels {
		if got := len(scrapes[int32(i)]); got != l.Server.Scrapes {
			t.Errorf("level %d: %d scrapes in Parquet, the record says %d", i, got, l.Server.Scrapes)
		}
	}
	for k, v := range load {
		if v > float64(levels[k.level]) {
			t.Errorf("level %d scrape %d: running + waiting = %g at %d streams", k.level, k.scrape, v, levels[k.level])
		}
	}

	// DuckDB over the run and the Athena fake over that DuckDB agree with
	// the summary.
	db, err := duckdb.OpenRun(ctx, env.Store, pl.Day, out.RunID)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for name, e := range map[string]query.Engine{"duckdb": db, "athena": athenaFake(t, db)} {
		got, err := query.Server(ctx, e, out.RunID)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for i, l := range sum.Levels {
			g := got[i]
			if g == nil || g.Samples != l.Server.Samples || show(g.RunningMean) != show(l.Server.RunningMean) || show(g.KVCacheMax) != show(l.Server.KVCacheMax) {
				t.Errorf("%s: level %d: %+v, the summary has %+v", name, i, g, l.Server)
			}
		}
	}
}

// TestTelemetryBadEndpoint: a metrics URL that is unreachable or does not
// answer Prometheus text gives a warning in the summary and the report,
// and the benchmark runs as without it.
func TestTelemetryBadEndpoint(t *testing.T) {
	sim := workflowtest.Sim(t, simllm.Options{})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + l.Addr().String() + "/metrics"
	l.Close()
	tests := []struct{ name, url, want string }{
		{"unreachable", closed, "connection refused"},
		// The models list: JSON, not Prometheus text.
		{"not Prometheus text", sim.URL + "/models", "not Prometheus text"},
	}
	for _, tt := range tests {
		doc := strings.Replace(fmt.Sprintf(telemetrySpec, tt.url, "[2]"), `"duration":"2s"`, `"duration":"1s"`, 1)
		env := workflowtest.New(t, doc, workflowtest.Options{BaseURL: sim.URL})
		out, err := execution(env, nil).Run(context.Background(), "bad", env.Input)
		if err != nil {
			t.Fatalf("%s: the run failed: %v", tt.name, err)
		}
		sum := workflowtest.ReadSummary(t, env.Store, out.RunID)
		lv := sum.Levels[0]
		// Rows of the level, warm-up or measured (a stalled machine may
		// leave the short measured window empty), none failed.
		if lv.Requests+lv.WarmupRequests == 0 || lv.Errors != 0 {
			t.Errorf("%s: level ok %d errors %d (requests %d, warm-up %d): the benchmark should run as without telemetry", tt.name, lv.OK, lv.Errors, lv.Requests, lv.WarmupRequests)
		}
		sv := lv.Server
		if sv == nil || sv.Failed == 0 || sv.Failed != sv.Scrapes || sv.Samples != 0 || sv.RunningMean != nil || !strings.Contains(sv.Warning, tt.want) {
			t.Errorf("%s: server %+v: want every scrape failed, no figure, a warning with %q", tt.name, sv, tt.want)
		}
		md, err := env.Store.Get(context.Background(), store.RunKey(out.RunID, store.ReportMD))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(md, []byte("server telemetry: ")) || !bytes.Contains(md, []byte(tt.want)) {
			t.Errorf("%s: report.md lacks the warning:\n%s", tt.name, md)
		}
	}
}

func show(f *float64) any {
	if f == nil {
		return nil
	}
	return *f
}

// athenaFake is the Athena engine on the real SDK client against the fake
// on loopback, running the SQL on db.
func athenaFake(t *testing.T, db *duckdb.DB) query.Engine {
	t.Helper()
	srv := httptest.NewServer(athenafake.New(db, athenafake.Options{}))
	t.Cleanup(srv.Close)
	client := sdk.NewFromConfig(aws.Config{
		Region: "us-east-1",
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "AKIDTEST", SecretAccessKey: "secret", Source: "test"}, nil
		}),
		RetryMaxAttempts: 1,
		HTTPClient:       sdkhttp.Guard(srv.Client()),
	}, func(o *sdk.Options) { o.BaseEndpoint = aws.String(srv.URL) })
	return athena.New(client, athena.Config{Database: "llmbench", PollMin: 1e6, PollMax: 4e6})
}
