package simllm

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

// distinct returns n words, each prefixed so the text differs word by
// word from any other prefix's.
func distinct(prefix string, n int) string {
	ws := make([]string, n)
	for i := range ws {
		ws[i] = prefix + strings.Repeat("x", i%7)
	}
	return strings.Join(ws, " ")
}

// streamUsage sends a streaming chat request with one message and returns
// the response, its final usage and its TTFT (request sent to the first
// token-bearing event).
func streamUsage(t *testing.T, s *Server, id string, msgs []map[string]any, maxTokens int) (*result, usage, time.Duration) {
	t.Helper()
	body := map[string]any{"messages": msgs, "max_tokens": maxTokens, "stream": true, "stream_options": map[string]bool{"include_usage": true}}
	r := serve(context.Background(), t, s, "/chat/completions", map[string]string{RequestIDHeader: id}, body, nil)
	if !r.done() || len(r.events) < 2 {
		t.Fatalf("%s: stream did not end with [DONE]: %v", id, r.events)
	}
	u := parseChunk(t, r.events[len(r.events)-2].data).Usage
	if u == nil {
		t.Fatalf("%s: no usage chunk: %v", id, r.events)
	}
	_, at := r.tokens(t)
	if len(at) == 0 {
		t.Fatalf("%s: no tokens", id)
	}
	return r, *u, at[0].Sub(r.sent)
}

func user(text string) []map[string]any { return []map[string]any{{"role": "user", "content": text}} }

// TestPrefixCacheTTFT sends two requests one after the other and checks
// that the second reports the whole blocks it shares with the first as
// cached_tokens, in its usage and in the truth, and that its TTFT is
// shorter by exactly PrefillPerToken per cached token, in the fixed and
// in the batching model (virtual time).
func TestPrefixCacheTTFT(t *testing.T) {
	const perToken = time.Millisecond
	shared := distinct("s", 100)
	tests := []struct {
		name          string
		first, second []map[string]any
		wantCached    int // cached_tokens of the second request
	}{
		// 100 shared words are 6 whole blocks; the 7th block differs.
		{"shared prefix", user(shared + " " + distinct("a", 20)), user(shared + " " + distinct("b", 20)), 96},
		// The first word differs, so no block matches.
		{"unique prompts", user(distinct("a", 120)), user(distinct("b", 120)), 0},
		// The same 128 words: 8 blocks cached, but the last is recomputed,
		// as vLLM always computes at least one token.
		{"identical prompt", user(distinct("s", 128)), user(distinct("s", 128)), 112},
		// The same words under another role are another prompt.
		{"other role", user(shared), []map[string]any{{"role": "system", "content": shared}}, 0},
		// A system prompt shared by two conversations: 40 words (2 blocks)
		// plus the user message's first 8 shared words make 3 blocks.
		{"shared system prompt", []map[string]any{{"role": "system", "content": distinct("p", 40)}, {"role": "user", "content": distinct("q", 30)}},
			[]map[string]any{{"role": "system", "content": distinct("p", 40)}, {"role": "user", "content": distinct("q", 8) + " " + distinct("r", 30)}}, 48},
		// Shorter than a block: nothing to cache.
		{"short prompt", user("one two three"), user("one two three"), 0},
	}
	profiles := []Profile{
		{Name: "fixed-prefill", Kind: KindFixed, TTFT: 50 * time.Millisecond, ITL: 10 * time.Millisecond, PrefillPerToken: perToken, PrefixCacheTokens: 10_000},
		{Name: "batching-prefill", Kind: KindBatching, StepBase: 10 * time.Millisecond, StepPerSeq: time.Millisecond, PrefillPerToken: perToken, MaxBatch: 4, PrefixCacheTokens: 10_000},
	}
	for _, p := range profiles {
		for _, tt := range tests {
			t.Run(p.Name+"/"+tt.name, func(t *testing.T) {
				synctest.Test(t, func(t *testing.T) {
					s := newVirtual(t, Options{Profile: p, RecordTruth: true})
					_, u1, ttft1 := streamUsage(t, s, "1", tt.first, 4)
					_, u2, ttft2 := streamUsage(t, s, "2", tt.second, 4)
					if d := u1.PromptTokensDetails; d == nil || d.CachedTokens != 0 {
						t.Errorf("first request prompt_tokens_details %+v, want cached_tokens 0", d)
					}
					if d := u2.PromptTokensDetails; d == nil || d.CachedTokens != tt.wantCached {
						t.Errorf("second request prompt_tokens_details %+v, want cached_tokens %d", d, tt.wantCached)
					}
					if tr, _ := s.Truth("2"); tr.CachedTokens != tt.wantCached {
						t.Errorf("truth CachedTokens %d, want %d", tr.CachedTokens, tt.wantCached)
					}
					// Both are alone on the server, so the prefill is all
					// that differs between their TTFTs.
					wantTTFT := func(input, cached int) time.Duration {
						base := p.TTFT
						if p.Kind == KindBatching {
							base = p.StepBase + p.StepPerSeq
						}
						return base + perToken*time.Duration(input-cached)
					}
					if want := wantTTFT(u1.PromptTokens, 0); ttft1 != want {
						t.Errorf("first TTFT %v, want %v", ttft1, want)
					}
					if want := wantTTFT(u2.PromptTokens, tt.wantCached); ttft2 != want {
						t.Errorf("second TTFT %v, want %v", ttft2, want)
					}
				})
			})
		}
	}
}

