package athena_test

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sdk "github.com/aws/aws-sdk-go-v2/service/athena"

	"github.com/llmbench/llmbench/shared/query/athena"
	"github.com/llmbench/llmbench/shared/query/athena/athenafake"
	"github.com/llmbench/llmbench/shared/query/duckdb"
	"github.com/llmbench/llmbench/shared/sample"
	"github.com/llmbench/llmbench/shared/sdkhttp"
)

// env is an Engine on the real SDK client, talking to the fake on a
// loopback server, over DuckDB on some Parquet files.
type env struct {
	engine *athena.Engine
	fake   *athenafake.Fake
	client *sdk.Client
	duck   *duckdb.DB
	srv    *httptest.Server
}

// testConfig is the Config of every test engine: fast polls.
var testConfig = athena.Config{
	WorkGroup:      "llmbench",
	Database:       "llmbench_db",
	OutputLocation: "s3://results-bucket/athena/",
	PollMin:        time.Millisecond,
	PollMax:        4 * time.Millisecond,
}

func newEnv(t *testing.T, rows []sample.Row, opts athenafake.Options) *env {
	t.Helper()
	return newEnvHook(t, rows, opts, nil)
}

// newEnvHook is newEnv whose server calls after(op) once the fake has
// answered each request, before the answer leaves (an answer this small
// stays in the server's buffer until the handler returns): a test acts at
// an exact call, instead of sleeping until it has probably happened.
func newEnvHook(t *testing.T, rows []sample.Row, opts athenafake.Options, after func(op string)) *env {
	t.Helper()
	if rows == nil {
		rows = []sample.Row{{RunID: "r0", Level: 1, Status: "ok"}}
	}
	duck := openDuckDB(t, writeParquet(t, t.TempDir(), "part-0.parquet", rows))
	fake := athenafake.New(duck, opts)
	var h http.Handler = fake
	if after != nil {
		h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			fake.ServeHTTP(w, r)
			after(strings.TrimPrefix(r.Header.Get("X-Amz-Target"), "AmazonAthena."))
		})
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	client := sdk.NewFromConfig(aws.Config{
		Region: "us-east-1",
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "AKIDTEST", SecretAccessKey: "secret", Source: "test"}, nil
		}),
		RetryMaxAttempts: 1,
		HTTPClient:       sdkhttp.Guard(srv.Client()),
	}, func(o *sdk.Options) {
		o.BaseEndpoint = aws.String(srv.URL)
	})
	return &env{engine: athena.New(client, testConfig), fake: fake, client: client, duck: duck, srv: srv}
}

func openDuckDB(t *testing.T, files ...string) *duckdb.DB {
	t.Helper()
	d, err := duckdb.Open(context.Background(), files)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	// One thread: DuckDB sums doubles in an order that depends on its
	// threads, so that two runs of one avg() may differ in the last bit.
	// The summaries through the fake and straight from DuckDB are compared
	// bit for bit.
	if _, err := d.Query(context.Background(), "SET threads TO 1"); err != nil {
		t.Fatal(err)
	}
	return d
}

func writeParquet(t *testing.T, dir, name string, rows []sample.Row) string {
	t.Helper()
	path := filepath.Join(dir, name)
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := sample.WriteParquet(f, rows); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func f64(v float64) *float64 { return &v }

// level is what genRows needs to know of a level.
type level struct {
	index, concurrency int     // level_index; level (0 in mode rate: no cap)
	mode               string  // concurrency, rate, or "" (rows of before open-loop load)
	rate               float64 // request_rate, mode rate
	notSent            float64 // mode rate: the share of arrivals never sent
}

// genRows generates n requests of one level of run over workers, with
// warm-up rows, errors, null latencies, ITL lists from none to long, ties
// and awkward doubles (many digits, tiny, huge), a token source per row,
// a send lag on every sent row and, in mode rate, queue waits and arrivals
// never sent.
func genRows(rng *rand.Rand, run string, lv level, workers, n int, errRate float64, source func() string) []sample.Row {
	statuses := []string{"http_error", "timeout", "transport", "canceled"}
	val := func(lo, hi float64) float64 {
		v := lo + rng.Float64()*(hi-lo)
		switch rng.IntN(6) {
		case 0:
			v = math.Round(v*4) / 4 // a grid: ties
		case 1:
			v = math.Round(v) // an integral double: Athena writes "12.0"
		}
		return v
	}
	t0 := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	var rows []sample.Row
	for w := range workers {
		for seq := range n {
			r := sample.Row{
				RunID: run, Level: int32(lv.concurrency), LevelIndex: int32(lv.index), Mode: lv.mode, RequestRate: lv.rate,
				Worker: int32(w), Seq: int64(seq), VU: int32(rng.IntN(max(lv.concurrency, 1))),
				Status: "ok", HTTPStatus: 200, InputTokens: int32(rng.IntN(4000)), TokenSource: source(),
				Warmup: seq < n/10, Bytes: rng.Int64N(1 << 40), ConnectMs: val(0, 5) * 1e-4,
			}
			if r.Warmup {
				r.IntendedMs = -val(0, 3000)
			} else {
				r.IntendedMs = val(0, 30_000)
			}
			if lv.mode == "rate" && rng.Float64() < lv.notSent {
				r.Status, r.HTTPStatus, r.Error, r.InputTokens, r.TokenSource = "not_sent", 0, "no free slot", 0, ""
				r.StartMs, r.EndMs, r.QueueMs = r.IntendedMs, r.IntendedMs, val(0, 2000)
				r.StartTime = t0.Add(time.Duration(r.StartMs * float64(time.Millisecond))).Truncate(time.Microsecond)
				rows = append(rows, r)
				continue
			}
			r.SchedDelayMs = val(0, 30) * 1e-3
			if lv.mode == "rate" && rng.IntN(3) == 0 {
				r.QueueMs = val(0, 2000)
				r.SchedDelayMs += r.QueueMs
			}
			r.StartMs = r.IntendedMs + r.SchedDelayMs
			r.StartTime = t0.Add(time.Duration(r.StartMs * float64(time.Millisecond))).Truncate(time.Microsecond)
			r.EndMs = r.StartMs + val(1, 20_000)
			chunks := rng.IntN(30)
			r.Chunks = int32(chunks)
			if chunks > 0 {
				r.TTFTMs = f64(val(5, 3000))
				r.TTFBMs = f64(*r.TTFTMs / 3)
				for range chunks - 1 {
					r.ITLMs = append(r.ITLMs, val(0, 200))
				}
				r.E2EMs = f64(*r.TTFTMs + val(0, 10_000))
				r.OutputTokens = int32(chunks + rng.IntN(3))
				if r.OutputTokens > 1 {
					r.TPOTMs = f64((*r.E2EMs - *r.TTFTMs) / float64(r.OutputTokens-1))
				}
			}
			if rng.Float64() < errRate {
				r.Status = statuses[rng.IntN(len(statuses))]
				r.HTTPStatus = 500
				r.Error = fmt.Sprintf("boom, 'quoted' %d", rng.IntN(9))
				if rng.IntN(2) == 0 {
					r.TTFTMs, r.TPOTMs, r.E2EMs, r.ITLMs = nil, nil, nil, nil
				}
			}
			rows = append(rows, r)
		}
	}
	return rows
}
