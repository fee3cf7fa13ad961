// Package localrun executes the benchmark's state machine definition in
// this process: statemachine/benchmark.asl.json interpreted by sfnlocal,
// its three Lambda functions served by the workflow steps. It is what
// `llmbench run` does without AWS; only the CLI (and tests) link it, so no
// Lambda binary carries the States Language interpreter.
//
// Step events are decoded as the Lambda mains decode them: strictly, with
// unknown fields an error, so that a key the definition misspells fails
// here rather than becoming a zero value.
package localrun
