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
