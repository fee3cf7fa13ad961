package workflow

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/llmbench/llmbench/shared/cost"
	"github.com/llmbench/llmbench/shared/plan"
	"github.com/llmbench/llmbench/shared/query"
	"github.com/llmbench/llmbench/shared/store"
)

// What a step invocation used, for the run's bill (benchmark_cost_usd):
// every invocation of every step measures itself (its memory, its time,
// the store requests and Athena scans it made) and leaves a usage record
// in the store, runs/<id>/usage/<step>-<invocation>.json, which the
// aggregator adds up. A retried invocation that ran leaves its own record.

// The steps' names, as their records and the bill give them.
const (
	StepPlanner    = "planner"
	StepWorker     = "worker"
	StepSweeper    = "sweeper"
	StepAggregator = "aggregator"
)

// DefaultMemoryMB is the memory each function has with Terraform's
// defaults (terraform/variables.tf lambda_memory_mb; a test there checks
// they agree): a step that runs outside Lambda (llmbench run) is priced
// with it, as the same run would be in AWS.
var DefaultMemoryMB = map[string]int{
	StepPlanner:    256,
	StepWorker:     1769,
	StepSweeper:    512,
	StepAggregator: 512,
}

// LambdaConfig is what a Lambda main tells its step about the function it
// runs in.
type LambdaConfig struct {
	// MemoryMB is the function's configured memory
	// (lambdacontext.MemoryLimitInMB).
	MemoryMB int
	// ProcessStart is when the process started (main's first line): the
	// first invocation adds the time from it to its start, the init
	// Lambda bills, to its duration.
	ProcessStart time.Time
}

// metering is embedded in every step: it measures invocations.
type metering struct {
	lambda LambdaConfig
	inited atomic.Bool // the first invocation has taken the init time
}

// SetLambda says that the step runs in a Lambda function configured so.
// Without it the step is priced with DefaultMemoryMB and no init.
func (m *metering) SetLambda(c LambdaConfig) { m.lambda = c }

// UsageRecord is what one step invocation used.
type UsageRecord struct {
	Step   string `json:"step"`
	Level  *int   `json:"level_index,omitempty"` // the worker's slice
	Worker *int   `json:"worker,omitempty"`
	// Lambda is true when the step ran in a Lambda function (measured in
	// AWS), false when it ran in llmbench's process.
	Lambda     bool      `json:"lambda"`
	MemoryMB   int       `json:"memory_mb"`
	Started    time.Time `json:"started"`
	DurationMs float64   `json:"duration_ms"` // handler start to the record's write
	InitMs     float64   `json:"init_ms,omitempty"`
	BilledMs   int64     `json:"billed_ms"` // init + duration, rounded up to the ms
	// S3 requests, as store.Counts counts them (the record's own PUT
	// included).
	S3Put    int64 `json:"s3_put"`
	S3Get    int64 `json:"s3_get"`
	S3List   int64 `json:"s3_list"`
	S3Delete int64 `json:"s3_delete"`
	// SampleBytes is the Parquet the invocation wrote under samples/.
	SampleBytes int64 `json:"sample_bytes,omitempty"`
	// AthenaScanned is each Athena query's DataScannedInBytes;
	// EngineQueries counts the queries run on an engine that reports no
	// scan (DuckDB), which the bill estimates.
	AthenaScanned []int64 `json:"athena_scanned_bytes,omitempty"`
	EngineQueries int     `json:"engine_queries,omitempty"`
}

// meter counts one invocation's usage. It travels in the context, so
// that the stores and engines the step opens count into it.
type meter struct {
	step     string
	lambda   bool
	memoryMB int
	start    time.Time
	initMs   float64
	s3       store.Counts

	mu      sync.Mutex
	scanned []int64
	queries int
}

type meterKey struct{}

// begin starts measuring an invocation of step.
func (m *metering) begin(ctx context.Context, step string) (context.Context, *meter) {
	mt := &meter{step: step, start: time.Now(), memoryMB: DefaultMemoryMB[step]}
	if m.lambda.MemoryMB > 0 {
		mt.lambda, mt.memoryMB = true, m.lambda.MemoryMB
		if !m.lambda.ProcessStart.IsZero() && m.inited.CompareAndSwap(false, true) {
			mt.initMs = ms(mt.start.Sub(m.lambda.ProcessStart))
		}
	}
	return context.WithValue(ctx, meterKey{}, mt), mt
}

func meterFrom(ctx context.Context) *meter {
	m, _ := ctx.Value(meterKey{}).(*meter)
	return m
}

