package openai

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/llmbench/llmbench/shared/sample"
	"github.com/llmbench/llmbench/shared/target"
)

// benchPrompt is a prompt of the default workload's length (256 words).
var benchPrompt = strings.TrimSpace(strings.Repeat("the ", 256))

// benchTemperature is what a spec without workload.temperature sends.
var benchTemperature = 0.0

// benchParams sets every generation parameter, as a spec with all of them
// does (the pointers shared by every request, as the worker shares them).
func benchParams(req target.Request) target.Request {
	topP, minTokens := 0.9, 16
	temp := 0.7
	req.Temperature, req.TopP, req.MinTokens, req.IgnoreEOS = &temp, &topP, &minTokens, true
	req.Stop = []string{"\n\n", "</s>"}
	req.ExtraBody = []byte(`{"seed":7,"top_k":20,"repetition_penalty":1.05}`)
	return req
}

// BenchmarkRequestBody measures encoding one request's JSON body, the
// per-request work the client does before sending: with no generation
// parameter (chat, completions), with a default spec's (temperature 0,
// what every request sent before the parameters existed), and with all.
func BenchmarkRequestBody(b *testing.B) {
	base := target.Request{Prompt: benchPrompt, InputTokens: 256, MaxTokens: 64}
	dflt := base
	dflt.Temperature = &benchTemperature
	for _, bc := range []struct {
		name string
		api  string
		req  target.Request
	}{
		{APIChat, APIChat, base},
		{APICompletions, APICompletions, base},
		{"chat-default-spec", APIChat, dflt},
		{"chat-all-params", APIChat, benchParams(base)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			c, err := New(Config{BaseURL: "http://127.0.0.1:1/v1", API: bc.api, Model: "m", Stream: true})
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.requestBody(bc.req); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkDo measures a whole request over loopback against a server that
// answers a short stream at once: allocations per request, client and
// server together (the server's share is the same before and after a
// client change).
func BenchmarkDo(b *testing.B) {
	benchDo(b, benchServer(b), target.Request{ID: "r", Prompt: benchPrompt, InputTokens: 256, MaxTokens: 64})
}

// BenchmarkDoAllParams is BenchmarkDo with every generation parameter set.
func BenchmarkDoAllParams(b *testing.B) {
	benchDo(b, benchServer(b), benchParams(target.Request{ID: "r", Prompt: benchPrompt, InputTokens: 256, MaxTokens: 64}))
}

// benchServer answers a short stream at once.
func benchServer(b *testing.B) string {
	const answer = "data: " + roleChunk + "\n\n" + "data: " + stopChunk + "\n\n" + "data: " + usageChunk + "\n\n" + "data: [DONE]\n\n"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "text/event-stream")
		io.WriteString(w, answer)
	}))
	b.Cleanup(srv.Close)
	return srv.URL
}

func benchDo(b *testing.B, url string, req target.Request) {
	c, err := New(Config{BaseURL: url + "/v1", Model: "m", Stream: true})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if res := c.Do(ctx, req); res.Status != sample.StatusOK {
			b.Fatalf("%s %s", res.Status, res.Err)
		}
	}
}
