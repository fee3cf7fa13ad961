package target

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/llmbench/llmbench/shared/sample"
)

// TestAnswerUsageDetails: a whole answer's usage reads the cached and
// reasoning counts by ParseChunk's rule: there only when the server sent an
// integer; anything else there is absent, never a decoding error.
func TestAnswerUsageDetails(t *testing.T) {
	tests := []struct {
		name  string
		usage string // the value of "usage"
		want  Usage
	}{
		// OpenAI's usage with both details, and keys we do not read
		{"openai", `{"prompt_tokens":120,"completion_tokens":50,"total_tokens":170,"prompt_tokens_details":{"cached_tokens":96,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":40,"accepted_prediction_tokens":0}}`,
			Usage{PromptTokens: 120, CompletionTokens: 50, CachedTokens: 96, HasCached: true, ReasoningTokens: 40, HasReasoning: true}},
		// a sent 0 is there, not absent
		{"zero", `{"prompt_tokens":10,"completion_tokens":2,"prompt_tokens_details":{"cached_tokens":0}}`,
			Usage{PromptTokens: 10, CompletionTokens: 2, HasCached: true}},
		// no details
		{"lacks", `{"prompt_tokens":1,"completion_tokens":2}`, Usage{PromptTokens: 1, CompletionTokens: 2}},
		// null details, as vLLM sends without prefix caching
		{"null details", `{"prompt_tokens":1,"completion_tokens":2,"prompt_tokens_details":null,"completion_tokens_details":null}`,
			Usage{PromptTokens: 1, CompletionTokens: 2}},
		// null counts
		{"null counts", `{"completion_tokens":2,"prompt_tokens_details":{"cached_tokens":null},"completion_tokens_details":{"reasoning_tokens":null}}`,
			Usage{CompletionTokens: 2}},
		// the details before the counts
		{"details first", `{"prompt_tokens_details":{"cached_tokens":3},"completion_tokens_details":{"reasoning_tokens":2},"prompt_tokens":5,"completion_tokens":9}`,
			Usage{PromptTokens: 5, CompletionTokens: 9, CachedTokens: 3, HasCached: true, ReasoningTokens: 2, HasReasoning: true}},
		// unknown keys around the count, one an object holding the same key
		{"unknown keys", `{"completion_tokens":2,"prompt_tokens_details":{"a":[1,{"b":null}],"x":{"cached_tokens":9},"cached_tokens":8,"z":"s"}}`,
			Usage{CompletionTokens: 2, CachedTokens: 8, HasCached: true}},
		// a string count is absent, not an error
		{"string counts", `{"completion_tokens":2,"prompt_tokens_details":{"cached_tokens":"4"},"completion_tokens_details":{"reasoning_tokens":"5"}}`,
			Usage{CompletionTokens: 2}},
		// a fraction, an exponent, an overflow, a boolean: absent
		{"not integers", `{"completion_tokens":2,"prompt_tokens_details":{"cached_tokens":1.5},"completion_tokens_details":{"reasoning_tokens":1e1}}`,
			Usage{CompletionTokens: 2}},
		{"overflow", `{"completion_tokens":2,"prompt_tokens_details":{"cached_tokens":9223372036854775808},"completion_tokens_details":{"reasoning_tokens":true}}`,
			Usage{CompletionTokens: 2}},
		// details of the wrong type are absent, not an error
		{"details not objects", `{"completion_tokens":2,"prompt_tokens_details":[{"cached_tokens":1}],"completion_tokens_details":"x"}`,
			Usage{CompletionTokens: 2}},
		// a repeated key counts in its last occurrence
		{"repeated count", `{"completion_tokens":2,"prompt_tokens_details":{"cached_tokens":1,"cached_tokens":"y"},"completion_tokens_details":{"reasoning_tokens":"y","reasoning_tokens":6}}`,
			Usage{CompletionTokens: 2, ReasoningTokens: 6, HasReasoning: true}},
		{"repeated details", `{"completion_tokens":2,"prompt_tokens_details":{"cached_tokens":1},"prompt_tokens_details":{}}`,
			Usage{CompletionTokens: 2}},
		// an escaped key is its unescaped self
		{"escaped key", `{"completion_tokens":2,"prompt_tokens_details":{"\u0063ached_tokens":8}}`,
			Usage{CompletionTokens: 2, CachedTokens: 8, HasCached: true}},
		// negative counts are read as sent, as prompt_tokens is
		{"negative", `{"completion_tokens":2,"prompt_tokens_details":{"cached_tokens":-1}}`,
			Usage{CompletionTokens: 2, CachedTokens: -1, HasCached: true}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			body := `{"choices":[{"message":{"content":"hi"}}],"usage":` + tc.usage + `}`
			var a Answer
			if err := json.Unmarshal([]byte(body), &a); err != nil {
				t.Fatal(err)
			}
			if a.Usage == nil || *a.Usage != tc.want {
				t.Fatalf("got %+v, want %+v", a.Usage, tc.want)
			}
			// The streamed rule agrees on the same usage object.
			c, err := ParseChunk([]byte(`{"choices":[],"usage":` + tc.usage + `}`))
			if err != nil || !c.HasUsage || c.Usage != tc.want {
				t.Errorf("ParseChunk: %+v %v, want %+v", c.Usage, err, tc.want)
			}
		})
	}
}