// record is the usage so far, with extraPuts PUTs still to come (the
// record's own, and any the caller will make after it).
func (m *meter) record(extraPuts int64) UsageRecord {
	d := ms(time.Since(m.start))
	m.mu.Lock()
	scanned, queries := append([]int64(nil), m.scanned...), m.queries
	m.mu.Unlock()
	return UsageRecord{
		Step: m.step, Lambda: m.lambda, MemoryMB: m.memoryMB, Started: m.start.UTC(),
		DurationMs: d, InitMs: m.initMs, BilledMs: cost.LambdaBilledMs(m.initMs + d),
		S3Put: m.s3.Put.Load() + extraPuts, S3Get: m.s3.Get.Load(), S3List: m.s3.List.Load(), S3Delete: m.s3.Delete.Load(),
		SampleBytes: m.s3.SampleBytes.Load(), AthenaScanned: scanned, EngineQueries: queries,
	}
}

// finish writes the invocation's usage record, best effort (a bill short
// of one record is better than a failed step): it returns the error for
// the caller to ignore or report.
func (m *meter) finish(ctx context.Context, st store.Store, runID string, level, worker *int) error {
	rec := m.record(1)
	rec.Level, rec.Worker = level, worker
	return putJSON(context.WithoutCancel(ctx), st, store.UsageKey(runID, m.step, invocationID(m.start)), rec)
}

// invocationID is unique to one invocation and sorts by its start.
func invocationID(start time.Time) string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return start.UTC().Format("20060102T150405.000000000Z") + "-" + hex.EncodeToString(b[:])
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// meteredStore opens stores that count the requests of a metered
// invocation (the context's meter) into it.
func meteredStore(open OpenStore) OpenStore {
	return func(ctx context.Context, output string) (store.Store, error) {
		st, err := open(ctx, output)
		if err != nil {
			return nil, err
		}
		if m := meterFrom(ctx); m != nil {
			return store.Counted(st, &m.s3), nil
		}
		return st, nil
	}
}

// meteredSource counts each dataset or tokenizer read as one GET (from
// S3 in AWS; a local file stands for the same object).
func meteredSource(open OpenSource) OpenSource {
	if open == nil {
		return nil
	}
	return func(ctx context.Context, path string) (io.ReadCloser, error) {
		if m := meterFrom(ctx); m != nil {
			m.s3.Get.Add(1)
		}
		return open(ctx, path)
	}
}

// scanReporter is an engine that reports what each query scanned
// (athena.Engine: QueryExecution.Statistics.DataScannedInBytes).
type scanReporter interface {
	QueryScanned(ctx context.Context, sql string) ([]map[string]any, int64, error)
}

// meteredEngine opens engines that count a metered invocation's queries.
func meteredEngine(open OpenEngine) OpenEngine {
	return func(ctx context.Context, st store.Store, p *plan.Plan) (query.Engine, func(), error) {
		eng, closeEng, err := open(ctx, store.Unwrap(st), p)
		if err != nil {
			return nil, nil, err
		}
		return &countingEngine{eng: eng}, closeEng, nil
	}
}

type countingEngine struct{ eng query.Engine }

func (e *countingEngine) Query(ctx context.Context, sql string) ([]map[string]any, error) {
	m := meterFrom(ctx)
	if sr, ok := e.eng.(scanReporter); ok {
		rows, scanned, err := sr.QueryScanned(ctx, sql)
		if m != nil && (err == nil || scanned > 0) {
			m.mu.Lock()
			m.scanned = append(m.scanned, scanned)
			m.mu.Unlock()
		}
		return rows, err
	}
	if m != nil {
		m.mu.Lock()
		m.queries++
		m.mu.Unlock()
	}
	return e.eng.Query(ctx, sql)
}

// recordUsage writes an invocation's usage record into the run's store,
// best effort: an invocation whose run cannot be opened (a bad run id, a
// missing store) leaves none, and the bill lacks it.
func (m *metering) recordUsage(ctx context.Context, mt *meter, open OpenStore, output, runID string, level, worker *int) {
	if !plan.ValidRunID(runID) {
		return
	}
	st, err := open(ctx, output)
	if err != nil {
		return
	}
	_ = mt.finish(ctx, st, runID, level, worker)
}

// chargeCached charges a step that runs outside Lambda, and found the run
// in its process's cache, the GETs a fresh process would have made
// (spec.json, plan.json, and the dataset and tokenizer a worker reads):
// locally every step shares one process, while in AWS a level's workers
// run at once in as many execution environments. A Lambda's cache hit is
// a real saving (a warm environment) and is charged nothing.
func chargeCached(ctx context.Context, c *run) {
	m := meterFrom(ctx)
	if m == nil || m.lambda {
		return
	}
	n := int64(2)
	if c.prompts != nil {
		n++
	}
	if c.tokens != nil {
		n++
	}
	m.s3.Get.Add(n)
}
