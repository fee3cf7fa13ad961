// Package workflow holds the three steps of a benchmark run as plain Go
// functions over the core packages:
//
//	Plan       validate the spec, give it a run_id, expand it into levels × worker slices
//	WorkSlice  drive one slice's virtual users against the target, one sample row per request
//	Aggregate  summarize the samples with SQL, write summary.json and the report
//
// The Lambda functions wrap them one each; the CLI runs them in-process.
package workflow
