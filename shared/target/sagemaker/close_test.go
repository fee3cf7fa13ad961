package sagemaker

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sagemakerruntime"

	"github.com/llmbench/llmbench/shared/sample"
	"github.com/llmbench/llmbench/shared/simllm"
	"github.com/llmbench/llmbench/shared/spec"
	"github.com/llmbench/llmbench/shared/target"
)

// TestClose: Close releases the idle connections of the HTTP client the
// API client sends through (given to FromSpec), so the next request dials
// anew; without an HTTP client it does nothing.
func TestClose(t *testing.T) {
	rs, err := simllm.Start(simllm.Options{Profile: simllm.Profile{Kind: simllm.KindInstant}})
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	hc := target.NewHTTPClient(4)
	api := sagemakerruntime.New(sagemakerruntime.Options{
		Region:      "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider("AKIDLLMBENCHTEST", "not-a-secret", ""),
	}, ClientOptions(hc, rs.SageMakerEndpoint()))
	tg, err := FromSpec(api, &spec.Spec{Target: spec.Target{Kind: spec.KindSageMaker, Endpoint: "e", Format: spec.SageMakerChat}}, hc)
	if err != nil {
		t.Fatal(err)
	}
	do := func() *sample.Result {
		t.Helper()
		res := tg.Do(context.Background(), target.Request{Prompt: "x", MaxTokens: 2})
		if res.Status != sample.StatusOK {
			t.Fatalf("status %s %q", res.Status, res.Err)
		}
		return res
	}
	do()
	if !do().ConnReused {
		t.Fatal("second request did not reuse the connection")
	}
	tg.Close()
	if do().ConnReused {
		t.Error("a request after Close reused a connection")
	}
	if tg, err = New(api, Config{Endpoint: "e"}); err != nil {
		t.Fatal(err)
	}
	tg.Close() // no HTTP client: nothing to do
}
