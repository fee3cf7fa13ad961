// Command proxy serves the OpenAI API in front of one SageMaker endpoint
// from a Lambda Function URL with response streaming (InvokeMode
// RESPONSE_STREAM): package proxy's handler, wrapped by aws-lambda-go's
// lambdaurl. Its EMF metrics (CompletionTokens, TokensPerSecond, TTFT,
// CostPer1kTokensUSD by EndpointName, which the endpoint's scaling policy
// reads) go to standard output, which Lambda sends to CloudWatch Logs.
//
// Configuration, set by terraform/proxy.tf: LLMBENCH_PROXY_ENDPOINT (the
// endpoint's name), LLMBENCH_PROXY_FORMAT (chat, lmi or tgi),
// LLMBENCH_PROXY_MODEL (sent as model in format chat; may be empty),
// LLMBENCH_PROXY_USD_PER_HOUR and LLMBENCH_PROXY_INSTANCES (the cost
// figure; a price of 0 gives none), LLMBENCH_EMF_NAMESPACE.
//
// The Function URL's event is decoded leniently, unlike the steps' events:
// AWS sends members (routeKey, requestContext.stage) that
// events.LambdaFunctionURLRequest does not declare.
package main

import (
	"context"
	"log"
	"os"
	"strconv"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdaurl"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sagemakerruntime"

	"github.com/llmbench/llmbench/shared/proxy"
	"github.com/llmbench/llmbench/shared/sdkhttp"
	"github.com/llmbench/llmbench/shared/target"
	"github.com/llmbench/llmbench/shared/target/sagemaker"
)

func main() {
	cfg, err := config.LoadDefaultConfig(context.Background(), config.WithHTTPClient(sdkhttp.Client()))
	if err != nil {
		log.Fatalf("proxy: load AWS config: %v", err)
	}
	price, err := strconv.ParseFloat(os.Getenv("LLMBENCH_PROXY_USD_PER_HOUR"), 64)
	if err != nil {
		log.Fatalf("proxy: LLMBENCH_PROXY_USD_PER_HOUR: %v", err)
	}
	instances, err := strconv.Atoi(os.Getenv("LLMBENCH_PROXY_INSTANCES"))
	if err != nil {
		log.Fatalf("proxy: LLMBENCH_PROXY_INSTANCES: %v", err)
	}
	// One execution environment serves one request at a time: a few
	// connections are plenty.
	hc := target.NewHTTPClient(4)
	api := sagemakerruntime.NewFromConfig(cfg, sagemaker.ClientOptions(hc, ""))
	h, err := proxy.New(api, proxy.Config{
		Endpoint:   os.Getenv("LLMBENCH_PROXY_ENDPOINT"),
		Format:     os.Getenv("LLMBENCH_PROXY_FORMAT"),
		Model:      os.Getenv("LLMBENCH_PROXY_MODEL"),
		USDPerHour: price,
		Instances:  instances,
		Namespace:  os.Getenv("LLMBENCH_EMF_NAMESPACE"),
		Metrics:    os.Stdout,
		HTTPClient: hc,
	})
	if err != nil {
		log.Fatal(err)
	}
	lambda.StartWithOptions(lambdaurl.Wrap(h))
}
