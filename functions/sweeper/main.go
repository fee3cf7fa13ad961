// Command sweeper is the Sweep step of a load.profile "sweep" run: after
// the synchronous and the throughput level it reads their samples with
// Athena, plans the rate levels between the two request rates they
// measured, rewrites the run's plan.json in S3 and returns the new levels
// for the state machine to run.
package main

import (
	"context"
	"log"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/config"
	awsathena "github.com/aws/aws-sdk-go-v2/service/athena"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"time"

	"github.com/llmbench/llmbench/shared/query/athena"
	"github.com/llmbench/llmbench/shared/sdkhttp"
	"github.com/llmbench/llmbench/shared/store/s3store"
	"github.com/llmbench/llmbench/shared/workflow"
)

func main() {
	start := time.Now() // the bill counts the init from here
	cfg, err := config.LoadDefaultConfig(context.Background(), config.WithHTTPClient(sdkhttp.Client()))
	if err != nil {
		log.Fatalf("sweeper: load AWS config: %v", err)
	}
	eng := athena.New(awsathena.NewFromConfig(cfg), athena.Config{
		WorkGroup:      os.Getenv("LLMBENCH_ATHENA_WORKGROUP"),
		Database:       os.Getenv("LLMBENCH_ATHENA_DATABASE"),
		OutputLocation: os.Getenv("LLMBENCH_ATHENA_OUTPUT"),
	})
	sweeper := workflow.NewSweeper(s3store.Opener(s3.NewFromConfig(cfg)),
		athena.Over(eng))
	sweeper.SetLambda(workflow.LambdaConfig{MemoryMB: lambdacontext.MemoryLimitInMB, ProcessStart: start})
	lambda.StartWithOptions(sweeper.Sweep, lambda.WithDisallowUnknownFields(true))
}