// TestPrefixCacheEviction checks the LRU bound: the cache holds at most
// its size in tokens, evicts the least recently used prompts first, and
// from their tails, so a surviving prefix still matches.
func TestPrefixCacheEviction(t *testing.T) {
	a, b, c := distinct("a", 49), distinct("b", 49), distinct("c", 49) // 3 blocks each
	tests := []struct {
		name   string
		tokens int      // cache size
		seq    []string // prompts admitted in order
		want   int      // cached tokens of the last one
	}{
		// Room for both: a is still whole.
		{"fits", 96, []string{a, b, a}, 48},
		// Room for 4 blocks: b's 3 evict a's last 2; a's first survives.
		{"tail evicted", 64, []string{a, b, a}, 16},
		// Room for 3 blocks: b evicts all of a.
		{"all evicted", 48, []string{a, b, a}, 0},
		// Using a again makes b the oldest: c evicts b, not a.
		{"recently used kept", 96, []string{a, b, a, c, a}, 48},
		{"oldest evicted", 96, []string{a, b, a, c, b}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pc := newPrefixCache(tt.tokens)
			got := 0
			for _, p := range tt.seq {
				got = pc.admit(textBlocks(p), countWords(p))
			}
			if got != tt.want {
				t.Errorf("cached %d, want %d", got, tt.want)
			}
			if n := pc.lru.Len() * cacheBlock; n > tt.tokens {
				t.Errorf("cache holds %d tokens, more than its %d", n, tt.tokens)
			}
		})
	}
}

// TestPrefixCacheDisabled checks that a profile without a cache reports
// no prompt_tokens_details, streamed or not, on both OpenAI endpoints and
// the SageMaker chat format, and caches nothing.
func TestPrefixCacheDisabled(t *testing.T) {
	prompt := distinct("s", 64)
	tests := []struct {
		name string
		path string
		body map[string]any
	}{
		{"chat stream", "/chat/completions", chatBody(prompt, 3, true)},
		{"chat whole", "/chat/completions", chatBody(prompt, 3, false)},
		{"completions stream", "/completions", map[string]any{"prompt": prompt, "max_tokens": 3, "stream": true, "stream_options": map[string]bool{"include_usage": true}}},
		{"completions whole", "/completions", map[string]any{"prompt": prompt, "max_tokens": 3}},
	}
	for _, cacheTokens := range []int{0, DefaultPrefixCacheTokens} {
		for _, tt := range tests {
			enabled := cacheTokens > 0
			t.Run(tt.name+map[bool]string{true: " enabled", false: " disabled"}[enabled], func(t *testing.T) {
				synctest.Test(t, func(t *testing.T) {
					s := newVirtual(t, Options{Profile: Profile{Kind: KindInstant, PrefixCacheTokens: cacheTokens}, RecordTruth: true})
					var raw string
					for _, id := range []string{"1", "2"} { // the second would hit the cache
						r := serve(context.Background(), t, s, tt.path, map[string]string{RequestIDHeader: id}, tt.body, nil)
						raw = string(r.body)
						if len(r.events) >= 2 {
							raw = r.events[len(r.events)-2].data
						}
					}
					if got := strings.Contains(raw, `"prompt_tokens_details":{"cached_tokens":48}`); got != enabled {
						t.Errorf("second answer %s: cached_tokens 48 present %v, want %v", raw, got, enabled)
					}
					if !enabled && strings.Contains(raw, "prompt_tokens_details") {
						t.Errorf("second answer %s has prompt_tokens_details", raw)
					}
					want := map[bool]int{true: 48, false: 0}[enabled]
					if tr, _ := s.Truth("2"); tr.CachedTokens != want {
						t.Errorf("truth CachedTokens %d, want %d", tr.CachedTokens, want)
					}
				})
			})
		}
	}
}

// TestSageMakerChatCachedTokens checks that the SageMaker chat format,
// which shares the OpenAI encoder, reports cached_tokens too.
func TestSageMakerChatCachedTokens(t *testing.T) {
	rs := start(t, Options{Profile: mustProfile(t, "instant")})
	body := chatBody(distinct("s", 40), 2, false)
	var resp struct {
		Usage usage `json:"usage"`
	}
	for range 2 {
		r := smCall(t, rs, http.MethodPost, "/endpoints/ep/invocations", nil, body)
		if err := json.Unmarshal(r.body, &resp); err != nil {
			t.Fatalf("body %s: %v", r.body, err)
		}
	}
	if d := resp.Usage.PromptTokensDetails; d == nil || d.CachedTokens != 32 {
		t.Errorf("second answer prompt_tokens_details %+v, want cached_tokens 32", d)
	}
}
