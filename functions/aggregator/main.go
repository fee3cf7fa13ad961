// Command aggregator is the Aggregate step: it summarizes the run's
// samples with Athena and writes summary.json and the report to S3.
package main

import (
	"context"
	"log"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"
	awsathena "github.com/aws/aws-sdk-go-v2/service/athena"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/llmbench/llmbench/shared/query"
	"github.com/llmbench/llmbench/shared/query/athena"
	"github.com/llmbench/llmbench/shared/store"
	"github.com/llmbench/llmbench/shared/store/s3store"
	"github.com/llmbench/llmbench/shared/workflow"
)

func main() {
	cfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		log.Fatalf("aggregator: load AWS config: %v", err)
	}
	eng := athena.New(awsathena.NewFromConfig(cfg), athena.Config{
		WorkGroup:      os.Getenv("LLMBENCH_ATHENA_WORKGROUP"),
		Database:       os.Getenv("LLMBENCH_ATHENA_DATABASE"),
		OutputLocation: os.Getenv("LLMBENCH_ATHENA_OUTPUT"),
	})
	steps := &workflow.Steps{
		OpenStore: s3store.Opener(s3.NewFromConfig(cfg)),
		OpenEngine: func(context.Context, store.Store, *workflow.Plan) (query.Engine, func(), error) {
			return eng, func() {}, nil
		},
		EngineName: "athena",
	}
	lambda.Start(steps.Aggregate)
}
