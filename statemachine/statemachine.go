// Package statemachine holds the benchmark workflow definition,
// benchmark.asl.json: the file Terraform deploys to Step Functions (filling
// the ${…_arn} placeholders) and the one llmbench executes locally.
package statemachine

import _ "embed"

// Definition is benchmark.asl.json, as deployed.
//
//go:embed benchmark.asl.json
var Definition []byte

// Functions names the Lambda functions the definition calls, by the
// template variable that holds each one's ARN.
var Functions = map[string]string{
	"planner_arn":    "planner",
	"worker_arn":     "worker",
	"aggregator_arn": "aggregator",
	"sweeper_arn":    "sweeper",
}

// LocalVars fills the placeholders with ARNs of functions run in-process.
func LocalVars() map[string]string {
	v := make(map[string]string, len(Functions))
	for k, name := range Functions {
		v[k] = "arn:aws:lambda:local:000000000000:function:" + name
	}
	return v
}
