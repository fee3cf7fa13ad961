package workload

import (
	"strings"
	"testing"
)

func TestPrompt(t *testing.T) {
	g := New(42, 256)
	a := g.Prompt(6, 0, 1)
	if n := len(strings.Fields(a)); n != 256 {
		t.Errorf("prompt has %d words, want 256", n)
	}
	if a != New(42, 256).Prompt(6, 0, 1) {
		t.Error("same seed and request gave different prompts")
	}
	for _, other := range []string{g.Prompt(6, 0, 2), g.Prompt(6, 1, 1), g.Prompt(12, 0, 1), New(43, 256).Prompt(6, 0, 1)} {
		if other == a {
			t.Error("two different requests got the same prompt (a prefix cache would flatter the server)")
		}
	}
}

// TestWords: the prompt words are distinct (a repeat would be drawn more
// often than the others) and each a plain lowercase word, the kind that
// tokenizers encode as one token after a space.
func TestWords(t *testing.T) {
	if len(words) < 100 {
		t.Errorf("only %d words: prompts would repeat themselves", len(words))
	}
	seen := make(map[string]int, len(words))
	for i, w := range words {
		if j, ok := seen[w]; ok {
			t.Errorf("words[%d] = %q repeats words[%d]", i, w, j)
		}
		seen[w] = i
		if len(w) > 10 || strings.Trim(w, "abcdefghijklmnopqrstuvwxyz") != "" {
			t.Errorf("words[%d] = %q: want a short lowercase word", i, w)
		}
	}
}

// TestPromptOf: a per-request length gives a prompt of that many words,
// the same for the same arguments; Prompt is PromptOf at the Generator's
// length.
func TestPromptOf(t *testing.T) {
	g := New(7, 32)
	for _, n := range []int{1, 17, 300} {
		p := g.PromptOf(2, 1, 5, n)
		if got := len(strings.Fields(p)); got != n {
			t.Errorf("PromptOf(…, %d) has %d words", n, got)
		}
		if p != g.PromptOf(2, 1, 5, n) {
			t.Errorf("PromptOf(…, %d) is not repeatable", n)
		}
	}
	if g.Prompt(2, 1, 5) != g.PromptOf(2, 1, 5, 32) {
		t.Error("Prompt differs from PromptOf at the Generator's length")
	}
}
