package simllm

import (
	"hash/fnv"
	"strings"
)

// vocabulary is the simulated model's output vocabulary: plain lowercase
// ASCII words, so a token needs no JSON escaping and is exactly one
// whitespace-separated word (the same unit prompt_tokens counts).
var vocabulary = strings.Fields(`
the of and to in is was for on that with as by at from his it an were are
which this be has or had first one their its new after but who not they have
her she two been other when there all during into school time may years more
most only over city some world would where later up such used many can state
about national out known university united then made these team however also
world year while group high between both three part system company members
before since under film series well include music work each american station
album around must number second called early against area where best name
river small public day large home long found line several life house water
little through point place right great still field power light open game back
way side start end order across river stone green table window paper story
model token stream value engine signal market garden letter silver bright quiet
`)

// splitmix64 is a fast, well-mixed hash step; token choice needs no more.
func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// tokenGen yields the output tokens of one request: a function of the
// server seed, the prompt and the position only, so the same seed and
// prompt always give the same text, whatever the arrival order.
type tokenGen struct{ key uint64 }

func newTokenGen(seed int64, prompt []string) tokenGen {
	h := fnv.New64a()
	for _, p := range prompt {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return tokenGen{key: splitmix64(uint64(seed)) ^ h.Sum64()}
}

// word returns token i without its leading space.
func (g tokenGen) word(i int) string {
	return vocabulary[splitmix64(g.key+uint64(i)*0x2545f4914f6cdd1d)%uint64(len(vocabulary))]
}

// text returns token i as sent: " word".
func (g tokenGen) text(i int) string { return " " + g.word(i) }

// countWords is the tokenizer stand-in: whitespace-separated words.
func countWords(s string) int { return len(strings.Fields(s)) }

// hashString is FNV-1a of one token's text, inlined so hashing a long
// prompt allocates nothing.
func hashString(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}
