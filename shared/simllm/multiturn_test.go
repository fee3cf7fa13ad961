package simllm

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

// turn is what a client saw of one turn of a conversation.
type turn struct {
	id      string
	prompt  int    // usage.prompt_tokens
	cached  int    // usage.prompt_tokens_details.cached_tokens
	content string // the visible answer as received: deltas joined, or the whole text
	ttft    time.Duration
}

// sender sends one request (a chat or completions body) and reads it as a
// client does.
type sender func(t *testing.T, path, id string, body map[string]any) turn

// readTurn reads a response: the content deltas (never reasoning) joined,
// or the whole answer's content, and the usage.
func readTurn(t *testing.T, id string, r *result) turn {
	t.Helper()
	tu := turn{id: id}
	var u *usage
	if r.events != nil {
		for _, e := range r.events {
			if e.data == "[DONE]" {
				continue
			}
			c := parseChunk(t, e.data)
			if c.Usage != nil {
				u = c.Usage
			}
			if len(c.Choices) == 0 {
				continue
			}
			ch := c.Choices[0]
			if _, ok := c.tokenText(); ok && tu.ttft == 0 {
				tu.ttft = e.at.Sub(r.sent)
			}
			if ch.Delta.Content != nil {
				tu.content += *ch.Delta.Content
			}
			if ch.Text != nil {
				tu.content += *ch.Text
			}
		}
	} else {
		var whole struct {
			Choices []struct {
				Text    string `json:"text"`
				Message struct {
					Content string `json:"content"`
				} `json:"message"`
			} `json:"choices"`
			Usage *usage `json:"usage"`
		}
		if err := json.Unmarshal(r.body, &whole); err != nil || len(whole.Choices) != 1 {
			t.Fatalf("%s: body %s: %v", id, r.body, err)
		}
		tu.content = whole.Choices[0].Text + whole.Choices[0].Message.Content
		u = whole.Usage
	}
	if u == nil || u.PromptTokensDetails == nil {
		t.Fatalf("%s: no usage with cached_tokens: %+v", id, r)
	}
	tu.prompt, tu.cached = u.PromptTokens, u.PromptTokensDetails.CachedTokens
	return tu
}

// httpSender sends over a real connection.
func httpSender(rs *Running) sender {
	c := newClient()
	return func(t *testing.T, path, id string, body map[string]any) turn {
		t.Helper()
		r := call(context.Background(), t, c, rs.URL+path, map[string]string{RequestIDHeader: id}, body)
		if r.status != 200 {
			t.Fatalf("%s: status %d: %s", id, r.status, r.body)
		}
		return readTurn(t, id, r)
	}
}

// virtualSender serves in a synctest bubble, where TTFTs are exact.
func virtualSender(s *Server) sender {
	return func(t *testing.T, path, id string, body map[string]any) turn {
		t.Helper()
		return readTurn(t, id, serve(context.Background(), t, s, path, map[string]string{RequestIDHeader: id}, body, nil))
	}
}

// conversation is a three-turn conversation: the user's messages and how
// turns are sent.
type conversation struct {
	chat      bool
	stream    bool
	maxTokens int
	users     []string // the user's message of each turn
}

// body is turn k's request: the whole history with the actual answers
// (chat), or the previous prompt, its answer and the new text
// (completions).
func (c conversation) body(k int, answers []string) (string, map[string]any) {
	b := map[string]any{"max_tokens": c.maxTokens, "stream": c.stream}
	if c.stream {
		b["stream_options"] = map[string]bool{"include_usage": true}
	}
	if c.chat {
		var msgs []map[string]any
		for i := range k + 1 {
			msgs = append(msgs, map[string]any{"role": "user", "content": c.users[i]})
			if i < k {
				msgs = append(msgs, map[string]any{"role": "assistant", "content": answers[i]})
			}
		}
		b["messages"] = msgs
		return "/chat/completions", b
	}
	prompt := ""
	for i := range k + 1 {
		prompt += c.users[i]
		if i < k {
			prompt += answers[i] + " " // the answer starts with a space; the next text follows a space
		}
	}
	b["prompt"] = prompt
	return "/completions", b
}

// run sends the turns in order and returns what the client saw.
func (c conversation) run(t *testing.T, send sender) []turn {
	t.Helper()
	var turns []turn
	var answers []string
	for k := range c.users {
		path, body := c.body(k, answers)
		tu := send(t, path, fmt.Sprintf("turn%d", k+1), body)
		turns = append(turns, tu)
		answers = append(answers, tu.content)
	}
	return turns
}

// wholeBlocks is n rounded down to whole cache blocks, written out rather
// than calling the cache's code.
func wholeBlocks(n int) int { return n / 16 * 16 }

