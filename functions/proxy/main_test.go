package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdaurl"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sagemakerruntime"

	"github.com/llmbench/llmbench/shared/proxy"
	"github.com/llmbench/llmbench/shared/simllm"
	"github.com/llmbench/llmbench/shared/target"
	"github.com/llmbench/llmbench/shared/target/sagemaker"
)

// TestFunctionURLEvent: a Function URL event as AWS sends it (with
// routeKey and requestContext.stage, which events.LambdaFunctionURLRequest
// does not declare, so a strict decoder refuses it: why main decodes
// leniently) goes through lambdaurl.Wrap and the proxy to the simulated
// SageMaker runtime and comes back as a 200 OpenAI stream ending in
// [DONE], with the proxy's figures in its last chunk.
func TestFunctionURLEvent(t *testing.T) {
	raw, err := os.ReadFile("testdata/function-url-request.json")
	if err != nil {
		t.Fatal(err)
	}
	strict := json.NewDecoder(bytes.NewReader(raw))
	strict.DisallowUnknownFields()
	var ev events.LambdaFunctionURLRequest
	if err := strict.Decode(&ev); err == nil {
		t.Error("a strict decoder took the Function URL event: main could decode strictly")
	}
	ev = events.LambdaFunctionURLRequest{}
	if err := json.Unmarshal(raw, &ev); err != nil {
		t.Fatal(err)
	}

	rs, err := simllm.Start(simllm.Options{Profile: simllm.Profile{Name: "fixed-test", Kind: simllm.KindFixed, TTFT: 5 * time.Millisecond, ITL: time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	api := sagemakerruntime.NewFromConfig(aws.Config{Region: "us-east-1", Credentials: aws.AnonymousCredentials{}},
		sagemaker.ClientOptions(target.NewHTTPClient(2), rs.SageMakerEndpoint()))
	var metrics bytes.Buffer
	h, err := proxy.New(api, proxy.Config{Endpoint: "llama", Metrics: &metrics})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := lambdaurl.Wrap(h)(context.Background(), &ev)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Headers["Content-Type"], "text/event-stream") {
		t.Fatalf("HTTP %d %v:\n%s", resp.StatusCode, resp.Headers, body)
	}
	if !strings.HasSuffix(string(body), "data: [DONE]\n\n") || !strings.Contains(string(body), `"`+proxy.MetricsField+`":{"ttft_ms":`) {
		t.Errorf("stream without [DONE] or the proxy's figures:\n%s", body)
	}
	if !strings.Contains(string(body), `"id":"chatcmpl-fn-url-1"`) {
		t.Errorf("the request's X-Request-Id is not the answer's id:\n%s", body)
	}
	if n := strings.Count(metrics.String(), "\n"); n != 1 {
		t.Errorf("%d EMF lines, want 1:\n%s", n, metrics.String())
	}
}
