package simllm

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"testing/synctest"
)

// TestOutputLengthParams checks min_tokens and ignore_eos: the simulated
// model has no end-of-sequence token and always writes max_tokens, so both
// hold; min_tokens is validated as vLLM does, and unknown fields are still
// accepted.
func TestOutputLengthParams(t *testing.T) {
	tests := []struct {
		name   string
		extra  map[string]any
		status int
		tokens int // streamed tokens expected when status is 200
	}{
		{"min_tokens equal to max_tokens", map[string]any{"min_tokens": 6}, 200, 6},             // never stops before
		{"min_tokens below max_tokens", map[string]any{"min_tokens": 2}, 200, 6},                // still max_tokens
		{"ignore_eos", map[string]any{"ignore_eos": true}, 200, 6},                              // exactly max_tokens
		{"both", map[string]any{"min_tokens": 6, "ignore_eos": true}, 200, 6},                   // the benchmark shape
		{"min_tokens above max_tokens", map[string]any{"min_tokens": 7}, 400, 0},                // vLLM rejects it
		{"negative min_tokens", map[string]any{"min_tokens": -1}, 400, 0},                       // so does the simulator
		{"unknown fields", map[string]any{"stop": []string{"the"}, "top_k": 5, "x": 1}, 200, 6}, // accepted, ignored
	}
	for _, path := range []string{"/chat/completions", "/completions"} {
		for _, tt := range tests {
			t.Run(path+"/"+tt.name, func(t *testing.T) {
				synctest.Test(t, func(t *testing.T) {
					s := newVirtual(t, Options{Profile: mustProfile(t, "instant")})
					body := map[string]any{"max_tokens": 6, "stream": true}
					if path == "/completions" {
						body["prompt"] = "a b c"
					} else {
						body["messages"] = user("a b c")
					}
					for k, v := range tt.extra {
						body[k] = v
					}
					r := serve(context.Background(), t, s, path, nil, body, nil)
					if r.status != tt.status {
						t.Fatalf("status %d, want %d: %s", r.status, tt.status, r.body)
					}
					if tt.status != 200 {
						return
					}
					if texts, _ := r.tokens(t); len(texts) != tt.tokens || !r.done() {
						t.Errorf("%d tokens (done %v), want %d", len(texts), r.done(), tt.tokens)
					}
				})
			})
		}
	}
}

// TestReasoningTokens checks Profile.ReasoningShare: the first share of
// a chat answer's tokens is streamed as delta.reasoning_content, the rest
// as content, and usage counts them in completion_tokens_details; the
// completions endpoint has no reasoning.
func TestReasoningTokens(t *testing.T) {
	tests := []struct {
		name          string
		share         float64
		maxTokens     int
		wantReasoning int // reasoning tokens; -1: no completion_tokens_details
	}{
		{"quarter", 0.25, 8, 2},
		{"rounded down", 0.5, 5, 2},
		{"all reasoning", 1, 4, 4},
		{"tiny share rounds to none", 0.01, 4, 0}, // details present, 0
		{"no reasoning", 0, 4, -1},                // details absent
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				p := Profile{Kind: KindInstant, ReasoningShare: tt.share}
				s := newVirtual(t, Options{Profile: p, RecordTruth: true})
				r, u, _ := streamUsage(t, s, "s", user("think about it"), tt.maxTokens)
				var kinds []bool // per token event: reasoning?
				for _, e := range r.events {
					if e.data == "[DONE]" {
						continue
					}
					ch := parseChunk(t, e.data)
					if _, ok := ch.tokenText(); ok {
						kinds = append(kinds, ch.Choices[0].Delta.ReasoningContent != nil)
					}
				}
				want := max(tt.wantReasoning, 0)
				if len(kinds) != tt.maxTokens {
					t.Fatalf("%d token events, want %d", len(kinds), tt.maxTokens)
				}
				for i, reasoning := range kinds {
					if reasoning != (i < want) {
						t.Errorf("token %d reasoning %v, want %v", i, reasoning, i < want)
					}
				}
				checkReasoningUsage(t, "stream", u, tt.wantReasoning)
				if tr, _ := s.Truth("s"); tr.ReasoningTokens != want {
					t.Errorf("truth ReasoningTokens %d, want %d", tr.ReasoningTokens, want)
				}

				// The same answer whole: reasoning_content holds the first words.
				wr := serve(context.Background(), t, s, "/chat/completions", nil, chatBody("think about it", tt.maxTokens, false), nil)
				var resp struct {
					Choices []struct {
						Message struct {
							Content          string  `json:"content"`
							ReasoningContent *string `json:"reasoning_content"`
						} `json:"message"`
					} `json:"choices"`
					Usage usage `json:"usage"`
				}
				if err := json.Unmarshal(wr.body, &resp); err != nil {
					t.Fatalf("body %s: %v", wr.body, err)
				}
				m := resp.Choices[0].Message
				gotR := 0
				if m.ReasoningContent != nil {
					gotR = len(strings.Fields(*m.ReasoningContent))
				}
				if gotR != want || len(strings.Fields(m.Content)) != tt.maxTokens-want {
					t.Errorf("whole message %+v: %d reasoning words, want %d", m, gotR, want)
				}
				checkReasoningUsage(t, "whole", resp.Usage, tt.wantReasoning)

				// Completions: plain text, no details.
				cr := serve(context.Background(), t, s, "/completions", nil, map[string]any{"prompt": "x", "max_tokens": tt.maxTokens}, nil)
				if strings.Contains(string(cr.body), "completion_tokens_details") {
					t.Errorf("completions body %s has completion_tokens_details", cr.body)
				}
			})
		})
	}
}

func checkReasoningUsage(t *testing.T, what string, u usage, want int) {
	t.Helper()
	d := u.CompletionTokensDetails
	switch {
	case want < 0 && d != nil:
		t.Errorf("%s: completion_tokens_details %+v, want none", what, d)
	case want >= 0 && (d == nil || d.ReasoningTokens != want):
		t.Errorf("%s: completion_tokens_details %+v, want reasoning_tokens %d", what, d, want)
	}
}