// TestAnswerUsageUnchanged: what the answer's usage did before the details
// it still does.
func TestAnswerUsageUnchanged(t *testing.T) {
	// usage null: no usage
	var a Answer
	if err := json.Unmarshal([]byte(`{"choices":[],"usage":null}`), &a); err != nil || a.Usage != nil {
		t.Errorf("usage null: %+v %v", a.Usage, err)
	}
	// a repeated usage key merges into the first, as encoding/json does for any struct
	a = Answer{}
	err := json.Unmarshal([]byte(`{"usage":{"prompt_tokens":1,"completion_tokens":2,"prompt_tokens_details":{"cached_tokens":3}},"usage":{"completion_tokens":4}}`), &a)
	if want := (Usage{PromptTokens: 1, CompletionTokens: 4, CachedTokens: 3, HasCached: true}); err != nil || a.Usage == nil || *a.Usage != want {
		t.Errorf("repeated usage: %+v %v, want %+v", a.Usage, err, want)
	}
	// a count of the wrong type is still a decoding error
	for _, u := range []string{`{"prompt_tokens":"3","completion_tokens":2}`, `{"completion_tokens":1.5}`, `"x"`} {
		a = Answer{}
		if err := json.Unmarshal([]byte(`{"usage":`+u+`}`), &a); err == nil {
			t.Errorf("usage %s: no error", u)
		}
	}
}

// TestSetUsageDetails: the details reach the Result only when sent, and a
// later Usage without them does not take them away.
func TestSetUsageDetails(t *testing.T) {
	res := &sample.Result{InputTokens: 100}
	SetUsage(res, Usage{PromptTokens: 120, CompletionTokens: 50})
	if res.HasCached || res.HasReasoning || res.CachedTokens != 0 || res.ReasoningTokens != 0 {
		t.Errorf("without details: %+v", res)
	}
	SetUsage(res, Usage{PromptTokens: 120, CompletionTokens: 50, CachedTokens: 96, HasCached: true, ReasoningTokens: 0, HasReasoning: true})
	if !res.HasCached || res.CachedTokens != 96 || !res.HasReasoning || res.ReasoningTokens != 0 {
		t.Errorf("with details: %+v", res)
	}
	if res.InputTokens != 120 || res.OutputTokens != 50 || res.TokenSource != sample.TokensFromUsage {
		t.Errorf("counts: %+v", res)
	}
	// As the SageMaker client sums answers: the details first, then the sums.
	SetUsage(res, Usage{CompletionTokens: 60})
	if !res.HasCached || res.CachedTokens != 96 || !res.HasReasoning || res.OutputTokens != 60 {
		t.Errorf("after sums: %+v", res)
	}
}

// TestUsageString: %+v shows a detail only when it was sent.
func TestUsageString(t *testing.T) {
	for _, tc := range []struct {
		u    Usage
		want string
	}{
		{Usage{PromptTokens: 11, CompletionTokens: 2}, "{PromptTokens:11 CompletionTokens:2}"},
		{Usage{PromptTokens: 11, CompletionTokens: 2, HasCached: true}, "{PromptTokens:11 CompletionTokens:2 CachedTokens:0}"},
		{Usage{CompletionTokens: 2, CachedTokens: 8, HasCached: true, ReasoningTokens: 1, HasReasoning: true}, "{PromptTokens:0 CompletionTokens:2 CachedTokens:8 ReasoningTokens:1}"},
	} {
		if got := fmt.Sprintf("%+v", tc.u); got != tc.want {
			t.Errorf("got %s, want %s", got, tc.want)
		}
	}
}
