// Command planner is the Plan step of the state machine: it validates the
// run spec, gives the run its id and writes spec.json and plan.json to S3.
package main

import (
	"context"
	"log"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/llmbench/llmbench/shared/plan"
	"github.com/llmbench/llmbench/shared/sdkhttp"
	"github.com/llmbench/llmbench/shared/store/s3store"
	"github.com/llmbench/llmbench/shared/workflow"
)

func main() {
	cfg, err := config.LoadDefaultConfig(context.Background(), config.WithHTTPClient(sdkhttp.Client()))
	if err != nil {
		log.Fatalf("planner: load AWS config: %v", err)
	}
	// A level runs in one worker invocation: Lambda's 15 minutes, less
	// the flush margin and the requests in flight.
	client := s3.NewFromConfig(cfg)
	// A dataset the spec names (s3://bucket/key) is read once, here, and
	// copied into the run; the workers read the copy.
	planner := workflow.NewPlanner(s3store.Opener(client), s3store.OpenObject(client), plan.MaxLambdaLevel)
	lambda.StartWithOptions(planner.Plan, lambda.WithDisallowUnknownFields(true))
}
