package proxy

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sagemakerruntime"

	"github.com/llmbench/llmbench/shared/sample"
	"github.com/llmbench/llmbench/shared/simllm"
	"github.com/llmbench/llmbench/shared/target"
	"github.com/llmbench/llmbench/shared/target/openai"
	"github.com/llmbench/llmbench/shared/target/sagemaker"
)

// The tests run the whole path on loopback: the OpenAI client → this
// proxy (httptest) → the real SageMaker SDK client → the simulated
// SageMaker runtime. Nothing reaches AWS.

const endpoint = "llama-test"

// startSim runs a simulated SageMaker runtime of format, fixed timing.
func startSim(t *testing.T, format string, fault func(int64, *http.Request) simllm.SageMakerFault) *simllm.Running {
	t.Helper()
	rs, err := simllm.Start(simllm.Options{
		Profile:     simllm.Profile{Name: "fixed-test", Kind: simllm.KindFixed, TTFT: 15 * time.Millisecond, ITL: time.Millisecond},
		Seed:        7,
		RecordTruth: true,
		SageMaker:   simllm.SageMakerOptions{Format: format, Fault: fault},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(rs.Close)
	return rs
}

func newAPI(endpointURL string) *sagemakerruntime.Client {
	cfg := aws.Config{
		Region: "us-east-1",
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "AKIDLLMBENCHTEST", SecretAccessKey: "not-a-secret", Source: "test"}, nil
		}),
	}
	return sagemakerruntime.NewFromConfig(cfg, sagemaker.ClientOptions(target.NewHTTPClient(8), endpointURL))
}

// startProxy serves a Handler in front of rs; metrics collects its EMF.
func startProxy(t *testing.T, rs *simllm.Running, cfg Config) *httptest.Server {
	t.Helper()
	cfg.Endpoint = endpoint
	h, err := New(newAPI(rs.SageMakerEndpoint()), cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(func() { srv.Close(); h.Close() })
	return srv
}

func openaiClient(t *testing.T, base, api string, stream bool) *openai.Client {
	t.Helper()
	c, err := openai.New(openai.Config{BaseURL: base + "/v1", API: api, Model: "m", Stream: stream, CaptureHeaders: []string{HeaderTTFT}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

func request(i int) target.Request {
	return target.Request{
		ID:        fmt.Sprintf("req-%d", i),
		Prompt:    fmt.Sprintf("the quick brown fox %d jumps over the lazy dog", i),
		MaxTokens: 12 + i,
		KeepText:  true,
	}
}

// TestThroughProxyEqualsDirect: for every payload format, streaming and
// not, chat and completions, an answer read through the proxy by the
// OpenAI client equals what the SageMaker target reads directly from an
// identical simulator (same seed, same requests in the same order): the
// status, the token counts and their source, the finish reason, the
// visible text, and for streams the number of token-bearing chunks. The
// proxy's TTFT comes back to the client (the stream's proxy_metrics, or
// X-TTFT-MS) and is below the client's own.
func TestThroughProxyEqualsDirect(t *testing.T) {
	for _, format := range []string{sagemaker.FormatChat, sagemaker.FormatLMI, sagemaker.FormatTGI} {
		for _, stream := range []bool{true, false} {
			for _, api := range []string{openai.APIChat, openai.APICompletions} {
				t.Run(fmt.Sprintf("%s/stream=%v/%s", format, stream, api), func(t *testing.T) {
					direct := startSim(t, format, nil)
					behind := startSim(t, format, nil)
					dt, err := sagemaker.New(newAPI(direct.SageMakerEndpoint()), sagemaker.Config{Endpoint: endpoint, Format: format, Stream: stream})
					if err != nil {
						t.Fatal(err)
					}
					client := openaiClient(t, startProxy(t, behind, Config{Format: format}).URL, api, stream)
					for i := range 3 {
						req := request(i)
						if api == openai.APIChat {
							req.Messages = []target.Message{{Role: "user", Content: req.Prompt}}
						}
						want := dt.Do(context.Background(), req)
						got := client.Do(context.Background(), req)
						if want.Status != sample.StatusOK || got.Status != sample.StatusOK {
							t.Fatalf("request %d: direct %s %q, through the proxy %s %q", i, want.Status, want.Err, got.Status, got.Err)
						}
						type view struct {
							In, Out      int
							Source       string
							Finish, Text string
						}
						w := view{want.InputTokens, want.OutputTokens, want.TokenSource, want.FinishReason, want.Text}
						g := view{got.InputTokens, got.OutputTokens, got.TokenSource, got.FinishReason, got.Text}
						if w != g {
							t.Errorf("request %d:\n direct    %+v\n proxy     %+v", i, w, g)
						}
						if truth, ok := behind.Server.Truth(req.ID); !ok || truth.OutputTokens != got.OutputTokens {
							t.Errorf("request %d: %d tokens through the proxy, the simulator sent %d (truth %v)", i, got.OutputTokens, truth.OutputTokens, ok)
						}
						if stream && len(got.Tokens) != len(want.Tokens) {
							t.Errorf("request %d: %d token chunks through the proxy, %d direct", i, len(got.Tokens), len(want.Tokens))
						}
						if !got.HasServerTTFT {
							t.Fatalf("request %d: no proxy TTFT came back (headers %v)", i, got.Headers)
						}
						proxyTTFT := time.Duration(got.ServerTTFTMs * float64(time.Millisecond))
						if client := got.FirstToken.Sub(got.Start); proxyTTFT <= 0 || proxyTTFT > client {
							t.Errorf("request %d: proxy TTFT %v, client TTFT %v: want 0 < proxy <= client", i, proxyTTFT, client)
						}
					}
				})
			}
		}
	}
}
