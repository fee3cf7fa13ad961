package workflow

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/llmbench/llmbench/shared/loadgen"
	"github.com/llmbench/llmbench/shared/sample"
	"github.com/llmbench/llmbench/shared/store"
)

// WorkerConfig is what a Worker may be given beyond its dependencies.
type WorkerConfig struct {
	// StartMargin is added to a level's Entered time to give its common
	// start: long enough for every worker to be up (cold starts in AWS).
	StartMargin time.Duration
	// Drain, closed on a graceful stop (the CLI's first Ctrl-C), stops
	// issuing new requests.
	Drain <-chan struct{}
	// Counters, if set, gives each level's live progress counters.
	Counters func(level int) *loadgen.Counters
	// PartRows bounds rows per Parquet part (0: the default).
	PartRows int
	// FlushInterval bounds the age of a buffered row (0: the default,
	// sample.DefaultFlushInterval).
	FlushInterval time.Duration
	// SimMetricsURL is the /metrics of the simulated server this process
	// started: what a spec with a profile and target.metrics scrapes.
	SimMetricsURL string
}

// Worker is the Work step: it runs one slice of a level.
type Worker struct {
	metering
	runs   runs
	target OpenTarget
	cfg    WorkerConfig
}

// NewWorker returns the Work step, writing to the stores open opens and
// sending requests through the clients target opens.
func NewWorker(open OpenStore, target OpenTarget, cfg WorkerConfig) *Worker {
	return &Worker{runs: runs{open: meteredStore(open)}, target: target, cfg: cfg}
}

// Work runs one slice. It is idempotent: a slice whose record says done
// returns that record without sending a request; a slice retried after an
// interrupted attempt deletes that attempt's parts first, so the retried
// slice's rows are never counted twice. A record that cannot be read is
// an interrupted attempt too.
func (w *Worker) Work(ctx context.Context, ev WorkEvent) (*WorkOutput, error) {
	ctx, m := w.begin(ctx, StepWorker)
	defer w.recordUsage(ctx, m, w.runs.open, ev.Output, ev.RunID, &ev.LevelIndex, &ev.Worker)
	r, err := w.runs.get(ctx, "work", ev.RunID, ev.Output, ev.LevelIndex+1)
	if err != nil {
		return nil, err
	}
	sl, err := r.plan.Slice(ev.LevelIndex, ev.Worker)
	if err != nil {
		return nil, fmt.Errorf("workflow: work: %w", err)
	}
	day, err := sl.DayTime()
	if err != nil {
		return nil, fmt.Errorf("workflow: work: %w", err)
	}
	st := r.st
	rr, err := roundOf(ctx, st, r, r.plan.Levels[sl.LevelIndex], sl, ev.Round)
	if err != nil {
		return nil, err
	}

	recKey := store.RoundRecordKey(ev.RunID, sl.LevelIndex, sl.Worker, ev.Round)
	rec := SliceRecord{Started: time.Now().UTC(), Attempt: 1}
	switch b, err := st.Get(ctx, recKey); {
	case errors.Is(err, store.ErrNotFound):
	case err != nil:
		return nil, err
	default:
		var prev SliceRecord
		if err := json.Unmarshal(b, &prev); err != nil {
			// Whatever wrote it did not finish: its parts may be on disk.
			rec.Attempt = 2
			rec.Unreadable = err.Error()
			break
		}
		if prev.Done {
			return &WorkOutput{Level: sl.LevelIndex, Worker: sl.Worker, Requests: prev.Requests, Errors: prev.Errors, Replayed: true}, nil
		}
		rec.Attempt = max(prev.Attempt, 1) + 1
	}
	if rec.Attempt > 1 {
		// An earlier attempt was killed mid-slice: drop its parts.
		keys, err := st.List(ctx, store.RoundPartsPrefix(day, sl.RunID, sl.LevelIndex, sl.Worker, ev.Round))
		if err != nil {
			return nil, err
		}
		for _, k := range keys {
			if err := st.Delete(ctx, k); err != nil {
				return nil, err
			}
		}
		rec.DiscardedParts = len(keys)
		if err := dropTelemetry(ctx, st, r.spec, day, sl); err != nil {
			return nil, err
		}
	}
	if err := putJSON(ctx, st, recKey, rec); err != nil {
		return nil, err
	}

	if ev.Entered != "" {
		t, err := time.Parse(time.RFC3339Nano, ev.Entered)
		if err != nil {
			return nil, fmt.Errorf("workflow: work: bad entered time %q: %w", ev.Entered, err)
		}
		sl.Start = t.Add(w.cfg.StartMargin)
		if sl.LevelIndex > 0 && ev.Round == 0 {
			// load.cooldown: the pause before every level but the first
			// (before its first round).
			sl.Start = sl.Start.Add(r.spec.Load.Cooldown.D())
		}
		// The rows' time origin (slice.go), in every progress record too:
		// an interrupted run keeps its timeline.
		ls := sl.Start.Add(-rr.offset).UTC()
		rec.LevelStart = &ls
	}
	// Each part written updates the record: a worker killed mid-slice
	// leaves a record saying how many rows are on disk.
	onFlush := func(ctx context.Context, f sample.Flushed) {
		progress := rec
		progress.Requests, progress.Parts = f.Rows, f.Parts
		_ = putJSON(ctx, st, recKey, progress) // best effort: the final record follows
	}
	rec.CarryLost = rr.lost
	res, carry, err := w.runSlice(ctx, st, r, sl, day, rr, onFlush)
	if err != nil {
		return nil, err
	}
	rec.SliceResult = *res
	rec.Carry = carry
	rec.Done = true
	rec.Finished = time.Now().UTC()
	if err := putJSON(context.WithoutCancel(ctx), st, recKey, rec); err != nil {
		return nil, err
	}
	return &WorkOutput{Level: sl.LevelIndex, Worker: sl.Worker, Requests: res.Requests, Errors: res.Errors}, nil
}

func putJSON(ctx context.Context, st store.Store, key string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("workflow: encode %s: %w", key, err)
	}
	return st.Put(ctx, key, append(b, '\n'))
}
