package tokenize

import (
	"bytes"
	"encoding/json"
	"flag"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"testing"
	"time"
)

// A real model's tokenizer.json is not committed (its licence, its 9 MB);
// these flags check and benchmark one beside the fixtures:
//
//	go test ./shared/tokenize -tokenizer ~/llama3/tokenizer.json -tokenizer.oracle /tmp/oracle.json
//	go test ./shared/tokenize -run XXX -bench Real -tokenizer ~/llama3/tokenizer.json
var (
	realFile   = flag.String("tokenizer", "", "a real tokenizer.json to test and benchmark")
	realOracle = flag.String("tokenizer.oracle", "", "the reference's encodings under -tokenizer, as testdata/oracle.js writes them")
)

func loadReal(tb testing.TB) *Tokenizer {
	tb.Helper()
	if *realFile == "" {
		tb.Skip("no -tokenizer file")
	}
	f, err := os.Open(*realFile)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	tok, err := Load(f)
	if err != nil {
		tb.Fatal(err)
	}
	return tok
}

// TestRealFile: the file loads (in how long, with how much memory), its
// encodings are the reference's, and prompts are exact.
func TestRealFile(t *testing.T) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	tok := loadReal(t)
	took := time.Since(start)
	runtime.GC()
	runtime.ReadMemStats(&after)
	t.Logf("loaded %s: %d ids in %v, %.0f MB live", *realFile, tok.VocabSize(), took, float64(after.HeapAlloc-before.HeapAlloc)/1e6)
	if *realOracle != "" {
		b, err := os.ReadFile(*realOracle)
		if err != nil {
			t.Fatal(err)
		}
		var o struct{ Cases []oracleCase }
		if err := json.Unmarshal(b, &o); err != nil {
			t.Fatal(err)
		}
		for _, c := range o.Cases {
			if got := tok.Encode(c.Text); !slices.Equal(got, c.IDs) && len(got)+len(c.IDs) > 0 {
				t.Errorf("Encode(%q) = %v, the reference gives %v", c.Text, got, c.IDs)
			}
		}
		t.Logf("%d encodings as the reference's", len(o.Cases))
	}
	p, err := NewPrompter(tok, promptWords)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 1))
	for _, n := range []int{0, 1, 2, 3, 10, 100, 1000, 4096, 8192} {
		s, err := p.Prompt(n, rng)
		if err != nil || tok.Count(s) != n {
			t.Errorf("Prompt(%d): %d tokens, %v", n, tok.Count(s), err)
		}
	}
}

func BenchmarkRealPrompt(b *testing.B) { benchPrompts(b, loadReal(b)) }
func BenchmarkRealCount(b *testing.B)  { benchCount(b, loadReal(b)) }

func BenchmarkRealLoad(b *testing.B) {
	loadReal(b)
	raw, err := os.ReadFile(*realFile)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		if _, err := Load(bytesReader(raw)); err != nil {
			b.Fatal(err)
		}
	}
}

func bytesReader(b []byte) *bytes.Reader { return bytes.NewReader(b) }
