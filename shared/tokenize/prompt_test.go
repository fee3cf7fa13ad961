package tokenize

import (
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

// promptWords are plain words like the workload's, some of them several
// tokens under the tiny fixtures.
var promptWords = strings.Fields(`the of and to in is was for on that with as by at from his it an
were are which this be or has had not but first one their its new after who they have her she
harbour lighthouse weather conductor bakery shipwrecks horizon station visitors fishing`)

// TestPromptExact: prompts have exactly n tokens, for every n up to 300
// and some long ones, under each fixture and several seeds.
func TestPromptExact(t *testing.T) {
	ns := []int{1000, 2048, 4096}
	for n := range 301 {
		ns = append(ns, n)
	}
	for _, f := range fixtures {
		tok := loadFixture(t, f.name)
		p, err := NewPrompter(tok, promptWords)
		if err != nil {
			t.Fatal(err)
		}
		for seed := range uint64(3) {
			rng := rand.New(rand.NewPCG(seed, 7))
			for _, n := range ns {
				s, err := p.Prompt(n, rng)
				if err != nil {
					t.Fatalf("%s: Prompt(%d): %v", f.name, n, err)
				}
				if got := tok.Count(s); got != n {
					t.Fatalf("%s: Prompt(%d) has %d tokens: %q", f.name, n, got, s)
				}
			}
		}
	}
}

// TestPromptRepeatable: the same seed gives the same prompt, another seed
// another (a server's prefix cache must not see repeats).
func TestPromptRepeatable(t *testing.T) {
	p, err := NewPrompter(loadFixture(t, "tiny-llama3.json"), promptWords)
	if err != nil {
		t.Fatal(err)
	}
	draw := func(seed uint64) string {
		s, err := p.Prompt(512, rand.New(rand.NewPCG(seed, 0)))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	if draw(1) != draw(1) {
		t.Error("the same seed gave two prompts")
	}
	if draw(1) == draw(2) {
		t.Error("two seeds gave the same prompt")
	}
}

// TestPromptCorrects: words that change the tokens of their neighbours
// (<|x|> takes the space after it, and "aa" is one token at the start of a
// piece but two after a space) still give prompts of exactly n tokens, by
// the correction after the full count.
func TestPromptCorrects(t *testing.T) {
	tok := loadString(t, strings.NewReplacer("IGNORE", "false", `"lstrip": false, "rstrip": false`, `"lstrip": false, "rstrip": true`).Replace(handFile))
	if a, b := tok.Count("<|x|> aa"), tok.Count("<|x|>")+tok.Count(" aa"); a == b {
		t.Fatalf("<|x|> aa: %d tokens, as its words: the test needs words that do not add up", a)
	}
	p, err := NewPrompter(tok, []string{"<|x|>", "aa", "abc", "a"})
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(5, 5))
	for n := range 300 {
		s, err := p.Prompt(n, rng)
		if err != nil {
			t.Fatalf("Prompt(%d): %v", n, err)
		}
		if got := tok.Count(s); got != n {
			t.Fatalf("Prompt(%d) has %d tokens: %q", n, got, s)
		}
	}
}

// TestPromptFillFromVocab: with no single-token word among the words, the
// filler comes from the vocabulary.
func TestPromptFillFromVocab(t *testing.T) {
	tok := loadFixture(t, "tiny-llama3.json")
	p, err := NewPrompter(tok, []string{"shipwrecks", "conductor"})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.fill) == 0 || len(p.fillFirst) == 0 {
		t.Fatal("no filler")
	}
	for _, w := range p.fill {
		if tok.Count(" "+w) != 1 {
			t.Errorf("filler %q is %d tokens after a space", w, tok.Count(" "+w))
		}
	}
	rng := rand.New(rand.NewPCG(1, 1))
	for _, n := range []int{1, 2, 3, 7, 100} {
		s, err := p.Prompt(n, rng)
		if err != nil || tok.Count(s) != n {
			t.Errorf("Prompt(%d) = %q (%d tokens), %v", n, s, tok.Count(s), err)
		}
	}
}

func TestPromptErrors(t *testing.T) {
	tok := loadFixture(t, "tiny-llama3.json")
	for _, words := range [][]string{nil, {"two words"}, {""}, {"tab\there"}} {
		if _, err := NewPrompter(tok, words); err == nil {
			t.Errorf("NewPrompter(%q): no error", words)
		}
	}
	p, err := NewPrompter(tok, promptWords)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Prompt(-1, rand.New(rand.NewPCG(1, 1))); err == nil {
		t.Error("Prompt(-1): no error")
	}
}

// BenchmarkPrompt: prompts of 1k to 4k tokens under the Llama 3 fixture,
// the verifying count included (reported as prompts per second).
func BenchmarkPrompt(b *testing.B) {
	tok := loadFixture(b, "tiny-llama3.json")
	benchPrompts(b, tok)
}

func benchPrompts(b *testing.B, tok *Tokenizer) {
	p, err := NewPrompter(tok, promptWords)
	if err != nil {
		b.Fatal(err)
	}
	for _, n := range []int{1024, 2048, 4096} {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			rng := rand.New(rand.NewPCG(1, 2))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := p.Prompt(n, rng); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "prompts/s")
		})
	}
}

// BenchmarkCount: counting a 4k-token prompt that the cache has seen, and
// text it has not (every piece new).
func BenchmarkCount(b *testing.B) {
	tok := loadFixture(b, "tiny-llama3.json")
	benchCount(b, tok)
}

func benchCount(b *testing.B, tok *Tokenizer) {
	p, err := NewPrompter(tok, promptWords)
	if err != nil {
		b.Fatal(err)
	}
	s, err := p.Prompt(4096, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		b.Fatal(err)
	}
	b.Run("prompt4k", func(b *testing.B) {
		b.SetBytes(int64(len(s)))
		for b.Loop() {
			tok.Count(s)
		}
	})
	b.Run("uncached", func(b *testing.B) {
		rng := rand.New(rand.NewPCG(3, 4))
		texts := make([]string, 64)
		for i := range texts {
			texts[i] = randomText(rng) + randomText(rng)
		}
		b.ResetTimer()
		for i := 0; b.Loop(); i++ {
			tok.model.mu.Lock()
			clear(tok.model.cache)
			tok.model.mu.Unlock()
			tok.Count(texts[i%len(texts)])
		}
	})
}
