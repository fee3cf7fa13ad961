package tokenize_test

import (
	"fmt"
	"log"
	"math/rand/v2"
	"os"

	"github.com/llmbench/llmbench/shared/tokenize"
)

func ExampleLoad() {
	f, err := os.Open("testdata/tiny-llama3.json") // a model's tokenizer.json
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	tok, err := tokenize.Load(f)
	if err != nil {
		log.Fatal(err)
	}
	ids := tok.Encode("<|begin_of_text|>The train was late.")
	text, _ := tok.Decode(ids)
	fmt.Println(len(ids), tok.Count("The train was late."), text)
	// Output: 7 6 <|begin_of_text|>The train was late.
}

func ExamplePrompter() {
	f, err := os.Open("testdata/tiny-llama3.json")
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	tok, err := tokenize.Load(f)
	if err != nil {
		log.Fatal(err)
	}
	p, err := tokenize.NewPrompter(tok, []string{"the", "harbour", "train", "was", "late"})
	if err != nil {
		log.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{1, 10, 1000} {
		s, err := p.Prompt(n, rng)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(n, tok.Count(s))
	}
	// Output:
	// 1 1
	// 10 10
	// 1000 1000
}
