package store

import (
	"fmt"
	"time"
)

// The key layout of a store, the same under s3://bucket/prefix/ and a
// local folder:
//
//	samples/dt=YYYY-MM-DD/run_id=ID/level=L/worker=W-part-N.parquet   one row per request
//	runs/ID/spec.json plan.json dataset.jsonl summary.json report.md report.html
//	runs/ID/slices/level=L/worker=W.json                              a worker's record of its slice
//	runs/ID/usage/STEP-INVOCATION.json                                what one step invocation used (the run's bill)
//
// L is the level's index in the run (0, 1, ...), not its concurrency: a
// run's levels may be concurrencies, request rates, or both (a sweep).
//	summaries/dt=YYYY-MM-DD/run_id=ID.json                            one JSON line per level (trend table)
//
// Athena finds samples and summaries by partition projection: the Glue
// tables' storage.location.template must be SamplesLocationTemplate and
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

// SamplesLocationTemplate and SummariesLocationTemplate are the Glue
// projection templates of the two tables, relative to the store's prefix;
// ${dt} and ${run_id} are the partition keys.
const (
	SamplesLocationTemplate   = "samples/dt=${dt}/run_id=${run_id}/"
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

// RunKey is the key of a run-level file: SpecFile, PlanFile, SummaryFile,
// ReportMD, ReportHTML.
func RunKey(runID, name string) string { return "runs/" + runID + "/" + name }

// SummaryKey is the key of a run's summary.json.
func SummaryKey(runID string) string { return RunKey(runID, SummaryFile) }

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
