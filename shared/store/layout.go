package store

import (
	"fmt"
	"time"
)

// The key layout of a store, the same under s3://bucket/prefix/ and a
// local folder:
//
//	samples/dt=YYYY-MM-DD/run_id=ID/level=L/worker=W-part-N.parquet   one row per request
//	telemetry/dt=YYYY-MM-DD/run_id=ID/level=L/part-N.parquet          the server's metrics, scraped during level L (target.metrics)
//	runs/ID/spec.json plan.json dataset.jsonl summary.json report.md report.html
//	runs/ID/slices/level=L/worker=W.json                              a worker's record of its slice
//	runs/ID/usage/STEP-INVOCATION.json                                what one step invocation used (the run's bill)
//
// L is the level's index in the run (0, 1, ...), not its concurrency: a
// run's levels may be concurrencies, request rates, or both (a sweep).
//	summaries/dt=YYYY-MM-DD/run_id=ID.json                            one JSON line per level (trend table)
//	comparisons/STAMP/compare.md compare.html                         an llmbench compare of runs, by default in the first run's store
//
// Athena finds samples, telemetry and summaries by partition projection:
// the Glue tables' storage.location.template must be
// SamplesLocationTemplate, TelemetryLocationTemplate and
// SummariesLocationTemplate under the store's prefix (a test in terraform/
// checks it).

// Files of a run, under RunKey.
const (
	SpecFile      = "spec.json"
	PlanFile      = "plan.json"
	SummaryFile   = "summary.json"
	ReportMD      = "report.md"
	ReportHTML    = "report.html"
	DatasetFile   = "dataset.jsonl"  // the run's normalized copy of its prompt dataset
	TokenizerFile = "tokenizer.json" // the run's copy of its tokenizer
)

// SamplesLocationTemplate, TelemetryLocationTemplate and
// SummariesLocationTemplate are the Glue projection templates of the
// tables, relative to the store's prefix;
// ${dt} and ${run_id} are the partition keys.
const (
	SamplesLocationTemplate   = "samples/dt=${dt}/run_id=${run_id}/"
	TelemetryLocationTemplate = "telemetry/dt=${dt}/run_id=${run_id}/"
	SummariesLocationTemplate = "summaries/dt=${dt}/"
)

// day formats a partition day.
func day(t time.Time) string { return t.UTC().Format("2006-01-02") }

// RunSamplesPrefix is the folder of every sample of a run (its Athena
// partition). day is the plan's dt, YYYY-MM-DD.
func RunSamplesPrefix(day, runID string) string {
	return "samples/dt=" + day + "/run_id=" + runID + "/"
}

// SamplePrefix is the folder of one level's samples of a run; level is
// the level's index.
func SamplePrefix(d time.Time, runID string, level int) string {
	return fmt.Sprintf("%slevel=%d/", RunSamplesPrefix(day(d), runID), level)
}

// WorkerPartsPrefix is the common prefix of one worker's part files of a
// level: what a retried worker deletes.
func WorkerPartsPrefix(d time.Time, runID string, level, worker int) string {
	return fmt.Sprintf("%sworker=%d-part-", SamplePrefix(d, runID, level), worker)
}

// SampleKey is the deterministic key of one part file of one worker.
func SampleKey(d time.Time, runID string, level, worker, part int) string {
	return fmt.Sprintf("%s%d.parquet", WorkerPartsPrefix(d, runID, level, worker), part)
}

// RunTelemetryPrefix is the folder of every telemetry part of a run (its
// Athena partition of the telemetry table). day is the plan's dt.
func RunTelemetryPrefix(day, runID string) string {
	return "telemetry/dt=" + day + "/run_id=" + runID + "/"
}

// TelemetryPrefix is the folder of one level's telemetry parts: what a
// retried scraping worker deletes.
func TelemetryPrefix(d time.Time, runID string, level int) string {
	return fmt.Sprintf("%slevel=%d/", RunTelemetryPrefix(day(d), runID), level)
}