// TestMultiTurnPrefixCache sends three-turn conversations over HTTP, each
// turn resending the history with the answers as received, and checks that
// turns 2 and 3 report as cached_tokens the whole blocks of the previous
// turn's prompt and answer (less the last block of the prompt, which
// always pays), computed from word counts: the simulator caches what it
// generated, as vLLM does. With reasoning the answer's KV begins with the
// reasoning, which the client does not send back, so only the prompt's
// blocks match.
func TestMultiTurnPrefixCache(t *testing.T) {
	users := []string{distinct("a", 20), distinct("b", 10), distinct("c", 10)}
	tests := []struct {
		name      string
		conv      conversation
		reasoning float64
		// answerMatches: the previous answer's blocks are matched (no
		// reasoning in front of it).
		answerMatches bool
	}{
		// 20+30 words cached after turn 1: 48 at turn 2; 60+30: 80 at turn 3.
		{"chat stream", conversation{chat: true, stream: true, maxTokens: 30, users: users}, 0, true},
		{"chat whole", conversation{chat: true, maxTokens: 30, users: users}, 0, true},
		// A completions prompt continued by its answer and more text.
		{"completions stream", conversation{stream: true, maxTokens: 30, users: users}, 0, true},
		{"completions whole", conversation{maxTokens: 30, users: users}, 0, true},
		// Half of each answer is reasoning: turn 2 hits 16 (turn 1's
		// prompt, 20 words), turn 3 hits 32 (turn 2's prompt, 20+15+10).
		{"chat reasoning", conversation{chat: true, stream: true, maxTokens: 30, users: users}, 0.5, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := mustProfile(t, "instant")
			p.ReasoningShare = tt.reasoning
			rs := start(t, Options{Profile: p, RecordTruth: true, Seed: 7})
			turns := tt.conv.run(t, httpSender(rs))
			for k := 1; k < len(turns); k++ {
				prev, cur := turns[k-1], turns[k]
				history := prev.prompt // what the previous turn's KV holds, as the client resends it
				if tt.answerMatches {
					history += len(strings.Fields(prev.content))
				}
				want := min(wholeBlocks(history), wholeBlocks(cur.prompt-1))
				if cur.cached != want {
					t.Errorf("%s: cached_tokens %d, want %d (previous prompt %d, answer %q)", cur.id, cur.cached, want, prev.prompt, prev.content)
				}
				if tr, _ := rs.Server.Truth(cur.id); tr.CachedTokens != cur.cached {
					t.Errorf("%s: truth CachedTokens %d, usage %d", cur.id, tr.CachedTokens, cur.cached)
				}
			}
			if turns[0].cached != 0 {
				t.Errorf("turn 1 cached_tokens %d, want 0", turns[0].cached)
			}
			// The truth says what the cache took in: the first turn's prompt
			// and its whole answer (reasoning included).
			tr, _ := rs.Server.Truth("turn1")
			if want := wholeBlocks(turns[0].prompt + tt.conv.maxTokens); tr.StoredTokens != want {
				t.Errorf("turn1: truth StoredTokens %d, want %d", tr.StoredTokens, want)
			}
		})
	}
}

// TestMultiTurnTTFT runs a conversation in virtual time and checks that
// the third turn's TTFT is the profile's prefill of its uncached tokens
// only, and lower than the same prompt's TTFT on a fresh server without a
// cache, in the fixed and in the batching model.
func TestMultiTurnTTFT(t *testing.T) {
	const perToken = time.Millisecond
	profiles := []Profile{
		{Name: "fixed-prefill", Kind: KindFixed, TTFT: 50 * time.Millisecond, ITL: 10 * time.Millisecond, PrefillPerToken: perToken, PrefixCacheTokens: 10_000},
		{Name: "batching-prefill", Kind: KindBatching, StepBase: 10 * time.Millisecond, StepPerSeq: time.Millisecond, PrefillPerToken: perToken, MaxBatch: 4, PrefixCacheTokens: 10_000},
	}
	conv := conversation{chat: true, stream: true, maxTokens: 30,
		users: []string{distinct("a", 20), distinct("b", 10), distinct("c", 10)}}
	for _, p := range profiles {
		t.Run(p.Name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				// base is the TTFT of a request alone with nothing to prefill.
				base := p.TTFT
				if p.Kind == KindBatching {
					base = p.StepBase + p.StepPerSeq
				}
				turns := conv.run(t, virtualSender(newVirtual(t, Options{Profile: p})))
				third := turns[2]
				if want := base + perToken*time.Duration(third.prompt-third.cached); third.ttft != want {
					t.Errorf("turn 3 TTFT %v, want %v (%d of %d prompt tokens cached)", third.ttft, want, third.cached, third.prompt)
				}
				cold := p
				cold.PrefixCacheTokens = 0
				path, body := conv.body(2, []string{turns[0].content, turns[1].content})
				r := serve(context.Background(), t, newVirtual(t, Options{Profile: cold}), path, nil, body, nil)
				_, at := r.tokens(t)
				if len(at) == 0 {
					t.Fatal("cold: no tokens")
				}
				coldTTFT := at[0].Sub(r.sent)
				if want := base + perToken*time.Duration(third.prompt); coldTTFT != want {
					t.Errorf("cold TTFT %v, want %v", coldTTFT, want)
				}
				if third.cached == 0 || third.ttft >= coldTTFT {
					t.Errorf("turn 3 TTFT %v (cached %d) not below the cold %v", third.ttft, third.cached, coldTTFT)
				}
			})
		})
	}
}
