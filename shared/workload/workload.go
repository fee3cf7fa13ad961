// Package workload makes the requests of a run: synthetic prompts of a
// given length, different for every request (so a server's prefix cache
// cannot make later requests cheaper) and repeatable under the run's seed.
package workload

import (
	"math/rand/v2"
	"strings"
)

// words are common English words that Llama, GPT and Mistral tokenizers
// each encode as a single token when preceded by a space, so a prompt of N
// words is close to N input tokens (plus the chat template's few tokens).
// Each word appears once: a repeated one would be drawn more often than
// the others.
var words = strings.Fields(`the of and to in is was for on that with as by at from his it an
were are which this be or has had not but first one their its new after who they have her she
two been other when there all during into school time may years more most only over city some
world would where later up such used many can state about national out known university united
then made through under part three both war being film team well season while between
number called great water found people high group work place year early long public
music small name house began area best game every life line north south east west end family`)

// Generator makes prompts.
type Generator struct {
	seed   uint64
	tokens int
}

// New returns a Generator of prompts of about inputTokens tokens.
func New(seed int64, inputTokens int) *Generator {
	return &Generator{seed: uint64(seed), tokens: inputTokens}
}

// Prompt returns the prompt of request seq of worker w at a level: the same
// arguments always give the same prompt.
func (g *Generator) Prompt(level, worker int, seq int64) string {
	return g.PromptOf(level, worker, seq, g.tokens)
}

// PromptOf is Prompt of n words instead of the Generator's length (a
// length drawn per request): the same arguments always give the same
// prompt.
func (g *Generator) PromptOf(level, worker int, seq int64, n int) string {
	r := rand.New(rand.NewPCG(g.seed^uint64(level)<<40^uint64(worker)<<20, uint64(seq)))
	var b strings.Builder
	b.Grow(n * 7)
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(words[r.IntN(len(words))])
	}
	return b.String()
}

// Words returns the prompt words (a copy), each a single token after a
// space for common tokenizers: what an exact-length prompter draws from.
func Words() []string { return append([]string(nil), words...) }