// TelemetryKey is the deterministic key of one telemetry part of a level.
func TelemetryKey(d time.Time, runID string, level, part int) string {
	return fmt.Sprintf("%spart-%d.parquet", TelemetryPrefix(d, runID, level), part)
}

// RunKey is the key of a run-level file: SpecFile, PlanFile, SummaryFile,
// ReportMD, ReportHTML.
func RunKey(runID, name string) string { return "runs/" + runID + "/" + name }

// SummaryKey is the key of a run's summary.json.
func SummaryKey(runID string) string { return RunKey(runID, SummaryFile) }

// MapRunPrefix is the folder a level's slices Map (a Distributed Map)
// writes its ResultWriter files under: <map run id>/manifest.json,
// SUCCEEDED_0.json and FAILED_0.json, one map run id per round.
func MapRunPrefix(runID string, level int) string {
	return RunKey(runID, fmt.Sprintf("maprun/level=%d/", level))
}

// MapRunItemsKey is the key of a level's slice list, the JSON array of its
// workers' numbers that the slices Map's ItemReader reads (every round
// reads the same list).
func MapRunItemsKey(runID string, level int) string {
	return MapRunPrefix(runID, level) + MapRunItemsFile
}

// MapRunItemsFile is the name of a level's slice list in its MapRunPrefix.
const MapRunItemsFile = "items.json"

// SliceRecordKey is the key of a worker's record of its slice of a level
// (by the level's index).
func SliceRecordKey(runID string, level, worker int) string {
	return RunKey(runID, fmt.Sprintf("slices/level=%d/worker=%d.json", level, worker))
}

// UsagePrefix is the folder of a run's usage records: one per step
// invocation (planner, worker, sweeper, aggregator), retries included.
func UsagePrefix(runID string) string { return RunKey(runID, "usage/") }

// UsageKey is the key of one step invocation's usage record; invocation
// is unique to that invocation.
func UsageKey(runID, step, invocation string) string {
	return UsagePrefix(runID) + step + "-" + invocation + ".json"
}

// LevelLinesKey is where the aggregator writes a run's per-level JSON
// lines, the source of the Athena trend table (level_summaries, projected
// on dt only, so a view can span every run). day is YYYY-MM-DD.
func LevelLinesKey(day, runID string) string {
	return "summaries/dt=" + day + "/run_id=" + runID + ".json"
}

// Rounds (a level longer than one worker invocation runs its slices in
// consecutive rounds): round 0 keeps the keys above; round r > 0 of a
// worker writes samples/…/level=L/worker=W-round=R-part-N.parquet and
// runs/ID/slices/level=L/worker=W-round=R.json, so that each round's
// invocation is idempotent on its own.

// RoundPartsPrefix is WorkerPartsPrefix for round round of the worker.
func RoundPartsPrefix(d time.Time, runID string, level, worker, round int) string {
	if round == 0 {
		return WorkerPartsPrefix(d, runID, level, worker)
	}
	return fmt.Sprintf("%sworker=%d-round=%d-part-", SamplePrefix(d, runID, level), worker, round)
}

// RoundSampleKey is SampleKey for round round of the worker.
func RoundSampleKey(d time.Time, runID string, level, worker, round, part int) string {
	return fmt.Sprintf("%s%d.parquet", RoundPartsPrefix(d, runID, level, worker, round), part)
}

// RoundRecordKey is SliceRecordKey for round round of the worker.
func RoundRecordKey(runID string, level, worker, round int) string {
	if round == 0 {
		return SliceRecordKey(runID, level, worker)
	}
	return RunKey(runID, fmt.Sprintf("slices/level=%d/worker=%d-round=%d.json", level, worker, round))
}

// ComparisonPrefix is the folder of one `llmbench compare`, beside runs/:
// stamp says when it ran (UTC, 20060102T150405Z, with a suffix when that
// folder is taken).
func ComparisonPrefix(stamp string) string { return "comparisons/" + stamp + "/" }
