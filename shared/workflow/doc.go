// Package workflow holds the three steps of a benchmark run, one type
// each, as plain Go over the core packages:
//
//	Planner     validate the spec, give it a run_id, expand it into levels × worker slices (package plan)
//	Worker      drive one slice's virtual users against the target, one sample row per request
//	Aggregator  summarize the samples with SQL, write summary.json and the reports
//
// Each step is built by its constructor from exactly the dependencies it
// uses. The Lambda functions wrap one step each (functions/*); the CLI
// runs all three in-process through package localrun. The events in
// events.go are what the state machine passes between them; the fixtures
// in events/steps/ pin their JSON, and every entry point decodes them
// with unknown fields disallowed.
package workflow
