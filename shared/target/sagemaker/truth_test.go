package sagemaker

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/llmbench/llmbench/shared/sample"
	"github.com/llmbench/llmbench/shared/simllm"
	"github.com/llmbench/llmbench/shared/target"
	"github.com/llmbench/llmbench/shared/timingtest"
)

// truthCase is one way of answering: a payload format, streamed or not,
// with the simulator's lines split across parts or merged into one.
type truthCase struct {
	name   string
	format string
	stream bool
	parts  simllm.PartMode
	source string // TokenSource expected
	chunks int    // Chunks expected
}

// truthCases answer maxTokens tokens each.
func truthCases(maxTokens int) []truthCase {
	return []truthCase{
		{"chat stream", FormatChat, true, simllm.PartsPerLine, sample.TokensFromUsage, maxTokens + 2},      // role + tokens + usage lines
		{"chat stream split", FormatChat, true, simllm.PartsSplit, sample.TokensFromUsage, maxTokens + 2},  // every line across two parts
		{"chat stream merged", FormatChat, true, simllm.PartsMerge, sample.TokensFromUsage, maxTokens + 2}, // three lines a part
		{"lmi stream", FormatLMI, true, simllm.PartsPerLine, sample.TokensFromUsage, maxTokens},            // details.generated_tokens on the last line
		{"lmi stream split", FormatLMI, true, simllm.PartsSplit, sample.TokensFromUsage, maxTokens},        //
		{"lmi stream merged", FormatLMI, true, simllm.PartsMerge, sample.TokensFromUsage, maxTokens},       //
		{"tgi stream", FormatTGI, true, simllm.PartsPerLine, sample.TokensFromUsage, maxTokens},            // data: events
		{"tgi stream split", FormatTGI, true, simllm.PartsSplit, sample.TokensFromUsage, maxTokens},        //
		{"tgi stream merged", FormatTGI, true, simllm.PartsMerge, sample.TokensFromUsage, maxTokens},       //
		{"chat whole", FormatChat, false, simllm.PartsPerLine, sample.TokensFromUsage, 1},                  // chat.completion with usage
		{"lmi whole", FormatLMI, false, simllm.PartsPerLine, sample.TokensFromChunks, 1},                   // {"generated_text"}: words counted
		{"tgi whole", FormatTGI, false, simllm.PartsPerLine, sample.TokensFromUsage, 1},                    // [{"generated_text","details"}]
	}
}

// truthRunner sends rounds of concurrent requests of one case to a
// fixed-profile simulator through the real SDK client.
type truthRunner struct {
	c  truthCase
	rs *simllm.Running
	tg *Target
}

func newTruthRunner(t *testing.T, c truthCase, ttft, itl time.Duration) *truthRunner {
	t.Helper()
	rs := startSim(t, simllm.Options{Profile: fixedProfile(ttft, itl), SageMaker: simllm.SageMakerOptions{Parts: c.parts}})
	tg := newTarget(t, newAPI(rs.SageMakerEndpoint()), Config{Endpoint: "llama", Format: c.format, Stream: c.stream, Model: "m"})
	return &truthRunner{c: c, rs: rs, tg: tg}
}

// round sends n requests at once, IDs prefix-0 … prefix-(n-1), and waits
// for them all.
func (r *truthRunner) round(prefix string, n, maxTokens int) []*sample.Result {
	results := make([]*sample.Result, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			results[i] = r.tg.Do(context.Background(), target.Request{ID: fmt.Sprintf("%s-%d", prefix, i), Prompt: "one two three four five", InputTokens: 5, MaxTokens: maxTokens})
		})
	}
	wg.Wait()
	return results
}

// score sends a round of n requests and scores each against its truth
// (timingtest.Score: the same definitions as the OpenAI client's accuracy
// checks). Wrong counts, a missing truth and a start stamp after the
// server's receive fail t at once: they do not depend on the machine.
func (r *truthRunner) score(t *testing.T, n, maxTokens int) timingtest.Set {
	t.Helper()
	var set timingtest.Set
	c := r.c
	for i, res := range r.round(c.name, n, maxTokens) {
		id := fmt.Sprintf("%s-%d", c.name, i)
		tr, ok := r.rs.Server.TakeTruth(id)
		if !ok {
			t.Fatalf("%s: no truth (InferenceId not sent?)", id)
		}
		if res.Status != sample.StatusOK || res.HTTPStatus != http.StatusOK {
			t.Fatalf("%s: status %q %d: %s", id, res.Status, res.HTTPStatus, res.Err)
		}
		if res.OutputTokens != maxTokens || tr.OutputTokens != maxTokens || res.InputTokens != 5 || res.TokenSource != c.source || res.Chunks != c.chunks {
			t.Errorf("%s: out %d (truth %d) in %d source %s chunks %d; want %d, 5, %s, %d",
				id, res.OutputTokens, tr.OutputTokens, res.InputTokens, res.TokenSource, res.Chunks, maxTokens, c.source, c.chunks)
		}
		if !tr.Completed || res.FirstByte.IsZero() || !res.FirstContent.Equal(res.FirstToken) {
			t.Fatalf("%s: completed %v, FirstByte %v, FirstContent %v, FirstToken %v", id, tr.Completed, res.FirstByte, res.FirstContent, res.FirstToken)
		}
		f, err := timingtest.Score(res.Start, res.Tokens, tr.Received, tr.Chunks) // one process, one monotonic clock
		if err != nil {
			t.Fatalf("%s: %v", id, err)
		}
		set.Add(f)
	}
	return set
}

// TestMatchesTruth: for every format, streamed or not, and with lines
// split across parts or merged into one, the client counts the tokens and
// chunks the simulator sent, stamps one time per chunk it wrote, and stamps
// its start before the simulator received the request. None of it depends
// on the machine's load; how close the stamps are is make accuracy's
// TestAccuracySageMakerTiming.
func TestMatchesTruth(t *testing.T) {
	const maxTokens = 8
	for _, c := range truthCases(maxTokens) {
		r := newTruthRunner(t, c, 2*time.Millisecond, time.Millisecond)
		r.round("warmup", 2, 1)
		r.score(t, 4, maxTokens)
	}
}
